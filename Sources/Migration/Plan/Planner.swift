import Common
import Foundation

/// A resource the transform wants in the bundle, before ordering.
public struct PlannedResource: Sendable, Hashable {
    /// `<type>/<key>`, the logical id used in `@ref:` references and plan steps.
    public var id: String { "\(type)/\(key)" }
    public var type: String
    public var key: String
    public var payload: JSONValue

    public init(type: String, key: String, payload: JSONValue) {
        self.type = type
        self.key = key
        self.payload = payload
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
        var out: Set<String> = []
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s): if s.hasPrefix("@ref:") { out.insert(String(s.dropFirst(5))) }
            case .array(let a): a.forEach(walk)
            case .object(let o): o.values.forEach(walk)
            default: break
            }
        }
        walk(v)
        return out.sorted()
    }

    public static func plan(_ resources: [PlannedResource]) -> Plan {
        let byId = Dictionary(resources.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Sorted by id (stable for equal ids), with each id and its references worked out once.
        let ordered = resources.enumerated().map { (id: $0.element.id, n: $0.offset, r: $0.element) }
            .sorted { ($0.id, $0.n) < ($1.id, $1.n) }
            .map { (r: $0.r, refs: references(in: $0.r.payload)) }
        var graph = Digraph()
        var unresolved: [(String, String)] = []
        for (r, refs) in ordered {
            graph.add(r.id)
            for ref in refs {
                if byId[ref] == nil { unresolved.append((r.id, ref)); continue }
                if ref != r.id { graph.addEdge(ref, r.id) }  // ref must exist before r
            }
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
        let layers = graph.longestPathLayers() ?? [:]
        var steps: [OrderedStep] = []
        var patches: [OrderedStep] = []
        for (r, allRefs) in ordered {
            let refs = allRefs.filter { byId[$0] != nil && $0 != r.id }
            let late = deferred[r.id] ?? []
            var createPayload = r.payload
            var fields: [String] = []
            if !late.isEmpty, case .object(var o) = r.payload {
                for (k, v) in o where !Set(references(in: v)).isDisjoint(with: late) {
                    o[k] = nil
                    fields.append(k)
                }
                createPayload = .object(o)
            }
            let phase = layers[r.id] ?? 0
            steps.append(OrderedStep(id: "create:\(r.id)", action: .create, resource: r.id, phase: phase,
                                  dependsOn: refs.filter { !late.contains($0) }.map { "create:\($0)" },
                                  payload: createPayload, deferredFields: fields.sorted()))
            if !late.isEmpty {
                patches.append(OrderedStep(id: "patch:\(r.id)", action: .patch, resource: r.id, phase: 0,
                                        dependsOn: (["create:\(r.id)"] + late.sorted().map { "create:\($0)" }),
                                        payload: r.payload, deferredFields: fields.sorted()))
            }
        }
        // Patches run after every create they need: one phase after the latest of them.
        let createPhase = Dictionary(steps.map { ($0.id, $0.phase) }, uniquingKeysWith: { a, _ in a })
        for var p in patches {
            p.phase = (p.dependsOn.compactMap { createPhase[$0] }.max() ?? 0) + 1
            steps.append(p)
        }
        steps.sort { ($0.phase, $0.id) < ($1.phase, $1.id) }
        return Plan(steps: steps, brokenCycles: broken, unresolved: unresolved)
    }
}
