import Common
import Foundation

/// A reference, inside a bundle payload, to another object, written where a Genesys id would go.
///
/// Bundle payloads never carry Genesys ids. Two forms (fixed by the lead; see docs/genesys-client.md):
/// * `@ref:<type>/<key>`: an object created from the same bundle, e.g. `"@ref:divisions/tenant-2"`,
///   `{"id": "@ref:users/jdoe"}`. `<type>` is a bundle type name (`ResourceType.rawValue`),
///   `<key>` the object's bundle key: `[a-z0-9._-]`, 1–200 characters.
/// * `@ext:<type>/<name>`: an object that already exists in the target org, looked up by its
///   natural key (usually the name) at upload time, e.g. `"@ext:sites/London"`,
///   `"@ext:divisions/Home"`. `<name>` is any non-empty text (spaces and `/` allowed).
public struct LogicalRef: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// In this bundle.
        case bundle = "ref"
        /// Already in the target org.
        case external = "ext"
    }

    public var kind: Kind
    /// The bundle type name (`users`, `routing-skills`, …).
    public var type: String
    /// The bundle key (`.bundle`) or the natural key (`.external`).
    public var key: String

    public static let refPrefix = "@ref:"
    public static let extPrefix = "@ext:"
    public static let maxKeyLength = 200

    /// Builds and validates a reference.
    public init(_ kind: Kind, type: String, key: String) throws {
        try Self.validate(kind: kind, type: type, key: key)
        self.kind = kind
        self.type = type
        self.key = key
    }

    public static func bundle(_ type: ResourceType, _ key: String) throws -> LogicalRef {
        try LogicalRef(.bundle, type: type.rawValue, key: key)
    }

    public static func external(_ type: ResourceType, _ name: String) throws -> LogicalRef {
        try LogicalRef(.external, type: type.rawValue, key: name)
    }

    /// True when a string looks like a reference (starts with `@ref:` or `@ext:`), valid or not.
    public static func looksLikeRef(_ s: String) -> Bool { s.hasPrefix(refPrefix) || s.hasPrefix(extPrefix) }

    /// Parses `@ref:<type>/<key>` or `@ext:<type>/<name>`.
    public init(parsing s: String) throws {
        let kind: Kind
        if s.hasPrefix(Self.refPrefix) { kind = .bundle } else if s.hasPrefix(Self.extPrefix) { kind = .external } else {
            throw LogicalRefError.notAReference(s)
        }
        let rest = s.dropFirst(Self.refPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else { throw LogicalRefError.malformed(s, "no \"/\" between type and key") }
        try self.init(kind, type: String(rest[..<slash]), key: String(rest[rest.index(after: slash)...]))
    }

    /// The text form, as it appears in payloads.
    public var text: String { "@\(kind.rawValue):\(type)/\(key)" }
    public var description: String { text }

    /// The catalogue entry for `type`, when the type is known.
    public var resourceType: ResourceType? { ResourceType(rawValue: type) }

    public static func < (a: LogicalRef, b: LogicalRef) -> Bool { a.text.utf8.lexicographicallyPrecedes(b.text.utf8) }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: s) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error.localizedDescription)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    static func validate(kind: Kind, type: String, key: String) throws {
        let typeOK = !type.isEmpty && type.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
        guard typeOK else {
            throw LogicalRefError.invalidType(type)
        }
        guard !key.isEmpty, key.count <= maxKeyLength else { throw LogicalRefError.invalidKey(key, kind: kind) }
        switch kind {
        case .bundle:
            // [a-z0-9._-]: safe in file names, URLs and logs, and unambiguous to compare.
            let ok = key.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 95 || $0 == 45 }
            guard ok else { throw LogicalRefError.invalidKey(key, kind: kind) }
        case .external:
            guard !key.contains(where: { $0.isNewline }), key.trimmingCharacters(in: .whitespaces) == key else {
                throw LogicalRefError.invalidKey(key, kind: kind)
            }
        }
    }

    /// Normalises text into a valid bundle key: lower case, runs of other characters become `-`.
    /// For the transform, which derives keys from CM names and numbers.
    public static func makeKey(_ text: String) -> String {
        var out = ""
        var lastDash = false
        for u in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(u) || ("0"..."9").contains(u) || u == "." || u == "_" {
                out.unicodeScalars.append(u)
                lastDash = false
            } else if !lastDash, !out.isEmpty {
                out += "-"
                lastDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(maxKeyLength))
    }
}

