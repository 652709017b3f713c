import Common
import Foundation

/// Everything a sandbox run can be told. Defaults follow research/genesys-api.md; where the
/// research marks a behaviour [verify], the default is our best assumption and the knob is here.
public struct GenesysSandboxConfig: Sendable {
    /// Loopback address to bind: `127.0.0.1` or `::1` only (anything else is refused).
    public var host: String = "127.0.0.1"
    /// 0 binds any free port.
    public var port: Int = 0

    /// OAuth clients accepted by `POST /oauth/token` (client id → secret).
    public var clients: [String: String] = [:]
    /// Access-token lifetime in seconds (platform default 86 400 — §3).
    public var tokenLifetimeSeconds: Double = 86_400

    public var rateLimit = RateLimitConfig()
    public var faults = FaultConfig()
    public var rules = PlatformRules()

    /// Seconds a create/update/delete stays invisible to the search endpoints (§1 eventual
    /// consistency). 0 = searches see writes at once.
    public var searchLagSeconds: Double = 0
    /// Also apply the lag to name/DNIS-filtered list endpoints (not only `…/search`). [verify]
    public var searchLagAppliesToListFilters: Bool = false

    /// Seconds a flow job stays `Started` before it finishes (TF polls every 15 s — §2.13).
    public var flowJobSeconds: Double = 1

    /// State file: loaded at start when present, rewritten atomically after mutations.
    public var statePath: String?
    /// Debounce for state writes; 0 writes synchronously after each mutation.
    public var stateWriteDebounceSeconds: Double = 0.05

    /// Seed for entity ids and tokens' ordering; ids are reproducible from one run to the next.
    public var idSeed: UInt64 = 0x5EED_CAFE
    /// Journal entries kept in memory (oldest dropped first).
    public var journalLimit: Int = 100_000

    /// Time source; tests inject a manual or scaled clock.
    public var clock: any SandboxClock = SystemClock()

    /// Objects present from the start, as a seed document (see `POST /sandbox/seed`).
    public var seed: [String: [JSONObject]] = [:]

    public init() {}

    /// Secrets come from files or the environment in recommended use; this parses `id:secret`.
    public static func parseClient(_ s: String) throws(SandboxError) -> (String, String) {
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else {
            throw .invalidOption("client must be id:secret")
        }
        let id = String(s[..<colon]), secret = String(s[s.index(after: colon)...])
        guard !secret.isEmpty else { throw .invalidOption("client \(id) has an empty secret") }
        return (id, secret)
    }

    /// Reads `id:secret` lines (blank lines and `#` comments skipped). The file must not be
    /// readable by group or others: it holds secrets.
    public static func loadClientsFile(_ path: String) throws(SandboxError) -> [String: String] {
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .invalidOption("cannot read clients file \(path): \(error.localizedDescription)")
        }
        if let perms = attrs[.posixPermissions] as? Int, perms & 0o077 != 0 {
            throw .invalidOption("clients file \(path) has mode \(String(perms, radix: 8)); chmod 600 it")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .invalidOption("cannot read clients file \(path): \(error.localizedDescription)")
        }
        return try parseClientList(text.split(whereSeparator: \.isNewline).map(String.init))
    }

    /// A seed document: `{"queues": [{...}], "users": [{...}]}` (the `POST /sandbox/seed` shape).
    public static func parseSeed(_ v: JSONValue) throws(SandboxError) -> [String: [JSONObject]] {
        guard let o = v.objectValue else { throw .invalidOption("a seed is an object of kind → [objects]") }
        var out: [String: [JSONObject]] = [:]
        for (k, arr) in o {
            guard let a = arr.arrayValue else { throw .invalidOption("seed \(k) must be an array") }
            out[k] = try a.map { (x) throws(SandboxError) -> JSONObject in
                guard let obj = x.objectValue else { throw .invalidOption("seed \(k) entries must be objects") }
                return obj
            }
        }
        return out
    }

    public static func loadSeed(_ path: String) throws(SandboxError) -> [String: [JSONObject]] {
        let v: JSONValue
        do { v = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .invalidOption("cannot read seed \(path): \(error.localizedDescription)")
        }
        return try parseSeed(v)
    }

    /// `CM2GC_SANDBOX_CLIENTS="id:secret,id2:secret2"`.
    public static func parseClientList(_ items: [String]) throws(SandboxError) -> [String: String] {
        var out: [String: String] = [:]
        for raw in items {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (id, secret) = try parseClient(line)
            out[id] = secret
        }
        return out
    }
}

public typealias JSONObject = [String: JSONValue]

