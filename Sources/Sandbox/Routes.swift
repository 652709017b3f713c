import Common
import Foundation

/// Routing and the generic create/read/update/delete every kind shares.
extension GenesysEngine {
    /// Path parameters when `path` fits `pattern` (`{}` = one segment), else nil.
    static func match(_ pattern: String, _ segs: [Substring]) -> [String]? {
        let ps = pattern.split(separator: "/")
        guard ps.count == segs.count else { return nil }
        var out: [String] = []
        for (p, s) in zip(ps, segs) {
            if p == "{}" { out.append(String(s)) } else if p != s { return nil }
        }
        return out
    }

    func route(_ r: SandboxRequest) throws(APIError) -> SandboxResponse {
        let segs = r.path.split(separator: "/")
        let m = r.method
        func at(_ method: String, _ pattern: String) -> [String]? {
            method == m ? Self.match(pattern, segs) : nil
        }
        // Each family only looks at its own prefixes: fewer pattern matches per request.
        let p = r.path
        if p.hasPrefix("/api/v2/users") || p.hasPrefix("/api/v2/voicemail/userpolicies/"), let resp = try userRoutes(r, at) { return resp }
        if p.hasPrefix("/api/v2/routing/"), let resp = try routingRoutes(r, at) { return resp }
        if p.hasPrefix("/api/v2/groups") || p.hasPrefix("/api/v2/voicemail/groups/"), let resp = try groupRoutes(r, at) { return resp }
        if p.hasPrefix("/api/v2/stations") || p.hasPrefix(ResourceKind.edges), let resp = try telephonyRoutes(r, at) { return resp }
        if p.hasPrefix("/api/v2/flows/") || p.hasPrefix("/api/v2/architect/prompts/"), let resp = try architectRoutes(r, at) { return resp }
        if let p = at("GET", "/api/v2/authorization/divisions/home") {
            _ = p
            guard let home = store.all("divisions").first(where: { $0["homeDivision"]?.boolValue == true }) else { throw .notFound() }
            return .json(.object(home))
        }
        if at("GET", "/api/v2/tokens/me") != nil {
            return .json(["name": "client credentials token", "organization": ["id": .string(orgId), "name": "Sandbox Org"]])
        }
        if at("GET", "/api/v2/organizations/me") != nil { return .json(.object(organization())) }
        if at("GET", "/api/v2/systempresences") != nil {
            let sys = store.all("presencedefinitions").filter { $0["type"]?.stringValue == "System" }.sorted(by: byName)
            return .json(.array(sys.map { ["id": $0["systemPresence"] ?? .null, "name": $0["systemPresence"] ?? .null] }))
        }
        // Generic CRUD for the remaining kinds.
        for kind in kindList where r.path == kind.path || r.path.hasPrefix(kind.path + "/") {
            let rest = r.path.dropFirst(kind.path.count).split(separator: "/")
            if rest.isEmpty {
                if m == "GET" { return try list(kind, r) }
                if m == "POST" { return .json(.object(try create(kind, try parseObject(r)))) }
            } else if rest.count == 1 {
                let id = String(rest[0])
                if m == "GET" { return .json(.object(try get(kind, id))) }
                if m == kind.updateMethod { return .json(.object(try update(kind, id, try parseObject(r), method: m))) }
                if m == "DELETE" { try delete(kind, id); return .empty() }
            }
        }
        throw .notFound("No resource matches \(m) \(r.path).")
    }

    var orgId: String { "5a0d1e5a-0000-4000-8000-000000000001" }

    func organization() -> JSONObject {
        let site = store.all("sites").first { $0["name"]?.stringValue == "Sandbox Site" }
        return ["id": .string(orgId), "name": "Sandbox Org", "thirdPartyOrgName": "sandbox",
                "defaultSiteId": site?["id"] ?? .null, "selfUri": "/api/v2/organizations/me"]
    }

    // MARK: - Generic operations

