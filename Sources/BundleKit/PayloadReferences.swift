import Common

/// A `{"$ref": "<type>/<key>"}` reference inside a payload (bundle-spec.md section 8).
public struct PayloadReference: Sendable, Hashable {
    public var type: String
    public var key: String
    public var text: String { "\(type)/\(key)" }
    public var path: String { BundleFormat.payloadPath(type: type, key: key) }

    public init(type: String, key: String) {
        self.type = type
        self.key = key
    }

    /// The JSON a payload holds in place of an API id reference.
    public var json: JSONValue { .object(["$ref": .string(text)]) }
}

public enum PayloadReferences {
    /// Every `$ref` in a payload, in document order (object members by sorted key), duplicates kept once.
    public static func collect(in value: JSONValue) -> [PayloadReference] {
        var out: [PayloadReference] = []
        var seen = Set<PayloadReference>()
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let s = o["$ref"]?.stringValue, let r = parse(s) {
                    if seen.insert(r).inserted { out.append(r) }
                    return
                }
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

    /// Problems with `$ref` objects' shape: value not "type/key", or extra members next to `$ref`.
    static func shapeProblems(_ value: JSONValue) -> [String] {
        var out: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let r = o["$ref"] {
                    guard let s = r.stringValue, parse(s) != nil else {
                        out.append("\"$ref\" must be a string \"<type>/<key>\" of segment names")
                        return
                    }
                    if o.count != 1 { out.append("object with \"$ref\": \"\(s)\" has other members") }
                    return
                }
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
