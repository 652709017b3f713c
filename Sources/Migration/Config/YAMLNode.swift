import Common
import Foundation
import Yams

/// A YAML node with its path and line, for strict configuration reading: every error names the
/// YAML path and the line, and unknown keys are errors (a typo must never silently fall back to a
/// default in a production migration).
struct ConfigNode {
    let node: Node
    let path: String
    let file: String
    let sink: DiagnosticCollector

    var line: Int? { node.mark.map(\.line) }
    var location: SourceLocation { SourceLocation(file: file, line: line, record: path.isEmpty ? nil : path) }

    func error(_ message: String, hint: String? = nil) {
        sink.emit(.error("config.invalid", message, at: location, hint: hint))
    }

    /// Mapping children in document order, after checking for unknown keys.
    func mapping(allowed: Set<String>? = nil) -> [(String, ConfigNode)] {
        guard let m = node.mapping else {
            error("\(describe) must be a mapping")
            return []
        }
        var out: [(String, ConfigNode)] = []
        var seen: Set<String> = []
        for (k, v) in m {
            guard let key = k.scalar?.string else {
                sink.emit(.error("config.invalid", "keys must be scalars", at: SourceLocation(file: file, line: k.mark?.line, record: path)))
                continue
            }
            let child = ConfigNode(node: v, path: path.isEmpty ? key : "\(path).\(key)", file: file, sink: sink)
            if !seen.insert(key).inserted {
                child.error("duplicate key \(key)")
                continue
            }
            if let allowed, !allowed.contains(key) {
                let near = allowed.min { Self.distance($0, key) < Self.distance($1, key) }
                child.error("unknown key \(key)", hint: near.map { "did you mean \($0)? allowed: \(allowed.sorted().joined(separator: ", "))" })
                continue
            }
            out.append((key, child))
        }
        return out
    }

    func sequence() -> [ConfigNode] {
        guard let s = node.sequence else {
            error("\(describe) must be a list")
            return []
        }
        return s.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file, sink: sink) }
    }

    var describe: String { path.isEmpty ? "the document" : path }

    func string() -> String? {
        guard let s = node.scalar?.string else { error("\(describe) must be a string"); return nil }
        return s
    }

    func int(in range: ClosedRange<Int>? = nil) -> Int? {
        guard let s = node.scalar?.string, let v = Int(s) else { error("\(describe) must be a whole number"); return nil }
        if let range, !range.contains(v) {
            error("\(describe) is \(v); it must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return v
    }

    func double(in range: ClosedRange<Double>? = nil) -> Double? {
        guard let s = node.scalar?.string, let v = Double(s) else { error("\(describe) must be a number"); return nil }
        if let range, !range.contains(v) {
            error("\(describe) is \(v); it must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return v
    }

    func bool() -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: error("\(describe) must be true or false"); return nil
        }
    }

    func oneOf<E: RawRepresentable & CaseIterable>(_: E.Type) -> E? where E.RawValue == String {
        guard let s = string() else { return nil }
        guard let v = E(rawValue: s) else {
            error("\(describe) is \"\(s)\"; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return v
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
