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

/// A field id whose meaning public artefacts attest (every other built-in id is RECONSTRUCTED).
public struct AttestedOSSIId: Sendable, Hashable {
    public var form: String
    public var id: String
    public var key: String
    /// Where it is attested, and on which CM generation when the source says.
    public var sources: String
}

extension OSSIDictionary {
    /// The attested ids of the built-in dictionary (research §2.3; docs/avaya-readers.md lists
    /// them, and a test keeps both in step). The same station ids appear in a Definity-era modem
    /// tool and in a parser paired against live CM 10.2 dumps, and the same `list station` ids
    /// on an ISDN-modem Definity and on Aura CM: no public artefact shows an id that differs
    /// between releases, which is why the release families share one table.
    public static let attested: [AttestedOSSIId] = {
        let displayStation = "C line-move tool (Definity, modem; research §2.3) and extension_parse.py (\"FIDs from live CM 10.2 dumps\"; public GitHub, repository not exposed by the index)"
        let listStation = "AuraAudits.pl (mick-shaw), angelshark README `list stat` (adpllc), an ISDN-modem Definity OSSI client's `station` fieldset (public GitHub)"
        var out: [AttestedOSSIId] = []
        for (id, key) in [("8005ff00", "extension"), ("004fff00", "setType"), ("8004ff00", "port"), ("8003ff00", "name"),
                          ("0016ff00", "securityCode"), ("8007ff00", "coveragePath1"), ("ce2aff00", "coveragePath2"),
                          ("4e22ff00", "huntToStation"), ("4a3bff00", "tenant"), ("8001ff00", "cor"), ("8002ff00", "cos")] {
            out.append(AttestedOSSIId(form: "station", id: id, key: key, sources: displayStation))
        }
        for (id, key) in [("8005ff00", "extension"), ("004fff00", "setType"), ("8003ff00", "name"), ("8004ff00", "port")] {
            out.append(AttestedOSSIId(form: "list.station", id: id, key: key, sources: listStation))
        }
        for (id, key) in [("0006ff##", "step.cmd"), ("0023ff##", "step.obj"), ("0024ff##", "step.qual")] {
            out.append(AttestedOSSIId(form: "vector", id: id, key: key, sources: "AuraAudits.pl (99 step ids per vector)"))
        }
        return out
    }()
}

/// A CM release family and its OSSI dictionary. Field ids move between CM releases; a capture
/// whose release is known (login banner `Software Version: R016x.03.0.124.0`, or the
/// `"release"` of a pbxd answer) is read with its family's dictionary.
public struct OSSIReleaseFamily: Sendable, Hashable {
    public var name: String
    /// Release codes `R0NN` covered, inclusive (`R016x` → 16).
    public var releases: ClosedRange<Int>
    public var dictionary: OSSIDictionary

    public init(name: String, releases: ClosedRange<Int>, dictionary: OSSIDictionary) {
        self.name = name; self.releases = releases; self.dictionary = dictionary
    }

    /// The built-in families. No public artefact shows an id that differs between releases for
    /// the forms we read (see `OSSIDictionary.attested`), so the families are identical pending
    /// evidence; they are separate so one release can be corrected without touching the others.
    public static let builtIn: [OSSIReleaseFamily] = [
        OSSIReleaseFamily(name: "R015-R016", releases: 15...16, dictionary: .builtIn),
        OSSIReleaseFamily(name: "R017-R019", releases: 17...19, dictionary: .builtIn),
        OSSIReleaseFamily(name: "R020+", releases: 20...99, dictionary: .builtIn),
    ]