    func get(_ kind: ResourceKind, _ id: String) throws(APIError) -> JSONObject {
        guard let o = store.get(kind.name, id) else {
            throw .notFound("The \(kind.label) \(id) was not found.")
        }
        return o
    }

    func list(_ kind: ResourceKind, _ r: SandboxRequest) throws(APIError) -> SandboxResponse {
        // A listing whose operation declares no paging (presence definitions) answers everything.
        let paged = endpoints.operation("GET", kind.path)?.query.contains("pageSize") ?? true
        var paging = try Paging(r)
        let name = r.q("name")
        let lagged = config.searchLagAppliesToListFilters && (name != nil || r.q("dnis") != nil)
        var items = lagged ? store.all(kind.name).compactMap { o in o["id"]?.stringValue.flatMap { searchView($0) } } : store.all(kind.name)
        if let name { items = items.filter { Self.nameMatches($0["name"]?.stringValue, name, kind.nameFilter) } }
        let ids = Set(r.qAll("id"))
        if !ids.isEmpty { items = items.filter { ids.contains($0["id"]?.stringValue ?? "") } }
        let divs = Set(r.qAll("divisionId"))
        if !divs.isEmpty { items = items.filter { divs.contains($0["division"]?["id"]?.stringValue ?? "") } }
        items = sortedByName(kindFilter(kind, items, r))
        if r.q("sortOrder")?.lowercased().hasPrefix("desc") == true { items.reverse() }
        if !paged { paging = Paging(pageSize: max(items.count, 1), pageNumber: 1) }
        return .json(paging.listing(items.map { .object($0) }, path: kind.path, request: r))
    }

    static func nameMatches(_ value: String?, _ filter: String, _ mode: ResourceKind.NameFilter) -> Bool {
        guard let v = value?.lowercased() else { return false }
        var f = filter.lowercased()
        switch mode {
        case .prefix: return v.hasPrefix(f)
        case .exact: return v == f
        case .wildcard:
            // "leading and trailing asterisks allowed" (§2.7); none = exact.
            let lead = f.hasPrefix("*"), trail = f.hasSuffix("*")
            f = f.trimmingCharacters(in: CharacterSet(charactersIn: "*"))
            switch (lead, trail) {
            case (true, true): return f.isEmpty || v.contains(f)
            case (true, false): return v.hasSuffix(f)
            case (false, true): return v.hasPrefix(f)
            case (false, false): return v == f
            }
        }
    }

    /// List filters specific to a kind.
    func kindFilter(_ kind: ResourceKind, _ items: [JSONObject], _ r: SandboxRequest) -> [JSONObject] {
        var items = items
        switch kind.name {
        case "presencedefinitions":
            let deact = r.q("deactivated") == "true"
            items = items.filter { ($0["deactivated"]?.boolValue ?? false) == deact }
        case "ivrs":
            if let d = r.q("dnis") { items = items.filter { $0.values(at: "dnis[]").contains(.string(d)) } }
            if let sg = r.q("scheduleGroup") { items = items.filter { $0["scheduleGroup"]?["id"]?.stringValue == sg } }
        case "flows":
            let types = Set(r.qAll("type").map { $0.uppercased() })
            if !types.isEmpty { items = items.filter { types.contains($0["type"]?.stringValue ?? "") } }
            if r.q("deleted") != "true" { items = items.filter { $0["deleted"]?.boolValue != true } }
        case "phones":
            if let u = r.q("webRtcUser.id") { items = items.filter { $0["webRtcUser"]?["id"]?.stringValue == u } }
            if let s = r.q("site.id") { items = items.filter { $0["site"]?["id"]?.stringValue == s } }
            if let b = r.q("phoneBaseSettings.id") { items = items.filter { $0["phoneBaseSettings"]?["id"]?.stringValue == b } }
        case "didpools":
            break
        default: break
        }
        return items
    }

