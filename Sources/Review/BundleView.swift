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

        if let d = files[BundleFormat.orderPath], let v = try? JSONValue.parse(d), let plan = try? v.decode(BundlePlan.self) {
            steps = plan.steps
        } else {
            steps = []
        }

        // Only the records the page uses are parsed: those that produced a payload, and the delta.
        var byPayload: [String: [DiffRecord]] = [:]
        var delta: [DiffRecord] = []
        var count = 0
        for line in Self.lines(files[BundleFormat.diffLogPath]) {
            count += 1
            guard let v = try? JSONValue.parse(line), let r = try? v.decode(DiffRecord.self) else { continue }
            if let p = r.payload { byPayload[p, default: []].append(r) }
            if r.action == .update || r.action == .unchanged || r.action == .delete { delta.append(r) }
        }
        recordsByPayload = byPayload
        deltaRecords = delta
        diffCount = count
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
