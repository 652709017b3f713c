import Foundation

/// Canonical JSON, as bundle-spec.md defines it (close to RFC 8785 for the values we write):
/// UTF-8; no whitespace outside strings; object keys sorted by their UTF-8 bytes; strings escaped
/// only where JSON requires it (`"`, `\`, control characters); integers in plain decimal; other
/// numbers in the shortest form that round-trips. `pretty` adds two-space indentation and newlines
/// for files meant for people, with the same ordering.
extension JSONValue {
    public func canonicalText(pretty: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    public func canonicalData(pretty: Bool = false) -> Data {
        var text = canonicalText(pretty: pretty)
        if pretty { text += "\n" }
        return Data(text.utf8)
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (n, v) in a.enumerated() {
                if n > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                v.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (n, k) in keys.enumerated() {
                if n > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.escape(k, into: &out)
                out += pretty ? ": " : ":"
                o[k]?.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }  // JSON has no NaN/Infinity; validators reject earlier
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"  // Swift prints the shortest round-tripping representation
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escape at all: append them whole, not scalar by scalar.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// Encodes any Encodable as canonical JSON bytes.
public enum CanonicalJSON {
    public static func data<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        try jsonValue(of: value).canonicalData(pretty: pretty)
    }

    /// The value as JSON, built directly from `Encodable` (no JSON text written and parsed
    /// again); types JSONEncoder treats specially (Data, URL, Decimal, Date, Float) and
    /// integers beyond Int64 fall back to `JSONValue.from`. Same canonical bytes either way.
    public static func jsonValue<T: Encodable>(of value: T) throws -> JSONValue {
        do {
            return try DirectJSONEncoder.box(value, codingPath: []).resolve()
        } catch is DirectJSONEncoder.Unsupported {
            return try JSONValue.from(value)
        }
    }
}
