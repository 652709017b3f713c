import BundleKit
import Common
import Foundation

/// The bundle's members read into what the page shows. Everything comes from the members (so
/// `build` and `review` render the same page); a member that is missing or malformed shows as
/// absent, never as a crash (the verifier reports why).
///
/// Built for 100,000-station bundles (#16): members are read with `JSONView` (no JSON trees), each
/// JSON Lines member in one pass that keeps only what the page shows (exception groups with their
/// samples, the plan's per-phase counts, the first difflog record of each user), and payloads are
/// indexed by type once.
struct BundleView {
    let files: BundleFiles
    let metadata: BundleMetadata?
    let facts: ReviewFacts?
    let exceptionGroups: [ExceptionGroup]
    let exceptionTotal: Int
    let exceptionsBySeverity: [String: Int]
    let plan: PlanSummary
    /// The first difflog record of each `payloads/users/…` and `payloads/user-routing-skills/…`
    /// payload (by payload path).
    let firstRecord: [String: SourceRef]
    /// Coverage path id → the users whose forwarding or voicemail it set, and its source.
    let coveragePaths: [String: (users: Set<String>, source: String?)]
    /// Difflog records of the delta against a previous build (update / unchanged / delete).
    let deltaRecords: [DiffRecord]
    let diffCount: Int
    /// Flow member names (`flows/<name>.yaml`) in bundle order.
    let flowNames: [String]
    /// Payload members by type, unsorted and not yet checked.
    private let membersByType: [String: [(key: String, member: Payload)]]
    private var cache: [String: [(key: String, member: Payload)]] = [:]
    private var names: [String: String]?

    /// Samples kept per exception group on the page.
    static let exceptionSamples = 40

    /// Where a payload's difflog record came from.
    struct SourceRef {
        var sourceType: String?
        var sourceID: String?
        var source: String?
    }

    /// What the Plan section and the routing graphs need of `plan/order.json`, counted in one pass.
    struct PlanSummary {
        struct Phase {
            var steps = 0
            var dependencies = 0
            var actions: [String: Int] = [:]
            var types: [String: Int] = [:]
        }
        var steps = 0
        var dependencies = 0
        var deferred = 0
        var phases: [Int: Phase] = [:]
        /// `depends_on` of the last step of each flow (by key).
        var flowDependencies: [String: [String]] = [:]
    }

    /// A payload member, read from the bundle when it is used: the page holds one payload at a
    /// time, not all of them (a bundle from `cm2gc build` keeps its members on disk).
    struct Payload {
        let files: BundleFiles
        let path: String
    }

    init(_ files: BundleFiles) {
        self.files = files
        metadata = files.metadata
        facts = ReviewFacts.read(files)
        // The logs in blocks of lines, never whole: they are hundreds of MiB at 100,000 stations.
        (exceptionGroups, exceptionTotal, exceptionsBySeverity) = Self.exceptions { body in
            _ = try? files.forEachLineBlock(of: BundleFormat.exceptionsPath, body)
        }
        plan = Self.plan(files[BundleFormat.orderPath])
        (firstRecord, coveragePaths, deltaRecords, diffCount) = Self.diffLog { body in
            _ = try? files.forEachLineBlock(of: BundleFormat.diffLogPath, body)
        }

        var byType: [String: [(key: String, member: Payload)]] = [:]
        var flows: [String] = []
        for path in files.paths {
            if path.hasPrefix("payloads/"), path.hasSuffix(".json") {
                let rest = path.utf8.dropFirst(9).dropLast(5)
                guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { continue }
                let key = rest[rest.index(after: slash)...]
                guard !key.contains(UInt8(ascii: "/")) else { continue }
                byType[String(Substring(rest[..<slash])), default: []].append((String(Substring(key)), Payload(files: files, path: path)))
            } else if path.hasPrefix("flows/"), path.hasSuffix(".yaml") {
                flows.append(path)
            }
        }
        membersByType = byType
        // Filtered first, then sorted in bundle (byte) order: the same list as `files.paths` filtered.
        flowNames = flows.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { String($0.dropFirst(6).dropLast(5)) }
    }