    func isDeleted(_ kind: ResourceKind, _ o: JSONObject) -> Bool {
        switch kind.delete {
        case .softState: return o["state"]?.stringValue == "deleted"
        case .deactivate: return o["deactivated"]?.boolValue == true
        case .hard: return false
        }
    }

    /// Every reference in `o` must name a live entity of the right kind.
    func checkRefs(_ kind: ResourceKind, _ o: JSONObject) throws(APIError) {
        for (path, target) in kind.refs {
            guard let tk = kinds[target] else { continue }
            for v in o.values(at: path) {
                guard let id = v.stringValue else { continue }
                guard let t = store.get(target, id), !isDeleted(tk, t) else {
                    throw APIError.invalidValue(field: path.replacingOccurrences(of: "[]", with: ""), value: id,
                                                message: "The \(tk.label) [\(id)] referenced by \(path.replacingOccurrences(of: "[]", with: "")) does not exist.")
                }
            }
        }
    }

    func checkDuplicate(_ kind: ResourceKind, _ o: JSONObject, excluding: String? = nil) throws(APIError) {
        guard let keyFn = kind.naturalKey, let key = keyFn(o) else { return }
        let rule = config.rules.duplicates[kind.name] ?? .allow
        guard let status = rule.status else { return }
        // Soft-deleted users keep their email reserved (§2.1); other soft-deleted names are free.
        // The natural-key index narrows the candidates to the objects filed under this key.
        let clash = store.lookup(kind.name, .naturalKey, key).first { id, other in
            id != excluding && (kind.name == "users" || !isDeleted(kind, other)) && keyFn(other) == key
        }?.entity
        if let c = clash {
            var e = APIError(status, rule.code, rule.message)
            e.details = [["errorCode": .string(rule.code), "entityId": c["id"] ?? .null, "entityName": c["name"] ?? .null]]
            throw e
        }
    }

    /// The division an entity lands in: the one named, or home.
    func resolveDivision(_ o: JSONObject) throws(APIError) -> JSONValue {
        let id = o["division"]?["id"]?.stringValue ?? o["divisionId"]?.stringValue
        if let id {
            guard let d = store.get("divisions", id) else {
                throw APIError.invalidValue(field: "division", value: id, message: "The division [\(id)] does not exist.")
            }
            return ref(id, d["name"]?.stringValue, "/api/v2/authorization/divisions/\(id)")
        }
        guard let home = store.all("divisions").first(where: { $0["homeDivision"]?.boolValue == true }),
              let hid = home["id"]?.stringValue else { return .null }
        return ref(hid, home["name"]?.stringValue, "/api/v2/authorization/divisions/\(hid)")
    }

    /// Creates an entity of a generic kind (specific kinds add their own rules first). The body
    /// has passed the contract check of its endpoint (`checkContract`) or of seeding.
    func create(_ kind: ResourceKind, _ body: JSONObject, fixedId: String? = nil) throws(APIError) -> JSONObject {
        var o = body
        for k in ["id", "selfUri", "version", "dateCreated", "dateModified"] { o[k] = nil }
        try checkRefs(kind, o)
        try kindRules(kind, &o, existingId: nil)
        try checkDuplicate(kind, o)
        let id = fixedId ?? newId()
        if let fixedId, store.get(kind.name, fixedId) != nil { throw .conflict("An object with id \(fixedId) already exists.") }
        o["id"] = .string(id)
        o["selfUri"] = .string("\(kind.path)/\(id)")
        o["version"] = 1
        if kind.hasState && o["state"] == nil { o["state"] = "active" }
        if kind.hasDivision {
            o["division"] = try resolveDivision(o)
            o["divisionId"] = nil
        }
        decorate(kind, &o)
        store.put(kind.name, o)
        mutated(id, o)
        afterWrite(kind, o)
        return o
    }

