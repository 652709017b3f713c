import Common
import Foundation

/// Typed operations over the resource catalogue. Bodies are JSON with every `@ref`/`@ext`
/// already resolved (see `LogicalRefs.resolve`); the client refuses bodies that still hold one.
extension GenesysClient {
    public func spec(_ type: ResourceType) -> ResourceSpec { configuration.catalogue[type] }

    /// Creates an object (or writes a settings child such as call forwarding) and returns the
    /// entity the platform answers with (`null` for empty answers such as member adds).
    ///
    /// Throws `GenesysClientError.api` with a `GenesysAPIError`; use `spec(type).isDuplicate(_:)`
    /// to recognise "already exists", and expect `.outcomeUnknown` for a POST whose answer was lost.
    public func create(_ type: ResourceType, body: JSONValue?, parentId: String? = nil, id: String? = nil,
                       query: [(name: String, value: String)] = []) async throws -> JSONValue {
        let s = spec(type)
        guard let ep = s.create else { throw GenesysClientError.invalidRequest("\(type.rawValue) cannot be created by the uploader") }
        try Self.refuseUnresolved(body, type)
        let path = try ep.path(id: id, parentId: parentId)
        let request = body.map {
            APIRequest(ep.method, path, template: ep.path, query: query, json: $0, idempotent: s.createIsIdempotent,
                       successStatuses: s.createStatuses.union(200..<300))
        } ?? APIRequest(ep.method, path, template: ep.path, query: query, idempotent: s.createIsIdempotent)
        return try await send(request).json()
    }

    /// Reads an object; nil when it does not exist (404).
    public func get(_ type: ResourceType, id: String? = nil, parentId: String? = nil,
                    query: [(name: String, value: String)] = []) async throws -> JSONValue? {
        guard let ep = spec(type).read else { throw GenesysClientError.invalidRequest("\(type.rawValue) cannot be read") }
        do {
            return try await send(APIRequest(.GET, try ep.path(id: id, parentId: parentId), template: ep.path, query: query)).json()
        } catch let e as GenesysClientError where e.apiError?.status == 404 {
            return nil
        }
    }

    /// Updates an object. When the type needs a version and `version` is nil, the current one is
    /// read first (GET) and put into the body; a 409/400 version conflict is then retried once
    /// with a fresh read. Returns the updated entity.
    public func update(_ type: ResourceType, id: String, body: JSONValue, version: Int64? = nil,
                       parentId: String? = nil) async throws -> JSONValue {
        let s = spec(type)
        guard let u = s.update else { throw GenesysClientError.invalidRequest("\(type.rawValue) cannot be updated") }
        try Self.refuseUnresolved(body, type)
        let path = try u.endpoint.path(id: id, parentId: parentId)
        var retriedConflict = false
        while true {
            var b = body
            if u.needsVersion, case .object(var o) = b {
                if let version, !retriedConflict {
                    o["version"] = .int(version)
                } else {
                    o["version"] = .int(try await currentVersion(type, id: id, parentId: parentId))
                }
                b = .object(o)
            }
            do {
                return try await send(APIRequest(u.endpoint.method, path, template: u.endpoint.path, json: b)).json()
            } catch let e as GenesysClientError where u.needsVersion && !retriedConflict && (e.apiError?.isVersionConflict ?? false) {
                retriedConflict = true
            }
        }
    }

    /// The `version` of an object as it is now.
    public func currentVersion(_ type: ResourceType, id: String, parentId: String? = nil) async throws -> Int64 {
        guard let entity = try await get(type, id: id, parentId: parentId) else {
            throw GenesysClientError.api(GenesysAPIError(status: 404, code: "not.found", message: "\(type.rawValue) \(id) does not exist"))
        }
        guard let v = entity["version"]?.intValue else {
            throw GenesysClientError.invalidResponse(request: "GET \(spec(type).read?.path ?? type.rawValue)", "no integer version")
        }
        return v
    }

    /// Deletes an object. A 404 counts as done (the goal state is reached).
    public func delete(_ type: ResourceType, id: String, parentId: String? = nil,
                       query: [(name: String, value: String)] = []) async throws {
        guard let ep = spec(type).delete else { throw GenesysClientError.invalidRequest("\(type.rawValue) cannot be deleted") }
        do {
            _ = try await send(APIRequest(.DELETE, try ep.path(id: id, parentId: parentId), template: ep.path, query: query))
        } catch let e as GenesysClientError where e.apiError?.status == 404 {
            return
        }
    }

