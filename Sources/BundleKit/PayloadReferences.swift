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
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s):
                if s.hasPrefix(PayloadReference.prefix), let r = parse(String(s.dropFirst(PayloadReference.prefix.count))),
                   seen.insert(r).inserted {
                    out.append(r)
                }
            case .object(let o):
                for k in o.keys.sorted(by: BundlePath.precedes) { if let child = o[k] { walk(child) } }
            case .array(let a):
                a.forEach(walk)
            default:
                break
            }
        }
        walk(value)
        return out
    }

    static func parse(_ s: String) -> PayloadReference? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, BundlePath.isValidSegment(parts[0]), BundlePath.isValidSegment(parts[1]) else { return nil }
        return PayloadReference(type: parts[0], key: parts[1])
    }

    /// Malformed references: `@ref:` not followed by `<type>/<key>` of segment names, or `@ext:`
    /// without a type and a name.
    static func shapeProblems(_ value: JSONValue) -> [String] {
        var out: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s):
                if s.hasPrefix(PayloadReference.prefix), parse(String(s.dropFirst(PayloadReference.prefix.count))) == nil {
                    out.append("reference \"\(s)\" must be \"@ref:<type>/<key>\" of segment names")
                }
                if s.hasPrefix(PayloadReference.externalPrefix) {
                    let rest = s.dropFirst(PayloadReference.externalPrefix.count)
                    guard let slash = rest.firstIndex(of: "/"), BundlePath.isValidSegment(String(rest[..<slash])),
                          rest.index(after: slash) < rest.endIndex else {
                        out.append("external reference \"\(s)\" must be \"@ext:<type>/<name>\"")
                        return
                    }
                }
            case .object(let o):
                for k in o.keys.sorted(by: BundlePath.precedes) { if let child = o[k] { walk(child) } }
            case .array(let a):
                a.forEach(walk)
            default:
                break
            }
        }
        walk(value)
        return out
    }

    static func validateShape(_ value: JSONValue, path: String) throws {
        if let first = shapeProblems(value).first { throw BundleError.invalidPayload(path: path, reason: first) }
    }
}
