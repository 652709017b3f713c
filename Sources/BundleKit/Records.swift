import Common
import Foundation

/// Constants of bundle format v1 (bundle-spec.md).
public enum BundleFormat {
    public static let name = "cm2gc-bundle"
    /// 1.1 names the optional `review.html` and `reports/review.json` members (section 13); a 1.0
    /// bundle stays valid, and readers of 1.0 already ignore the new tag files.
    public static let version = "1.1"
    public static let major = 1

    public static let metadataPath = "bundle.json"
    public static let manifestPath = "manifest-sha256.txt"
    public static let tagManifestPath = "tagmanifest-sha256.txt"
    public static let orderPath = "plan/order.json"
    public static let planTextPath = "plan/plan.txt"
    public static let diffLogPath = "difflog.jsonl"
    public static let exceptionsPath = "exceptions.jsonl"
    public static let summaryPath = "summary.md"
    public static let mappingPath = "mapping.csv"
    /// The self-contained review page (optional, section 13).
    public static let reviewPath = "review.html"
    /// Reconciliation, vector step outcomes and broken cycles for the review page (optional, section 13).
    public static let reviewDataPath = "reports/review.json"

    /// Members every v1 bundle has.
    public static let requiredMembers = [metadataPath, manifestPath, tagManifestPath, orderPath,
                                         planTextPath, diffLogPath, exceptionsPath, summaryPath]

    /// Payload class = listed in manifest-sha256.txt (section 5).
    public static func isPayloadClass(_ path: String) -> Bool {
        path.hasPrefix("payloads/") || path.hasPrefix("flows/")
    }

    public static func payloadPath(type: String, key: String) -> String { "payloads/\(type)/\(key).json" }
    public static func flowPath(name: String) -> String { "flows/\(name).yaml" }

    /// Parses "MAJOR.MINOR"; nil when malformed.
    static func parseVersion(_ s: String) -> (major: Int, minor: Int)? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, b >= 0,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }) else { return nil }
        return (a, b)
    }
}

/// Size and count limits (bundle-spec.md section 19), enforced on write and on read.
public struct BundleLimits: Sendable, Hashable {
    public var maxPayloadBytes: Int64 = 512_000
    public var maxFlowBytes: Int64 = 4_194_304
    public var maxOtherMemberBytes: Int64 = 268_435_456  // a 100,000-station diff log is ~100 MiB
    /// 1,000,000 since format 1.1 (200,000 in 1.0): a 100,000-station site alone has over 200,000 payloads.
    public var maxMembers = 1_000_000
    public var maxTotalBytes: Int64 = 1_073_741_824

    public init() {}
    public static let standard = BundleLimits()

    public func limit(for path: String) -> Int64 {
        if path.hasPrefix("payloads/") { return maxPayloadBytes }
        if path.hasPrefix("flows/") { return maxFlowBytes }
        return maxOtherMemberBytes
    }
}

/// `bundle.json` (bundle-spec.md section 7).
public struct BundleMetadata: Sendable, Hashable, Codable {
    public var format: String
    public var formatVersion: String
    public var bundleID: String
    public var toolVersion: String
    public var created: String
    public var sourceFingerprint: String
    public var mappingConfigDigest: String
    public var targetAPIModel: String
    public var counts: [String: Int]
    public var flowCount: Int
    public var payloadBytes: Int64

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case bundleID = "bundle_id"
        case toolVersion = "tool_version"
        case created
        case sourceFingerprint = "source_fingerprint"
        case mappingConfigDigest = "mapping_config_digest"
        case targetAPIModel = "target_api_model"
        case counts
        case flowCount = "flow_count"
        case payloadBytes = "payload_bytes"
    }
}

/// A step action (bundle-spec.md section 10).
public enum PlanAction: String, Sendable, Hashable, Codable, CaseIterable {
    case create, update, patch, delete
}

