import Foundation
import AvayaCM

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
        /// A CPN that is a valid number read nationally and internationally [station.did].
        case ambiguous(String)

        public var description: String {
            switch self {
            case .ambiguous(let s):
                return "\"\(s)\" starts with the country code and is a valid number read as national and as international; the row's format must be configured"
            case .empty: return "the number is empty"
            case .invalidCharacters(let s): return "\"\(s)\" contains characters that are not digits or punctuation"
            case .wrongLength(let s, let d, let allowed):
                return "\"\(s)\" has \(d) national digits; numbers in this country have \(allowed.map(String.init).joined(separator: " or "))"
            case .tooLong(let s): return "\"\(s)\" is longer than the 15 digits E.164 allows"
            }
        }
    }

    public func normalize(_ raw: String) -> Result<String, Failure> {
        var trimmed = ASCIIName.trimmingSpaces(raw)
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

/// CM's own matching in public-unknown-numbering [station.did]: for an extension, among the rows
/// of its length that apply to every trunk group (blank `Trk Grp(s)`), the row with the longest
/// matching Ext Code wins. Rows for named trunk groups only shape calls over those trunks and
/// never give a station its DID.
public struct PublicNumberingTable: Sendable {
    public struct Row: Sendable, Hashable {
        /// The model key (`<len>/<code>/<trunk groups>`).
        public var key: String
        public var row: PublicNumbering
        /// `<len>/<code>`: what `cpnFormats` in the mapping names.
        public var configKey: String { "\(row.extensionLength)/\(row.extensionCode)" }
    }

    /// Blank-trunk rows by extension length, longest code first (ties by code, then key).
    private let rows: [Int: [Row]]

    public init(_ table: [String: PublicNumbering]) {
        var byLength: [Int: [Row]] = [:]
        for (k, r) in table where Self.allTrunks(r) {
            byLength[r.extensionLength, default: []].append(Row(key: k, row: r))
        }
        for (len, list) in byLength {
            byLength[len] = list.sorted { a, b in
                (a.row.extensionCode.count, b.row.extensionCode, b.key) > (b.row.extensionCode.count, a.row.extensionCode, a.key)
            }
        }
        rows = byLength
    }

    /// A row with blank trunk groups applies to calls over any trunk.
    public static func allTrunks(_ r: PublicNumbering) -> Bool {
        ASCIIName.isBlank(r.trunkGroups ?? "")
    }

    public func match(_ ext: String) -> Row? {
        rows[ext.count]?.first { ext.hasPrefix($0.row.extensionCode) }
    }

    /// The digits CM sends for `ext` under `row`: the CPN prefix, then as many trailing digits of
    /// the extension as make `Total CPN Len`. nil when the row sends no number (length 0) or no
    /// prefix and no length.
    public static func cpn(for ext: String, row: PublicNumbering) -> String? {
        let prefix = row.cpnPrefix ?? ""
        guard let len = row.cpnLength else { return prefix.isEmpty ? nil : prefix + ext }
        guard len > 0 else { return nil }
        let tail = max(0, min(ext.count, len - prefix.count))
        return prefix + String(ext.suffix(tail))
    }

    /// National or international, for one row's CPN at one site: the row's override, else the
    /// site's fixed format, else decided from the digits: a prefix starting with the trunk prefix
    /// is national; a CPN starting with the country code and longer than any national number is
    /// international; one starting with the country code that is a valid number both ways is
    /// ambiguous (nil: never guessed); anything else national.
    public static func format(prefix: String, cpn: String, site: MappingConfig.Site,
                              override: MappingConfig.Site.CPNFormat?) -> MappingConfig.Site.CPNFormat? {
        if let o = override, o != .auto { return o }
        if site.cpnFormat != .auto { return site.cpnFormat }
        if !site.trunkPrefix.isEmpty, prefix.hasPrefix(site.trunkPrefix) { return .national }
        guard !site.countryCode.isEmpty, cpn.hasPrefix(site.countryCode) else { return .national }
        if cpn.count > (site.nationalNumberLengths.max() ?? 0) { return .international }
        let asInternational = (try? e164(cpn: cpn, format: .international, site: site).get()) != nil
        let asNational = (try? e164(cpn: cpn, format: .national, site: site).get()) != nil
        switch (asNational, asInternational) {
        case (true, true): return nil
        case (false, true): return .international
        default: return .national
        }
    }

    /// The CPN as E.164.
    public static func e164(cpn: String, format: MappingConfig.Site.CPNFormat, site: MappingConfig.Site) -> Result<String, PhoneNumberNormalizer.Failure> {
        PhoneNumberNormalizer(site: site).normalize(format == .international ? "+" + cpn : cpn)
    }
}
