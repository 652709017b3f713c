import BundleKit
import Common
import Foundation

/// A resource the transform wants in the bundle, before ordering.
public struct PlannedResource: Sendable, Hashable {
    /// `<type>/<key>`, the logical id used in `@ref:` references and plan steps.
    public var id: String { "\(type)/\(key)" }
    public var type: String
    public var key: String
    /// The payload as a value. When it is held `encoded` only, reading it parses those bytes (the
    /// same value: they are its canonical JSON); setting it drops them.
    public var payload: JSONValue {
        get {
            if case .null = tree, let e = encoded { return (try? JSONValue.parse(e.data)) ?? .null }
            return tree
        }
        set {
            tree = newValue
            encoded = nil
        }
    }
    private var tree: JSONValue
    /// The payload checked for the bundle, encoded and hashed (`BundleBuilder.prepare`), with no
    /// tree kept beside it. `cm2gc build` encodes payloads this way on the transform's workers as
    /// they are made: 240,000 JSON trees alive until the bundle was written were most of the
    /// memory peak at 100,000 stations (docs/performance.md, "Fifth pass").
    public private(set) var encoded: BundleBuilder.PreparedPayload?

    public init(type: String, key: String, payload: JSONValue) {
        self.type = type
        self.key = key
        self.tree = payload
    }

    public init(type: String, key: String, encoded: BundleBuilder.PreparedPayload) {
        self.type = type
        self.key = key
        self.tree = .null
        self.encoded = encoded
    }

    /// Encodes the payload for the bundle and drops the tree; left as it is when the payload
    /// cannot be prepared, so that building the bundle reports that error where it always has.
    public mutating func encode() {
        guard encoded == nil, let p = try? BundleBuilder.prepare(type: type, key: key, json: tree) else { return }
        encoded = p
        tree = .null
    }

    /// `Planner.references(in: payload)`, from the encoded payload's references when it has them.
    public var references: [String] {
        guard let e = encoded else { return Planner.references(in: tree) }
        return Planner.sortedUnique(e.references.map(\.text))
    }
}

/// One step of the ordered plan.
public struct OrderedStep: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Codable { case create, patch }
    /// `create:<type>/<key>` or `patch:<type>/<key>`.
    public var id: String
    public var action: Action
    public var resource: String
    public var phase: Int
    /// Step ids that must succeed first.
    public var dependsOn: [String]
    /// The payload to send for this step (create payloads may have deferred references removed).
    public var payload: JSONValue
    /// Fields left out of the create and applied by the later patch, when a cycle forced it.
    public var deferredFields: [String]
}

public struct Plan: Sendable {
    public var steps: [OrderedStep]
    public var phases: Int { (steps.map(\.phase).max() ?? -1) + 1 }
    /// Reference cycles between resources that were broken with create-then-patch.
    public var brokenCycles: [[String]]
    /// `(resource, reference)` pairs that name nothing in the bundle: build errors.
    public var unresolved: [(String, String)]
}

