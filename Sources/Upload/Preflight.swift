import BundleKit
import Common
import Foundation
import GenesysCloud

/// What the preflight found for one step.
public struct PreflightItem: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        case create, adopt, update, delete, conflict, done, write
        /// Terraform-like sign for the plan output.
        public var sign: String {
            switch self {
            case .create, .write: return "+"
            case .adopt: return "="
            case .update: return "~"
            case .delete: return "-"
            case .conflict: return "!"
            case .done: return " "
            }
        }
    }
    public var step: String
    public var type: String
    public var key: String
    public var verdict: Verdict
    public var existingID: String?
    public var differences: [PayloadMatch.Difference]
    public var note: String?
}

/// Read-only comparison of the plan with the org: for each create step, does the object exist
/// (by natural key), and does it match what the payload sets?
enum Preflight {
    /// Judges `steps` (create steps of top-level types) phase by phase, so that an adopted
    /// object's id is known when later payloads that refer to it are compared.
    static func judge(_ s: UploadSession, steps: [UploadStep]) async throws -> [String: PreflightItem] {
        var out: [String: PreflightItem] = [:]
        let inventory = try await Inventory.load(s, for: steps)
        for phase in Set(steps.map(\.phase)).sorted() {
            let inPhase = steps.filter { $0.phase == phase }
            let items = try await withThrowingTaskGroup(of: PreflightItem.self) { g -> [PreflightItem] in
                var results: [PreflightItem] = []
                var next = 0
                func add() {
                    guard next < inPhase.count else { return }
                    let step = inPhase[next]
                    next += 1
                    g.addTask { try await judgeOne(s, step, inventory: inventory) }
                }
                for _ in 0..<max(1, s.options.workers * 2) { add() }
                while let r = try await g.next() {
                    results.append(r)
                    add()
                }
                return results
            }
            for item in items {
                out[item.step] = item
                // An existing flow of the bundle's name and type is the one publishing updates (its
                // id stays), so payloads naming it are compared with that id, not reported as
                // conflicts of their own.
                let flowInPlace = item.verdict == .conflict && item.type == ResourceType.flows.rawValue
                if item.verdict == .adopt || (item.verdict == .conflict && s.options.adopt) || flowInPlace, let id = item.existingID,
                   let step = inPhase.first(where: { $0.id == item.step }) {
                    await s.resolver.set(step.refKey, id)
                }
            }
        }
        return out
    }

    static func judgeOne(_ s: UploadSession, _ step: UploadStep, inventory: Inventory) async throws -> PreflightItem {
        var item = PreflightItem(step: step.id, type: step.type.rawValue, key: step.key, verdict: .create, existingID: nil,
                                 differences: [], note: nil)
        let spec = s.spec(step.type)
        if let flow = step.flow {
            // Name + type identify a flow; its logic cannot be read back, but the content
            // fingerprint its description carries (FlowFingerprint) says which YAML published it.
            let h = flow.header
            let found: [JSONValue]
            if let listed = inventory.entities(.flows, key: h.name) {
                found = listed.filter { $0["type"]?.stringValue?.uppercased() == h.apiType && $0["deleted"]?.boolValue != true }
            } else {
                found = try await s.client.findFlows(name: h.name, apiType: h.apiType)
            }
            guard let existing = found.first else { return item }
            if let fp = FlowFingerprint.of(flow.yaml),
               let same = found.first(where: { FlowFingerprint.stated(in: $0["description"]?.stringValue) == fp }) {
                item.verdict = .adopt
                item.existingID = same["id"]?.stringValue
                item.note = "published from this bundle's YAML (content fingerprint sha256:\(fp.prefix(12))…)"
                return item
            }
            item.verdict = .conflict
            item.existingID = existing["id"]?.stringValue
            item.note = "a \(h.apiType) flow named \"\(h.name)\" exists and its description does not carry this bundle's "
                + "content fingerprint (\(FlowFingerprint.marker)…); --adopt publishes this bundle's version over it"
            return item
        }
        guard let key = step.naturalKey(spec) else {
            item.note = "no natural key to look up; relies on the ledger"
            return item
        }
        let found: [JSONValue]
        if let listed = inventory.entities(step.type, key: key) {
            found = listed
        } else {
            found = try await s.client.lookup(step.type, key: key)
        }
        guard !found.isEmpty else { return item }
        let expected = await s.resolver.resolveKnown(step.body ?? .object([:]))
        if let same = found.first(where: { PayloadMatch.matches(expected: expected, actual: $0, type: step.type) }) {
            item.verdict = .adopt
            item.existingID = same["id"]?.stringValue
            return item
        }
        item.verdict = .conflict
        item.existingID = found.first?["id"]?.stringValue
        item.differences = PayloadMatch.differences(expected: expected, actual: found.first ?? .null, type: step.type)
        if found.count > 1 { item.note = "\(found.count) objects share the natural key \"\(key)\"" }
        return item
    }
}

/// Whole-type listings, used instead of one lookup per object when many objects of a type are
/// checked: one request per page of existing objects rather than one per payload.
struct Inventory: Sendable {
    var byType: [ResourceType: [String: [JSONValue]]] = [:]

    func entities(_ type: ResourceType, key: String) -> [JSONValue]? {
        byType[type].map { $0[key] ?? [] }
    }

    static func load(_ s: UploadSession, for steps: [UploadStep]) async throws -> Inventory {
        var inv = Inventory()
        let counts = Dictionary(grouping: steps, by: \.type).mapValues(\.count)
        for (type, n) in counts.sorted(by: { $0.key < $1.key }) where n >= s.options.inventoryThreshold {
            let spec = s.spec(type)
            guard let field = spec.naturalKey else { continue }
            let path: String
            switch spec.lookup {
            case .listFilter(let p, _, _), .scan(let p, _): path = p
            case .search(let p, _) where p.hasSuffix("/search"): path = String(p.dropLast("/search".count))
            default: continue
            }
            // A listing the org does not offer falls back to per-object lookups.
            guard let all = try? await s.client.list(path) else { continue }
            var map: [String: [JSONValue]] = [:]
            for e in all where e["state"]?.stringValue != "deleted" {
                var cur: JSONValue? = e
                for part in field.split(separator: ".") { cur = cur?[String(part)] }
                if let k = cur?.stringValue { map[k, default: []].append(e) }
            }
            inv.byType[type] = map
        }
        return inv
    }
}
