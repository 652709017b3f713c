import Common
import Foundation

/// `/sandbox/*`: journal, state dump, reset, seed and the upload stand-in. Not part of the
/// Genesys API, never rate-limited or faulted, and reachable on loopback only like the rest.
extension GenesysEngine {
    func sandboxEndpoint(_ r: SandboxRequest) throws(APIError) -> SandboxResponse {
        let segs = r.path.split(separator: "/")
        switch (r.method, r.path) {
        case ("GET", "/sandbox/journal"):
            let since = Int(r.q("since") ?? "0") ?? 0
            let entries = journalEntries(since: since)
            let v: JSONValue
            do { v = try JSONValue.from(entries) } catch { throw APIError(500, "internal.server.error", "journal encoding failed") }
            return .json(["entries": v, "last": .int(Int64(journalSeq))])
        case ("GET", "/sandbox/state"):
            return .json(stateDump())
        case ("POST", "/sandbox/reset"):
            // Tokens survive a reset: a test resets the org, not its own credentials.
            let tokens = store.tokens
            store = Store(seed: config.idSeed)
            store.tokens = tokens
            installBaseline()
            journal = []
            limiter = RateLimiter(config: config.rateLimit)
            faultRNG = SplitMix64(seed: config.faults.seed)
            dirty = true
            return .json(["reset": true])
        case ("POST", "/sandbox/seed"):
            guard let doc = try parseBody(r).objectValue else { throw APIError.badRequest("The seed must be an object of kind → [objects].") }
            var created: JSONObject = [:]
            for kind in doc.keys.sorted(by: { Self.seedOrder($0) < Self.seedOrder($1) }) {
                guard let arr = doc[kind]?.arrayValue else { throw APIError.badRequest("Seed \(kind) must be an array.") }
                var ids: [JSONValue] = []
                for v in arr {
                    guard let o = v.objectValue else { throw APIError.badRequest("Seed \(kind) entries must be objects.") }
                    ids.append(.string(try seedOne(kind: kind, o)))
                }
                created[kind] = .array(ids)
            }
            return .json(["created": .object(created)])
        case ("GET", "/sandbox/health"):
            return .json(["ok": true])
        default:
            if r.method == "PUT", segs.count == 4, segs[1] == "uploads", segs[2] == "flowjobs" {
                return try uploadFlowYAML(String(segs[3]), r)
            }
            if r.method == "PUT", segs.count == 5, segs[1] == "uploads", segs[2] == "prompts" {
                guard var res = store.links["promptResources"]?[String(segs[3])]?[String(segs[4])] else { throw .notFound() }
                res["uploadStatus"] = "transcoded"
                res["mediaUri"] = .string("\(baseURL)/sandbox/uploads/prompts/\(segs[3])/\(segs[4])")
                store.links["promptResources"]?[String(segs[3])]?[String(segs[4])] = res
                dirty = true
                return .empty()
            }
            throw .notFound("No sandbox resource at \(r.method) \(r.path).")
        }
    }

