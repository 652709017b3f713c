import BundleKit
import Common
import Foundation
import GenesysCloud
import Testing
@testable import Upload

/// The Done-when scenarios, against the Genesys sandbox started in-process.
@Suite struct SandboxUploadTests {
    @Test func sampleUploadsCompletelyReconcilesCleanAndRerunsWithoutWrites() async throws {
        let w = try await SandboxWorkspace.make()
        defer { Task { await w.org.stop() } }
        let report = try await w.apply()
        #expect(report.complete, "\(report.text)")
        #expect(report.counts.created == 9)
        #expect(try await w.org.duplicates().isEmpty)
        let users = try await w.org.live("users")
        #expect(users.count == 3)
        let byName = Dictionary(uniqueKeysWithValues: users.compactMap { u in u["name"]?.stringValue.map { ($0, u) } })
        #expect(byName["Bob"]?["manager"]?["id"]?.stringValue ?? byName["Bob"]?["manager"]?.stringValue == byName["Alice"]?["id"]?.stringValue)
        let rec = try await w.reconcile()
        #expect(rec.clean, "\(rec.text)")
        #expect(rec.count(.match) == 14)

        let writes = try await w.org.mutating().count
        let again = try await w.apply()
        #expect(again.complete)
        #expect(try await w.org.mutating().count == writes, "a finished bundle makes no mutating call")
    }

    @Test func completesThroughExpiringTokensFaultsDropsAndATightRateLimit() async throws {
        var settings = SandboxOrg.Settings()
        settings.tokenLifetime = 5
        settings.serverErrorRate = 0.10
        settings.dropRate = 0.03
        settings.faultSeed = 2024
        settings.rateLimit = 300
        let items = Bundles.sample() + Bundles.generated(users: 24, queues: 2, skills: 3).map { var i = $0; i.phase += 3; return i }
        let w = try await SandboxWorkspace.make(items: items, settings: settings)
        defer { Task { await w.org.stop() } }
        var o = w.options
        o.maxConsecutiveFailures = 1_000
        o.maxFailureRate = 1
        let c = w.org.connection(rate: 280, burst: 10)
        var report = try await w.apply(o, connection: c)
        var runs = 1
        while !report.complete && runs < 4 {  // an operator reruns apply; failed steps are retried
            report = try await w.apply(o, connection: c)
            runs += 1
        }
        #expect(report.complete, "\(report.text)")
        #expect(try await w.org.duplicates().isEmpty)
        #expect(try await w.org.live("users").count == 3 + 24)
        #expect(try await w.org.live("skills").count == 2 + 3)
        #expect(try await w.org.live("queues").count == 2 + 2)
        let faults = try await w.org.journal().filter { $0["fault"] != nil && $0["fault"] != .null }.count
        #expect(faults > 0, "the fault injection must actually have struck")
        let rec = try await w.reconcile(c)
        #expect(rec.clean, "\(rec.text)")
    }

    @Test(arguments: ["unapproved", "under-approved", "tampered"])
    func refusesBeforeAnyRequest(_ kind: String) async throws {
        let w = try await SandboxWorkspace.make(approve: kind == "unapproved" ? 0 : kind == "under-approved" ? 1 : 2)
        defer { Task { await w.org.stop() } }
        if kind == "tampered" {
            var members = try BundleFiles.read(contentsOf: w.bundle).members
            members["payloads/queues/sales.json"] = Data(#"{"name":"Sales (changed)"}"#.utf8)
            try BundleFiles(members).tarData(mtime: 1_704_067_200).write(to: w.bundle)
        }
        let verify = try UploadOperations.verify(bundle: w.bundle, policy: w.approvers.policy)
        #expect(!verify.accepted)
        await #expect(throws: UploadError.self) { _ = try await w.apply() }
        await #expect(throws: UploadError.self) { _ = try await w.plan() }
        #expect(try await w.org.journal().isEmpty, "no request may reach the org")
        #expect(!FileManager.default.fileExists(atPath: Ledger.defaultPath(forBundle: w.bundle)))
    }

    @Test func adoptsAnIdenticalObjectAndStopsOnADifferentOne() async throws {
        let w = try await SandboxWorkspace.make()
        defer { Task { await w.org.stop() } }
        try await w.org.seed(["skills": [["name": "Billing"]], "queues": [["name": "Sales", "description": "someone else's queue"]]])
        let plan = try await w.plan()
        let byStep = Dictionary(uniqueKeysWithValues: plan.items.map { ($0.step, $0) })
        #expect(byStep["routing-skills/billing"]?.verdict == .adopt)
        #expect(byStep["queues/sales"]?.verdict == .conflict)
        #expect(byStep["queues/support"]?.verdict == .create)
        #expect(plan.exitCode == 1)
        #expect(plan.text.contains("= adopt"))
        #expect(plan.text.contains("! conflict"))
        #expect(plan.summary.hasPrefix("Plan: "))
        let afterPlan = try await w.org.mutating()
        #expect(afterPlan.isEmpty, "plan is read-only: \(afterPlan)")

        await #expect { _ = try await w.apply() } throws: { e in
            guard let e = e as? UploadError, case .conflicts(let items) = e else { return false }
            return items.count == 1 && items[0].contains("queues/sales")
        }
        #expect(try await w.org.mutating().isEmpty, "apply stops before touching anything")

        // Overridden: the conflicting queue is adopted as it is; rollback then keeps both adopted objects.
        var o = w.options
        o.adopt = true
        let report = try await w.apply(o)
        #expect(report.complete, "\(report.text)")
        #expect(report.counts.adopted == 2)
        #expect(try await w.org.duplicates().isEmpty)
        let rb = try await w.rollback()
        #expect(rb.failures.isEmpty, "\(rb.text)")
        #expect(rb.keptAdopted == 2)
        let skills = try await w.org.live("skills").compactMap { $0["name"]?.stringValue }
        #expect(skills == ["Billing"])
        #expect(try await w.org.live("queues").compactMap { $0["name"]?.stringValue } == ["Sales"])
    }

