import Common
import Foundation

/// Users (§2.1), their routing skills and languages (§2.2), call forwarding and voicemail
/// policies (§2.18), stations (§2.16), and the search API with its index lag.
extension GenesysEngine {
    var usersKind: ResourceKind { kinds["users"] ?? ResourceKind.all[0] }

    func userRoutes(_ r: SandboxRequest, _ at: (String, String) -> [String]?) throws(APIError) -> SandboxResponse? {
        let k = usersKind
        if at("POST", "/api/v2/users/search") != nil { return .json(try search(kind: k, body: try parseObject(r), path: r.path)) }
        if at("GET", "/api/v2/users/search") != nil { return .json(try search(kind: k, body: try decodeQ64(r), path: r.path)) }
        if at("GET", "/api/v2/users") != nil { return try listUsers(r) }
        if at("POST", "/api/v2/users") != nil {
            return .json(.object(try create(k, try parseObject(r))))
        }
        if let p = at("GET", "/api/v2/users/{}") {
            let u = try get(k, p[0])
            let st = r.q("state") ?? "active"
            if isDeleted(k, u) && st != "deleted" && st != "any" { throw .notFound("The user \(p[0]) was not found.") }
            return .json(.object(u))
        }
        if let p = at("PATCH", "/api/v2/users/{}") { return .json(.object(try update(k, p[0], try parseObject(r), method: "PATCH"))) }
        if let p = at("DELETE", "/api/v2/users/{}") { try delete(k, p[0]); return .json([:]) }

        // Routing skills and languages.
        for (seg, rel, target) in [("routingskills", "userSkills", "skills"), ("routinglanguages", "userLanguages", "languages")] {
            if let p = at("GET", "/api/v2/users/{}/\(seg)") {
                _ = try liveUser(p[0])
                let items = (store.links[rel]?[p[0]] ?? [:]).values.sorted(by: byName).map { JSONValue.object($0) }
                return .json(try Paging(r, maxPageSize: 500).listing(items, path: r.path, request: r))
            }
            if let p = at("POST", "/api/v2/users/{}/\(seg)") {
                _ = try liveUser(p[0])
                return .json(.object(try assign(user: p[0], rel: rel, target: target, seg: seg, try parseBody(r))))
            }
            for method in ["PATCH", "PUT"] {
                if let p = at(method, "/api/v2/users/{}/\(seg)/bulk") {
                    _ = try liveUser(p[0])
                    guard let arr = try parseBody(r).arrayValue else { throw APIError.badRequest() }
                    // §2.2: "Max 50" per bulk request (TF chunks at 50).
                    if arr.count > 50 {
                        throw APIError(400, "bad.request", "A maximum of 50 routing \(target) can be assigned in one request; \(arr.count) were sent.")
                    }
                    // Check all before applying any, so a rejected bulk call changes nothing.
                    for v in arr { _ = try liveTarget(target, v["id"]?.stringValue ?? "") }
                    if method == "PUT" { store.links[rel]?[p[0]] = [:] }
                    for v in arr { _ = try assign(user: p[0], rel: rel, target: target, seg: seg, v) }
                    let items = (store.links[rel]?[p[0]] ?? [:]).values.sorted(by: byName).map { JSONValue.object($0) }
                    return .json(Paging(pageSize: max(items.count, 1), pageNumber: 1).listing(items, path: "/api/v2/users/\(p[0])/\(seg)", request: r))
                }
            }
            for method in ["PUT", "PATCH"] {
                if let p = at(method, "/api/v2/users/{}/\(seg)/{}") {
                    _ = try liveUser(p[0])
                    guard store.links[rel]?[p[0]]?[p[1]] != nil else { throw .notFound("The user has no such routing \(target) assignment.") }
                    var body = try parseObject(r)
                    body["id"] = .string(p[1])
                    return .json(.object(try assign(user: p[0], rel: rel, target: target, seg: seg, .object(body))))
                }
            }
            if let p = at("DELETE", "/api/v2/users/{}/\(seg)/{}") {
                _ = try liveUser(p[0])
                guard store.links[rel]?[p[0]]?[p[1]] != nil else { throw .notFound("The user has no such routing \(target) assignment.") }
                store.links[rel]?[p[0]]?[p[1]] = nil
                dirty = true
                return .empty()
            }
        }

        // Call forwarding and voicemail user policy: one settings object per user.
        for (pattern, setting) in [("/api/v2/users/{}/callforwarding", "callforwarding"), ("/api/v2/voicemail/userpolicies/{}", "voicemailUserPolicy")] {
            if let p = at("GET", pattern) {
                _ = try liveUser(p[0])
                return .json(.object(userSetting(setting, p[0])))
            }
            for method in ["PUT", "PATCH"] {
                if let p = at(method, pattern) {
                    _ = try liveUser(p[0])
                    let body = try parseObject(r)
                    var cur = method == "PUT" ? defaultSetting(setting, p[0]) : userSetting(setting, p[0])
                    for (k, v) in body where !["selfUri", "user", "id"].contains(k) { cur[k] = v }
                    if setting == "callforwarding" { try checkCallForwarding(cur) }
                    store.settings[setting, default: [:]][p[0]] = cur
                    dirty = true
                    return .json(.object(cur))
                }
            }
        }

        // Stations (§2.16).
        if let p = at("GET", "/api/v2/users/{}/station") {
            _ = try liveUser(p[0])
            let s = store.settings["userStation"]?[p[0]] ?? [:]
            var o: JSONObject = [:]
            for key in ["associatedStation", "defaultStation"] {
                if let sid = s[key]?.stringValue, let st = station(sid) {
                    o[key] = ["id": .string(sid), "name": st["name"] ?? .null, "selfUri": .string("/api/v2/stations/\(sid)")]
                }
            }
            o["effectiveStation"] = o["associatedStation"] ?? o["defaultStation"]
            return .json(.object(o))
        }
        for (seg, key) in [("defaultstation", "defaultStation"), ("associatedstation", "associatedStation")] {
            if let p = at("PUT", "/api/v2/users/{}/station/\(seg)/{}") {
                _ = try liveUser(p[0])
                guard station(p[1]) != nil else { throw .notFound("The station \(p[1]) was not found.") }
                // One station belongs to one user at a time (§2.16).
                for (uid, s) in store.settings["userStation"] ?? [:] where uid != p[0] && s[key]?.stringValue == p[1] {
                    if key == "associatedStation" {
                        throw APIError(409, "userservice.stationalreadyassociated", "Station is already associated")
                    }
                    store.settings["userStation"]?[uid]?[key] = nil
                }
                store.settings["userStation", default: [:]][p[0], default: [:]][key] = .string(p[1])
                dirty = true
                return .empty(202)
            }
            if let p = at("DELETE", "/api/v2/users/{}/station/\(seg)") {
                _ = try liveUser(p[0])
                store.settings["userStation"]?[p[0]]?[key] = nil
                dirty = true
                return .empty(202)
            }
        }
        return nil
    }