/// One step of `plan/order.json`. The stage-one transform produces these.
public struct PlanStep: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var key: String
    public var action: PlanAction
    public var dependsOn: [String]
    public var phase: Int
    /// Payload member path, e.g. `payloads/queue/sales.json`; required unless `action == .delete`.
    public var payload: String?
    public var note: String?
    /// Top-level payload fields to leave out of this create; a later `patch` step of the same
    /// resource sends them once their references exist (reference cycles).
    public var deferredFields: [String]?

    public init(id: String, type: String, key: String, action: PlanAction, dependsOn: [String] = [],
                phase: Int, payload: String? = nil, note: String? = nil, deferredFields: [String]? = nil) {
        self.id = id
        self.type = type
        self.key = key
        self.action = action
        self.dependsOn = dependsOn
        self.phase = phase
        self.payload = payload
        self.note = note
        self.deferredFields = deferredFields
    }

    enum CodingKeys: String, CodingKey {
        case id, type, key, action, phase, payload, note
        case dependsOn = "depends_on"
        case deferredFields = "deferred_fields"
    }
}

/// `plan/order.json`.
public struct BundlePlan: Sendable, Hashable, Codable {
    public var steps: [PlanStep]
    public init(steps: [PlanStep] = []) { self.steps = steps }

    /// Problems with the plan given the set of members (bundle-spec.md section 10). Empty = consistent.
    public func problems(members: Set<String>) -> [String] {
        var out: [String] = []
        var seen: [String: Int] = [:]  // step id → phase
        var lastPhase = 1
        for (n, s) in steps.enumerated() {
            // Made only when there is something to say (240,000 steps at 100,000 stations).
            var label: String { "step \(n + 1) (\(s.id))" }
            if s.id.isEmpty || s.id.utf8.contains(where: { $0 < 0x20 }) {  // a control character is one byte
                out.append("\(label): id must be non-empty text without control characters")
            }
            if seen[s.id] != nil { out.append("\(label): duplicate step id") }
            if !BundlePath.isValidSegment(s.type) { out.append("\(label): type \"\(s.type)\" is not a segment name") }
            if !BundlePath.isValidSegment(s.key) { out.append("\(label): key \"\(s.key)\" is not a segment name") }
            if s.phase < 1 { out.append("\(label): phase must be >= 1") }
            if s.phase < lastPhase { out.append("\(label): phase \(s.phase) decreases (previous step has \(lastPhase))") }
            lastPhase = max(lastPhase, s.phase)
            for d in s.dependsOn {
                guard let depPhase = seen[d] else {
                    out.append("\(label): depends on \"\(d)\", which is not an earlier step")
                    continue
                }
                if depPhase >= s.phase { out.append("\(label): phase must be greater than the phase of dependency \"\(d)\"") }
            }
            if let p = s.payload {
                if !members.contains(p) { out.append("\(label): payload \(p) is not in the bundle") }
            } else if s.action != .delete {
                out.append("\(label): \(s.action.rawValue) needs a payload")
            }
            seen[s.id] = s.phase
        }
        return out
    }

    /// The human plan text (`plan/plan.txt`), grouped by phase.
    public func renderText() -> String {
        var out = "Plan: \(steps.count) step\(steps.count == 1 ? "" : "s")"
        let phases = Set(steps.map(\.phase)).sorted()
        out += " in \(phases.count) phase\(phases.count == 1 ? "" : "s")\n"
        let width = String(steps.count).count
        var n = 0
        for phase in phases {
            out += "\nPhase \(phase)\n"
            for s in steps where s.phase == phase {
                n += 1
                let num = String(n)
                out += "  " + String(repeating: " ", count: width - num.count) + num + ". "
                out += s.action.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                out += "\(s.type)/\(s.key)"
                if !s.dependsOn.isEmpty { out += "  (after: \(s.dependsOn.joined(separator: ", ")))" }
                if let note = s.note { out += "  -- \(note)" }
                out += "\n"
            }
        }
        return out
    }
}

/// One field change in a diff record.
public struct FieldChange: Sendable, Hashable, Codable {
    /// JSON pointer into the payload, e.g. `/queueFlow/id`.
    public var path: String
    public var before: JSONValue?
    public var after: JSONValue?

