import Common
import Foundation

/// All sandbox objects. Plain JSON documents per kind, so state dumps, seeds and the state file
/// share one shape and the response JSON is exactly what was stored.
struct Store: Codable, Sendable {
    static let formatVersion = 1
    var format = Store.formatVersion
    /// kind → id → entity.
    var entities: [String: [String: JSONObject]] = [:]
    /// relation → parent id → child id → record (queue members, group members, user skills …).
    var links: [String: [String: [String: JSONObject]]] = [:]
    /// kind → owner id → settings object (call forwarding, voicemail policies, user stations).
    var settings: [String: [String: JSONObject]] = [:]
    /// What the search index shows for an id (eventual consistency, §1).
    var index: [String: IndexEntry] = [:]
    /// SHA-256 of the access token → who holds it and until when. Never the token itself.
    var tokens: [String: TokenRecord] = [:]
    var jobs: [String: FlowJob] = [:]
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    func get(_ kind: String, _ id: String) -> JSONObject? { entities[kind]?[id] }
    mutating func put(_ kind: String, _ obj: JSONObject) {
        guard let id = obj["id"]?.stringValue else { return }
        entities[kind, default: [:]][id] = obj
    }
    func all(_ kind: String) -> [JSONObject] { Array((entities[kind] ?? [:]).values) }
}

struct IndexEntry: Codable, Sendable {
    var previous: JSONObject?
    var current: JSONObject?
    var visibleAt: Double
    func view(at now: Double) -> JSONObject? { now >= visibleAt ? current : previous }
}

struct TokenRecord: Codable, Sendable {
    var clientId: String
    var expiresAt: Double
}

struct FlowJob: Codable, Sendable {
    var id: String
    var status: String  // Registered, Started, Success, Failure
    var signature: String
    var registeredAt: Double
    var startedAt: Double?
    var yaml: String?
    var flowId: String?
    var flowName: String?
    var messages: [JSONObject] = []
}

/// How an entity kind behaves: where it lives, what validates it, what it references.
struct ResourceKind: Sendable {
    enum Delete: Sendable { case hard, softState, deactivate }
    enum NameFilter: Sendable { case prefix, wildcard, exact }

    var name: String
    var path: String
    var label: String
    var createModel: String?
    var updateModel: String?
    /// "PUT" (full replace) or "PATCH" (merge) or nil (no update).
    var updateMethod: String?
    var delete: Delete = .hard
    var nameFilter: NameFilter = .exact
    var hasDivision = true
    var hasState = true
    /// REQ fields in the spec the platform is known (or assumed) not to enforce.
    var relaxedRequired: Set<String> = []
    /// Outgoing references: dotted path (`[]` descends arrays) → kind.
    var refs: [(String, String)] = []
    /// Natural key for duplicate detection; nil = none.
    var naturalKey: (@Sendable (JSONObject) -> String?)? = { $0["name"]?.stringValue?.lowercased() }
    /// Code answered when a referenced entity is deleted.
    var inUseCode = "general.conflict"
}

extension JSONObject {
    /// Values at a dotted path; `x[]` descends the array `x`.
    func values(at path: String) -> [JSONValue] {
        var cur: [JSONValue] = [.object(self)]
        for seg in path.split(separator: ".") {
            let isArray = seg.hasSuffix("[]")
            let key = isArray ? String(seg.dropLast(2)) : String(seg)
            cur = cur.compactMap { $0[key] }
            if isArray { cur = cur.flatMap { $0.arrayValue ?? [] } }
        }
        return cur.filter { !$0.isNull }
    }
}

func ref(_ id: String, _ name: String?, _ uri: String) -> JSONValue {
    var o: JSONObject = ["id": .string(id), "selfUri": .string(uri)]
    if let n = name { o["name"] = .string(n) }
    return .object(o)
}

/// Sorts by name, case-insensitively, then id (the platform's default order for most listings).
func byName(_ a: JSONObject, _ b: JSONObject) -> Bool {
    let na = a["name"]?.stringValue?.lowercased() ?? "", nb = b["name"]?.stringValue?.lowercased() ?? ""
    if na != nb { return na < nb }
    return (a["id"]?.stringValue ?? "") < (b["id"]?.stringValue ?? "")
}
