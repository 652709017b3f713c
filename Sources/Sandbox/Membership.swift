import Common
import Foundation

/// Queue members and wrap-up codes (§2.6, §2.8), group members, search and group-ring policy
/// (§2.9), and the telephony read endpoints (§2.15–§2.17).
extension GenesysEngine {
    func routingRoutes(_ r: SandboxRequest, _ at: (String, String) -> [String]?) throws(APIError) -> SandboxResponse? {
        // Bulk add or delete up to 100 members (§2.8); empty answer.
        if let p = at("POST", "/api/v2/routing/queues/{}/members") {
            _ = try liveQueue(p[0])
            guard let arr = try parseBody(r).arrayValue else { throw APIError.badRequest() }
            if arr.count > 100 {
                throw APIError(400, "bad.request", "Bulk add or delete up to 100 queue members; \(arr.count) were sent.")
            }
            let ids = arr.compactMap { $0["id"]?.stringValue }
            guard ids.count == arr.count else { throw APIError(400, "required.field.missing", "The field [id] is required.") }
            let deleting = r.q("delete") == "true"
            if !deleting { for id in ids { _ = try liveTarget("users", id) } }
            for id in ids {
                if deleting {
                    store.links["queueMembers"]?[p[0]]?[id] = nil
                } else if store.links["queueMembers"]?[p[0]]?[id] == nil, let u = store.get("users", id) {
                    store.links["queueMembers", default: [:]][p[0], default: [:]][id] =
                        ["id": .string(id), "name": u["name"] ?? .null, "ringNumber": 1, "joined": true, "memberBy": "user",
                         "user": ref(id, u["name"]?.stringValue, "/api/v2/users/\(id)"),
                         "selfUri": .string("/api/v2/routing/queues/\(p[0])/members/\(id)")]
                }
            }
            dirty = true
            return .empty()
        }
        if let p = at("GET", "/api/v2/routing/queues/{}/members") {
            _ = try liveQueue(p[0])
            var items = Array((store.links["queueMembers"]?[p[0]] ?? [:]).values)
            if let j = r.q("joined") { items = items.filter { $0["joined"]?.boolValue == (j == "true") } }
            if let n = r.q("name") { items = items.filter { ($0["name"]?.stringValue ?? "").lowercased().contains(n.lowercased()) } }
            items.sort(by: byName)
            return .json(try Paging(r, maxPageSize: 100).listing(items.map { .object($0) }, path: r.path, request: r))
        }
        if let p = at("PATCH", "/api/v2/routing/queues/{}/members") {
            _ = try liveQueue(p[0])
            guard let arr = try parseBody(r).arrayValue else { throw APIError.badRequest() }
            if arr.count > 100 { throw APIError(400, "bad.request", "Update up to 100 queue members; \(arr.count) were sent.") }
            for v in arr {
                guard let id = v["id"]?.stringValue, store.links["queueMembers"]?[p[0]]?[id] != nil else {
                    throw .notFound("The user \(v["id"]?.stringValue ?? "") is not a member of the queue.")
                }
            }
            for v in arr { if let id = v["id"]?.stringValue { patchMember(p[0], id, v) } }
            return .empty(202)
        }
        if let p = at("PATCH", "/api/v2/routing/queues/{}/members/{}") {
            _ = try liveQueue(p[0])
            let body = try parseBody(r)
            guard store.links["queueMembers"]?[p[0]]?[p[1]] != nil else { throw .notFound("The user is not a member of the queue.") }
            patchMember(p[0], p[1], body)
            return .empty(202)
        }
        if let p = at("DELETE", "/api/v2/routing/queues/{}/members/{}") {
            _ = try liveQueue(p[0])
            guard store.links["queueMembers"]?[p[0]]?[p[1]] != nil else { throw .notFound("The user is not a member of the queue.") }
            store.links["queueMembers"]?[p[0]]?[p[1]] = nil
            dirty = true
            return .empty()
        }
        // Wrap-up codes on a queue: up to 100 per call (§2.6).
        if let p = at("POST", "/api/v2/routing/queues/{}/wrapupcodes") {
            _ = try liveQueue(p[0])
            guard let arr = try parseBody(r).arrayValue else { throw APIError.badRequest() }
            if arr.count > 100 { throw APIError(400, "bad.request", "Add up to 100 wrap-up codes to a queue; \(arr.count) were sent.") }
            var out: [JSONValue] = []
            for v in arr { out.append(.object(try liveTarget("wrapupcodes", v["id"]?.stringValue ?? ""))) }
            for v in arr {
                if let id = v["id"]?.stringValue, let c = store.get("wrapupcodes", id) { store.links["queueWrapupcodes", default: [:]][p[0], default: [:]][id] = c }
            }
            dirty = true
            return .json(.array(out))
        }
        if let p = at("GET", "/api/v2/routing/queues/{}/wrapupcodes") {
            _ = try liveQueue(p[0])
            var items = Array((store.links["queueWrapupcodes"]?[p[0]] ?? [:]).values)
            if let n = r.q("name") { items = items.filter { Self.nameMatches($0["name"]?.stringValue, n, .wildcard) } }
            items.sort(by: byName)
            return .json(try Paging(r).listing(items.map { .object($0) }, path: r.path, request: r))
        }
        if let p = at("DELETE", "/api/v2/routing/queues/{}/wrapupcodes/{}") {
            _ = try liveQueue(p[0])
            guard store.links["queueWrapupcodes"]?[p[0]]?[p[1]] != nil else { throw .notFound("The wrap-up code is not on the queue.") }
            store.links["queueWrapupcodes"]?[p[0]]?[p[1]] = nil
            dirty = true
            return .empty()
        }
        // Wrap-up codes on a queue keep the queue alive: a code in use cannot be deleted.
        if let p = at("DELETE", "/api/v2/routing/wrapupcodes/{}") {
            if store.links["queueWrapupcodes"]?.values.contains(where: { $0[p[0]] != nil }) == true {
                throw APIError(409, "general.conflict", "The wrap-up code cannot be deleted because it is assigned to one or more queues.")
            }
            return nil
        }
        return nil
    }

