import Testing
@testable import BundleKit

/// `PayloadReferences.parse` works on bytes; it must accept and refuse exactly what splitting the
/// string by `Character` did.
@Suite struct ReferenceParseTests {
    static func splitParse(_ s: String) -> PayloadReference? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, BundlePath.isValidSegment(parts[0]), BundlePath.isValidSegment(parts[1]) else { return nil }
        return PayloadReference(type: parts[0], key: parts[1])
    }

    static let samples = [
        "users/u-1", "users/", "/u-1", "users", "a/b/c", "users/U-1", "users/.", "users/..", "users/.a", "0/0", "x/y.z",
        "users/u 1", "users/ü", "users/a\u{301}", "users/\u{301}a", "users\u{301}/a", "", "/", "//", "a//b", "phones/user-1-1",
        String(repeating: "a", count: 300) + "/b", "routing-skills/skill-7", "users/a_b", "users/-a",
    ]

    @Test func byteParseAgreesWithTheCharacterSplit() {
        let alphabet = Array("a/.-_Z0 \u{301}ü")
        var state: UInt64 = 0xDEAD_BEEF_1234_5678
        var generated: [String] = []
        for _ in 0..<3000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let len = Int(state >> 60)
            var s = ""
            for _ in 0..<len {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            generated.append(s)
        }
        for s in Self.samples + generated {
            #expect(PayloadReferences.parse(s) == Self.splitParse(s), "\(s.debugDescription)")
        }
    }
}