/// §4: per-token budget, default 300 requests per 60 s, sliding window.
public struct RateLimitConfig: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case sliding, fixed }
    public var enabled = true
    public var requestsPerWindow = 300
    public var windowSeconds: Double = 60
    public var mode: Mode = .sliding
    /// Lower per-endpoint limits, also per token (e.g. IVR PUT 100/min — §2.12).
    public var endpointLimits: [EndpointLimit] = [EndpointLimit(method: "PUT", pathPattern: "/api/v2/architect/ivrs/*", limit: 100)]
    public init() {}
}

public struct EndpointLimit: Sendable, Hashable {
    public var method: String
    /// `*` matches one path segment; a trailing `**` matches the rest.
    public var pathPattern: String
    public var limit: Int
    public var windowSeconds: Double = 60

    public init(method: String, pathPattern: String, limit: Int, windowSeconds: Double = 60) {
        self.method = method.uppercased()
        self.pathPattern = pathPattern
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// `PUT /api/v2/architect/ivrs/*=100` or `…=100/30` (limit per 30 s).
    public static func parse(_ s: String) throws(SandboxError) -> EndpointLimit {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        let mp = parts.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        guard parts.count == 2, mp.count == 2 else { throw .invalidOption("endpoint limit must be 'METHOD /path/*=N[/SECONDS]': \(s)") }
        let lw = parts[1].split(separator: "/").map(String.init)
        guard let limit = Int(lw[0]), limit > 0 else { throw .invalidOption("endpoint limit needs a positive count: \(s)") }
        var w: Double = 60
        if lw.count > 1 { guard let x = Double(lw[1]), x > 0 else { throw .invalidOption("bad window in \(s)") }; w = x }
        return EndpointLimit(method: mp[0], pathPattern: mp[1], limit: limit, windowSeconds: w)
    }

    func matches(method m: String, path: String) -> Bool {
        guard m == method else { return false }
        let p = pathPattern.split(separator: "/"), q = path.split(separator: "/")
        for (i, seg) in p.enumerated() {
            if seg == "**" { return true }
            guard i < q.count else { return false }
            if seg != "*" && seg != q[i] { return false }
        }
        return p.count == q.count
    }
}

/// Deterministic fault injection: the same seed and request order give the same faults.
public struct FaultConfig: Sendable {
    public var seed: UInt64 = 1
    /// Probability of answering with a 5xx instead of the real answer.
    public var serverErrorRate: Double = 0
    public var serverErrorStatuses: [Int] = [503]
    /// Probability of closing the connection without any response.
    public var dropRate: Double = 0
    /// Probability of adding `latencyMilliseconds` before answering.
    public var latencyRate: Double = 0
    public var latencyMilliseconds: Int = 500
    /// Of the 5xx/drop faults, the share that strike *after* the request took effect (the
    /// create happened, the client never learned) — the hard case for a resuming uploader.
    public var afterCommitShare: Double = 0.5
    /// Faults only hit paths with this prefix (OAuth and /sandbox are spared by default).
    public var pathPrefix = "/api/v2/"
    public init() {}

    var active: Bool { serverErrorRate > 0 || dropRate > 0 || latencyRate > 0 }
}

/// Platform rules whose exact behaviour the research could not pin down (§10).
public struct PlatformRules: Sendable {
    /// Reject body fields the endpoint's model (Genesys's SDK) does not have. The platform is
    /// believed to ignore them (Jackson's default) [verify]; the sandbox refuses them so that the
    /// uploader never relies on a field the published contract does not declare.
    public var rejectUnknownFields = true
    /// Reject read-only fields (a private setter in Genesys's .NET SDK) in request bodies.
    public var rejectReadOnlyFields = true
    /// Reject query parameters the operation does not declare in Genesys's SDK (400 bad.request).
    public var rejectUndeclaredQueryParameters = true
    /// §2.1 [verify]: a user extension must lie in an extension pool.
    public var requireExtensionInPool = true
    /// A user WORK phone number and an IVR DNIS must lie in a DID pool. [verify]
    public var requireDidInPool = true
    /// §1: 409 (documented) or 400 "does not match the current version" (TF also handles it).
    public var versionConflictStatus = 409
    /// §2.1 [verify]: `CreateUser.divisionId` is REQ in the spec but TF omits it → home division.
    public var userDivisionIdOptional = true
    /// Duplicate behaviour per resource kind; see `DuplicateRule.defaults`.
    public var duplicates: [String: DuplicateRule] = DuplicateRule.defaults
    public init() {}
}

/// What a create answers when its natural key is taken (§2, §6). `nil` status = allowed.
public struct DuplicateRule: Sendable, Hashable {
    public var status: Int?
    public var code: String
    public var message: String
    /// Whether the research documents this (false = assumed, [verify]).
    public var documented: Bool

