import AvayaCM
import CMExtract
import Common
import Foundation
import Sandbox
import Testing

@Suite(.timeLimit(.minutes(2))) struct ResilienceTests {
    static func cleanDigest(_ kind: SourceKind) async throws -> String {
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = dir.appendingPathComponent("clean.sqlite")
        _ = try await Extractor.run(Fixture.options(sb, kind: kind, stage: stage))
        return try StagingStore(path: stage.path).contentDigest()
    }

    /// 10% 5xx, 5% dropped connections, 5% 429 with Retry-After: the pull still completes with
    /// the same staged content as a clean pull.
    @Test(arguments: [SourceKind.rest, .pbxd])
    func faultsDoNotChangeTheStagedContent(kind: SourceKind) async throws {
        var f = CMFaultConfig()
        f.seed = 42
        f.rate5xx = 0.10
        f.dropRate = 0.05
        f.rate429 = 0.05
        f.retryAfterSeconds = 0.02
        let sb = try await Fixture.sandbox(faults: f)
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("faulty.sqlite")
        let s = try await Extractor.run(Fixture.options(sb, kind: kind, stage: stage, pageSize: 10))
        let journal = await sb.engine.journalEntries()
        let faults = journal.compactMap(\.fault)
        #expect(faults.contains { $0.hasPrefix("5") } && faults.contains("drop") && faults.contains("429"))
        // libcurl may transparently re-send once on a pooled connection the server dropped.
        #expect(journal.count >= s.requests)
        #expect(try StagingStore(path: stage.path).contentDigest() == (try await Self.cleanDigest(kind)))
    }

    /// Cancelled mid-run (as a kill would leave it: pages committed, run unfinished), the next
    /// run resumes after the last staged page: nothing staged is fetched again, beyond at most
    /// the one page that was in flight.
    @Test func anInterruptedPullResumesWithoutRefetching() async throws {
        let sb = try await Fixture.slowSandbox(ms: 10)
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("resume.sqlite")
        let o = Fixture.options(sb, kind: .rest, stage: stage, rate: 100, pageSize: 5)
        let task = Task { try await Extractor.run(o) }
        while await sb.engine.lastSeq < 12 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        await #expect(throws: (any Error).self) { try await task.value }
        let store = try StagingStore(path: stage.path)
        #expect(try store.latestRun()?.status == "interrupted")
        #expect(throws: ExtractError.self) { try StagingStore.readModel(stage.path) }

        let s = try await Extractor.run(o)
        #expect(s.resumed)
        let served = await sb.engine.journalEntries().reduce(0) { $0 + $1.returned }
        let total = try Fixture.recordCount(Fixture.satModel)
        #expect(served >= total && served <= total + o.pageSize, "served \(served) for \(total) records")
        #expect(try store.contentDigest() == (try await Self.cleanDigest(.rest)))
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
        #expect(try store.runs().count == 1)
    }

    /// The request budget holds: no 1 s window of the journal has more than `rate` requests.
    @Test func theRequestBudgetIsHonoured() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("budget.sqlite")
        let rate = 20.0
        let s = try await Extractor.run(Fixture.options(sb, kind: .rest, stage: stage, rate: rate, pageSize: 10))
        let at = await sb.engine.journalEntries().map(\.at)
        #expect(at.count == s.requests && at.count > 20)
        let k = Int(rate)
        var tightest = Double.infinity
        for i in 0..<(at.count - k) { tightest = min(tightest, at[i + k] - at[i]) }
        // k+1 requests never fit in less than one second (20 ms tolerance: arrival jitter at the server).
        #expect(tightest >= 1.0 - 0.02, "tightest \(k + 1)-request span \(tightest) s")
        let overall = Double(at.count - 1) / ((at.last ?? 0) - (at.first ?? 0))
        #expect(overall <= rate * 1.01)
    }

    // MARK: - Clear errors, nothing half-written

    static func expectCleanFailure(_ stage: URL) throws {
        let store = try StagingStore(path: stage.path)
        for d in CMRestDataset.allCases { #expect(try store.keys(d).isEmpty) }
        #expect(try store.latestRun()?.status == "failed")
        #expect(throws: ExtractError.self) { try StagingStore.readModel(stage.path) }
    }

    @Test func wrongCredentialsFailClearly() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("auth.sqlite")
        var o = Fixture.options(sb, kind: .rest, stage: stage)
        o.credentials = CMCredentials(username: "cm2gc", password: Secret("wrong-password"))
        do {
            _ = try await Extractor.run(o)
            Issue.record("expected a failure")
        } catch let e as ExtractError {
            guard case .unauthorized(_, 401) = e else { Issue.record("got \(e)"); return }
            #expect(!(e.errorDescription ?? "").contains("wrong-password"))
        }
        let j = await sb.engine.journalEntries()
        #expect(j.count == 1, "a 401 is not retried")
        try Self.expectCleanFailure(stage)
        #expect(try StagingStore(path: stage.path).latestRun()?.error?.contains("wrong-password") == false)
    }

    @Test func anUnreachableHostFailsClearly() async throws {
        // A port that was just listening and is now closed: connection refused.
        let sb = try await Fixture.sandbox()
        let url = sb.restURL
        await sb.stop()
        let stage = try tempDir().appendingPathComponent("down.sqlite")
        var o = ExtractOptions(from: url, kind: .rest, stage: stage.path, credentials: Fixture.credentials)
        o.connection.backoff = BackoffPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(10))
        o.connection.http.connectTimeout = .seconds(2)
        do {
            _ = try await Extractor.run(o)
            Issue.record("expected a failure")
        } catch let e as ExtractError {
            guard case .unreachable = e else { Issue.record("got \(e)"); return }
            #expect(e.errorDescription?.contains("cannot reach") == true)
        }
        try Self.expectCleanFailure(stage)
    }

    @Test func aNonJSONAnswerFailsClearly() async throws {
        let stage = try tempDir().appendingPathComponent("html.sqlite")
        let o = ExtractOptions(from: "http://127.0.0.1:9/cm/v1", kind: .rest, stage: stage.path, credentials: Fixture.credentials)
        do {
            _ = try await Extractor.run(o, transport: HTMLLoginPage())
            Issue.record("expected a failure")
        } catch let e as ExtractError {
            guard case .notJSON(_, let ct, _) = e else { Issue.record("got \(e)"); return }
            #expect(ct == "text/html")
        }
        try Self.expectCleanFailure(stage)
    }
}

/// What a misconfigured URL often answers: a 200 login page.
struct HTMLLoginPage: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: Data("<html><body>Please log in</body></html>".utf8))
    }
}
