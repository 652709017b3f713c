import Common
import Foundation

/// All sandbox objects. Plain JSON documents per kind, so state dumps, seeds and the state file
/// share one shape and the response JSON is exactly what was stored.
struct Store: Codable, Sendable {
    static let formatVersion = 1
    var format = Store.formatVersion
    /// kind → id → entity. Written only through `put` and `remove`, which keep `lookups` in step.
    private(set) var entities: [String: [String: JSONObject]] = [:]
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
    /// Derived from `entities`, never saved (`CodingKeys` leaves it out); `Persistence.load`
    /// rebuilds it.
    private(set) var lookups = Lookups()

    enum CodingKeys: String, CodingKey { case format, entities, links, settings, index, tokens, jobs, rng }

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    func get(_ kind: String, _ id: String) -> JSONObject? { entities[kind]?[id] }
    mutating func put(_ kind: String, _ obj: JSONObject) {
        guard let id = obj["id"]?.stringValue else { return }
        let old = entities[kind, default: [:]].updateValue(obj, forKey: id)
        lookups.update(kind, id, old: old, new: obj)
    }
    mutating func remove(_ kind: String, _ id: String) {
        guard let old = entities[kind]?.removeValue(forKey: id) else { return }
        lookups.update(kind, id, old: old, new: nil)
    }
    func all(_ kind: String) -> [JSONObject] { Array((entities[kind] ?? [:]).values) }

    /// Entities of `kind` filed under `key` in `table`, by id (a stable order).
    func lookup(_ kind: String, _ table: Lookups.Table, _ key: String) -> [(id: String, entity: JSONObject)] {
        lookups.ids(kind, table, key).sorted().compactMap { id in entities[kind]?[id].map { (id, $0) } }
    }

    mutating func rebuildLookups() {
        lookups = Lookups()
        for (kind, objs) in entities {
            for (id, o) in objs { lookups.update(kind, id, old: nil, new: o) }
        }
    }
}

/// Indexes over the store for the checks every write makes, so a create costs the same with
/// 10 or 100 000 objects of its kind: natural keys (duplicate checks), user extensions, and the
/// phone numbers users, IVRs and groups hold. They record which ids carry a key, whatever the
/// object's state; callers apply the same state filters as a full scan would.
struct Lookups: Sendable {
    enum Table: Sendable, Hashable { case naturalKey, userExtension, phoneNumber }

    private struct Slot: Hashable { var kind: String; var table: Table }
    private var tables: [Slot: [String: Set<String>]] = [:]

    func ids(_ kind: String, _ table: Table, _ key: String) -> Set<String> {
        tables[Slot(kind: kind, table: table)]?[key] ?? []
    }

    mutating func update(_ kind: String, _ id: String, old: JSONObject?, new: JSONObject?) {
        let before = old.map { Self.entries(kind, $0) } ?? []
        let after = new.map { Self.entries(kind, $0) } ?? []
        for (table, key) in before where !after.contains(where: { $0 == (table, key) }) {
            let slot = Slot(kind: kind, table: table)
            tables[slot]?[key]?.remove(id)
            if tables[slot]?[key]?.isEmpty == true { tables[slot]?[key] = nil }
        }
        for (table, key) in after { tables[Slot(kind: kind, table: table), default: [:]][key, default: []].insert(id) }
    }

    /// What an entity is filed under: the same values the scans they replace compared.
    static func entries(_ kind: String, _ o: JSONObject) -> [(Table, String)] {
        var out: [(Table, String)] = []
        if let key = ResourceKind.byName[kind]?.naturalKey?(o) { out.append((.naturalKey, key)) }
        switch kind {
        case "users":
            for a in o.values(at: "addresses[]") {
                if let e = a["extension"]?.stringValue { out.append((.userExtension, e)) }
                if let n = a["address"]?.stringValue { out.append((.phoneNumber, n)) }
            }
        case "ivrs":
            for d in o.values(at: "dnis[]") { if let n = d.stringValue { out.append((.phoneNumber, n)) } }
        case "groups":
            for a in o.values(at: "addresses[]") { if let n = a["address"]?.stringValue { out.append((.phoneNumber, n)) } }
        default: break
        }
        return out
    }
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

/// `byName` order with each key computed once (lists sort on every read).
func sortedByName(_ items: [JSONObject]) -> [JSONObject] {
    items.map { (($0["name"]?.stringValue ?? "").lowercased(), $0["id"]?.stringValue ?? "", $0) }
        .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        .map(\.2)
}
