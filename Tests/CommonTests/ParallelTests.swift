import Foundation
import Testing
@testable import Common

/// Stage one's parallel stages must give the same bytes as the serial ones (issue 16).
@Suite struct ParallelTests {
    struct Boom: Error, Equatable { let at: Int }

    @Test func mapKeepsInputOrderAcrossChunks() throws {
        let items = Array(0..<10_000)
        #expect(try Parallel.map(items, minChunk: 10) { $0 * 3 } == items.map { $0 * 3 })
        #expect(try Parallel.map([Int](), minChunk: 1) { $0 } == [])
    }

    @Test func mapThrowsTheFirstErrorInInputOrder() {
        let items = Array(0..<5_000)
        #expect(throws: Boom(at: 1_000)) {
            try Parallel.map(items, minChunk: 10) { i -> Int in
                if i == 1_000 || i == 4_000 { throw Boom(at: i) }
                return i
            }
        }
    }

    @Test func windowedMapHandsOverEveryResultInOrderAWindowAtATime() throws {
        final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var n = 0
            func add() { lock.withLock { n += 1 } }
            var value: Int { lock.withLock { n } }
        }
        let items = Array(0..<10_001)
        let made = Counter()
        var seen: [Int] = []
        try Parallel.map(items, window: 1_000, minChunk: 10, { i -> Int in
            made.add()
            return i * 3
        }) { r in
            // Its whole window was made before it was handed over, and nothing of the next one.
            let i = r / 3
            #expect(made.value == min((i / 1_000 + 1) * 1_000, items.count), "result \(i)")
            seen.append(r)
        }
        #expect(seen == items.map { $0 * 3 })
        // An error in the third window: the first two were handed over, nothing after it.
        var handed = 0
        #expect(throws: Boom(at: 2_500)) {
            try Parallel.map(items, window: 1_000, minChunk: 10, { i -> Int in
                if i == 2_500 || i == 2_900 { throw Boom(at: i) }
                return i
            }) { _ in handed += 1 }
        }
        #expect(handed == 2_000)
        try Parallel.map([Int](), window: 10, { $0 }) { _ in Issue.record("nothing to hand over") }
    }

    @Test func bothReturnsBothResultsAndPrefersTheFirstError() throws {
        let (a, b) = try Parallel.both({ (0..<1_000).reduce(0, +) }, { "done" })
        #expect(a == 499_500)
        #expect(b == "done")
        #expect(throws: Boom(at: 1)) {
            try Parallel.both({ () throws -> Int in throw Boom(at: 1) }, { () throws -> Int in throw Boom(at: 2) })
        }
    }

    @Test func utf8OrderIsByteOrder() {
        let words = ["b", "B", "a", "ä", "ab", "", "a-b", "a.b", "z", "Ω", "é", "e\u{301}"]
        let bytes = words.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(words.sorted(by: UTF8Order.precedes) == bytes)
    }
}

/// The encoder writes canonical bytes straight from its tree; they must equal the JSONValue route.
@Suite struct CanonicalEncoderTests {
    struct Inner: Encodable { var z: Double; var y: Int?; var list: [String] }
    struct Outer: Encodable {
        var name: String
        var inner: Inner
        var flags: [String: Bool]
        var none: String?
    }

    /// Encodes `a` twice under one key: the last value wins, as JSONEncoder's dictionary does.
    struct Twice: Encodable {
        enum K: String, CodingKey { case a, b }
        func encode(to e: any Encoder) throws {
            var c = e.container(keyedBy: K.self)
            try c.encode("first", forKey: .a)
            try c.encode(1, forKey: .b)
            try c.encode("last", forKey: .a)
        }
    }

    @Test func directBytesEqualTheValueRoute() throws {
        let v = Outer(name: "Müller \"q\" \u{01}\t", inner: Inner(z: 2.5, y: nil, list: ["b", "a", ""]),
                      flags: ["zeta": true, "Alpha": false, "ä": true], none: nil)
        for pretty in [false, true] {
            #expect(try CanonicalJSON.data(v, pretty: pretty) == CanonicalJSON.jsonValue(of: v).canonicalData(pretty: pretty))
        }
        #expect(String(decoding: try CanonicalJSON.data(v), as: UTF8.self)
            == #"{"flags":{"Alpha":false,"zeta":true,"ä":true},"inner":{"list":["b","a",""],"z":2.5},"name":"Müller \"q\" \u0001\t"}"#)
    }

    @Test func aKeyEncodedTwiceKeepsItsLastValue() throws {
        #expect(String(decoding: try CanonicalJSON.data(Twice()), as: UTF8.self) == #"{"a":"last","b":1}"#)
        #expect(try CanonicalJSON.jsonValue(of: Twice()) == ["a": "last", "b": 1])
    }
}
