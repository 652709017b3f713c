import AvayaCM
import Common
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL staging store: the SQLite store's schema and semantics (runs, checkpoints,
/// tombstones, delta; a page and its checkpoint in one transaction) in one database shared by
/// many PBXes. Every table lives in the schema `cm2gc_stage` and every row carries `pbx`
/// (part of each primary key); this store reads and writes only its URL's `pbx=` rows, so
/// extracts of different CMs run side by side without touching each other's rows. One extract
/// per PBX at a time: a session advisory lock (`pg_try_advisory_lock`) that the server drops when
/// the holder's connection ends (process killed, host gone once TCP notices).
///
/// One connection per store, used by one pull at a time (the pulls are sequential): the
/// connection that holds the advisory lock is the one that writes.
public final class PostgresStagingStore: StagingBackend, Sendable {
    public let url: PostgresStageURL
    let conn: PostgresConnection
    let logger: Logger
    var name: String { url.description }
    var pbx: String { url.pbx }

    static let schema = "cm2gc_stage"
    /// Bumped when the tables change; `migrate` refuses a newer store.
    static let schemaVersion = 1

    private init(url: PostgresStageURL, conn: PostgresConnection, logger: Logger) {
        self.url = url
        self.conn = conn
        self.logger = logger
    }

    /// Connects and creates the schema when missing. Takes no run lock (`acquireRunLock` does);
    /// `credentialsProcess`/`environment`: where the password comes from (`PostgresStageURL.password`).
    public static func open(_ url: PostgresStageURL, credentialsProcess: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            application: String = "cm2gc") async throws -> PostgresStagingStore {
        let s = try await connect(url, credentialsProcess: credentialsProcess, environment: environment, application: application)
        do { try await s.migrate() } catch {
            await s.close()
            throw error
        }
        return s
    }

    static func connect(_ url: PostgresStageURL, credentialsProcess: String?, environment: [String: String],
                        application: String) async throws -> PostgresStagingStore {
        let password = try url.password(credentialsProcess: credentialsProcess, environment: environment)
        // Nothing of the connection reaches a log: the handler drops everything.
        let logger = Logger(label: "cm2gc.stage", factory: { _ in SwiftLogNoOpLogHandler() })
        let config = try url.configuration(password: password, applicationName: "\(application) pbx=\(url.pbx)")
        do {
            let c = try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
            return PostgresStagingStore(url: url, conn: c, logger: logger)
        } catch {
            throw connectError(error, url: url, hadPassword: password != nil)
        }
    }

    public func close() async {
        try? await conn.close()
    }

    // MARK: - Errors

    /// What the server or the connection said, without secrets (PSQLError's own description hides
    /// everything on purpose; the server's message and SQLSTATE are what an operator needs).
    static func describe(_ error: any Error) -> String {
        if let p = error as? PSQLError {
            if let info = p.serverInfo, let msg = info[.message] {
                var s = msg
                if let st = info[.sqlState] { s += " (SQLSTATE \(st))" }
                if let d = info[.detail] { s += "; \(d)" }
                if let h = info[.hint] { s += "; hint: \(h)" }
                return s
            }
            if let u = p.underlying { return "\(p.code): \(u)" }
            return "\(p.code)"
        }
        if let e = error as? ExtractError { return e.localizedDescription }
        return "\(error)"
    }

