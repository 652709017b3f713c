import Common

/// A reference from one payload to another resource of the same bundle: the string
/// `"@ref:<type>/<key>"` where the API expects an id (bundle-spec.md section 8). Strings starting
/// `"@ext:"` name objects that already exist in the target org; they are not bundle references.
public struct PayloadReference: Sendable, Hashable {
    public static let prefix = "@ref:"
    public static let externalPrefix = "@ext:"

    public var type: String
    public var key: String
    public var text: String { "\(type)/\(key)" }
    /// The member the reference names: `flows/<key>.yaml` for type `flows` (a call route names
    /// the flow it starts), else `payloads/<type>/<key>.json`.
    public var path: String {
        type == "flows" ? BundleFormat.flowPath(name: key) : BundleFormat.payloadPath(type: type, key: key)
    }

    public init(type: String, key: String) {
        self.type = type
        self.key = key
    }

    /// The JSON a payload holds in place of an API id.
    public var json: JSONValue { .string(Self.prefix + text) }
}

public enum PayloadReferences {
    /// Every bundle reference in a payload, in document order (object members by sorted key),
    /// duplicates kept once.
    public static func collect(in value: JSONValue) -> [PayloadReference] {
        var out: [PayloadReference] = []
        var seen = Set<PayloadReference>()
        for r in inOrder(value, { (s: String) -> PayloadReference? in
            guard hasPrefix(s, "@ref:") else { return nil }
            return parse(s, from: 5)
        }) where seen.insert(r).inserted {
            out.append(r)
        }
        return out
    }

    /// What `find` returns for the strings of `value`, in document order (object members by key
    /// byte order). Members are visited in the dictionary's order and only the few that found
    /// something are sorted: sorting every object's keys and looking each one up again was most
    /// of the cost of preparing 240,000 payloads.
    static func inOrder<R>(_ value: JSONValue, _ find: (String) -> R?) -> [R] {
        switch value {
        case .string(let s):
            return find(s).map { [$0] } ?? []
        case .object(let o):
            var found: [(key: String, items: [R])] = []
            for (k, child) in o {
                let items = inOrder(child, find)
                if !items.isEmpty { found.append((k, items)) }
            }
            if found.count > 1 { found.sort { UTF8Order.precedes($0.key, $1.key) } }
            return found.count == 1 ? found[0].items : found.flatMap(\.items)
        case .array(let a):
            var items: [R] = []
            for e in a { items += inOrder(e, find) }
            return items
        default:
            return []
        }
    }

    /// `s.hasPrefix(prefix)` for an ASCII prefix, on bytes. String's own test compares characters:
    /// the same answer unless a non-ASCII scalar follows the prefix (it might join the prefix's
    /// last character), where it is asked.
    @inline(__always)
    static func hasPrefix(_ s: String, _ prefix: StaticString) -> Bool {
        let u = s.utf8
        guard u.first == 0x40 else { return false }  // both prefixes start with "@"
        let n = prefix.utf8CodeUnitCount
        let bytes = UnsafeBufferPointer(start: prefix.utf8Start, count: n)
        guard u.count >= n, u.starts(with: bytes) else { return false }
        let next = u.index(u.startIndex, offsetBy: n)
        if next == u.endIndex || u[next] < 0x80 { return true }
        return s.hasPrefix(String(decoding: bytes, as: UTF8.self))
    }

    static func parse(_ s: String) -> PayloadReference? {
        parse(s, from: 0)
    }

    /// `<type>/<key>` of segment names from byte `offset` of `s` (after a prefix). On bytes: a
    /// valid reference is ASCII, where bytes and characters agree, and anything else is refused
    /// either way. Splitting into Strings and testing each with `contains("/")` was most of the
    /// cost of preparing a payload.
    static func parse(_ s: String, from offset: Int) -> PayloadReference? {
        var s = s
        return s.withUTF8 { buf -> PayloadReference? in
            guard offset <= buf.count else { return nil }
            var slash = -1
            for i in offset..<buf.count where buf[i] == 0x2F {
                guard slash < 0 else { return nil }  // a second "/"
                slash = i
            }
            guard slash >= 0, BundlePath.isSegment(buf, offset, slash), BundlePath.isSegment(buf, slash + 1, buf.count) else { return nil }
            return PayloadReference(type: String(decoding: UnsafeBufferPointer(rebasing: buf[offset..<slash]), as: UTF8.self),
                                    key: String(decoding: UnsafeBufferPointer(rebasing: buf[(slash + 1)...]), as: UTF8.self))
        }
    }

    /// Malformed references: `@ref:` not followed by `<type>/<key>` of segment names, or `@ext:`
    /// without a type and a name.
    static func shapeProblems(_ value: JSONValue) -> [String] {
        inOrder(value) { s -> [String]? in
            var out: [String] = []
            if hasPrefix(s, "@ref:"), parse(s, from: 5) == nil {
                out.append("reference \"\(s)\" must be \"@ref:<type>/<key>\" of segment names")
            }
            if hasPrefix(s, "@ext:") {
                let rest = s.dropFirst(PayloadReference.externalPrefix.count)
                if !(rest.firstIndex(of: "/").map { slash in
                    BundlePath.isValidSegment(String(rest[..<slash])) && rest.index(after: slash) < rest.endIndex
                } ?? false) {
                    out.append("external reference \"\(s)\" must be \"@ext:<type>/<name>\"")
                }
            }
            return out.isEmpty ? nil : out
        }.flatMap { $0 }
    }

    static func validateShape(_ value: JSONValue, path: String) throws {
        if let first = shapeProblems(value).first { throw BundleError.invalidPayload(path: path, reason: first) }
    }
}