    func update(_ kind: ResourceKind, _ id: String, _ body: JSONObject, method: String) throws(APIError) -> JSONObject {
        let cur = try get(kind, id)
        if isDeleted(kind, cur) && kind.name != "users" { throw .notFound("The \(kind.label) \(id) was not found.") }
        try checkVersion(kind, cur, body)
        var o: JSONObject
        if method == "PATCH" {
            o = cur
            for (k, v) in body { o[k] = v }
        } else {
            o = body
            // Kept from the stored entity: identity and server-owned fields.
            for k in ["state", "division", "type", "systemPresence", "lines"] where o[k] == nil { o[k] = cur[k] }
        }
        o["id"] = .string(id)
        o["selfUri"] = cur["selfUri"]
        o["version"] = .int((cur["version"]?.intValue ?? 1) + 1)
        try checkRefs(kind, o)
        try kindRules(kind, &o, existingId: id)
        try checkDuplicate(kind, o, excluding: id)
        if kind.hasDivision && (body["division"] != nil || body["divisionId"] != nil) {
            o["division"] = try resolveDivision(o)
            o["divisionId"] = nil
        }
        decorate(kind, &o)
        store.put(kind.name, o)
        mutated(id, o)
        afterWrite(kind, o)
        return o
    }

    /// Stale `version` → 409 general.conflict (or 400, configurable; §1).
    func checkVersion(_ kind: ResourceKind, _ cur: JSONObject, _ body: JSONObject) throws(APIError) {
        guard let v = body["version"]?.intValue, let c = cur["version"]?.intValue, v != c else { return }
        let msg = "The version supplied does not match the current version of the \(kind.label)"
        if config.rules.versionConflictStatus == 400 {
            throw APIError(400, "bad.request", msg)
        }
        throw APIError(409, "general.conflict", msg)
    }

    func delete(_ kind: ResourceKind, _ id: String) throws(APIError) {
        let cur = try get(kind, id)
        if isDeleted(kind, cur) { throw .notFound("The \(kind.label) \(id) was not found.") }
        try checkInUse(kind, id)
        switch kind.delete {
        case .hard:
            store.remove(kind.name, id)
            mutated(id, nil)
        case .softState:
            var o = cur
            o["state"] = "deleted"
            o["version"] = .int((cur["version"]?.intValue ?? 1) + 1)
            store.put(kind.name, o)
            mutated(id, o)
        case .deactivate:
            var o = cur
            o["deactivated"] = true
            store.put(kind.name, o)
            mutated(id, o)
        }
        afterDelete(kind, id)
    }

    /// Referenced objects cannot be deleted (§9.5).
    func checkInUse(_ kind: ResourceKind, _ id: String) throws(APIError) {
        if kind.name == "divisions", store.get("divisions", id)?["homeDivision"]?.boolValue == true {
            throw APIError(400, "bad.request", "The home division cannot be deleted.")
        }
        for other in kindList {
            let paths = other.refs.filter { $0.1 == kind.name }.map(\.0)
                + (kind.name == "divisions" && other.hasDivision ? ["division.id"] : [])
            guard !paths.isEmpty else { continue }
            for o in store.all(other.name) where !isDeleted(other, o) {
                if paths.contains(where: { o.values(at: $0).contains(.string(id)) }) {
                    let (code, msg) = kind.inUse(by: other)
                    var e = APIError(409, code, msg)
                    e.details = [["errorCode": .string(code), "entityId": o["id"] ?? .null, "entityName": o["name"] ?? .null]]
                    throw e
                }
            }
        }
        // Flows name queues and schedule groups in their YAML (§8); a published flow pins them.
        if kind.name == "queues" || kind.name == "schedulegroups" {
            for (flowId, deps) in store.links["flowDeps"] ?? [:] where deps[id] != nil && store.get("flows", flowId) != nil {
                var e = APIError(409, "architect.dependency.object.in.use", "The \(kind.label) is used by a published flow.")
                e.details = [["errorCode": "architect.dependency.object.in.use", "entityId": .string(flowId)]]
                throw e
            }
        }
    }
}
