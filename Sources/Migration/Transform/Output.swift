import AvayaCM
import BundleKit
import Common
import Foundation
import GenesysCloud

/// One decision of the transform: the diff log's line before sequence numbers and payload
/// digests are known (bundle-spec.md, difflog.jsonl).
public struct Decision: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case create, exclude, manual
    }

    public var rule: String
    public var sourceKind: String
    public var sourceID: String
    public var sourceDigest: String?
    public var action: Action
    public var targetType: String?
    public var targetKey: String?
    public var reason: String
    public var warnings: [String]

    /// `sourceKind` of decisions that come from the mapping configuration (source system "mapping").
    public static let configurationKind = "mapping-config"
}

/// Why a source record has no payload, or what a person must still do.
public struct TransformException: Sendable, Hashable, Codable {
    public enum Disposition: String, Sendable, Hashable, Codable {
        /// Nothing was created; a person must build it by hand.
        case manual
        /// A payload was created, but it only approximates the source.
        case approximated
        /// The source record cannot be migrated as it is (bad data): fix the source and rebuild.
        case rejected
        /// Information a reviewer must know; nothing is missing.
        case review
    }

    public var rule: String
    public var sourceKind: String
    public var sourceID: String
    public var disposition: Disposition
    public var message: String
    public var location: String?
    public var hint: String?
}

/// Per source kind: `read == producing + excluded + exceptions` (each record counted once, by
/// its strongest outcome: payload, else exclusion, else exception).
public struct Reconciliation: Sendable, Hashable, Codable {
    public var read = 0
    public var producing = 0
    public var excluded = 0
    public var exceptions = 0
    public var holds: Bool { read == producing + excluded + exceptions }
}

/// The transform's result: resources to plan, and the audit trail.
public struct TransformOutput: Sendable {
    public var resources: [PlannedResource] = []
    public var decisions: [Decision] = []
    public var exceptions: [TransformException] = []
    public var reconciliation: [String: Reconciliation] = [:]
    /// Cycles in the coverage / hunt / night-service graph, each broken once.
    public var brokenCycles: [[String]] = []
    /// Records that ended nowhere: a defect; `build` refuses to write a bundle.
    public var unaccounted: [String] = []
    /// Architect flows (Archy YAML), `flows/<key>.yaml` in the bundle.
    public var flows: [FlowOutput] = []
    /// Per vector: how each step translated [vdn.flow].
    public var fidelity: [VectorFidelity] = []

    /// Resources sorted by id; decisions and exceptions copied into buffers of their exact size.
    /// Grown by doubling, those two arrays carry up to half their size again in unused capacity
    /// (67 + 55 MB at 100,000 stations) through planning and bundling (memory peak).
    mutating func settle() {
        decisions = TransformSink.exactCapacity(decisions)
        exceptions = TransformSink.exactCapacity(exceptions)
        resources = TransformSink.sortedByID(resources)
    }
}

/// One Architect flow of the bundle.
public struct FlowOutput: Sendable, Hashable {
    /// Segment-safe key: the bundle member is `flows/<key>.yaml`, the plan step `create:flows/<key>`.
    public var key: String
    /// The flow's Genesys name (inside the YAML too).
    public var name: String
    /// `inboundcall` or `inqueuecall`.
    public var flowType: String
    public var yaml: String
    /// Resource ids (`<type>/<key>`) the flow names: Archy resolves them by name at publish, so
    /// they must exist first.
    public var requires: [String]

    /// What the planner orders by: the flow's needs as `@ref:` strings (never written anywhere).
    var planningPayload: JSONValue { ["requires": .array(requires.map { .string("@ref:" + $0) })] }
}

public struct VectorFidelity: Sendable, Hashable, Codable {
    public struct Step: Sendable, Hashable, Codable {
        public var number: Int
        public var text: String
        /// `translated`, `approximated`, `unsupported`, `unreachable`.
        public var outcome: String
        public var reason: String?
    }
    public var vector: Int
    public var name: String?
    public var flows: [String]
    public var steps: [Step]
    /// Archy keys of its flows that no Genesys-owned YAML shows (`parent.key`, docs/archy.md).
    public var unverifiedKeys: [String] = []
    public var translated: Int { steps.filter { $0.outcome == "translated" || $0.outcome == "unreachable" }.count }
    public var approximated: Int { steps.filter { $0.outcome == "approximated" }.count }
    public var unsupported: Int { steps.filter { $0.outcome == "unsupported" }.count }
    /// Every step translated (unreachable steps were dead in CM too).
    public var faithful: Bool { approximated == 0 && unsupported == 0 }
}

