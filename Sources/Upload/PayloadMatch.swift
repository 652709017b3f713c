import Common
import Foundation
import GenesysCloud

/// Compares what a payload sets with what the org holds: every field the payload sets must be
/// present with an equal value; fields the org adds (ids, self URIs, versions, defaults) are
/// ignored. Arrays must have the same length; elements match in order, or else in any order.
public enum PayloadMatch {
    /// A field that differs, as a dotted path with the expected and actual values.
    public struct Difference: Sendable, Hashable, Codable, CustomStringConvertible {
        public var path: String
        public var expected: JSONValue?
        public var actual: JSONValue?
        public var description: String {
            "\(path.isEmpty ? "(root)" : path): expected \(expected?.canonicalText() ?? "absent"), found \(actual?.canonicalText() ?? "absent")"
        }
    }

    /// Fields that the API accepts on write but returns under another name (write-only aliases).
    static let aliases: [ResourceType: [String: String]] = [
        .users: ["divisionId": "division.id"],
        .groups: ["ownerIds": ""],  // returned as owners[] objects; not compared
    ]

    /// Fields never compared: concurrency tokens and write-only secrets.
    static let ignored: Set<String> = ["version", "password"]

    public static func differences(expected: JSONValue, actual: JSONValue, type: ResourceType? = nil) -> [Difference] {
        var out: [Difference] = []
        if let type, case .object(let e) = expected, case .object = actual {
            let alias = aliases[type] ?? [:]
            for k in e.keys.sorted() {
                guard let ev = e[k], !ignored.contains(k) else { continue }
                if let target = alias[k] {
                    if target.isEmpty { continue }
                    var cur: JSONValue? = actual
                    for part in target.split(separator: ".") { cur = cur?[String(part)] }
                    if let direct = actual[k] { compare(ev, direct, path: k, &out) } else { compare(ev, cur, path: k, &out) }
                } else {
                    compare(ev, actual[k], path: k, &out)
                }
            }
            return out
        }
        compare(expected, actual, path: "", &out)
        return out
    }

    public static func matches(expected: JSONValue, actual: JSONValue, type: ResourceType? = nil) -> Bool {
        differences(expected: expected, actual: actual, type: type).isEmpty
    }

    static func compare(_ e: JSONValue, _ a: JSONValue?, path: String, _ out: inout [Difference]) {
        switch (e, a) {
        case (.null, nil), (.null, .null?):
            return
        case (.object(let eo), .object(let ao)?):
            for k in eo.keys.sorted() where !ignored.contains(k) {
                guard let ev = eo[k] else { continue }
                compare(ev, ao[k], path: path.isEmpty ? k : "\(path).\(k)", &out)
            }
        case (.array(let ea), .array(let aa)?):
            guard ea.count == aa.count else {
                out.append(Difference(path: path, expected: e, actual: a))
                return
            }
            var inOrder: [Difference] = []
            for (i, ev) in ea.enumerated() { compare(ev, aa[i], path: "\(path)[\(i)]", &inOrder) }
            if inOrder.isEmpty { return }
            // Servers may return sets in another order: accept a one-to-one match in any order.
            var unused = Array(aa.indices)
            for ev in ea {
                guard let j = unused.firstIndex(where: { var d: [Difference] = []; compare(ev, aa[$0], path: "", &d); return d.isEmpty }) else {
                    out += inOrder
                    return
                }
                unused.remove(at: j)
            }
        case (.int, _), (.double, _):
            guard let ed = e.doubleValue, let ad = a?.doubleValue, abs(ed - ad) <= 1e-9 * max(1, abs(ed)) else {
                out.append(Difference(path: path, expected: e, actual: a))
                return
            }
        case (.string(let es), .object(let ao)?) where ao["id"]?.stringValue == es:
            // An id written as a string comes back as an entity reference {"id": …, "selfUri": …}.
            return
        default:
            if e != a { out.append(Difference(path: path, expected: e, actual: a)) }
        }
    }
}