    func liveUser(_ id: String) throws(APIError) -> JSONObject {
        guard let u = store.get("users", id), !isDeleted(usersKind, u) else { throw .notFound("The user \(id) was not found.") }
        return u
    }

    func liveTarget(_ kind: String, _ id: String) throws(APIError) -> JSONObject {
        guard let k = kinds[kind], let o = store.get(kind, id), !isDeleted(k, o) else {
            throw APIError.invalidValue(field: "id", value: id, message: "The \(kinds[kind]?.label ?? kind) [\(id)] does not exist.")
        }
        return o
    }

    func assign(user: String, rel: String, target: String, seg: String, _ v: JSONValue) throws(APIError) -> JSONObject {
        let id = v["id"]?.stringValue ?? ""
        let t = try liveTarget(target, id)
        let prof = v["proficiency"] ?? 0
        var o: JSONObject = ["id": .string(id), "name": t["name"] ?? .null, "proficiency": prof, "state": "active",
                             "selfUri": .string("/api/v2/users/\(user)/\(seg)/\(id)")]
        o[target == "skills" ? "skillUri" : "languageUri"] = t["selfUri"]
        store.links[rel, default: [:]][user, default: [:]][id] = o
        dirty = true
        return o
    }

    func defaultSetting(_ setting: String, _ user: String) -> JSONObject {
        let u: JSONValue = ["id": .string(user), "selfUri": .string("/api/v2/users/\(user)")]
        switch setting {
        case "callforwarding":
            return ["id": .string(user), "user": u, "enabled": false, "calls": [], "voicemail": "PURECLOUD",
                    "selfUri": .string("/api/v2/users/\(user)/callforwarding")]
        default:
            return ["enabled": true, "alertTimeoutSeconds": 30, "sendEmailNotifications": true]
        }
    }

    func userSetting(_ setting: String, _ user: String) -> JSONObject {
        store.settings[setting]?[user] ?? defaultSetting(setting, user)
    }

    /// §2.18's documented 409s.
    func checkCallForwarding(_ cf: JSONObject) throws(APIError) {
        let targets = cf.values(at: "calls[].targets[]")
        for t in targets where t["type"] == nil {
            throw APIError(409, "callforwarding.calltargetrequirestype", "A call target requires a type.")
        }
        if cf["voicemail"]?.stringValue == "LASTCALL",
           !targets.contains(where: { $0["type"]?.stringValue == "PHONENUMBER" }) {
            throw APIError(409, "callforwarding.voicemaillastcallrequiresatleastonecalltoaphonenumber",
                           "Voicemail LASTCALL requires at least one call to a phone number.")
        }
    }