/// Accumulates payloads and decisions, and tracks every source record's outcome.
final class TransformSink {
    private(set) var out = TransformOutput()
    /// Every `<type>/<key>` added → its position in `out.resources` (appended only until
    /// `finish`), or -1 for flows and configured resources (which `payload`/`amend` never see).
    /// One dictionary for both questions: a set beside it cost two more hashes per payload.
    private var position: [String: Int] = [:]
    private var outcome: [String: Int] = [:]  // "kind:id" → 2 payload, 1 excluded, 0 exception
    private var seen: [String: [String]] = [:] // kind → ids
    let validator = ContractValidator()
    let locations: [String: [SourceLocation]]
    /// Payloads made on the workers are encoded for the bundle there and kept as bytes only
    /// (`PlannedResource.encoded`); `cm2gc build` asks for it, other callers keep trees.
    let encodesPayloads: Bool

    init(locations: [String: [SourceLocation]], encodesPayloads: Bool = false) {
        self.locations = locations
        self.encodesPayloads = encodesPayloads
    }

    func register(kind: ObjectKind, id: String) {
        seen[kind.rawValue, default: []].append(id)
    }

    func location(kind: ObjectKind, id: String) -> String? {
        locations["\(kind.rawValue):\(id)"]?.first?.description
    }

    private func mark(_ kind: ObjectKind, _ id: String, _ level: Int) {
        mark(key: Self.outcomeKey(kind, id), level)
    }

    private func mark(key k: String, _ level: Int) {
        outcome[k, default: -1] = max(outcome[k, default: -1], level)
    }

    /// `kind:id`, the key of a record's outcome (made on the workers for `SinkOp`s).
    static func outcomeKey(_ kind: ObjectKind, _ id: String) -> String { "\(kind.rawValue):\(id)" }

    /// Adds a payload after checking it against the contract; a violation turns into a rejected
    /// exception and no payload (never a broken payload in a bundle).
    @discardableResult
    func add(type: ResourceType, key: String, payload: JSONValue, rule: String, kind: ObjectKind, id: String,
             digest: String?, reason: String, warnings: [String] = [], violations checked: [ContractViolation]? = nil,
             resourceID givenID: String? = nil, outcomeKey: String? = nil, encoded: BundleBuilder.PreparedPayload? = nil) -> Bool {
        let resourceID = givenID ?? "\(type.rawValue)/\(key)"
        guard position[resourceID] == nil else {
            // Same logical resource twice: the first producer keeps it (deterministic order).
            return true
        }
        let violations = checked ?? Self.violations(type: type, payload: payload, validator: validator)
        if !violations.isEmpty {
            exception(rule: rule, kind: kind, id: id, .rejected,
                      "the \(type.rawValue) payload breaks the API contract: " + violations.map(\.description).joined(separator: "; "),
                      hint: "fix the source record or the mapping configuration and rebuild")
            return false
        }
        position[resourceID] = out.resources.count
        out.resources.append(encoded.map { PlannedResource(type: type.rawValue, key: key, encoded: $0) }
                             ?? PlannedResource(type: type.rawValue, key: key, payload: payload))
        out.decisions.append(Decision(rule: rule, sourceKind: kind.rawValue, sourceID: id, sourceDigest: digest,
                                      action: .create, targetType: type.rawValue, targetKey: key, reason: reason,
                                      warnings: warnings))
        if let outcomeKey { mark(key: outcomeKey, 2) } else { mark(kind, id, 2) }
        return true
    }

    /// The contract violations of a payload: what `add` checks. Pure, so callers work it out on
    /// every core (`SinkOp`) and hand it to `add`, which then does not check again.
    static func violations(type: ResourceType, payload: JSONValue, validator: ContractValidator) -> [ContractViolation] {
        // Child payloads are {"parent", "body"} envelopes; the API contract applies to the body.
        let body = type.spec.parent != nil ? (payload["body"] ?? .null) : payload
        return type.spec.validate(body, validator: validator)
    }

    /// Replays one call worked out ahead (see `SinkOp`); returns what `add` returns (true otherwise).
    @discardableResult
    func apply(_ op: SinkOp) -> Bool {
        switch op {
        case .add(let a):
            return add(type: a.type, key: a.key, payload: a.payload, rule: a.rule, kind: a.kind, id: a.id, digest: a.digest,
                       reason: a.reason, warnings: a.warnings, violations: a.violations, resourceID: a.resourceID,
                       outcomeKey: a.outcomeKey, encoded: a.encoded)
        case .exception(let e):
            exception(rule: e.rule, kind: e.kind, id: e.id, e.disposition, e.message, hint: e.hint, location: e.location,
                      outcomeKey: e.outcomeKey)
        case .exclude(let rule, let kind, let id, let digest, let reason):
            exclude(rule: rule, kind: kind, id: id, digest: digest, reason: reason)
        }
        return true
    }

