import Common
import Foundation

/// Text output that either accumulates (tests) or streams to a file in 1 MiB chunks
/// (`generate-site` at 100k stations must not build gigabyte strings).
public final class TextSink {
    private var buffer: [UInt8] = []
    private let handle: FileHandle?

    public init() { handle = nil }

    public init(path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let h = FileHandle(forWritingAtPath: path) else { throw AvayaReadError.cannotOpen(path, "not writable") }
        handle = h
    }

    public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if handle != nil, buffer.count >= 1 << 20 { flush() }
    }

    public func line(_ s: String = "") { write(s); write("\n") }

    public func flush() {
        guard let h = handle, !buffer.isEmpty else { return }
        h.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() { flush(); try? handle?.close() }

    /// Accumulated text (in-memory sinks).
    public var text: String { String(decoding: buffer, as: UTF8.self) }
}

/// Which groups of objects go in which file; the same split for SAT and OSSI.
public enum SiteSection: String, CaseIterable, Sendable {
    case stations, agents, groups, vectors, system
}

/// Renders the model as SAT screens laid out like CM 6–10 VT220 captures (column positions are
/// approximate, as on real systems; the reader parses by labels).
public enum SATWriter {
    static let width = 80

    static func header(_ cmd: String, _ page: Int, _ total: Int?) -> String {
        let p = total.map { "Page \(pad3(page)) of \(pad3($0))" } ?? "Page \(pad3(page))"
        let gap = max(2, width - cmd.count - p.count)
        return cmd + String(repeating: " ", count: gap) + p
    }
    static func pad3(_ n: Int) -> String { let s = String(n); return String(repeating: " ", count: max(0, 3 - s.count)) + s }
    static func center(_ t: String) -> String { String(repeating: " ", count: max(0, (width - t.count) / 2)) + t }
    /// Right-aligns a label at `col` and appends the value.
    static func field(_ label: String, _ value: String, labelEnd: Int) -> String {
        String(repeating: " ", count: max(0, labelEnd - label.count)) + label + " " + value
    }
    /// Joins two column strings with at least two blanks, the second starting near `at`.
    static func cols(_ a: String, _ b: String, at: Int = 40) -> String {
        let gap = max(2, at - a.count)
        return a + String(repeating: " ", count: gap) + b
    }
    static func yn(_ b: Bool?) -> String { b.map { $0 ? "y" : "n" } ?? "" }
    static func s(_ i: Int?) -> String { i.map(String.init) ?? "" }

    public static func write(_ m: SiteModel, section: SiteSection, to o: TextSink) {
        switch section {
        case .stations:
            for k in SiteModel.sortedKeys(m.stations) { if let x = m.stations[k] { station(x, o) } }
        case .agents:
            for k in SiteModel.sortedKeys(m.agents) { if let x = m.agents[k] { agent(x, o) } }
        case .groups:
            for k in SiteModel.sortedKeys(m.huntGroups) { if let x = m.huntGroups[k] { huntGroup(x, o) } }
            for k in SiteModel.sortedKeys(m.pickupGroups) { if let x = m.pickupGroups[k] { pickup(x, o) } }
            for k in SiteModel.sortedKeys(m.coveragePaths) { if let x = m.coveragePaths[k] { coverage(x, o) } }
        case .vectors:
            for k in SiteModel.sortedKeys(m.vectors) { if let x = m.vectors[k] { vector(x, o) } }
            for k in SiteModel.sortedKeys(m.vdns) { if let x = m.vdns[k] { vdn(x, o) } }
            for k in SiteModel.sortedKeys(m.announcements) { if let x = m.announcements[k] { announcement(x, o) } }
        case .system:
            for k in SiteModel.sortedKeys(m.tenants) { if let x = m.tenants[k] { tenant(x, o) } }
            for k in SiteModel.sortedKeys(m.cors) { if let x = m.cors[k] { cor(x, o) } }
            cos(m, o)
            reasonCodes(m, o)
            for k in SiteModel.sortedKeys(m.holidayTables) { if let x = m.holidayTables[k] { holiday(x, o) } }
            publicNumbering(m, o)
            dialPlan(m, o)
        }
    }

    static func buttonText(_ b: Button) -> String {
        var parts = [b.type]
        let names = ButtonLayout.names(for: b.type).filter { !$0.isEmpty }
        for n in names + b.parameters.keys.sorted().filter({ !names.contains($0) }) {
            if let v = b.parameters[n] { parts.append("\(ButtonLayout.satLabel(n, type: b.type)): \(v)") }
            else if n == "extension" || n == "group" { parts.append("\(ButtonLayout.satLabel(n, type: b.type)):") }
        }
        if b.type == "brdg-appr" || b.type == "abrdg-appr" {
            // Real screens print compact "B:1 E:3002".
            parts = [b.type, "B:\(b.parameters["button"] ?? "")", "E:\(b.parameters["extension"] ?? "")"]
            if let r = b.parameters["ring"] { parts.append("R:\(r)") }
        }
        return parts.joined(separator: " ")
    }

    static func station(_ x: Station, _ o: TextSink) {
        let cmd = "display station \(x.extension)"
        let main = x.buttons.filter { $0.module == 0 }
        let total = (main.map(\.number).max() ?? 0) > 8 ? 4 : 3
        o.line(header(cmd, 1, total)); o.line(center("STATION")); o.line()
        o.line(cols(cols(field("Extension:", x.extension, labelEnd: 10), "Lock Messages? n", at: 41), "BCC: 0", at: 68))
        o.line(cols(cols(field("Type:", x.setType ?? "", labelEnd: 10), "Security Code: \(x.hasSecurityCode == true ? "*" : "")", at: 41), "TN: \(s(x.tenant))", at: 69))
        o.line(cols(cols(field("Port:", x.port ?? "", labelEnd: 10), "Coverage Path 1: \(x.coveragePath1 ?? "")", at: 39), "COR: \(s(x.cor))", at: 68))
        o.line(cols(cols(field("Name:", x.name ?? "", labelEnd: 10), "Coverage Path 2: \(x.coveragePath2 ?? "")", at: 39), "COS: \(s(x.cos))", at: 68))
        o.line(cols(String(repeating: " ", count: 39) + "Hunt-to Station: \(x.huntToStation ?? "")", "Tests? y", at: 66))
        o.line("STATION OPTIONS")
        o.line(cols("              Loss Group: 19", "Personalized Ringing Pattern: 1", at: 33))
        o.line(cols("         Display Language: english", "Button Modules: 0", at: 49))
        o.line()
        o.line(header(cmd, 2, total)); o.line(center("STATION")); o.line("FEATURE OPTIONS")
        o.line(cols("           LWC Reception: spe", "Auto Select Any Idle Appearance? n", at: 44))
        o.line(cols("             Auto Answer: none", "EC500 State: \(x.ec500State ?? "")", at: 55))
        o.line()
        var page = 3
        var start = 1
        while page <= total {
            o.line(header(cmd, page, total)); o.line(center("STATION"))
            if page == 3 { o.line(" SITE DATA"); o.line(cols("      Room:", "Headset? n", at: 57)); o.line() }
            o.line("BUTTON ASSIGNMENTS")
            let per = page == 3 ? 4 : 8
            for r in 0..<per {
                let ln = start + r, rn = start + per + r
                let left = main.first { $0.number == ln }.map(buttonText) ?? ""
                let right = main.first { $0.number == rn }.map(buttonText) ?? ""
                o.line(cols("\(pad3(ln).dropFirst()): \(left)", "\(pad3(rn).dropFirst()): \(right)", at: 41))
            }
            o.line()
            start += per * 2; page += 1
        }
    }

