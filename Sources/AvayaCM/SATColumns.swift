/// Column layout of a SAT `list` screen (and other tables), taken from its header: the dashes
/// line under the header (`---  ---------`) when there is one, else the header's own words.
/// Rows are cut at those positions, counted in characters (terminal columns, so `ä` is one
/// column), never split on blanks: CM leaves a single blank between a full column and the next
/// (`Welcome Main Lobby Annc 004V9`), and names contain blanks.
struct ListLayout {
    /// Column start positions, ascending; the first column starts at 0.
    var starts: [Int]
    /// Header text of each column (all header lines joined), lower-cased.
    var names: [String]

    enum Split { case segments, words }

    /// From a dashes line and the header lines above it.
    init?(dashes: [UInt8], header: [[UInt8]]) {
        let d = ListLayout.chars(dashes)
        guard ListLayout.isDashes(dashes) else { return nil }
        var st: [Int] = []
        for (i, c) in d.enumerated() where c == "-" && (i == 0 || d[i - 1] == " ") { st.append(i) }
        self.init(starts: st, header: header)
    }

    /// From header lines: column starts are the starts of segments (runs separated by two or
    /// more blanks) of every header line, or of the words of `wordsOf` lines (headers whose
    /// column titles are single words with one blank between them, `Ext Ext  Trk  CPN`).
    init?(header: [[UInt8]], split: Split = .segments) {
        var st = Set<Int>()
        for h in header {
            let c = ListLayout.chars(h)
            for (i, ch) in c.enumerated() where ch != " " && (i == 0 || c[i - 1] == " ") {
                let gap = split == .words ? 1 : 2
                if i == 0 || (i >= gap && c[(i - gap)..<i].allSatisfy { $0 == " " }) { st.insert(i) }
            }
        }
        guard st.count >= 2 else { return nil }
        self.init(starts: st.sorted(), header: header)
    }

    private init(starts raw: [Int], header: [[UInt8]]) {
        var st = raw
        if let f = st.first, f > 0 { st[0] = 0 }
        starts = st
        names = st.indices.map { i in
            let a = st[i], b = i + 1 < st.count ? st[i + 1] : Int.max
            return header.map { h -> String in
                let c = ListLayout.chars(h)
                guard a < c.count else { return "" }
                return String(String.UnicodeScalarView(c[a..<min(b, c.count)])).split(separator: " ").joined(separator: " ")
            }.filter { !$0.isEmpty }.joined(separator: " ").lowercased()
        }
    }

    /// Two columns cut from a header line that titles a row's number and name (`No.  Name/ …`
    /// of `list hunt-group`, whose line 1 holds only those two): the number from column 0, the
    /// name from the start of the `Name` title to the end of the line (the other titles on that
    /// header line belong to line 2).
    static func numberAndName(_ header: [UInt8]) -> ListLayout? {
        // ASCII-lower-cased scalars, so positions stay terminal columns.
        let c = chars(header).map { $0.value >= 65 && $0.value <= 90 ? Unicode.Scalar($0.value + 32) ?? $0 : $0 }
        let word = Array("name".unicodeScalars)
        guard c.count >= word.count,
              var start = (0...(c.count - word.count)).first(where: { Array(c[$0..<($0 + word.count)]) == word }) else { return nil }
        while start > 0, c[start - 1] != " " { start -= 1 }
        guard start > 0 else { return nil }
        var l = ListLayout(starts: [0, start], header: [])
        l.names = ["no", "name"]
        return l
    }

    /// The column whose header contains one of `words` (first match in header order).
    func column(_ words: String...) -> Int? {
        names.firstIndex { n in words.contains { n.contains($0) } }
    }

    /// Cell texts of a row (blank-collapsed). A boundary that falls inside a value (a number
    /// right-aligned under a left-aligned title) moves left to the value's start.
    func cells(_ line: [UInt8]) -> [String] {
        let c = ListLayout.chars(line)
        var bounds = starts
        for i in 1..<bounds.count {
            var b = bounds[i]
            guard b < c.count, b > 0 else { continue }
            if c[b] != " ", c[b - 1] != " " {
                while b > bounds[i - 1] + 1, c[b - 1] != " " { b -= 1 }
                bounds[i] = b
            }
        }
        return bounds.indices.map { i in
            let a = bounds[i], b = i + 1 < bounds.count ? bounds[i + 1] : c.count
            guard a < c.count, a < b else { return "" }
            return String(String.UnicodeScalarView(c[a..<min(b, c.count)])).split(separator: " ").joined(separator: " ")
        }
    }

    static func chars(_ b: [UInt8]) -> [Unicode.Scalar] {
        Array(String(decoding: b, as: UTF8.self).unicodeScalars).map { $0 == "\t" ? " " : $0 }
    }

    /// `---   ----  --`: only dashes and blanks, at least two runs.
    static func isDashes(_ b: [UInt8]) -> Bool {
        var runs = 0, prev: UInt8 = 0x20, any = false
        for x in b {
            if x == UInt8(ascii: "-") { if prev != UInt8(ascii: "-") { runs += 1 }; any = true }
            else if !Bytes.isSpace(x) { return false }
            prev = x
        }
        return any && runs >= 2
    }

    /// The layout of a list screen: its dashes line with up to three header lines above, else
    /// the header lines found by `isHeader` before the first row. Returns the index of the
    /// first line after the header.
    static func find(_ lines: [(num: Int, bytes: [UInt8])], isHeader: ([UInt8]) -> Bool) -> (layout: ListLayout, body: Int)? {
        if let d = lines.firstIndex(where: { isDashes($0.bytes) }) {
            // Header lines directly above; the screen title (all capitals) is not one.
            let above = lines[max(0, d - 3)..<d].map(\.bytes).filter { b in
                let t = Bytes.collapsed(b)
                return !t.isEmpty && t.uppercased() != t
            }
            if let l = ListLayout(dashes: lines[d].bytes, header: above) { return (l, d + 1) }
        }
        guard let h = lines.firstIndex(where: { isHeader($0.bytes) }) else { return nil }
        var end = h + 1
        while end < lines.count, end - h < 3, isHeader(lines[end].bytes) { end += 1 }
        guard let l = ListLayout(header: lines[h..<end].map(\.bytes)) else { return nil }
        return (l, end)
    }
}
