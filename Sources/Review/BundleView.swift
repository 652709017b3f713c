import BundleKit
import Common
import Foundation

/// The bundle's members read into what the page shows. Everything comes from the members (so
/// `build` and `review` render the same page); a member that is missing or malformed shows as
/// absent, never as a crash (the verifier reports why).
struct BundleView {
    let files: BundleFiles
    let metadata: BundleMetadata?
    let facts: ReviewFacts?
    let exceptionGroups: [ExceptionGroup]
    let exceptionTotal: Int
    let exceptionsBySeverity: [String: Int]
    let steps: [PlanStep]
    /// Difflog records that concern a payload (by payload path), in log order.
    let recordsByPayload: [String: [DiffRecord]]
    /// Difflog records of the delta against a previous build (update / unchanged / delete).
    let deltaRecords: [DiffRecord]
    let diffCount: Int
    private var cache: [String: [(key: String, value: JSONValue)]] = [:]

    /// Samples kept per exception group on the page.
    static let exceptionSamples = 40

    init(_ files: BundleFiles) {
        self.files = files
        metadata = files.metadata
        facts = ReviewFacts.read(files)
        var total = 0
        var bySeverity: [String: Int] = [:]
        let records = Self.lines(files[BundleFormat.exceptionsPath]).lazy.compactMap { line -> ExceptionRecord? in
            guard let v = try? JSONValue.parse(line) else { return nil }
            return ExceptionRecord(severity: v["severity"]?.stringValue.flatMap(Diagnostic.Severity.init(rawValue:)) ?? .warning,
                                   code: v["code"]?.stringValue ?? "(no code)", message: v["message"]?.stringValue ?? "",
                                   source: v["source"]?.stringValue, type: v["type"]?.stringValue, key: v["key"]?.stringValue,
                                   hint: v["hint"]?.stringValue)
        }.map { r -> ExceptionRecord in
            total += 1
            bySeverity[r.severity.rawValue, default: 0] += 1
            return r
        }
        exceptionGroups = ExceptionGroup.aggregate(records, samples: Self.exceptionSamples)
        exceptionTotal = total
        exceptionsBySeverity = bySeverity

        // Read field by field: a 100,000-station plan is 200,000 steps, too many for a round trip
        // through JSONDecoder.
        steps = files[BundleFormat.orderPath].flatMap { try? JSONValue.parse($0) }?["steps"]?.arrayValue?.compactMap(Self.step) ?? []

        // Only the records the page uses are parsed: those that produced a payload, and the delta.
        var byPayload: [String: [DiffRecord]] = [:]
        var delta: [DiffRecord] = []
        var count = 0
        for line in Self.lines(files[BundleFormat.diffLogPath]) {
            count += 1
            guard let v = try? JSONValue.parse(line), let r = Self.diffRecord(v) else { continue }
            if let p = r.payload { byPayload[p, default: []].append(r) }
            if r.action == .update || r.action == .unchanged || r.action == .delete { delta.append(r) }
        }
        recordsByPayload = byPayload
        deltaRecords = delta
        diffCount = count
    }

    static func step(_ v: JSONValue) -> PlanStep? {
        guard let id = v["id"]?.stringValue, let a = v["action"]?.stringValue, let action = PlanAction(rawValue: a),
              let phase = v["phase"]?.intValue else { return nil }
        return PlanStep(id: id, type: v["type"]?.stringValue ?? "", key: v["key"]?.stringValue ?? "", action: action,
                        dependsOn: v["depends_on"]?.arrayValue?.compactMap(\.stringValue) ?? [], phase: Int(phase),
                        payload: v["payload"]?.stringValue, note: v["note"]?.stringValue,
                        deferredFields: v["deferred_fields"]?.arrayValue?.compactMap(\.stringValue))
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

    /// The payloads of one type, sorted by key.
    mutating func payloads(_ type: String) -> [(key: String, value: JSONValue)] {
        if let c = cache[type] { return c }
        let prefix = "payloads/\(type)/"
        var out: [(key: String, value: JSONValue)] = []
        for (path, data) in files.members where path.hasPrefix(prefix) && path.hasSuffix(".json") {
            let key = String(path.dropFirst(prefix.count).dropLast(5))
            guard !key.contains("/"), let v = try? JSONValue.parse(data) else { continue }
            out.append((key, v))
        }
        out.sort { $0.key < $1.key }  // keys are ASCII: the bundle's byte order
        cache[type] = out
        return out
    }

    func flowText(_ name: String) -> String? {
        files[BundleFormat.flowPath(name: name)].map { String(decoding: $0, as: UTF8.self) }
    }

    var flowNames: [String] {
        files.paths.filter { $0.hasPrefix("flows/") && $0.hasSuffix(".yaml") }.map { String($0.dropFirst(6).dropLast(5)) }
    }

    /// The non-empty lines of a JSON Lines member.
    static func lines(_ data: Data?) -> [Data] {
        guard let data, !data.isEmpty else { return [] }
        return data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
    }

    /// `@ref:<type>/<key>` → key when the type matches.
    static func refKey(_ v: JSONValue?, type: String) -> String? {
        guard let s = v?.stringValue, s.hasPrefix("@ref:\(type)/") else { return nil }
        return String(s.dropFirst("@ref:\(type)/".count))
    }
}
