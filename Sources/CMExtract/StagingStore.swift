import AvayaCM
import Common
import Foundation
import GRDB

/// Which REST shape a store was filled from. One store holds one kind: their raw records differ
/// (model-shaped JSON vs OSSI field maps), and mixing them would make deltas meaningless.
public enum SourceKind: String, Sendable, Codable, Hashable, CaseIterable {
    case pbxd, rest
}

/// One record as fetched: its dataset key, raw JSON, optional `lastModified`, and (pbxd) the
/// list row that announced it, whose digest drives pbxd deltas.
struct StagedRecord: Sendable {
    var key: String
    var record: JSONValue
    var lastModified: String?
    var listRow: String?
    var extensionValue: String?
    var number: Int?
    var name: String?

    var digest: String {
        // lastModified is metadata, not content: a touch without a change is no change.
        var r = record
        if case .object(var o) = r { o["lastModified"] = nil; r = .object(o) }
        return SHA256Digest.hex(r.canonicalText())
    }
}

/// A run as stored in `extraction_runs`.
public struct ExtractionRun: Sendable, Hashable, Codable {
    public var id: Int64
    public var startedAt: String
    public var endedAt: String?
    public var source: String
    public var url: String
    public var mode: String
    public var status: String
    /// `modifiedSince` this run asks for (incremental REST); nil for a full pull.
    public var since: String?
    /// Server time at the run's first answer: the next incremental run's `modifiedSince`.
    public var watermark: String?
    public var counts: [String: Int]
    public var requests: Int
    public var error: String?
}

/// The SQLite staging store (the default; `PostgresStagingStore` is the central alternative): one table per dataset, `extraction_runs`, and per-run checkpoints.
/// Every write is one transaction (a page and its checkpoint together), so a crash or kill leaves
/// either the whole page or none of it, and a restart resumes at the checkpoint.
public final class StagingStore: StagingBackend, Sendable {
    public let path: String
    var name: String { path }
    let db: DatabaseQueue

