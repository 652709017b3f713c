import Common
import Foundation
import Testing

@testable import Sandbox

@Suite struct OAuthTests {
    @Test func clientCredentialsTokenAndErrors() async throws {
        try await withSandbox { sb in
            let ok = try await sb.fetchToken()
            #expect(ok.status == 200)
            #expect(ok["token_type"]?.stringValue == "bearer")
            #expect(ok["expires_in"]?.intValue == 86_400)
            #expect((ok["access_token"]?.stringValue?.count ?? 0) >= 32)

            let bad = try await sb.fetchToken("uploader", "wrong")
            #expect(bad.status == 401)
            #expect(bad["error"]?.stringValue == "invalid_client")
            let unknown = try await sb.fetchToken("nobody", "x")
            #expect(unknown.status == 401)

            let basic = Data("uploader:s3cret-uploader".utf8).base64EncodedString()
            let grant = try await sb.call(.post, "/oauth/token", token: .some(nil),
                                          headers: ["Authorization": "Basic \(basic)"], rawBody: "grant_type=password")
            #expect(grant.status == 400)
            #expect(grant["error"]?.stringValue == "unsupported_grant_type")
        }
    }

    @Test func missingBadAndExpiredTokens() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.tokenLifetimeSeconds = 300 }) { sb in
            let missing = try await sb.call(.get, "/api/v2/routing/queues", token: .some(nil))
            expectError(missing, 401, "authentication.required")
            let bad = try await sb.call(.get, "/api/v2/routing/queues", token: "not-a-token")
            expectError(bad, 401, "bad.credentials")
            let fine = try await sb.get("/api/v2/routing/queues")
            #expect(fine.status == 200)
            clock.advance(301)
            let expired = try await sb.get("/api/v2/routing/queues")
            expectError(expired, 401, "bad.credentials")
            #expect(expired["message"]?.stringValue == "Invalid login credentials.")
        }
    }

    @Test func journalNamesTheClientButNeverTheTokenOrSecret() async throws {
        try await withSandbox { sb in
            _ = try await sb.get("/api/v2/routing/skills")
            let j = try await sb.call(.get, "/sandbox/journal")
            let entries = j["entries"]?.arrayValue ?? []
            #expect(entries.count >= 2)
            let api = entries.last { $0["path"]?.stringValue == "/api/v2/routing/skills" }
            #expect(api?["clientId"]?.stringValue == "uploader")
            #expect(api?["status"]?.intValue == 200)
            #expect(api?["correlationId"]?.stringValue?.count == 36)
            #expect(api?["durationMs"]?.doubleValue != nil)
            #expect(api?["method"]?.stringValue == "GET")
            let token = try #require(sb.token)
            #expect(!j.text.contains(token))
            #expect(!j.text.contains("s3cret-uploader"))
            let state = try await sb.call(.get, "/sandbox/state")
            #expect(!state.text.contains(token))
        }
    }

    @Test func clientOptionsParsing() throws {
        #expect(try GenesysSandboxConfig.parseClient("a:b:c") == ("a", "b:c"))
        #expect(throws: SandboxError.self) { try GenesysSandboxConfig.parseClient("nocolon") }
        #expect(throws: SandboxError.self) { try GenesysSandboxConfig.parseClient("id:") }
        let dir = try tempDir()
        let f = dir.appendingPathComponent("clients").path
        try "# test\nup:pw\n\nother:pw2\n".write(toFile: f, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: f)
        #expect(throws: SandboxError.self) { try GenesysSandboxConfig.loadClientsFile(f) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: f)
        #expect(try GenesysSandboxConfig.loadClientsFile(f) == ["up": "pw", "other": "pw2"])
    }
}
