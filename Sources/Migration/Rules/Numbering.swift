import Foundation

/// A set of extensions given as single numbers and ranges (`5000-5099`), compared numerically
/// within the same length so that `0100-0199` behaves as dialled.
public struct ExtensionRangeSet: Sendable, Hashable {
    public private(set) var ranges: [ClosedRange<Int>] = []
    private var lengths: [Int] = []

    public init(_ specs: [String]) {
        for s in specs {
            if let (r, len) = Self.parseRange(s) {
                ranges.append(r)
                lengths.append(len)
            }
        }
    }

    /// `"5000"` or `"5000-5099"` → numeric range and digit count; nil when malformed.
    public static func parseRange(_ s: String) -> (ClosedRange<Int>, Int)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let lo = Int(parts[0]), let hi = Int(parts.last ?? parts[0]), lo <= hi,
              parts.allSatisfy({ $0.count == parts[0].count }) else { return nil }
        return (lo...hi, parts[0].count)
    }

    public func contains(_ ext: String) -> Bool {
        guard let n = Int(ext) else { return false }
        for (r, len) in zip(ranges, lengths) where len == ext.count && r.contains(n) { return true }
        return false
    }
}

/// E.164 normalisation for one site [station.did]: strips punctuation, the international prefix
/// (or `+`) and the national trunk prefix, adds the country code, then checks lengths.
public struct PhoneNumberNormalizer: Sendable {
    public let site: MappingConfig.Site

    public init(site: MappingConfig.Site) { self.site = site }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case invalidCharacters(String)
        case wrongLength(String, digits: Int, allowed: [Int])
        case tooLong(String)

        public var description: String {
            switch self {
            case .empty: return "the number is empty"
            case .invalidCharacters(let s): return "\"\(s)\" contains characters that are not digits or punctuation"
            case .wrongLength(let s, let d, let allowed):
                return "\"\(s)\" has \(d) national digits; numbers in this country have \(allowed.map(String.init).joined(separator: " or "))"
            case .tooLong(let s): return "\"\(s)\" is longer than the 15 digits E.164 allows"
            }
        }
    }

    public func normalize(_ raw: String) -> Result<String, Failure> {
        var trimmed = raw.trimmingCharacters(in: .whitespaces)
        // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
        if trimmed.hasPrefix("+") || (!site.internationalPrefix.isEmpty && trimmed.hasPrefix(site.internationalPrefix)) {
            trimmed = trimmed.replacingOccurrences(of: "(0)", with: "")
        }
        if trimmed.isEmpty { return .failure(.empty) }
        var digits = ""
        var plus = false
        for (i, ch) in trimmed.enumerated() {
            if ch.isASCII, ch.isNumber { digits.append(ch); continue }
            if ch == "+", i == 0 { plus = true; continue }
            if " -.()/".contains(ch) { continue }
            return .failure(.invalidCharacters(raw))
        }
        if digits.isEmpty { return .failure(.empty) }
        var international = plus
        if !plus, !site.internationalPrefix.isEmpty, digits.hasPrefix(site.internationalPrefix) {
            digits.removeFirst(site.internationalPrefix.count)
            international = true
        }
        if international {
            let e164 = "+" + digits
            guard digits.count <= 15 else { return .failure(.tooLong(raw)) }
            guard digits.count >= 8, !digits.hasPrefix("0") else { return .failure(.wrongLength(raw, digits: digits.count, allowed: site.nationalNumberLengths)) }
            // A number in our own country must also have a valid national length.
            if digits.hasPrefix(site.countryCode) {
                let national = digits.count - site.countryCode.count
                if !site.nationalNumberLengths.contains(national) {
                    return .failure(.wrongLength(raw, digits: national, allowed: site.nationalNumberLengths))
                }
            }
            return .success(e164)
        }
        // National form: a leading trunk prefix goes (only when the rest still has a valid length,
        // since in NANP "1" is also a valid first digit of nothing; area codes never start with 1).
        if !site.trunkPrefix.isEmpty, digits.hasPrefix(site.trunkPrefix),
           site.nationalNumberLengths.contains(digits.count - site.trunkPrefix.count) {
            digits.removeFirst(site.trunkPrefix.count)
        }
        guard site.nationalNumberLengths.contains(digits.count) else {
            return .failure(.wrongLength(raw, digits: digits.count, allowed: site.nationalNumberLengths))
        }
        let total = site.countryCode.count + digits.count
        guard total <= 15 else { return .failure(.tooLong(raw)) }
        return .success("+" + site.countryCode + digits)
    }
}