    // MARK: exceptions.jsonl

    static let exceptionKeys = JSONKeys("severity", "code", "message", "source", "type", "key", "hint")

    /// `blocks` hands over the member in blocks of whole lines.
    static func exceptions(_ data: Data?) -> ([ExceptionGroup], Int, [String: Int]) {
        exceptions { body in _ = data?.withUnsafeBytes { body($0) } }
    }

    static func exceptions(_ blocks: ((UnsafeRawBufferPointer) -> Void) -> Void) -> ([ExceptionGroup], Int, [String: Int]) {
        var total = 0
        var bySeverity: [String: Int] = [:]
        var groups = ExceptionGroup.Aggregator(samples: exceptionSamples)
        blocks { raw in
            forEachLine(raw) { line in
                _ = JSONView.with(line) { v in
                    let f = v.fields(exceptionKeys)
                    let severity = f[0]?.stringValue.flatMap(Diagnostic.Severity.init(rawValue:)) ?? .warning
                    let code = f[1]?.stringValue ?? "(no code)"
                    total += 1
                    bySeverity[severity.rawValue, default: 0] += 1
                    // The whole record only while its group still takes samples.
                    groups.add(code: code, severity: severity) {
                        ExceptionRecord(severity: severity, code: code, message: f[2]?.stringValue ?? "", source: f[3]?.stringValue,
                                        type: f[4]?.stringValue, key: f[5]?.stringValue, hint: f[6]?.stringValue)
                    }
                }
            }
        }
        return (groups.groups, total, bySeverity)
    }

    // MARK: plan/order.json

    /// Read field by field: a 100,000-station plan is 200,000 steps. A step without id, a known
    /// action or a phase is left out, as a decoder would.
    static let stepKeys = JSONKeys("id", "action", "phase", "type", "depends_on", "deferred_fields", "key")

    static func plan(_ data: Data?) -> PlanSummary {
        var s = PlanSummary()
        guard let data else { return s }
        _ = JSONView.with(data) { root in
            root["steps"]?.forEachElement { v in
                let f = v.fields(stepKeys)
                guard f[0]?.stringValue != nil, let a = f[1]?.stringValue, let action = PlanAction(rawValue: a),
                      let phase = f[2]?.intValue else { return true }
                let type = f[3]?.stringValue ?? ""
                let isFlow = type == "flows"
                var deps: [String] = []
                var depCount = 0
                f[4]?.forEachElement { d in
                    // Only a flow's dependencies are kept (the routing graphs); the rest are counted.
                    if d.b[d.at] == UInt8(ascii: "\"") {
                        depCount += 1
                        if isFlow, let x = d.stringValue { deps.append(x) }
                    }
                    return true
                }
                s.steps += 1
                s.dependencies += depCount
                if f[5]?.arrayCount != nil { s.deferred += 1 }
                s.phases[Int(phase), default: .init()].steps += 1
                s.phases[Int(phase), default: .init()].dependencies += depCount
                s.phases[Int(phase), default: .init()].actions[action.rawValue, default: 0] += 1
                s.phases[Int(phase), default: .init()].types[type, default: 0] += 1
                if isFlow { s.flowDependencies[f[6]?.stringValue ?? ""] = deps }
                return true
            }
        }
        return s
    }

    // MARK: difflog.jsonl

    static let diffKeys = JSONKeys("action", "payload", "source_type", "source_id", "source", "key")

    static func diffLog(_ data: Data?) -> ([String: SourceRef], [String: (users: Set<String>, source: String?)], [DiffRecord], Int) {
        diffLog { body in _ = data?.withUnsafeBytes { body($0) } }
    }

