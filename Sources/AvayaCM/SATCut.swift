import Common

/// Screens cut at the end of a capture without prompts (a pasted screen, an ASA text report, a
/// log whose session was cut before CM drew the next row). A session log shows the `Command:`
/// prompt that ends every screen, so a missing prompt proves the cut there (`SATReader`); a
/// paste shows no prompt, so the end of the file alone proves nothing: a page drawn completely
/// where the operator simply stopped is normal. What does prove a cut is knowledge of the form:
///
/// 1. **The file ends inside a line** (its last line has no line end), and
/// 2. that line is a row CM always draws with a further field that is missing (the row was cut
///    mid-value), or the page stops before a row CM always draws on that page.
///
/// Both must hold: editors often save a complete paste without a final line end, and a paste
/// that ends with a line end stopped at a row boundary, where nothing tells a cut from a short
/// page. Only rows whose neighbours are attested are used (research §1.2, §1.4–§1.6):
/// station page 1 `Type:`…`Security Code`, `Port:`…`COR`, `Name:`…`COS` (two public parsers'
/// regexes); hunt-group member rows, which draw every column's slot number even when empty
/// (`1: 5001 VOICEMAIL 7: 13:`, DEFINITY G3 guide); `display vdn` page 1 (`Measured:`…`Report
/// Adjunct Calls as ACD*?`, Russian KB capture); `display vector` page 1 header rows (same KB).
enum SATCut {
    /// A row of page `page` that starts with `label` (lower case) always carries `completion`
    /// (as CM prints it) further right.
    struct RowRule { var page: Int; var label: String; var completion: String }
    /// Page `page` is always drawn down to a row starting with `label`.
    struct PageRule { var page: Int; var label: String }

    static let rowRules: [SATObject: [RowRule]] = [
        .station: [RowRule(page: 1, label: "type:", completion: "Security Code"),
                   RowRule(page: 1, label: "port:", completion: "COR"),
                   RowRule(page: 1, label: "name:", completion: "COS")],
        .vdn: [RowRule(page: 1, label: "measured:", completion: "Report Adjunct Calls")],
        .vector: [RowRule(page: 1, label: "number:", completion: "Name:"),
                  RowRule(page: 1, label: "multimedia?", completion: "Lock?"),
                  RowRule(page: 1, label: "basic?", completion: "ASAI Routing?"),
                  RowRule(page: 1, label: "prompting?", completion: "Holidays?")],
    ]

    static let pageRules: [SATObject: [PageRule]] = [
        .station: [PageRule(page: 1, label: "Name:")],
        .vdn: [PageRule(page: 1, label: "Measured:")],
    ]

    /// Why the last screen of a prompt-less capture was cut at the end of the file, or nil when
    /// nothing proves a cut. `unterminated`: the file's last line has no line end.
    static func cutAtEnd(_ s: SATScreen, lastLine: Int, unterminated: Bool) -> String? {
        guard unterminated, let obj = s.command.object, s.command.verb != "list",
              let last = s.lines.last, last.num == lastLine else { return nil }
        let text = Bytes.collapsed(last.bytes)
        guard !text.isEmpty else { return nil }
        let lower = text.lowercased()
        let page = s.pagesSeen.last ?? 1
        for r in rowRules[obj] ?? [] where r.page == page && lower.hasPrefix(r.label) {
            let rest = lower.dropFirst(r.label.count)
            if !rest.contains(r.completion.lowercased()) {
                return "the file ends inside the row '\(text)': CM always draws '\(r.completion)' on it (the last line has no line end)"
            }
        }
        if obj == .huntGroup, let slot = memberSlot(lower), !hasSecondSlot(lower, after: slot) {
            return "the file ends inside member row \(slot) '\(text)': CM draws every column's slot number on it (the last line has no line end)"
        }
        let onPage = s.lines.suffix(s.rowsOnPage).map { Bytes.collapsed($0.bytes).lowercased() }
        for r in pageRules[obj] ?? [] where r.page == page && !onPage.contains(where: { $0.hasPrefix(r.label.lowercased()) }) {
            return "the file ends on page \(page) before the '\(r.label)' row CM always draws there (the last line has no line end)"
        }
        return nil
    }

    /// `12: 3001 Smith` → 12 (a member row's first slot number).
    static func memberSlot(_ t: String) -> Int? {
        guard let colon = t.firstIndex(of: ":"), let n = Int(t[..<colon]) else { return nil }
        return n
    }

    /// True when a later `N:` slot label follows the first (`1: 3001 Smith, John 14:`).
    static func hasSecondSlot(_ t: String, after first: Int) -> Bool {
        t.split(separator: " ").dropFirst().contains { w in
            w.hasSuffix(":") && Int(w.dropLast()).map { $0 > first } == true
        }
    }
}
