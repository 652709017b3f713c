import Common
import Foundation
import Testing

@testable import Sandbox

/// For each create endpoint: a request shaped like the Platform API docs succeeds with the
/// platform's fields, and one without a required field fails with required.field.missing.
@Suite struct ContractTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var valid: JSONValue
        var missing: JSONValue
        var field: String
        var testDescription: String { path }
    }

    static let cases: [Case] = [
        Case(path: "/api/v2/authorization/divisions", valid: ["name": "Sales Div", "description": ""], missing: ["name": "X"], field: "description"),
        Case(path: "/api/v2/routing/skills", valid: ["name": "Spanish"], missing: [:], field: "name"),
        Case(path: "/api/v2/routing/languages", valid: ["name": "French"], missing: [:], field: "name"),
        Case(path: "/api/v2/routing/wrapupcodes", valid: ["name": "Resolved"], missing: ["description": "x"], field: "name"),
        Case(path: "/api/v2/presence/definitions", valid: ["languageLabels": ["en_US": "Lunch"], "systemPresence": "Meal"],
             missing: ["systemPresence": "Meal"], field: "languageLabels"),
        Case(path: "/api/v2/users", valid: ["name": "Ann Agent", "email": "ann@example.com"], missing: ["email": "x@example.com"], field: "name"),
        Case(path: "/api/v2/routing/queues",
             valid: ["name": "Sales", "acwSettings": ["wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 30000],
                     "skillEvaluationMethod": "ALL", "mediaSettings": ["call": ["alertingTimeoutSeconds": 8, "serviceLevel": ["percentage": 0.8, "durationMs": 20000]]]],
             missing: ["description": "no name"], field: "name"),
        Case(path: "/api/v2/groups", valid: ["name": "Hunt 1", "type": "official", "rulesVisible": true, "visibility": "public"],
             missing: ["name": "Hunt 2", "type": "official", "rulesVisible": true], field: "visibility"),
        Case(path: "/api/v2/architect/schedules",
             valid: ["name": "Weekdays", "start": "2021-08-04T08:00:00.000", "end": "2021-08-04T17:00:00.000", "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
             missing: ["name": "S2", "start": "2021-08-04T08:00:00.000"], field: "end"),
        Case(path: "/api/v2/architect/schedulegroups", valid: ["name": "Main Office Hours", "timeZone": "America/New_York"], missing: ["timeZone": "UTC"], field: "name"),
        Case(path: "/api/v2/architect/prompts", valid: ["name": "welcome_prompt", "description": "Welcome"], missing: ["description": "x"], field: "name"),
        Case(path: "/api/v2/flows", valid: ["name": "Main IVR", "type": "INBOUNDCALL"], missing: ["type": "INBOUNDCALL"], field: "name"),
        Case(path: "/api/v2/telephony/providers/edges/extensionpools", valid: ["startNumber": "1000", "endNumber": "1999"],
             missing: ["endNumber": "2999"], field: "startNumber"),
        Case(path: "/api/v2/telephony/providers/edges/didpools", valid: ["startPhoneNumber": "+13175550100", "endPhoneNumber": "+13175550199"],
             missing: ["startPhoneNumber": "+13175550200"], field: "endPhoneNumber"),
        Case(path: "/api/v2/telephony/providers/edges/phonebasesettings",
             valid: ["name": "WebRTC base", "phoneMetaBase": ["id": "inin_webrtc_softphone.json"], "lines": [["name": "Line 1", "lineMetaBase": ["id": "webrtc_line.json"]]]],
             missing: ["name": "No meta", "lines": [["name": "L"]]], field: "phoneMetaBase"),
        Case(path: "/api/v2/architect/ivrs", valid: ["name": "Main route", "dnis": []], missing: ["dnis": []], field: "name"),
    ]

    @Test(arguments: cases) func createSucceedsAndMissingFieldFails(_ c: Case) async throws {
        try await withSandbox { sb in
            let ok = try await sb.post(c.path, c.valid)
            #expect(ok.status == 200, "\(ok.text)")
            let id = ok.id
            #expect(UUID(uuidString: id) != nil, "id \(id)")
            #expect(ok["selfUri"]?.stringValue == "\(c.path)/\(id)")
            #expect(ok["version"] != nil)
            let got = try await sb.get("\(c.path)/\(id)")
            #expect(got.status == 200)
            #expect(got["id"]?.stringValue == id)
            let bad = try await sb.post(c.path, c.missing)
            let expected = c.path.hasSuffix("extensionpools") || c.path.hasSuffix("didpools") ? "required.field.missing" : "required.field.missing"
            expectError(bad, 400, expected)
            if c.path.hasSuffix("extensionpools") { return }
            #expect(bad["details"]?.arrayValue?.contains { $0["fieldName"]?.stringValue == c.field } == true, "\(bad.text)")
        }
    }

    @Test func enumsAndTypesAreChecked() async throws {
        try await withSandbox { sb in
            let e = try await sb.post("/api/v2/groups", ["name": "G", "type": "secret", "rulesVisible": true, "visibility": "public"])
            expectError(e, 400, "invalid.value")
            let t = try await sb.post("/api/v2/routing/skills", ["name": 42])
            expectError(t, 400, "bad.request")
            let syntax = try await sb.call(.post, "/api/v2/routing/skills", rawBody: "{not json")
            expectError(syntax, 400, "bad.request")
            let media = try await sb.call(.post, "/api/v2/routing/skills", headers: ["Content-Type": "text/plain"], rawBody: "name=x")
            expectError(media, 415, "unsupported.media.type")
            // A field CreateRoutingSkill does not have is refused…
            let extra = try await sb.post("/api/v2/routing/skills", ["name": "Extra", "colour": "blue"])
            expectError(extra, 400, "bad.request")
        }
        // …unless told to behave like the platform is believed to (ignore it).
        try await withSandbox(testConfig { $0.rules.rejectUnknownFields = false }) { sb in
            let extra = try await sb.post("/api/v2/routing/skills", ["name": "Extra", "colour": "blue"])
            #expect(extra.status == 200)
        }
    }

    @Test func responsesUsePlatformFieldNames() async throws {
        try await withSandbox { sb in
            let u = try await sb.post("/api/v2/users", ["name": "Bob", "email": "Bob@Example.com", "department": "Sales"])
            #expect(u["username"]?.stringValue == "Bob@Example.com")
            #expect(u["state"]?.stringValue == "active")
            #expect(u["version"]?.intValue == 1)
            #expect(u["division"]?["name"]?.stringValue == "Home")
            #expect(u["primaryContactInfo"]?.arrayValue?.first?["mediaType"]?.stringValue == "EMAIL")
            let home = try await sb.get("/api/v2/authorization/divisions/home")
            #expect(home["homeDivision"]?.boolValue == true)
            #expect(u["division"]?["id"] == home["id"])
            let q = try await sb.post("/api/v2/routing/queues", ["name": "Q1", "division": ["id": home["id"] ?? .null]])
            #expect(q["division"]?["selfUri"]?.stringValue?.hasPrefix("/api/v2/authorization/divisions/") == true)
            #expect(q["memberCount"]?.intValue == 0)
            let badDiv = try await sb.post("/api/v2/routing/queues", ["name": "Q2", "division": ["id": "00000000-0000-4000-8000-00000000dead"]])
            expectError(badDiv, 400, "invalid.value")
            let unknown = try await sb.get("/api/v2/nothing/here")
            expectError(unknown, 404, "not.found")
        }
    }

    @Test func pagingDefaultsAndUris() async throws {
        try await withSandbox { sb in
            for i in 0..<30 { _ = try await sb.post("/api/v2/routing/skills", ["name": .string(String(format: "Skill %02d", i))]) }
            let p1 = try await sb.get("/api/v2/routing/skills")
            #expect(p1["pageSize"]?.intValue == 25)
            #expect(p1["pageNumber"]?.intValue == 1)
            #expect(p1["total"]?.intValue == 30)
            #expect(p1["pageCount"]?.intValue == 2)
            #expect(p1["entities"]?.arrayValue?.count == 25)
            #expect(p1["nextUri"]?.stringValue == "/api/v2/routing/skills?pageSize=25&pageNumber=2")
            #expect(p1["previousUri"] == nil)
            #expect(p1["firstUri"] != nil && p1["lastUri"] != nil && p1["selfUri"] != nil)
            let p2 = try await sb.get(try #require(p1["nextUri"]?.stringValue))
            #expect(p2["entities"]?.arrayValue?.count == 5)
            #expect(p2["nextUri"] == nil)
            // `name` on skills is a prefix filter (§2.4).
            let pre = try await sb.get("/api/v2/routing/skills?name=Skill%201")
            #expect(pre["total"]?.intValue == 10)
            let bad = try await sb.get("/api/v2/routing/skills?pageSize=0")
            expectError(bad, 400, "invalid.value")
        }
    }
}