    /// `R016x.03.0.124.0` / `R018x` / `r020` anywhere in a line → 16 / 18 / 20.
    static func release(in line: [UInt8]) -> Int? {
        var i = 0
        let n = line.count
        while i + 3 < n {
            if (line[i] == UInt8(ascii: "R") || line[i] == UInt8(ascii: "r")), line[i + 1] == UInt8(ascii: "0"),
               Bytes.isDigit(line[i + 2]), Bytes.isDigit(line[i + 3]),
               i == 0 || !Bytes.isLetter(line[i - 1]) && !Bytes.isDigit(line[i - 1]),
               i + 4 == n || !Bytes.isDigit(line[i + 4]) {
                return Int(line[i + 2] - 0x30) * 10 + Int(line[i + 3] - 0x30)
            }
            i += 1
        }
        return nil
    }
}

/// Reads OSSI responses: `c` command, `f` field ids, `d` data, `n` next record, `t` end,
/// `e` error. f and d lines pair line by line (continuation lines), values by tab position.
struct OSSIReader {
    let file: String
    let builder: ModelBuilder
    let options: ReadOptions
    /// The dictionary in use: the options' default until the capture names its release.
    private var dictionary: OSSIDictionary
    /// Forms whose values did not fit the dictionary's types in this file.
    private var mismatched: Set<String> = []
    /// Records of this file, added to the model only when the file has been read: a type
    /// mismatch found in a form's last record must weaken its first record too.
    private var pending: [(form: String, add: (_ weak: Bool) -> Void)] = []

