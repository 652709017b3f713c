import Common
import Foundation
import GenesysCloud

/// The emulated org. One actor holds all state, so every request sees a consistent org and the
/// journal order is the order the platform would have applied the writes in.
public actor GenesysEngine {
    let config: GenesysSandboxConfig
    var store: Store
    var journal: [JournalEntry] = []
    var journalSeq = 0
    var limiter: RateLimiter
    var faultRNG: SplitMix64
    let validator: ContractValidator
    /// For seeds, which describe objects as they already exist (server-set fields included).
    let seedValidator: ContractValidator
    /// The operations of the published API (Genesys's SDK): what exists, what it declares.
    let endpoints: APIEndpoints
    let kinds: [String: ResourceKind]
    let kindList: [ResourceKind]
    /// Where the sandbox is reachable (for presigned upload URLs); set once bound.
    var baseURL = "http://127.0.0.1"
    var persistence: Persistence?
    var dirty = false
    var saveScheduled = false
    var clock: any SandboxClock { config.clock }

    public init(config: GenesysSandboxConfig) async throws(SandboxError) {
        self.config = config
        limiter = RateLimiter(config: config.rateLimit)
        faultRNG = SplitMix64(seed: config.faults.seed)
        validator = ContractValidator(rejectUnknownFields: config.rules.rejectUnknownFields,
                                      rejectReadOnlyFields: config.rules.rejectReadOnlyFields)
        seedValidator = ContractValidator(rejectUnknownFields: config.rules.rejectUnknownFields, rejectReadOnlyFields: false)
        endpoints = .shipped
        kindList = ResourceKind.all
        kinds = Dictionary(uniqueKeysWithValues: kindList.map { ($0.name, $0) })
        store = Store(seed: config.idSeed)
        if let path = config.statePath {
            let p = Persistence(path: path)
            persistence = p
            if let loaded = try p.load() {
                store = loaded
                return
            }
        }
        installBaseline()
        for (kind, objects) in config.seed.sorted(by: { Self.seedOrder($0.key) < Self.seedOrder($1.key) }) {
            for o in objects {
                do { _ = try seedOne(kind: kind, o) } catch {
                    throw .invalidOption("seed \(kind) \(o["name"]?.stringValue ?? ""): \(error.message)")
                }
            }
        }
    }

    func setBaseURL(_ url: String) { baseURL = url }

    // MARK: - Request pipeline

    /// Handles one request end to end: answer, injected latency, journal.
    public func respond(_ r: SandboxRequest) async -> SandboxResponse {
        let started = ContinuousClock.now
        var meta = RequestMeta()
        var resp = handle(r, meta: &meta)
        if resp.delay > 0 { await clock.sleep(seconds: resp.delay) }
        if !(r.path == "/sandbox/journal" || r.path == "/sandbox/state") {
            let d = ContinuousClock.now - started
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            record(r, resp, meta: meta, durationMs: ms)
        }
        if resp.drop { resp.body = Data() }
        return resp
    }

    struct RequestMeta {
        var clientId: String?
        var fault: String?
        var code: String?
    }

    func handle(_ r: SandboxRequest, meta: inout RequestMeta) -> SandboxResponse {
        let contextId = UUID().uuidString.lowercased()
        var resp: SandboxResponse
        do throws(APIError) {
            if r.path == "/oauth/token" {
                resp = try tokenEndpoint(r, meta: &meta)
            } else if r.path.hasPrefix("/sandbox/") {
                resp = try sandboxEndpoint(r)
            } else if r.path.hasPrefix("/api/v2/") {
                resp = try apiRequest(r, meta: &meta, contextId: contextId)
            } else {
                throw APIError.notFound("No resource at \(r.path).")
            }
        } catch {
            meta.code = error.code
            resp = .json(error.body(contextId: contextId), status: error.status)
            resp.headers += error.extraHeaders
        }
        resp.headers.append(("inin-correlation-id", contextId))
        if dirty { scheduleSave() }
        return resp
    }

    func apiRequest(_ r: SandboxRequest, meta: inout RequestMeta, contextId: String) throws(APIError) -> SandboxResponse {
        // Authentication (§3): no token → authentication.required; unknown or expired → bad.credentials.
        guard let auth = r.headers["authorization"], auth.lowercased().hasPrefix("bearer "),
              case let token = auth.dropFirst(7).trimmingCharacters(in: .whitespaces), !token.isEmpty
        else {
            throw APIError(401, "authentication.required", "No authentication bearer token specified in authorization header.")
        }
        let key = SHA256Digest.hex(token)
        guard let rec = store.tokens[key], rec.expiresAt > clock.now() else {
            throw APIError(401, "bad.credentials", "Invalid login credentials.")
        }
        meta.clientId = rec.clientId

        // Rate limit (§4): counts every authenticated request; a 429 is not counted.
        let rl = limiter.admit(token: key, method: r.method, path: r.path, now: clock.now())
        let rlHeaders: [(String, String)] = rl.headers
        if let retry = rl.retryAfter {
            var e = APIError(429, "too.many.requests",
                             "Rate limit exceeded the maximum [\(rl.limit)] requests within [\(Int(rl.window))] seconds")
            e.messageWithParams = "Rate limit exceeded the maximum [{0}] requests within [{1}] seconds"
            e.messageParams = ["0": String(rl.limit), "1": String(Int(rl.window))]
            e.limit = ["key": "client.credentials.token.rate.per.minute", "namespace": "platform.api", "value": .int(Int64(rl.limit))]
            e.extraHeaders = rlHeaders + [("Retry-After", String(retry))]
            throw e
        }

        // Faults: decided before the work so the dice sequence depends only on request order.
        let f = faultDecision(path: r.path)
        var resp: SandboxResponse
        if let f, !f.afterCommit, f.kind != .latency {
            resp = faultResponse(f, contextId: contextId)
        } else {
            do throws(APIError) {
                try checkContract(r)
                resp = try route(r)
            } catch {
                meta.code = error.code
                resp = .json(error.body(contextId: contextId), status: error.status)
                resp.headers += error.extraHeaders
            }
            if let f, f.afterCommit, f.kind != .latency { resp = faultResponse(f, contextId: contextId) }
        }
        if let f {
            meta.fault = f.label
            if f.kind == .latency { resp.delay = Double(config.faults.latencyMilliseconds) / 1000 }
        }
        resp.headers += rlHeaders
        return resp
    }

    // MARK: - Faults

    struct Fault {
        enum Kind { case drop, serverError, latency }
        var kind: Kind
        var afterCommit: Bool
        var status: Int
        var label: String {
            switch kind {
            case .drop: return afterCommit ? "drop-after-commit" : "drop"
            case .serverError: return afterCommit ? "\(status)-after-commit" : "\(status)"
            case .latency: return "latency"
            }
        }
    }

    func faultDecision(path: String) -> Fault? {
        let fc = config.faults
        guard fc.active, path.hasPrefix(fc.pathPrefix) else { return nil }
        // Always four draws, so changing one rate does not shift the other faults' sequence.
        let dDrop = faultRNG.unit(), dErr = faultRNG.unit(), dLat = faultRNG.unit(), dAfter = faultRNG.unit()
        let after = dAfter < fc.afterCommitShare
        if dDrop < fc.dropRate { return Fault(kind: .drop, afterCommit: after, status: 0) }
        if dErr < fc.serverErrorRate {
            let statuses = fc.serverErrorStatuses.isEmpty ? [503] : fc.serverErrorStatuses
            let st = statuses[Int(dAfter * 1_000_003) % statuses.count]
            return Fault(kind: .serverError, afterCommit: after, status: st)
        }
        if dLat < fc.latencyRate { return Fault(kind: .latency, afterCommit: false, status: 0) }
        return nil
    }

    func faultResponse(_ f: Fault, contextId: String) -> SandboxResponse {
        if f.kind == .drop {
            var r = SandboxResponse(status: 0)
            r.drop = true
            return r
        }
        let (code, msg): (String, String) = switch f.status {
        case 500: ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request.")
        case 504: ("request.timeout", "The request timed out.")
        case 502: ("bad.gateway", "Bad gateway.")
        default: ("service.unavailable", "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).")
        }
        return .json(APIError(f.status, code, msg).body(contextId: contextId), status: f.status)
    }

    // MARK: - OAuth (§3)

    func tokenEndpoint(_ r: SandboxRequest, meta: inout RequestMeta) throws(APIError) -> SandboxResponse {
        guard r.method == "POST" else { throw APIError(405, "method.not.allowed", "Use POST.") }
        guard let auth = r.headers["authorization"], auth.lowercased().hasPrefix("basic "),
              let raw = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: raw, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return oauthFailure(401, "invalid_client", "client authentication is required") }
        let id = String(pair[..<colon]), secret = String(pair[pair.index(after: colon)...])
        meta.clientId = id
        guard let expected = config.clients[id], Self.constantTimeEqual(expected, secret) else {
            return oauthFailure(401, "invalid_client", "bad credentials")
        }
        let form = SandboxRequest.parseQuery(String(data: r.body, encoding: .utf8) ?? "")
        guard let grant = form.first(where: { $0.0 == "grant_type" })?.1 else {
            return oauthFailure(400, "invalid_request", "grant_type is required")
        }
        guard grant == "client_credentials" else { return oauthFailure(400, "unsupported_grant_type", "unsupported grant type \(grant)") }
        var g = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", g.next() as UInt64) }.joined()
        store.tokens[SHA256Digest.hex(token)] = TokenRecord(clientId: id, expiresAt: clock.now() + config.tokenLifetimeSeconds)
        // Expired tokens are dropped lazily so the table does not grow without bound.
        let now = clock.now()
        store.tokens = store.tokens.filter { $0.value.expiresAt > now }
        dirty = true
        return .json(["access_token": .string(token), "token_type": "bearer",
                      "expires_in": .int(Int64(config.tokenLifetimeSeconds.rounded()))])
    }

    /// OAuth errors are not ErrorBody: `{error, description, error_description}` (§3, status [verify]).
    func oauthFailure(_ status: Int, _ error: String, _ desc: String) -> SandboxResponse {
        .json(["error": .string(error), "description": .string(desc), "error_description": .string(desc)], status: status)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }

    // MARK: - Journal

    func record(_ r: SandboxRequest, _ resp: SandboxResponse, meta: RequestMeta, durationMs: Double) {
        journalSeq += 1
        let e = JournalEntry(seq: journalSeq, at: clock.now(), method: r.method, path: r.path,
                             query: r.query.filter { !Self.secretParams.contains($0.0.lowercased()) }.map { "\($0.0)=\($0.1)" }.joined(separator: "&"),
                             status: resp.drop ? 0 : resp.status, code: meta.code,
                             correlationId: resp.header("inin-correlation-id") ?? "",
                             durationMs: (durationMs * 1000).rounded() / 1000, clientId: meta.clientId, fault: meta.fault)
        journal.append(e)
        if journal.count > config.journalLimit { journal.removeFirst(journal.count - config.journalLimit) }
    }

    static let secretParams: Set<String> = ["signature", "access_token", "client_secret"]

    public func journalEntries(since: Int = 0) -> [JournalEntry] { journal.filter { $0.seq > since } }

    // MARK: - Validation helpers

    func parseBody(_ r: SandboxRequest) throws(APIError) -> JSONValue {
        if let ct = r.headers["content-type"], !ct.lowercased().contains("json") {
            throw APIError(415, "unsupported.media.type", "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.")
        }
        if r.body.count > ContractValidator.maxPayloadBytes {
            throw APIError(413, "request.entity.too.large", "The request is over the size limit. Maximum bytes: \(ContractValidator.maxPayloadBytes)")
        }
        guard !r.body.isEmpty else { throw APIError.badRequest("A request body is required.") }
        do { return try JSONValue.parse(r.body) } catch { throw APIError.badRequest() }
    }

    func parseObject(_ r: SandboxRequest) throws(APIError) -> JSONObject {
        guard let o = try parseBody(r).objectValue else { throw APIError.badRequest() }
        return o
    }

    /// Contract check, mapped to the platform's codes (§5): missing → required.field.missing,
    /// enum/range/format → invalid.value, wrong JSON type, unknown or read-only field → bad.request.
    func validate(_ v: JSONValue, model: String?, relaxed: Set<String> = [], lenient: Bool = false) throws(APIError) {
        guard let model else { return }
        try validate(v, type: .model(model), relaxed: relaxed, lenient: lenient)
    }

    func validate(_ v: JSONValue, type: Contract.FieldType, relaxed: Set<String> = [], lenient: Bool = false) throws(APIError) {
        let vs = (lenient ? seedValidator : validator).validate(v, type: type).filter { viol in
            if viol.rule == .size || viol.rule == .unknownModel { return false }
            if viol.rule == .requiredMissing && relaxed.contains(viol.path) { return false }
            return true
        }
        // Reading the body (types, unknown or read-only properties) fails before validating it
        // (values, then required fields), as a deserialising server does.
        let deserialising: Set<ContractViolation.Rule> = [.wrongType, .unknownField, .readOnly]
        guard let first = vs.first(where: { deserialising.contains($0.rule) }) ?? vs.first(where: { $0.rule != .requiredMissing }) ?? vs.first
        else { return }
        let details: [JSONValue] = vs.map { ["errorCode": .string(Self.code(for: $0.rule)), "fieldName": .string($0.path)] }
        var e: APIError
        switch first.rule {
        case .requiredMissing:
            e = APIError(400, "required.field.missing", "The field [\(first.path)] is required.", details: details)
            e.messageWithParams = "The field [{0}] is required."
            e.messageParams = ["0": first.path]
        case .wrongType, .unknownField, .readOnly:
            e = APIError(400, "bad.request", "The request could not be understood by the server due to malformed syntax. \(first.path): \(first.message)", details: details)
        default:
            e = APIError(400, "invalid.value", "Value for field [\(first.path)] is not valid: \(first.message)", details: details)
            e.messageParams = ["0": first.path]
        }
        throw e
    }

    static func code(for rule: ContractViolation.Rule) -> String {
        switch rule {
        case .requiredMissing: return "required.field.missing"
        case .wrongType, .unknownField, .unknownModel, .readOnly: return "bad.request"
        default: return "invalid.value"
        }
    }

    func newId() -> String { store.rng.uuid() }

    func mutated(_ id: String, _ obj: JSONObject?) {
        let now = clock.now()
        let prev = store.index[id]?.view(at: now)
        store.index[id] = IndexEntry(previous: prev, current: obj, visibleAt: now + config.searchLagSeconds)
        dirty = true
    }

    /// What search sees of an entity now.
    func searchView(_ id: String) -> JSONObject? { store.index[id]?.view(at: clock.now()) }

    static func seedOrder(_ kind: String) -> Int {
        ResourceKind.all.firstIndex { $0.name == kind } ?? 1000
    }
}

public struct JournalEntry: Codable, Sendable, Hashable {
    public var seq: Int
    /// Sandbox-clock seconds since 1970.
    public var at: Double
    public var method: String
    public var path: String
    public var query: String
    /// 0 when the connection was dropped without an answer.
    public var status: Int
    public var code: String?
    public var correlationId: String
    public var durationMs: Double
    /// The OAuth client whose token made the call; never the token or the secret.
    public var clientId: String?
    public var fault: String?
}
