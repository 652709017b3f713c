import Common

/// Field values collected by any reader under canonical keys, before they become a typed record.
/// Readers differ only in how they find values (labels, OSSI field ids, XML elements); the
/// conversion to typed records lives here once, so all formats normalise identically.
struct Fields {
    var values: [String: String] = [:]
    var extra: [String: String] = [:]
    /// Conversion problems, reported as warnings by the caller.
    var issues: [String] = []

    init() {}

    /// Room for the fields a form is known to have, so the dictionaries do not grow (and rehash)
    /// label by label. `extra` goes into the record as is: size it for what the form holds.
    init(values: Int, extra: Int) {
        self.values.reserveCapacity(values)
        self.extra.reserveCapacity(extra)
    }

    /// Sets a canonical value; a second different value for the same key goes to `extra`.
    mutating func set(_ key: String, _ raw: String) {
        let v = Fields.clean(raw)
        if let cur = values[key] {
            if cur != v, !v.isEmpty { addExtra(key, v) }
            if cur.isEmpty { values[key] = v }
            return
        }
        values[key] = v
    }

    mutating func addExtra(_ key: String, _ raw: String) {
        let v = Fields.clean(raw)
        if extra[key] == nil { extra[key] = v; return }
        var n = 2
        while extra["\(key)#\(n)"] != nil { n += 1 }
        extra["\(key)#\(n)"] = v
    }

    /// Blank, `_` placeholders (collapsed captures) and a lone space (OSSI "cleared") mean empty.
    static func clean(_ s: String) -> String {
        // One pass decides whether anything needs doing; most values are already clean.
        var prevSpace = true, needs = false, allUnderscore = true, any = false
        for b in s.utf8 {
            let sp = Bytes.isSpace(b)
            if sp && prevSpace { needs = true }
            if !sp { any = true; if b != UInt8(ascii: "_") { allUnderscore = false } }
            prevSpace = sp
        }
        if !any { return "" }
        if allUnderscore { return "" }
        if prevSpace { needs = true }
        return needs ? Bytes.collapsed(Array(s.utf8)) : s
    }

    func str(_ k: String) -> String? {
        guard let v = values[k], !v.isEmpty else { return nil }
        return v
    }

    func ext(_ k: String) -> String? { str(k)?.normalizedExtension }

    mutating func int(_ k: String) -> Int? {
        guard let v = str(k) else { return nil }
        if let i = Int(v) { return i }
        issues.append("\(k) '\(v)' is not a number; kept in extra")
        extra[k] = v
        return nil
    }

    mutating func bool(_ k: String) -> Bool? {
        guard var v = str(k)?.lowercased() else { return nil }
        // Collapsed captures can glue an unknown neighbour onto a flag ("n Expected Call …"):
        // take the flag, keep the rest.
        if v.count > 2, let sp = v.firstIndex(of: " "), v[..<sp].count == 1 {
            extra[k + ".rest"] = String(v[v.index(after: sp)...])
            v = String(v[..<sp])
        }
        switch v {
        case "y", "yes", "true": return true
        case "n", "no", "false": return false
        default:
            issues.append("\(k) '\(v)' is not y/n; kept in extra")
            extra[k] = v
            return nil
        }
    }
}

/// Which positional button data fields carry which named parameter. Shared by OSSI (data fields)
/// and SMGR (`data1`…`data6`); SAT labels map onto the same names (see `satParamName`).
enum ButtonLayout {
    static func names(for type: String) -> [String] {
        switch type {
        case "brdg-appr", "abrdg-appr": ["button", "extension", "ring"]
        // The SMGR export sample carries the autodial number in data5.
        case "autodial": ["", "", "", "", "number"]
        case "abrv-dial": ["list", "dialCode"]
        case "aux-work": ["reason", "group"]
        case "auto-in", "manual-in", "after-call", "hunt-ns", "dial-icom", "auto-icom", "q-calls", "q-time":
            ["group"]
        case "call-fwd", "send-calls", "busy-ind", "cfwd-enh", "cfwd-bsyda", "serv-obsrv": ["extension"]
        default: []
        }
    }

