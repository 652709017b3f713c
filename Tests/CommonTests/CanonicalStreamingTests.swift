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

    @Test(arguments: [0, 1, 2, 1023, 1024, 1025, 3000])
    func prettyObjectMatchesWholeValueEncoding(count: Int) throws {
        let steps = Self.steps(count)
        let whole = try CanonicalJSON.data(Plan(steps: steps), pretty: true)
        let pieces = try CanonicalJSON.prettyObject(key: "steps", array: steps)
        #expect(pieces == whole)
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