    static func connectError(_ error: any Error, url: PostgresStageURL, hadPassword: Bool) -> ExtractError {
        let whereTo = url.socketDirectory.map { "the Unix socket \($0)/.s.PGSQL.\(url.port)" } ?? "\(url.host ?? "localhost"):\(url.port)"
        if let e = error as? ExtractError { return e }
        if let p = error as? PSQLError {
            let state = p.serverInfo?[.sqlState]
            if p.code == .authMechanismRequiresPassword || (state == "28P01" && !hadPassword) {
                return .store(path: url.description, detail: "the server asks a password for user \(url.user) and none was found; "
                              + "set PGPASSWORD, add a line host:port:database:user:password to a passfile of mode 0600 "
                              + "(PGPASSFILE or ~/.pgpass), or pass --stage-credentials-process")
            }
            if state == "28P01" || state == "28000" {
                return .store(path: url.description, detail: "the server refused user \(url.user): \(describe(p)); "
                              + "check the password (PGPASSWORD, passfile, --stage-credentials-process) and pg_hba.conf")
            }
            if state == "3D000" {
                return .store(path: url.description, detail: "\(describe(p)); create it (createdb \(url.database)) or fix the URL's database")
            }
            if p.code == .sslUnsupported {
                return .store(path: url.description, detail: "the server at \(whereTo) does not offer TLS and sslmode=\(url.sslMode.rawValue) requires it; "
                              + "enable ssl on the server or (on a trusted network only) use sslmode=prefer or disable")
            }
            if let u = p.underlying, String(reflecting: type(of: u)).hasPrefix("NIOSSL.") {
                return .store(path: url.description, detail: "cannot connect to \(whereTo): the TLS handshake failed (\(u)); with "
                              + "sslmode=verify-full or verify-ca, sslrootcert must name the CA that signed the server's certificate "
                              + "(else the system's CAs are used) and, for verify-full, the URL's host must be a name in it")
            }
            if p.serverInfo == nil {
                return .store(path: url.description, detail: "cannot connect to \(whereTo): \(describe(p)); check the host, the port, "
                              + "that the server listens there (listen_addresses), pg_hba.conf and the TLS settings (sslmode, sslrootcert)")
            }
        }
        return .store(path: url.description, detail: "cannot connect to \(whereTo): \(describe(error))")
    }

