import AvayaCM
import Common
import Foundation

/// Where a phase of a run stands: the next offset (REST page, pbxd list position) and whether it is done.
struct StagingCheckpoint: Sendable { var offset: Int; var done: Bool }

/// What staging a page did, for the run's counts.
struct StagingPageOutcome: Sendable { var new = 0; var changed = 0; var unchanged = 0 }

/// A live (not tombstoned) record as pbxd deltas compare it.
struct StagingLiveRow: Sendable { var digest: String; var listRow: String? }

/// The staging store as the pulls use it. Two implementations with the same semantics (runs,
/// checkpoints, tombstones, delta; every page and its checkpoint in one transaction):
/// `StagingStore` (SQLite, one file per PBX, the default, needs nothing) and
/// `PostgresStagingStore` (one database for many PBXes, rows scoped by PBX). The SQLite store's
/// synchronous methods satisfy the async requirements (a short local write, as before).
protocol StagingBackend: Sendable {
    /// The store as messages name it (path, or the URL without secrets).
    var name: String { get }
    func beginOrResume(source: SourceKind, url: String, incremental: Bool) async throws -> (ExtractionRun, resumed: Bool)
    func setWatermarkIfUnset(run: Int64, _ w: String) async throws
    func finishRun(_ run: Int64, status: String, counts: [String: Int], requests: Int, error: String?) async throws
    func checkpoint(run: Int64, dataset: String, phase: String) async throws -> StagingCheckpoint
    func stage(run: Int64, dataset: CMRestDataset, source: SourceKind, phase: String, records: [StagedRecord],
               nextOffset: Int, done: Bool) async throws -> StagingPageOutcome
    func markSeen(run: Int64, dataset: CMRestDataset, phase: String, keys: [String], nextOffset: Int, done: Bool) async throws
    func live(_ dataset: CMRestDataset) async throws -> [String: StagingLiveRow]
    func sweep(run: Int64, dataset: CMRestDataset) async throws -> [String]
    func fetchedKeys(_ d: CMRestDataset, run: Int64) async throws -> Set<String>
}

/// A `--stage` / `cm2gc build` source: a SQLite file or a PostgreSQL URL.
public enum StagingLocation: Sendable, Hashable {
    case sqlite(path: String)
    case postgres(PostgresStageURL)

    /// A `postgres://`/`postgresql://` URL is PostgreSQL; anything else is a SQLite path.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self = PostgresStageURL.isPostgres(text) ? .postgres(try PostgresStageURL(parsing: text, environment: environment)) : .sqlite(path: text)
    }
}

/// What `cm2gc build` needs from a staging store, whichever kind: Migration dispatches on
/// `isStore` and reads through here.
public enum StagingSource {
    /// A build source that is a staging store: a `.sqlite` file or a `postgres://` URL.
    public static func isStore(_ source: String) -> Bool {
        source.hasSuffix(".sqlite") || PostgresStageURL.isPostgres(source)
    }

    /// Reads the store's live records into the source model (see `StagingStore.readModel`).
    /// PostgreSQL is read synchronously for the synchronous build, on threads of its own (`Blocking`).
    public static func readModel(_ source: String, options: ReadOptions = .init(),
                                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReadResult {
        switch try StagingLocation(source, environment: environment) {
        case .sqlite(let path): return try StagingStore.readModel(path, options: options)
        case .postgres(let url):
            return try Blocking.run { try await PostgresStagingStore.readModel(url, options: options, environment: environment) }
        }
    }

    /// The bundle's default creation time for a PostgreSQL store: the end of the PBX's newest
    /// run when it succeeded, else 0 (what a file's modification time is for files). nil when
    /// `source` is not a PostgreSQL store (a file's modification time applies).
    public static func modificationEpoch(_ source: String,
                                         environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int64? {
        guard case .postgres(let url) = try StagingLocation(source, environment: environment) else { return nil }
        return try Blocking.run { try await PostgresStagingStore.lastSuccessEpoch(url, environment: environment) } ?? 0
    }
}

/// Reading staged rows into the source model: the same code for both stores, so the same staged
/// content gives the same model, diagnostics and bundle whichever store held it.
enum StagedModelReader {
    /// Records name the store by this label, not by its path or URL: where a store lives (a
    /// file here or there, a central database) must not change the bundle built from it.
    static let label = "staging"

    /// `rows`: per dataset (in `CMRestDataset.allCases` order), live rows ordered by key.
    static func read(kind: SourceKind?, rows: [(CMRestDataset, [(key: String, record: String)])], name: String,
                     options: ReadOptions) throws -> ReadResult {
        switch kind {
        case .pbxd?: return try readOSSI(rows, name: name, options: options)
        case .rest?, nil: return try readREST(rows, name: name)
        }
    }

    static func readREST(_ rows: [(CMRestDataset, [(key: String, record: String)])], name: String) throws -> ReadResult {
        var m = SiteModel()
        var report = ReadReport()
        report.files[name] = "staging:rest"
        for (d, live) in rows {
            var kc = KindCount()
            for (key, text) in live {
                guard case .object(let o) = try JSONValue.parse(text) else {
                    throw ExtractError.badRecord(dataset: d.rawValue, key: key, detail: "not a JSON object")
                }
                do { try d.insert(o, id: key, into: &m) } catch {
                    throw ExtractError.badRecord(dataset: d.rawValue, key: key, detail: "\(error)")
                }
                m.sources["\(d.kind.rawValue):\(key)"] = [SourceLocation(file: label, record: "\(d.rawValue)/\(key)")]
                kc.read += 1
                kc.inModel += 1
            }
            if kc.read > 0 { report.counts[d.kind] = kc }
        }
        return ReadResult.assembled(model: m, report: report, diagnostics: [])
    }

    /// pbxd rows hold `{"command": …, "objects": [{fieldId: value}…]}`; rendered back to OSSI
    /// lines and read by the OSSI reader, so field ids mean exactly what they mean in captures.
    static func readOSSI(_ rows: [(CMRestDataset, [(key: String, record: String)])], name: String,
                         options: ReadOptions) throws -> ReadResult {
        var text = ""
        for (d, live) in rows {
            for (key, raw) in live {
                let v = try JSONValue.parse(raw)
                guard let cmd = v["command"]?.stringValue, let objs = v["objects"]?.arrayValue else {
                    throw ExtractError.badRecord(dataset: d.rawValue, key: key, detail: "not a pbxd record (command, objects)")
                }
                text += PbxdOSSI.render(command: cmd, objects: objs)
            }
        }
        var r = AvayaReader.read(text: text, name: label, options: options)
        r.report.files = [name: "staging:pbxd"]
        return r
    }
}
