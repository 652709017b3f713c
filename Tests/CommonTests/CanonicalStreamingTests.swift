import Foundation
import Testing
@testable import Common

/// The piecewise encoders of stage one must write exactly what the whole-value encoder writes.
@Suite struct CanonicalStreamingTests {
    struct Step: Codable, Sendable, Hashable {
        var id: String
        var phase: Int
        var dependsOn: [String]
        var note: String?
    }

    struct Plan: Codable, Sendable {
        var steps: [Step]
    }

    static func steps(_ n: Int) -> [Step] {
        (0..<n).map { i in
            Step(id: "create:users/u\(i)", phase: i % 7, dependsOn: i % 3 == 0 ? [] : ["create:divisions/d\(i % 5)", "x\"\\\n"],
                 note: i % 2 == 0 ? nil : "Müller \u{01}")
        }
    }

    // 16,385 and 33,000: more than one window of 16 chunks of 1,024 steps.
    @Test(arguments: [0, 1, 2, 1023, 1024, 1025, 3000, 16_385, 33_000])
    func prettyObjectMatchesWholeValueEncoding(count: Int) throws {
        let steps = Self.steps(count)
        let whole = try CanonicalJSON.data(Plan(steps: steps), pretty: true)
        let pieces = try CanonicalJSON.prettyObject(key: "steps", array: steps)
        #expect(pieces == whole)
        var handed: [[UInt8]] = []
        try CanonicalJSON.prettyObject(key: "steps", array: steps) { handed.append($0) }
        #expect(Data(handed.joined()) == whole)
        // Head, then a piece per chunk of 1,024 steps, then the tail: never the whole plan at once.
        #expect(handed.count == (count == 0 ? 1 : 2 + (count + 1023) / 1024))
    }

    @Test func sizeBoundIsNeverBelowTheEncodedSize() throws {
        let samples: [JSONValue] = [
            .null, .bool(false), .int(Int64.min), .double(-1.7976931348623157e308), .double(0.1),
            .string(""), .string("\u{01}\u{02}\"\\\n"), .string("Łódź ąę ß 👩‍👩‍👧"),
            .array([]), .object([:]),
            try JSONValue.parse(#"{"a\u0001":[1,2.5,{"b":"\u0000"}],"c":{"d":[null,true,"é"]}}"#),
        ]
        for v in samples {
            #expect(v.canonicalSizeBound >= v.canonicalData().count, "\(v.canonicalText())")
        }
    }
}

/// Object members sorted by the encoder tree's writer: byte order, and of a key encoded twice the
/// last value, for small objects (insertion sort) and large ones (dictionaries of records).
@Suite struct EncoderKeyOrderTests {
    struct Twice: Encodable {
        var n: Int
        enum K: String, CodingKey { case b, a, c }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(1, forKey: .b)
            try c.encode(2, forKey: .a)
            try c.encode(n, forKey: .b)  // the last one wins
            try c.encode("x", forKey: .c)
        }
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try CanonicalJSON.data(Twice(n: 3)) == Data(#"{"a":2,"b":3,"c":"x"}"#.utf8))
    }

    @Test(arguments: [2, 5, 32, 33, 1000])
    func dictionariesMatchTheJSONValueWriter(count: Int) throws {
        var g = SplitMix64(seed: UInt64(count))
        var d: [String: [String: Int]] = [:]
        let alphabet = ["a", "B", "é", "0", "_", "ab", "a\u{301}", "\u{10FFFF}"]
        while d.count < count {
            let k = (0..<Int(1 + g.next() % 4)).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }.joined()
            d[k] = ["z": Int(g.next() % 100), "y": 1]
        }
        let expected = JSONValue.object(d.mapValues { .object($0.mapValues { .int(Int64($0)) }) })
        #expect(try CanonicalJSON.data(d) == expected.canonicalData())
        #expect(try CanonicalJSON.data(d, pretty: true) == expected.canonicalData(pretty: true))
    }

    @Test func threeWayCompareIsByteOrder() {
        let words = ["", "a", "ab", "b", "B", "é", "e\u{301}", "\u{10FFFF}", "a\u{0}"]
        for x in words {
            for y in words {
                let c = UTF8Order.compare(x, y)
                let bx = Array(x.utf8), by = Array(y.utf8)
                #expect((c < 0) == bx.lexicographicallyPrecedes(by))
                #expect((c == 0) == (bx == by))
            }
        }
    }

    @Test func streamingDigestIsTheDigestOfTheWhole() {
        var g = SplitMix64(seed: 5)
        let bytes = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        var s = SHA256Stream()
        var i = 0
        while i < bytes.count {
            let n = min(Int(g.next() % 70_000), bytes.count - i)
            s.update(bytes[i..<(i + n)])
            i += n
        }
        #expect(s.finalizeHex() == SHA256Digest.hex(Data(bytes)))
    }
}