    /// Positional data → named parameters. Unnamed positions keep `dataN`.
    static func parameters(type: String, data: [String]) -> [String: String] {
        let names = names(for: type)
        var p: [String: String] = [:]
        for (i, raw) in data.enumerated() {
            let v = raw.trimmedBlanks
            if v.isEmpty { continue }
            let name = i < names.count && !names[i].isEmpty ? names[i] : "data\(i + 1)"
            p[name] = name == "extension" ? v.normalizedExtension : v
        }
        return p
    }

    /// Named parameters → positional data (for the writers).
    static func data(type: String, parameters: [String: String]) -> [String] {
        let names = names(for: type)
        var out = [String](repeating: "", count: 6)
        for (k, v) in parameters {
            if let i = names.firstIndex(of: k) { out[i] = v }
            else if k.hasPrefix("data"), let n = Int(k.dropFirst(4)), n >= 1, n <= 6 { out[n - 1] = v }
        }
        while let l = out.last, l.isEmpty { out.removeLast() }
        return out
    }

    /// SAT parameter labels (`B:`, `Btn:`, `E:`, `Ext:`, `Rg:`, …) → parameter names.
    static func satParamName(_ label: String) -> String {
        switch label.lowercased() {
        case "b", "btn", "button": "button"
        case "e", "ext", "extension": "extension"
        case "r", "rg", "ring": "ring"
        case "number", "no", "num": "number"
        case "grp", "group": "group"
        case "rc", "reason": "reason"
        case "list": "list"
        case "dc": "dialCode"
        default: label.lowercased()
        }
    }

    /// SAT rendering of a parameter name (what our writer prints).
    static func satLabel(_ name: String, type: String) -> String {
        switch name {
        case "button": "B"
        case "extension": (type == "brdg-appr" || type == "abrdg-appr") ? "E" : "Ext"
        case "ring": "R"
        case "number": "Number"
        case "group": type == "aux-work" ? "Group" : "Grp"
        case "reason": "RC"
        case "list": "List"
        case "dialCode": "DC"
        default: name
        }
    }
}

/// Typed records from `Fields`. Each returns nil (with a reason) when the key is missing.
enum RecordBuild {
    static func station(_ f: inout Fields, buttons: [Button]) -> Result<Station, BuildFailure> {
        guard let ext = f.ext("extension") else { return .failure(.missingKey("Extension")) }
        var s = Station(extension: ext)
        s.name = f.str("name"); s.setType = f.str("setType"); s.port = f.str("port")
        s.cor = f.int("cor"); s.cos = f.int("cos"); s.tenant = f.int("tenant")
        s.coveragePath1 = f.str("coveragePath1"); s.coveragePath2 = f.str("coveragePath2")
        s.huntToStation = f.ext("huntToStation")
        // Only presence is kept: `*` (masked) or any digits mean a code is set.
        if let present = f.values["securityCode"] { s.hasSecurityCode = !Fields.clean(present).isEmpty }
        s.ec500State = f.str("ec500State")
        s.buttons = buttons.sorted { ($0.module, $0.number) < ($1.module, $1.number) }
        s.extra = f.extra
        return .success(s)
    }

    static func agent(_ f: inout Fields, skills: [AgentSkill]) -> Result<Agent, BuildFailure> {
        guard let id = f.ext("loginId") else { return .failure(.missingKey("Login ID")) }
        var a = Agent(loginId: id)
        a.name = f.str("name"); a.cor = f.int("cor"); a.tenant = f.int("tenant")
        a.coveragePath = f.str("coveragePath"); a.directAgentSkill = f.int("directAgentSkill")
        a.callHandlingPreference = f.str("callHandlingPreference")
        if let present = f.values["securityCode"], !Fields.clean(present).isEmpty { a.extra["securityCodeSet"] = "y" }
        a.skills = skills
        a.extra.merge(f.extra) { a, _ in a }
        return .success(a)
    }

