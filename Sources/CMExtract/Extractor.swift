import AvayaCM
import Common
import Foundation

/// What `cm2gc extract` does, as a library call.
public struct ExtractOptions: Sendable {
    public var from: String
    public var kind: SourceKind
    public var stage: String
    public var incremental = false
    public var credentials: CMCredentials
    public var connection = ConnectionOptions()
    /// REST page size (`limit`).
    public var pageSize = 200
    /// pbxd: the name in `POST /<pbx>/v3/`.
    public var pbxName = "cm"
    public var datasets: [CMRestDataset] = CMRestDataset.allCases
    public var dictionary: OSSIDictionary = .builtIn
    /// Requests only while this window is open (`--window`); nil: any time.
    public var window: ExtractionWindow?
    /// When the window is closed: sleep until it opens (true) or pause the run and stop (false).
    public var waitForWindow = false
    /// Wall clock for the window (tests inject one).
    public var clock: any WallClock = SystemWallClock()
    /// `--stage-credentials-process`: a command printing `{"password": …}` for a PostgreSQL store.
    public var stageCredentialsProcess: String?
    /// Where PGPASSWORD, PGPASSFILE, HOME, PGUSER… are looked up (tests pass their own).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(from: String, kind: SourceKind, stage: String, credentials: CMCredentials) {
        self.from = from
        self.kind = kind
        self.stage = stage
        self.credentials = credentials
    }
}

/// The outcome of one `extract`.
public struct ExtractSummary: Sendable, Hashable {
    public var run: Int64
    public var resumed: Bool
    public var mode: String
    /// Per dataset and overall: `fetched`, `new`, `changed`, `unchanged`, `deleted`.
    public var counts: [String: Int]
    /// Keys tombstoned in this run, `dataset/key`.
    public var deleted: [String]
    public var requests: Int
    public var seconds: Double
    /// The holder recorded in a lock file left by a run that died (its lock was taken over).
    public var tookOverLockFrom: String?
}

public enum Extractor {
    /// Pulls from the source into the staging store. Resumes the newest unfinished run when
    /// there is one. On failure the run is marked failed (pages already staged stay, and the
    /// next call resumes after them) and the error is rethrown; readers refuse the store until
    /// a run succeeds.
    public static func run(_ o: ExtractOptions, transport: (any HTTPTransport)? = nil,
                           log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ExtractSummary {
        let start = ContinuousClock.now
        let command = "cm2gc extract --kind \(o.kind.rawValue) --from \(redactedURL(o.from))"
        let gate = o.window.map { WindowGate(window: $0, clock: o.clock, wait: o.waitForWindow, log: log) }
        switch try StagingLocation(o.stage, environment: o.environment) {
        case .sqlite(let path):
            // One extraction per store: refused at once, before the store is opened (no waiting).
            let lock: RunLock
            do {
                lock = try RunLock.acquire(path + ".lock", command: command)
            } catch let e as RunLockError {
                if case .busy = e { throw ExtractError.busy(e.localizedDescription) }
                throw ExtractError.store(path: path, detail: e.localizedDescription)
            }
            defer { lock.release() }
            if let gone = lock.tookOverFrom { log("took over the run lock left by \(gone), which has ended") }
            // Outside the window (and not waiting): stop before the store or the CM is touched.
            try await gate?.admit(run: nil)
            let store = try StagingStore(path: path)
            return try await pull(o, store: store, gate: gate, tookOverLockFrom: lock.tookOverFrom?.description,
                                  start: start, transport: transport, log: log)
        case .postgres(let url):
            // One extraction per PBX: the advisory lock is taken (or refused at once) before
            // anything is written; the connection that holds it does all the writing.
            let store = try await PostgresStagingStore.connect(url, credentialsProcess: o.stageCredentialsProcess,
                                                               environment: o.environment, application: "cm2gc extract")
            var locked = false
            do {
                let gone = try await store.acquireRunLock(command: command)
                locked = true
                if let gone { log("took over the run lock of pbx=\(url.pbx) left by \(gone), which has ended") }
                try await gate?.admit(run: nil)
                let s = try await pull(o, store: store, gate: gate, tookOverLockFrom: gone, start: start, transport: transport, log: log)
                await store.releaseRunLock()
                await store.close()
                return s
            } catch {
                if locked { await store.releaseRunLock() }
                await store.close()
                throw error
            }
        }
    }

    /// The pull proper, whichever store: begin or resume the run, pull, record the outcome.
    static func pull(_ o: ExtractOptions, store: any StagingBackend, gate: WindowGate?, tookOverLockFrom: String?,
                     start: ContinuousClock.Instant, transport: (any HTTPTransport)?,
                     log: @escaping @Sendable (String) -> Void) async throws -> ExtractSummary {
        let conn = try Connection(base: o.from, credentials: o.credentials, options: o.connection, transport: transport, gate: gate)
        let (run, resumed) = try await store.beginOrResume(source: o.kind, url: redactedURL(o.from), incremental: o.incremental)
        log("\(resumed ? "resuming" : "starting") \(run.mode) extraction run \(run.id) from \(redactedURL(o.from)) (\(o.kind.rawValue))")
        var tally = Tally()
        do {
            switch o.kind {
            case .rest: try await RestPull(o: o, store: store, conn: conn, run: run, log: log).pull(&tally)
            case .pbxd: try await PbxdPull(o: o, store: store, conn: conn, run: run, log: log).pull(&tally)
            }
        } catch ExtractError.windowClosed(let w, let next, _) {
            let requests = await conn.requests
            try? await store.finishRun(run.id, status: "paused", counts: tally.counts, requests: requests, error: "extraction window \(w) closed")
            log("extraction window \(w) closed: run \(run.id) paused at its checkpoint after \(requests) requests")
            throw ExtractError.windowClosed(window: w, nextOpening: next, run: run.id)
        } catch {
            let requests = await conn.requests
            let interrupted = error is CancellationError
            try? await store.finishRun(run.id, status: interrupted ? "interrupted" : "failed", counts: tally.counts,
                                       requests: requests, error: interrupted ? "cancelled" : error.localizedDescription)
            throw error
        }
        let requests = await conn.requests
        try await store.finishRun(run.id, status: "succeeded", counts: tally.counts, requests: requests, error: nil)
        let (whole, atto) = (ContinuousClock.now - start).components
        let secs = Double(whole) + Double(atto) / 1e18
        return ExtractSummary(run: run.id, resumed: resumed, mode: run.mode, counts: tally.counts, deleted: tally.deleted,
                              requests: requests, seconds: secs, tookOverLockFrom: tookOverLockFrom)
    }

    /// The URL without user info, for logs and the run record.
    static func redactedURL(_ s: String) -> String {
        guard var c = URLComponents(string: s) else { return s }
        c.user = nil
        c.password = nil
        return c.string ?? s
    }
}

struct Tally: Sendable {
    var counts: [String: Int] = [:]
    var deleted: [String] = []
    mutating func add(_ d: CMRestDataset, _ what: String, _ n: Int) {
        guard n > 0 else { return }
        counts["\(d.rawValue).\(what)", default: 0] += n
        counts[what, default: 0] += n
    }
    mutating func add(_ d: CMRestDataset, _ p: StagingStore.PageOutcome, fetched: Int) {
        add(d, "fetched", fetched); add(d, "new", p.new); add(d, "changed", p.changed); add(d, "unchanged", p.unchanged)
    }
}

/// Index columns for a record: extension, number, name (whichever the dataset has).
func indexColumns(_ o: [String: JSONValue]) -> (String?, Int?, String?) {
    let ext = o["extension"]?.stringValue ?? o["loginId"]?.stringValue
    let num = o["number"]?.intValue.map { Int($0) }
    let name = o["name"]?.stringValue ?? o["description"]?.stringValue
    return (ext, num, name)
}

/// Our CM REST contract (docs/cm-rest.md): `GET /<dataset>?limit=&offset=[&modifiedSince=]`
/// → `{"results": [...], "total": N, "asOf": "…"}`; `view=keys` lists ids only.
struct RestPull {
    let o: ExtractOptions
    let store: any StagingBackend
    let conn: Connection
    let run: ExtractionRun
    let log: @Sendable (String) -> Void

