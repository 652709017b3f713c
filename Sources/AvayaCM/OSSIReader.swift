import Common
import Foundation

/// OSSI field-id dictionary: per form (SAT object name, e.g. `station`), field id → canonical key.
/// Ids ending in `##` are repeated fields whose last two hex digits are the row (vector step,
/// button, member…); a key suffix `@N` adds N to the row (member blocks of 255).
///
/// Station display ids and vector step ids are VERBATIM from public OSSI tools (research §2.3);
/// every other id is RECONSTRUCTED — plausible, consistent with our writer, and overridable with
/// `OSSIDictionary.load(_:)` (JSON of the same shape) once real captures are available.
public struct OSSIDictionary: Sendable, Codable, Hashable {
    public var forms: [String: [String: String]]

    public init(forms: [String: [String: String]]) { self.forms = forms }

    /// Overrides and additions from `other` win.
    public func merging(_ other: OSSIDictionary) -> OSSIDictionary {
        var f = forms
        for (form, ids) in other.forms { f[form, default: [:]].merge(ids) { _, new in new } }
        return OSSIDictionary(forms: f)
    }

    public static func load(_ path: String) throws -> OSSIDictionary {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw AvayaReadError.cannotOpen(path, "no such file")
        }
        return try JSONDecoder().decode(OSSIDictionary.self, from: d)
    }

    /// Reverse lookup for writers: canonical key → field id (scalar) or id prefix (repeated).
    func fieldId(_ form: String, _ key: String) -> String? {
        forms[form]?.first(where: { $0.value == key })?.key
    }

    public static let builtIn = OSSIDictionary(forms: [
        "station": [
            "8005ff00": "extension", "004fff00": "setType", "8004ff00": "port", "8003ff00": "name",
            "0016ff00": "securityCode", "8007ff00": "coveragePath1", "ce2aff00": "coveragePath2",
            "4e22ff00": "huntToStation", "4a3bff00": "tenant", "8001ff00": "cor", "8002ff00": "cos",
            "6a2eff00": "ec500State",
            "8020ff##": "button.type", "8021ff##": "button.data1", "8022ff##": "button.data2",
            "8023ff##": "button.data3", "8024ff##": "button.data4", "8025ff##": "button.data5",
            "8026ff##": "button.data6",
        ],
        "agent": [
            "8005ff00": "loginId", "8003ff00": "name", "4a3bff00": "tenant", "8001ff00": "cor",
            "8007ff00": "coveragePath", "0016ff00": "securityCode", "6c0bff00": "directAgentSkill",
            "6c0cff00": "callHandlingPreference",
            "6c10ff##": "skill.sn", "6c11ff##": "skill.rl", "6c12ff##": "skill.sl", "6c13ff##": "skill.pa",
        ],
        "huntGroup": [
            "0001ff00": "number", "8003ff00": "name", "8005ff00": "extension", "0004ff00": "groupType",
            "0005ff00": "acd", "0006ff00": "queue", "0007ff00": "vector", "0008ff00": "skill",
            "4a3bff00": "tenant", "8001ff00": "cor", "8007ff00": "coveragePath",
            "0009ff00": "nightServiceDestination", "000aff00": "queueLimit",
            "000bff00": "callsWarningThreshold", "000cff00": "timeWarningThreshold",
            "7001ff##": "member", "7002ff##": "member@255", "7003ff##": "member@510", "7004ff##": "member@765",
            "7005ff##": "member@1020", "7006ff##": "member@1275",
        ],
        "vector": [
            "0001ff00": "number", "0002ff00": "name",
            "0006ff##": "step.cmd", "0023ff##": "step.obj", "0024ff##": "step.qual",
        ],
        "vdn": [
            "8005ff00": "extension", "8003ff00": "name", "0004ff00": "vectorNumber", "8001ff00": "cor",
            "4a3bff00": "tenant", "0011ff00": "skill1", "0012ff00": "skill2", "0013ff00": "skill3",
        ],
        "coveragePath": [
            "0001ff00": "number", "0002ff00": "nextPath", "0003ff00": "huntAfterCoverage",
            "0010ff00": "insideActive", "0011ff00": "insideBusy", "0012ff00": "insideDontAnswer",
            "0013ff00": "insideAll", "0014ff00": "insideDnd", "0015ff00": "insideHoliday", "0016ff00": "insideLoggedOff",
            "0020ff00": "outsideActive", "0021ff00": "outsideBusy", "0022ff00": "outsideDontAnswer",
            "0023ff00": "outsideAll", "0024ff00": "outsideDnd", "0025ff00": "outsideHoliday", "0026ff00": "outsideLoggedOff",
            "0017ff00": "dontAnswerRings", "0030ff##": "point.ext", "0031ff##": "point.rings",
        ],
        "cor": ["0001ff00": "number", "0002ff00": "description", "0003ff00": "frl"],
        "cos": [
            "1001ff##": "cos.Auto Callback", "1002ff##": "cos.Call Fwd-All Calls", "1003ff##": "cos.Data Privacy",
            "1004ff##": "cos.Priority Calling", "1005ff##": "cos.Console Permissions", "1006ff##": "cos.Off-hook Alert",
            "1007ff##": "cos.Client Room", "1008ff##": "cos.Restrict Call Fwd-Off Net",
            "1009ff##": "cos.Call Forwarding Busy/DA", "100aff##": "cos.Personal Station Access (PSA)",
            "100bff##": "cos.Extended Forwarding All", "100cff##": "cos.Extended Forwarding B/DA",
            "100dff##": "cos.Trk-to-Trk Transfer Override",
        ],
        "reasonCodes": [
            "0001ff##": "aux.name", "0002ff##": "aux.interruptible", "0003ff##": "logout.name",
            "0004ff00": "defaultAux", "0005ff00": "defaultLogout",
        ],
        "holidayTable": [
            "0001ff00": "number", "0002ff00": "name",
            "0011ff##": "row.startMonth", "0012ff##": "row.startDay", "0013ff##": "row.startHour",
            "0014ff##": "row.startMinute", "0015ff##": "row.endMonth", "0016ff##": "row.endDay",
            "0017ff##": "row.endHour", "0018ff##": "row.endMinute", "0019ff##": "row.description",
        ],
        "announcement": ["8005ff00": "extension", "8003ff00": "name", "0003ff00": "type", "0004ff00": "source"],
        "publicNumbering": [
            "0001ff##": "row.extLen", "0002ff##": "row.extCode", "0003ff##": "row.trunks",
            "0004ff##": "row.prefix", "0005ff##": "row.cpnLen",
        ],
        "dialPlan": ["0001ff##": "row.string", "0002ff##": "row.length", "0003ff##": "row.type"],
        "pickupGroup": ["0001ff00": "number", "0002ff00": "name", "7001ff##": "member", "7002ff##": "member@255"],
        "tenant": [
            "0001ff00": "number", "0002ff00": "description", "0003ff00": "attendantGroup",
            "0004ff00": "musicSource", "0005ff00": "nightDestination", "0006ff00": "cosGroup",
        ],
        // `list station` (VERBATIM ids from AuraAudits.pl / pbx-export).
        "list.station": ["8005ff00": "extension", "004fff00": "setType", "8003ff00": "name", "8004ff00": "port"],
    ])
}

