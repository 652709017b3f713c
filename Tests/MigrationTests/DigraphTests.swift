import Common
import Testing
@testable import Migration

@Suite struct DigraphTests {
    @Test func findsComponentsAndCycles() {
        var g = Digraph()
        // a → b → c → a (a loop), c → d, d → d (self loop), e alone
        for (x, y) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d")] { g.addEdge(x, y) }
        g.add("e")
        #expect(g.cyclicComponents() == [["a", "b", "c"], ["d"]])
        #expect(g.elementaryCycles().cycles == [["a", "b", "c"], ["d"]])
    }

    @Test func twoCyclesSharingANode() {
        var g = Digraph()
        for (x, y) in [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")] { g.addEdge(x, y) }
        #expect(g.elementaryCycles().cycles == [["a", "b"], ["b", "c"]])
    }

    @Test func layersPutParentsFirst() throws {
        var g = Digraph()
        for (x, y) in [("div", "user"), ("skill", "user"), ("user", "queue-member"), ("queue", "queue-member"), ("div", "queue")] {
            g.addEdge(x, y)
        }
        let l = try #require(g.longestPathLayers())
        #expect(l["div"] == 0 && l["skill"] == 0)
        #expect(l["user"] == 1 && l["queue"] == 1)
        #expect(l["queue-member"] == 2)
        g.addEdge("queue-member", "div")
        #expect(g.longestPathLayers() == nil)
    }

    /// Property: on random graphs, two nodes share a component exactly when each reaches the
    /// other, every found cycle is a real cycle, and layers respect every edge of a DAG.
    @Test(arguments: 1...40)
    func matchesBruteForce(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let n = Int(rng.next() % 12) + 2
        var g = Digraph()
        let names = (0..<n).map { "n\($0 < 10 ? "0" : "")\($0)" }
        for x in names { g.add(x) }
        var edges: [(Int, Int)] = []
        for _ in 0..<Int(rng.next() % UInt64(n * 2) + 1) {
            let a = Int(rng.next() % UInt64(n)), b = Int(rng.next() % UInt64(n))
            edges.append((a, b)); g.addEdge(names[a], names[b])
        }
        var reach = Array(repeating: Array(repeating: false, count: n), count: n)
        for (a, b) in edges { reach[a][b] = true }
        for k in 0..<n { for i in 0..<n { for j in 0..<n where reach[i][k] && reach[k][j] { reach[i][j] = true } } }
        var expected: Set<[String]> = []
        for i in 0..<n {
            let comp = (0..<n).filter { $0 == i ? reach[i][i] : (reach[i][$0] && reach[$0][i]) }
            if !comp.isEmpty, comp.count > 1 || reach[i][i] {
                expected.insert((comp + (comp.contains(i) ? [] : [i])).map { names[$0] }.sorted())
            }
        }
        #expect(Set(g.cyclicComponents()) == expected)
        for cycle in g.elementaryCycles().cycles {
            for (x, y) in zip(cycle, cycle.dropFirst() + [cycle[0]]) { #expect(g.hasEdge(x, y)) }
            #expect(Set(cycle).count == cycle.count)
        }
        var dag = Digraph()
        for x in names { dag.add(x) }
        for (a, b) in edges where a < b { dag.addEdge(names[a], names[b]) }
        if let layers = dag.longestPathLayers() {
            for (a, b) in edges where a < b { #expect((layers[names[a]] ?? 0) < (layers[names[b]] ?? 0)) }
        } else {
            Issue.record("a forward-only graph must be acyclic")
        }
    }
}
