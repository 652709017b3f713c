import Common
import Foundation
import TestSupport
import Testing

@Suite struct SecretsTests {
    @Test func ownerOnlyFileIsAccepted() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("secret").path
        try Data("  pa ss\n".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(try Secrets.read(.file(file)).value == "  pa ss")
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: file)
        #expect(try Secrets.read(.file(file)).value == "  pa ss")
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func readableByOthersIsRefused(mode: Int) throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("secret").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        #expect(throws: SecretError.filePermissionsTooOpen(file, mode: UInt32(mode))) { try Secrets.read(.file(file)) }
        let message = SecretError.filePermissionsTooOpen(file, mode: UInt32(mode)).localizedDescription
        #expect(message.contains("chmod 600"))
        #expect(message.contains(String(mode, radix: 8)))
    }

    @Test func missingAndEmptyAndEnvironment() throws {
        #expect(throws: SecretError.fileMissing("/nonexistent/cm2gc-secret")) { try Secrets.read(.file("/nonexistent/cm2gc-secret")) }
        #expect(throws: SecretError.environmentVariableMissing("CM2GC_X")) { try Secrets.read(.environment("CM2GC_X"), environment: [:]) }
        #expect(try Secrets.read(.environment("S"), environment: ["S": "abc\n"]).value == "abc")
        #expect(throws: SecretError.self) { try Secrets.read(.environment("S"), environment: ["S": "\n"]) }
        let s = Secret("hunter2-long")
        #expect("\(s)" == "[REDACTED]" && String(reflecting: s) == "Secret([REDACTED])")
    }
}

@Suite struct RedactorTests {
    @Test(arguments: [
        ("Authorization: Bearer eyJhbGciOi.abc-def_ghi", "Authorization: Bearer [REDACTED]"),
        ("authorization: basic Y2xpZW50OnNlY3JldA==", "authorization: basic [REDACTED]"),
        (#"{"access_token":"tok-123","expires_in":86400}"#, #"{"access_token":"[REDACTED]","expires_in":86400}"#),
        (#"{"client_secret" : "abc\"def"}"#, #"{"client_secret" : "[REDACTED]"}"#),
        ("grant_type=client_credentials&client_secret=xyz&x=1", "grant_type=client_credentials&client_secret=[REDACTED]&x=1"),
        ("GET /cb?access_token=abc.def HTTP/1.1", "GET /cb?access_token=[REDACTED] HTTP/1.1"),
        ("proxy https://bob:pa55@proxy:3128", "proxy https://bob:[REDACTED]@proxy:3128"),
        ("nothing to hide here", "nothing to hide here"),
    ])
    func patterns(input: String, expected: String) {
        #expect(Redactor.standard.redact(input) == expected)
    }

    @Test func literalSecretsAreRemovedAnywhere() {
        let r = Redactor(secrets: [Secret("S3cr3tValue"), Secret("ab")])
        #expect(r.redact("failed with S3cr3tValue in it; ab stays") == "failed with [REDACTED] in it; ab stays")
        let h: HTTPHeaders = ["Authorization": "Bearer x", "X-Other": "access_token=zzz"]
        #expect(!h.description.contains("Bearer x") && !h.description.contains("zzz"))
    }
}