/// Reads OSSI responses: `c` command, `f` field ids, `d` data, `n` next record, `t` end,
/// `e` error. f and d lines pair line by line (continuation lines), values by tab position.
struct OSSIReader {
    let file: String
    let builder: ModelBuilder
    let dictionary: OSSIDictionary

    private struct Command {
        var text: String
        var line: Int
        var object: SATObject?
        var isList: Bool
        var fieldLines: [[String]] = []
        var dataLines: [[String]] = []
        var recordLine: Int
        var records = 0
        var errors = 0
    }

    func read(_ stream: inout LineStream) {
        var cmd: Command? = nil
        var sawAny = false
        while let raw = stream.next() {
            let num = stream.lineNumber
            guard let tag = raw.first else { continue }
            let body = raw.count > 1 ? Array(raw[1...]) : []
            switch tag {
            case UInt8(ascii: "c"):
                if var c = cmd { endRecord(&c, num); endCommand(c, at: num) }
                sawAny = true
                let text = Bytes.collapsed(body)
                let parsed = SATCommand.parse(Array(text.utf8))
                cmd = Command(text: text, line: num, object: parsed?.object, isList: parsed?.verb == "list",
                              recordLine: num)
                if parsed?.object == nil {
                    builder.diagnostics.emit(.note("ossi.unknown-command", "skipped OSSI command '\(text)': not a form the model uses",
                        at: loc(num), hint: "remove it from the capture, or extend the OSSI dictionary"))
                }
            case UInt8(ascii: "f"):
                sawAny = true
                if cmd == nil {
                    builder.diagnostics.emit(.warning("ossi.no-command", "field line without a preceding 'c' command line; the response cannot be typed",
                        at: loc(num), hint: "keep the 'c <command>' line in OSSI captures"))
                    cmd = Command(text: "", line: num, object: nil, isList: false, recordLine: num)
                }
                cmd?.fieldLines.append(split(body, line: num))
            case UInt8(ascii: "d"):
                if cmd == nil { cmd = Command(text: "", line: num, object: nil, isList: false, recordLine: num) }
                if cmd?.dataLines.isEmpty == true { cmd?.recordLine = num }
                cmd?.dataLines.append(split(body, line: num))
            case UInt8(ascii: "n"):
                if var c = cmd { endRecord(&c, num); cmd = c }
            case UInt8(ascii: "t"):
                if var c = cmd { endRecord(&c, num); endCommand(c, at: num) }
                cmd = nil
            case UInt8(ascii: "e"):
                sawAny = true
                // "e<code> <field id> <error number> <message>"
                let parts = String(decoding: body, as: UTF8.self).split(separator: " ", maxSplits: 3).map(String.init)
                let field = parts.count > 1 ? parts[1] : "?"
                let msg = parts.count > 3 ? parts[3] : parts.joined(separator: " ")
                let what = cmd?.text ?? "(no command)"
                cmd?.errors += 1
                builder.reject(cmd?.object?.kind, key: cmd.flatMap { Self.qualifier($0.text) }, at: loc(num),
                    reason: "CM rejected '\(what)': \(msg) (field \(field))", code: "ossi.error",
                    hint: "check the object exists on the CM, or drop the command from the extraction list")
            default:
                if raw.allSatisfy(Bytes.isSpace) { continue }
                builder.diagnostics.emit(.warning("ossi.bad-line", "line does not start with an OSSI tag (c/f/d/n/t/e); ignored",
                    at: loc(num), hint: "OSSI captures must be raw protocol lines; strip any terminal noise"))
            }
        }
        if var c = cmd {
            endRecord(&c, stream.lineNumber)
            builder.diagnostics.emit(.warning("ossi.truncated", "response to '\(c.text)' has no terminating 't' line; the capture may be cut",
                at: loc(c.line), hint: "re-run the command and capture the whole response"))
            endCommand(c, at: stream.lineNumber)
        }
        if !sawAny {
            builder.diagnostics.emit(.warning("ossi.empty", "no OSSI lines found", at: loc(1), hint: nil))
        }
    }

