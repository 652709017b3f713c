import Common
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// State of one plan step in the ledger.
public enum StepState: String, Sendable, Codable, CaseIterable {
    case pending = "PENDING", inProgress = "IN_PROGRESS", success = "SUCCESS", failed = "FAILED", skipped = "SKIPPED"
}

/// State of one phase.
public enum PhaseState: String, Sendable, Codable, CaseIterable {
    case pending = "PENDING", inProgress = "IN_PROGRESS", success = "SUCCESS"
    case partialFailure = "PARTIAL_FAILURE", failed = "FAILED"
}

/// How the object behind a successful step came to be.
public enum StepOrigin: String, Sendable, Codable {
    /// This bundle created it: rollback deletes it.
    case created
    /// It existed already and matched (or `--adopt`): rollback leaves it alone.
    case adopted
    /// A write to an object that exists anyway (patch, update, settings, members).
    case written
    /// A delete step.
    case deleted
}

/// The preflight's verdict for a step, kept so that a resumed run remembers what existed before
/// this bundle wrote anything.
public enum StepDecision: String, Sendable, Codable {
    case create, adopt, conflict, update, delete, write
}

/// One step as the ledger holds it.
public struct LedgerStep: Sendable, Hashable, Codable {
    public var seq: Int
    public var id: String
    public var type: String
    public var key: String
    public var action: String
    public var phase: Int
    public var state: StepState
    public var decision: StepDecision?
    public var origin: StepOrigin?
    public var genesysID: String?
    public var parentID: String?
    public var attempts: Int
    public var lastError: String?
    public var httpStatus: Int?
    public var correlationID: String?
    public var updatedAt: String?
    public var rollbackState: StepState?
    public var idempotencyKey: String
}

/// A write-ahead record: written and made durable before the request it describes is sent.
public struct LedgerIntent: Sendable, Hashable, Codable {
    public var seq: Int64
    public var kind: String
    public var steps: [String]
    public var method: String
    public var path: String
    public var idempotencyKey: String
    public var createdAt: String
    public var outcome: String?
}

/// The upload ledger: one SQLite file (WAL, `synchronous=FULL`) per bundle, next to it by default.
///
/// Every state change is its own committed transaction, so a crash at any instant leaves a state
/// that the next run can read: a step is SUCCESS only after its id is stored, and every mutating
/// request has an intent row committed before it is sent. An intent without an outcome is the
/// evidence of a request whose answer may have been lost; the executor resolves those by lookup.
///
/// One process at a time: `open` takes an exclusive `flock` on `<ledger>.lock` (`RunLock`: released
/// by the kernel even on SIGKILL, so a dead process's lock is taken over), or adopts one the caller
/// took earlier with `Ledger.lock` (before verifying the bundle and reading credentials).
public final class Ledger: Sendable {
    public let path: String
    private let db: any DatabaseWriter
    private let runLock: RunLock?
    private let batcher: WriteBatcher
    /// Transactions and the writes they carried so far (group commit).
    var commitCounts: (transactions: Int, writes: Int) { batcher.counts }

    public static let schemaVersion = 1

    private init(path: String, db: any DatabaseWriter, lock: RunLock?) {
        self.path = path
        self.db = db
        self.runLock = lock
        self.batcher = WriteBatcher(db: db, path: path)
    }

    deinit { runLock?.release() }

    /// Default ledger path: `<bundle>.ledger.sqlite`.
    public static func defaultPath(forBundle bundle: URL) -> String { bundle.path + ".ledger.sqlite" }