/// Orders individual resources (not types) by their references [NOTES.md 2]: parents first,
/// phases by longest-path layering so every step in a phase can run in parallel. Mutual
/// references become a create without the referencing field plus a later patch.
public enum Planner {
    /// `@ref:<type>/<key>` strings anywhere in a payload.
    public static func references(in v: JSONValue) -> [String] {
        // An array, sorted and made unique at the end (a payload names one to three): a `Set`
        // per payload was most of the planner's time.
        var out: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s): if s.hasPrefix("@ref:") { out.append(String(s.dropFirst(5))) }
            case .array(let a): a.forEach(walk)
            case .object(let o): o.values.forEach(walk)
            default: break
            }
        }
        walk(v)
        return sortedUnique(out)
    }

    static func sortedUnique(_ refs: [String]) -> [String] {
        guard refs.count > 1 else { return refs }
        let sorted = refs.sorted()
        var unique: [String] = [sorted[0]]
        for r in sorted.dropFirst() where r != unique[unique.count - 1] { unique.append(r) }
        return unique
    }

    /// `withPayloads`: false leaves the steps' payloads `.null` (what `cm2gc build` needs: the
    /// bundle is made from the resources, and encoded resources would be parsed again here).
    public static func plan(_ resources: [PlannedResource], withPayloads: Bool = true) -> Plan {
        // Work by position, not by copies of the resources: ids worked out once, references on
        // every core, the graph built by node number (every node first, in id order).
        let ids = resources.map(\.id)
        // Sorted by id, stable for equal ids: the transform's output already is, so usually no sort.
        var order = Array(resources.indices)
        if !zip(ids, ids.dropFirst()).allSatisfy({ $0 <= $1 }) {
            order.sort { (ids[$0], $0) < (ids[$1], $1) }
        }
        let allRefs = (try? Parallel.map(resources, minChunk: 1024) { $0.references }) ?? resources.map(\.references)
        var graph = Digraph()
        graph.reserveCapacity(nodes: resources.count, edges: allRefs.reduce(0) { $0 + $1.count })
        var node = Array(repeating: 0, count: resources.count)
        for k in order { node[k] = graph.add(ids[k]) }
        var unresolved: [(String, String)] = []
        // Per resource: its references to other resources of the bundle.
        var refsOf = Array(repeating: [String](), count: resources.count)
        for k in order {
            var refs: [String] = []
            for ref in allRefs[k] {
                guard let target = graph.index(of: ref) else { unresolved.append((ids[k], ref)); continue }
                if ref != ids[k] {
                    graph.addEdge(index: target, node[k])  // ref must exist before the resource
                    refs.append(ref)
                }
            }
            refsOf[k] = refs
        }
        // Break cycles: for each elementary cycle still closed, defer the reference that closes it
        // (the edge back into its smallest member).
        var deferred: [String: Set<String>] = [:]  // resource → refs deferred to a patch
        var broken: [[String]] = []
        let (cycles, _) = graph.elementaryCycles()
        for cycle in cycles {
            // In graph order an edge a → b means b references a; the cycle lists a, b, …, so the
            // closing edge is last → first, i.e. `first` references `last`.
            guard let first = cycle.first, let last = cycle.last else { continue }
            let closed = zip(cycle, cycle.dropFirst() + [first]).allSatisfy { graph.hasEdge($0, $1) }
            guard closed else { continue }
            graph.removeEdge(last, first)
            deferred[first, default: []].insert(last)
            broken.append(cycle)
        }
        let layers = graph.longestPathLayerNumbers()
        func phase(_ k: Int) -> Int { layers?[node[k]] ?? 0 }
        // Creates are made straight into their phase's bucket (in id order within it), not
        // copied into a list and sorted again afterwards.
        var buckets: [[OrderedStep]] = []
        var patches: [OrderedStep] = []
        for k in order {
            let id = ids[k]
            let refs = refsOf[k]
            let late = deferred.isEmpty ? [] : deferred[id] ?? []
            let payload = withPayloads || !late.isEmpty ? resources[k].payload : .null
            var createPayload = payload
            var fields: [String] = []
            if !late.isEmpty, case .object(var o) = payload {
                for (key, v) in o where !Set(references(in: v)).isDisjoint(with: late) {
                    o[key] = nil
                    fields.append(key)
                }
                createPayload = .object(o)
            }
            let p = phase(k)
            while buckets.count <= p { buckets.append([]) }
            buckets[p].append(OrderedStep(id: "create:\(id)", action: .create, resource: id, phase: p,
                                          dependsOn: (late.isEmpty ? refs : refs.filter { !late.contains($0) }).map { "create:\($0)" },
                                          payload: withPayloads ? createPayload : .null, deferredFields: fields.sorted()))
            if !late.isEmpty {
                // Patches run after every create they need: one phase after the latest of them.
                let needs = [id] + late.sorted()
                let after = needs.compactMap { graph.index(of: $0) }.map { layers?[$0] ?? 0 }.max() ?? 0
                patches.append(OrderedStep(id: "patch:\(id)", action: .patch, resource: id, phase: after + 1,
                                           dependsOn: needs.map { "create:\($0)" }, payload: withPayloads ? payload : .null, deferredFields: fields.sorted()))
            }
        }
        return Plan(steps: byPhaseThenID(buckets: buckets, patches: patches), brokenCycles: broken, unresolved: unresolved)
    }

    /// Creates by phase (each bucket in id order) and patches, in `(phase, id)` order: per phase
    /// its creates, then its patches (`create:…` sorts before `patch:…`). Checked, with the full
    /// sort if it does not hold (stable, as the sort of the whole list was).
    static func byPhaseThenID(buckets: [[OrderedStep]], patches: [OrderedStep]) -> [OrderedStep] {
        var out: [OrderedStep] = []
        out.reserveCapacity(buckets.reduce(patches.count) { $0 + $1.count })
        let patchesByPhase = Dictionary(grouping: patches, by: \.phase).mapValues { $0.sorted { $0.id < $1.id } }
        let last = max(buckets.count - 1, patchesByPhase.keys.max() ?? 0)
        if last >= 0 {
            for p in 0...last {
                if p < buckets.count { out.append(contentsOf: buckets[p]) }
                out.append(contentsOf: patchesByPhase[p] ?? [])
            }
        }
        if zip(out, out.dropFirst()).allSatisfy({ ($0.phase, $0.id) <= ($1.phase, $1.id) }) { return out }
        return (buckets.flatMap { $0 } + patches).sorted { ($0.phase, $0.id) < ($1.phase, $1.id) }
    }
}