    @Test func rollbackAfterAFullUploadRestoresTheOrg() async throws {
        let w = try await SandboxWorkspace.make()
        defer { Task { await w.org.stop() } }
        let before = try await w.org.normalizedState()
        let report = try await w.apply()
        #expect(report.complete, "\(report.text)")
        #expect(try await w.org.normalizedState() != before)
        let rb = try await w.rollback()
        #expect(rb.failures.isEmpty, "\(rb.text)")
        #expect(rb.deleted == 9)
        let after = try await w.org.normalizedState()
        #expect(after == before, "live state differs after rollback")
        // Resumable and idempotent: a second rollback has nothing left to do.
        let writes = try await w.org.mutating().count
        let again = try await w.rollback()
        #expect(again.deleted == 0 && again.failures.isEmpty)
        #expect(try await w.org.mutating().count == writes)
    }

    @Test func noSecretOrTokenInAnyFile() async throws {
        var settings = SandboxOrg.Settings()
        settings.tokenLifetime = 3
        settings.serverErrorRate = 0.1
        let w = try await SandboxWorkspace.make(settings: settings)
        defer { Task { await w.org.stop() } }
        let recorder = TokenRecorder()
        var c = w.connection
        c.transport = recorder
        var o = w.options
        o.maxConsecutiveFailures = 1_000
        o.maxFailureRate = 1
        var report = try await w.apply(o, connection: c)
        if !report.complete { report = try await w.apply(o, connection: c) }
        _ = try await UploadOperations.reconcile(bundle: w.bundle, policy: w.approvers.policy, connection: c, options: o)
        let tokens = recorder.tokens
        #expect(!tokens.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: w.dir.path)
            .filter { $0.hasPrefix("bundle.tar.") }.map { w.dir.appendingPathComponent($0) }
        #expect(files.contains { $0.lastPathComponent.hasSuffix(".ledger.sqlite") })
        #expect(files.contains { $0.lastPathComponent.hasSuffix(".results.jsonl") })
        for f in files where !((try? f.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false) {
            let text = String(decoding: try Data(contentsOf: f), as: UTF8.self)
            #expect(!text.contains(w.org.clientSecret), "client secret in \(f.lastPathComponent)")
            #expect(!text.localizedCaseInsensitiveContains("bearer "), "bearer header in \(f.lastPathComponent)")
            for t in tokens { #expect(!text.contains(t), "token in \(f.lastPathComponent)") }
        }
    }
}

/// Wraps the libcurl client and remembers every access token the login service hands out.
final class TokenRecorder: HTTPTransport, @unchecked Sendable {  // `lock` guards `_tokens`
    private let inner = HTTPClient()
    private let lock = NSLock()
    private var _tokens: [String] = []
    var tokens: [String] { lock.lock(); defer { lock.unlock() }; return _tokens }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let r = try await inner.send(request)
        if request.url.hasSuffix("/oauth/token"), let t = try? JSONValue.parse(r.body)["access_token"]?.stringValue {
            lock.withLock { _tokens.append(t) }
        }
        return r
    }
}

@Suite struct CircuitBreakerTests {
    @Test func stopsAfterConsecutiveFailuresAndResumesLater() async throws {
        // Users without a name: the platform refuses each create with a 400.
        let items = (0..<30).map { Item(type: "users", key: "bad\($0)", json: ["email": .string("bad\($0)@example.com")], phase: 1) }
        let w = try await SandboxWorkspace.make(items: items)
        defer { Task { await w.org.stop() } }
        var o = w.options
        o.workers = 1
        o.maxConsecutiveFailures = 5
        let report = try await w.apply(o)
        #expect(report.breaker != nil, "\(report.text)")
        #expect(report.counts.failed == 5)
        #expect(report.counts.pending == 25)
        #expect(report.exitCode == 1)
        let status = try UploadOperations.status(bundle: w.bundle)
        #expect(status.counts.pending == 25)
        #expect(status.phases.first?.state == .inProgress)
    }
}