    /// `blocks` hands over the member in blocks of whole lines.
    static func diffLog(_ blocks: ((UnsafeRawBufferPointer) -> Void) -> Void)
        -> ([String: SourceRef], [String: (users: Set<String>, source: String?)], [DiffRecord], Int) {
        var first: [String: SourceRef] = [:]
        var coverage: [String: (users: Set<String>, source: String?)] = [:]
        var delta: [DiffRecord] = []
        var count = 0
        blocks { raw in
            forEachLine(raw) { line in
                count += 1
                _ = JSONView.with(line) { v in
                    let f = v.fields(diffKeys)
                    guard let a = f[0]?.stringValue, let action = DiffRecord.Action(rawValue: a) else { return }
                    if let p = f[1]?.stringValue {
                        if p.hasPrefix("payloads/users/") || p.hasPrefix("payloads/user-routing-skills/") {
                            if first[p] == nil {
                                first[p] = SourceRef(sourceType: f[2]?.stringValue, sourceID: f[3]?.stringValue, source: f[4]?.stringValue)
                            }
                        } else if p.hasPrefix("payloads/call-forwarding/") || p.hasPrefix("payloads/voicemail-policies/"),
                                  f[2]?.stringValue == "coverage-path" {
                            let id = f[3]?.stringValue ?? "?"
                            coverage[id, default: ([], f[4]?.stringValue)].users.insert(f[5]?.stringValue ?? "")
                        }
                    }
                    if action == .update || action == .unchanged || action == .delete {
                        // Rare (a delta build); the field diffs need the whole record.
                        if let full = try? JSONValue.parse(Data(line)), let r = diffRecord(full) { delta.append(r) }
                    }
                }
            }
        }
        return (first, coverage, delta, count)
    }

    /// The fields of a diff record the page uses.
    static func diffRecord(_ v: JSONValue) -> DiffRecord? {
        guard let a = v["action"]?.stringValue, let action = DiffRecord.Action(rawValue: a) else { return nil }
        var r = DiffRecord(type: v["type"]?.stringValue ?? "", key: v["key"]?.stringValue ?? "", action: action,
                           source: v["source"]?.stringValue)
        r.payload = v["payload"]?.stringValue
        r.sourceType = v["source_type"]?.stringValue
        r.sourceID = v["source_id"]?.stringValue
        r.changes = v["changes"]?.arrayValue?.compactMap { c in
            c["path"]?.stringValue.map { FieldChange(path: $0, before: c["before"].flatMap { $0 == .null ? nil : $0 },
                                                     after: c["after"].flatMap { $0 == .null ? nil : $0 }) }
        }
        return r
    }

    // MARK: payloads

    /// The valid payloads of one type, sorted by key; read them with `forEach`.
    mutating func payloads(_ type: String) -> [(key: String, member: Payload)] {
        if let c = cache[type] { return c }
        var out = (membersByType[type] ?? []).filter { m in
            m.member.files.withContents(of: m.member.path) { raw in JSONView.with(raw) { _ in true } ?? false } ?? false
        }
        out.sort { $0.key < $1.key }  // keys are ASCII: the bundle's byte order
        cache[type] = out
        return out
    }

    /// Calls `body` with each valid payload of `type` in key order.
    mutating func forEach(_ type: String, _ body: (_ key: String, _ value: JSONView) -> Void) {
        for (k, m) in payloads(type) { Self.read(m) { body(k, $0) } }
    }

    /// A payload that `payloads` has checked (nil if it cannot be read again).
    static func read<R>(_ member: Payload, _ body: (JSONView) -> R) -> R? {
        member.files.withContents(of: member.path) { raw in
            let root = JSONView.skipWS(raw, raw.count >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF ? 3 : 0)
            return body(JSONView(b: raw, at: root))
        }
    }

    /// User key → display name.
    mutating func userNames() -> [String: String] {
        if let names { return names }
        var out: [String: String] = [:]
        forEach("users") { k, v in out[k] = v["name"]?.stringValue ?? k }
        names = out
        return out
    }

    func flowText(_ name: String) -> String? {
        files[BundleFormat.flowPath(name: name)].map { String(decoding: $0, as: UTF8.self) }
    }

    /// `@ref:<type>/<key>` → key when the type matches.
    static func refKey(_ v: JSONView?, type: String) -> String? {
        guard let s = v?.stringValue, s.hasPrefix("@ref:\(type)/") else { return nil }
        return String(s.dropFirst("@ref:\(type)/".count))
    }
}