    /// Most tab-separated values kept from one f or d line. Real lines hold a handful; a line of
    /// millions of TABs (a corrupt or hostile capture) would otherwise become millions of strings.
    static let maxFieldsPerLine = 4096

    private func split(_ b: [UInt8], line: Int) -> [String] {
        var out: [String] = []
        var start = 0
        var dropped = 0
        for i in 0...b.count where i == b.count || b[i] == 0x09 {
            if out.count < Self.maxFieldsPerLine {
                out.append(String(decoding: b[start..<i], as: UTF8.self))
            } else {
                dropped += 1
            }
            start = i + 1
        }
        if dropped > 0 {
            builder.diagnostics.emit(.warning("ossi.too-many-fields",
                "line has \(out.count + dropped) tab-separated values; only the first \(Self.maxFieldsPerLine) are read",
                at: loc(line), hint: "the capture is corrupt (runs of TABs); re-capture the command"))
        }
        return out
    }

    func loc(_ line: Int, record: String? = nil) -> SourceLocation { SourceLocation(file: file, line: line, record: record) }

    static func qualifier(_ text: String) -> String? {
        SATCommand.parse(Array(text.utf8)).flatMap { $0.qualifier.isEmpty ? nil : $0.qualifier }
    }

    private func endCommand(_ c: Command, at line: Int) {
        // Zero records for a list is a valid answer; say so, so nobody wonders.
        if c.records == 0 && c.errors == 0 && c.object != nil && c.isList {
            builder.diagnostics.emit(.note("ossi.empty-list", "'\(c.text)' returned no records", at: loc(c.line)))
        } else if c.records == 0 && c.errors == 0 && c.object != nil {
            builder.reject(c.object?.kind, key: Self.qualifier(c.text), at: loc(c.line),
                reason: "'\(c.text)' returned no data lines", code: "ossi.no-data",
                hint: "the capture is truncated; re-run the command")
        }
    }