    /// A payload that comes from the mapping configuration rather than a CM record (CM keeps no
    /// such table); its decision names the configuration path as the source.
    @discardableResult
    func addConfigured(type: ResourceType, key: String, payload: JSONValue, rule: String, path: String, reason: String) -> Bool {
        let resourceID = "\(type.rawValue)/\(key)"
        guard position[resourceID] == nil else { return true }
        let body = type.spec.parent != nil ? (payload["body"] ?? .null) : payload
        let violations = type.spec.validate(body, validator: validator)
        if !violations.isEmpty {
            out.exceptions.append(TransformException(
                rule: rule, sourceKind: Decision.configurationKind, sourceID: path, disposition: .rejected,
                message: "the \(type.rawValue) payload from \(path) breaks the API contract: " + violations.map(\.description).joined(separator: "; "),
                location: nil, hint: "fix the mapping configuration and rebuild"))
            return false
        }
        position[resourceID] = -1
        out.resources.append(PlannedResource(type: type.rawValue, key: key, payload: payload))
        out.decisions.append(Decision(rule: rule, sourceKind: Decision.configurationKind, sourceID: path, sourceDigest: nil,
                                      action: .create, targetType: type.rawValue, targetKey: key, reason: reason, warnings: []))
        return true
    }

    /// A review note about the mapping configuration itself (no CM record behind it).
    func configException(rule: String, path: String, _ message: String, hint: String? = nil) {
        out.exceptions.append(TransformException(rule: rule, sourceKind: Decision.configurationKind, sourceID: path,
                                                 disposition: .review, message: message, location: nil, hint: hint))
    }

    func appendCycle(_ c: [String]) { out.brokenCycles.append(c) }

    /// A flow of the bundle; the first producer of a key keeps it, like `add`.
    @discardableResult
    func addFlow(_ f: FlowOutput, rule: String, kind: ObjectKind, id: String, digest: String?, reason: String,
                 warnings: [String] = []) -> Bool {
        let resourceID = "flows/\(f.key)"
        guard position[resourceID] == nil else { return true }
        position[resourceID] = -1
        out.flows.append(f)
        out.decisions.append(Decision(rule: rule, sourceKind: kind.rawValue, sourceID: id, sourceDigest: digest,
                                      action: .create, targetType: "flows", targetKey: f.key, reason: reason, warnings: warnings))
        mark(kind, id, 2)
        return true
    }

    func addFidelity(_ f: VectorFidelity) { out.fidelity.append(f) }

    func payload(_ type: ResourceType, _ key: String) -> JSONValue? {
        position["\(type.rawValue)/\(key)"].flatMap { $0 >= 0 ? out.resources[$0].payload : nil }
    }

    /// Changes a payload already added (a queue gets its in-queue flow once flows exist).
    func amend(_ type: ResourceType, _ key: String, _ change: (inout JSONValue) -> Void) {
        guard let i = position["\(type.rawValue)/\(key)"], i >= 0 else { return }
        change(&out.resources[i].payload)
    }

    func has(_ type: ResourceType, _ key: String) -> Bool { position["\(type.rawValue)/\(key)"] != nil }

    func exclude(rule: String, kind: ObjectKind, id: String, digest: String?, reason: String) {
        out.decisions.append(Decision(rule: rule, sourceKind: kind.rawValue, sourceID: id, sourceDigest: digest,
                                      action: .exclude, targetType: nil, targetKey: nil, reason: reason, warnings: []))
        mark(kind, id, 1)
    }

    func exception(rule: String, kind: ObjectKind, id: String, _ disposition: TransformException.Disposition,
                   _ message: String, hint: String? = nil) {
        exception(rule: rule, kind: kind, id: id, disposition, message, hint: hint, location: location(kind: kind, id: id))
    }

    /// `exception` with the record's location already looked up (`SinkOp`).
    func exception(rule: String, kind: ObjectKind, id: String, _ disposition: TransformException.Disposition,
                   _ message: String, hint: String?, location: String?, outcomeKey: String? = nil) {
        out.exceptions.append(TransformException(rule: rule, sourceKind: kind.rawValue, sourceID: id,
                                                 disposition: disposition, message: message,
                                                 location: location, hint: hint))
        if disposition == .manual || disposition == .rejected {
            out.decisions.append(Decision(rule: rule, sourceKind: kind.rawValue, sourceID: id, sourceDigest: nil,
                                          action: .manual, targetType: nil, targetKey: nil, reason: message, warnings: []))
        }
        if let outcomeKey { mark(key: outcomeKey, 0) } else { mark(kind, id, 0) }
    }