    /// Opens (or creates) the ledger for a bundle digest. An existing ledger for another digest is
    /// refused. `steps` seeds a new ledger; for an existing one they must be the same step ids.
    public static func open(path: String, bundleDigest: String, bundleID: String, steps: [(id: String, type: String, key: String,
                            action: String, phase: Int, idempotencyKey: String)], lock: Bool = true,
                            heldLock: RunLock? = nil) throws -> Ledger {
        let runLock = try heldLock ?? (lock ? Self.lock(path: path, command: "cm2gc-upload") : nil)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
        } catch {
            runLock?.release()
            throw UploadError.ledger(path: path, reason: "\(error)")
        }
        let ledger = Ledger(path: path, db: pool, lock: runLock)
        try ledger.write { db in
            try createSchema(db)
            let digest = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'bundle_digest'")
            if let digest {
                guard digest == bundleDigest else {
                    throw UploadError.ledgerMismatch(path: path, reason: "it records bundle digest \(digest), but this bundle's digest is \(bundleDigest)")
                }
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM steps") ?? 0
                guard count == steps.count else {
                    throw UploadError.ledgerMismatch(path: path, reason: "it has \(count) steps, the bundle plan has \(steps.count)")
                }
                return
            }
            let now = Self.now()
            for (k, v) in [("bundle_digest", bundleDigest), ("bundle_id", bundleID), ("created_at", now),
                           ("schema_version", String(schemaVersion))] {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [k, v])
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO steps(seq, id, type, key, action, phase, state, attempts, idempotency_key)
                VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?)
                """)
            for (i, s) in steps.enumerated() {
                try insert.execute(arguments: [i, s.id, s.type, s.key, s.action, s.phase, s.idempotencyKey])
            }
            for phase in Set(steps.map(\.phase)).sorted() {
                try db.execute(sql: "INSERT INTO phases(phase, state) VALUES (?, 'PENDING')", arguments: [phase])
            }
        }
        return ledger
    }

    /// Opens an existing ledger read-mostly (status, reconcile); nil when the file does not exist.
    public static func openExisting(path: String, lock: Bool = false, heldLock: RunLock? = nil) throws -> Ledger? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let runLock = try heldLock ?? (lock ? Self.lock(path: path, command: "cm2gc-upload") : nil)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration())
            let ledger = Ledger(path: path, db: pool, lock: runLock)
            try ledger.write { try createSchema($0) }
            return ledger
        } catch let e as UploadError {
            throw e
        } catch {
            runLock?.release()
            throw UploadError.ledger(path: path, reason: "\(error)")
        }
    }

    /// A throwaway in-memory ledger (the read-only `plan` runs without touching the real one).
    static func openInMemory(bundle: UploadBundle) throws -> Ledger {
        let queue = try DatabaseQueue()
        let ledger = Ledger(path: ":memory:", db: queue, lock: nil)
        try ledger.write { db in
            try createSchema(db)
            let insert = try db.makeStatement(sql: """
                INSERT INTO steps(seq, id, type, key, action, phase, state, attempts, idempotency_key)
                VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?)
                """)
            for s in bundle.steps {
                try insert.execute(arguments: [s.index, s.id, s.type.rawValue, s.key, s.action.rawValue, s.phase, s.idempotencyKey])
            }
        }
        return ledger
    }

    private static func configuration() -> Configuration {
        var c = Configuration()
        c.busyMode = .timeout(10)
        c.prepareDatabase { db in
            // FULL: a committed state change survives power loss too, not only a process crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return c
    }

    /// Takes the run lock of the ledger at `path` (`<path>.lock`) without waiting: another live
    /// process holding it is `ledgerBusy` (exit 75).
    public static func lock(path: String, command: String) throws -> RunLock {
        do { return try RunLock.acquire(path + ".lock", command: command) } catch let e as RunLockError {
            switch e {
            case .busy(_, let holder): throw UploadError.ledgerBusy(path: path, holder: holder?.description)
            case .unusable(let p, let reason): throw UploadError.io(path: p, reason: reason)
            }
        }
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS steps (
                seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, key TEXT NOT NULL,
                action TEXT NOT NULL, phase INTEGER NOT NULL, state TEXT NOT NULL, decision TEXT, origin TEXT,
                genesys_id TEXT, parent_id TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
                http_status INTEGER, correlation_id TEXT, updated_at TEXT, rollback_state TEXT,
                idempotency_key TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS phases (phase INTEGER PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT);
            CREATE TABLE IF NOT EXISTS intents (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, steps TEXT NOT NULL, method TEXT NOT NULL,
                path TEXT NOT NULL, idempotency_key TEXT NOT NULL, created_at TEXT NOT NULL, outcome TEXT,
                finished_at TEXT);
            CREATE INDEX IF NOT EXISTS intents_steps ON intents(steps);
            CREATE TABLE IF NOT EXISTS runs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, started_at TEXT NOT NULL,
                finished_at TEXT, result TEXT);
            """)
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.write(body)
        } catch let e as UploadError {
            throw e
        } catch {
            throw UploadError.ledger(path: path, reason: "\(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch {
            throw UploadError.ledger(path: path, reason: "\(error)")
        }
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// UTC time with milliseconds, for audit columns (a value type: safe from any thread).
    static func now() -> String { timeFormat.format(Date()) }

    // MARK: - Reading

    public func meta(_ key: String) throws -> String? {
        try read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public var bundleDigest: String? { try? meta("bundle_digest") }

    public func steps() throws -> [LedgerStep] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM steps ORDER BY seq").map(Self.step) }
    }

    public func step(_ id: String) throws -> LedgerStep? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM steps WHERE id = ?", arguments: [id]).map(Self.step) }
    }

    public func phases() throws -> [(phase: Int, state: PhaseState)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT phase, state FROM phases ORDER BY phase").map {
                (phase: $0["phase"], state: PhaseState(rawValue: $0["state"]) ?? .pending)
            }
        }
    }

    /// Intents whose request never got a recorded outcome (the process died or lost the answer).
    public func openIntents(kind: String) throws -> [LedgerIntent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM intents WHERE outcome IS NULL AND kind = ? ORDER BY seq", arguments: [kind])
                .map(Self.intent)
        }
    }

    /// Whether a request for this (single) step was sent without a known answer: an intent with no
    /// outcome (the process died) or with outcome UNKNOWN (the answer was lost).
    public func hasUnresolvedIntent(_ stepID: String) throws -> Bool {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM intents WHERE steps = ? AND kind = 'apply' AND (outcome IS NULL OR outcome = 'UNKNOWN')",
                              arguments: [stepID]) ?? 0) > 0
        }
    }

    public func intents() throws -> [LedgerIntent] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM intents ORDER BY seq").map(Self.intent) }
    }

    public func runs() throws -> [(command: String, startedAt: String, finishedAt: String?, result: String?)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY seq").map {
                (command: $0["command"], startedAt: $0["started_at"], finishedAt: $0["finished_at"], result: $0["result"])
            }
        }
    }

    private static func step(_ r: Row) -> LedgerStep {
        LedgerStep(seq: r["seq"], id: r["id"], type: r["type"], key: r["key"], action: r["action"], phase: r["phase"],
                   state: StepState(rawValue: r["state"]) ?? .pending,
                   decision: (r["decision"] as String?).flatMap(StepDecision.init(rawValue:)),
                   origin: (r["origin"] as String?).flatMap(StepOrigin.init(rawValue:)),
                   genesysID: r["genesys_id"], parentID: r["parent_id"], attempts: r["attempts"], lastError: r["last_error"],
                   httpStatus: r["http_status"], correlationID: r["correlation_id"], updatedAt: r["updated_at"],
                   rollbackState: (r["rollback_state"] as String?).flatMap(StepState.init(rawValue:)),
                   idempotencyKey: r["idempotency_key"])
    }

    private static func intent(_ r: Row) -> LedgerIntent {
        let steps: String = r["steps"]
        return LedgerIntent(seq: r["seq"], kind: r["kind"], steps: steps.split(separator: "\n").map(String.init),
                            method: r["method"], path: r["path"], idempotencyKey: r["idempotency_key"],
                            createdAt: r["created_at"], outcome: r["outcome"])
    }

    // MARK: - Writing (each call is one durable transaction)

    public func beginRun(_ command: String) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO runs(command, started_at) VALUES (?, ?)", arguments: [command, Self.now()])
            return db.lastInsertedRowID
        }
    }

    public func endRun(_ seq: Int64, result: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET finished_at = ?, result = ? WHERE seq = ?", arguments: [Self.now(), result, seq])
        }
    }

    /// Many decisions in one transaction (the preflight's verdicts).
    public func setDecisions(_ items: [(stepID: String, decision: StepDecision, genesysID: String?)]) throws {
        guard !items.isEmpty else { return }
        try write { db in
            let now = Self.now()
            let st = try db.makeStatement(sql: "UPDATE steps SET decision = ?, genesys_id = COALESCE(?, genesys_id), updated_at = ? WHERE id = ?")
            for i in items { try st.execute(arguments: [i.decision.rawValue, i.genesysID, now, i.stepID]) }
        }
    }

    public func setDecision(_ stepID: String, _ decision: StepDecision?, genesysID: String? = nil) throws {
        try write { db in
            try db.execute(sql: "UPDATE steps SET decision = ?, updated_at = ? WHERE id = ?",
                           arguments: [decision?.rawValue, Self.now(), stepID])
            if let genesysID {
                try db.execute(sql: "UPDATE steps SET genesys_id = ? WHERE id = ?", arguments: [genesysID, stepID])
            }
        }
    }

    /// Write-ahead: records the request about to be sent and marks its steps IN_PROGRESS, in one
    /// durable transaction. Returns the intent's sequence number.
    public func recordIntent(kind: String, steps: [String], method: String, path: String, idempotencyKey: String,
                             parentID: String? = nil) async throws -> Int64 {
        try await batcher.write { db in
            let now = Self.now()
            try db.execute(sql: """
                INSERT INTO intents(kind, steps, method, path, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [kind, steps.joined(separator: "\n"), method, path, idempotencyKey, now])
            let seq = db.lastInsertedRowID
            let column = kind == "rollback" ? "rollback_state" : "state"
            for s in steps {
                try db.execute(sql: "UPDATE steps SET \(column) = 'IN_PROGRESS', attempts = attempts + 1, updated_at = ?, parent_id = COALESCE(?, parent_id) WHERE id = ?",
                               arguments: [now, parentID, s])
            }
            return seq
        }
    }

    /// Closes an intent whose outcome is now known (or resolved by lookup).
    public func closeIntent(_ seq: Int64, outcome: String) async throws {
        try await batcher.write { db in
            try db.execute(sql: "UPDATE intents SET outcome = ?, finished_at = ? WHERE seq = ?", arguments: [outcome, Self.now(), seq])
        }
    }

    /// Step outcome, optionally closing the intent in the same transaction.
    public struct Outcome: Sendable {
        public var state: StepState
        public var origin: StepOrigin?
        public var genesysID: String?
        public var parentID: String?
        public var error: String?
        public var httpStatus: Int?
        public var correlationID: String?
        public init(state: StepState, origin: StepOrigin? = nil, genesysID: String? = nil, parentID: String? = nil,
                    error: String? = nil, httpStatus: Int? = nil, correlationID: String? = nil) {
            self.state = state
            self.origin = origin
            self.genesysID = genesysID
            self.parentID = parentID
            self.error = error
            self.httpStatus = httpStatus
            self.correlationID = correlationID
        }
    }

    public func record(_ stepIDs: [String], _ o: Outcome, closing intent: Int64? = nil, intentOutcome: String? = nil) async throws {
        try await batcher.write { db in
            let now = Self.now()
            for s in stepIDs {
                try db.execute(sql: """
                    UPDATE steps SET state = ?, origin = COALESCE(?, origin), genesys_id = COALESCE(?, genesys_id),
                      parent_id = COALESCE(?, parent_id), last_error = ?, http_status = COALESCE(?, http_status),
                      correlation_id = COALESCE(?, correlation_id), updated_at = ? WHERE id = ?
                    """, arguments: [o.state.rawValue, o.origin?.rawValue, o.genesysID, o.parentID, o.error, o.httpStatus,
                                     o.correlationID, now, s])
            }
            if let intent {
                try db.execute(sql: "UPDATE intents SET outcome = ?, finished_at = ? WHERE seq = ?",
                               arguments: [intentOutcome ?? o.state.rawValue, now, intent])
            }
        }
    }

    public func recordRollback(_ stepIDs: [String], state: StepState, error: String? = nil, closing intent: Int64? = nil) async throws {
        try await batcher.write { db in
            let now = Self.now()
            for s in stepIDs {
                try db.execute(sql: "UPDATE steps SET rollback_state = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?",
                               arguments: [state.rawValue, error, now, s])
            }
            if let intent {
                try db.execute(sql: "UPDATE intents SET outcome = ?, finished_at = ? WHERE seq = ?",
                               arguments: [state.rawValue, now, intent])
            }
        }
    }

    public func setPhase(_ phase: Int, _ state: PhaseState) throws {
        try write { db in
            try db.execute(sql: "UPDATE phases SET state = ?, updated_at = ? WHERE phase = ?",
                           arguments: [state.rawValue, Self.now(), phase])
        }
    }
}

/// Group commit: writes submitted while a transaction is being committed are gathered into the
/// next one, so concurrent workers share one fsync instead of queueing for one each. Every caller
/// still returns only after its own write is durable (intents before their request is sent).
/// Each write runs in its own savepoint, so one failing write does not undo the others.
final class WriteBatcher: @unchecked Sendable {  // `lock` guards `pending` and `draining`
    private struct Op {
        let run: (Database) throws -> Void
        let done: CheckedContinuation<Void, any Error>
    }

    private let db: any DatabaseWriter
    private let path: String
    private let lock = NSLock()
    private var pending: [Op] = []
    private var draining = false
    private var stats = (transactions: 0, writes: 0)

    /// Transactions committed and writes they carried (how well group commit batches).
    var counts: (transactions: Int, writes: Int) { lock.lock(); defer { lock.unlock() }; return stats }

    init(db: any DatabaseWriter, path: String) {
        self.db = db
        self.path = path
    }

    func write<T>(_ body: @escaping (Database) throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            lock.lock()
            pending.append(Op(run: { db in box.value = try body(db) }, done: c))
            let start = !draining
            if start { draining = true }
            lock.unlock()
            if start { Thread.detachNewThread { [self] in drain() } }
        }
        guard let v = box.value else { throw UploadError.ledger(path: path, reason: "write produced no value") }
        return v
    }

    private func drain() {
        while true {
            lock.lock()
            let batch = pending
            pending = []
            if batch.isEmpty { draining = false; lock.unlock(); return }
            stats.transactions += 1
            stats.writes += batch.count
            lock.unlock()
            var results = [(any Error)?](repeating: nil, count: batch.count)
            do {
                try db.write { database in
                    for (i, op) in batch.enumerated() {
                        try database.inSavepoint {
                            do { try op.run(database); return .commit } catch { results[i] = error; return .rollback }
                        }
                    }
                }
                for (i, op) in batch.enumerated() {
                    if let e = results[i] { op.done.resume(throwing: UploadError.ledger(path: path, reason: "\(e)")) } else { op.done.resume() }
                }
            } catch {
                for op in batch { op.done.resume(throwing: UploadError.ledger(path: path, reason: "\(error)")) }
            }
        }
    }
}

/// Carries a write's return value out of the batch.
final class ResultBox<T>: @unchecked Sendable {  // written once by the drain thread before the continuation resumes
    var value: T?
}