    /// Pairs the pending data lines with the field lines and emits one record.
    private func endRecord(_ c: inout Command, _ line: Int) {
        guard !c.dataLines.isEmpty else { return }
        defer { c.dataLines = []; c.records += 1 }
        let recNo = c.records + 1
        let at = loc(c.recordLine, record: "\(c.text) #\(recNo)")
        var pairs: [(String, String)] = []
        if c.dataLines.count != c.fieldLines.count {
            builder.diagnostics.emit(.warning("ossi.misaligned",
                "'\(c.text)' record \(recNo): \(c.dataLines.count) data lines for \(c.fieldLines.count) field lines; pairing what lines up",
                at: at, hint: "the capture may be cut or re-wrapped; re-capture it"))
        }
        for (fl, dl) in zip(c.fieldLines, c.dataLines) {
            if fl.count != dl.count {
                builder.diagnostics.emit(.warning("ossi.misaligned",
                    "'\(c.text)' record \(recNo): \(dl.count) values for \(fl.count) field ids", at: at,
                    hint: "values without an id are dropped; re-capture the command"))
            }
            for (f, d) in zip(fl, dl) { pairs.append((f.trimmedBlanks.lowercased(), d)) }
        }
        guard let obj = c.object else { return }
        build(obj, list: c.isList, pairs: pairs, at: at, command: c.text)
    }

