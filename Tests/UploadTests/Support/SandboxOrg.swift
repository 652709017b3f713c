import Common
import Foundation
import GenesysCloud
@testable import Sandbox
@testable import Upload

/// The Genesys sandbox (module `Sandbox`) started in-process on an ephemeral loopback port, with
/// helpers over its admin endpoints (journal, state dump, seed).
final class SandboxOrg: Sendable {
    let sandbox: GenesysSandbox
    let clientID: String
    let clientSecret: String
    private let http = HTTPClient()

    struct Settings: Sendable {
        var tokenLifetime: Double = 86_400
        var serverErrorRate = 0.0
        var dropRate = 0.0
        var faultSeed: UInt64 = 1
        /// Requests per token per 60 s; nil = the platform's default (300).
        var rateLimit: Int?
        var rateLimited = true
        /// How long a flow job takes to publish after its upload.
        var flowJobSeconds = 0.2
    }

    private init(sandbox: GenesysSandbox, clientID: String, clientSecret: String) {
        self.sandbox = sandbox
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    static func start(_ s: Settings = .init()) async throws -> SandboxOrg {
        var c = GenesysSandboxConfig()
        let id = "upload-\(UUID().uuidString.prefix(8).lowercased())"
        let secret = "Sx-\(UUID().uuidString)-\(UUID().uuidString.prefix(6))"
        c.clients = [id: secret]
        c.tokenLifetimeSeconds = s.tokenLifetime
        c.faults.serverErrorRate = s.serverErrorRate
        c.faults.serverErrorStatuses = [500, 502, 503, 504]
        c.faults.dropRate = s.dropRate
        c.faults.seed = s.faultSeed
        c.rateLimit.enabled = s.rateLimited
        if let r = s.rateLimit { c.rateLimit.requestsPerWindow = r }
        c.stateWriteDebounceSeconds = 0
        c.flowJobSeconds = s.flowJobSeconds
        return SandboxOrg(sandbox: try await GenesysSandbox.start(c), clientID: id, clientSecret: secret)
    }

    func stop() async { await sandbox.stop() }

    var baseURL: String { sandbox.baseURL.absoluteString }

    func connection(rate: Int = 60_000, burst: Int = 100) -> ConnectionOptions {
        var c = ConnectionOptions()
        c.baseURL = baseURL
        c.environment = [ConnectionOptions.clientIDVariable: clientID, ConnectionOptions.clientSecretVariable: clientSecret]
        c.randomSeed = 7
        c.requestsPerMinute = rate
        c.burst = burst
        return c
    }

    func admin(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var headers = HTTPHeaders()
        if body != nil { headers["Content-Type"] = "application/json" }
        let r = try await http.send(HTTPRequest(method: method, url: baseURL + path, headers: headers, body: body?.canonicalData()))
        return r.body.isEmpty ? .null : try JSONValue.parse(r.body)
    }

    /// Journal entries (API requests, not token mints or admin calls).
    func journal() async throws -> [JSONValue] {
        (try await admin(.GET, "/sandbox/journal"))["entries"]?.arrayValue ?? []
    }

    /// "METHOD path" of every journalled request that changes state.
    func mutating() async throws -> [String] {
        try await journal().compactMap { e -> String? in
            guard let m = e["method"]?.stringValue, let p = e["path"]?.stringValue else { return nil }
            if m == "GET" || (m == "POST" && p.hasSuffix("/search")) || p.hasPrefix("/oauth") || p.hasPrefix("/sandbox") { return nil }
            return "\(m) \(p)"
        }
    }

    func state() async throws -> JSONValue { try await admin(.GET, "/sandbox/state") }

    @discardableResult
    func seed(_ doc: JSONValue) async throws -> JSONValue { try await admin(.POST, "/sandbox/seed", doc) }

    /// Live objects of a kind (soft-deleted and deactivated ones left out).
    func live(_ kind: String) async throws -> [JSONValue] {
        (try await state())[kind]?.arrayValue?.filter(Self.isLive) ?? []
    }

    static func isLive(_ o: JSONValue) -> Bool {
        o["state"]?.stringValue != "deleted" && o["deactivated"]?.boolValue != true && o["deleted"]?.boolValue != true
    }

    /// Natural keys that occur more than once among live objects, per kind.
    func duplicates() async throws -> [String] {
        let st = try await state()
        var out: [String] = []
        for (kind, key) in [("users", "email"), ("skills", "name"), ("queues", "name"), ("groups", "name"), ("divisions", "name")] {
            let keys = (st[kind]?.arrayValue ?? []).filter(Self.isLive).compactMap { $0[key]?.stringValue }
            out += Dictionary(grouping: keys, by: { $0 }).filter { $0.value.count > 1 }.keys.map { "\(kind):\($0)" }
        }
        return out.sorted()
    }

    /// The live state with ids replaced by "kind:name" labels and bookkeeping fields removed, so
    /// two orgs built by different runs (different ids, versions, timings) compare equal.
    func normalizedState() async throws -> JSONValue {
        let st = try await state()
        guard case .object(let o) = st else { return st }
        var labels: [String: String] = [:]
        for (kind, v) in o where !kind.hasPrefix("_") {
            for e in v.arrayValue ?? [] {
                guard let id = e["id"]?.stringValue else { continue }
                labels[id] = "\(kind):\(e["email"]?.stringValue ?? e["name"]?.stringValue ?? id)"
            }
        }
        let dropped: Set<String> = ["id", "version", "selfUri", "dateCreated", "dateModified", "modifiedDate", "createdDate",
                                    "memberCount", "skillUri", "languageUri", "joinedMemberCount", "userCount",
                                    // A flow published again after a kill is the same flow with a later version.
                                    "publishedVersion"]
        func norm(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let m):
                var r: [String: JSONValue] = [:]
                for (k, x) in m where !dropped.contains(k) { r[labels[k] ?? k] = norm(x) }
                return .object(r)
            case .array(let a):
                return .array(a.map(norm).sorted { $0.canonicalText() < $1.canonicalText() })
            case .string(let s):
                return .string(labels[s] ?? s)
            default:
                return v
            }
        }
        // Relations and settings of objects that are gone (soft-deleted users keep their skill
        // links in the store) are not part of the live state.
        var live = Set<String>()
        for (kind, v) in o where !kind.hasPrefix("_") {
            for e in v.arrayValue ?? [] where Self.isLive(e) { if let id = e["id"]?.stringValue { live.insert(id) } }
        }
        func liveOnly(_ v: JSONValue) -> JSONValue {
            guard case .object(let rels) = v else { return v }
            var r: [String: JSONValue] = [:]
            for (rel, parents) in rels {
                guard case .object(let byParent) = parents else { continue }
                let kept = byParent.filter { live.contains($0.key) && $0.value != .array([]) && $0.value != .object([:]) }
                if !kept.isEmpty { r[rel] = .object(kept) }
            }
            return .object(r)
        }
        var out: [String: JSONValue] = [:]
        for (kind, v) in o where kind != "_flowJobs" {
            if kind.hasPrefix("_") { out[kind] = norm(liveOnly(v)); continue }
            let liveObjects = (v.arrayValue ?? []).filter(Self.isLive)
            if !liveObjects.isEmpty { out[kind] = norm(.array(liveObjects)) }
        }
        return .object(out)
    }
}

