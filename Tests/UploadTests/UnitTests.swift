import BundleKit
import Common
import Foundation
import GenesysCloud
import Testing
import TestSupport
@testable import Upload

@Suite struct PayloadMatchTests {
    @Test func comparesOnlyWhatThePayloadSets() {
        let actual: JSONValue = ["id": "q1", "name": "Sales", "version": 3, "memberCount": 4,
                                 "division": ["id": "d1", "name": "Home", "selfUri": "/x"],
                                 "skills": [["id": "b"], ["id": "a"]], "rate": 2.0]
        #expect(PayloadMatch.matches(expected: ["name": "Sales", "division": ["id": "d1"], "rate": 2], actual: actual))
        #expect(PayloadMatch.matches(expected: ["skills": [["id": "a"], ["id": "b"]]], actual: actual), "sets in any order")
        #expect(PayloadMatch.matches(expected: ["division": "d1"], actual: actual), "id string vs entity reference")
        let d = PayloadMatch.differences(expected: ["name": "Sales", "description": "x", "skills": [["id": "a"]]], actual: actual)
        #expect(d.map(\.path) == ["description", "skills"])
        #expect(PayloadMatch.matches(expected: ["divisionId": "d1"], actual: ["division": ["id": "d1"]], type: .users))
        #expect(!PayloadMatch.matches(expected: ["divisionId": "d2"], actual: ["division": ["id": "d1"]], type: .users))
    }
}

@Suite struct BundlePreparationTests {
    @Test func normalisesReferencesAliasesAndDefersCycleFields() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("b.tar")
        try Bundles.write(Bundles.sample() + [
            Item(type: "skill", key: "legacy", json: ["name": "Legacy"], phase: 4),
            Item(type: "queue", key: "legacy-sales", json: ["name": "Legacy Sales", "skills": [["$ref": "skill/legacy"]]], phase: 5, deps: ["skill/legacy"]),
        ], to: url)
        let approvers = try Approvers(in: dir)
        try approvers.approve(url)
        let b = try UploadBundle.load(url, policy: approvers.policy)
        let sales = try #require(b.steps.first { $0.id == "queue/legacy-sales" })
        #expect(sales.type == .queues)
        #expect(sales.body?["skills"] == [["id": "@ref:routing-skills/legacy"]])
        let alice = try #require(b.steps.first { $0.id == "users/alice" })
        #expect(alice.deferredFields == ["manager"])
        #expect(alice.body?["manager"] == nil)
        let patch = try #require(b.steps.first { $0.id == "users/alice#patch" })
        #expect(patch.payload?["manager"] == "@ref:users/bob")
        let members = try #require(b.steps.first { $0.id == "queue-members/sales-members" })
        #expect(members.parent?.text == "@ref:queues/sales")
        #expect(members.body?.arrayValue?.count == 2)
        #expect(Set(b.steps.map(\.idempotencyKey)).count == b.steps.count)
        #expect(sales.diffSequence != nil)
    }

    @Test func refusesAnUnknownTypeBeforeAnyRequest() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("b.tar")
        try Bundles.write([Item(type: "gadgets", key: "x", json: ["name": "X"], phase: 1)], to: url)
        let approvers = try Approvers(in: dir)
        try approvers.approve(url)
        #expect { _ = try UploadBundle.load(url, policy: approvers.policy) } throws: { e in
            guard let e = e as? UploadError, case .unsupportedPlan = e else { return false }
            return true
        }
    }
}

@Suite struct ConnectionTests {
    @Test func credentialsFromEnvironmentOrOwnerOnlyFile() throws {
        var c = ConnectionOptions()
        c.baseURL = "http://127.0.0.1:9"
        c.environment = [:]
        #expect(throws: UploadError.self) { _ = try c.credentials() }
        c.environment = ["GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "sec-ret-1"]
        #expect(try c.credentials().map(\.clientId) == ["id"])

        let dir = try makeTempDir()
        let file = dir.appendingPathComponent("creds.json").path
        try Data(#"[{"client_id":"a","client_secret":"s1-secret"},{"client_id":"b","client_secret":"s2-secret"}]"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        c.credentialsFile = file
        #expect { _ = try c.credentials() } throws: { e in
            (e as? UploadError)?.exitCode == 2 && e.localizedDescription.contains("chmod 600") && !e.localizedDescription.contains("s1-secret")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(try c.credentials().map(\.clientId) == ["a", "b"], "a pool of OAuth clients")
        try Data("GENESYS_CLIENT_ID=x\nGENESYS_CLIENT_SECRET=y-secret\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try c.credentials().map(\.clientId) == ["x"])
    }

    @Test func exactlyOneOrgLocation() throws {
        var c = ConnectionOptions()
        #expect(throws: UploadError.self) { _ = try c.genesysEnvironment() }
        c.region = "eu-west-1"
        #expect(try c.genesysEnvironment().apiBaseURL == "https://api.mypurecloud.ie")
        c.baseURL = "http://127.0.0.1:1"
        #expect(throws: UploadError.self) { _ = try c.genesysEnvironment() }
        c.region = nil
        #expect(try c.genesysEnvironment().loginBaseURL == "http://127.0.0.1:1")
        c.baseURL = "http://user:pw@127.0.0.1:1"
        #expect(throws: UploadError.self) { _ = try c.genesysEnvironment() }
    }
}

/// The binary's exit codes (0 / 1 / 2) and that refusals happen before any file or request.
@Suite struct CLITests {
    static func run(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String, String) {
        let binary = try #require(productBinary("cm2gc-upload"))
        var e = ProcessInfo.processInfo.environment
        e["GENESYS_CLIENT_ID"] = nil
        e["GENESYS_CLIENT_SECRET"] = nil
        for (k, v) in env { e[k] = v }
        let r = try runProduct(binary, args, environment: e)
        return (r.status, r.stdout, r.stderr)
    }

    @Test func exitCodes() async throws {
        let w = try Workspace(approve: 1)
        defer { w.org.stop() }
        let k = ["--trusted-keys", w.approvers.trusted.path]
        var (code, out, _) = try Self.run(["verify"] + k + [w.bundle.path])
        #expect(code == 1 && out.contains("NOT APPROVED"))
        (code, out, _) = try Self.run(["apply", "--json", "--base-url", w.org.baseURL] + k + [w.bundle.path],
                                      env: ["GENESYS_CLIENT_ID": w.org.clientID, "GENESYS_CLIENT_SECRET": w.org.clientSecret])
        #expect(code == 1)
        #expect(out.contains("\"exit_code\":1"))
        #expect(w.org.journal.isEmpty)
        try w.approvers.approve(w.bundle)
        (code, _, _) = try Self.run(["apply", "--base-url", w.org.baseURL] + k + [w.bundle.path])
        #expect(code == 2, "no credentials")
        (code, _, _) = try Self.run(["apply", "--workers"] + k + [w.bundle.path])
        #expect(code == 2, "usage")
        #expect(w.org.journal.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: Ledger.defaultPath(forBundle: w.bundle)))
        (code, out, _) = try Self.run(["apply", "--quiet", "--base-url", w.org.baseURL] + k + [w.bundle.path],
                                      env: ["GENESYS_CLIENT_ID": w.org.clientID, "GENESYS_CLIENT_SECRET": w.org.clientSecret])
        #expect(code == 0, "\(out)")
        #expect(out.contains("result: COMPLETE"))
        (code, out, _) = try Self.run(["status", "--json", w.bundle.path])
        #expect(code == 0 && out.contains("\"success\":16"))
    }
}
