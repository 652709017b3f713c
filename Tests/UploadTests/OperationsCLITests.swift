import Common
import Foundation
import Testing
import TestSupport
@testable import Upload
#if canImport(Glibc)
import Glibc
#endif

/// `cm2gc-upload` as an orchestrator runs it: the run lock of apply (real processes), and OAuth
/// credentials from AWS Secrets Manager through the real AWS CLI.
@Suite(.timeLimit(.minutes(3))) struct UploadOperationsCLITests {
    static func binary() throws -> URL {
        try #require(productBinary("cm2gc-upload"), "build the cm2gc-upload product (swift build --build-tests builds it)")
    }

    static func applyArgs(_ w: SandboxWorkspace, _ extra: [String] = []) -> [String] {
        ["apply", "--base-url", w.org.baseURL, "--trusted-keys", w.approvers.trusted.path, "--require-approvals", "2",
         "--rate", "6000", "--json"] + extra + [w.bundle.path]
    }

    static func envWithClient(_ w: SandboxWorkspace) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env[ConnectionOptions.clientIDVariable] = w.org.clientID
        env[ConnectionOptions.clientSecretVariable] = w.org.clientSecret
        return env
    }

    /// While another process holds the ledger's lock, apply exits 75 at once, naming it, and
    /// neither writes a ledger nor sends a request. A lock file left by a dead process is taken over.
    @Test func aSecondApplyIsRefusedAtOnceAndADeadOnesLockIsTakenOver() async throws {
        let w = try await SandboxWorkspace.make()
        defer { Task { await w.org.stop() } }
        let ledger = Ledger.defaultPath(forBundle: w.bundle)
        // Held by this test process: for the child it is another live process.
        let held = try RunLock.acquire(ledger + ".lock", command: "cm2gc-upload apply")
        let started = ContinuousClock.now
        let r = try await runProductAsync(try Self.binary(), Self.applyArgs(w), environment: Self.envWithClient(w))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(r.status == 75, "\(r.stderr)")
        #expect(r.stderr.contains("is in use by process \(getpid())"), "\(r.stderr)")
        let event = try JSONValue.parse(Data(r.stdout.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
        #expect(event["event"]?.stringValue == "error" && event["exit_code"]?.intValue == 75)
        #expect(!FileManager.default.fileExists(atPath: ledger), "a refused run created the ledger")
        #expect(try await w.org.journal().isEmpty, "a refused run sent a request")
        held.release()

        // What a SIGKILLed apply leaves behind: its record in the lock file, no lock.
        try Data("pid=999999\nhost=\(ProcessInfo.processInfo.hostName)\nstarted=2026-01-01T00:00:00Z\ncommand=cm2gc-upload apply\n".utf8)
            .write(to: URL(fileURLWithPath: ledger + ".lock"))
        let ok = try await runProductAsync(try Self.binary(), Self.applyArgs(w), environment: Self.envWithClient(w))
        #expect(ok.status == 0, "\(ok.stderr)")
        let status = try UploadOperations.status(bundle: w.bundle)
        #expect(status.counts.success == status.counts.total && status.counts.total > 0, "\(status.text)")
    }

    /// docs/credentials.md's AWS recipe inside a wrapper that, while the secret is in flight,
    /// snapshots every process's argument list: the secret is in none, nor in the output, the
    /// ledger or the results log, and the apply authenticates with it.
    @Test func clientCredentialsFromAWSSecretsManagerThroughTheRealCLI() async throws {
        let aws = try await offThePool { try SecretsManagerEmulator.start() }
        defer { aws.stop() }
        let w = try await SandboxWorkspace.make()
        defer { Task { await w.org.stop() } }
        try await aws.createSecret(name: "cm2gc/genesys-prod",
                             value: JSONValue.object(["clientId": .string(w.org.clientID), "clientSecret": .string(w.org.clientSecret)]).canonicalText())
        let snapshot = w.dir.appendingPathComponent("cmdlines.txt")
        let wrapper = w.dir.appendingPathComponent("genesys-credentials.sh")
        try Data("""
            #!/bin/sh
            set -e
            creds=$(aws secretsmanager get-secret-value --secret-id cm2gc/genesys-prod --query SecretString --output text)
            for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null || true; echo; done > '\(snapshot.path)'
            printf '%s\\n' "$creds"

            """.utf8).write(to: wrapper)
        chmod(wrapper.path, 0o700)
        var env = aws.environment
        env[ConnectionOptions.clientIDVariable] = nil
        env[ConnectionOptions.clientSecretVariable] = nil
        let r = try await runProductAsync(try Self.binary(), Self.applyArgs(w, ["--credentials-process", wrapper.path]), environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let secret = w.org.clientSecret
        let listing = try String(contentsOf: snapshot, encoding: .utf8)
        #expect(listing.contains("cm2gc-upload apply"), "the snapshot did not see the uploader")
        #expect(listing.contains("secretsmanager get-secret-value"), "the snapshot did not see the AWS CLI")
        #expect(!listing.contains(secret), "the secret is in a process's arguments")
        #expect(!(r.stdout + r.stderr).contains(secret))
        for f in [Ledger.defaultPath(forBundle: w.bundle), ResultsLog.defaultPath(forBundle: w.bundle)] {
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            #expect(data.range(of: Data(secret.utf8)) == nil, "the secret is in \(f)")
        }
        let status = try UploadOperations.status(bundle: w.bundle)
        #expect(status.counts.success == status.counts.total && status.counts.total > 0)

        // Both sources at once is a usage error, before anything runs.
        let both = try await runProductAsync(try Self.binary(), Self.applyArgs(w, ["--credentials-process", wrapper.path, "--credentials", wrapper.path]),
                                  environment: env)
        #expect(both.status == 2 && both.stderr.contains("not both"), "\(both.stderr)")
    }
}