    func liveQueue(_ id: String) throws(APIError) -> JSONObject {
        guard let q = store.get("queues", id) else { throw .notFound("The queue \(id) was not found.") }
        return q
    }

    func patchMember(_ queue: String, _ user: String, _ v: JSONValue) {
        guard var m = store.links["queueMembers"]?[queue]?[user] else { return }
        if let j = v["joined"] { m["joined"] = j }
        if let n = v["ringNumber"] { m["ringNumber"] = n }
        store.links["queueMembers"]?[queue]?[user] = m
        dirty = true
    }

    // MARK: - Groups

    func groupRoutes(_ r: SandboxRequest, _ at: (String, String) -> [String]?) throws(APIError) -> SandboxResponse? {
        guard let gk = kinds["groups"] else { return nil }
        if at("POST", "/api/v2/groups/search") != nil { return .json(try search(kind: gk, body: try parseObject(r), path: r.path)) }
        if at("GET", "/api/v2/groups/search") != nil { return .json(try search(kind: gk, body: try decodeQ64(r), path: r.path)) }
        // GroupUpdate.version is REQ (§1): PUT without it is refused by the contract check.
        if let p = at("POST", "/api/v2/groups/{}/members") {
            var g = try get(gk, p[0])
            let body = try parseObject(r)
            let ids = body["memberIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if ids.count > 50 { throw APIError(400, "bad.request", "A maximum of 50 members can be added in one request; \(ids.count) were sent.") }
            try checkVersion(gk, g, body)
            for id in ids { _ = try liveTarget("users", id) }
            for id in ids {
                if let u = store.get("users", id) {
                    store.links["groupMembers", default: [:]][p[0], default: [:]][id] = ["id": .string(id), "name": u["name"] ?? .null, "selfUri": u["selfUri"] ?? .null]
                }
            }
            bumpGroup(&g)
            return .empty(202)
        }
        if let p = at("DELETE", "/api/v2/groups/{}/members") {
            var g = try get(gk, p[0])
            let ids = r.qAll("ids")
            if ids.isEmpty { throw APIError(400, "required.field.missing", "The query parameter [ids] is required.") }
            if ids.count > 50 { throw APIError(400, "bad.request", "A maximum of 50 members can be removed in one request; \(ids.count) were sent.") }
            for id in ids { store.links["groupMembers"]?[p[0]]?[id] = nil }
            bumpGroup(&g)
            return .empty(202)
        }
        if let p = at("GET", "/api/v2/groups/{}/members") {
            _ = try get(gk, p[0])
            let items = (store.links["groupMembers"]?[p[0]] ?? [:]).keys.compactMap { store.get("users", $0) }.sorted(by: byName)
            return .json(try Paging(r).listing(items.map { .object($0) }, path: r.path, request: r))
        }
        // Group ring / call policy (§2.9).
        if let p = at("GET", "/api/v2/voicemail/groups/{}/policy") {
            _ = try get(gk, p[0])
            return .json(.object(groupPolicy(p[0])))
        }
        if let p = at("PATCH", "/api/v2/voicemail/groups/{}/policy") {
            _ = try get(gk, p[0])
            let body = try parseObject(r)
            if let ov = body["overflowGroupId"]?.stringValue, store.get("groups", ov) == nil {
                throw APIError.invalidValue(field: "overflowGroupId", value: ov, message: "The group [\(ov)] does not exist.")
            }
            var cur = groupPolicy(p[0])
            for (k, v) in body where k != "group" { cur[k] = v }
            store.settings["voicemailGroupPolicy", default: [:]][p[0]] = cur
            dirty = true
            return .json(.object(cur))
        }
        return nil
    }

    /// Membership changes bump the group's version [verify], so a stale GroupUpdate fails.
    func bumpGroup(_ g: inout JSONObject) {
        g["version"] = .int((g["version"]?.intValue ?? 1) + 1)
        g["memberCount"] = .int(Int64(store.links["groupMembers"]?[g["id"]?.stringValue ?? ""]?.count ?? 0))
        store.put("groups", g)
        if let id = g["id"]?.stringValue { mutated(id, g) }
    }

    func groupPolicy(_ id: String) -> JSONObject {
        store.settings["voicemailGroupPolicy"]?[id] ?? [
            "group": ["id": .string(id), "selfUri": .string("/api/v2/groups/\(id)")], "enabled": false,
            "sendEmailNotifications": false, "rotateCallsSecs": 5, "stopRingingAfterRotations": 2, "groupAlertType": "RANDOM",
        ]
    }

    // MARK: - Telephony reads

    func telephonyRoutes(_ r: SandboxRequest, _ at: (String, String) -> [String]?) throws(APIError) -> SandboxResponse? {
        let e = ResourceKind.edges
        if at("GET", "/api/v2/stations") != nil {
            var items = stations()
            if let n = r.q("name") { items = items.filter { Self.nameMatches($0["name"]?.stringValue, n, .wildcard) } }
            if let u = r.q("webRtcUserId") { items = items.filter { $0["webRtcUserId"]?.stringValue == u } }
            if let l = r.q("lineAppearanceId") { items = items.filter { $0["lineAppearanceId"]?.stringValue == l } }
            let ids = Set(r.qAll("id"))
            if !ids.isEmpty { items = items.filter { ids.contains($0["id"]?.stringValue ?? "") } }
            return .json(try Paging(r).listing(items.sorted(by: byName).map { .object($0) }, path: r.path, request: r))
        }
        if let p = at("GET", "/api/v2/stations/{}") {
            guard let s = station(p[0]) else { throw .notFound("The station \(p[0]) was not found.") }
            return .json(.object(s))
        }
        if let p = at("DELETE", "/api/v2/stations/{}/associateduser") {
            guard station(p[0]) != nil else { throw .notFound("The station \(p[0]) was not found.") }
            for (uid, s) in store.settings["userStation"] ?? [:] where s["associatedStation"]?.stringValue == p[0] {
                store.settings["userStation"]?[uid]?["associatedStation"] = nil
            }
            dirty = true
            return .empty()
        }
        // Who owns an extension / a DID (§2.1 "useful for idempotent re-runs").
        if at("GET", "\(e)/extensions") != nil {
            var items: [JSONValue] = []
            for u in store.all("users") where u["state"]?.stringValue != "deleted" {
                for a in u.values(at: "addresses[]") {
                    guard let x = a["extension"]?.stringValue, r.q("number").map({ $0 == x }) ?? true, let uid = u["id"]?.stringValue else { continue }
                    var o: JSONObject = ["id": .string("ext-\(x)"), "number": .string(x), "ownerType": "USER",
                                         "owner": ref(uid, u["name"]?.stringValue, "/api/v2/users/\(uid)")]
                    if let pool = extensionPool(for: x), let pid = pool["id"]?.stringValue {
                        o["extensionPool"] = ref(pid, pool["name"]?.stringValue, "\(e)/extensionpools/\(pid)")
                    }
                    items.append(.object(o))
                }
            }
            return .json(try Paging(r).listing(items, path: r.path, request: r))
        }
        if at("GET", "\(e)/dids") != nil {
            var numbers: [String] = []
            for u in store.all("users") { numbers += u.values(at: "addresses[]").compactMap { $0["address"]?.stringValue } }
            for i in store.all("ivrs") { numbers += i.values(at: "dnis[]").compactMap(\.stringValue) }
            for g in store.all("groups") { numbers += g.values(at: "addresses[]").compactMap { $0["address"]?.stringValue } }
            var items: [JSONValue] = []
            for n in Set(numbers).sorted() {
                guard let pool = didPool(for: n), let pid = pool["id"]?.stringValue, let owner = numberOwner(n) else { continue }
                if let want = r.q("phoneNumber"), want != n { continue }
                if let o = r.q("owner.id"), o != owner.id { continue }
                items.append(["id": .string("did-\(n)"), "name": .string(n), "phoneNumber": .string(n), "ownerType": .string(owner.type),
                              "owner": ref(owner.id, owner.name, "/api/v2/\(owner.kind)/\(owner.id)"),
                              "didPool": ref(pid, pool["name"]?.stringValue, "\(e)/didpools/\(pid)")])
            }
            return .json(try Paging(r).listing(items, path: r.path, request: r))
        }
        if at("GET", "\(e)/phonebasesettings/availablemetabases") != nil {
            let items: [JSONValue] = Self.phoneMetaBases.map { ["id": .string($0.0), "name": .string($0.1)] }
            return .json(try Paging(r).listing(items, path: r.path, request: r))
        }
        if at("GET", "\(e)/phonebasesettings/template") != nil {
            guard let mb = r.q("phoneMetabaseId"), let meta = Self.phoneMetaBases.first(where: { $0.0 == mb }) else {
                throw .notFound("The phone metabase was not found.")
            }
            return .json(["name": .string(meta.1), "phoneMetaBase": ["id": .string(meta.0), "name": .string(meta.1)],
                          "lines": [["name": "Line 1", "lineMetaBase": ["id": .string(meta.2)]]], "properties": [:]])
        }
        if at("GET", "\(e)/lines") != nil {
            let lines: [JSONValue] = store.all("phones").flatMap { $0["lines"]?.arrayValue ?? [] }
            return .json(try Paging(r).listing(lines, path: r.path, request: r))
        }
        return nil
    }

    /// Make/models offered by `availablemetabases` (id, name, line metabase id).
    static let phoneMetaBases: [(String, String, String)] = [
        ("inin_webrtc_softphone.json", "PureCloud WebRTC Phone", "webrtc_line.json"),
        ("inin_remote_station.json", "Remote Station", "remote_line.json"),
        ("polycom_vvx_400.json", "Polycom VVX 400", "polycom_line.json"),
    ]
}