    init(file: String, builder: ModelBuilder, options: ReadOptions) {
        self.file = file; self.builder = builder; self.options = options
        self.dictionary = options.dictionary(release: nil)
    }

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
        /// A `t` arrived before any answer: it may end the request of a two-way log (the
        /// answer follows) or an empty answer (the next command follows).
        var awaitingAnswer = false
        /// `change`/`add` requests carry data lines of their own.
        var isRequestWithData = false
    }

    mutating func read(_ stream: inout LineStream) {
        var cmd: Command? = nil
        var sawAny = false
        var twoWayNoted = false
        while let raw = stream.next() {
            let num = stream.lineNumber
            guard let tag = raw.first else { continue }
            let body = raw.count > 1 ? Array(raw[1...]) : []
            if var c = cmd, c.awaitingAnswer {
                let answerLine = tag == UInt8(ascii: "f") || tag == UInt8(ascii: "d") || tag == UInt8(ascii: "e") || tag == UInt8(ascii: "n")
                switch tag {
                case _ where answerLine && !c.dataLines.isEmpty && !c.isRequestWithData:
                    // Data then `t` then more lines: the data was an answer; what follows has no command.
                    c.awaitingAnswer = false
                    endRecord(&c, num); endCommand(c, at: num)
                    cmd = nil
                case _ where answerLine:
                    // Two-way log: what came before the `t` was the request; the answer starts here.
                    c.awaitingAnswer = false
                    c.fieldLines = []; c.dataLines = []
                    cmd = c
                    if !twoWayNoted {
                        twoWayNoted = true
                        builder.diagnostics.emit(.note("ossi.two-way",
                            "two-way OSSI log: request lines (c/f/d/t) are followed by the answer; request lines are not read as data",
                            at: loc(num)))
                    }
                case UInt8(ascii: "t"), UInt8(ascii: "c"):
                    c.awaitingAnswer = false
                    endRecord(&c, num); endCommand(c, at: num)
                    cmd = nil
                    if tag == UInt8(ascii: "t") { continue }
                default: break
                }
            }
            switch tag {
            case UInt8(ascii: "c"):
                if var c = cmd { endRecord(&c, num); endCommand(c, at: num) }
                sawAny = true
                let text = Bytes.collapsed(body)
                let parsed = SATCommand.parse(Array(text.utf8))
                cmd = Command(text: text, line: num, object: parsed?.object, isList: parsed?.verb == "list",
                              recordLine: num, isRequestWithData: parsed?.verb == "change" || parsed?.verb == "add")
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
                if var c = cmd {
                    if c.records == 0, c.errors == 0 {
                        // Decided by the next line (see above): request end or empty answer.
                        c.awaitingAnswer = true
                        cmd = c
                        continue
                    }
                    endRecord(&c, num); endCommand(c, at: num)
                }
                cmd = nil
            case UInt8(ascii: "e"):
                sawAny = true
                // "e<code> <field id> <error number> <message>"; a bare "e" carries no text.
                let text = Bytes.collapsed(body)
                let parts = text.split(separator: " ", maxSplits: 3).map(String.init)
                let field = parts.count > 1 ? parts[1] : "?"
                let msg = text.isEmpty ? "an error line without text ('e')" : parts.count > 3 ? parts[3] : parts.joined(separator: " ")
                let what = cmd?.text ?? "(no command)"
                cmd?.errors += 1
                builder.reject(cmd?.object?.kind, key: cmd.flatMap { Self.qualifier($0.text) }, at: loc(num),
                    reason: "CM rejected '\(what)': \(msg)" + (field == "?" ? "" : " (field \(field))"), code: "ossi.error",
                    hint: text.isEmpty ? "CM gave no reason; run the command in a SAT session to see the message"
                        : "check the object exists on the CM, or drop the command from the extraction list")
            default:
                if raw.allSatisfy(Bytes.isSpace) { continue }
                if let r = OSSIReleaseFamily.release(in: raw) {
                    // Login banner ("System: Small  Software Version: R016x.03.0.124.0").
                    useRelease(r, at: num)
                    continue
                }
                // The login dialogue before the first command (Pin:, Terminal Type…) holds no data.
                if !sawAny { continue }
                builder.diagnostics.emit(.warning("ossi.bad-line", "line does not start with an OSSI tag (c/f/d/n/t/e); ignored",
                    at: loc(num), hint: "OSSI captures must be raw protocol lines; strip any terminal noise"))
            }
        }
        if var c = cmd, c.awaitingAnswer {
            endRecord(&c, stream.lineNumber); endCommand(c, at: stream.lineNumber)
        } else if var c = cmd {
            endRecord(&c, stream.lineNumber)
            builder.diagnostics.emit(.warning("ossi.truncated", "response to '\(c.text)' has no terminating 't' line; the capture may be cut",
                at: loc(c.line), hint: "re-run the command and capture the whole response"))
            endCommand(c, at: stream.lineNumber)
        }
        if !sawAny {
            builder.diagnostics.emit(.warning("ossi.empty", "no OSSI lines found", at: loc(1), hint: nil))
        }
        flushPending()
    }

    /// Adds the file's records in reading order; every record of a form found mismatched
    /// anywhere in the file is weak (fills gaps, never overrides another source).
    private mutating func flushPending() {
        for p in pending { p.add(mismatched.contains(p.form)) }
        pending = []
    }

    /// Queues one typed record of `form` for `flushPending`.
    private mutating func queue<R: SourceRecord>(_ rec: R, form: String, at: SourceLocation, summary: Bool = false) {
        let b = builder
        pending.append((form, { weak in b.add(rec, at: at, format: .ossi, summary: summary, weak: weak) }))
    }

    /// Marks `form` as not matching the dictionary (once per form and file, with a warning).
    private mutating func markMismatch(_ form: String, kind: ObjectKind, _ issue: String, at: SourceLocation) {
        guard mismatched.insert(form).inserted else { return }
        builder.diagnostics.emit(.warning("ossi.dictionary-mismatch",
            "values of form '\(form)' do not fit the OSSI dictionary's types (\(issue)); the dictionary does not match this capture: its \(kind.rawValue) records in this file only fill gaps and never override other sources",
            at: at, hint: "pass --ossi-dictionary with this release's field ids, or capture the screens in SAT"))
    }

    /// Switches to the dictionary of the capture's release family (unless `--ossi-dictionary`
    /// forces one) and says which one is used.
    mutating func useRelease(_ r: Int, at line: Int) {
        dictionary = options.dictionary(release: r)
        let fam = options.ossiFamilies.first { $0.releases.contains(r) }?.name
        let how = options.ossiOverride != nil ? "the --ossi-dictionary file over " : ""
        builder.diagnostics.emit(.note("ossi.release",
            "capture from CM release R0\(r); reading with \(how)\(fam.map { "the \($0) dictionary" } ?? "the default dictionary (no family for this release)")",
            at: loc(line)))
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

    private mutating func endCommand(_ c: Command, at line: Int) {
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
    private mutating func endRecord(_ c: inout Command, _ line: Int) {
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
            // CM omits a d line's trailing values that are unset ("If values are unset for the
            // rest of the corresponding line, it will omit them": a public OSSI client, code index
            // file 42591641589), so fewer values than ids is normal; more values is not.
            if dl.count > fl.count {
                builder.diagnostics.emit(.warning("ossi.misaligned",
                    "'\(c.text)' record \(recNo): \(dl.count) values for \(fl.count) field ids", at: at,
                    hint: "values without an id are dropped; re-capture the command"))
            }
            for (f, d) in zip(fl, dl) { pairs.append((f.trimmedBlanks.lowercased(), d)) }
        }
        guard let obj = c.object else { return }
        build(obj, list: c.isList, pairs: pairs, at: at, command: c.text)
    }

    /// The canonical key field of single-object forms (nil: tables of rows).
    static func keyField(_ obj: SATObject) -> String? {
        switch obj {
        case .station, .vdn, .announcement: "extension"
        case .agent: "loginId"
        case .huntGroup, .vector, .coveragePath, .cor, .holidayTable, .pickupGroup, .tenant: "number"
        case .cos, .reasonCodes, .publicNumbering, .dialPlan: nil
        }
    }

    /// Identifying columns of a table form's rows: how many leading values (in field-line
    /// order, which is CM's screen order: the key column first) make a row's key, and whether a
    /// display table's row number (`XXXXffNN`) is the key instead (reason codes, COS classes:
    /// CM prints the row label, it is no field).
    static func rowIdentity(_ obj: SATObject) -> (columns: Int, rowNumber: Bool) {
        switch obj {
        case .publicNumbering: (3, false)   // Ext Len, Ext Code, Trk Grp(s)
        case .dialPlan: (2, false)          // Dialed String, Total Length
        case .reasonCodes, .cos: (1, true)
        default: (1, false)
        }
    }

    /// Keeps a table form's record as untyped rows: no field is guessed into the typed model.
    /// A display table's repeated ids (`XXXXffNN`, NN ≠ 00) group by NN into rows, each keyed
    /// by its identifying values (or NN, see `rowIdentity`); its scalar ids describe the table
    /// and go with every row. A list record, or a record without repeated ids, is one row.
    /// Rows whose identifying values are all blank are CM's unused rows and are not records.
    private mutating func addUntypedRows(_ obj: SATObject, form: String, list: Bool, pairs: [(String, String)],
                                         at: SourceLocation, command: String, onlyRows: Set<Int>? = nil) -> Int {
        var scalars: [(String, String)] = []
        var rows: [Int: [(String, String)]] = [:]
        for (id, v) in pairs {
            let b = Array(id.utf8)
            if !list, b.count == 8, b[4] == UInt8(ascii: "f"), b[5] == UInt8(ascii: "f"),
               let n = Int(id.suffix(2), radix: 16), n > 0 {
                rows[n, default: []].append((id, v))
            } else {
                scalars.append((id, v))
            }
        }
        let ident = Self.rowIdentity(obj)
        var location = ""
        if obj == .dialPlan {
            let q = Self.qualifier(command)?.split(separator: " ") ?? []
            if q.count >= 2, q[0] == "location", q[1] != "all" { location = "@\(q[1])" }
        }
        let groups: [(Int?, [(String, String)])] = rows.isEmpty ? [(nil, scalars)] : rows.keys.sorted().map { ($0, rows[$0] ?? []) }
        var added = 0
        for (n, rowPairs) in groups {
            if let only = onlyRows, n.map({ !only.contains($0) }) ?? true { continue }
            let idValues = rowPairs.prefix(ident.columns).map { Fields.clean($0.1) }
            let key: String
            if ident.rowNumber, let n { key = String(n) }
            else if !idValues.isEmpty, idValues.contains(where: { !$0.isEmpty }) { key = idValues.joined(separator: "/") + location }
            else { continue }
            if ident.rowNumber, rowPairs.allSatisfy({ Fields.clean($0.1).isEmpty }) { continue }
            var fields: [String: String] = [:]
            for (id, v) in (rows.isEmpty ? rowPairs : scalars + rowPairs) {
                let c = Fields.clean(v)
                if !c.isEmpty, fields["ossi:\(id)"] == nil { fields["ossi:\(id)"] = c }
            }
            let u = UntypedRecord(kind: obj.kind, key: key, form: form, fields: fields)
            let b = builder
            let rowAt = n.map { SourceLocation(file: at.file, line: at.line, record: (at.record ?? command) + " row \($0)") } ?? at
            pending.append((form, { _ in b.addUntyped(u, at: rowAt) }))
            added += 1
        }
        return added
    }

    private mutating func build(_ obj: SATObject, list: Bool, pairs: [(String, String)], at: SourceLocation, command: String) {
        let form = list ? "list.\(obj.rawValue)" : obj.rawValue
        let isTable = Self.keyField(obj) == nil
        func warnUntyped(_ why: String) {
            guard builder.firstTime("ossi.unknown-ids/\(form)") else { return }
            builder.diagnostics.emit(.warning("ossi.unknown-ids",
                "form '\(form)' (\(command)): \(why); its rows are counted and kept untyped, keyed by their identifying columns, fields as unknown ids (ossi:<id>)",
                at: at, hint: "pass --ossi-dictionary with this release's field ids (see docs/avaya-readers.md), or capture the screen in SAT; reported once per form"))
        }
        if isTable, dictionary.forms[form] == nil {
            // Tables of rows (COS, reason codes, numbering, dial plan) without ids: never
            // rejected wholesale, never typed by guess.
            warnUntyped("no OSSI dictionary for this form")
            if addUntypedRows(obj, form: form, list: list, pairs: pairs, at: at, command: command) == 0 {
                builder.reject(obj.kind, key: nil, at: at, reason: "'\(command)': no row with an identifying value", code: "ossi.no-key",
                               hint: "the capture may be cut; re-run the command")
            }
            return
        }
        let dict = dictionary.forms[form] ?? [:]
        var f = Fields()
        var rows: [String: [Int: String]] = [:]
        var unknown: [String] = []
        for (id, value) in pairs {
            if let k = dict[id] { f.set(k, value); continue }
            if id.count == 8, let k = dict[String(id.prefix(6)) + "##"], let n = Int(id.suffix(2), radix: 16) {
                let parts = k.split(separator: "@")
                let off = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                rows[String(parts[0]), default: [:]][n + off] = Fields.clean(value)
                continue
            }
            unknown.append(id)
            f.addExtra("ossi:\(id)", value)
        }
        if !unknown.isEmpty, !isTable, builder.firstTime("ossi.unknown-ids/\(form)") {
            let sample = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? ", …" : "")
            builder.diagnostics.emit(.warning("ossi.unknown-ids",
                dictionary.forms[form] == nil
                    ? "form '\(form)' is not in the OSSI dictionary; records are keyed from the command and their fields kept as unknown ids (ossi:<id>) (\(sample))"
                    : "form '\(form)': field ids not in the OSSI dictionary, kept as unknown ids (ossi:<id>): \(sample); the capture may come from another CM release",
                at: at, hint: "pass --ossi-dictionary with this release's field ids (see docs/avaya-readers.md); reported once per form"))
        }
        // Ids that moved between releases can hide the key: take it from the command's object
        // ("display station 3001") or from the list's first column, never guess further.
        if let kf = Self.keyField(obj), f.str(kf) == nil {
            let fromCommand = list ? nil : Self.qualifier(command)?.split(separator: " ").first.map(String.init)
            let fromColumn = list ? pairs.first.map { Fields.clean($0.1) } : nil
            if let k = fromCommand ?? fromColumn, !k.isEmpty {
                f.set(kf, k)
                if let first = pairs.first, list { f.extra["ossi:\(first.0)"] = nil }
            }
        }
        func col(_ k: String) -> [Int: String] { rows[k] ?? [:] }
        func ordered(_ k: String) -> [(Int, String)] { col(k).sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { ($0.key, $0.value) } }
        /// A table whose typed rows came out empty while ids were unknown (another release's
        /// ids), or that has rows of the wrong type: kept as untyped rows, never dropped.
        var typedRows = 0
        /// Values of the wrong type: the row (its OSSI row number) is kept untyped, or with no
        /// row only the form is marked mismatched.
        var badRows: [(row: Int?, issue: String)] = []
        func untypedFallback() {
            if typedRows == 0, !unknown.isEmpty || !badRows.isEmpty {
                if let b = badRows.first { markMismatch(form, kind: obj.kind, b.issue, at: at) }
                warnUntyped(unknown.isEmpty ? "values do not fit the dictionary's types" : "no field id of the dictionary's rows was found")
                if addUntypedRows(obj, form: form, list: list, pairs: pairs, at: at, command: command) == 0 {
                    builder.reject(obj.kind, key: nil, at: at, reason: "'\(command)': no row with an identifying value", code: "ossi.no-key",
                                   hint: "the capture may be cut; re-run the command")
                }
            } else if !unknown.isEmpty, builder.firstTime("ossi.unknown-ids/\(form)") {
                // Typed rows came out, and some ids are unknown besides: said once, as for forms.
                let sample = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? ", …" : "")
                builder.diagnostics.emit(.warning("ossi.unknown-ids",
                    "form '\(form)': field ids not in the OSSI dictionary, not read: \(sample); the capture may come from another CM release",
                    at: at, hint: "pass --ossi-dictionary with this release's field ids (see docs/avaya-readers.md); reported once per form"))
            }
            if typedRows > 0, let b = badRows.first {
                markMismatch(form, kind: obj.kind, b.issue, at: at)
                for b in badRows {
                    builder.diagnostics.emit(.warning("ossi.bad-value",
                        "\(obj.kind.rawValue): \(b.issue)" + (b.row == nil ? "" : "; the row is kept untyped"), at: at,
                        hint: "check the OSSI dictionary for this form"))
                }
                let keep = Set(badRows.compactMap(\.row))
                if !keep.isEmpty {
                    warnUntyped("values do not fit the dictionary's types")
                    _ = addUntypedRows(obj, form: form, list: list, pairs: pairs, at: at, command: command, onlyRows: keep)
                }
            }
        }

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
                    else if !v.isEmpty { badRows.append((nil, "COS \(n - 1) '\(label)' is '\(v)', expected y/n")) }
                }
            }
            for c in perms.keys.sorted() { queue(ClassOfService(number: c, permissions: perms[c] ?? [:], extra: f.extra), form: form, at: at) }
            typedRows = perms.count
            untypedFallback()
            if perms.isEmpty, unknown.isEmpty, badRows.isEmpty {
                builder.reject(.cos, key: nil, at: at, reason: "'\(command)': no COS values", code: "ossi.no-key", hint: nil)
            }
        case .reasonCodes:
            if let d = f.str("defaultAux") { queue(ReasonCode(kind: .aux, code: 0, name: d), form: form, at: at); typedRows += 1 }
            if let d = f.str("defaultLogout") { queue(ReasonCode(kind: .logout, code: 0, name: d), form: form, at: at); typedRows += 1 }
            for (n, name) in ordered("aux.name") {
                let raw = col("aux.interruptible")[n]
                let bad = raw.map { !$0.isEmpty && $0 != "y" && $0 != "n" } ?? false
                if let raw, bad { badRows.append((nil, "aux \(n) interruptible is '\(raw)', expected y/n")) }
                queue(ReasonCode(kind: .aux, code: n, name: name, interruptible: bad ? nil : raw.map { $0 == "y" }), form: form, at: at)
                typedRows += 1
            }
            for (n, name) in ordered("logout.name") { queue(ReasonCode(kind: .logout, code: n, name: name), form: form, at: at); typedRows += 1 }
            untypedFallback()
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
            queue(h, form: form, at: at)
        case .announcement:
            finish(RecordBuild.announcement(&f), f, at, summary: list)
        case .publicNumbering:
            for (n, len) in ordered("row.extLen") {
                guard let l = Int(len) else { badRows.append((n, "row \(n) extension length is '\(len)', expected a number")); continue }
                guard let code = col("row.extCode")[n] else { continue }
                let tr = col("row.trunks")[n], pre = col("row.prefix")[n]
                let cl = col("row.cpnLen")[n]
                if let cl, !cl.isEmpty, Int(cl) == nil { badRows.append((nil, "row \(n) CPN length is '\(cl)', expected a number")) }
                queue(PublicNumbering(extensionLength: l, extensionCode: code, trunkGroups: tr?.isEmpty == false ? tr : nil,
                                      cpnPrefix: pre?.isEmpty == false ? pre : nil,
                                      cpnLength: cl.flatMap { Int($0) }), form: form, at: at)
                typedRows += 1
            }
            untypedFallback()
        case .dialPlan:
            let q = Self.qualifier(command)?.split(separator: " ") ?? []
            let location = q.count >= 2 && q[0] == "location" && q[1] != "all" ? String(q[1]) : nil
            for (n, s) in ordered("row.string") {
                guard let lv = col("row.length")[n], let l = Int(lv) else {
                    badRows.append((n, "row \(n) total length is '\(col("row.length")[n] ?? "")', expected a number")); continue
                }
                guard let t = col("row.type")[n], !t.isEmpty else { continue }
                queue(DialPlanEntry(dialedString: s, totalLength: l, callType: t.lowercased(), location: location), form: form, at: at)
                typedRows += 1
            }
            untypedFallback()
        case .pickupGroup:
            finish(RecordBuild.pickupGroup(&f, members: ordered("member").map { $0.1.normalizedExtension }), f, at, summary: list)
        case .tenant:
            finish(RecordBuild.tenant(&f), f, at, summary: list)
        }
    }

    private mutating func finish<R: SourceRecord>(_ r: Result<R, BuildFailure>, _ f: Fields, _ at: SourceLocation, summary: Bool) {
        switch r {
        case .success(let rec):
            let form = (summary ? "list." : "") + R.kind.rawValue
            for issue in f.issues {
                builder.diagnostics.emit(.warning("ossi.bad-value", "\(R.kind.rawValue) \(rec.key): \(issue)", at: at,
                    hint: "check the OSSI dictionary for this form"))
            }
            // A value of the wrong type means the ids do not mean what the dictionary says
            // (another release): no record of this form in this file may override another
            // source — earlier ones included, which is why records wait in `pending`.
            if let first = f.issues.first { markMismatch(form, kind: R.kind, first, at: at) }
            queue(rec, form: form, at: at, summary: summary)
        case .failure(let why):
            builder.reject(R.kind, key: nil, at: at, reason: "OSSI record: \(why)", code: "ossi.no-key",
                           hint: "the key field id is missing; check the 'f' lines or the OSSI dictionary")
        }
    }
}