    static func agent(_ x: Agent, _ o: TextSink) {
        let cmd = "display agent-loginid \(x.loginId)"
        o.line(header(cmd, 1, 2)); o.line(center("AGENT LOGINID")); o.line()
        o.line(cols(field("Login ID:", x.loginId, labelEnd: 25), "AAS? n", at: 65))
        o.line(cols(field("Name:", x.name ?? "", labelEnd: 25), "AUDIX? n", at: 63))
        o.line(cols(field("TN:", s(x.tenant), labelEnd: 25), "Check skill TNs to match agent TN? n", at: 33))
        o.line(field("COR:", s(x.cor), labelEnd: 25))
        o.line(cols(field("Coverage Path:", x.coveragePath ?? "", labelEnd: 25), "LWC Reception: spe", at: 55))
        o.line(cols(field("Security Code:", x.extra["securityCodeSet"] == "y" ? "*" : "", labelEnd: 25), "LWC Log External Calls? n", at: 46))
        o.line(); o.line(cols(String(repeating: " ", count: 46), "Auto Answer: station", at: 59)); o.line()
        o.line(header(cmd, 2, 2)); o.line(center("AGENT LOGINID"))
        o.line(cols(field("Direct Agent Skill:", s(x.directAgentSkill), labelEnd: 24), "Service Objective? n", at: 58))
        o.line(cols("Call Handling Preference: \(x.callHandlingPreference ?? "")", "Local Call Preference? n", at: 55))
        o.line()
        let hasPA = x.skills.contains { $0.percentAllocation != nil }
        o.line(hasPA ? "    SN    RL SL PA       SN    RL SL PA" : "    SN    RL SL          SN    RL SL")
        let rows = max(4, (x.skills.count + 1) / 2)
        for r in 0..<rows {
            var line = skillCell(r + 1, r < x.skills.count ? x.skills[r] : nil, hasPA)
            let ri = r + rows
            line = padTo(line, 21) + skillCell(ri + 1, ri < x.skills.count ? x.skills[ri] : nil, hasPA)
            o.line(line)
        }
        o.line()
    }

    static func padTo(_ s: String, _ n: Int) -> String { s.count >= n ? s + "  " : s + String(repeating: " ", count: n - s.count) }

    static func skillCell(_ n: Int, _ sk: AgentSkill?, _ pa: Bool) -> String {
        var c = "\(pad3(n).dropFirst()): "
        guard let sk else { return c }
        c += String(sk.skill)
        c = padTo(c, 10) + (sk.reserveLevel.map(String.init) ?? "")
        c = padTo(c, 13) + (sk.level.map(String.init) ?? "")
        if pa { c = padTo(c, 16) + (sk.percentAllocation.map(String.init) ?? "") }
        return c
    }

    static func huntGroup(_ x: HuntGroup, _ o: TextSink) {
        let cmd = "display hunt-group \(x.number)"
        let memberPages = max(1, (x.members.count + 15) / 16)
        let total = 2 + memberPages
        o.line(header(cmd, 1, total)); o.line(center("HUNT GROUP")); o.line()
        o.line(cols(field("Group Number:", String(x.number), labelEnd: 25), "ACD? \(yn(x.acd))", at: 51))
        o.line(cols(field("Group Name:", x.name ?? "", labelEnd: 25), "Queue? \(yn(x.queue))", at: 49))
        o.line(cols(field("Group Extension:", x.extension ?? "", labelEnd: 25), "Vector? \(yn(x.vector))", at: 48))
        o.line(field("Group Type:", x.groupType ?? "", labelEnd: 25))
        o.line(field("TN:", s(x.tenant), labelEnd: 25))
        o.line(cols(field("COR:", s(x.cor), labelEnd: 25), "MM Early Answer? n", at: 46))
        o.line(field("Security Code:", "", labelEnd: 25)); o.line()
        o.line(field("Queue Limit:", x.queueLimit ?? "", labelEnd: 24))
        o.line(cols(field("Calls Warning Threshold:", x.callsWarningThreshold ?? "", labelEnd: 24), "Port:", at: 30))
        o.line(cols(field("Time Warning Threshold:", x.timeWarningThreshold ?? "", labelEnd: 24), "Port:", at: 30))
        o.line()
        o.line(header(cmd, 2, total)); o.line(center("HUNT GROUP")); o.line()
        o.line(cols(field("Skill?", yn(x.skill), labelEnd: 24), "Expected Call Handling Time (sec): 180", at: 32))
        o.line(cols(field("AAS?", "n", labelEnd: 24), "Service Level Target (% in sec): 80 in 20", at: 34))
        o.line(field("Measured:", x.acd == true ? "both" : "none", labelEnd: 24))
        o.line(field("Night Service Destination:", x.nightServiceDestination ?? "", labelEnd: 30))
        o.line(field("Coverage Path:", x.coveragePath ?? "", labelEnd: 30))
        o.line()
        for p in 0..<memberPages {
            o.line(header(cmd, 3 + p, total)); o.line(center("HUNT GROUP")); o.line()
            o.line(cols(cols("Group Number: \(x.number)", "Group Extension: \(x.extension ?? "")", at: 23), "Group Type: \(x.groupType ?? "")", at: 54))
            o.line(cols(" Member Range Allowed: 1 - 1500", "Administered Members (min/max): 1   /\(x.members.count)", at: 37))
            o.line(cols(String(repeating: " ", count: 42), "Total Administered Members: \(x.members.count)", at: 42))
            o.line("GROUP MEMBER ASSIGNMENTS")
            o.line("     Ext           Name(19 characters)       Ext           Name(19 characters)")
            for r in 0..<8 {
                let a = p * 16 + r, b = p * 16 + 8 + r
                o.line(cols(memberCell(a + 1, a < x.members.count ? x.members[a] : nil), memberCell(b + 1, b < x.members.count ? x.members[b] : nil), at: 41))
            }
            o.line()
        }
    }