    /// Finds existing objects whose natural key equals `key` exactly (research §2 lookups).
    /// Objects in state `deleted` are left out unless `includeDeleted`. For `.membership` and
    /// `.singleton` types it returns the parent's current children / settings.
    public func lookup(_ type: ResourceType, key: String, parentId: String? = nil,
                       includeDeleted: Bool = false) async throws -> [JSONValue] {
        let s = spec(type)
        let field = s.naturalKey ?? "name"
        func keep(_ e: JSONValue) -> Bool {
            guard includeDeleted || e["state"]?.stringValue != "deleted" else { return false }
            return Self.value(at: field, in: e)?.stringValue == key
        }
        switch s.lookup {
        case .listFilter(let path, let parameter, let f):
            return try await list(path, query: [(parameter, key)]).filter {
                (includeDeleted || $0["state"]?.stringValue != "deleted") && Self.value(at: f, in: $0)?.stringValue == key
            }
        case .scan(let path, let f):
            return try await list(path).filter {
                (includeDeleted || $0["state"]?.stringValue != "deleted") && Self.value(at: f, in: $0)?.stringValue == key
            }
        case .search(let path, let f):
            return try await search(path, field: f, value: key).filter(keep)
        case .membership(let path):
            return try await list(try Endpoint(.GET, path).path(parentId: parentId), template: path)
        case .singleton:
            return try await get(type, parentId: parentId).map { [$0] } ?? []
        case .none:
            return []
        }
    }

    /// All entities of a page-number listing (`entities`, `pageCount`), following every page.
    /// A listing whose operation declares no `pageSize` in Genesys's SDK (presence definitions)
    /// is read in one request, without paging parameters.
    public func list(_ path: String, query: [(name: String, value: String)] = [], template: String? = nil) async throws -> [JSONValue] {
        if let op = APIEndpoints.shipped.operation("GET", template ?? path), !op.query.contains("pageSize") {
            let json = try await send(APIRequest(.GET, path, template: template ?? path, query: query)).json()
            return json["entities"]?.arrayValue ?? json.arrayValue ?? []
        }
        var out: [JSONValue] = []
        var page = 1
        while page <= 100_000 {
            let q = query + [("pageSize", String(configuration.pageSize)), ("pageNumber", String(page))]
            let json = try await send(APIRequest(.GET, path, template: template ?? path, query: q)).json()
            let entities = json["entities"]?.arrayValue ?? []
            out += entities
            let pageCount = json["pageCount"]?.intValue
            if entities.isEmpty { break }
            if let pageCount { if Int64(page) >= pageCount { break } } else if entities.count < configuration.pageSize { break }
            page += 1
        }
        return out
    }

    /// EXACT search on one field (users, groups), all pages of `results`. Read-only, so retried
    /// like a GET.
    public func search(_ path: String, field: String, value: String, extraCriteria: [JSONValue] = []) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        var page: Int64 = 1
        while page <= 10_000 {
            let body: JSONValue = [
                "query": .array([["fields": [.string(field)], "value": .string(value), "type": "EXACT"]] + extraCriteria),
                "pageSize": .int(Int64(configuration.pageSize)), "pageNumber": .int(page),
            ]
            let json = try await send(APIRequest(.POST, path, json: body, idempotent: true)).json()
            let results = json["results"]?.arrayValue ?? []
            out += results
            guard !results.isEmpty, let pageCount = json["pageCount"]?.intValue, page < pageCount else { break }
            page += 1
        }
        return out
    }

    /// Sends a bulk child body (queue members, queue wrap-up codes, user skills, group members)
    /// in requests of at most the type's batch limit. `items` are the array elements
    /// (`{"id": …}`, `{"id": …, "proficiency": …}`); for group members, user ids as strings,
    /// wrapped with the group's current version for each request.
    public func addChildren(_ type: ResourceType, parentId: String, items: [JSONValue]) async throws {
        let s = spec(type)
        guard s.create != nil, s.parent != nil else { throw GenesysClientError.invalidRequest("\(type.rawValue) has no bulk add") }
        let limit = max(1, s.batchLimit ?? items.count)
        var start = 0
        while start < items.count {
            let chunk = Array(items[start..<min(start + limit, items.count)])
            start += limit
            let body: JSONValue
            var query: [(name: String, value: String)] = []
            switch type {
            case .groupMembers:
                let version = try await currentVersion(.groups, id: parentId)
                body = ["memberIds": .array(chunk), "version": .int(version)]
            case .queueMembers:
                query = [("delete", "false")]
                body = .array(chunk)
            default:
                body = .array(chunk)
            }
            _ = try await create(type, body: body, parentId: parentId, query: query)
        }
    }

    /// A dotted path into an entity (`languageLabels.en_US`).
    static func value(at path: String, in v: JSONValue) -> JSONValue? {
        var cur: JSONValue? = v
        for part in path.split(separator: ".") { cur = cur?[String(part)] }
        return cur
    }

    static func refuseUnresolved(_ body: JSONValue?, _ type: ResourceType) throws {
        guard let body, let first = try? LogicalRefs.occurrences(in: body).first else { return }
        throw LogicalRefError.unresolved(first.ref, path: first.path,
                                         reason: "the \(type.rawValue) body still holds a logical reference; resolve it before sending")
    }
}
