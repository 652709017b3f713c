import Testing
import TestSupport
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
        let generated = pseudoRandomStrings(over: Array("a/.-_Z0 \u{301}ü"), count: 3000, lengthShift: 60,
                                            seed: 0xDEAD_BEEF_1234_5678)
        for s in Self.samples + generated {
            #expect(PayloadReferences.parse(s) == Self.splitParse(s), "\(s.debugDescription)")
        }
    }
}
