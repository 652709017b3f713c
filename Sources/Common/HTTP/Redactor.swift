import Foundation

/// Removes credentials from text before it is logged or written to an audit file: bearer tokens,
/// Basic credentials, `access_token` / `refresh_token` / `client_secret` / `password` values in
/// JSON, form or query syntax, and any literal secret values registered with it.
public struct Redactor: Sendable {
    public static let mask = "[REDACTED]"
    /// The patterns alone, with no literal values.
    public static let standard = Redactor()

    /// Literal values to remove wherever they appear (e.g. the client secrets of this run).
    public var literals: [String]

    public init(literals: [String] = []) {
        // Very short literals would shred ordinary text; they are also too weak to be secrets.
        self.literals = literals.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public init(secrets: [Secret]) { self.init(literals: secrets.map(\.value)) }

    /// (pattern, template, triggers): group 1 is kept, the value after it is masked. A pattern
    /// can only match text that contains one of its triggers (lower-cased), so text without any
    /// skips the regular expression (the results log redacts a record per step).
    private static let rules: [(String, String, [String])] = [
        // Authorization: Bearer <token> / Basic <base64>, anywhere in a line.
        (#"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"#, "$1\(mask)", ["bearer"]),
        (#"(?i)(\bbasic\s+)[A-Za-z0-9+/]+=*"#, "$1\(mask)", ["basic"]),
        // JSON: "access_token": "…" (also clientSecret spelling and escaped quotes are not needed).
        (#"(?i)("(?:access_token|refresh_token|id_token|client_secret|clientSecret|password|pin)"\s*:\s*")(?:[^"\\]|\\.)*""#, "$1\(mask)\"",
         ["\"access_token\"", "\"refresh_token\"", "\"id_token\"", "\"client_secret\"", "\"clientsecret\"", "\"password\"", "\"pin\""]),
        // Form / query / key=value: access_token=…&
        (#"(?i)(\b(?:access_token|refresh_token|id_token|client_secret|password)=)[^&\s"',;]+"#, "$1\(mask)",
         ["access_token=", "refresh_token=", "id_token=", "client_secret=", "password="]),
        // URLs with user:password@host.
        (#"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)"#, "$1\(mask)$2", ["://"]),
    ]

    public func redact(_ text: String) -> String {
        var out = text
        for l in literals { out = out.replacingOccurrences(of: l, with: Self.mask) }
        // ASCII text: a byte search for the triggers, ASCII letters folded. Other text (case
        // folding could map a non-ASCII letter onto a trigger's): every pattern runs.
        var bytes = Array(out.utf8)
        let ascii = bytes.allSatisfy { $0 < 0x80 }
        if ascii { for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5a { bytes[i] |= 0x20 } }
        func contains(_ needle: String) -> Bool {
            let n = Array(needle.utf8)
            guard n.count <= bytes.count, let first = n.first else { return n.isEmpty }
            var i = 0
            let last = bytes.count - n.count
            while i <= last {
                if bytes[i] == first {
                    var j = 1
                    while j < n.count && bytes[i + j] == n[j] { j += 1 }
                    if j == n.count { return true }
                }
                i += 1
            }
            return false
        }
        for (pattern, template, triggers) in Self.rules where !ascii || triggers.contains(where: contains) {
            out = out.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return out
    }
}
