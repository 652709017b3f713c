import BundleKit
import Common
import Foundation
import GenesysCloud

/// Knobs of a run (apply, plan, rollback, reconcile).
public struct RunOptions: Sendable {
    /// Units of work in flight at once inside a phase.
    public var workers = 4
    /// Take existing objects that differ as they are (instead of a conflict).
    public var adopt = false
    /// Leave conflicting objects alone, skip what depends on them, and go on with the rest.
    public var allowConflicts = false
    /// Circuit breaker: stop after this many failures in a row …
    public var maxConsecutiveFailures = 10
    /// … or when the share of failures over the last `failureWindow` units (at least
    /// `failureMinimum` seen) exceeds this.
    public var maxFailureRate = 0.5
    public var failureWindow = 50
    public var failureMinimum = 20
    /// Lookups after an unknown outcome are tried again this often when they find nothing
    /// (search indexes lag writes by seconds).
    public var lookupRetries = 2
    public var lookupRetryDelay: Duration = .seconds(1)
    /// `<bundle>.ledger.sqlite` when nil.
    public var ledgerPath: String?
    /// `<bundle>.results.jsonl` when nil.
    public var resultsPath: String?
    /// Preflight: list a whole type once when at least this many objects of it are checked
    /// (instead of one lookup per object).
    public var inventoryThreshold = 20
    /// Polling of flow jobs (flow publishing).
    public var flowJobs = FlowJobPolicy()

    public init() {}
}

/// Ids of objects by `@ref` key, and `@ext` names looked up once per run.
actor RefResolver {
    private var ids: [String: String] = [:]
    private var external: [LogicalRef: Task<String, any Error>] = [:]
    private let client: GenesysClient

    init(client: GenesysClient) { self.client = client }

    func set(_ refKey: String, _ id: String) { ids[refKey] = id }
    func known(_ refKey: String) -> String? { ids[refKey] }

    func id(for ref: LogicalRef) async throws -> String {
        switch ref.kind {
        case .bundle:
            guard let id = ids["\(ref.type)/\(ref.key)"] else {
                throw UploadStepError.unresolved("\(ref.text) has no Genesys id yet (its create step has not succeeded)")
            }
            return id
        case .external:
            if let t = external[ref] { return try await t.value }
            let client = self.client
            let t = Task { try await Self.lookupExternal(ref, client: client) }
            external[ref] = t
            do { return try await t.value } catch {
                external[ref] = nil  // a transient failure must not poison the cache
                throw error
            }
        }
    }

    static func lookupExternal(_ ref: LogicalRef, client: GenesysClient) async throws -> String {
        guard let type = ref.resourceType else { throw UploadStepError.unresolved("\(ref.text): unknown type \(ref.type)") }
        let found = try await client.lookup(type, key: ref.key)
        let ids = found.compactMap { $0["id"]?.stringValue }
        guard let first = ids.first else {
            throw UploadStepError.unresolved("\(ref.text): no \(ref.type) named \"\(ref.key)\" exists in the org; create it first or correct the mapping")
        }
        guard ids.count == 1 else {
            throw UploadStepError.unresolved("\(ref.text): \(ids.count) \(ref.type) objects are named \"\(ref.key)\"; the reference is ambiguous")
        }
        return first
    }

    /// Replaces every reference; fails on the first that cannot be resolved.
    nonisolated func resolve(_ v: JSONValue) async throws -> JSONValue {
        try await LogicalRefs.resolve(try await lineBaseSettings(v, known: false)) { try await self.id(for: $0) }
    }

    private var lineBaseIDs: [String: String] = [:]

    /// A phone's `lineBaseSettings: {"id": "@ref:phone-base-settings/<key>"}` (on the phone and
    /// on each line) names the line base settings of that phone base settings: the id of its
    /// first line, read from the org, as Terraform's provider builds phones
    /// (telephony_providers_edges_phone …_utils.go getLineBaseSettingsID). With `known`, an
    /// unresolvable one is left as it is (preflight).
    nonisolated func lineBaseSettings(_ v: JSONValue, known: Bool) async throws -> JSONValue {
        switch v {
        case .array(let a):
            var out: [JSONValue] = []
            for x in a { out.append(try await lineBaseSettings(x, known: known)) }
            return .array(out)
        case .object(var o):
            for k in o.keys.sorted() {
                guard let x = o[k] else { continue }
                if k == "lineBaseSettings", let s = x["id"]?.stringValue, let ref = try? LogicalRef(parsing: s),
                   ref.resourceType == .phoneBaseSettings {
                    do {
                        var lb = x.objectValue ?? [:]
                        lb["id"] = .string(try await lineBaseID(ofPhoneBase: try await id(for: ref)))
                        o[k] = .object(lb)
                    } catch {
                        if known { continue }
                        throw error
                    }
                } else {
                    o[k] = try await lineBaseSettings(x, known: known)
                }
            }
            return .object(o)
        default:
            return v
        }
    }

    func lineBaseID(ofPhoneBase baseID: String) async throws -> String {
        if let id = lineBaseIDs[baseID] { return id }
        guard let base = try await client.get(.phoneBaseSettings, id: baseID),
              let id = base["lines"]?.arrayValue?.first?["id"]?.stringValue else {
            throw UploadStepError.unresolved("phone base settings \(baseID) has no line, so its phones have no line base settings")
        }
        lineBaseIDs[baseID] = id
        return id
    }

    /// Replaces the references that can be resolved and leaves the others as they are (preflight:
    /// an object that exists cannot point at one that does not, so those fields will differ).
    func resolveKnown(_ v: JSONValue) async -> JSONValue {
        let v = (try? await lineBaseSettings(v, known: true)) ?? v
        var table: [LogicalRef: String] = [:]
        for r in (try? LogicalRefs.all(in: v)) ?? [] {
            table[r] = (try? await id(for: r)) ?? "unresolved:\(r.text)"
        }
        return (try? LogicalRefs.resolve(v, table: table)) ?? v
    }
}