    static func memberCell(_ n: Int, _ ext: String?) -> String {
        let num = String(repeating: " ", count: max(0, 3 - String(n).count)) + "\(n): "
        return num + (ext ?? "")
    }

    static func vector(_ x: Vector, _ o: TextSink) {
        let cmd = "display vector \(x.number)"
        let perPage = 10
        let total = max(1, (x.steps.count + perPage - 1) / perPage)
        for p in 0..<total {
            o.line(header(cmd, p + 1, total)); o.line(center("CALL VECTOR")); o.line()
            if p == 0 {
                o.line(cols("    Number: \(x.number)", "Name: \(x.name ?? "")", at: 25))
                o.line("Multimedia? n      Attendant Vectoring? n    Meet-me Conf? n           Lock? n")
                o.line("     Basic? y   EAS? y   G3V4 Enhanced? y   ANI/II-Digits? y   ASAI Routing? y")
                o.line(" Prompting? y   LAI? y  G3V4 Adv Route? y   CINFO? y   BSR? y   Holidays? y")
                o.line(" Variables? y   3.0 Enhanced? y")
            }
            for st in x.steps.dropFirst(p * perPage).prefix(perPage) {
                o.line("\(SiteGenerator.pad(st.number, 2)) \(stepLayout(st.text))")
            }
            o.line()
        }
    }

    /// Pads the command word to the step column width real screens use.
    static func stepLayout(_ t: String) -> String {
        guard let sp = t.firstIndex(of: " ") else { return t }
        let cmd = String(t[..<sp])
        return padTo(cmd, 12) + String(t[t.index(after: sp)...])
    }

    static func vdn(_ x: VDN, _ o: TextSink) {
        let cmd = "display vdn \(x.extension)"
        o.line(header(cmd, 1, 2)); o.line(center("VECTOR DIRECTORY NUMBER")); o.line()
        o.line(field("Extension:", x.extension, labelEnd: 38))
        o.line(field("Name*:", x.name ?? "", labelEnd: 38))
        o.line(field("Destination:", x.vectorNumber.map { "Vector Number        \($0)" } ?? "", labelEnd: 38))
        o.line(field("Attendant Vectoring?", "n", labelEnd: 38))
        o.line(field("Allow VDN Override?", "n", labelEnd: 38))
        o.line(field("COR:", s(x.cor), labelEnd: 38))
        o.line(field("TN*:", s(x.tenant), labelEnd: 38))
        o.line(cols(field("Measured:", "none", labelEnd: 38), "Report Adjunct Calls as ACD*? n", at: 48))
        o.line()
        o.line(header(cmd, 2, 2)); o.line(center("VECTOR DIRECTORY NUMBER")); o.line()
        o.line(field("VDN of Origin Annc. Extension*:", "", labelEnd: 38))
        o.line(field("1st Skill*:", s(x.skill1), labelEnd: 38))
        o.line(field("2nd Skill*:", s(x.skill2), labelEnd: 38))
        o.line(field("3rd Skill*:", s(x.skill3), labelEnd: 38))
        o.line()
    }

    static func coverage(_ x: CoveragePath, _ o: TextSink) {
        o.line(header("display coverage path \(x.number)", 1, 1)); o.line(center("COVERAGE PATH")); o.line()
        o.line(field("Coverage Path Number:", String(x.number), labelEnd: 42))
        o.line(cols("     Cvg Enabled for VDN Route-To Party? n", "Hunt after Coverage? \(yn(x.huntAfterCoverage))", at: 50))
        o.line(cols(field("Next Path Number:", s(x.nextPath), labelEnd: 39), "Linkage:", at: 50))
        o.line(); o.line("COVERAGE CRITERIA")
        o.line("    Station/Group Status    Inside Call    Outside Call")
        let rows: [(String, KeyPath<CoverageCriteria, Bool?>)] = [
            ("Active?", \.active), ("Busy?", \.busy), ("Don't Answer?", \.dontAnswer), ("All?", \.all),
            ("DND/SAC/Goto Cover?", \.dndSacGotoCover), ("Holiday Coverage?", \.holiday), ("Logged off/PSA/TTI?", \.loggedOff),
        ]
        for (label, kp) in rows {
            var l = String(repeating: " ", count: max(1, 20 - label.count)) + label
            l = padTo(l, 33) + yn(x.inside[keyPath: kp])
            l = padTo(l, 49) + yn(x.outside[keyPath: kp])
            if label == "Don't Answer?" { l = padTo(l, 59) + "Number of Rings: \(s(x.dontAnswerRings))" }
            o.line(l)
        }
        o.line(); o.line("COVERAGE POINTS")
        o.line("   Terminate to Coverage Pts. with Bridged Appearances? n")
        for r in 0..<3 {
            func cell(_ i: Int) -> String {
                let p = i < x.points.count ? x.points[i] : nil
                var c = "Point\(i + 1): \(p?.point ?? "")"
                if let rg = p?.rings { c = padTo(c, 18) + "Rng: \(rg)" }
                return c
            }
            o.line(cols("  " + cell(r * 2), cell(r * 2 + 1), at: 32))
        }
        o.line()
    }

    static func cor(_ x: ClassOfRestriction, _ o: TextSink) {
        o.line(header("display cor \(x.number)", 1, 1)); o.line(center("CLASS OF RESTRICTION")); o.line()
        o.line(field("COR Number:", String(x.number), labelEnd: 26))
        o.line(field("COR Description:", x.description ?? "", labelEnd: 26)); o.line()
        o.line(cols(field("FRL:", s(x.frl), labelEnd: 26), "APLT? y", at: 60))
        o.line(cols("  Can Be Service Observed? n", "Calling Party Restriction: none", at: 39))
        o.line(cols("         Priority Queuing? n", "Direct Agent Calling? y", at: 44))
        o.line()
    }

