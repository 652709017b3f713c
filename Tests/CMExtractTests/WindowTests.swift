import AvayaCM
import CMExtract
import Common
import Foundation
import Sandbox
import Testing
import TestSupport

/// Wall time that moves only when told to; `sleep(until:)` jumps instead of waiting.
final class TestWallClock: WallClock, @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var t: Date
    private(set) var sleptUntil: [Date] = []
    init(_ start: Date) { t = start }
    func now() -> Date { lock.withLock { t } }
    func set(_ d: Date) { lock.withLock { t = d } }
    func advance(_ s: Double) { lock.withLock { t = t.addingTimeInterval(s) } }
    func sleep(until date: Date) async throws {
        lock.withLock {
            sleptUntil.append(date)
            if date > t { t = date }
        }
    }
}

/// Forwards to the real HTTP client and notes the test clock's time of every request; each
/// request then takes `step` seconds of that clock.
final class ClockedTransport: HTTPTransport, @unchecked Sendable {  // guarded by `lock`
    private let inner: any HTTPTransport
    private let clock: TestWallClock
    private let step: Double
    private let lock = NSLock()
    private var times: [Date] = []
    init(_ inner: any HTTPTransport, clock: TestWallClock, step: Double) {
        self.inner = inner
        self.clock = clock
        self.step = step
    }
    var sent: [Date] { lock.withLock { times } }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { times.append(clock.now()) }
        clock.advance(step)
        return try await inner.send(request)
    }
}

func berlin(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text) ?? Date.distantPast
}

@Suite struct ExtractionWindowTests {
    static let night = try? ExtractionWindow(parsing: "22:00-05:30", zone: "Europe/Berlin")

    @Test func aWindowAcrossMidnightIsOpenFromItsStartToItsEnd() throws {
        let w = try #require(Self.night)
        #expect(w.description == "22:00-05:30 Europe/Berlin")
        #expect(w.isOpen(at: berlin("2026-12-05T22:00:00+01:00")))
        #expect(w.isOpen(at: berlin("2026-12-06T03:00:00+01:00")))
        #expect(w.isOpen(at: berlin("2026-12-06T05:29:59+01:00")))
        #expect(!w.isOpen(at: berlin("2026-12-06T05:30:00+01:00")))
        #expect(!w.isOpen(at: berlin("2026-12-05T21:59:59+01:00")))
        // Berlin wall time, not UTC: 21:30Z in winter is 22:30 in Berlin.
        #expect(w.isOpen(at: berlin("2026-12-05T21:30:00Z")))
        #expect(w.nextOpening(after: berlin("2026-12-06T05:30:00+01:00")) == berlin("2026-12-06T22:00:00+01:00"))
        #expect(w.nextOpening(after: berlin("2026-12-06T01:00:00+01:00")) == berlin("2026-12-06T01:00:00+01:00"))
        // Summer time: the same wall-clock hours, an hour earlier in UTC.
        #expect(w.nextOpening(after: berlin("2026-07-01T12:00:00Z")) == berlin("2026-07-01T20:00:00Z"))
    }

    @Test func aStartInsideTheSpringGapOpensAtTheFirstExistingMinute() throws {
        // 2026-03-29: Berlin skips 02:00–03:00 local; 02:30 never happens that night.
        let w = try ExtractionWindow(parsing: "02:30-04:00", zone: "Europe/Berlin")
        #expect(w.nextOpening(after: berlin("2026-03-29T00:00:00Z")) == berlin("2026-03-29T01:00:00Z"))  // 03:00 CEST
        let day = try ExtractionWindow(parsing: "09:00-17:00", zone: "UTC")
        #expect(!day.isOpen(at: berlin("2026-03-29T17:00:00Z")))
        #expect(day.isOpen(at: berlin("2026-03-29T09:00:00Z")))
    }

    @Test func badWindowsAreRefusedWithAHint() {
        #expect(throws: WindowError.badWindow("25:00-01:00")) { try ExtractionWindow(parsing: "25:00-01:00") }
        #expect(throws: WindowError.badWindow("22-05")) { try ExtractionWindow(parsing: "22-05") }
        #expect(throws: WindowError.badWindow("22:0-05:30")) { try ExtractionWindow(parsing: "22:0-05:30") }
        #expect(throws: WindowError.emptyWindow("10:00-10:00")) { try ExtractionWindow(parsing: "10:00-10:00") }
        #expect(throws: WindowError.badZone("Mars/Olympus")) { try ExtractionWindow(parsing: "22:00-05:30", zone: "Mars/Olympus") }
        #expect((try? ExtractionWindow(parsing: "05:30-24:00", zone: "UTC"))?.isOpen(at: berlin("2026-01-01T23:59:00Z")) == true)
    }