    public init(path: String) throws {
        self.path = path
        do {
            var c = Configuration()
            c.busyMode = .timeout(10)
            db = try DatabaseQueue(path: path, configuration: c)
            try db.write { try Self.migrate($0) }
        } catch let e as DatabaseError {
            throw ExtractError.store(path: path, detail: e.message ?? "\(e)")
        }
    }

    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS extraction_runs(
              id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT,
              source TEXT NOT NULL, url TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL,
              since TEXT, watermark TEXT, counts TEXT NOT NULL DEFAULT '{}', requests INTEGER NOT NULL DEFAULT 0, error TEXT);
            CREATE TABLE IF NOT EXISTS checkpoints(
              run_id INTEGER NOT NULL, dataset TEXT NOT NULL, phase TEXT NOT NULL,
              next_offset INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY(run_id, dataset, phase));
            """)
        for d in CMRestDataset.allCases {
            let t = d.table
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS \(t)(
                  key TEXT PRIMARY KEY, extension TEXT, number INTEGER, name TEXT,
                  record TEXT NOT NULL, source TEXT NOT NULL, last_modified TEXT, digest TEXT NOT NULL,
                  list_row TEXT, first_run INTEGER NOT NULL, fetched_run INTEGER NOT NULL,
                  changed_run INTEGER NOT NULL, seen_run INTEGER NOT NULL, deleted_at TEXT, deleted_run INTEGER);
                CREATE INDEX IF NOT EXISTS \(t)_extension ON \(t)(extension);
                CREATE INDEX IF NOT EXISTS \(t)_number ON \(t)(number);
                CREATE INDEX IF NOT EXISTS \(t)_name ON \(t)(name);
                CREATE INDEX IF NOT EXISTS \(t)_seen ON \(t)(seen_run);
                """)
        }
    }

    static func now() -> String { iso(Date()) }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw ExtractError.store(path: path, detail: e.message ?? "\(e)")
        }
    }

    // MARK: - Runs

    public func runs() throws -> [ExtractionRun] {
        try wrap { try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM extraction_runs ORDER BY id").map(Self.run) } }
    }

    public func latestRun() throws -> ExtractionRun? { try runs().last }

    static func run(_ r: Row) -> ExtractionRun {
        let countsText: String = r["counts"] ?? "{}"
        var counts: [String: Int] = [:]
        if case .object(let o)? = try? JSONValue.parse(countsText) {
            for (k, v) in o { counts[k] = v.intValue.map { Int($0) } ?? 0 }
        }
        return ExtractionRun(id: r["id"], startedAt: r["started_at"], endedAt: r["ended_at"], source: r["source"], url: r["url"],
                             mode: r["mode"], status: r["status"], since: r["since"], watermark: r["watermark"],
                             counts: counts, requests: r["requests"] ?? 0, error: r["error"])
    }

    /// The run to work on: the newest unfinished run of this source (resumed as it was, mode and
    /// `since` included), else a new one. `since` for a new incremental run is the watermark
    /// of the newest successful run; without one the run is full.
    func beginOrResume(source: SourceKind, url: String, incremental: Bool) throws -> (ExtractionRun, resumed: Bool) {
        try wrap {
            try db.write { db in
                if let kind = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'source'"), kind != source.rawValue {
                    throw ExtractError.store(path: path, detail: "it holds records extracted with --kind \(kind); use a new --stage file for --kind \(source.rawValue)")
                }
                try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('source', ?)", arguments: [source.rawValue])
                if let r = try Row.fetchOne(db, sql: "SELECT * FROM extraction_runs ORDER BY id DESC LIMIT 1").map(Self.run),
                   r.status != "succeeded", r.source == source.rawValue {
                    try db.execute(sql: "UPDATE extraction_runs SET status = 'running', url = ?, error = NULL WHERE id = ?", arguments: [url, r.id])
                    var x = r
                    x.status = "running"
                    return (x, true)
                }
                var since: String?
                if incremental {
                    since = try String.fetchOne(db, sql: "SELECT watermark FROM extraction_runs WHERE status = 'succeeded' AND watermark IS NOT NULL ORDER BY id DESC LIMIT 1")
                }
                let mode = since != nil ? "incremental" : "full"
                let started = Self.now()
                try db.execute(sql: "INSERT INTO extraction_runs(started_at, source, url, mode, status, since) VALUES (?, ?, ?, ?, 'running', ?)",
                               arguments: [started, source.rawValue, url, mode, since])
                let id = db.lastInsertedRowID
                return (ExtractionRun(id: id, startedAt: started, endedAt: nil, source: source.rawValue, url: url, mode: mode,
                                      status: "running", since: since, watermark: nil, counts: [:], requests: 0, error: nil), false)
            }
        }
    }

    func setWatermarkIfUnset(run: Int64, _ w: String) throws {
        try wrap { try db.write { db in
            try db.execute(sql: "UPDATE extraction_runs SET watermark = ? WHERE id = ? AND watermark IS NULL", arguments: [w, run])
        } }
    }

    func finishRun(_ run: Int64, status: String, counts: [String: Int], requests: Int, error: String?) throws {
        let c = JSONValue.object(counts.mapValues { .int(Int64($0)) }).canonicalText()
        try wrap { try db.write { db in
            try db.execute(sql: "UPDATE extraction_runs SET status = ?, ended_at = ?, counts = ?, requests = requests + ?, error = ? WHERE id = ?",
                           arguments: [status, Self.now(), c, requests, error, run])
        } }
    }

    // MARK: - Checkpoints and pages

    typealias Checkpoint = StagingCheckpoint

    func checkpoint(run: Int64, dataset: String, phase: String) throws -> Checkpoint {
        try wrap { try db.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT next_offset, done FROM checkpoints WHERE run_id = ? AND dataset = ? AND phase = ?",
                                           arguments: [run, dataset, phase]) else { return Checkpoint(offset: 0, done: false) }
            return Checkpoint(offset: r["next_offset"], done: (r["done"] as Int?) == 1)
        } }
    }

    static func setCheckpoint(_ db: Database, run: Int64, dataset: String, phase: String, offset: Int, done: Bool) throws {
        try db.execute(sql: """
            INSERT INTO checkpoints(run_id, dataset, phase, next_offset, done) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(run_id, dataset, phase) DO UPDATE SET next_offset = excluded.next_offset, done = excluded.done
            """, arguments: [run, dataset, phase, offset, done ? 1 : 0])
    }

    typealias PageOutcome = StagingPageOutcome

    /// Upserts fetched records and moves the checkpoint, in one transaction.
    func stage(run: Int64, dataset: CMRestDataset, source: SourceKind, phase: String, records: [StagedRecord],
               nextOffset: Int, done: Bool) throws -> PageOutcome {
        let t = dataset.table
        return try wrap { try db.write { db in
            var out = PageOutcome()
            for r in records {
                let digest = r.digest
                let text = r.record.canonicalText()
                if let old = try Row.fetchOne(db, sql: "SELECT digest, deleted_at FROM \(t) WHERE key = ?", arguments: [r.key]) {
                    let same = (old["digest"] as String?) == digest && (old["deleted_at"] as String?) == nil
                    if same { out.unchanged += 1 } else { out.changed += 1 }
                    try db.execute(sql: """
                        UPDATE \(t) SET extension = ?, number = ?, name = ?, record = ?, source = ?, last_modified = ?, digest = ?,
                          list_row = COALESCE(?, list_row), fetched_run = ?, seen_run = ?,
                          changed_run = CASE WHEN ? THEN changed_run ELSE ? END, deleted_at = NULL, deleted_run = NULL
                        WHERE key = ?
                        """, arguments: [r.extensionValue, r.number, r.name, text, source.rawValue, r.lastModified, digest,
                                         r.listRow, run, run, same, run, r.key])
                } else {
                    out.new += 1
                    try db.execute(sql: """
                        INSERT INTO \(t)(key, extension, number, name, record, source, last_modified, digest, list_row,
                          first_run, fetched_run, changed_run, seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [r.key, r.extensionValue, r.number, r.name, text, source.rawValue, r.lastModified, digest,
                                         r.listRow, run, run, run, run])
                }
            }
            try Self.setCheckpoint(db, run: run, dataset: dataset.rawValue, phase: phase, offset: nextOffset, done: done)
            return out
        } }
    }

    /// Marks keys as present in this run (a key listing) and moves the checkpoint.
    func markSeen(run: Int64, dataset: CMRestDataset, phase: String, keys: [String], nextOffset: Int, done: Bool) throws {
        let t = dataset.table
        try wrap { try db.write { db in
            for k in keys {
                try db.execute(sql: "UPDATE \(t) SET seen_run = ? WHERE key = ? AND deleted_at IS NULL", arguments: [run, k])
            }
            try Self.setCheckpoint(db, run: run, dataset: dataset.rawValue, phase: phase, offset: nextOffset, done: done)
        } }
    }

    /// Live records of a dataset: key → (digest, list row). For pbxd deltas.
    func live(_ dataset: CMRestDataset) throws -> [String: StagingLiveRow] {
        try wrap { try db.read { db in
            var out: [String: StagingLiveRow] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT key, digest, list_row FROM \(dataset.table) WHERE deleted_at IS NULL") {
                out[r["key"]] = StagingLiveRow(digest: r["digest"], listRow: r["list_row"])
            }
            return out
        } }
    }

    /// Tombstones live records not seen in this run: present before, absent now.
    func sweep(run: Int64, dataset: CMRestDataset) throws -> [String] {
        let t = dataset.table
        return try wrap { try db.write { db in
            let gone = try String.fetchAll(db, sql: "SELECT key FROM \(t) WHERE deleted_at IS NULL AND seen_run <> ? ORDER BY key", arguments: [run])
            try db.execute(sql: "UPDATE \(t) SET deleted_at = ?, deleted_run = ? WHERE deleted_at IS NULL AND seen_run <> ?",
                           arguments: [Self.now(), run, run])
            try Self.setCheckpoint(db, run: run, dataset: dataset.rawValue, phase: "sweep", offset: 0, done: true)
            return gone
        } }
    }

    // MARK: - Queries (tests, reports)

    /// Keys of live records, or of tombstones with `deleted: true`.
    public func keys(_ dataset: CMRestDataset, deleted: Bool = false) throws -> [String] {
        try wrap { try db.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM \(dataset.table) WHERE deleted_at IS \(deleted ? "NOT " : "")NULL ORDER BY key")
        } }
    }

    /// Keys whose content changed (or appeared) in `run`.
    public func changedKeys(_ dataset: CMRestDataset, run: Int64) throws -> [String] {
        try wrap { try db.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM \(dataset.table) WHERE changed_run = ? AND deleted_at IS NULL ORDER BY key", arguments: [run])
        } }
    }

    /// Digest of every live record (dataset/key → digest): "same staged content" in one value.
    public func contentDigest() throws -> String {
        try wrap { try db.read { db in
            var lines: [String] = []
            for d in CMRestDataset.allCases {
                for r in try Row.fetchAll(db, sql: "SELECT key, digest FROM \(d.table) WHERE deleted_at IS NULL ORDER BY key") {
                    lines.append("\(d.rawValue)/\(r["key"] as String)=\(r["digest"] as String)")
                }
            }
            return SHA256Digest.hex(lines.joined(separator: "\n"))
        } }
    }

    func source() throws -> SourceKind? {
        try wrap { try db.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'source'").flatMap(SourceKind.init(rawValue:))
        } }
    }

    func liveRows(_ dataset: CMRestDataset) throws -> [(key: String, record: String)] {
        try wrap { try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, record FROM \(dataset.table) WHERE deleted_at IS NULL ORDER BY key")
                .map { (key: $0["key"], record: $0["record"]) }
        } }
    }
}