    static func huntGroup(_ f: inout Fields, members: [String]) -> Result<HuntGroup, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("Group Number")) }
        var h = HuntGroup(number: n)
        h.name = f.str("name"); h.extension = f.ext("extension"); h.groupType = f.str("groupType")
        h.acd = f.bool("acd"); h.queue = f.bool("queue"); h.vector = f.bool("vector"); h.skill = f.bool("skill")
        h.members = members
        h.nightServiceDestination = f.str("nightServiceDestination"); h.coveragePath = f.str("coveragePath")
        h.queueLimit = f.str("queueLimit"); h.callsWarningThreshold = f.str("callsWarningThreshold")
        h.timeWarningThreshold = f.str("timeWarningThreshold")
        h.cor = f.int("cor"); h.tenant = f.int("tenant")
        h.extra = f.extra
        return .success(h)
    }

    static func vector(_ f: inout Fields, steps: [(Int, String)]) -> Result<Vector, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("Number")) }
        var v = Vector(number: n, name: f.str("name"))
        v.steps = steps.sorted { $0.0 < $1.0 }.map { VectorStep(number: $0.0, text: $0.1, parsed: StepParser.parse($0.1)) }
        v.extra = f.extra
        return .success(v)
    }

    static func vdn(_ f: inout Fields) -> Result<VDN, BuildFailure> {
        guard let ext = f.ext("extension") else { return .failure(.missingKey("Extension")) }
        var v = VDN(extension: ext, name: f.str("name"))
        if let d = f.str("destination") {
            // "Vector Number 1" (SAT) or a bare number (OSSI/SMS Vector_Number).
            let digits = d.split(separator: " ").last.map(String.init) ?? d
            if d.lowercased().hasPrefix("vector") || Int(d) != nil, let n = Int(digits) { v.vectorNumber = n }
            else { v.extra["destination"] = d }
        }
        if v.vectorNumber == nil { v.vectorNumber = f.int("vectorNumber") }
        v.skill1 = f.int("skill1"); v.skill2 = f.int("skill2"); v.skill3 = f.int("skill3")
        v.cor = f.int("cor"); v.tenant = f.int("tenant")
        v.extra.merge(f.extra) { a, _ in a }
        return .success(v)
    }

    static func cor(_ f: inout Fields) -> Result<ClassOfRestriction, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("COR Number")) }
        var c = ClassOfRestriction(number: n, description: f.str("description"))
        c.frl = f.int("frl")
        c.extra = f.extra
        return .success(c)
    }

    static func announcement(_ f: inout Fields) -> Result<Announcement, BuildFailure> {
        guard let ext = f.ext("extension") else { return .failure(.missingKey("Extension")) }
        var a = Announcement(extension: ext, name: f.str("name"), type: f.str("type"), source: f.str("source"))
        a.extra = f.extra
        return .success(a)
    }

    static func pickupGroup(_ f: inout Fields, members: [String]) -> Result<PickupGroup, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("Group Number")) }
        var p = PickupGroup(number: n, name: f.str("name"), members: members)
        p.extra = f.extra
        return .success(p)
    }

    static func tenant(_ f: inout Fields) -> Result<Tenant, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("Tenant Number")) }
        var t = Tenant(number: n, description: f.str("description"))
        t.attendantGroup = f.int("attendantGroup"); t.musicSource = f.str("musicSource")
        t.nightDestination = f.str("nightDestination"); t.cosGroup = f.int("cosGroup")
        t.extra = f.extra
        return .success(t)
    }

    static func coveragePath(_ f: inout Fields, points: [CoveragePoint]) -> Result<CoveragePath, BuildFailure> {
        guard let n = f.int("number") else { return .failure(.missingKey("Coverage Path Number")) }
        var c = CoveragePath(number: n)
        c.nextPath = f.int("nextPath"); c.huntAfterCoverage = f.bool("huntAfterCoverage")
        func crit(_ p: String) -> CoverageCriteria {
            CoverageCriteria(active: f.bool(p + "Active"), busy: f.bool(p + "Busy"),
                             dontAnswer: f.bool(p + "DontAnswer"), all: f.bool(p + "All"),
                             dndSacGotoCover: f.bool(p + "Dnd"), holiday: f.bool(p + "Holiday"),
                             loggedOff: f.bool(p + "LoggedOff"))
        }
        c.inside = crit("inside"); c.outside = crit("outside")
        c.dontAnswerRings = f.int("dontAnswerRings")
        c.points = points
        c.extra = f.extra
        return .success(c)
    }
}

enum BuildFailure: Error, CustomStringConvertible {
    case missingKey(String)
    var description: String {
        switch self { case .missingKey(let l): "record has no \(l); it cannot be keyed" }
    }
}

