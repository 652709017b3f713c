import ArgumentParser
import AvayaCM
import CMExtract
import Common
import Foundation

/// `cm2gc extract`: thin wrapper over `Extractor.run` (see docs/extraction.md).
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Pull CM configuration over REST (pbxd v3 or the CM REST contract) into a staging store (SQLite or PostgreSQL).",
        discussion: """
        Credentials: CM_USERNAME and CM_PASSWORD, --credentials FILE (mode 0600, one line \
        USERNAME:PASSWORD), or --credentials-process CMD (prints {"username","password"} as JSON; \
        docs/credentials.md); never on the command line. An interrupted run resumes where it stopped \
        when the same command is run again. Build from the store with `cm2gc build STAGE.sqlite -o …`. \
        A PostgreSQL store (--stage postgres://USER@HOST:PORT/DB?pbx=NAME[&sslmode=verify-full]) holds many \
        CMs, one pbx= each, extracted concurrently; its password comes from PGPASSWORD, a 0600 passfile \
        (PGPASSFILE or ~/.pgpass) or --stage-credentials-process, never from the URL (docs/extraction.md).
        Exit codes: 0 done; 2 usage, credentials, network, protocol or store error (the run is \
        recorded as failed; staged pages are kept for the resume; build refuses the store until a run succeeds); \
        3 the --window is closed (the run is paused at its checkpoint; run again inside the window); \
        75 another extract holds the store, or the same pbx= of a PostgreSQL store (nothing was touched). \
        See docs/operations.md.
        """)

    @Option(name: .long, help: "Base URL: pbxd root (http://host:port) or CM REST base (https://host/cm/v1).")
    var from: String
    @Option(name: .long, help: "Source shape: pbxd or rest.")
    var kind: String
    @Option(name: .long, help: ArgumentHelp("Staging store: a SQLite file (created if missing) or postgres://USER@HOST:PORT/DB?pbx=NAME (no password in the URL).", valueName: "FILE|URL"))
    var stage: String
    @Option(name: .long, help: ArgumentHelp("Command printing {\"password\"} as JSON for a postgres:// --stage (else PGPASSWORD or a 0600 passfile).", valueName: "CMD"))
    var stageCredentialsProcess: String?
    @Flag(name: .long, help: "Fetch only what changed since the last successful run; record deletions.")
    var incremental = false
    @Option(name: .long, help: "Credentials file (mode 0600): USERNAME:PASSWORD.")
    var credentials: String?
    @Option(name: .long, help: ArgumentHelp("Command printing {\"username\",\"password\"} as JSON on stdout (docs/credentials.md). Split into words like a shell without expansions; not run by a shell.", valueName: "CMD"))
    var credentialsProcess: String?
    @Option(name: .long, help: ArgumentHelp("Request only inside this daily window of local time, e.g. 22:00-05:30 (spans midnight when the start is later).", valueName: "HH:MM-HH:MM"))
    var window: String?
    @Option(name: .long, help: "IANA time zone of --window (default: the system's), e.g. Europe/Berlin.")
    var windowZone: String?
    @Flag(name: .long, help: "When the window is closed, sleep until it opens instead of pausing the run and exiting with 3.")
    var waitForWindow = false
    @Option(name: .long, help: "Request budget: requests per second, retries included.")
    var rate: Double = 5
    @Option(name: .long, help: "REST page size (limit).")
    var pageSize = 200
    @Option(name: .long, help: "pbxd PBX name (POST /<pbx>/v3/).")
    var pbx = "cm"
    @Option(name: .long, help: "Attempts per request before giving up (429, 5xx, network errors).")
    var maxAttempts = 6
    @Option(name: .long, help: "CA bundle (PEM) for TLS verification.")
    var caBundle: String?
    @Option(name: .long, help: "Client certificate (PEM) for mutual TLS.")
    var clientCert: String?
    @Option(name: .long, help: "Client key (PEM) for mutual TLS.")
    var clientKey: String?
    @Option(name: .long, help: "HTTP(S) proxy URL (default: HTTPS_PROXY/https_proxy).")
    var proxy: String?
    @Option(name: .long, help: "Connect timeout, seconds.")
    var connectTimeout: Double = 15
    @Option(name: .long, help: "Per-request timeout, seconds.")
    var timeout: Double = 60
    @Option(name: .customLong("ossi-dictionary"), help: "JSON file with extra/overriding OSSI field ids per form (pbxd).")
    var ossiDictionary: String?
    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        guard let k = SourceKind(rawValue: kind) else { throw ValidationError("--kind is pbxd or rest") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        guard stageCredentialsProcess == nil || PostgresStageURL.isPostgres(stage) else {
            throw ValidationError("--stage-credentials-process is for a postgres:// --stage; a SQLite store has no password")
        }
        guard window != nil || (windowZone == nil && !waitForWindow) else { throw ValidationError("--window-zone and --wait-for-window need --window") }
        let w: ExtractionWindow?
        do { w = try window.map { try ExtractionWindow(parsing: $0, zone: windowZone) } } catch { throw ValidationError(error.localizedDescription) }
        do {
            var o = ExtractOptions(from: from, kind: k, stage: stage,
                                   credentials: try CMCredentials.load(file: credentials, process: credentialsProcess))
            o.window = w
            o.waitForWindow = waitForWindow
            o.stageCredentialsProcess = stageCredentialsProcess
            o.incremental = incremental
            o.pageSize = max(1, pageSize)
            o.pbxName = pbx
            o.connection.rate = rate
            o.connection.backoff.maxAttempts = maxAttempts
            o.connection.http.caBundlePath = caBundle
            o.connection.http.clientCertificatePath = clientCert
            o.connection.http.clientKeyPath = clientKey
            if let proxy { o.connection.http.proxy = proxy }
            o.connection.http.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
            o.connection.http.requestTimeout = .milliseconds(Int64(timeout * 1000))
            if let p = ossiDictionary { o.dictionary = OSSIDictionary.builtIn.merging(try OSSIDictionary.load(p)) }
            let quiet = json
            let s = try await Extractor.run(o) { line in
                if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            if json {
                let v: JSONValue = ["status": "succeeded", "exit_code": 0, "run": .int(s.run), "resumed": .bool(s.resumed), "mode": .string(s.mode),
                                    "counts": .object(s.counts.mapValues { .int(Int64($0)) }),
                                    "deleted": .array(s.deleted.map { .string($0) }), "requests": .int(Int64(s.requests)),
                                    "seconds": .double((s.seconds * 1000).rounded() / 1000),
                                    "took_over_lock_from": s.tookOverLockFrom.map { JSONValue.string($0) } ?? .null]
                print(v.canonicalText(pretty: true))
            } else {
                print("run \(s.run) (\(s.mode)\(s.resumed ? ", resumed" : "")) succeeded in \(String(format: "%.1f", s.seconds)) s, \(s.requests) requests")
                for key in ["fetched", "new", "changed", "unchanged", "deleted"] { print("  \(key): \(s.counts[key] ?? 0)") }
                if !s.deleted.isEmpty { print("  deleted: " + s.deleted.joined(separator: ", ")) }
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            let code = (error as? ExtractError)?.exitCode ?? ExtractExit.failure
            if json {
                // One object on stdout for orchestrators, whatever the outcome.
                var v: [String: JSONValue] = ["status": .string(code == ExtractExit.windowClosed ? "paused" : code == ExtractExit.busy ? "busy" : "failed"),
                                              "exit_code": .int(Int64(code)), "error": .string(error.localizedDescription)]
                if case ExtractError.windowClosed(_, let next, let run)? = error as? ExtractError {
                    v["next_opening"] = .string(next)
                    v["run"] = run.map { JSONValue.int($0) } ?? .null
                }
                print(JSONValue.object(v).canonicalText(pretty: true))
            }
            FileHandle.standardError.write(Data("cm2gc: \(code == ExtractExit.windowClosed ? "paused" : "error"): \(error.localizedDescription)\n".utf8))
            throw ExitCode(code)
        }
    }
}
