import Common
import Foundation
import Testing

@testable import Sandbox

/// Issue 5 (6) and (1): journal, state dump, reset, seed, state file across restarts.
@Suite struct StateTests {
    @Test func seedIdenticalAndDifferentPreexistingObjects() async throws {
        try await withSandbox { sb in
            let seed = try await sb.call(.post, "/sandbox/seed", [
                "skills": [["name": "Billing"]],
                "queues": [["id": "11111111-1111-4111-8111-111111111111", "name": "Support", "description": "pre-existing, identical"],
                           ["name": "Sales", "description": "pre-existing, different"]],
                "users": [["name": "Gone", "email": "gone@example.com", "state": "deleted"]],
            ])
            #expect(seed.status == 200, "\(seed.text)")
            let q = try await sb.get("/api/v2/routing/queues/11111111-1111-4111-8111-111111111111")
            #expect(q["name"]?.stringValue == "Support")
            let byName = try await sb.get("/api/v2/routing/queues?name=Sales")
            #expect(byName["entities"]?.arrayValue?.first?["description"]?.stringValue == "pre-existing, different")
            expectError(try await sb.post("/api/v2/routing/queues", ["name": "Support"]), 400, "duplicate.name")
            expectError(try await sb.post("/api/v2/users", ["name": "Gone", "email": "gone@example.com"]), 409, "general.conflict")
            // Seeds go through the same validation.
            let bad = try await sb.call(.post, "/sandbox/seed", ["queues": [["description": "no name"]]])
            expectError(bad, 400, "required.field.missing")

            let reset = try await sb.call(.post, "/sandbox/reset")
            #expect(reset.status == 200)
            #expect(try await sb.get("/api/v2/routing/queues")["total"]?.intValue == 0)
            #expect(try await sb.get("/api/v2/authorization/divisions/home").status == 200)
        }
    }

    @Test func stateFileSurvivesRestart() async throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("state.json").path
        let config = testConfig { $0.statePath = path }
        let sb1 = try await GenesysSandbox.start(config)
        let engine1 = sb1.engine
        let tok = await engine1.respond(SandboxRequest(method: "POST", target: "/oauth/token",
                                                       headers: ["Authorization": "Basic " + Data("uploader:s3cret-uploader".utf8).base64EncodedString()],
                                                       body: Data("grant_type=client_credentials".utf8)))
        let token = try JSONValue.parse(tok.body)["access_token"]?.stringValue ?? ""
        let created = await engine1.respond(SandboxRequest(method: "POST", target: "/api/v2/routing/queues",
                                                           headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                                           body: Data(#"{"name":"Persisted"}"#.utf8)))
        #expect(created.status == 200)
        let qid = try JSONValue.parse(created.body)["id"]?.stringValue ?? ""
        // Written synchronously (debounce 0): the file already has it before shutdown.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("Persisted"))
        #expect(!text.contains(token))
        await sb1.stop()

        let sb2 = try await GenesysSandbox.start(config)
        let again = await sb2.engine.respond(SandboxRequest(method: "GET", target: "/api/v2/routing/queues/\(qid)",
                                                            headers: ["Authorization": "Bearer \(token)"]))
        #expect(again.status == 200)  // the same token still works after the restart
        let next = await sb2.engine.respond(SandboxRequest(method: "POST", target: "/api/v2/routing/queues",
                                                           headers: ["Authorization": "Bearer \(token)"], body: Data(#"{"name":"Second"}"#.utf8)))
        let nid = try JSONValue.parse(next.body)["id"]?.stringValue
        #expect(nid != nil && nid != qid)  // the id generator resumed, it did not restart
        // The duplicate index is rebuilt from the loaded state.
        let dup = await sb2.engine.respond(SandboxRequest(method: "POST", target: "/api/v2/routing/queues",
                                                          headers: ["Authorization": "Bearer \(token)"], body: Data(#"{"name":"persisted"}"#.utf8)))
        #expect(dup.status == 400)
        await sb2.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func debouncedWritesFlushOnStop() async throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("state.json").path
        let sb = try await GenesysSandbox.start(testConfig { $0.statePath = path; $0.stateWriteDebounceSeconds = 30 })
        _ = await sb.engine.respond(SandboxRequest(method: "POST", target: "/sandbox/seed", body: Data(#"{"skills":[{"name":"Debounced"}]}"#.utf8)))
        await sb.stop()
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("Debounced"))
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func unreadableStateFileIsATypedError() async throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("state.json").path
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: SandboxError.self) { _ = try await GenesysEngine(config: testConfig { $0.statePath = path }) }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func journalRecordsEveryCall() async throws {
        try await withSandbox { sb in
            _ = try await sb.post("/api/v2/routing/skills", ["name": "J"])
            _ = try await sb.post("/api/v2/routing/skills", ["name": "J"])
            let j = try await sb.call(.get, "/sandbox/journal")
            let e = j["entries"]?.arrayValue ?? []
            let posts = e.filter { $0["path"]?.stringValue == "/api/v2/routing/skills" }
            #expect(posts.map { $0["status"]?.intValue } == [200, 409])
            #expect(posts.last?["code"]?.stringValue == "general.conflict")
            let since = try await sb.call(.get, "/sandbox/journal?since=\(e.last?["seq"]?.intValue ?? 0)")
            #expect(since["entries"]?.arrayValue?.isEmpty == true)
        }
    }
}

@Suite struct FastJSONTests {
    @Test func matchesCanonicalText() throws {
        let v: JSONValue = ["b": [1, 2.5, "x\"y\\z\n\t\u{01}é😀"], "a": nil, "c": ["z": true, "y": false], "Z": -7]
        #expect(String(decoding: FastJSON.bytes(v), as: UTF8.self) == v.canonicalText())
    }
}
