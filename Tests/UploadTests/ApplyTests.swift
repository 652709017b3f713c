import BundleKit
import Common
import Foundation
import GenesysCloud
import Testing
@testable import Upload

@Suite struct ApplyTests {
    @Test func sampleBundleUploadsCompletelyAndReconcilesWithoutDrift() async throws {
        let w = try Workspace()
        defer { w.org.stop() }
        let report = try await w.apply()
        #expect(report.complete, "\(report.text)")
        #expect(report.counts.created == 9)
        #expect(w.org.count("users") == 3)
        #expect(w.org.count("queues") == 2)
        #expect(w.org.duplicates().isEmpty)
        // The cycle was closed by the patches: each manager points at the other user.
        let users = Dictionary(uniqueKeysWithValues: w.org.all("users").compactMap { u in u["name"]?.stringValue.map { ($0, u) } })
        #expect(users["Alice"]?["manager"]?["id"] == users["Bob"]?["id"])
        #expect(users["Bob"]?["manager"]?["id"] == users["Alice"]?["id"])
        // Carol's @ext division resolved to the pre-existing Home division.
        let home = w.org.all("divisions").first { $0["name"] == "Home" }
        #expect(users["Carol"]?["divisionId"] == home?["id"])

        let rec = try await UploadOperations.reconcile(bundle: w.bundle, policy: w.approvers.policy, connection: w.connection,
                                                       options: w.options)
        #expect(rec.clean, "\(rec.text)")
        #expect(rec.count(.match) == 14)  // every create step (patches are checked through their object)

        // Re-running a finished bundle makes no mutating call.
        let before = w.org.mutatingJournal.count
        let again = try await w.apply()
        #expect(again.complete)
        #expect(w.org.mutatingJournal.count == before)

        let status = try UploadOperations.status(bundle: w.bundle)
        #expect(status.counts.success == status.counts.total)
        #expect(status.phases.allSatisfy { $0.state == .success })
        #expect(status.json["counts"]?["success"]?.intValue == 16)
    }

    @Test func batchesMembersOfOneParentWithinAPhase() async throws {
        let items = Bundles.generated(users: 120, queues: 1, skills: 1)
        let w = try Workspace(items: items)
        defer { w.org.stop() }
        let report = try await w.apply()
        #expect(report.complete, "\(report.text)")
        // 120 queue members of one queue: 2 requests (100 + 20); 120 user skill bulks (one per user).
        let memberPosts = w.org.journal.filter { $0.hasPrefix("POST /api/v2/routing/queues/") && $0.hasSuffix("/members") }
        #expect(memberPosts.count == 2)
    }

    @Test func survivesExpiringTokensFaultsAndATightRateLimit() async throws {
        let org = try FakeOrg(tokenLifetime: 5, faults: .init(rate: 0.10, seed: 42), rateLimit: 600)
        let w = try Workspace(items: Bundles.sample() + Bundles.generated(users: 40, queues: 3, skills: 4).map {
            var i = $0; i.phase += 3; i.deps = i.deps; return i
        }, org: org)
        defer { org.stop() }
        var c = w.connection
        c.requestsPerMinute = 500  // a tight client-side rate under the org's 600/min
        c.burst = 5
        var o = w.options
        o.maxConsecutiveFailures = 1_000
        o.maxFailureRate = 1
        var report = try await w.apply(o, connection: c)
        // Unknown outcomes that never resolved are retried by the next run, like an operator would.
        var runs = 1
        while !report.complete && runs < 4 {
            report = try await w.apply(o, connection: c)
            runs += 1
        }
        #expect(report.complete, "\(report.text)")
        #expect(org.duplicates().isEmpty)
        #expect(org.count("users") == 3 + 40)
        #expect(org.count("routing-skills") == 0)
        #expect(org.count("skills") == 2 + 4)
        #expect(org.count("queues") == 2 + 3)
        let rec = try await UploadOperations.reconcile(bundle: w.bundle, policy: w.approvers.policy, connection: c, options: o)
        #expect(rec.clean, "\(rec.text)")
    }
}