    static func cos(_ m: SiteModel, _ o: TextSink) {
        guard !m.coses.isEmpty else { return }
        let nums = m.coses.values.map(\.number).sorted()
        var labels = Set<String>()
        for c in m.coses.values { labels.formUnion(c.permissions.keys) }
        let ordered = SiteGenerator.cosRows.filter { labels.contains($0) } + labels.subtracting(SiteGenerator.cosRows).sorted()
        let chunks = stride(from: 0, to: nums.count, by: 16).map { Array(nums[$0..<min($0 + 16, nums.count)]) }
        for (pi, cols) in chunks.enumerated() {
            o.line(header("display cos", pi + 1, chunks.count)); o.line(center("CLASS OF SERVICE")); o.line()
            o.line(String(repeating: " ", count: 29) + cols.map { pad3($0) }.joined())
            o.line()
            for l in ordered {
                var line = String(repeating: " ", count: max(1, 29 - l.count)) + l
                if line.count > 29 { line += " " }
                line += cols.map { c -> String in
                    let v = m.coses[String(c)]?.permissions[l]
                    return "  " + (v == true ? "y" : "n")
                }.joined()
                o.line(line)
            }
            o.line()
        }
    }

    static func reasonCodes(_ m: SiteModel, _ o: TextSink) {
        guard !m.reasonCodes.isEmpty else { return }
        o.line(header("display reason-code-names", 1, 1)); o.line(center("REASON CODE NAMES")); o.line()
        o.line("                 Aux Work/              Logout")
        o.line("               Interruptible?")
        let codes = Set(m.reasonCodes.values.filter { $0.code > 0 }.map(\.code)).sorted()
        for c in codes {
            let a = m.reasonCodes["aux/\(c)"], l = m.reasonCodes["logout/\(c)"]
            var line = " Reason Code \(pad3(c).dropFirst()): " + (a?.name ?? "")
            line = padTo(line, 33) + "/" + (a?.interruptible.map { $0 ? "y" : "n" } ?? "n")
            if let l { line = padTo(line, 41) + l.name }
            o.line(line)
        }
        o.line(cols(" Default Reason Code: \(m.reasonCodes["aux/0"]?.name ?? "")", m.reasonCodes["logout/0"]?.name ?? "", at: 41))
        o.line()
    }

    static func holiday(_ x: HolidayTable, _ o: TextSink) {
        o.line(header("display holiday-table \(x.number)", 1, 1)); o.line(center("HOLIDAY TABLE")); o.line()
        o.line(cols("   Number: \(x.number)", "Name: \(x.name ?? "")", at: 29)); o.line()
        o.line("                   START                    END")
        o.line("         Month  Day  Hour  Min    Month  Day  Hour  Min   Description")
        for e in x.entries {
            let p = { (n: Int) in SiteGenerator.pad(n, 2) }
            o.line("          \(p(e.startMonth))    \(p(e.startDay))    \(p(e.startHour))    \(p(e.startMinute))     \(p(e.endMonth))    \(p(e.endDay))    \(p(e.endHour))    \(p(e.endMinute))   \(e.description ?? "")")
        }
        o.line()
    }

    static func announcement(_ x: Announcement, _ o: TextSink) {
        o.line(header("display announcement \(x.extension)", 1, 1)); o.line(center("ANNOUNCEMENTS/AUDIO SOURCES")); o.line()
        o.line(cols(field("Extension:", x.extension, labelEnd: 20), "COR: 1", at: 55))
        o.line(cols(field("Annc Name:", x.name ?? "", labelEnd: 20), "TN: 1", at: 56))
        o.line(cols(field("Annc Type:", x.type ?? "", labelEnd: 20), "Queue? y", at: 53))
        o.line(field("Source:", x.source ?? "", labelEnd: 20))
        o.line()
    }

    static func publicNumbering(_ m: SiteModel, _ o: TextSink) {
        guard !m.publicNumbering.isEmpty else { return }
        o.line(header("display public-unknown-numbering 0", 1, 1)); o.line(center("NUMBERING - PUBLIC/UNKNOWN FORMAT"))
        o.line("                                  Total")
        o.line("Ext Ext           Trk     CPN             CPN")
        o.line("Len Code          Grp(s)  Prefix          Len")
        o.line(String(repeating: " ", count: 52) + "Total Administered: \(m.publicNumbering.count)")
        for k in m.publicNumbering.keys.sorted() {
            guard let p = m.publicNumbering[k] else { continue }
            var l = " " + String(p.extensionLength)
            l = padTo(l, 4) + p.extensionCode
            l = padTo(l, 18) + (p.trunkGroups ?? "")
            l = padTo(l, 26) + (p.cpnPrefix ?? "")
            l = padTo(l, 42) + s(p.cpnLength)
            o.line(l)
        }
        o.line()
    }

    static func dialPlan(_ m: SiteModel, _ o: TextSink) {
        guard !m.dialPlan.isEmpty else { return }
        o.line("display dialplan analysis")
        o.line(center("DIAL PLAN ANALYSIS TABLE"))
        o.line("                                   Location:  all           Percent Full:    2")
        o.line()
        o.line("       Dialed   Total  Call    Dialed   Total  Call     Dialed   Total  Call")
        o.line("       String   Length Type    String   Length Type     String   Length Type")
        let entries = m.dialPlan.keys.sorted().compactMap { m.dialPlan[$0] }
        let rows = (entries.count + 2) / 3
        for r in 0..<rows {
            var l = ""
            for c in 0..<3 {
                let i = c * rows + r
                guard i < entries.count else { continue }
                let e = entries[i]
                l = padTo(l, 5 + c * 24) + e.dialedString
                l = padTo(l, 18 + c * 24) + String(e.totalLength)
                l = padTo(l, 23 + c * 24) + e.callType
            }
            o.line(l)
        }
        o.line()
    }

