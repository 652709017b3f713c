import AvayaCM
import CMExtract
import Common
import Foundation
import Migration
import Sandbox
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL staging store against a real server (a throwaway cluster on loopback, see
/// `PostgresTestCluster`): the same pulls, runs, checkpoints, delta and tombstones as the SQLite
/// store, many PBXes in one database side by side, one extract per PBX, and builds that are
/// byte-identical to builds from a SQLite store holding the same pull.
@Suite(.postgresCluster, .timeLimit(.minutes(5))) struct PostgresStagingTests {
    static let created: Int64 = 1_767_225_600

    /// Options for a pull of `sb` into `stage` (a postgres URL or a SQLite path), with an
    /// environment that holds no password source of the machine's.
    static func options(_ sb: CMSandbox, kind: SourceKind, stage: String, pageSize: Int = 25) -> ExtractOptions {
        var o = Fixture.options(sb, kind: kind, stage: URL(fileURLWithPath: "/unused"), pageSize: pageSize)
        o.stage = stage
        o.environment = PG.cleanEnvironment()
        return o
    }

    static func store(_ url: String) async throws -> PostgresStagingStore {
        try await PostgresStagingStore.open(PostgresStageURL(parsing: url, environment: PG.cleanEnvironment()), environment: PG.cleanEnvironment())
    }

    static func cliEnvironment() -> [String: String] {
        var e = PG.cleanEnvironment()
        e["CM_USERNAME"] = Fixture.credentials.username
        e["CM_PASSWORD"] = "sandbox"
        return e
    }

    /// Both REST shapes: the PostgreSQL store stages exactly what the SQLite store stages (same
    /// content digest, same model), and `cm2gc build postgres://…?pbx=…` writes the same bytes
    /// as `cm2gc build site.sqlite`.
    @Test(arguments: [SourceKind.rest, .pbxd])
    func aPullStagesWhatSQLiteStagesAndBuildsTheSameBytes(kind: SourceKind) async throws {
        let (c, db) = try await PG.database()
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let url = c.url(database: db, pbx: "cm-\(kind.rawValue)")
        let sqlite = dir.appendingPathComponent("site.sqlite").path

        let viaPG = try await Extractor.run(Self.options(sb, kind: kind, stage: url))
        let viaSQLite = try await Extractor.run(Self.options(sb, kind: kind, stage: sqlite))
        #expect(viaPG.run == 1 && !viaPG.resumed && viaPG.mode == "full")
        #expect(viaPG.counts == viaSQLite.counts)

        let pg = try await Self.store(url)
        let lite = try StagingStore(path: sqlite)
        #expect(try await pg.contentDigest() == (try lite.contentDigest()))
        for d in CMRestDataset.allCases { #expect(try await pg.keys(d) == (try lite.keys(d)), "\(d)") }
        let runs = try await pg.runs()
        #expect(runs.count == 1 && runs.first?.status == "succeeded" && runs.first?.source == kind.rawValue)
        #expect(runs.first?.url.contains("sandbox") == false && runs.first?.url.contains("@") == false, "no credentials in the run record")
        await pg.close()

        let fromPG = try StagingSource.readModel(url, environment: PG.cleanEnvironment())
        #expect(fromPG.model.content == (try StagingStore.readModel(sqlite).model.content))
        if kind == .rest { #expect(fromPG.model.content == Fixture.satModel.content) }

        // The real command line, as an operator runs it.
        let bin = try ExtractCLITests.binary()
        let a = dir.appendingPathComponent("from-pg.tar").path, b = dir.appendingPathComponent("from-sqlite.tar").path
        let common = ["--config", Paths.mapping, "--created", String(Self.created), "--quiet"]
        let ra = try await runProductAsync(bin, ["build", url, "-o", a] + common, environment: Self.cliEnvironment())
        let rb = try await runProductAsync(bin, ["build", sqlite, "-o", b] + common, environment: Self.cliEnvironment())
        #expect(ra.status == 0, "\(ra.stderr)")
        #expect(rb.status == 0, "\(rb.stderr)")
        let ba = try Data(contentsOf: URL(fileURLWithPath: a)), bb = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(!ba.isEmpty && ba == bb, "the bundle built from PostgreSQL differs from the one built from SQLite")
    }

    /// Two CMs into one database at once: PBX a's pull is held half-way (its transport stops
    /// answering after 10 requests, so the overlap does not depend on timing) while PBX b's pull
    /// of another site runs to the end in the same tables. A second extract of a is refused at
    /// once with the busy exit code; a's pull then finishes. Each PBX holds exactly its own site.
    @Test func twoPBXesPullConcurrentlyAndASecondPullOfOneIsRefused() async throws {
        let (c, db) = try await PG.database()
        let sa = try await Fixture.sandbox()
        var otherSite = Fixture.satModel
        let gone = try #require(SiteModel.sortedKeys(otherSite.stations).last)
        otherSite.stations[gone] = nil
        let sbB = try await Fixture.sandbox(site: otherSite)
        defer { Task { await sa.stop(); await sbB.stop() } }
        let urlA = c.url(database: db, pbx: "a"), urlB = c.url(database: db, pbx: "b")

        let oA = Self.options(sa, kind: .rest, stage: urlA, pageSize: 5)
        let held = HoldingTransport(HTTPClient(configuration: oA.connection.http), holdAfter: 10)
        let first = Task { try await Extractor.run(oA, transport: held) }
        try await held.waitUntilHolding()

        await #expect(throws: ExtractError.self) { _ = try await Extractor.run(oA) }
        do {
            _ = try await Extractor.run(oA)
        } catch let e as ExtractError {
            #expect(e.exitCode == ExtractExit.busy)
            #expect(e.localizedDescription.contains("process \(getpid()) on"), "\(e.localizedDescription)")
        }

        let b = try await Extractor.run(Self.options(sbB, kind: .rest, stage: urlB, pageSize: 5))
        let otherCount = try Fixture.recordCount(otherSite)
        #expect(b.run == 1 && b.counts["fetched"] == otherCount)
        let pgA = try await Self.store(urlA)
        #expect(try await pgA.latestRun()?.status == "running", "a is still mid-pull while b finished")

        held.release()
        let a = try await first.value
        #expect(a.run == 1 && !a.resumed)
        #expect(try StagingSource.readModel(urlA, environment: PG.cleanEnvironment()).model.content == Fixture.satModel.content)
        #expect(try StagingSource.readModel(urlB, environment: PG.cleanEnvironment()).model.content == otherSite.content)
        let pgB = try await Self.store(urlB)
        #expect(try await pgA.keys(.stations).contains(gone))
        #expect(try await pgB.keys(.stations).contains(gone) == false)
        let runsA = try await pgA.runs(), runsB = try await pgB.runs()
        #expect(runsA.count == 1 && runsB.count == 1)
        await pgA.close()
        await pgB.close()
    }

    /// `cm2gc extract` processes against one database: a second extract of the same pbx= exits
    /// 75 at once naming the first; one of another pbx= runs meanwhile; the first, SIGKILLed, is
    /// resumed by the next run, which takes its lock over. A build refuses the PBX while its run
    /// is unfinished.
    @Test func aKilledExtractIsResumedAndASecondOfTheSamePBXExits75() async throws {
        try await withTaskExecutorPreference(SandboxExecutor.shared) { try await killedAndResumed() }
    }

    private func killedAndResumed() async throws {
        let (c, db) = try await PG.database()
        // 40 ms per answer and pages of 2: the first pull needs seconds, time enough for the
        // refused and the concurrent extracts to start as processes on a loaded machine.
        let slow = try await Fixture.slowSandbox(ms: 40)
        let quick = try await Fixture.sandbox()
        defer { Task { await slow.stop(); await quick.stop() } }
        let urlA = c.url(database: db, pbx: "cm1"), urlB = c.url(database: db, pbx: "cm2")
        let pageSize = 2
        func args(_ sb: CMSandbox, _ url: String) -> [String] {
            ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", url, "--rate", "100", "--page-size", String(pageSize), "--json"]
        }
        let bin = try ExtractCLITests.binary()
        let p = Process()
        p.executableURL = bin
        p.arguments = args(slow, urlA)
        p.environment = Self.cliEnvironment()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        while await slow.engine.lastSeq < 6, p.isRunning { try await Task.sleep(for: .milliseconds(2)) }
        #expect(p.isRunning, "the first extract finished before the others started")

        let second = try await runProductAsync(bin, args(slow, urlA), environment: Self.cliEnvironment())
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("process \(p.processIdentifier) on"), "\(second.stderr)")
        let refused = try JSONValue.parse(Data(second.stdout.utf8))
        #expect(refused["status"]?.stringValue == "busy" && refused["exit_code"]?.intValue == 75)

        let other = try await runProductAsync(bin, args(quick, urlB), environment: Self.cliEnvironment())
        #expect(other.status == 0, "another PBX is not held up: \(other.stderr)")

        #expect(p.isRunning, "the first extract finished before it was killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(throws: ExtractError.self) { try StagingSource.readModel(urlA, environment: PG.cleanEnvironment()) }
        let before = await slow.engine.journalEntries().reduce(0) { $0 + $1.returned }
        #expect(before > 0)

        let third = try await runProductAsync(bin, args(slow, urlA), environment: Self.cliEnvironment())
        #expect(third.status == 0, "\(third.stderr)")
        let done = try JSONValue.parse(Data(third.stdout.utf8))
        #expect(done["resumed"]?.boolValue == true && done["run"]?.intValue == 1)
        #expect(done["took_over_lock_from"]?.stringValue?.hasPrefix("process \(p.processIdentifier) ") == true, "\(third.stdout)")
        let served = await slow.engine.journalEntries().reduce(0) { $0 + $1.returned }
        let total = try Fixture.recordCount(Fixture.satModel)
        #expect(served >= total && served <= total + pageSize, "served \(served) for \(total) records: the resume refetched staged pages")
        #expect(try StagingSource.readModel(urlA, environment: PG.cleanEnvironment()).model.content == Fixture.satModel.content)
        #expect(try StagingSource.readModel(urlB, environment: PG.cleanEnvironment()).model.content == Fixture.satModel.content)
        let store = try await Self.store(urlA)
        #expect(try await store.runs().count == 1, "the refused extract left no run behind")
        await store.close()
    }

    /// Delta and tombstones across runs, for both shapes: the same changes pulled incrementally
    /// into both stores give the same counts, deletions, changed keys, tombstones and content.
    @Test(arguments: [SourceKind.rest, .pbxd])
    func incrementalPullsRecordTheSameDeltaAsSQLite(kind: SourceKind) async throws {
        let (c, db) = try await PG.database()
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let url = c.url(database: db, pbx: "delta")
        let sqlite = dir.appendingPathComponent("delta.sqlite").path
        for stage in [url, sqlite] { _ = try await Extractor.run(Self.options(sb, kind: kind, stage: stage)) }

        try await sb.engine.modify(.stations, id: "3002", set: ["name": "Changed, Name"])
        let victim = SiteModel.sortedKeys(Fixture.satModel.stations).last ?? ""
        try await sb.engine.delete(.stations, id: victim)
        var pgRun: ExtractSummary?, liteRun: ExtractSummary?
        for stage in [url, sqlite] {
            var o = Self.options(sb, kind: kind, stage: stage)
            o.incremental = true
            let s = try await Extractor.run(o)
            if stage == url { pgRun = s } else { liteRun = s }
        }
        let p = try #require(pgRun), l = try #require(liteRun)
        #expect(p.mode == "incremental" && p.run == 2)
        #expect(p.deleted == ["stations/\(victim)"] && l.deleted == p.deleted)
        #expect(p.counts == l.counts)
        #expect((p.counts["changed"] ?? 0) >= 1)

        let pg = try await Self.store(url)
        let lite = try StagingStore(path: sqlite)
        #expect(try await pg.keys(.stations, deleted: true) == [victim])
        #expect(try await pg.changedKeys(.stations, run: 2) == (try lite.changedKeys(.stations, run: 2)))
        #expect(try await pg.changedKeys(.stations, run: 2).contains("3002"))
        #expect(try await pg.contentDigest() == (try lite.contentDigest()))

        // A further change is picked up by the next incremental run.
        try await sb.engine.modify(.stations, id: "3002", set: ["name": "Changed Again"])
        var o = Self.options(sb, kind: kind, stage: url)
        o.incremental = true
        let third = try await Extractor.run(o)
        #expect(third.run == 3 && third.deleted.isEmpty)
        #expect(try StagingSource.readModel(url, environment: PG.cleanEnvironment()).model.stations["3002"]?.name == "Changed Again")
        await pg.close()
    }

    /// Over TCP the test server wants a SCRAM password: never from the URL; from PGPASSWORD, an
    /// owner-only passfile or --stage-credentials-process; a passfile others may read is refused.
    @Test func thePasswordComesFromTheEnvironmentAPassfileOrAProcessNeverTheURL() async throws {
        let (c, db) = try await PG.database()
        let dir = try tempDir()
        let url = c.url(database: db, pbx: "auth", tcp: true, extra: "sslmode=disable")
        let parsed = try PostgresStageURL(parsing: url, environment: PG.cleanEnvironment())

        // In the URL: refused before any connection, and the message does not repeat it.
        let withPassword = url.replacingOccurrences(of: "\(c.user)@", with: "\(c.user):\(c.password)@")
        #expect {
            _ = try StagingLocation(withPassword)
        } throws: { e in
            let m = (e as? ExtractError)?.localizedDescription ?? ""
            return m.contains("secrets never go on the command line") && !m.contains(c.password)
        }
        #expect(throws: ExtractError.self) { _ = try StagingLocation(url + "&password=\(c.password)") }
        let cli = try await runProductAsync(try ExtractCLITests.binary(),
                                            ["extract", "--from", "http://127.0.0.1:9/cm/v1", "--kind", "rest", "--stage", withPassword],
                                            environment: Self.cliEnvironment())
        ExtractCLITests.expectOneClearError(cli, mentions: "secrets never go on the command line")
        #expect(!cli.stderr.contains(c.password) && !cli.stdout.contains(c.password))

        func open(_ env: [String: String], process: String? = nil) async throws -> PostgresStagingStore {
            try await PostgresStagingStore.open(parsed, credentialsProcess: process, environment: PG.cleanEnvironment(env))
        }
        // None: the server asks, and the message says where a password may come from.
        await #expect { _ = try await open([:]) } throws: { e in
            ((e as? ExtractError)?.localizedDescription ?? "").contains("PGPASSWORD")
        }
        await #expect { _ = try await open(["PGPASSWORD": "wrong"]) } throws: { e in
            ((e as? ExtractError)?.localizedDescription ?? "").contains("refused user \(c.user)")
        }
        try await open(["PGPASSWORD": c.password]).close()

        // libpq's passfile (matching rules: PostgresStageURLTests); refused while others may read it.
        let pass = dir.appendingPathComponent("pgpass").path
        let text = "# central store\notherhost:*:*:*:nope\n127.0.0.1:\(c.port):\(db):\(c.user):\(c.password)\n*:*:*:*:too-late\n"
        #expect(FileManager.default.createFile(atPath: pass, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]))
        await #expect { _ = try await open(["PGPASSFILE": pass]) } throws: { e in
            let m = (e as? ExtractError)?.localizedDescription ?? ""
            return m.contains("chmod 600") && m.contains(pass) && !m.contains(c.password)
        }
        chmod(pass, 0o600)
        try await open(["PGPASSFILE": pass]).close()
        // ~/.pgpass when PGPASSFILE is unset.
        let home = dir.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: home.appendingPathComponent(".pgpass").path, contents: Data(text.utf8),
                                               attributes: [.posixPermissions: 0o600]))
        try await open(["HOME": home.path]).close()

        // A secret store's command, run without a shell; its JSON's password.
        let script = dir.appendingPathComponent("pg-secret.sh").path
        #expect(FileManager.default.createFile(atPath: script, contents: Data("#!/bin/sh\nprintf '{\"password\": \"%s\"}' \"$TEST_PG_SECRET\"\n".utf8),
                                               attributes: [.posixPermissions: 0o700]))
        try await open(["TEST_PG_SECRET": c.password], process: script).close()
        await #expect(throws: ExtractError.self) { _ = try await open(["TEST_PG_SECRET": "wrong"], process: script) }
    }

    /// sslmode maps onto PostgresNIO's TLS modes, against a server that speaks TLS with a
    /// certificate from the run's own CA: `verify-full` connects when `sslrootcert` names that
    /// CA and refuses without it (the system's CAs do not know it); `require` and `prefer`
    /// encrypt without verifying; `disable` does not encrypt (the server reports which).
    @Test func sslModesMapOntoTLSAgainstAServerWithACertificate() async throws {
        let (c, db) = try await PG.database()
        let env = PG.cleanEnvironment(["PGPASSWORD": c.password])
        func url(_ extra: String) throws -> PostgresStageURL {
            try PostgresStageURL(parsing: "postgres://\(c.user)@localhost:\(c.port)/\(db)?pbx=tls&\(extra)", environment: env)
        }
        func encrypted(_ u: PostgresStageURL) async throws -> Bool {
            let s = try await PostgresStagingStore.open(u, environment: env)
            let on = try await s.sessionUsesTLS()
            await s.close()
            return on
        }
        #expect(try await encrypted(url("sslmode=verify-full&sslrootcert=\(c.caFile)")))
        #expect(try await encrypted(url("sslmode=verify-ca&sslrootcert=\(c.caFile)")))
        #expect(try await encrypted(url("sslmode=require")))
        #expect(try await encrypted(url("sslmode=prefer")))
        #expect(try await encrypted(url("sslmode=disable")) == false)
        await #expect { _ = try await PostgresStagingStore.open(try url("sslmode=verify-full"), environment: env) } throws: { e in
            let m = (e as? ExtractError)?.localizedDescription ?? ""
            return m.contains("cannot connect to localhost:\(c.port)") && m.contains("TLS handshake failed") && m.contains("sslrootcert")
        }
    }
}

/// Forwards to a real transport; after `holdAfter` requests, holds every further request until
/// `release()`, so a test can keep a pull mid-way as long as it needs without timing.
final class HoldingTransport: HTTPTransport, @unchecked Sendable {  // guarded by `lock`
    private let inner: any HTTPTransport
    private let holdAfter: Int
    private let lock = NSLock()
    private var count = 0
    private var released = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ inner: any HTTPTransport, holdAfter: Int) {
        self.inner = inner
        self.holdAfter = holdAfter
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let hold = lock.withLock { count += 1; return count > holdAfter && !released }
        if hold {
            await withCheckedContinuation { (k: CheckedContinuation<Void, Never>) in
                let resume = lock.withLock { () -> Bool in
                    if released { return true }
                    waiters.append(k)
                    return false
                }
                if resume { k.resume() }
            }
        }
        return try await inner.send(request)
    }

    /// Returns once a request is being held.
    func waitUntilHolding() async throws {
        while lock.withLock({ waiters.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
    }

    func release() {
        let w = lock.withLock { released = true; defer { waiters = [] }; return waiters }
        for k in w { k.resume() }
    }
}
