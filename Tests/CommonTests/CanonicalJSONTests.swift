import Foundation
import Testing
@testable import Common

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysByBytesAndDropsWhitespace() throws {
        let v = try JSONValue.parse(#"{ "b": 1, "a": [true, null, "x"], "B": {"z": 2.5, "y": -3} }"#)
        #expect(v.canonicalText() == #"{"B":{"y":-3,"z":2.5},"a":[true,null,"x"],"b":1}"#)
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let v: JSONValue = .string("Müller \"quoted\" \\ \n\u{01}/")
        #expect(v.canonicalText() == "\"Müller \\\"quoted\\\" \\\\ \\n\\u0001/\"")
    }

    @Test func integersStayIntegers() throws {
        let v = try JSONValue.parse("[9007199254740993, 1.0, 0.1, -0]")
        #expect(v.canonicalText() == "[9007199254740993,1,0.1,0]")
    }

    @Test func roundTripIsStable() throws {
        let text = #"{"a":{"b":[1,2,{"c":"d"}]},"e":false}"#
        let once = try JSONValue.parse(text).canonicalText()
        let twice = try JSONValue.parse(once).canonicalText()
        #expect(once == text)
        #expect(twice == once)
    }

    @Test func sha256OfKnownVector() {
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func invalidJSONIsAnError() {
        #expect(throws: JSONError.self) { try JSONValue.parse("{not json") }
    }
}