    static func pickup(_ x: PickupGroup, _ o: TextSink) {
        o.line(header("display pickup-group \(x.number)", 1, 1)); o.line(center("PICKUP GROUP")); o.line()
        o.line(field("Group Number:", String(x.number), labelEnd: 40))
        o.line(field("Group Name:", x.name ?? "", labelEnd: 40)); o.line()
        o.line(center("GROUP MEMBER ASSIGNMENTS")); o.line()
        o.line("          Extension  Name                       Extension  Name")
        let rows = max(4, (x.members.count + 1) / 2)
        for r in 0..<rows {
            let a = r, b = r + rows
            o.line(cols("   " + memberCell(a + 1, a < x.members.count ? x.members[a] : nil), memberCell(b + 1, b < x.members.count ? x.members[b] : nil), at: 40))
        }
        o.line()
    }

    static func tenant(_ x: Tenant, _ o: TextSink) {
        o.line(header("display tenant \(x.number)", 1, 1)); o.line(center("TENANT \(x.number)")); o.line()
        o.line(field("Tenant Description:", x.description ?? "", labelEnd: 21))
        o.line(field("Attendant Group:", s(x.attendantGroup), labelEnd: 21))
        o.line(field("Music Source:", x.musicSource ?? "", labelEnd: 21))
        o.line(field("Night Destination:", x.nightDestination ?? "", labelEnd: 21))
        o.line(field("COS Group:", s(x.cosGroup), labelEnd: 21))
        o.line()
    }
}

/// Renders the model as OSSI responses (`c`/`f`/`d`/`t`, `n` between list records), using the
/// same dictionary the reader uses, so the two are inverse by construction.
public enum OSSIWriter {
    static let perLine = 8

    static func record(_ pairs: [(String, String)], _ o: TextSink) {
        var i = 0
        var fl: [[String]] = [], dl: [[String]] = []
        while i < pairs.count {
            let chunk = pairs[i..<min(i + perLine, pairs.count)]
            fl.append(chunk.map(\.0)); dl.append(chunk.map(\.1)); i += perLine
        }
        for f in fl { o.line("f" + f.joined(separator: "\t")) }
        for d in dl { o.line("d" + d.joined(separator: "\t")) }
    }

    static func ids(_ form: String, _ d: OSSIDictionary) -> [String: String] {
        var r: [String: String] = [:]
        for (id, key) in d.forms[form] ?? [:] { r[key] = id }
        return r
    }

    static func row(_ prefix: String?, _ n: Int) -> String? {
        guard let p = prefix, p.hasSuffix("##"), n >= 0, n < 256 else { return nil }
        let h = String(n, radix: 16)
        return String(p.dropLast(2)) + (h.count == 1 ? "0" + h : h)
    }

