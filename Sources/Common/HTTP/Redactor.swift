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

    /// (pattern, template): group 1 is kept, the value after it is masked.
    private static let rules: [(String, String)] = [
        // Authorization: Bearer <token> / Basic <base64>, anywhere in a line.
        (#"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"#, "$1\(mask)"),
        (#"(?i)(\bbasic\s+)[A-Za-z0-9+/]+=*"#, "$1\(mask)"),
        // JSON: "access_token": "…" (also clientSecret spelling and escaped quotes are not needed).
        (#"(?i)("(?:access_token|refresh_token|id_token|client_secret|clientSecret|password|pin)"\s*:\s*")(?:[^"\\]|\\.)*""#, "$1\(mask)\""),
        // Form / query / key=value: access_token=…&
        (#"(?i)(\b(?:access_token|refresh_token|id_token|client_secret|password)=)[^&\s"',;]+"#, "$1\(mask)"),
        // URLs with user:password@host.
        (#"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)"#, "$1\(mask)$2"),
    ]

    public func redact(_ text: String) -> String {
        var out = text
        for l in literals { out = out.replacingOccurrences(of: l, with: Self.mask) }
        for (pattern, template) in Self.rules {
            out = out.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return out
    }
}
