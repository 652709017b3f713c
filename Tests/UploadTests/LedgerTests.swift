import Foundation
import Testing
@testable import Upload

@Suite struct LedgerTests {
    static func steps(_ n: Int) -> [(id: String, type: String, key: String, action: String, phase: Int, idempotencyKey: String)] {
        (0..<n).map { ("users/u\($0)", "users", "u\($0)", "create", 1 + $0 % 3, "k\($0)") }
    }

    @Test func refusesALedgerOfAnotherBundleAndASecondProcess() throws {
        let dir = try makeTempDir()
        let path = dir.appendingPathComponent("l.sqlite").path
        do {
            let l = try Ledger.open(path: path, bundleDigest: "aaa", bundleID: "id", steps: Self.steps(3))
            #expect(try l.steps().count == 3)
            #expect(try l.phases().map(\.phase) == [1, 2, 3])
            // Same process, second open: the lock is per open file description, so it is refused too.
            #expect(throws: UploadError.self) { _ = try Ledger.open(path: path, bundleDigest: "aaa", bundleID: "id", steps: Self.steps(3)) }
        }
        #expect { _ = try Ledger.open(path: path, bundleDigest: "bbb", bundleID: "id", steps: Self.steps(3)) } throws: { e in
            guard let e = e as? UploadError, case .ledgerMismatch = e else { return false }
            return e.exitCode == 1
        }
        let reopened = try Ledger.open(path: path, bundleDigest: "aaa", bundleID: "id", steps: Self.steps(3))
        #expect(try reopened.meta("bundle_digest") == "aaa")
    }

    @Test func intentsAreDurableBeforeTheRequestAndClosedAfter() async throws {
        let dir = try makeTempDir()
        let path = dir.appendingPathComponent("l.sqlite").path
        let l = try Ledger.open(path: path, bundleDigest: "d", bundleID: "id", steps: Self.steps(2))
        let seq = try await l.recordIntent(kind: "apply", steps: ["users/u0"], method: "POST", path: "/api/v2/users", idempotencyKey: "k0")
        #expect(try l.hasUnresolvedIntent("users/u0"))
        #expect(try l.step("users/u0")?.state == .inProgress)
        #expect(try l.step("users/u0")?.attempts == 1)
        // A second connection (another process after a crash) sees the committed intent.
        let other = try #require(try Ledger.openExisting(path: path))
        #expect(try other.openIntents(kind: "apply").map(\.steps) == [["users/u0"]])
        try await l.record(["users/u0"], .init(state: .success, origin: .created, genesysID: "g-1", httpStatus: 200), closing: seq)
        #expect(try !l.hasUnresolvedIntent("users/u0"))
        let s = try #require(try other.step("users/u0"))
        #expect(s.state == .success && s.genesysID == "g-1" && s.origin == .created && s.httpStatus == 200)
        try await l.closeIntent(try await l.recordIntent(kind: "apply", steps: ["users/u1"], method: "POST", path: "/p", idempotencyKey: "k1"),
                                outcome: "UNKNOWN")
        #expect(try l.hasUnresolvedIntent("users/u1"), "an UNKNOWN outcome still needs a lookup")
    }

    @Test func groupCommitKeepsUpWithManyWriters() async throws {
        let dir = try makeTempDir()
        let l = try Ledger.open(path: dir.appendingPathComponent("l.sqlite").path, bundleDigest: "d", bundleID: "id", steps: Self.steps(2_000))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { g in
            for w in 0..<20 {
                g.addTask {
                    for i in stride(from: w, to: 2_000, by: 20) {
                        let id = "users/u\(i)"
                        let seq = try await l.recordIntent(kind: "apply", steps: [id], method: "POST", path: "/api/v2/users", idempotencyKey: "k")
                        try await l.record([id], .init(state: .success, origin: .created, genesysID: "g\(i)"), closing: seq)
                    }
                }
            }
            try await g.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        #expect(try l.steps().allSatisfy { $0.state == .success })
        #expect(try l.openIntents(kind: "apply").isEmpty)
        // Speed is the benchmark's business; here: concurrent writers share transactions.
        let c = l.commitCounts
        #expect(c.writes == 4_000)
        #expect(c.transactions < c.writes, "20 concurrent writers must share commits (\(c.transactions) transactions)")
        print("ledger: 2000 steps (4000 durable writes) by 20 writers in \(elapsed), \(c.transactions) transactions")
    }
}