    public static func write(_ m: SiteModel, section: SiteSection, to o: TextSink, dictionary d: OSSIDictionary = .builtIn) {
        func yn(_ b: Bool?) -> String { b.map { $0 ? "y" : "n" } ?? "" }
        func s(_ i: Int?) -> String { i.map(String.init) ?? "" }
        switch section {
        case .stations:
            let id = ids("station", d)
            for k in SiteModel.sortedKeys(m.stations) {
                guard let x = m.stations[k] else { continue }
                o.line("c display station \(x.extension)")
                var p: [(String, String)] = []
                func add(_ key: String, _ v: String) { if let i = id[key] { p.append((i, v)) } }
                add("extension", x.extension); add("setType", x.setType ?? ""); add("port", x.port ?? "")
                add("name", x.name ?? ""); add("securityCode", x.hasSecurityCode == true ? "*" : " ")
                add("coveragePath1", x.coveragePath1 ?? ""); add("coveragePath2", x.coveragePath2 ?? "")
                add("huntToStation", x.huntToStation ?? ""); add("tenant", s(x.tenant)); add("cor", s(x.cor))
                add("cos", s(x.cos)); add("ec500State", x.ec500State ?? "")
                for b in x.buttons where b.module == 0 {
                    if let i = row(id["button.type"], b.number) { p.append((i, b.type)) }
                    for (n, v) in ButtonLayout.data(type: b.type, parameters: b.parameters).enumerated() where !v.isEmpty {
                        if let i = row(id["button.data\(n + 1)"], b.number) { p.append((i, v)) }
                    }
                }
                record(p, o); o.line("t")
            }
            // The key list an extraction starts from (pbx-export style), read as summary rows.
            let lid = ids("list.station", d)
            o.line("c list station")
            if let e = lid["extension"], let t = lid["setType"] { o.line("f\(e)\t\(t)") }
            var first = true
            for k in SiteModel.sortedKeys(m.stations) {
                guard let x = m.stations[k] else { continue }
                if !first { o.line("n") }
                first = false
                o.line("d\(x.extension)\t\(x.setType ?? "")")
            }
            o.line("t")
        case .agents:
            let id = ids("agent", d)
            for k in SiteModel.sortedKeys(m.agents) {
                guard let x = m.agents[k] else { continue }
                o.line("c display agent-loginid \(x.loginId)")
                var p: [(String, String)] = []
                func add(_ key: String, _ v: String) { if let i = id[key] { p.append((i, v)) } }
                add("loginId", x.loginId); add("name", x.name ?? ""); add("tenant", s(x.tenant)); add("cor", s(x.cor))
                add("coveragePath", x.coveragePath ?? ""); add("securityCode", x.extra["securityCodeSet"] == "y" ? "*" : " ")
                add("directAgentSkill", s(x.directAgentSkill)); add("callHandlingPreference", x.callHandlingPreference ?? "")
                for (n, sk) in x.skills.enumerated() {
                    if let i = row(id["skill.sn"], n + 1) { p.append((i, String(sk.skill))) }
                    if let i = row(id["skill.rl"], n + 1) { p.append((i, s(sk.reserveLevel))) }
                    if let i = row(id["skill.sl"], n + 1) { p.append((i, s(sk.level))) }
                    if sk.percentAllocation != nil, let i = row(id["skill.pa"], n + 1) { p.append((i, s(sk.percentAllocation))) }
                }
                record(p, o); o.line("t")
            }
        case .groups:
            let id = ids("huntGroup", d)
            for k in SiteModel.sortedKeys(m.huntGroups) {
                guard let x = m.huntGroups[k] else { continue }
                o.line("c display hunt-group \(x.number)")
                var p: [(String, String)] = []
                func add(_ key: String, _ v: String) { if let i = id[key] { p.append((i, v)) } }
                add("number", String(x.number)); add("name", x.name ?? ""); add("extension", x.extension ?? "")
                add("groupType", x.groupType ?? ""); add("acd", yn(x.acd)); add("queue", yn(x.queue))
                add("vector", yn(x.vector)); add("skill", yn(x.skill)); add("tenant", s(x.tenant)); add("cor", s(x.cor))
                add("coveragePath", x.coveragePath ?? ""); add("nightServiceDestination", x.nightServiceDestination ?? "")
                add("queueLimit", x.queueLimit ?? ""); add("callsWarningThreshold", x.callsWarningThreshold ?? "")
                add("timeWarningThreshold", x.timeWarningThreshold ?? "")
                for (n, mem) in x.members.enumerated() {
                    let block = n / 255, idx = n % 255 + 1
                    let key = block == 0 ? "member" : "member@\(block * 255)"
                    if let i = row(id[key], idx) { p.append((i, mem)) }
                }
                record(p, o); o.line("t")
            }
            let pid = ids("pickupGroup", d)
            for k in SiteModel.sortedKeys(m.pickupGroups) {
                guard let x = m.pickupGroups[k] else { continue }
                o.line("c display pickup-group \(x.number)")
                var p: [(String, String)] = [(pid["number"] ?? "", String(x.number)), (pid["name"] ?? "", x.name ?? "")]
                for (n, mem) in x.members.enumerated() { if let i = row(pid["member"], n + 1) { p.append((i, mem)) } }
                record(p, o); o.line("t")
            }
            let cid = ids("coveragePath", d)
            for k in SiteModel.sortedKeys(m.coveragePaths) {
                guard let x = m.coveragePaths[k] else { continue }
                o.line("c display coverage path \(x.number)")
                var p: [(String, String)] = []
                func add(_ key: String, _ v: String) { if let i = cid[key] { p.append((i, v)) } }
                add("number", String(x.number)); add("nextPath", s(x.nextPath)); add("huntAfterCoverage", yn(x.huntAfterCoverage))
                for (pre, c) in [("inside", x.inside), ("outside", x.outside)] {
                    add(pre + "Active", yn(c.active)); add(pre + "Busy", yn(c.busy)); add(pre + "DontAnswer", yn(c.dontAnswer))
                    add(pre + "All", yn(c.all)); add(pre + "Dnd", yn(c.dndSacGotoCover)); add(pre + "Holiday", yn(c.holiday))
                    add(pre + "LoggedOff", yn(c.loggedOff))
                }
                add("dontAnswerRings", s(x.dontAnswerRings))
                for (n, pt) in x.points.enumerated() {
                    if let i = row(cid["point.ext"], n + 1) { p.append((i, pt.point)) }
                    if let i = row(cid["point.rings"], n + 1) { p.append((i, s(pt.rings))) }
                }
                record(p, o); o.line("t")
            }
        case .vectors:
            let id = ids("vector", d)
            for k in SiteModel.sortedKeys(m.vectors) {
                guard let x = m.vectors[k] else { continue }
                o.line("c display vector \(x.number)")
                var p: [(String, String)] = [(id["number"] ?? "", String(x.number)), (id["name"] ?? "", x.name ?? "")]
                for st in x.steps {
                    // Command word(s) / object / qualifier: the split is ours ([verify]); the reader joins them.
                    let w = st.text.split(separator: " ").map(String.init)
                    let cmdWords = (w.first == "goto" || w.first == "route-to") ? 2 : 1
                    let cmd = w.prefix(cmdWords).joined(separator: " ")
                    let obj = w.dropFirst(cmdWords).prefix(2).joined(separator: " ")
                    let qual = w.dropFirst(cmdWords + 2).joined(separator: " ")
                    if let i = row(id["step.cmd"], st.number) { p.append((i, cmd)) }
                    if let i = row(id["step.obj"], st.number) { p.append((i, obj)) }
                    if let i = row(id["step.qual"], st.number) { p.append((i, qual)) }
                }
                record(p, o); o.line("t")
            }
            let vid = ids("vdn", d)
            for k in SiteModel.sortedKeys(m.vdns) {
                guard let x = m.vdns[k] else { continue }
                o.line("c display vdn \(x.extension)")
                var p: [(String, String)] = []
                func add(_ key: String, _ v: String) { if let i = vid[key] { p.append((i, v)) } }
                add("extension", x.extension); add("name", x.name ?? ""); add("vectorNumber", s(x.vectorNumber))
                add("cor", s(x.cor)); add("tenant", s(x.tenant)); add("skill1", s(x.skill1)); add("skill2", s(x.skill2))
                add("skill3", s(x.skill3))
                record(p, o); o.line("t")
            }
            let aid = ids("announcement", d)
            for k in SiteModel.sortedKeys(m.announcements) {
                guard let x = m.announcements[k] else { continue }
                o.line("c display announcement \(x.extension)")
                record([(aid["extension"] ?? "", x.extension), (aid["name"] ?? "", x.name ?? ""),
                        (aid["type"] ?? "", x.type ?? ""), (aid["source"] ?? "", x.source ?? "")], o)
                o.line("t")
            }
        case .system:
            let tid = ids("tenant", d)
            for k in SiteModel.sortedKeys(m.tenants) {
                guard let x = m.tenants[k] else { continue }
                o.line("c display tenant \(x.number)")
                record([(tid["number"] ?? "", String(x.number)), (tid["description"] ?? "", x.description ?? ""),
                        (tid["attendantGroup"] ?? "", s(x.attendantGroup)), (tid["musicSource"] ?? "", x.musicSource ?? ""),
                        (tid["nightDestination"] ?? "", x.nightDestination ?? ""), (tid["cosGroup"] ?? "", s(x.cosGroup))], o)
                o.line("t")
            }
            let rid = ids("cor", d)
            for k in SiteModel.sortedKeys(m.cors) {
                guard let x = m.cors[k] else { continue }
                o.line("c display cor \(x.number)")
                record([(rid["number"] ?? "", String(x.number)), (rid["description"] ?? "", x.description ?? ""),
                        (rid["frl"] ?? "", s(x.frl))], o)
                o.line("t")
            }
            if !m.coses.isEmpty {
                let sid = ids("cos", d)
                o.line("c display cos")
                var p: [(String, String)] = []
                for key in (d.forms["cos"] ?? [:]).values.sorted() {
                    let label = String(key.dropFirst(4))
                    for c in m.coses.values.map(\.number).sorted() {
                        if let v = m.coses[String(c)]?.permissions[label], let i = row(sid[key], c + 1) { p.append((i, v ? "y" : "n")) }
                    }
                }
                record(p, o); o.line("t")
            }
            if !m.reasonCodes.isEmpty {
                let rcid = ids("reasonCodes", d)
                o.line("c display reason-code-names")
                var p: [(String, String)] = []
                if let a = m.reasonCodes["aux/0"], let i = rcid["defaultAux"] { p.append((i, a.name)) }
                if let l = m.reasonCodes["logout/0"], let i = rcid["defaultLogout"] { p.append((i, l.name)) }
                for r in m.reasonCodes.values.sorted(by: { ($0.kind.rawValue, $0.code) < ($1.kind.rawValue, $1.code) }) where r.code > 0 {
                    if r.kind == .aux {
                        if let i = row(rcid["aux.name"], r.code) { p.append((i, r.name)) }
                        if let i = row(rcid["aux.interruptible"], r.code) { p.append((i, r.interruptible.map { $0 ? "y" : "n" } ?? "")) }
                    } else if let i = row(rcid["logout.name"], r.code) { p.append((i, r.name)) }
                }
                record(p, o); o.line("t")
            }
            let hid = ids("holidayTable", d)
            for k in SiteModel.sortedKeys(m.holidayTables) {
                guard let x = m.holidayTables[k] else { continue }
                o.line("c display holiday-table \(x.number)")
                var p: [(String, String)] = [(hid["number"] ?? "", String(x.number)), (hid["name"] ?? "", x.name ?? "")]
                for (n, e) in x.entries.enumerated() {
                    let vals: [(String, String)] = [("row.startMonth", String(e.startMonth)), ("row.startDay", String(e.startDay)),
                        ("row.startHour", String(e.startHour)), ("row.startMinute", String(e.startMinute)),
                        ("row.endMonth", String(e.endMonth)), ("row.endDay", String(e.endDay)),
                        ("row.endHour", String(e.endHour)), ("row.endMinute", String(e.endMinute)),
                        ("row.description", e.description ?? "")]
                    for (key, v) in vals { if let i = row(hid[key], n + 1) { p.append((i, v)) } }
                }
                record(p, o); o.line("t")
            }
            if !m.publicNumbering.isEmpty {
                let pid = ids("publicNumbering", d)
                o.line("c display public-unknown-numbering 0")
                var p: [(String, String)] = []
                for (n, k) in m.publicNumbering.keys.sorted().enumerated() {
                    guard let e = m.publicNumbering[k] else { continue }
                    for (key, v) in [("row.extLen", String(e.extensionLength)), ("row.extCode", e.extensionCode),
                                     ("row.trunks", e.trunkGroups ?? ""), ("row.prefix", e.cpnPrefix ?? ""), ("row.cpnLen", s(e.cpnLength))] {
                        if let i = row(pid[key], n + 1) { p.append((i, v)) }
                    }
                }
                record(p, o); o.line("t")
            }
            if !m.dialPlan.isEmpty {
                let did = ids("dialPlan", d)
                o.line("c display dialplan analysis")
                var p: [(String, String)] = []
                for (n, k) in m.dialPlan.keys.sorted().enumerated() {
                    guard let e = m.dialPlan[k] else { continue }
                    for (key, v) in [("row.string", e.dialedString), ("row.length", String(e.totalLength)), ("row.type", e.callType)] {
                        if let i = row(did[key], n + 1) { p.append((i, v)) }
                    }
                }
                record(p, o); o.line("t")
            }
        }
    }
}