    /// Seeds one object through the same rules as the API (so a seed cannot create an object the
    /// platform would refuse), optionally with a fixed `id`. Relations ride along:
    /// users may carry `routingSkills: [{id, proficiency}]`, queues `memberIds`, groups `memberIds`.
    func seedOne(kind: String, _ o: JSONObject) throws(APIError) -> String {
        guard let k = kinds[kind] else { throw APIError.badRequest("Unknown seed kind \(kind); use one of \(kindList.map(\.name).joined(separator: ", ")).") }
        var body = o
        let fixed = body["id"]?.stringValue
        let skills = body.removeValue(forKey: "routingSkills")
        let members = body.removeValue(forKey: "memberIds")
        let state = body["state"]?.stringValue
        if kind == "users" { body["state"] = nil }
        // Against the body model the SDK gives the kind's create; server-set fields may ride along.
        let relaxed = kind == "users" ? (config.rules.userDivisionIdOptional ? ["divisionId"] : []) : k.relaxedRequired
        try validate(.object(body.filter { !["id", "version", "selfUri", "state"].contains($0.key) }), model: createModel(k),
                     relaxed: relaxed, lenient: true)
        var created = try create(k, body, fixedId: fixed)
        guard let id = created["id"]?.stringValue else { throw APIError(500, "internal.server.error", "seed produced no id") }
        for s in skills?.arrayValue ?? [] { _ = try assign(user: id, rel: "userSkills", target: "skills", seg: "routingskills", s) }
        if let m = members?.arrayValue?.compactMap(\.stringValue) {
            for uid in m {
                let u = try liveTarget("users", uid)
                if kind == "queues" {
                    store.links["queueMembers", default: [:]][id, default: [:]][uid] =
                        ["id": .string(uid), "name": u["name"] ?? .null, "ringNumber": 1, "joined": true, "memberBy": "user",
                         "selfUri": .string("/api/v2/routing/queues/\(id)/members/\(uid)")]
                } else if kind == "groups" {
                    store.links["groupMembers", default: [:]][id, default: [:]][uid] = ["id": .string(uid), "name": u["name"] ?? .null]
                }
            }
        }
        if let state, state != created["state"]?.stringValue, k.hasState {
            // Seeds may start soft-deleted or inactive ("a pre-existing deleted user").
            created["state"] = .string(state)
            store.put(kind, created)
            mutated(id, created)
        }
        // Seeded objects exist "since before the run": already searchable.
        store.index[id]?.visibleAt = clock.now()
        return id
    }

    /// A new org: the home division, the system presences, one location and site.
    func installBaseline() {
        let homeId = "00000000-0000-4000-8000-000000000001"
        store.put("divisions", ["id": .string(homeId), "name": "Home", "description": "Home Division", "homeDivision": true,
                                "version": 1, "selfUri": .string("/api/v2/authorization/divisions/\(homeId)")])
        for (i, sp) in systemPresences.enumerated() {
            let id = String(format: "00000000-0000-4000-8000-0000000001%02d", i)
            store.put("presencedefinitions", ["id": .string(id), "languageLabels": ["en_US": .string(sp)], "systemPresence": .string(sp),
                                              "type": "System", "deactivated": false, "version": 1,
                                              "selfUri": .string("/api/v2/presence/definitions/\(id)")])
        }
        let locId = "00000000-0000-4000-8000-000000000201", siteId = "00000000-0000-4000-8000-000000000301"
        store.put("locations", ["id": .string(locId), "name": "Sandbox HQ", "state": "active", "version": 1,
                                "selfUri": .string("/api/v2/locations/\(locId)")])
        store.put("sites", ["id": .string(siteId), "name": "Sandbox Site", "location": ref(locId, "Sandbox HQ", "/api/v2/locations/\(locId)"),
                            "mediaModel": "Cloud", "state": "active", "version": 1,
                            "selfUri": .string("\(ResourceKind.edges)/sites/\(siteId)")])
        for (kind, objs) in store.entities {
            _ = kind
            for (id, o) in objs { store.index[id] = IndexEntry(previous: nil, current: o, visibleAt: 0) }
        }
        dirty = true
    }

    func stateDump() -> JSONValue {
        var out: JSONObject = [:]
        for (kind, objs) in store.entities {
            out[kind] = .array(objs.values.sorted(by: byName).map { .object($0) })
        }
        var links: JSONObject = [:]
        for (rel, parents) in store.links {
            links[rel] = .object(parents.mapValues { .array($0.values.sorted(by: byName).map { .object($0) }) })
        }
        out["_links"] = .object(links)
        out["_settings"] = .object(store.settings.mapValues { .object($0.mapValues { .object($0) }) })
        out["_flowJobs"] = .array(store.jobs.values.sorted { $0.registeredAt < $1.registeredAt }.map { j in
            ["id": .string(j.id), "status": .string(j.status), "flowId": j.flowId.map { .string($0) } ?? .null,
             "messages": .array(j.messages.map { .object($0) })]
        })
        return .object(out)
    }
}
