import Common
import Foundation
import TestSupport
@testable import GenesysCloud

/// An in-memory Genesys Cloud org over `TestHTTPServer`, enough for the uploader's endpoints:
/// OAuth client credentials with expiring tokens, per-token rate limit (429 + Retry-After),
/// duplicate detection on natural keys, versions, members, searches, a request journal, a state
/// dump and seeded fault injection (5xx before processing, 5xx or a dropped connection *after*
/// processing, which is what makes outcomes unknown).
///
/// `@unchecked Sendable`: all state is guarded by `lock`.
final class FakeOrg: @unchecked Sendable {
    struct Faults: Sendable {
        /// Share of API requests that fail (half before processing, half after).
        var rate = 0.0
        var seed: UInt64 = 1
    }

    struct Collection {
        let name: String
        let path: String
        let key: String
        var dupStatus = 409
        var dupCode = "general.conflict"
        var versioned = true
    }

    static let collections: [Collection] = [
        .init(name: "divisions", path: "/api/v2/authorization/divisions", key: "name", versioned: false),
        .init(name: "skills", path: "/api/v2/routing/skills", key: "name", versioned: false),
        .init(name: "languages", path: "/api/v2/routing/languages", key: "name", versioned: false),
        .init(name: "wrapupcodes", path: "/api/v2/routing/wrapupcodes", key: "name", dupStatus: 400, dupCode: "duplicate.name", versioned: false),
        .init(name: "users", path: "/api/v2/users", key: "email"),
        .init(name: "groups", path: "/api/v2/groups", key: "name"),
        .init(name: "queues", path: "/api/v2/routing/queues", key: "name", dupStatus: 400, dupCode: "duplicate.name", versioned: false),
        .init(name: "sites", path: "/api/v2/telephony/providers/edges/sites", key: "name", versioned: false),
        .init(name: "flows", path: "/api/v2/flows", key: "name", versioned: false),
    ]

    private let lock = NSLock()
    private var objects: [String: [String: JSONValue]] = [:]       // collection → id → entity
    private var members: [String: [JSONValue]] = [:]     // "queues/<id>/members" → items
    private var tokens: [String: Date] = [:]
    private var minted = 0
    private var nextID = 0
    private var rng: SplitMix64
    private var window: [String: [Date]] = [:]
    private var _journal: [String] = []
    private(set) var server: TestHTTPServer!

    let clientID: String
    let clientSecret: String
    var tokenLifetime: Int
    var faults: Faults
    /// Requests per minute per token; 0 = unlimited.
    var rateLimit: Int

    init(clientID: String = "upload-test-client", clientSecret: String = "S3cr3t-\(UUID().uuidString)",
         tokenLifetime: Int = 86_400, faults: Faults = .init(), rateLimit: Int = 0) throws {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenLifetime = tokenLifetime
        self.faults = faults
        self.rateLimit = rateLimit
        self.rng = SplitMix64(seed: faults.seed)
        server = try TestHTTPServer { [unowned self] req, _ in self.handle(req) }
    }

    deinit { server?.stop() }
    func stop() { server.stop() }

    var baseURL: String { server.baseURL }

    /// Every API request (not token mints) as "METHOD path".
    var journal: [String] { lock.lock(); defer { lock.unlock() }; return _journal }
    var mutatingJournal: [String] { journal.filter { !$0.hasPrefix("GET ") && !$0.hasSuffix("/search") } }
    var tokensMinted: Int { lock.lock(); defer { lock.unlock() }; return minted }
    /// The tokens handed out (tests grep files for them).
    var issuedTokens: [String] { lock.lock(); defer { lock.unlock() }; return Array(tokens.keys) }