    public init(path: String, before: JSONValue? = nil, after: JSONValue? = nil) {
        self.path = path
        self.before = before
        self.after = after
    }
}

extension FieldChange {
    /// Field-level differences between two JSON values as JSON pointers (objects compared member
    /// by member, anything else as a whole); numbers compare by value.
    public static func diff(_ a: JSONValue, _ b: JSONValue, path: String = "") -> [FieldChange] {
        if a == b { return [] }
        if let x = a.doubleValue, let y = b.doubleValue, x == y { return [] }
        if case .object(let x) = a, case .object(let y) = b {
            return Set(x.keys).union(y.keys).sorted().flatMap { k -> [FieldChange] in
                let p = path + "/" + k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                switch (x[k], y[k]) {
                case (let u?, let v?): return diff(u, v, path: p)
                case (let u?, nil): return [FieldChange(path: p, before: u, after: nil)]
                case (nil, let v?): return [FieldChange(path: p, before: nil, after: v)]
                default: return []
                }
            }
        }
        return [FieldChange(path: path.isEmpty ? "/" : path, before: a, after: b)]
    }
}

/// One line of `difflog.jsonl` (bundle-spec.md section 11).
public struct DiffRecord: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case create, update, patch, delete, unchanged
        /// The source record is deliberately not migrated (rule or configuration says so).
        case exclude
        /// A person must act; the record is also in exceptions.jsonl.
        case manual
    }

    /// Target type and logical key; empty for `exclude`/`manual` decisions with no target.
    public var type: String
    public var key: String
    public var action: Action
    /// Where the source record was read (`file:line`).
    public var source: String?
    public var changes: [FieldChange]?
    public var note: String?
    /// 1-based position in the log.
    public var seq: Int?
    public var bundleID: String?
    /// Mapping rule id (docs/mapping.md).
    public var rule: String?
    /// `avaya-cm`.
    public var sourceSystem: String?
    /// Source object kind (`station`, `hunt-group`, …) and its key.
    public var sourceType: String?
    public var sourceID: String?
    /// SHA-256 of the source record's canonical JSON.
    public var sourceDigest: String?
    public var reason: String?
    /// Payload member path and its SHA-256 (as in manifest-sha256.txt).
    public var payload: String?
    public var payloadDigest: String?
    /// Plan step ids this payload's step depends on.
    public var dependsOn: [String]?
    public var warnings: [String]?

    public init(type: String, key: String, action: Action, source: String? = nil,
                changes: [FieldChange]? = nil, note: String? = nil) {
        self.type = type
        self.key = key
        self.action = action
        self.source = source
        self.changes = changes
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case type, key, action, source, changes, note, seq, rule, reason, payload, warnings
        case bundleID = "bundle_id"
        case sourceSystem = "source_system"
        case sourceType = "source_type"
        case sourceID = "source_id"
        case sourceDigest = "source_digest"
        case payloadDigest = "payload_digest"
        case dependsOn = "depends_on"
    }
}

/// One line of `exceptions.jsonl` (bundle-spec.md section 12).
public struct ExceptionRecord: Sendable, Hashable, Codable {
    public var severity: Diagnostic.Severity
    public var code: String
    public var message: String
    public var source: String?
    public var type: String?
    public var key: String?
    public var hint: String?

    public init(severity: Diagnostic.Severity, code: String, message: String, source: String? = nil,
                type: String? = nil, key: String? = nil, hint: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.source = source
        self.type = type
        self.key = key
        self.hint = hint
    }

    /// From a reader/transform diagnostic.
    public init(_ d: Diagnostic, type: String? = nil, key: String? = nil) {
        self.init(severity: d.severity, code: d.code, message: d.message,
                  source: d.location?.description, type: type, key: key, hint: d.hint)
    }
}