/// A workspace on the sandbox: temp dir, approvers, an approved bundle.
struct SandboxWorkspace {
    let dir: URL
    let approvers: Approvers
    let bundle: URL
    let org: SandboxOrg

    static func make(items: [Item] = Bundles.sample(), approve: Int = 2, settings: SandboxOrg.Settings = .init(),
                     label: String = #function) async throws -> SandboxWorkspace {
        let dir = try makeTempDir(label)
        let approvers = try Approvers(in: dir)
        let bundle = dir.appendingPathComponent("bundle.tar")
        try Bundles.write(items, to: bundle)
        try approvers.approve(bundle, count: approve)
        return SandboxWorkspace(dir: dir, approvers: approvers, bundle: bundle, org: try await SandboxOrg.start(settings))
    }

    var connection: ConnectionOptions { org.connection() }

    var options: RunOptions {
        var o = RunOptions()
        o.lookupRetryDelay = .milliseconds(50)
        o.flowJobs.firstPoll = .milliseconds(100)
        return o
    }

    func apply(_ options: RunOptions? = nil, connection: ConnectionOptions? = nil) async throws -> ApplyReport {
        try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: connection ?? self.connection,
                                         options: options ?? self.options)
    }

    func plan(_ options: RunOptions? = nil) async throws -> PlanReport {
        try await UploadOperations.plan(bundle: bundle, policy: approvers.policy, connection: connection, options: options ?? self.options)
    }

    func reconcile(_ connection: ConnectionOptions? = nil) async throws -> ReconcileReport {
        try await UploadOperations.reconcile(bundle: bundle, policy: approvers.policy, connection: connection ?? self.connection,
                                             options: options)
    }

    func rollback() async throws -> RollbackReport {
        try await UploadOperations.rollback(bundle: bundle, policy: approvers.policy, connection: connection, options: options)
    }
}
