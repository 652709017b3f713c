import Foundation

/// A directed graph over string node ids, with deterministic algorithms (every result sorted):
/// strongly connected components (Tarjan, iterative so that 100,000-node chains do not overflow
/// the stack), elementary cycles inside them, and longest-path layering of a DAG.
/// SwiftGraph has no SCC and its cycle search is an unbounded brute force, hence our own.
public struct Digraph: Sendable {
    public private(set) var nodes: [String] = []
    private var index: [String: Int] = [:]
    private var adj: [[Int]] = []
    /// Every edge as `from << 32 | to`: duplicate checks in O(1) (a node referenced by 100,000
    /// others would make a scan of its adjacency list quadratic).
    private var edges: Set<UInt64> = []

    public init() {}

    /// Room for `nodes` nodes and `edges` edges without growing the tables on the way.
    public mutating func reserveCapacity(nodes n: Int, edges e: Int) {
        nodes.reserveCapacity(n)
        index.reserveCapacity(n)
        adj.reserveCapacity(n)
        edges.reserveCapacity(e)
    }

    @discardableResult
    public mutating func add(_ node: String) -> Int {
        if let i = index[node] { return i }
        let i = nodes.count
        nodes.append(node)
        index[node] = i
        adj.append([])
        return i
    }

    /// Edge from → to (for dependencies: to depends on from, or "from points at to", as the caller
    /// decides; the algorithms do not care).
    public mutating func addEdge(_ from: String, _ to: String) {
        let a = add(from), b = add(to)
        if edges.insert(Self.edgeKey(a, b)).inserted { adj[a].append(b) }
    }

    /// Edge by node numbers (what `add` returned): no lookups for callers that hold them.
    public mutating func addEdge(index a: Int, _ b: Int) {
        if edges.insert(Self.edgeKey(a, b)).inserted { adj[a].append(b) }
    }

    /// The number `add` gave a node, if it is in the graph.
    public func index(of node: String) -> Int? { index[node] }

    public mutating func removeEdge(_ from: String, _ to: String) {
        guard let a = index[from], let b = index[to], edges.remove(Self.edgeKey(a, b)) != nil else { return }
        adj[a].removeAll { $0 == b }
    }

    private static func edgeKey(_ a: Int, _ b: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: a)) << 32 | UInt64(UInt32(truncatingIfNeeded: b)) }

    public func successors(_ node: String) -> [String] {
        guard let i = index[node] else { return [] }
        return adj[i].map { nodes[$0] }.sorted()
    }

    public func hasEdge(_ from: String, _ to: String) -> Bool {
        guard let a = index[from], let b = index[to] else { return false }
        return edges.contains(Self.edgeKey(a, b))
    }

    /// Components with more than one node, or a self-loop; each sorted, the list sorted by first member.
    public func cyclicComponents() -> [[String]] {
        let n = nodes.count
        var idx = Array(repeating: -1, count: n), low = Array(repeating: 0, count: n)
        var onStack = Array(repeating: false, count: n)
        var stack: [Int] = []
        var counter = 0
        var out: [[String]] = []
        // Visit in sorted node order for determinism.
        let order = (0..<n).sorted { nodes[$0] < nodes[$1] }
        let sortedAdj = adj.map { $0.count < 2 ? $0 : $0.sorted { nodes[$0] < nodes[$1] } }  // most have 0 or 1
        for root in order where idx[root] == -1 {
            var work: [(Int, Int)] = [(root, 0)]
            idx[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while let (v, pos) = work.last {
                if pos < sortedAdj[v].count {
                    work[work.count - 1].1 += 1
                    let w = sortedAdj[v][pos]
                    if idx[w] == -1 {
                        idx[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], idx[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.0 { low[parent] = min(low[parent], low[v]) }
                    if low[v] == idx[v] {
                        var comp: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            comp.append(w)
                            if w == v { break }
                        }
                        if comp.count > 1 || edges.contains(Self.edgeKey(v, v)) {
                            out.append(comp.map { nodes[$0] }.sorted())
                        }
                    }
                }
            }
        }
        return out.sorted { ($0.first ?? "") < ($1.first ?? "") }
    }

    /// Elementary cycles, each rotated to start at its smallest node, found inside cyclic
    /// components only; at most `limit` (a pathological component cannot stall a build).
    public func elementaryCycles(limit: Int = 10_000) -> (cycles: [[String]], truncated: Bool) {
        var result: [[String]] = []
        var truncated = false
        for comp in cyclicComponents() {
            let members = Set(comp)
            // Sorted successors inside the component, once per member (not once per visit).
            var inside: [String: [String]] = [:]
            for m in comp { inside[m] = successors(m).filter { members.contains($0) } }
            for start in comp {
                // Only cycles whose smallest node is `start`: each cycle is found exactly once.
                var path = [start]
                var onPath: Set<String> = [start]
                var work: [[String]] = [(inside[start] ?? []).filter { $0 >= start }]
                while !work.isEmpty {
                    if result.count >= limit { truncated = true; break }
                    guard let next = work[work.count - 1].first else {
                        work.removeLast()
                        if let last = path.popLast() { onPath.remove(last) }
                        continue
                    }
                    work[work.count - 1].removeFirst()
                    if next == start {
                        result.append(path)
                    } else if !onPath.contains(next) {
                        path.append(next); onPath.insert(next)
                        work.append((inside[next] ?? []).filter { $0 >= start })
                    }
                }
                if truncated { break }
            }
            if truncated { break }
        }
        return (result.sorted { $0.lexicographicallyPrecedes($1) }, truncated)
    }

    /// Layers of a DAG where an edge a → b means "b needs a": layer(b) = 1 + max(layer(a)).
    /// Returns nil if the graph has a cycle.
    public func longestPathLayers() -> [String: Int]? {
        guard let layer = longestPathLayerNumbers() else { return nil }
        var out: [String: Int] = [:]
        out.reserveCapacity(nodes.count)
        for i in 0..<nodes.count { out[nodes[i]] = layer[i] }
        return out
    }

    /// `longestPathLayers` by node number (what `add` returned), without a dictionary of names.
    public func longestPathLayerNumbers() -> [Int]? {
        let n = nodes.count
        var indeg = Array(repeating: 0, count: n)
        for a in adj { for b in a { indeg[b] += 1 } }
        var layer = Array(repeating: 0, count: n)
        var queue = (0..<n).filter { indeg[$0] == 0 }
        var head = 0
        while head < queue.count {
            let v = queue[head]; head += 1
            for w in adj[v] {
                layer[w] = max(layer[w], layer[v] + 1)
                indeg[w] -= 1
                if indeg[w] == 0 { queue.append(w) }
            }
        }
        guard queue.count == n else { return nil }
        return layer
    }
}