/// Parses vector step text into `ParsedStep`. Unknown commands return nil; the verbatim text is
/// always kept by the caller. Argument names are documented in docs/avaya-readers.md.
enum StepParser {
    static let known: Set<String> = [
        "wait-time", "announcement", "queue-to", "check", "collect", "route-to", "goto", "disconnect",
        "busy", "stop", "return", "messaging", "set", "consider", "converse-on", "adjunct", "reply-best", "#",
    ]

    static func parse(_ text: String) -> ParsedStep? {
        let t = text.split(separator: " ").map(String.init)
        guard let first = t.first?.lowercased() else { return nil }
        let kind = first.hasPrefix("#") ? "#" : first
        guard known.contains(kind) else { return nil }
        var a: [String: String] = [:]
        func after(_ word: String) -> String? {
            guard let i = t.firstIndex(where: { $0.lowercased() == word }), i + 1 < t.count else { return nil }
            return t[i + 1]
        }
        func rest(after word: String) -> String? {
            guard let i = t.firstIndex(where: { $0.lowercased() == word }), i + 1 < t.count else { return nil }
            return t[(i + 1)...].joined(separator: " ")
        }
        func at(_ i: Int) -> String? { i < t.count ? t[i] : nil }
        switch kind {
        case "wait-time":
            a["duration"] = at(1); a["unit"] = at(2); a["hearing"] = after("hearing"); a["then"] = after("then")
        case "announcement":
            a["announcement"] = at(1)
        case "queue-to", "check", "consider", "converse-on":
            a["target"] = at(1)
            if let tg = at(1), ["skill", "split", "hunt-group", "location"].contains(tg) { a["number"] = at(2) }
            a["priority"] = after("pri")
            if let c = rest(after: "if") { a["condition"] = c }
            if kind == "consider" { a["adjustBy"] = after("adjust-by") }
        case "collect":
            a["digits"] = at(1)
            a["announcement"] = after("announcement") ?? after("annc")
            a["for"] = after("for")
        case "route-to":
            a["target"] = at(1)
            if at(1) == "number" { a["number"] = at(2) }
            a["coverage"] = after("cov") ?? after("coverage")
            if let c = rest(after: "if") { a["condition"] = c }
        case "goto":
            a["target"] = at(1)
            a[at(1) == "vector" ? "vector" : "step"] = at(2)
            a["atStep"] = after("@step")
            if let c = rest(after: "if") {
                a["condition"] = c
                parseCondition(c, into: &a)
            }
        case "disconnect":
            a["announcement"] = after("announcement")
        case "messaging":
            a["target"] = at(1); a["number"] = at(2); a["extension"] = after("extension")
        case "set", "adjunct":
            a["operands"] = t.dropFirst().joined(separator: " ")
        case "#":
            a["comment"] = String(text.dropFirst()).trimmedBlanks
        default: break
        }
        return ParsedStep(kind: kind, args: a.filter { !$0.value.isEmpty })
    }

    /// Conditions the migration needs as data: time-of-day ranges, holiday and service-hours
    /// tables, ANI/digit tables, skill thresholds. Others keep only `condition`.
    static func parseCondition(_ c: String, into a: inout [String: String]) {
        let w = c.split(separator: " ").map(String.init)
        guard let subject = w.first?.lowercased() else { return }
        a["subject"] = subject
        switch subject {
        case "time-of-day":
            // time-of-day is <day> <hh:mm> to <day> <hh:mm>
            if w.count >= 7, w[1] == "is", w[4] == "to" {
                a["fromDay"] = w[2]; a["fromTime"] = w[3]; a["toDay"] = w[5]; a["toTime"] = w[6]
            }
        case "holiday", "service-hours", "ani", "digits", "ii-digits":
            if w.count >= 2 { a["op"] = w[1] }
            if let last = w.last, Int(last) != nil, w.count >= 3 { a["table"] = last }
        case "available-agents", "staffed-agents", "calls-queued", "oldest-call-wait", "expected-wait",
             "rolling-asa", "counted-calls":
            if let i = w.firstIndex(of: "skill"), i + 1 < w.count { a["skill"] = w[i + 1] }
            if let i = w.firstIndex(of: "pri"), i + 1 < w.count { a["priority"] = w[i + 1] }
            if w.count >= 3 { a["comparator"] = w[w.count - 2]; a["threshold"] = w[w.count - 1] }
        default: break
        }
    }
}
