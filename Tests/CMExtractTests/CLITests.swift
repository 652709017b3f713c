import AvayaCM
import CMExtract
import Common
import Foundation
import Sandbox
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `cm2gc extract` command line: killed with SIGKILL and run again, and its exit codes.
@Suite(.timeLimit(.minutes(3))) struct ExtractCLITests {
    static func environment(password: String = "sandbox") -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["CM_USERNAME"] = Fixture.credentials.username
        e["CM_PASSWORD"] = password
        return e
    }

    /// Starts `cm2gc` with the sandbox credentials and returns once the sandbox has journalled
    /// `target` requests (or the process ended, or 60 s passed).
    static func start(_ bin: URL, _ args: [String], untilServed target: Int, by sb: CMSandbox) async throws -> Process {
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.environment = environment()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while await sb.engine.lastSeq < target, p.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return p
    }

    static func binary() throws -> URL {
        try #require(productBinary("cm2gc"), "build the cm2gc product (swift build --build-tests builds it)")
    }

    /// Three SIGKILLs at different points of a slow pull; each run again resumes after the last
    /// staged page. The final store equals a clean pull's, and nothing staged was served twice
    /// beyond the one page in flight at each kill.
    @Test func killedWithSIGKILLAndRunAgainResumesWithoutRefetching() async throws {
        // Off the cooperative pool: a starved pool delayed the poll and the kill until the pull
        // had finished (kills 2 of 3 on a loaded CI run).
        try await withTaskExecutorPreference(SandboxExecutor.shared) { try await killedAndResumed() }
    }

    private func killedAndResumed() async throws {
        let sb = try await Fixture.slowSandbox(ms: 15)
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("killed.sqlite")
        let pageSize = 5
        let args = ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path, "--rate", "100",
                    "--page-size", String(pageSize), "--json"]
        let bin = try Self.binary()
        var kills = 0
        for target in [8, 20, 35] {
            let p = try await Self.start(bin, args, untilServed: target, by: sb)
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
        }
        #expect(kills == 3, "the pull finished before every kill landed")
        let store = try StagingStore(path: stage.path)
        #expect(try store.latestRun()?.status == "running", "a killed run stays open for the resume")
        #expect(throws: ExtractError.self) { try StagingStore.readModel(stage.path) }

        let final = try runProduct(bin, args, environment: Self.environment())
        #expect(final.status == 0, "\(final.stderr)")
        let summary = try JSONValue.parse(Data(final.stdout.utf8))
        #expect(summary["resumed"]?.boolValue == true)
        #expect(try store.runs().count == 1, "every start resumed the same run")
        let served = await sb.engine.journalEntries().reduce(0) { $0 + $1.returned }
        let total = try Fixture.recordCount(Fixture.satModel)
        #expect(served >= total && served <= total + kills * pageSize, "served \(served) for \(total) records with \(kills) kills")
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
    }

    static func expectOneClearError(_ r: (status: Int32, stdout: String, stderr: String), mentions: String) {
        #expect(r.status == 2)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("cm2gc: error:") }
        #expect(errors.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(mentions), "\(r.stderr)")
    }

    @Test func wrongCredentialsExitTwoWithOneClearError() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("auth.sqlite")
        let r = try runProduct(try Self.binary(), ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path],
                               environment: Self.environment(password: "not-the-password"))
        Self.expectOneClearError(r, mentions: "401")
        #expect(!r.stderr.contains("not-the-password"))
        try ResilienceTests.expectCleanFailure(stage)
    }

    @Test func anUnreachableHostExitsTwoWithOneClearError() async throws {
        let sb = try await Fixture.sandbox()
        let url = sb.restURL
        await sb.stop()
        let stage = try tempDir().appendingPathComponent("down.sqlite")
        let r = try runProduct(try Self.binary(), ["extract", "--from", url, "--kind", "rest", "--stage", stage.path,
                                                   "--max-attempts", "2", "--connect-timeout", "2"],
                               environment: Self.environment())
        Self.expectOneClearError(r, mentions: "cannot reach")
        try ResilienceTests.expectCleanFailure(stage)
    }

    @Test func aNonJSONAnswerExitsTwoWithOneClearError() async throws {
        let server = try TestHTTPServer { _, _ in
            .respond(status: 200, headers: [("Content-Type", "text/html")], body: Data("<html>Please log in</html>".utf8))
        }
        defer { server.stop() }
        let stage = try tempDir().appendingPathComponent("html.sqlite")
        let r = try runProduct(try Self.binary(), ["extract", "--from", server.baseURL + "/cm/v1", "--kind", "rest", "--stage", stage.path],
                               environment: Self.environment())
        Self.expectOneClearError(r, mentions: "text/html")
        try ResilienceTests.expectCleanFailure(stage)
    }
}
