import Foundation

/// A tiny YAML tree and block-style writer. Own emitter rather than a serialiser so that key
/// order is exactly the order built (Archy readers and reviewers expect `name` first) and the
/// bytes are stable across library versions. Strings are always double-quoted: no YAML 1.1
/// surprises (`no`, `on`, `08:00`).
public indirect enum YAMLNode: Sendable, Hashable {
    case map([(String, YAMLNode)])
    case list([YAMLNode])
    case string(String)
    case int(Int)
    case bool(Bool)

    public static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.render() == b.render() }
    public func hash(into h: inout Hasher) { h.combine(render()) }

    public func render() -> String {
        var out = ""
        Self.write(self, indent: 0, into: &out)
        return out
    }

    static func scalar(_ n: YAMLNode) -> String? {
        switch n {
        case .string(let s): return quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .map(let m) where m.isEmpty: return "{}"
        case .list(let l) where l.isEmpty: return "[]"
        default: return nil
        }
    }

    static func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\t": o += "\\t"
            default:
                if u.value < 0x20 { o += String(format: "\\x%02X", u.value) } else { o.unicodeScalars.append(u) }
            }
        }
        return o + "\""
    }

    static func write(_ n: YAMLNode, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch n {
        case .map(let m):
            for (k, v) in m {
                if let s = scalar(v) { out += "\(pad)\(k): \(s)\n" } else {
                    out += "\(pad)\(k):\n"
                    write(v, indent: indent + 2, into: &out)
                }
            }
        case .list(let l):
            for item in l {
                if let s = scalar(item) { out += "\(pad)- \(s)\n"; continue }
                // "- " then the item's first line on the same line, the rest indented under it.
                var inner = ""
                write(item, indent: indent + 2, into: &inner)
                let trimmed = inner.dropFirst(indent + 2)
                out += "\(pad)- \(trimmed)"
            }
        default:
            out += "\(pad)\(scalar(n) ?? "")\n"
        }
    }
}