/// Why one step failed (kept in the ledger and the results log).
enum UploadStepError: LocalizedError {
    case unresolved(String)
    case conflict(String)
    case unsupported(String)
    case outcomeUnresolved(String)
    case dependency(String)
    case noID(String)

    var errorDescription: String? {
        switch self {
        case .unresolved(let m): return "reference: \(m)"
        case .conflict(let m): return "conflict: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .outcomeUnresolved(let m): return "outcome unknown: \(m)"
        case .dependency(let m): return "skipped: \(m)"
        case .noID(let m): return "no id: \(m)"
        }
    }
}

/// Everything a run shares: bundle, ledger, client, resolver, results log, progress.
public final class UploadSession: Sendable {
    public let bundle: UploadBundle
    public let ledger: Ledger
    public let client: GenesysClient
    public let progress: ProgressReporter
    public let results: ResultsLog?
    public let options: RunOptions
    public let command: String
    let resolver: RefResolver
    let redactor: Redactor

    init(bundle: UploadBundle, ledger: Ledger, client: GenesysClient, progress: ProgressReporter, results: ResultsLog?,
         options: RunOptions, command: String, redactor: Redactor) {
        self.bundle = bundle
        self.ledger = ledger
        self.client = client
        self.progress = progress
        self.results = results
        self.options = options
        self.command = command
        self.redactor = redactor
        self.resolver = RefResolver(client: client)
    }

    func spec(_ t: ResourceType) -> ResourceSpec { client.spec(t) }

    /// Seeds the resolver with every id the ledger knows.
    func seedResolver(from steps: [LedgerStep]) async {
        for s in steps where s.action == PlanAction.create.rawValue {
            guard let id = s.genesysID, s.state == .success || s.decision == .adopt else { continue }
            let refKey = "\((UploadBundle.resourceType(s.type)?.rawValue ?? s.type))/\(s.key)"
            await resolver.set(refKey, id)
        }
    }

    func message(_ error: any Error) -> String { redactor.redact(error.localizedDescription) }

    /// A create-style request for a step (POST create, settings PUT/PATCH, member adds).
    func createRequest(_ spec: ResourceSpec, body: JSONValue?, id: String? = nil, parentID: String? = nil,
                       query: [(name: String, value: String)] = [], idempotencyKey: String) throws -> APIRequest {
        guard let ep = spec.create else { throw UploadStepError.unsupported("\(spec.type.rawValue) cannot be created") }
        let path = try ep.path(id: id, parentId: parentID)
        var r: APIRequest
        if let body {
            r = APIRequest(ep.method, path, template: ep.path, query: query, json: body, idempotent: spec.createIsIdempotent,
                           successStatuses: spec.createStatuses.union(200..<300))
        } else {
            r = APIRequest(ep.method, path, template: ep.path, query: query, idempotent: spec.createIsIdempotent)
        }
        // Genesys ignores it on configuration endpoints; it ties the request to the ledger for tracing.
        r.headers["Idempotency-Key"] = idempotencyKey
        return r
    }

    func log(_ steps: [UploadStep], outcome: String, origin: StepOrigin? = nil, targetID: String? = nil, parentID: String? = nil,
             request: APIRequest? = nil, response: APIResponse? = nil, error: (any Error)? = nil, started: ContinuousClock.Instant? = nil) {
        guard let results else { return }
        var status = response?.status
        var correlation = response?.correlationId
        if let e = error as? GenesysClientError, let api = e.apiError {
            status = api.status
            correlation = api.correlationId
        }
        let seqs = steps.compactMap(\.diffSequence)
        let duration = started.map { ContinuousClock.now - $0 }
        results.append(ResultRecord(
            time: Ledger.now(), command: command, steps: steps.map(\.id), difflogSequence: seqs.isEmpty ? nil : seqs,
            outcome: outcome, origin: origin?.rawValue, targetID: targetID, parentID: parentID,
            method: request?.method.rawValue, path: request?.path, httpStatus: status, correlationID: correlation,
            attempts: response?.attempts,
            durationMs: duration.map { Int($0.components.seconds * 1000) + Int($0.components.attoseconds / 1_000_000_000_000_000) },
            idempotencyKey: steps.count == 1 ? steps.first?.idempotencyKey : nil,
            error: error.map { message($0) }))
    }

    /// Finds the object a top-level step creates, by natural key. Several matches: the one equal
    /// to the body if any, else the first.
    func findExisting(_ step: UploadStep, body: JSONValue?, retries: Int = 0) async throws -> JSONValue? {
        let spec = self.spec(step.type)
        guard let key = step.naturalKey(spec) else { return nil }
        var attempt = 0
        while true {
            let found = try await client.lookup(step.type, key: key)
            if !found.isEmpty {
                if let body, let same = found.first(where: { PayloadMatch.matches(expected: body, actual: $0, type: step.type) }) {
                    return same
                }
                return found.first
            }
            attempt += 1
            if attempt > retries { return nil }
            try await Task.sleep(for: options.lookupRetryDelay)
        }
    }
}
