import Foundation

/// Person names and e-mail addresses [station.user].
///
/// Names that are all ASCII (nearly every CM export) take a byte path; anything else takes the
/// Foundation path, which folds diacritics. The byte path gives the same strings as the Foundation
/// one for ASCII input (`PeopleTests` compares them): on Linux, Foundation's `range(of:)`,
/// `replacingOccurrences` and `trimmingCharacters` bridge to NSString and cost about 2 CPU s at
/// 100,000 stations.
public enum PersonName {
    /// CM stores `Last, First` (often with extra spaces); Genesys shows `First Last`.
    public static func display(_ cm: String) -> String {
        if let ascii = ASCIIName.display(cm) { return ascii }
        return foundationDisplay(cm)
    }

    static func foundationDisplay(_ cm: String) -> String {
        let parts = cm.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let s: String
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty { s = "\(parts[1]) \(parts[0])" } else { s = cm }
        return s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// First and last name for templates.
    public static func split(_ cm: String) -> (first: String, last: String) {
        if let ascii = ASCIIName.split(cm) { return ascii }
        return foundationSplit(cm)
    }

    static func foundationSplit(_ cm: String) -> (first: String, last: String) {
        let parts = cm.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2 { return (parts[1], parts[0]) }
        let words = cm.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let last = words.last else { return ("", "") }
        return (words.dropLast().joined(separator: " "), last)
    }

    /// Lower-case ASCII for an e-mail local part: letters folded (`Müller` → `muller`), anything
    /// else dropped except dots and hyphens between words.
    public static func emailPart(_ s: String) -> String {
        if let ascii = ASCIIName.emailPart(s) { return ascii }
        return foundationEmailPart(s)
    }

    static func foundationEmailPart(_ s: String) -> String {
        let folded = s.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var out = ""
        for u in folded.unicodeScalars {
            switch u {
            case "a"..."z", "0"..."9": out.unicodeScalars.append(u)
            case "ß": out += "ss"
            case " ", "-", "'", ".": if !out.isEmpty, out.last != "-" { out += "-" }
            default: continue
            }
        }
        while out.last == "-" { out.removeLast() }
        return out
    }

    public static func email(template: String, name cm: String, extension ext: String, domain: String) -> String {
        if let ascii = ASCIIName.email(template: template, name: cm, extension: ext, domain: domain) { return ascii }
        return foundationEmail(template: template, name: cm, extension: ext, domain: domain)
    }

    static func foundationEmail(template: String, name cm: String, extension ext: String, domain: String) -> String {
        let (first, last) = split(cm)
        var s = template
        s = s.replacingOccurrences(of: "{first}", with: emailPart(first))
        s = s.replacingOccurrences(of: "{last}", with: emailPart(last))
        s = s.replacingOccurrences(of: "{extension}", with: ext)
        s = s.replacingOccurrences(of: "{domain}", with: domain)
        // Empty name parts leave stray dots: `.smith@` or `john.@`.
        let at = s.firstIndex(of: "@") ?? s.endIndex
        var local = String(s[..<at])
        while local.contains("..") { local = local.replacingOccurrences(of: "..", with: ".") }
        local = local.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        if local.isEmpty { local = "ext\(ext)" }
        return local + s[at...]
    }
}

/// Hands out unique values deterministically: the first claimant (in the caller's stable order)
/// keeps the value, later ones get a numbered suffix [names are unique per resource type].
public struct UniqueNamer: Sendable {
    private var used: Set<String> = []
    /// Per wanted name (as compared): the suffix number to try next. Names are only ever added,
    /// so every smaller suffix stays taken and probing resumes there (linear, not quadratic, when
    /// thousands of people share a name); the answer is still the smallest free suffix.
    private var nextSuffix: [String: Int] = [:]

    public init() {}

    /// Returns the name to use and whether it had to change.
    public mutating func claim(_ wanted: String, caseInsensitive: Bool = true) -> (String, Bool) {
        func key(_ s: String) -> String { caseInsensitive ? s.lowercased() : s }
        let k = key(wanted)
        if used.insert(k).inserted { return (wanted, false) }
        let memo = (caseInsensitive ? "i:" : "s:") + k
        var n = nextSuffix[memo] ?? 2
        while true {
            let candidate = "\(wanted) (\(n))"
            n += 1
            if used.insert(key(candidate)).inserted {
                nextSuffix[memo] = n
                return (candidate, true)
            }
        }
    }

    /// Same for e-mail addresses: the suffix goes before the @.
    public mutating func claimEmail(_ wanted: String) -> (String, Bool) {
        let k = wanted.lowercased()
        if used.insert(k).inserted { return (wanted, false) }
        let memo = "e:" + k
        let at = wanted.firstIndex(of: "@") ?? wanted.endIndex
        var n = nextSuffix[memo] ?? 2
        while true {
            let candidate = "\(wanted[..<at])\(n)\(wanted[at...])"
            n += 1
            if used.insert(candidate.lowercased()).inserted {
                nextSuffix[memo] = n
                return (candidate, true)
            }
        }
    }
}

/// Avaya skill level (1 highest … 16 lowest) → Genesys proficiency (0–5, 5 highest) [agent.skill-level].
public enum SkillLevelMap {
    public static func proficiency(level: Int, config: MappingConfig.SkillLevels) -> Double {
        let l = min(max(level, 1), 16)
        if config.mode == .table, let v = config.table[String(l)] { return v }
        let p = 5.0 - Double(l - 1) / 3.0
        return (p * 1000).rounded() / 1000  // three decimals: stable text in payloads
    }
}

extension ASCIIName {
    /// `s.trimmingCharacters(in: .whitespaces).isEmpty`, on bytes when `s` is ASCII.
    static func isBlank(_ s: String) -> Bool {
        guard isASCII(s) else { return s.trimmingCharacters(in: .whitespaces).isEmpty }
        return s.utf8.allSatisfy(isSpaceOrTab)
    }
}

extension ASCIIName {
    /// `s.trimmingCharacters(in: .whitespaces)`, on bytes when `s` is ASCII (SPACE and TAB).
    static func trimmingSpaces(_ s: String) -> String {
        guard isASCII(s) else { return s.trimmingCharacters(in: .whitespaces) }
        let u = s.utf8
        guard let first = u.first, let last = u.last, isSpaceOrTab(first) || isSpaceOrTab(last) else { return s }
        return String(decoding: trimmed(Array(u)[...]), as: UTF8.self)
    }
}