    func pull(_ tally: inout Tally) async throws {
        for d in o.datasets {
            if let since = run.since {
                // Changed records, then the key list (deletions), then the sweep.
                try await pages(d, phase: "changes", query: "modifiedSince=\(enc(since))", tally: &tally)
                try await pages(d, phase: "keys", query: "view=keys", tally: &tally)
            } else {
                try await pages(d, phase: "records", query: nil, tally: &tally)
            }
            if !(try await store.checkpoint(run: run.id, dataset: d.rawValue, phase: "sweep").done) {
                let gone = try await store.sweep(run: run.id, dataset: d)
                tally.add(d, "deleted", gone.count)
                tally.deleted += gone.map { "\(d.rawValue)/\($0)" }
            }
        }
    }

    func enc(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    func pages(_ d: CMRestDataset, phase: String, query: String?, tally: inout Tally) async throws {
        var cp = try await store.checkpoint(run: run.id, dataset: d.rawValue, phase: phase)
        while !cp.done {
            let path = "/\(d.path)?limit=\(o.pageSize)&offset=\(cp.offset)" + (query.map { "&" + $0 } ?? "")
            let body = try await conn.json(.GET, path)
            let url = conn.base + path
            guard let results = body["results"]?.arrayValue, let total = body["total"]?.intValue else {
                throw ExtractError.badShape(url: url, detail: "no \"results\" array and \"total\" number")
            }
            var recs: [StagedRecord] = []
            var keys: [String] = []
            var newest: String?
            for r in results {
                guard case .object(let obj) = r, let id = obj["id"]?.stringValue, !id.isEmpty else {
                    throw ExtractError.badShape(url: url, detail: "a result without a string \"id\"")
                }
                let lm = obj["lastModified"]?.stringValue
                if let lm, lm > (newest ?? "") { newest = lm }
                keys.append(id)
                let (e, n, nm) = indexColumns(obj)
                recs.append(StagedRecord(key: id, record: r, lastModified: lm, extensionValue: e, number: n, name: nm))
            }
            if let asOf = body["asOf"]?.stringValue ?? newest { try await store.setWatermarkIfUnset(run: run.id, asOf) }
            let next = cp.offset + results.count
            let done = results.isEmpty || next >= Int(total)
            if phase == "keys" {
                try await store.markSeen(run: run.id, dataset: d, phase: phase, keys: keys, nextOffset: next, done: done)
            } else {
                let out = try await store.stage(run: run.id, dataset: d, source: .rest, phase: phase, records: recs, nextOffset: next, done: done)
                tally.add(d, out, fetched: recs.count)
            }
            cp = .init(offset: next, done: done)
        }
    }
}