    private func build(_ obj: SATObject, list: Bool, pairs: [(String, String)], at: SourceLocation, command: String) {
        let form = list ? "list.\(obj.rawValue)" : obj.rawValue
        guard let dict = dictionary.forms[form] else {
            builder.reject(obj.kind, key: nil, at: at, reason: "no OSSI dictionary for '\(form)' (\(command))",
                           code: "ossi.no-dictionary", hint: "add the form's field ids with --ossi-dictionary")
            return
        }
        var f = Fields()
        var rows: [String: [Int: String]] = [:]
        for (id, value) in pairs {
            if let k = dict[id] { f.set(k, value); continue }
            if id.count == 8, let k = dict[String(id.prefix(6)) + "##"], let n = Int(id.suffix(2), radix: 16) {
                let parts = k.split(separator: "@")
                let off = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                rows[String(parts[0]), default: [:]][n + off] = Fields.clean(value)
                continue
            }
            f.addExtra("ossi:\(id)", value)
        }
        func col(_ k: String) -> [Int: String] { rows[k] ?? [:] }
        func ordered(_ k: String) -> [(Int, String)] { col(k).sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { ($0.key, $0.value) } }

        switch obj {
        case .station:
            var buttons: [Button] = []
            for (n, type) in ordered("button.type") {
                let data = (1...6).map { col("button.data\($0)")[n] ?? "" }
                buttons.append(Button(number: n, type: type.lowercased(), parameters: ButtonLayout.parameters(type: type.lowercased(), data: data)))
            }
            finish(RecordBuild.station(&f, buttons: buttons), f, at, summary: list)
        case .agent:
            var skills: [AgentSkill] = []
            for (n, sn) in ordered("skill.sn") {
                guard let s = Int(sn) else { f.addExtra("skill.\(n)", sn); continue }
                skills.append(AgentSkill(skill: s, level: col("skill.sl")[n].flatMap { Int($0) },
                                         reserveLevel: col("skill.rl")[n].flatMap { Int($0) },
                                         percentAllocation: col("skill.pa")[n].flatMap { Int($0) }))
            }
            finish(RecordBuild.agent(&f, skills: skills), f, at, summary: list)
        case .huntGroup:
            finish(RecordBuild.huntGroup(&f, members: ordered("member").map { $0.1.normalizedExtension }), f, at, summary: list)
        case .vector:
            var idx = Set(col("step.cmd").keys)
            idx.formUnion(col("step.obj").keys); idx.formUnion(col("step.qual").keys)
            var steps: [(Int, String)] = []
            for n in idx.sorted() {
                let text = [col("step.cmd")[n], col("step.obj")[n], col("step.qual")[n]]
                    .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
                if !text.isEmpty { steps.append((n, Bytes.collapsed(Array(text.utf8)))) }
            }
            finish(RecordBuild.vector(&f, steps: steps), f, at, summary: list)
        case .vdn:
            finish(RecordBuild.vdn(&f), f, at, summary: list)
        case .coveragePath:
            var points: [CoveragePoint] = []
            for (n, p) in ordered("point.ext") { points.append(CoveragePoint(point: p, rings: col("point.rings")[n].flatMap { Int($0) })) }
            finish(RecordBuild.coveragePath(&f, points: points), f, at, summary: list)
        case .cor:
            finish(RecordBuild.cor(&f), f, at, summary: list)
        case .cos:
            var perms: [Int: [String: Bool]] = [:]
            for (k, vals) in rows where k.hasPrefix("cos.") {
                let label = String(k.dropFirst(4))
                for (n, v) in vals where n >= 1 {
                    if v == "y" || v == "n" { perms[n - 1, default: [:]][label] = v == "y" }
                }
            }
            for c in perms.keys.sorted() { builder.add(ClassOfService(number: c, permissions: perms[c] ?? [:], extra: f.extra), at: at, format: .ossi) }
            if perms.isEmpty { builder.reject(.cos, key: nil, at: at, reason: "'\(command)': no COS values", code: "ossi.no-key", hint: nil) }
        case .reasonCodes:
            if let d = f.str("defaultAux") { builder.add(ReasonCode(kind: .aux, code: 0, name: d), at: at, format: .ossi) }
            if let d = f.str("defaultLogout") { builder.add(ReasonCode(kind: .logout, code: 0, name: d), at: at, format: .ossi) }
            for (n, name) in ordered("aux.name") {
                let flag = col("aux.interruptible")[n].map { $0 == "y" }
                builder.add(ReasonCode(kind: .aux, code: n, name: name, interruptible: flag), at: at, format: .ossi)
            }
            for (n, name) in ordered("logout.name") { builder.add(ReasonCode(kind: .logout, code: n, name: name), at: at, format: .ossi) }
        case .holidayTable:
            guard let num = f.int("number") else {
                builder.reject(.holidayTable, key: nil, at: at, reason: "'\(command)': no table number", code: "ossi.no-key", hint: nil); return
            }
            var entries: [HolidayEntry] = []
            for (n, _) in ordered("row.startMonth") {
                func v(_ k: String) -> Int? { col("row." + k)[n].flatMap { Int($0) } }
                guard let sm = v("startMonth"), let sd = v("startDay"), let em = v("endMonth"), let ed = v("endDay") else {
                    f.addExtra("row.\(n)", "incomplete holiday row"); continue
                }
                let desc = col("row.description")[n]
                entries.append(HolidayEntry(startMonth: sm, startDay: sd, startHour: v("startHour") ?? 0, startMinute: v("startMinute") ?? 0,
                                            endMonth: em, endDay: ed, endHour: v("endHour") ?? 0, endMinute: v("endMinute") ?? 0,
                                            description: desc?.isEmpty == true ? nil : desc))
            }
            var h = HolidayTable(number: num, name: f.str("name"), entries: entries)
            h.extra = f.extra
            builder.add(h, at: at, format: .ossi)
        case .announcement:
            finish(RecordBuild.announcement(&f), f, at, summary: list)
        case .publicNumbering:
            for (n, len) in ordered("row.extLen") {
                guard let l = Int(len), let code = col("row.extCode")[n] else { continue }
                let tr = col("row.trunks")[n], pre = col("row.prefix")[n]
                builder.add(PublicNumbering(extensionLength: l, extensionCode: code, trunkGroups: tr?.isEmpty == false ? tr : nil,
                                            cpnPrefix: pre?.isEmpty == false ? pre : nil,
                                            cpnLength: col("row.cpnLen")[n].flatMap { Int($0) }), at: at, format: .ossi)
            }
        case .dialPlan:
            for (n, s) in ordered("row.string") {
                guard let l = col("row.length")[n].flatMap({ Int($0) }), let t = col("row.type")[n], !t.isEmpty else { continue }
                builder.add(DialPlanEntry(dialedString: s, totalLength: l, callType: t.lowercased()), at: at, format: .ossi)
            }
        case .pickupGroup:
            finish(RecordBuild.pickupGroup(&f, members: ordered("member").map { $0.1.normalizedExtension }), f, at, summary: list)
        case .tenant:
            finish(RecordBuild.tenant(&f), f, at, summary: list)
        }
    }

    private func finish<R: SourceRecord>(_ r: Result<R, BuildFailure>, _ f: Fields, _ at: SourceLocation, summary: Bool) {
        switch r {
        case .success(let rec):
            for issue in f.issues {
                builder.diagnostics.emit(.warning("ossi.bad-value", "\(R.kind.rawValue) \(rec.key): \(issue)", at: at,
                    hint: "check the OSSI dictionary for this form"))
            }
            builder.add(rec, at: at, format: .ossi, summary: summary)
        case .failure(let why):
            builder.reject(R.kind, key: nil, at: at, reason: "OSSI record: \(why)", code: "ossi.no-key",
                           hint: "the key field id is missing; check the 'f' lines or the OSSI dictionary")
        }
    }
}
