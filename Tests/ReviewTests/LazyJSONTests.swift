import Common
import Foundation
import Testing
@testable import Review

/// `JSONView` replaces `JSONValue` trees on the review page (#16): it must accept exactly the
/// documents `JSONValue.parse` accepts and read the same values, or the page would change.
@Suite struct LazyJSONTests {
    static func accepts(_ d: Data) -> Bool { JSONView.with(d) { _ in true } ?? false }
    static func parses(_ d: Data) -> Bool { (try? JSONValue.parse(d)) != nil }

    static let documents: [String] = [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        "  [1, -0, 0.5, -1.25e3, 1E+2, 12345678901234567890, 9007199254740993]\n",
        "\u{FEFF}{\"bom\":1}",
        #"{"esc":"q\"b\\s\/n\n\r\t\b\f\u00e4\ud83d\ude00"}"#,
        #"{"a":1,"a":2}"#,
        #"{"a":1,"\u0061":2}"#,
        #"{"k":"x","k2":"y","k":"z"}"#,
        #"{"lone":"\ud83d"}"#,
        #"{"lone":"\ude00x"}"#,
        #"{"pair":"\ud83d\u0041"}"#,
        "{\"ctl\":\"a\u{01}b\"}",
        #"{"bad":"\x"}"#,
        #"{"hex":"\u12g4"}"#,
        "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
        "[tru]", "[nul]", "[true false]", "{} {}", "", "   ", "\"str\"", "nan",
        String(repeating: "[", count: 512) + String(repeating: "]", count: 512),
        String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
        "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}",
        "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0}",
        "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k\\u0037\":0}",
    ]

    @Test func acceptsExactlyWhatJSONValueParses() {
        for s in Self.documents {
            let d = Data(s.utf8)
            #expect(Self.accepts(d) == Self.parses(d), "\(s.prefix(80))")
        }
        // Bytes that are not UTF-8 inside and outside strings.
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xE2, 0x82, 0xAC, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x5B, 0xFF, 0x5D], [0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22]] {
            #expect(Self.accepts(Data(bytes)) == Self.parses(Data(bytes)), "\(bytes)")
        }
    }

    /// Random byte changes of real payload shapes: acceptance must agree on every one.
    @Test func agreesWithJSONValueOnMutatedDocuments() {
        let seeds = [
            #"{"addresses":[{"address":"+4930123","extension":"4711","mediaType":"PHONE","type":"WORK"}],"email":"a.b@example.com","name":"Ä \"B\"","state":"active"}"#,
            #"{"body":[{"id":"@ref:routing-skills/s1","proficiency":3.5},{"id":"@ref:routing-skills/s2","proficiency":2}],"parent":"@ref:users/1"}"#,
            #"{"steps":[{"action":"create","depends_on":["create:a/b"],"id":"create:c/d","key":"d","phase":1,"type":"c"}]}"#,
        ]
        var rng = SplitMix64(seed: 16)
        let alphabet = Array(#"{}[]":,\"\ u0aeE+-.1 tfn"#.utf8) + [0xC3, 0xA4, 0xFF, 0x01]
        for seed in seeds {
            let base = Array(seed.utf8)
            for _ in 0..<400 {
                var b = base
                for _ in 0..<Int(rng.next() % 3 + 1) {
                    let at = Int(rng.next() % UInt64(b.count))
                    switch rng.next() % 3 {
                    case 0: b[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: b.remove(at: at)
                    default: b.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    }
                }
                #expect(Self.accepts(Data(b)) == Self.parses(Data(b)), "\(String(decoding: b, as: UTF8.self))")
            }
        }
    }

    @Test func readsTheSameValuesAsJSONValue() throws {
        let text = #"{"s":"a\"b\u00e4\ud83d\ude00","i":42,"big":12345678901234567890,"d":2.5,"w":3.0,"neg":-7,"n":null,"t":true,"#
            + #""arr":[1,"x",{"k":"v"},[]],"o":{"in":{"deep":"yes"}},"e\u0073c":"escaped key"}"#
        let data = Data(text.utf8)
        let tree = try JSONValue.parse(data)
        let same = JSONView.with(data) { v -> Bool in
            for k in ["s", "i", "big", "d", "w", "neg", "n", "t", "arr", "o", "esc", "missing"] {
                #expect(v[k]?.stringValue == tree[k]?.stringValue, "\(k)")
                #expect(v[k]?.intValue == tree[k]?.intValue, "\(k)")
                #expect(v[k]?.doubleValue == tree[k]?.doubleValue, "\(k)")
                #expect(v[k]?.arrayValue?.count == tree[k]?.arrayValue?.count, "\(k)")
                #expect((v[k] == nil) == (tree[k] == nil), "\(k)")
            }
            #expect(v["arr"]?.arrayValue?.map(\.stringValue) == tree["arr"]?.arrayValue?.map(\.stringValue))
            #expect(v["arr"]?.arrayValue?[2]["k"]?.stringValue == "v")
            #expect(v["arr"]?.firstElement?.intValue == 1)
            #expect(v["arr"]?.arrayCount == 4)
            #expect(v["o"]?["in"]?["deep"]?.stringValue == "yes")
            #expect(v["n"]?.isNull == true)
            let f = v.fields(JSONKeys("t", "esc", "nope", "s"))
            #expect(f[0]?.stringValue == nil && f[0] != nil)
            #expect(f[1]?.stringValue == "escaped key")
            #expect(f[2] == nil)
            #expect(f[3]?.stringValue == tree["s"]?.stringValue)
            return true
        }
        #expect(same == true)
    }

    @Test func linesAreTheNonEmptyOnes() {
        var got: [String] = []
        Data("a\n\nbc\n\r\nd".utf8).withUnsafeBytes { raw in forEachLine(raw) { got.append(String(decoding: $0, as: UTF8.self)) } }
        #expect(got == ["a", "bc", "\r", "d"])
        var none = 0
        Data().withUnsafeBytes { raw in forEachLine(raw) { _ in none += 1 } }
        #expect(none == 0)
    }
}