/// Renders people, stations and agents as an SMGR bulk user export (the shape of
/// `smgr_get_response.xml`; prefixes chosen like real exports, matched by URI on read).
public enum SMGRWriter {
    static func esc(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }

    static func asciiFold(_ s: String) -> String {
        let m: [Character: String] = ["ü": "ue", "Ü": "Ue", "ö": "oe", "Ö": "Oe", "ä": "ae", "Ä": "Ae", "ß": "ss",
                                      "Ø": "O", "ø": "o", "Å": "A", "å": "a", "é": "e", "è": "e"]
        return s.map { m[$0] ?? String($0) }.joined()
    }

    public static func write(_ m: SiteModel, to o: TextSink, domain: String = "example.com") {
        o.line(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#)
        o.line(#"<tns:users xmlns:tns="http://xml.avaya.com/schema/import" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ipt="http://xml.avaya.com/schema/import_csm_cm" xmlns:agt="http://xml.avaya.com/schema/import_csm_agent" xmlns:asm="http://xml.avaya.com/schema/import_sessionmanager">"#)
        // People: one per station; agents whose name matches a station person join that user
        // in a second comm-profile set; other agents become users of their own.
        var agentsByName: [String: [Agent]] = [:]
        for k in SiteModel.sortedKeys(m.agents) { if let a = m.agents[k] { agentsByName[a.name ?? "", default: []].append(a) } }
        var used = Set<String>()
        for k in SiteModel.sortedKeys(m.stations) {
            guard let s = m.stations[k] else { continue }
            var agents: [Agent] = []
            if let n = s.name, let list = agentsByName[n], let a = list.first(where: { !used.contains($0.loginId) }) {
                agents = [a]; used.insert(a.loginId)
            }
            user(name: s.name ?? s.extension, login: "u\(s.extension)@\(domain)", station: s, agents: agents, o)
        }
        for k in SiteModel.sortedKeys(m.agents) {
            guard let a = m.agents[k], !used.contains(a.loginId) else { continue }
            user(name: a.name ?? a.loginId, login: "agent\(a.loginId)@\(domain)", station: nil, agents: [a], o)
        }
        o.line("</tns:users>")
    }

    static func user(name: String, login: String, station: Station?, agents: [Agent], _ o: TextSink) {
        let parts = name.components(separatedBy: ", ")
        let surname = parts.count == 2 ? parts[0] : (name.split(separator: " ").last.map(String.init) ?? name)
        let given = parts.count == 2 ? parts[1] : (name.split(separator: " ").first.map(String.init) ?? name)
        o.line("  <tns:user>")
        o.line("    <authenticationType>BASIC</authenticationType>")
        o.line("    <displayName>\(esc(name))</displayName>")
        o.line("    <displayNameAscii>\(esc(asciiFold(name)))</displayNameAscii>")
        o.line("    <givenName>\(esc(given))</givenName>")
        o.line("    <isEnabled>true</isEnabled>")
        o.line("    <loginName>\(esc(login))</loginName>")
        o.line("    <source>source.ws.xml</source>")
        o.line("    <status>provisioned</status>")
        o.line("    <surname>\(esc(surname))</surname>")
        o.line("    <userPassword></userPassword>")
        if let s = station {
            o.line("    <commProfileSet>")
            o.line("      <commProfileSetName>Primary</commProfileSetName>")
            o.line("      <isPrimary>true</isPrimary>")
            o.line("      <handleList><handle><handleName>\(s.extension)</handleName><handleType>sip</handleType><handleSubType>username</handleSubType><domainName>example.com</domainName></handle></handleList>")
            o.line("      <commProfileList>")
            if s.setType?.contains("SIP") == true || s.setType?.hasPrefix("J") == true {
                o.line(#"        <commProfile xsi:type="asm:SessionManagerCommProfXML">"#)
                o.line("          <commProfileType>SessionManager</commProfileType>")
                o.line("          <asm:primarySM>SM01</asm:primarySM>")
                o.line("          <asm:homeLocation>Frankfurt</asm:homeLocation>")
                o.line("        </commProfile>")
            }
            o.line(#"        <commProfile xsi:type="ipt:xmlStationProfile">"#)
            o.line("          <commProfileType>CM</commProfileType>")
            o.line("          <ipt:cmName>cm1</ipt:cmName>")
            o.line("          <ipt:useExistingExtension>false</ipt:useExistingExtension>")
            o.line("          <ipt:extension>\(s.extension)</ipt:extension>")
            if let v = s.setType { o.line("          <ipt:setType>\(esc(v))</ipt:setType>") }
            if s.hasSecurityCode == true { o.line("          <ipt:securityCode>1357</ipt:securityCode>") }
            if let v = s.port { o.line("          <ipt:port>\(esc(v))</ipt:port>") }
            o.line("          <ipt:coveragePath1>\(esc(s.coveragePath1 ?? ""))</ipt:coveragePath1>")
            o.line("          <ipt:coveragePath2>\(esc(s.coveragePath2 ?? ""))</ipt:coveragePath2>")
            if let v = s.huntToStation { o.line("          <ipt:huntToStation>\(v)</ipt:huntToStation>") }
            if let v = s.tenant { o.line("          <ipt:tn>\(v)</ipt:tn>") }
            if let v = s.cor { o.line("          <ipt:cor>\(v)</ipt:cor>") }
            if let v = s.cos { o.line("          <ipt:cos>\(v)</ipt:cos>") }
            o.line("          <ipt:lwcReception>spe</ipt:lwcReception>")
            if let v = s.ec500State { o.line("          <ipt:ec500State>\(v)</ipt:ec500State>") }
            for b in s.buttons where b.module == 0 {
                o.line("          <ipt:buttons>")
                o.line("            <ipt:number>\(b.number)</ipt:number>")
                o.line("            <ipt:type>\(esc(b.type))</ipt:type>")
                let data = ButtonLayout.data(type: b.type, parameters: b.parameters)
                for i in 0..<6 { o.line("            <ipt:data\(i + 1)>\(esc(i < data.count ? data[i] : ""))</ipt:data\(i + 1)>") }
                o.line("          </ipt:buttons>")
            }
            o.line("        </commProfile>")
            o.line("      </commProfileList>")
            o.line("    </commProfileSet>")
        }
        for (n, a) in agents.enumerated() {
            o.line("    <commProfileSet>")
            o.line("      <commProfileSetName>\(station == nil && n == 0 ? "Primary" : "Contact Center")</commProfileSetName>")
            o.line("      <isPrimary>\(station == nil && n == 0 ? "true" : "false")</isPrimary>")
            o.line("      <commProfileList>")
            o.line(#"        <commProfile xsi:type="agt:xmlAgentProfile">"#)
            o.line("          <commProfileType>CM</commProfileType>")
            o.line("          <agt:cmName>cm1</agt:cmName>")
            o.line("          <agt:loginIdExtension>\(a.loginId)</agt:loginIdExtension>")
            if let v = a.tenant { o.line("          <agt:tn>\(v)</agt:tn>") }
            if let v = a.cor { o.line("          <agt:cor>\(v)</agt:cor>") }
            if let v = a.coveragePath { o.line("          <agt:coveragePath>\(v)</agt:coveragePath>") }
            if let v = a.directAgentSkill { o.line("          <agt:directAgentSkill>\(v)</agt:directAgentSkill>") }
            if let v = a.callHandlingPreference { o.line("          <agt:callHandlingPreference>\(v)</agt:callHandlingPreference>") }
            for (i, sk) in a.skills.enumerated() {
                o.line("          <agt:skills>")
                o.line("            <agt:number>\(i + 1)</agt:number>")
                o.line("            <agt:skillNumber>\(sk.skill)</agt:skillNumber>")
                o.line("            <agt:reserveLevel>\(sk.reserveLevel.map(String.init) ?? "")</agt:reserveLevel>")
                if let l = sk.level { o.line("            <agt:skillLevel>\(l)</agt:skillLevel>") }
                if let p = sk.percentAllocation { o.line("            <agt:percentAllocation>\(p)</agt:percentAllocation>") }
                o.line("          </agt:skills>")
            }
            o.line("        </commProfile>")
            o.line("      </commProfileList>")
            o.line("    </commProfileSet>")
        }
        o.line("  </tns:user>")
    }
}

/// Writes a whole site in the chosen formats under a directory (`generate-site`, samples).
public enum SiteWriter {
    public enum Format: String, CaseIterable, Sendable { case sat, ossi, smgr }

    /// Returns the files written (relative to `directory`).
    @discardableResult
    public static func write(_ m: SiteModel, formats: [Format], to directory: String) throws -> [String] {
        let fm = FileManager.default
        var written: [String] = []
        for f in formats {
            let dir = (directory as NSString).appendingPathComponent(f.rawValue)
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            switch f {
            case .sat, .ossi:
                for sec in SiteSection.allCases {
                    let rel = "\(f.rawValue)/\(sec.rawValue).txt"
                    let sink = try TextSink(path: (directory as NSString).appendingPathComponent(rel))
                    if f == .sat { SATWriter.write(m, section: sec, to: sink) } else { OSSIWriter.write(m, section: sec, to: sink) }
                    sink.close()
                    written.append(rel)
                }
            case .smgr:
                let rel = "smgr/users.xml"
                let sink = try TextSink(path: (directory as NSString).appendingPathComponent(rel))
                SMGRWriter.write(m, to: sink)
                sink.close()
                written.append(rel)
            }
        }
        return written
    }
}