/// RFC 3339 UTC with whole seconds, computed without Foundation formatters so the result cannot depend
/// on locale or time zone settings.
public enum BundleTime {
    public static func rfc3339(epochSeconds t: Int64) -> String {
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let yyyy = String(y).count < 4 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(yyyy)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60))Z"
    }

    public static func rfc3339(_ date: Date) -> String {
        rfc3339(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// `SOURCE_DATE_EPOCH` from the environment, if set to a non-negative integer.
    public static func sourceDateEpoch(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int64? {
        guard let s = environment["SOURCE_DATE_EPOCH"], let v = Int64(s), v >= 0 else { return nil }
        return v
    }
}

// Hand-written canonical JSON of the records stage one writes by the hundred thousand (the diff
// log, exceptions, plan steps): the same bytes as their synthesized `Encodable` form through the
// encoder tree (members in key byte order, nil optionals left out), at a fraction of the cost.
// `RecordWriterTests` compares both encodings on varied records.

extension FieldChange: CanonicalJSONWritable {
    package func writeCanonical(to w: inout CanonicalWriter) {
        var first = true
        w.beginObject()
        if let after { w.key("after", first: &first); w.write(after) }
        if let before { w.key("before", first: &first); w.write(before) }
        w.key("path", first: &first); w.string(path)
        w.endObject()
    }
}

extension DiffRecord: CanonicalJSONWritable {
    package func writeCanonical(to w: inout CanonicalWriter) {
        var first = true
        w.beginObject()
        w.key("action", first: &first); w.string(action.rawValue)
        if let bundleID { w.key("bundle_id", first: &first); w.string(bundleID) }
        if let changes { w.key("changes", first: &first); w.array(changes) }
        if let dependsOn { w.key("depends_on", first: &first); w.strings(dependsOn) }
        w.key("key", first: &first); w.string(key)
        if let note { w.key("note", first: &first); w.string(note) }
        if let payload { w.key("payload", first: &first); w.string(payload) }
        if let payloadDigest { w.key("payload_digest", first: &first); w.string(payloadDigest) }
        if let reason { w.key("reason", first: &first); w.string(reason) }
        if let rule { w.key("rule", first: &first); w.string(rule) }
        if let seq { w.key("seq", first: &first); w.int(seq) }
        if let source { w.key("source", first: &first); w.string(source) }
        if let sourceDigest { w.key("source_digest", first: &first); w.string(sourceDigest) }
        if let sourceID { w.key("source_id", first: &first); w.string(sourceID) }
        if let sourceSystem { w.key("source_system", first: &first); w.string(sourceSystem) }
        if let sourceType { w.key("source_type", first: &first); w.string(sourceType) }
        w.key("type", first: &first); w.string(type)
        if let warnings { w.key("warnings", first: &first); w.strings(warnings) }
        w.endObject()
    }
}

extension ExceptionRecord: CanonicalJSONWritable {
    package func writeCanonical(to w: inout CanonicalWriter) {
        var first = true
        w.beginObject()
        w.key("code", first: &first); w.string(code)
        if let hint { w.key("hint", first: &first); w.string(hint) }
        if let key { w.key("key", first: &first); w.string(key) }
        w.key("message", first: &first); w.string(message)
        w.key("severity", first: &first); w.string(severity.rawValue)
        if let source { w.key("source", first: &first); w.string(source) }
        if let type { w.key("type", first: &first); w.string(type) }
        w.endObject()
    }
}

extension PlanStep: CanonicalJSONWritable {
    package func writeCanonical(to w: inout CanonicalWriter) {
        var first = true
        w.beginObject()
        w.key("action", first: &first); w.string(action.rawValue)
        if let deferredFields { w.key("deferred_fields", first: &first); w.strings(deferredFields) }
        w.key("depends_on", first: &first); w.strings(dependsOn)
        w.key("id", first: &first); w.string(id)
        w.key("key", first: &first); w.string(key)
        if let note { w.key("note", first: &first); w.string(note) }
        if let payload { w.key("payload", first: &first); w.string(payload) }
        w.key("phase", first: &first); w.int(phase)
        w.key("type", first: &first); w.string(type)
        w.endObject()
    }
}