    func listUsers(_ r: SandboxRequest) throws(APIError) -> SandboxResponse {
        let paging = try Paging(r)
        let ids = r.qAll("id")
        if ids.count > 100 { throw APIError(400, "max.user.ids", "A maximum of 100 user ids may be requested at once.") }
        let state = r.q("state") ?? "active"
        var items = store.all("users")
        if state != "any" { items = items.filter { ($0["state"]?.stringValue ?? "active") == state } }
        if !ids.isEmpty { items = items.filter { ids.contains($0["id"]?.stringValue ?? "") } }
        items.sort(by: byName)
        if r.q("sortOrder")?.lowercased().hasPrefix("desc") == true { items.reverse() }
        return .json(paging.listing(items.map { .object($0) }, path: r.path, request: r))
    }

    // MARK: - Search (users and groups)

    func decodeQ64(_ r: SandboxRequest) throws(APIError) -> JSONObject {
        guard let q = r.q("q64"), let data = Data(base64Encoded: q), let v = try? JSONValue.parse(data), let o = v.objectValue else {
            throw APIError.badRequest("q64 is missing or not a search request.")
        }
        return o
    }

    /// `UserSearchRequest`/`GroupSearchRequest` over the (possibly lagging) index.
    func search(kind: ResourceKind, body: JSONObject, path: String) throws(APIError) -> JSONValue {
        let pageSize = Int(body["pageSize"]?.intValue ?? 25), pageNumber = Int(body["pageNumber"]?.intValue ?? 1)
        guard (1...100).contains(pageSize), pageNumber >= 1 else { throw APIError(400, "invalid.value", "pageSize must be 1–100 and pageNumber at least 1.") }
        let criteria = body["query"]?.arrayValue ?? []
        for c in criteria where c["type"]?.stringValue == nil {
            throw APIError(400, "required.field.missing", "The field [query.type] is required.")
        }
        let mentionsState = criteria.contains { $0["fields"]?.arrayValue?.contains("state") == true }
        var hits: [JSONObject] = []
        for id in (store.entities[kind.name] ?? [:]).keys {
            guard let o = searchView(id) else { continue }
            if !mentionsState && o["state"]?.stringValue == "deleted" { continue }
            var all = true
            for c in criteria where !(try Self.matches(o, c)) { all = false; break }
            if all { hits.append(o) }
        }
        hits.sort(by: byName)
        if body["sortOrder"]?.stringValue == "DESC" { hits.reverse() }
        let total = hits.count
        let pageCount = (total + pageSize - 1) / pageSize
        let from = min((pageNumber - 1) * pageSize, total)
        var out: JSONObject = ["total": .int(Int64(total)), "pageCount": .int(Int64(pageCount)),
                               "pageSize": .int(Int64(pageSize)), "pageNumber": .int(Int64(pageNumber)),
                               "types": [.string(kind.name)],
                               "results": .array(hits[from..<min(from + pageSize, total)].map { .object($0) })]
        func token(_ n: Int) -> JSONValue {
            var b = body
            b["pageNumber"] = .int(Int64(n))
            return .string(JSONValue.object(b).canonicalData().base64EncodedString())
        }
        out["currentPage"] = token(pageNumber)
        if pageNumber < pageCount { out["nextPage"] = token(pageNumber + 1) }
        if pageNumber > 1 { out["previousPage"] = token(pageNumber - 1) }
        return .object(out)
    }

    static func matches(_ o: JSONObject, _ c: JSONValue) throws(APIError) -> Bool {
        let type = c["type"]?.stringValue ?? ""
        if type == "MATCH_ALL" { return true }
        var wanted: [String] = c["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let v = c["value"]?.stringValue { wanted.append(v) }
        let fields = c["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var result: Bool
        if let group = c["group"]?.arrayValue, !group.isEmpty {
            let op = c["operator"]?.stringValue ?? "AND"
            var rs: [Bool] = []
            for g in group { rs.append(try matches(o, g)) }
            result = op == "OR" ? rs.contains(true) : rs.allSatisfy { $0 }
        } else {
            let have = fields.flatMap { fieldValues(o, $0) }.map { $0.lowercased() }
            let w = wanted.map { $0.lowercased() }
            switch type {
            case "EXACT", "TERM", "TERMS": result = have.contains { w.contains($0) }
            case "STARTS_WITH": result = have.contains { h in w.contains { h.hasPrefix($0) } }
            case "CONTAINS": result = have.contains { h in w.contains { h.contains($0) } }
            case "REQUIRED_FIELDS": result = !have.isEmpty
            default: throw APIError(400, "invalid.value", "Search type [\(type)] is not supported by the sandbox.")
            }
        }
        if c["operator"]?.stringValue == "NOT" && c["group"] == nil { result.toggle() }
        return result
    }

    static func fieldValues(_ o: JSONObject, _ field: String) -> [String] {
        switch field {
        case "addresses", "addresses.address", "phone":
            return o.values(at: "addresses[]").flatMap { [$0["address"]?.stringValue, $0["extension"]?.stringValue].compactMap { $0 } }
        case "state": return [o["state"]?.stringValue ?? "active"]
        default: return o.values(at: field).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        }
    }
}

extension Paging {
    init(pageSize: Int, pageNumber: Int) {
        self.pageSize = pageSize
        self.pageNumber = pageNumber
    }
}
