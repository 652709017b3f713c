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

/// `cm2gc extract` as cron or an orchestrator runs it: run locks between real processes, the
/// window's exit code, and credentials from AWS Secrets Manager through the real AWS CLI.
@Suite(.timeLimit(.minutes(3))) struct ExtractOperationsCLITests {
    /// A second extract on the same store exits at once with 75 and names the first; after the
    /// first is SIGKILLed its lock is taken over and the run resumes.
    @Test func aSecondExtractIsRefusedAtOnceAndADeadOnesLockIsTakenOver() async throws {
        // Off the cooperative pool, so the first extract is still running when it is killed.
        try await withTaskExecutorPreference(SandboxExecutor.shared) { try await refusedThenTakenOver() }
    }

    private func refusedThenTakenOver() async throws {
        let sb = try await Fixture.slowSandbox(ms: 20)
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("locked.sqlite")
        let args = ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path, "--rate", "100", "--page-size", "5", "--json"]
        let bin = try ExtractCLITests.binary()
        let first = try await ExtractCLITests.start(bin, args, untilServed: 3, by: sb)
        #expect(first.isRunning, "the first extract finished before the second started")

        let started = ContinuousClock.now
        let second = try await runProductAsync(bin, args, environment: ExtractCLITests.environment())
        #expect(ContinuousClock.now - started < .seconds(5), "the second run waited")
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("held by process \(first.processIdentifier)"), "\(second.stderr)")
        let refused = try JSONValue.parse(Data(second.stdout.utf8))
        #expect(refused["status"]?.stringValue == "busy" && refused["exit_code"]?.intValue == 75)

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let third = try await runProductAsync(bin, args, environment: ExtractCLITests.environment())
        #expect(third.status == 0, "\(third.stderr)")
        let done = try JSONValue.parse(Data(third.stdout.utf8))
        #expect(done["status"]?.stringValue == "succeeded" && done["resumed"]?.boolValue == true)
        #expect(done["took_over_lock_from"]?.stringValue?.hasPrefix("process \(first.processIdentifier) ") == true, "\(third.stdout)")
        #expect(try StagingStore(path: stage.path).runs().count == 1, "the refused run left no run behind")
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
    }

    /// Outside the window: exit 3 with a JSON summary, no request, no store created.
    @Test func outsideTheWindowItExitsThreeWithoutARequest() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("closed.sqlite")
        // A one-hour window starting two hours from now (UTC): closed now, whatever the time.
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        let h = (cal.component(.hour, from: Date()) + 2) % 24
        let window = String(format: "%02d:00-%02d:00", h, (h + 1) % 24)
        let r = try await runProductAsync(try ExtractCLITests.binary(),
                               ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path, "--json",
                                "--window", window, "--window-zone", "UTC"], environment: ExtractCLITests.environment())
        #expect(r.status == 3, "\(r.stderr)")
        let v = try JSONValue.parse(Data(r.stdout.utf8))
        #expect(v["status"]?.stringValue == "paused" && v["exit_code"]?.intValue == 3)
        #expect(v["next_opening"]?.stringValue?.contains(String(format: "T%02d:00:00Z", h)) == true, "\(r.stdout)")
        #expect(r.stderr.contains("cm2gc: paused: the extraction window \(window) UTC is closed"), "\(r.stderr)")
        #expect(await sb.engine.lastSeq == 0)
        #expect(!FileManager.default.fileExists(atPath: stage.path))

        let bad = try await runProductAsync(try ExtractCLITests.binary(),
                                 ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path, "--window", "22:00"],
                                 environment: ExtractCLITests.environment())
        #expect(bad.status == 2 && bad.stderr.contains("HH:MM-HH:MM"), "\(bad.stderr)")
    }

    /// The documented AWS Secrets Manager recipe, verbatim, against moto's emulator on loopback:
    /// the CM credentials reach the pull, and neither the environment nor a file nor any
    /// output holds them.
    @Test func credentialsFromAWSSecretsManagerThroughTheRealCLI() async throws {
        let aws = try await offThePool { try SecretsManagerEmulator.start() }
        defer { aws.stop() }
        let password = "Vk7#p q'9\"x-\(UUID().uuidString.prefix(8))"
        try await aws.createSecret(name: "cm2gc/cm-prod", value: JSONValue.object(["username": "svc-cm2gc", "password": .string(password)]).canonicalText())
        var c = CMSandboxConfig(site: Fixture.satModel)
        c.username = "svc-cm2gc"
        c.password = password
        let sb = try await CMSandbox.start(c)
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("aws.sqlite")
        var env = aws.environment
        env["CM_USERNAME"] = nil
        env["CM_PASSWORD"] = nil
        let r = try await runProductAsync(try ExtractCLITests.binary(),
                               ["extract", "--from", sb.restURL, "--kind", "rest", "--stage", stage.path, "--json", "--credentials-process",
                                "aws secretsmanager get-secret-value --secret-id cm2gc/cm-prod --query SecretString --output text"],
                               environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try JSONValue.parse(Data(r.stdout.utf8))["status"]?.stringValue == "succeeded")
        #expect(try StagingStore.readModel(stage.path).model.content == Fixture.satModel.content)
        #expect(!(r.stdout + r.stderr).contains(password))
        let db = try Data(contentsOf: stage)
        #expect(db.range(of: Data(password.utf8)) == nil, "the password is in the staging store")
    }
}

@Suite struct CMCredentialsProcessTests {
    /// A secret of the wrong shape: a clear error naming the members, never the value.
    @Test func aWrongShapeNamesTheMembersNotTheValue() throws {
        let dir = try tempDir()
        let script = dir.appendingPathComponent("creds")
        try Data("#!/bin/sh\necho '{\"user\": \"cm2gc\", \"pass\": \"Zq9-not-shown\"}'\n".utf8).write(to: script)
        chmod(script.path, 0o700)
        let e = #expect(throws: ExtractError.self) { try CMCredentials.load(file: nil, process: script.path) }
        #expect(e?.localizedDescription.contains("no non-empty string \"username\" (members: pass, user)") == true, "\(String(describing: e))")
        #expect(e?.localizedDescription.contains("Zq9-not-shown") == false)
        #expect(e?.exitCode == 2)
        let good = dir.appendingPathComponent("good")
        try Data("#!/bin/sh\nprintf '%s' '{\"username\": \"svc\", \"password\": \"p:w\"}'\n".utf8).write(to: good)
        chmod(good.path, 0o700)
        let c = try CMCredentials.load(file: nil, process: good.path)
        #expect(c.username == "svc" && c.password.value == "p:w")
        #expect(!"\(c)".contains("p:w"))
        #expect(throws: ExtractError.self) { try CMCredentials.load(file: good.path, process: good.path) }
    }
}
