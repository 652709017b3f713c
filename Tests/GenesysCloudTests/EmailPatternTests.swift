import Foundation
import Testing
@testable import GenesysCloud

/// The byte matcher for the e-mail constraint must agree with the regular expression it stands in for.
@Suite struct EmailPatternTests {
    static let samples = [
        "a@b.c", "john.smith@example.com", "@b.c", "a@.c", "a@b.", "a@bc", "a@b@c.d", "a b@c.d", "a@b .c", "a@b..c",
        "a@.b.c", "a@b.c.", "", "@", "a@", "a@b", ".@..", "a@b.c d", "x@y.z ", " x@y.z", "ext4001@ex.com", "a.b2@x.com",
        "a@b.c\n", "a\t@b.c", "é@b.c", "a@b\u{00A0}.c",
    ]

    static func generated(count: Int) -> [String] {
        let alphabet = Array("a@. -x")
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let len = Int(state >> 60) + 1
            return String((0..<len).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return alphabet[Int(state >> 33) % alphabet.count]
            })
        }
    }

    @Test func byteMatcherAgreesWithTheRegularExpression() {
        for s in Self.samples + Self.generated(count: 2000) {
            let regex = s.range(of: ContractValidator.emailPattern, options: .regularExpression) != nil
            #expect(ContractValidator.matches(s, pattern: ContractValidator.emailPattern) == regex, "\(s.debugDescription)")
        }
    }

    @Test func nonPrintableOrNonASCIIGoesToTheRegularExpression() {
        #expect(ContractValidator.matchesEmailPattern("é@b.c") == nil)
        #expect(ContractValidator.matchesEmailPattern("a@b.c\n") == nil)
        #expect(ContractValidator.matchesEmailPattern("a@b.c") == true)
    }
}