    static func options(_ sb: CMSandbox, stage: URL, clock: TestWallClock, wait: Bool = false) throws -> ExtractOptions {
        var o = Fixture.options(sb, kind: .rest, stage: stage, pageSize: 4)
        o.window = try #require(night)
        o.clock = clock
        o.waitForWindow = wait
        return o
    }

    /// Starts five minutes before the close; each request takes 20 s of the test clock. The run
    /// pauses at the close (checkpointed), a run at noon requests nothing, and the next evening's
    /// run resumes where it stopped. Not one request outside the window.
    @Test func theWindowClosingPausesTheRunAndTheNextOpeningResumesIt() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("window.sqlite")
        let clock = TestWallClock(berlin("2026-12-06T05:25:00+01:00"))
        let o = try Self.options(sb, stage: stage, clock: clock)
        let t = ClockedTransport(HTTPClient(configuration: o.connection.http), clock: clock, step: 20)
        let w = try #require(Self.night)

        let e1 = await #expect(throws: ExtractError.self) { try await Extractor.run(o, transport: t) }
        guard case .windowClosed(_, let next, let run)? = e1 else { Issue.record("expected windowClosed, got \(String(describing: e1))"); return }
        #expect(run == 1)
        #expect(next == "2026-12-06T22:00:00+01:00")
        let before = t.sent.count
        #expect(before == 15, "05:25 to 05:30 at 20 s a request")
        let store = try StagingStore(path: stage.path)
        #expect(try store.latestRun()?.status == "paused")
        #expect(throws: ExtractError.self) { try StagingStore.readModel(stage.path) }

        clock.set(berlin("2026-12-06T12:00:00+01:00"))
        let e2 = await #expect(throws: ExtractError.self) { try await Extractor.run(o, transport: t) }
        #expect(e2?.exitCode == ExtractExit.windowClosed)
        #expect(t.sent.count == before, "a run outside the window sends nothing")

        clock.set(berlin("2026-12-06T22:00:00+01:00"))
        let s = try await Extractor.run(o, transport: t)
        #expect(s.resumed && s.run == 1)
        #expect(t.sent.allSatisfy { w.isOpen(at: $0) }, "a request outside the window")
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
        // The resume started at the checkpoint: at most the page in flight at the close came twice.
        let served = await sb.engine.journalEntries().reduce(0) { $0 + $1.returned }
        let total = try Fixture.recordCount(Fixture.satModel)
        #expect(served >= total && served <= total + 4, "served \(served) for \(total)")
    }

    /// With waiting, one call sleeps through the day (on the test clock) and finishes at night.
    @Test func waitingSleepsUntilTheNextOpeningAndFinishesInOneRun() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("wait.sqlite")
        let clock = TestWallClock(berlin("2026-12-06T05:28:00+01:00"))
        let o = try Self.options(sb, stage: stage, clock: clock, wait: true)
        let t = ClockedTransport(HTTPClient(configuration: o.connection.http), clock: clock, step: 20)
        let lines = LineLog()
        let s = try await Extractor.run(o, transport: t) { lines.add($0) }
        #expect(!s.resumed && s.requests == t.sent.count)
        #expect(clock.sleptUntil == [berlin("2026-12-06T22:00:00+01:00")])
        let w = try #require(Self.night)
        #expect(t.sent.allSatisfy { w.isOpen(at: $0) })
        #expect(t.sent.contains { $0 < berlin("2026-12-06T05:30:00+01:00") } && t.sent.contains { $0 >= berlin("2026-12-06T22:00:00+01:00") })
        #expect(lines.all.contains { $0.contains("waiting until 2026-12-06T22:00:00+01:00") })
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
    }
}

final class LineLog: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite struct PausedStoreBuildTests {
    /// A store whose run the window paused is refused by `cm2gc build`, with a JSON object on
    /// stdout for the orchestrator (exit 2).
    @Test func buildRefusesAPausedStoreWithAJSONError() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let dir = try tempDir()
        let stage = dir.appendingPathComponent("paused.sqlite")
        let clock = TestWallClock(berlin("2026-12-06T05:29:20+01:00"))
        let o = try ExtractionWindowTests.options(sb, stage: stage, clock: clock)
        let t = ClockedTransport(HTTPClient(configuration: o.connection.http), clock: clock, step: 20)
        await #expect(throws: ExtractError.self) { try await Extractor.run(o, transport: t) }
        #expect(t.sent.count == 2)
        let bin = try ExtractCLITests.binary()
        let r = try await runProductAsync(bin, ["build", stage.path, "-o", dir.appendingPathComponent("b.tar").path, "--json"])
        #expect(r.status == 2, "\(r.stderr)")
        let v = try JSONValue.parse(Data(r.stdout.utf8))
        #expect(v["status"]?.stringValue == "failed" && v["exit_code"]?.intValue == 2)
        #expect(v["error"]?.stringValue?.contains("run 1 is paused") == true, "\(r.stdout)")
    }
}