    /// `settling`: false leaves the resources in the order they were added and the two big arrays
    /// at their grown capacity, for a caller that calls `TransformOutput.settle()` itself once the
    /// source model is freed (`cm2gc build`: the copies would otherwise add to the transform's peak).
    func finish(settling: Bool = true) -> TransformOutput {
        var o = out
        out = TransformOutput()
        let reconciled: ([String: Reconciliation], [String])
        if settling {
            // The reconciliation and the settling (mostly a sort of the resources) are independent: side by side.
            let unsettled = o
            let settle = { () -> TransformOutput in
                var s = unsettled
                s.settle()
                return s
            }
            (reconciled, o) = (try? Parallel.both({ self.reconcile() }, settle)) ?? (reconcile(), settle())
        } else {
            reconciled = reconcile()
        }
        (o.reconciliation, o.unaccounted) = reconciled
        o.flows.sort { $0.key < $1.key }
        o.fidelity.sort { $0.vector < $1.vector }
        return o
    }

    /// Per source kind, how its records ended; and the records that ended nowhere, sorted.
    private func reconcile() -> ([String: Reconciliation], [String]) {
        var reconciliation: [String: Reconciliation] = [:]
        var unaccounted: [String] = []
        for (kind, ids) in seen {
            var r = Reconciliation()
            for id in Set(ids) {
                r.read += 1
                switch outcome["\(kind):\(id)"] {
                case 2: r.producing += 1
                case 1: r.excluded += 1
                case 0: r.exceptions += 1
                default: unaccounted.append("\(kind):\(id)")
                }
            }
            reconciliation[kind] = r
        }
        unaccounted.sort()
        return (reconciliation, unaccounted)
    }

    static func exactCapacity<T>(_ a: [T]) -> [T] {
        guard a.capacity > a.count else { return a }
        var exact: [T] = []
        exact.reserveCapacity(a.count)
        exact.append(contentsOf: a)
        return exact
    }

    /// Sorted by id (ids are unique): positions sorted, not (id, resource) tuples copied around.
    static func sortedByID(_ resources: [PlannedResource]) -> [PlannedResource] {
        let ids = resources.map(\.id)
        return ids.indices.sorted { ids[$0] < ids[$1] }.map { resources[$0] }
    }
}

/// A call to `TransformSink` worked out on a worker thread and replayed on the transform's thread
/// in record order: the work (names, payloads, contract checks) runs on every core, while the
/// sink sees exactly the calls, in exactly the order, of the serial loop it replaces.
enum SinkOp {
    struct Add {
        var type: ResourceType
        var key: String
        var payload: JSONValue
        var rule: String
        var kind: ObjectKind
        var id: String
        var digest: String?
        var reason: String
        var warnings: [String] = []
        var violations: [ContractViolation]
        /// `<type>/<key>` and `kind:id`, made on the worker rather than on the replaying thread.
        var resourceID: String
        var outcomeKey: String
        /// The payload encoded for the bundle on the worker (`TransformSink.encodesPayloads`);
        /// `payload` is then `.null`.
        var encoded: BundleBuilder.PreparedPayload?

        init(type: ResourceType, key: String, payload: JSONValue, rule: String, kind: ObjectKind, id: String, digest: String?,
             reason: String, warnings: [String] = [], sink: TransformSink) {
            self.type = type
            self.key = key
            self.payload = payload
            self.rule = rule
            self.kind = kind
            self.id = id
            self.digest = digest
            self.reason = reason
            self.warnings = warnings
            self.violations = TransformSink.violations(type: type, payload: payload, validator: sink.validator)
            self.resourceID = "\(type.rawValue)/\(key)"
            self.outcomeKey = TransformSink.outcomeKey(kind, id)
            // A payload the contract refuses is never added, so it is not encoded either.
            if sink.encodesPayloads, violations.isEmpty,
               let p = try? BundleBuilder.prepare(type: type.rawValue, key: key, json: payload) {
                self.encoded = p
                self.payload = .null
            }
        }
    }

    struct Exception {
        var rule: String
        var kind: ObjectKind
        var id: String
        var disposition: TransformException.Disposition
        var message: String
        var hint: String?
        /// Where the record was read (`TransformSink.location`), looked up on the worker too.
        var location: String?
        var outcomeKey: String
    }

    case add(Add)
    case exception(Exception)
    case exclude(rule: String, kind: ObjectKind, id: String, digest: String?, reason: String)
}

/// Canonical digest of a source record (what the diff log calls the source digest).
func recordDigest<T: Encodable>(_ v: T) -> String? {
    (try? CanonicalJSON.data(v)).map(SHA256Digest.hex)
}

extension Context {
    /// A `TransformSink.exception` call to replay later, its location looked up now (pure).
    func exceptionOp(rule: String, kind: ObjectKind, id: String, _ disposition: TransformException.Disposition,
                     _ message: String, hint: String? = nil) -> SinkOp {
        let key = TransformSink.outcomeKey(kind, id)
        return .exception(.init(rule: rule, kind: kind, id: id, disposition: disposition, message: message, hint: hint,
                                location: sink.locations[key]?.first?.description, outcomeKey: key))
    }
}