    @discardableResult
    /// Runs `body`; a database error becomes `ExtractError.store` naming the URL.
    func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as ExtractError {
            throw e
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ExtractError.store(path: name, detail: Self.describe(error))
        }
    }

    @discardableResult
    func q(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await conn.query(query, logger: logger).collect()
    }

    @discardableResult
    /// One transaction: committed when `body` returns, rolled back when it throws.
    func transaction<T>(_ begin: PostgresQuery = "BEGIN", _ body: () async throws -> T) async throws -> T {
        try await wrap {
            try await q(begin)
            do {
                let v = try await body()
                try await q("COMMIT")
                return v
            } catch {
                _ = try? await q("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - Schema

    /// `key` sorts bytewise (COLLATE "C"), as SQLite's BINARY collation does: the same staged
    /// content is read in the same order, so builds from either store are byte-identical.
    static func ddl() -> [String] {
        let s = schema
        var out = [
            "CREATE SCHEMA IF NOT EXISTS \(s)",
            "CREATE TABLE IF NOT EXISTS \(s).schema_info(version INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS \(s).meta(pbx TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(pbx, key))",
            """
            CREATE TABLE IF NOT EXISTS \(s).extraction_runs(
              pbx TEXT NOT NULL, id BIGINT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT,
              source TEXT NOT NULL, url TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL,
              since TEXT, watermark TEXT, counts TEXT NOT NULL DEFAULT '{}', requests BIGINT NOT NULL DEFAULT 0, error TEXT,
              PRIMARY KEY(pbx, id))
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).checkpoints(
              pbx TEXT NOT NULL, run_id BIGINT NOT NULL, dataset TEXT NOT NULL, phase TEXT NOT NULL,
              next_offset BIGINT NOT NULL DEFAULT 0, done BOOLEAN NOT NULL DEFAULT false,
              PRIMARY KEY(pbx, run_id, dataset, phase))
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).run_locks(
              pbx TEXT PRIMARY KEY, pid BIGINT NOT NULL, host TEXT NOT NULL, started TEXT NOT NULL, command TEXT NOT NULL)
            """,
        ]
        for d in CMRestDataset.allCases {
            let t = d.table
            out.append("""
                CREATE TABLE IF NOT EXISTS \(s).\(t)(
                  pbx TEXT NOT NULL, key TEXT COLLATE "C" NOT NULL, extension TEXT, number BIGINT, name TEXT,
                  record TEXT NOT NULL, source TEXT NOT NULL, last_modified TEXT, digest TEXT NOT NULL,
                  list_row TEXT, first_run BIGINT NOT NULL, fetched_run BIGINT NOT NULL,
                  changed_run BIGINT NOT NULL, seen_run BIGINT NOT NULL, deleted_at TEXT, deleted_run BIGINT,
                  PRIMARY KEY(pbx, key))
                """)
            for c in ["extension", "number", "name", "seen_run"] {
                out.append("CREATE INDEX IF NOT EXISTS \(t)_\(c == "seen_run" ? "seen" : c) ON \(s).\(t)(pbx, \(c))")
            }
        }
        return out
    }

    /// Creates the schema once. Concurrent first runs of several extracts serialise on a
    /// transaction-level advisory lock (concurrent `CREATE … IF NOT EXISTS` can otherwise fail
    /// on the catalogue's unique indexes).
    func migrate() async throws {
        try await transaction {
            try await q("SELECT pg_advisory_xact_lock(hashtextextended('cm2gc.stage.schema', 0))")
            let exists = try await q("SELECT to_regclass('cm2gc_stage.schema_info') IS NOT NULL").first?.decode(Bool.self) ?? false
            if exists {
                let v = try await q("SELECT max(version) FROM cm2gc_stage.schema_info").first?.decode(Int?.self) ?? nil
                if let v, v > Self.schemaVersion {
                    throw ExtractError.store(path: name, detail: "the schema \(Self.schema) is version \(v), newer than this cm2gc (\(Self.schemaVersion)); use a newer cm2gc")
                }
                if v == Self.schemaVersion { return }
            }
            for stmt in Self.ddl() { try await q(PostgresQuery(unsafeSQL: stmt)) }
            try await q("DELETE FROM cm2gc_stage.schema_info")
            try await q("INSERT INTO cm2gc_stage.schema_info(version) VALUES (\(Self.schemaVersion))")
        }
    }

    func schemaExists() async throws -> Bool {
        try await wrap { try await q("SELECT to_regclass('cm2gc_stage.schema_info') IS NOT NULL").first?.decode(Bool.self) ?? false }
    }

    // MARK: - Run lock

    /// The advisory lock key of this PBX: a 64-bit hash of a name only cm2gc uses.
    var lockKey: String { "cm2gc.stage/\(pbx)" }

    /// One extract per PBX: a session advisory lock, taken without waiting. Busy: throws
    /// `ExtractError.busy` naming the holder (from `run_locks`) and touches nothing. Taken:
    /// records this process in `run_locks` and returns the previous holder when one had
    /// ended without releasing (killed; the server released its lock with its connection).
    func acquireRunLock(command: String) async throws -> String? {
        let got = try await wrap {
            try await q("SELECT pg_try_advisory_lock(hashtextextended(\(lockKey), 0))").first?.decode(Bool.self) ?? false
        }
        guard got else {
            var holder = "another session"
            if try await schemaExists(),
               let r = try? await q("SELECT pid, host, started, command FROM cm2gc_stage.run_locks WHERE pbx = \(pbx)").first,
               let (pid, host, started, cmd) = try? r.decode((Int64, String, String, String).self) {
                holder = "process \(pid) on \(host) (\(cmd), started \(started))"
            }
            throw ExtractError.busy("\(name): PBX \(pbx) is being extracted by \(holder); one extract per PBX at a time "
                                    + "(a PostgreSQL advisory lock, released when that session ends): try again when it has finished")
        }
        do {
            try await migrate()
            return try await transaction {
                var previous: String?
                if let r = try await q("SELECT pid, host, started, command FROM cm2gc_stage.run_locks WHERE pbx = \(pbx)").first {
                    let (pid, host, started, cmd) = try r.decode((Int64, String, String, String).self)
                    previous = "process \(pid) on \(host) (\(cmd), started \(started))"
                }
                try await q("""
                    INSERT INTO cm2gc_stage.run_locks(pbx, pid, host, started, command)
                    VALUES (\(pbx), \(Int64(getpid())), \(ProcessInfo.processInfo.hostName), \(StagingStore.now()), \(command))
                    ON CONFLICT (pbx) DO UPDATE SET pid = excluded.pid, host = excluded.host, started = excluded.started, command = excluded.command
                    """)
                return previous
            }
        } catch {
            await releaseRunLock()
            throw error
        }
    }

    func releaseRunLock() async {
        _ = try? await q("DELETE FROM cm2gc_stage.run_locks WHERE pbx = \(pbx)")
        _ = try? await q("SELECT pg_advisory_unlock(hashtextextended(\(lockKey), 0))")
    }

    // MARK: - Runs

    static let runColumns = "id, started_at, ended_at, source, url, mode, status, since, watermark, counts, requests, error"

    static func run(_ r: PostgresRow) throws -> ExtractionRun {
        let (id, started, ended, source, url, mode, status, since, watermark, countsText, requests, error) =
            try r.decode((Int64, String, String?, String, String, String, String, String?, String?, String, Int64, String?).self)
        var counts: [String: Int] = [:]
        if case .object(let o)? = try? JSONValue.parse(countsText) {
            for (k, v) in o { counts[k] = v.intValue.map { Int($0) } ?? 0 }
        }
        return ExtractionRun(id: id, startedAt: started, endedAt: ended, source: source, url: url, mode: mode, status: status,
                             since: since, watermark: watermark, counts: counts, requests: Int(requests), error: error)
    }

    public func runs() async throws -> [ExtractionRun] {
        try await wrap {
            try await q("SELECT \(unescaped: Self.runColumns) FROM cm2gc_stage.extraction_runs WHERE pbx = \(pbx) ORDER BY id").map(Self.run)
        }
    }

    public func latestRun() async throws -> ExtractionRun? {
        try await wrap {
            try await q("SELECT \(unescaped: Self.runColumns) FROM cm2gc_stage.extraction_runs WHERE pbx = \(pbx) ORDER BY id DESC LIMIT 1")
                .first.map(Self.run)
        }
    }

    func beginOrResume(source: SourceKind, url runURL: String, incremental: Bool) async throws -> (ExtractionRun, resumed: Bool) {
        try await transaction {
            if let kind = try await q("SELECT value FROM cm2gc_stage.meta WHERE pbx = \(pbx) AND key = 'source'").first?.decode(String.self),
               kind != source.rawValue {
                throw ExtractError.store(path: name, detail: "PBX \(pbx) holds records extracted with --kind \(kind); use another pbx= for --kind \(source.rawValue)")
            }
            try await q("INSERT INTO cm2gc_stage.meta(pbx, key, value) VALUES (\(pbx), 'source', \(source.rawValue)) ON CONFLICT DO NOTHING")
            if let r = try await q("SELECT \(unescaped: Self.runColumns) FROM cm2gc_stage.extraction_runs WHERE pbx = \(pbx) ORDER BY id DESC LIMIT 1")
                .first.map(Self.run), r.status != "succeeded", r.source == source.rawValue {
                try await q("UPDATE cm2gc_stage.extraction_runs SET status = 'running', url = \(runURL), error = NULL WHERE pbx = \(pbx) AND id = \(r.id)")
                var x = r
                x.status = "running"
                return (x, true)
            }
            var since: String?
            if incremental {
                since = try await q("""
                    SELECT watermark FROM cm2gc_stage.extraction_runs WHERE pbx = \(pbx) AND status = 'succeeded' AND watermark IS NOT NULL
                    ORDER BY id DESC LIMIT 1
                    """).first?.decode(String.self)
            }
            let mode = since != nil ? "incremental" : "full"
            let started = StagingStore.now()
            // Run ids count per PBX (1, 2, …) as in a SQLite store of its own; the run lock
            // makes this process the only writer of this PBX's runs.
            let id = try await q("SELECT COALESCE(max(id), 0) + 1 FROM cm2gc_stage.extraction_runs WHERE pbx = \(pbx)").first?.decode(Int64.self) ?? 1
            try await q("""
                INSERT INTO cm2gc_stage.extraction_runs(pbx, id, started_at, source, url, mode, status, since)
                VALUES (\(pbx), \(id), \(started), \(source.rawValue), \(runURL), \(mode), 'running', \(since))
                """)
            return (ExtractionRun(id: id, startedAt: started, endedAt: nil, source: source.rawValue, url: runURL, mode: mode,
                                  status: "running", since: since, watermark: nil, counts: [:], requests: 0, error: nil), false)
        }
    }

    func setWatermarkIfUnset(run: Int64, _ w: String) async throws {
        try await wrap {
            try await q("UPDATE cm2gc_stage.extraction_runs SET watermark = \(w) WHERE pbx = \(pbx) AND id = \(run) AND watermark IS NULL")
        }
    }

    func finishRun(_ run: Int64, status: String, counts: [String: Int], requests: Int, error: String?) async throws {
        let c = JSONValue.object(counts.mapValues { .int(Int64($0)) }).canonicalText()
        try await wrap {
            try await q("""
                UPDATE cm2gc_stage.extraction_runs SET status = \(status), ended_at = \(StagingStore.now()), counts = \(c),
                  requests = requests + \(Int64(requests)), error = \(error)
                WHERE pbx = \(pbx) AND id = \(run)
                """)
        }
    }

    // MARK: - Checkpoints and pages

    func checkpoint(run: Int64, dataset: String, phase: String) async throws -> StagingCheckpoint {
        try await wrap {
            guard let r = try await q("""
                SELECT next_offset, done FROM cm2gc_stage.checkpoints
                WHERE pbx = \(pbx) AND run_id = \(run) AND dataset = \(dataset) AND phase = \(phase)
                """).first else { return StagingCheckpoint(offset: 0, done: false) }
            let (offset, done) = try r.decode((Int64, Bool).self)
            return StagingCheckpoint(offset: Int(offset), done: done)
        }
    }

    func setCheckpoint(run: Int64, dataset: String, phase: String, offset: Int, done: Bool) async throws {
        try await q("""
            INSERT INTO cm2gc_stage.checkpoints(pbx, run_id, dataset, phase, next_offset, done)
            VALUES (\(pbx), \(run), \(dataset), \(phase), \(Int64(offset)), \(done))
            ON CONFLICT (pbx, run_id, dataset, phase) DO UPDATE SET next_offset = excluded.next_offset, done = excluded.done
            """)
    }

    func stage(run: Int64, dataset: CMRestDataset, source: SourceKind, phase: String, records: [StagedRecord],
               nextOffset: Int, done: Bool) async throws -> StagingPageOutcome {
        let t = "cm2gc_stage.\(dataset.table)"
        return try await transaction {
            var old: [String: (digest: String, deleted: Bool)] = [:]
            let keys = records.map(\.key)
            for r in try await q("SELECT key, digest, deleted_at IS NOT NULL FROM \(unescaped: t) WHERE pbx = \(pbx) AND key = ANY(\(keys))") {
                let (k, d, deleted) = try r.decode((String, String, Bool).self)
                old[k] = (d, deleted)
            }
            var out = StagingPageOutcome()
            for r in records {
                let digest = r.digest
                let text = r.record.canonicalText()
                if let o = old[r.key] {
                    let same = o.digest == digest && !o.deleted
                    if same { out.unchanged += 1 } else { out.changed += 1 }
                    try await q("""
                        UPDATE \(unescaped: t) SET extension = \(r.extensionValue), number = \(r.number.map(Int64.init)), name = \(r.name),
                          record = \(text), source = \(source.rawValue), last_modified = \(r.lastModified), digest = \(digest),
                          list_row = COALESCE(\(r.listRow), list_row), fetched_run = \(run), seen_run = \(run),
                          changed_run = CASE WHEN \(same) THEN changed_run ELSE \(run) END, deleted_at = NULL, deleted_run = NULL
                        WHERE pbx = \(pbx) AND key = \(r.key)
                        """)
                } else {
                    out.new += 1
                    try await q("""
                        INSERT INTO \(unescaped: t)(pbx, key, extension, number, name, record, source, last_modified, digest, list_row,
                          first_run, fetched_run, changed_run, seen_run)
                        VALUES (\(pbx), \(r.key), \(r.extensionValue), \(r.number.map(Int64.init)), \(r.name), \(text), \(source.rawValue),
                          \(r.lastModified), \(digest), \(r.listRow), \(run), \(run), \(run), \(run))
                        """)
                    // A key twice in one page (never from a well-behaved source) updates the row just inserted.
                    old[r.key] = (digest, false)
                }
            }
            try await setCheckpoint(run: run, dataset: dataset.rawValue, phase: phase, offset: nextOffset, done: done)
            return out
        }
    }

    func markSeen(run: Int64, dataset: CMRestDataset, phase: String, keys: [String], nextOffset: Int, done: Bool) async throws {
        try await transaction {
            try await q("""
                UPDATE cm2gc_stage.\(unescaped: dataset.table) SET seen_run = \(run)
                WHERE pbx = \(pbx) AND key = ANY(\(keys)) AND deleted_at IS NULL
                """)
            try await setCheckpoint(run: run, dataset: dataset.rawValue, phase: phase, offset: nextOffset, done: done)
        }
    }

    func live(_ dataset: CMRestDataset) async throws -> [String: StagingLiveRow] {
        try await wrap {
            var out: [String: StagingLiveRow] = [:]
            for r in try await q("SELECT key, digest, list_row FROM cm2gc_stage.\(unescaped: dataset.table) WHERE pbx = \(pbx) AND deleted_at IS NULL") {
                let (k, d, l) = try r.decode((String, String, String?).self)
                out[k] = StagingLiveRow(digest: d, listRow: l)
            }
            return out
        }
    }

    func sweep(run: Int64, dataset: CMRestDataset) async throws -> [String] {
        try await transaction {
            let gone = try await q("""
                WITH gone AS (
                  UPDATE cm2gc_stage.\(unescaped: dataset.table) SET deleted_at = \(StagingStore.now()), deleted_run = \(run)
                  WHERE pbx = \(pbx) AND deleted_at IS NULL AND seen_run <> \(run) RETURNING key)
                SELECT key FROM gone ORDER BY key
                """).map { try $0.decode(String.self) }
            try await setCheckpoint(run: run, dataset: dataset.rawValue, phase: "sweep", offset: 0, done: true)
            return gone
        }
    }

    func fetchedKeys(_ d: CMRestDataset, run: Int64) async throws -> Set<String> {
        try await wrap {
            Set(try await q("SELECT key FROM cm2gc_stage.\(unescaped: d.table) WHERE pbx = \(pbx) AND fetched_run = \(run)")
                .map { try $0.decode(String.self) })
        }
    }

    // MARK: - Queries (tests, reports, build)

    /// Keys of live records, or of tombstones with `deleted: true`.
    public func keys(_ dataset: CMRestDataset, deleted: Bool = false) async throws -> [String] {
        try await wrap {
            try await q("""
                SELECT key FROM cm2gc_stage.\(unescaped: dataset.table)
                WHERE pbx = \(pbx) AND deleted_at IS \(unescaped: deleted ? "NOT " : "")NULL ORDER BY key
                """).map { try $0.decode(String.self) }
        }
    }

    /// Keys whose content changed (or appeared) in `run`.
    public func changedKeys(_ dataset: CMRestDataset, run: Int64) async throws -> [String] {
        try await wrap {
            try await q("""
                SELECT key FROM cm2gc_stage.\(unescaped: dataset.table)
                WHERE pbx = \(pbx) AND changed_run = \(run) AND deleted_at IS NULL ORDER BY key
                """).map { try $0.decode(String.self) }
        }
    }

    /// Digest of every live record, computed as `StagingStore.contentDigest` computes it: the same
    /// staged content gives the same value in either store.
    public func contentDigest() async throws -> String {
        try await wrap {
            var lines: [String] = []
            for d in CMRestDataset.allCases {
                for r in try await q("SELECT key, digest FROM cm2gc_stage.\(unescaped: d.table) WHERE pbx = \(pbx) AND deleted_at IS NULL ORDER BY key") {
                    let (k, dg) = try r.decode((String, String).self)
                    lines.append("\(d.rawValue)/\(k)=\(dg)")
                }
            }
            return SHA256Digest.hex(lines.joined(separator: "\n"))
        }
    }

    func source() async throws -> SourceKind? {
        try await wrap {
            try await q("SELECT value FROM cm2gc_stage.meta WHERE pbx = \(pbx) AND key = 'source'").first
                .flatMap { SourceKind(rawValue: try $0.decode(String.self)) }
        }
    }

    func liveRows(_ dataset: CMRestDataset) async throws -> [(key: String, record: String)] {
        try await wrap {
            try await q("SELECT key, record FROM cm2gc_stage.\(unescaped: dataset.table) WHERE pbx = \(pbx) AND deleted_at IS NULL ORDER BY key")
                .map { let (k, r) = try $0.decode((String, String).self); return (key: k, record: r) }
        }
    }

    /// Whether this session's connection is encrypted (`pg_stat_ssl`), for `sslmode` checks.
    public func sessionUsesTLS() async throws -> Bool {
        try await wrap { try await q("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.decode(Bool.self) ?? false }
    }

    // MARK: - Build

    /// `StagingStore.readModel` for PostgreSQL: the PBX's live records, read in one
    /// repeatable-read snapshot (a concurrent extract of another PBX, or the next run of this
    /// one starting, never shows half-way). Refuses a PBX whose newest run did not succeed.
    public static func readModel(_ url: PostgresStageURL, options: ReadOptions = .init(), credentialsProcess: String? = nil,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ReadResult {
        let s = try await connect(url, credentialsProcess: credentialsProcess, environment: environment, application: "cm2gc build")
        do {
            let r = try await s.readModel(options: options)
            await s.close()
            return r
        } catch {
            await s.close()
            throw error
        }
    }

    func readModel(options: ReadOptions) async throws -> ReadResult {
        guard try await schemaExists() else {
            throw ExtractError.store(path: name, detail: "no cm2gc staging tables in database \(url.database); run `cm2gc extract --stage \(name)` first")
        }
        let (kind, rows) = try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            guard let run = try await latestRun() else {
                throw ExtractError.store(path: name, detail: "no extraction run recorded for pbx=\(pbx); run `cm2gc extract --stage \(name)` first")
            }
            guard run.status == "succeeded" else { throw ExtractError.runIncomplete(path: name, run: run.id, status: run.status) }
            var rows: [(CMRestDataset, [(key: String, record: String)])] = []
            for d in CMRestDataset.allCases { rows.append((d, try await liveRows(d))) }
            return (try await source(), rows)
        }
        return try StagedModelReader.read(kind: kind, rows: rows, name: name, options: options)
    }

    /// The end of the PBX's newest run when it succeeded, in seconds since 1970 (nil otherwise).
    static func lastSuccessEpoch(_ url: PostgresStageURL, environment: [String: String]) async throws -> Int64? {
        let s = try await connect(url, credentialsProcess: nil, environment: environment, application: "cm2gc build")
        let latest: ExtractionRun?
        do {
            latest = try await s.schemaExists() ? try await s.latestRun() : nil
            await s.close()
        } catch {
            await s.close()
            throw error
        }
        guard let run = latest, run.status == "succeeded", let end = run.endedAt else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: end).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }
}