public enum LogicalRefError: LocalizedError, Sendable, Equatable {
    case notAReference(String)
    case malformed(String, String)
    case invalidType(String)
    case invalidKey(String, kind: LogicalRef.Kind)
    /// A reference whose target could not be resolved to an id (where in the payload, and why).
    case unresolved(LogicalRef, path: String, reason: String)
    /// A string starting with `@ref:`/`@ext:` that does not parse.
    case invalidInPayload(String, path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .notAReference(let s):
            return "\"\(s)\" is not a logical reference (expected @ref:<type>/<key> or @ext:<type>/<name>)"
        case .malformed(let s, let why):
            return "the logical reference \"\(s)\" is malformed: \(why)"
        case .invalidType(let t):
            return "\"\(t)\" is not a valid resource type in a reference (lower-case letters, digits and -)"
        case .invalidKey(let k, .bundle):
            return "\"\(k)\" is not a valid bundle key (1–\(LogicalRef.maxKeyLength) characters from a-z 0-9 . _ -)"
        case .invalidKey(let k, .external):
            return "\"\(k)\" is not a valid external name (non-empty, no line breaks, no leading or trailing spaces)"
        case .unresolved(let ref, let path, let reason):
            return "cannot resolve \(ref) at \(path.isEmpty ? "(root)" : path): \(reason)"
        case .invalidInPayload(let s, let path, let reason):
            return "the reference \"\(s)\" at \(path.isEmpty ? "(root)" : path) is invalid: \(reason)"
        }
    }
}

/// Finding and replacing references in payloads.
public enum LogicalRefs {
    /// One reference and where it occurs (`queueFlow.id`, `members[3].id`).
    public struct Occurrence: Sendable, Hashable {
        public var ref: LogicalRef
        public var path: String
    }

    /// Every reference in a payload, in document order (object keys sorted). Strings that start
    /// with `@ref:`/`@ext:` but do not parse are errors: a typo must not reach the API as a name.
    public static func occurrences(in value: JSONValue) throws -> [Occurrence] {
        var out: [Occurrence] = []
        try walk(value, path: "") { s, path in
            do { out.append(Occurrence(ref: try LogicalRef(parsing: s), path: path)) } catch {
                throw LogicalRefError.invalidInPayload(s, path: path, reason: error.localizedDescription)
            }
            return nil
        }
        return out
    }

    /// The distinct references of a payload, sorted: the edges of the dependency plan.
    public static func all(in value: JSONValue) throws -> [LogicalRef] {
        Array(Set(try occurrences(in: value).map(\.ref))).sorted()
    }

    /// Replaces every reference with the id `resolve` returns. The resolver is called once per
    /// distinct reference. A resolver error is wrapped in `LogicalRefError.unresolved` naming the path.
    public static func resolve(_ value: JSONValue,
                               using resolve: (LogicalRef) async throws -> String) async throws -> JSONValue {
        var ids: [LogicalRef: String] = [:]
        for occ in try occurrences(in: value) where ids[occ.ref] == nil {
            do {
                let id = try await resolve(occ.ref)
                guard !id.isEmpty, !looksLikeRef(id) else {
                    throw LogicalRefError.unresolved(occ.ref, path: occ.path, reason: "the resolver returned \"\(id)\", not an id")
                }
                ids[occ.ref] = id
            } catch let e as LogicalRefError {
                throw e
            } catch {
                throw LogicalRefError.unresolved(occ.ref, path: occ.path, reason: error.localizedDescription)
            }
        }
        return try replace(value, path: "") { s, _ in
            guard let ref = try? LogicalRef(parsing: s) else { return nil }
            return ids[ref]
        }
    }

    /// Synchronous variant over a table; a missing entry is `LogicalRefError.unresolved`.
    public static func resolve(_ value: JSONValue, table: [LogicalRef: String]) throws -> JSONValue {
        try replace(value, path: "") { s, path in
            let ref = try LogicalRef(parsing: s)
            guard let id = table[ref] else { throw LogicalRefError.unresolved(ref, path: path, reason: "no id is known for it") }
            return id
        }
    }

    private static func looksLikeRef(_ s: String) -> Bool { LogicalRef.looksLikeRef(s) }

    private static func walk(_ v: JSONValue, path: String, _ visit: (String, String) throws -> String?) throws {
        _ = try replace(v, path: path, visit)
    }

    /// Rebuilds `v`, replacing reference strings with what `f` returns (nil keeps the string).
    private static func replace(_ v: JSONValue, path: String, _ f: (String, String) throws -> String?) throws -> JSONValue {
        switch v {
        case .string(let s) where LogicalRef.looksLikeRef(s):
            return .string(try f(s, path) ?? s)
        case .array(let a):
            return .array(try a.enumerated().map { try replace($1, path: "\(path)[\($0)]", f) })
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for k in o.keys.sorted() {
                if let x = o[k] { out[k] = try replace(x, path: path.isEmpty ? k : "\(path).\(k)", f) }
            }
            return .object(out)
        default:
            return v
        }
    }
}
