import BundleKit
import Common
import Foundation
import GenesysCloud
import Testing
@testable import Upload

/// Re-runs (issue 14): without the ledger against an org that already holds the bundle, and
/// resumed after an interruption, counting requests in the sandbox journal.
@Suite struct RerunTests {
    /// Journal entries after `seq` (this run's requests).
    private func requests(_ org: SandboxOrg, after seq: Int) async throws -> [(method: String, path: String)] {
        try await org.journal().compactMap { e -> (String, String)? in
            guard let s = e["seq"]?.intValue.map(Int.init), s > seq, let m = e["method"]?.stringValue, let p = e["path"]?.stringValue else { return nil }
            return (m, p)
        }
    }

    private func lastSeq(_ org: SandboxOrg) async throws -> Int {
        try await org.journal().compactMap { $0["seq"]?.intValue.map(Int.init) }.max() ?? 0
    }

    @Test func rerunWithoutTheLedgerAdoptsEverythingAndWritesNothing() async throws {
        let items = Bundles.sample() + Bundles.generated(users: 6, queues: 2, skills: 2).map { var i = $0; i.phase += 3; return i }
        let w = try await SandboxWorkspace.make(items: items)
        defer { Task { await w.org.stop() } }
        let first = try await w.apply()
        #expect(first.complete, "\(first.text)")
        let writes = try await w.org.mutating().count
        let firstCheck = try await w.reconcile()
        #expect(firstCheck.clean)

        // A new machine: the ledger and the results log are gone.
        let ledger = Ledger.defaultPath(forBundle: w.bundle)
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
        try? FileManager.default.removeItem(atPath: ResultsLog.defaultPath(forBundle: w.bundle))

        let plan = try await w.plan()
        #expect(plan.conflicts == 0, "\(plan.text)")
        #expect(plan.count(.create) == 0 && plan.count(.adopt) == first.counts.created, "\(plan.text)")

        let again = try await w.apply()
        #expect(again.complete, "\(again.text)")
        #expect(try await w.org.mutating().count == writes, "only writes that are really needed: none")
        #expect(again.counts.created == 0 && again.counts.written == 0)
        #expect(again.counts.adopted == again.counts.total, "\(again.text)")
        #expect(try await w.org.duplicates().isEmpty)
        let rec = try await w.reconcile()
        #expect(rec.clean, "\(rec.text)")
        #expect(rec.count(.match) == firstCheck.count(.match), "\(rec.text)")
        // Rollback after such a run keeps what it found: it created nothing.
        let rb = try await w.rollback()
        #expect(rb.deleted == 0)
        #expect(try await w.org.mutating().count == writes)
    }

    @Test func aResumedApplyDoesNotRepeatThePreflight() async throws {
        var settings = SandboxOrg.Settings()
        settings.rateLimited = false
        let items = Bundles.generated(users: 60, queues: 2, skills: 2)
        let w = try await SandboxWorkspace.make(items: items, settings: settings)
        defer { Task { await w.org.stop() } }
        var o = w.options
        o.workers = 1
        // Interrupt the first run as soon as its first create went out (after the preflight).
        let run = Task { try await UploadOperations.apply(bundle: w.bundle, policy: w.approvers.policy, connection: w.connection, options: o) }
        while try await w.org.mutating().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        run.cancel()
        let first = try await run.value
        #expect(!first.complete)
        let firstRequests = try await requests(w.org, after: 0)
        let listings = firstRequests.filter { $0.method == "GET" && $0.path == "/api/v2/users" }.count
        #expect(listings > 0, "the first run lists the users once for its preflight")

        let seq = try await lastSeq(w.org)
        let ledger = try #require(try Ledger.openExisting(path: Ledger.defaultPath(forBundle: w.bundle)))
        let openIntents = try ledger.openIntents(kind: "apply").count
        let resumed = try await w.apply(o)
        #expect(resumed.complete, "\(resumed.text)")
        let again = try await requests(w.org, after: seq)
        #expect(again.filter { $0.method == "GET" && $0.path == "/api/v2/users" }.isEmpty,
                "a resumed run reads only what the ledger does not know: \(again.filter { $0.method == "GET" })")
        let lookups = again.filter { $0.path == "/api/v2/users/search" || ($0.method == "GET" && $0.path.hasPrefix("/api/v2/users")) }
        #expect(lookups.count <= 3 * openIntents, "lookups only for creates whose answer was lost: \(lookups)")
        #expect(try await w.org.duplicates().isEmpty)
        #expect(try await w.org.live("users").count == 60)
    }
}