    public init(status: Int?, code: String, message: String, documented: Bool) {
        self.status = status
        self.code = code
        self.message = message
        self.documented = documented
    }

    public static let allow = DuplicateRule(status: nil, code: "", message: "", documented: false)

    /// Key: resource kind (see `ResourceKind.name`).
    public static let defaults: [String: DuplicateRule] = [
        "users": .init(status: 409, code: "general.conflict", message: "A user with this email already exists.", documented: true),
        "skills": .init(status: 409, code: "general.conflict", message: "A skill with this name already exists.", documented: true),
        "languages": .init(status: 409, code: "general.conflict", message: "A language with this name already exists.", documented: false),
        "wrapupcodes": .init(status: 400, code: "duplicate.name", message: "A wrapup code with this name already exists.", documented: true),
        "queues": .init(status: 400, code: "duplicate.name", message: "A queue with that name already exists.", documented: true),
        "flows": .init(status: 409, code: "architect.flow.already.exists", message: "A flow of the specified type with the specified name already exists.", documented: true),
        "extensionpools": .init(status: 409, code: "general.conflict", message: "The extension pool overlaps an existing extension pool.", documented: true),
        "didpools": .init(status: 409, code: "general.conflict", message: "The DID pool overlaps an existing DID pool.", documented: true),
        "sites": .init(status: 400, code: "duplicate.value", message: "At least one of the values in the request were a duplicate.", documented: true),
        "groups": .init(status: 400, code: "duplicate.name", message: "A group with this name already exists.", documented: false),
        "divisions": .init(status: 400, code: "duplicate.name", message: "A division with this name already exists.", documented: false),
        "schedules": .init(status: 400, code: "duplicate.name", message: "A schedule with this name already exists.", documented: false),
        "schedulegroups": .init(status: 400, code: "duplicate.name", message: "A schedule group with this name already exists.", documented: false),
        "ivrs": .init(status: 400, code: "duplicate.name", message: "An IVR with this name already exists.", documented: false),
        "prompts": .init(status: 400, code: "duplicate.name", message: "A prompt with this name already exists.", documented: false),
        "presencedefinitions": .init(status: 400, code: "duplicate.name", message: "A presence definition with this label already exists.", documented: false),
        "phonebasesettings": .init(status: 400, code: "duplicate.value", message: "A phone base setting with this name already exists.", documented: false),
        "phones": .init(status: 400, code: "duplicate.value", message: "A phone with this name already exists.", documented: false),
        // A number assigned twice (user address, IVR DNIS, group address) — §2.12 "must be unique".
        "dnis": .init(status: 409, code: "general.conflict", message: "The phone number is already in use by another resource.", documented: false),
        "extensions": .init(status: 409, code: "general.conflict", message: "The extension is already assigned.", documented: false),
    ]

    /// `queues=allow`, `groups=409:general.conflict`.
    public static func parse(_ s: String) throws(SandboxError) -> (String, DuplicateRule) {
        let kv = s.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { throw .invalidOption("duplicate rule must be kind=allow|STATUS:code: \(s)") }
        if kv[1] == "allow" { return (kv[0], .allow) }
        let sc = kv[1].split(separator: ":", maxSplits: 1).map(String.init)
        guard sc.count == 2, let st = Int(sc[0]), (400..<500).contains(st) else {
            throw .invalidOption("duplicate rule must be kind=allow|STATUS:code: \(s)")
        }
        let base = defaults[kv[0]]
        return (kv[0], DuplicateRule(status: st, code: sc[1], message: base?.message ?? "Duplicate value.", documented: false))
    }
}

/// Sandbox failures outside the HTTP contract (bad options, unreadable state, refused binds).
public enum SandboxError: LocalizedError, Sendable, Equatable {
    case invalidOption(String)
    case bindRefused(String)
    case stateUnreadable(String, String)
    case stateUnwritable(String, String)
    case startFailed(String)

    public var errorDescription: String? {
        switch self {
        case .invalidOption(let m): return "invalid option: \(m)"
        case .bindRefused(let h): return "refusing to bind \(h): the sandbox listens on loopback only (127.0.0.1 or ::1)"
        case .stateUnreadable(let p, let m): return "state file \(p) cannot be read: \(m)"
        case .stateUnwritable(let p, let m): return "state file \(p) cannot be written: \(m)"
        case .startFailed(let m): return "sandbox failed to start: \(m)"
        }
    }
}
