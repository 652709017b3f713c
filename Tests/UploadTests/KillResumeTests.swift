import Common
import Foundation
import GenesysCloud
import Testing
import TestSupport
@testable import Upload
#if canImport(Glibc)
import Glibc
#endif

/// The real `cm2gc-upload` binary, killed with SIGKILL at seeded random moments and resumed,
/// must leave the org exactly as one clean run does.
@Suite struct KillResumeTests {
    @Test(.timeLimit(.minutes(3)))
    func killedAtRandomPointsAndResumedEqualsACleanRun() async throws {
        let binary = try #require(productBinary("cm2gc-upload"), "build the cm2gc-upload product (swift build --build-tests builds it)")
        let items = Bundles.sample() + Bundles.generated(users: 40, queues: 4, skills: 4).map { var i = $0; i.phase += 3; return i }
            + FlowPublishTests.items().map { var i = $0; i.phase += 10; return i }
        var settings = SandboxOrg.Settings()
        settings.rateLimited = false
        let w = try await SandboxWorkspace.make(items: items, settings: settings)
        let clean = try await SandboxWorkspace.make(items: items, settings: settings)
        defer { Task { await w.org.stop(); await clean.org.stop() } }

        let cleanReport = try await clean.apply()
        #expect(cleanReport.complete, "\(cleanReport.text)")
        let expected = try await clean.org.normalizedState()

        var env = ProcessInfo.processInfo.environment
        env[ConnectionOptions.clientIDVariable] = w.org.clientID
        env[ConnectionOptions.clientSecretVariable] = w.org.clientSecret
        let args = ["apply", "--base-url", w.org.baseURL, "--trusted-keys", w.approvers.trusted.path, "--require-approvals", "2",
                    "--rate", "1500", "--workers", "3", "--quiet", w.bundle.path]
        func launch() throws -> Process {
            let p = Process()
            p.executableURL = binary
            p.arguments = args
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }

        var rng = SplitMix64(seed: 20_241_129)
        var kills = 0
        var finishedEarly = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while kills < 24 && ContinuousClock.now < deadline {
            let p = try launch()
            let delay = 150 + Int(rng.next() % 650)  // ms: from start-up (verification) to mid-phase
            try await Task.sleep(for: .milliseconds(delay))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                if p.terminationReason == .uncaughtSignal { kills += 1 }
            } else {
                p.waitUntilExit()
                finishedEarly += 1
                if p.terminationStatus == 0 { break }  // done before the quota of kills: nothing left to kill
            }
        }
        #expect(kills >= 20, "only \(kills) kills landed (\(finishedEarly) runs finished first)")

        let final = try launch()
        final.waitUntilExit()
        #expect(final.terminationStatus == 0)
        let status = try UploadOperations.status(bundle: w.bundle)
        #expect(status.counts.success == status.counts.total, "\(status.text)")
        #expect(try await w.org.duplicates().isEmpty)
        let actual = try await w.org.normalizedState()
        #expect(actual == expected, "killed-and-resumed org differs from a clean run")
        let rec = try await w.reconcile()
        #expect(rec.clean, "\(rec.text)")
    }
}