    /// A canonical dump of the state, without ids (so two orgs built by different runs compare).
    func stateDump() -> JSONValue {
        lock.lock(); defer { lock.unlock() }
        var out: [String: JSONValue] = [:]
        let names = Dictionary(uniqueKeysWithValues: objects.flatMap { coll, items in items.map { ($0.key, "\(coll):\($0.value["name"]?.stringValue ?? $0.key)") } })
        func strip(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let o):
                var r: [String: JSONValue] = [:]
                for (k, x) in o where !["id", "version", "selfUri", "dateModified"].contains(k) { r[k] = strip(x) }
                if let id = o["id"]?.stringValue, let n = names[id] { r["ref"] = .string(n) }
                return .object(r)
            case .array(let a): return .array(a.map(strip).sorted { $0.canonicalText() < $1.canonicalText() })
            case .string(let s): return .string(names[s] ?? s)
            default: return v
            }
        }
        for (coll, items) in objects {
            out[coll] = .array(items.values.map(strip).sorted { $0.canonicalText() < $1.canonicalText() })
        }
        for (k, items) in members where !items.isEmpty {
            let parts = k.split(separator: "/").map(String.init)  // coll/id/sub
            guard parts.count == 3 else { continue }
            let owner = names[parts[1]] ?? parts[1]
            out["\(parts[0]).\(parts[2]):\(owner)"] = .array(items.map(strip).sorted { $0.canonicalText() < $1.canonicalText() })
        }
        return .object(out)
    }

    /// Number of objects per collection with the same natural key more than once.
    func duplicates() -> [String] {
        lock.lock(); defer { lock.unlock() }
        var out: [String] = []
        for c in Self.collections {
            let keys = (objects[c.name] ?? [:]).values.compactMap { $0[c.key]?.stringValue }
            let counts = Dictionary(grouping: keys, by: { $0 }).filter { $0.value.count > 1 }
            out += counts.keys.map { "\(c.name):\($0)" }
        }
        return out.sorted()
    }

    func count(_ coll: String) -> Int { lock.lock(); defer { lock.unlock() }; return objects[coll]?.count ?? 0 }
    func all(_ coll: String) -> [JSONValue] { lock.lock(); defer { lock.unlock() }; return Array((objects[coll] ?? [:]).values) }

    /// Seeds a pre-existing object; returns its id.
    @discardableResult
    func seed(_ coll: String, _ body: JSONValue) -> String {
        lock.lock(); defer { lock.unlock() }
        return insert(coll, body)
    }

    private func insert(_ coll: String, _ body: JSONValue) -> String {
        nextID += 1
        let id = String(format: "%08x-0000-4000-8000-%012x", nextID, nextID)
        guard case .object(var o) = body else { return id }
        o["id"] = .string(id)
        if Self.collections.first(where: { $0.name == coll })?.versioned ?? false { o["version"] = 1 }
        if coll == "users", let div = o["divisionId"]?.stringValue { o["division"] = ["id": .string(div)] }
        objects[coll, default: [:]][id] = .object(o)
        return id
    }

    // MARK: - Handling

    private func json(_ status: Int, _ v: JSONValue, headers: [(String, String)] = []) -> TestHTTPServer.Action {
        .respond(status: status, headers: [("Content-Type", "application/json"), ("inin-correlation-id", UUID().uuidString)] + headers,
                 body: v.canonicalData())
    }

    private func error(_ status: Int, _ code: String, _ message: String) -> TestHTTPServer.Action {
        json(status, ["status": .int(Int64(status)), "code": .string(code), "message": .string(message)])
    }

    private func handle(_ req: TestHTTPServer.Request) -> TestHTTPServer.Action {
        if req.path == "/oauth/token" { return mint(req) }
        lock.lock()
        defer { lock.unlock() }
        _journal.append("\(req.method) \(req.path)")
        guard let auth = req.headers["authorization"], auth.hasPrefix("Bearer "),
              let exp = tokens[String(auth.dropFirst(7))], exp > Date() else {
            return error(401, "bad.credentials", "Invalid login credentials.")
        }
        let token = String(auth.dropFirst(7))
        if rateLimit > 0 {
            let now = Date()
            var w = (window[token] ?? []).filter { now.timeIntervalSince($0) < 60 }
            if w.count >= rateLimit {
                window[token] = w
                return error(429, "too.many.requests", "Rate limit exceeded the maximum").withHeaders([("Retry-After", "1")])
            }
            w.append(now)
            window[token] = w
        }
        var after: TestHTTPServer.Action?
        if faults.rate > 0 {
            let roll = Double(rng.next() % 10_000) / 10_000
            if roll < faults.rate / 2 {
                return error(503, "service.unavailable", "try again")  // not processed
            } else if roll < faults.rate {
                after = (rng.next() % 2 == 0) ? .drop : error(502, "bad.gateway", "upstream")  // processed, answer lost
            }
        }
        let result = route(req)
        return after ?? result
    }

    private func mint(_ req: TestHTTPServer.Request) -> TestHTTPServer.Action {
        let expected = "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        guard req.headers["authorization"] == expected else { return error(401, "invalid_client", "bad client") }
        lock.lock()
        minted += 1
        let token = "tok-\(minted)-\(UUID().uuidString.prefix(8))"
        tokens[token] = Date().addingTimeInterval(Double(tokenLifetime))
        lock.unlock()
        return json(200, ["access_token": .string(token), "token_type": "bearer", "expires_in": .int(Int64(tokenLifetime))])
    }

    private func route(_ req: TestHTTPServer.Request) -> TestHTTPServer.Action {
        guard let c = Self.collections.sorted(by: { $0.path.count > $1.path.count }).first(where: { req.path == $0.path || req.path.hasPrefix($0.path + "/") }) else {
            return error(404, "not.found", "no route \(req.path)")
        }
        let rest = req.path.dropFirst(c.path.count).split(separator: "/").map(String.init)
        let body = (try? JSONValue.parse(req.body)) ?? .null
        switch (req.method, rest.count) {
        case ("POST", 0):
            if let k = body[c.key]?.stringValue, (objects[c.name] ?? [:]).values.contains(where: { $0[c.key]?.stringValue == k && $0["state"]?.stringValue != "deleted" }) {
                return error(c.dupStatus, c.dupCode, "\(c.name) \(k) already exists")
            }
            let id = insert(c.name, body)
            return json(200, objects[c.name]?[id] ?? .null)
        case ("GET", 0):
            var items = Array((objects[c.name] ?? [:]).values)
            if let n = req.query["name"] { items = items.filter { $0["name"]?.stringValue?.hasPrefix(n) ?? false } }
            items.sort { ($0["id"]?.stringValue ?? "") < ($1["id"]?.stringValue ?? "") }
            let size = Int(req.query["pageSize"] ?? "25") ?? 25
            let page = Int(req.query["pageNumber"] ?? "1") ?? 1
            let slice = Array(items.dropFirst((page - 1) * size).prefix(size))
            return json(200, ["entities": .array(slice), "pageCount": .int(Int64(max(1, (items.count + size - 1) / size))),
                              "pageNumber": .int(Int64(page)), "total": .int(Int64(items.count))])
        case ("POST", 1) where rest[0] == "search":
            let q = body["query"]?.arrayValue?.first
            let field = q?["fields"]?.arrayValue?.first?.stringValue ?? c.key
            let value = q?["value"]?.stringValue
            let items = (objects[c.name] ?? [:]).values.filter { $0[field]?.stringValue == value }
            return json(200, ["results": .array(Array(items)), "total": .int(Int64(items.count)), "pageCount": 1])
        case (_, 1):
            let id = rest[0]
            guard var o = objects[c.name]?[id]?.objectValue else { return error(404, "not.found", "\(id) not found") }
            switch req.method {
            case "GET": return json(200, .object(o))
            case "DELETE":
                objects[c.name]?[id] = nil
                members = members.filter { !$0.key.hasPrefix("\(c.name)/\(id)/") }
                return .empty(204)
            case "PUT", "PATCH":
                if c.versioned {
                    guard body["version"]?.intValue == o["version"]?.intValue else {
                        return error(409, "general.conflict", "The version supplied does not match the current version")
                    }
                }
                guard case .object(let b) = body else { return error(400, "bad.request", "body") }
                if req.method == "PUT" { o = ["id": .string(id)] }
                for (k, v) in b where k != "version" { o[k] = v }
                if c.versioned { o["version"] = .int((objects[c.name]?[id]?["version"]?.intValue ?? 1) + 1) }
                if c.name == "users", let m = o["manager"]?.stringValue { o["manager"] = ["id": .string(m)] }
                objects[c.name]?[id] = .object(o)
                return json(200, .object(o))
            default: return error(405, "method", "no")
            }
        case (_, 2), (_, 3):
            let id = rest[0]
            guard objects[c.name]?[id] != nil else { return error(404, "not.found", "\(id) not found") }
            let sub = rest[1]
            let mk = "\(c.name)/\(id)/\(sub)"
            switch (req.method, sub) {
            case ("GET", _):
                return json(200, ["entities": .array(members[mk] ?? []), "pageCount": 1])
            case ("POST", "members") where c.name == "groups":
                guard body["version"]?.intValue == objects[c.name]?[id]?["version"]?.intValue else {
                    return error(409, "general.conflict", "The version supplied does not match the current version")
                }
                for m in body["memberIds"]?.arrayValue ?? [] {
                    guard let mid = m.stringValue else { continue }
                    if !(members[mk] ?? []).contains(where: { $0["id"]?.stringValue == mid }) { members[mk, default: []].append(["id": .string(mid)]) }
                }
                bumpVersion(c.name, id)
                return .empty(202)
            case ("POST", _), ("PATCH", "routingskills"):
                for item in body.arrayValue ?? [] {
                    guard let mid = item["id"]?.stringValue else { continue }
                    members[mk, default: []].removeAll { $0["id"]?.stringValue == mid }
                    members[mk, default: []].append(item)
                }
                return json(200, ["entities": .array(members[mk] ?? [])])
            case ("DELETE", _):
                let ids = rest.count == 3 ? [rest[2]] : (req.query["ids"] ?? "").split(separator: ",").map(String.init)
                members[mk]?.removeAll { ids.contains($0["id"]?.stringValue ?? "") }
                return .empty(204)
            default:
                return error(405, "method", "no")
            }
        default:
            return error(404, "not.found", "no route")
        }
    }

    private func bumpVersion(_ coll: String, _ id: String) {
        guard case .object(var o)? = objects[coll]?[id] else { return }
        o["version"] = .int((o["version"]?.intValue ?? 1) + 1)
        objects[coll]?[id] = .object(o)
    }
}

extension TestHTTPServer.Action {
    func withHeaders(_ extra: [(String, String)]) -> TestHTTPServer.Action {
        if case .respond(let s, let h, let b, let d) = self { return .respond(status: s, headers: h + extra, body: b, delay: d) }
        return self
    }
}
