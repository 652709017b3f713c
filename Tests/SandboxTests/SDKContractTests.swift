import Common
import Foundation
import GenesysCloud
import Testing

@testable import Sandbox

/// The sandbox enforces the published contract, checked by iterating the generated tables
/// (`APIEndpoints.shipped` from research/genesys-endpoints.json, `Contract.shipped` with the
/// read-only flags of the .NET SDK), not by hand-picked endpoints.
@Suite struct SDKContractTests {
    static let table = APIEndpoints.shipped
    static let contract = Contract.shipped

    /// A concrete path for a template: each `{}` becomes a syntactically valid id.
    static func concrete(_ template: String) -> String {
        template.replacingOccurrences(of: "{}", with: "00000000-0000-4000-8000-0000000000aa")
    }

    /// Requests straight to the engine (no sockets), with a token and no rate limit.
    static func withEngine(_ body: @Sendable (GenesysEngine, String) async throws -> Void) async throws {
        let engine = try await GenesysEngine(config: testConfig { $0.rateLimit.enabled = false })
        let basic = Data("uploader:s3cret-uploader".utf8).base64EncodedString()
        let tok = await engine.respond(SandboxRequest(method: "POST", path: "/oauth/token",
                                                      headers: ["Authorization": "Basic \(basic)"], body: Data("grant_type=client_credentials".utf8)))
        let token = try JSONValue.parse(tok.body)["access_token"]?.stringValue ?? ""
        try await body(engine, token)
    }

    static func send(_ e: GenesysEngine, _ token: String, _ method: String, _ path: String, query: [(String, String)] = [],
                     body: JSONValue? = nil) async -> (status: Int, json: JSONValue) {
        var h = ["Authorization": "Bearer \(token)"]
        if body != nil { h["Content-Type"] = "application/json" }
        let r = await e.respond(SandboxRequest(method: method, path: path, query: query, headers: h,
                                               body: body.map { $0.canonicalData() } ?? Data()))
        return (r.status, (try? JSONValue.parse(r.body)) ?? .null)
    }

    @Test func theTableIsTheSDK() {
        #expect(Self.table.pathCount == 2137)
        #expect(Self.table.describedOperations.count == 373)
        // Every described operation is found by a concrete path, as itself.
        for op in Self.table.describedOperations {
            #expect(Self.table.match(op.method, Self.concrete(op.template)) == .known(template: op.template, operation: op), "\(op.method) \(op.template)")
        }
        // A literal segment wins over a parameter.
        if case .known(let t, _) = Self.table.match("GET", "/api/v2/routing/queues/divisionviews") {
            #expect(t == "/api/v2/routing/queues/divisionviews")
        } else { Issue.record("divisionviews not found") }
        #expect(Self.table.match("GET", "/api/v2/no/such/thing") == .unknownPath)
        #expect(Self.table.match("PATCH", "/api/v2/routing/wrapupcodes/x") == .unknownMethod(["DELETE", "GET", "PUT"]))
        // Outside the described families, operations are known to exist without detail.
        #expect(Self.table.match("GET", "/api/v2/conversations") == .known(template: "/api/v2/conversations", operation: nil))
    }

    /// Every described operation: one segment more is not an operation (404), a method the path
    /// lacks is 404, and a query parameter it does not declare is 400 — before any route runs.
    @Test func unknownPathsMethodsAndQueryParameters() async throws {
        try await Self.withEngine { e, token in
            var checked = 0
            for op in Self.table.describedOperations {
                let path = Self.concrete(op.template)
                let longer = path + "/zz-not-an-operation"
                if Self.table.match(op.method, longer) == .unknownPath {
                    let r = await Self.send(e, token, op.method, longer)
                    #expect(r.status == 404 && r.json["code"]?.stringValue == "not.found", "\(op.method) \(longer): \(r.status)")
                    checked += 1
                }
                if let other = ["GET", "POST", "PUT", "PATCH", "DELETE"].first(where: {
                    if case .unknownMethod = Self.table.match($0, path) { return true } else { return false } }) {
                    let r = await Self.send(e, token, other, path)
                    #expect(r.status == 404 && r.json["code"]?.stringValue == "not.found", "\(other) \(path): \(r.status)")
                }
                let r = await Self.send(e, token, op.method, path, query: [("notDeclaredByTheSDK", "1")])
                #expect(r.status == 400 && r.json["code"]?.stringValue == "bad.request", "\(op.method) \(op.template)?notDeclaredByTheSDK: \(r.status)")
                #expect(r.json["details"]?.arrayValue?.first?["fieldName"]?.stringValue == "notDeclaredByTheSDK")
            }
            #expect(checked > 250)
        }
    }

    /// Every described operation with a body model: a property the model does not have, a
    /// read-only property, a value outside an enum and a wrong JSON type are 400 with the
    /// platform's codes, naming the field; an operation without a body refuses properties.
    @Test func bodiesFollowTheEndpointModel() async throws {
        try await Self.withEngine { e, token in
            var readOnlyChecked = 0, enumChecked = 0, typeChecked = 0, noBody = 0
            for op in Self.table.describedOperations where ["POST", "PUT", "PATCH"].contains(op.method) {
                let path = Self.concrete(op.template)
                func wrap(_ o: JSONObject) -> JSONValue { op.isBulk ? .array([.object(o)]) : .object(o) }
                func expect400(_ body: JSONValue, _ code: String, _ field: String, _ what: String) async {
                    let r = await Self.send(e, token, op.method, path, body: body)
                    #expect(r.status == 400 && r.json["code"]?.stringValue == code, "\(op.method) \(op.template) \(what): \(r.status) \(r.json.canonicalText())")
                    let fields = r.json["details"]?.arrayValue?.compactMap { $0["fieldName"]?.stringValue } ?? []
                    #expect(fields.contains { $0.hasSuffix(field) }, "\(op.method) \(op.template) \(what): \(fields)")
                }
                guard op.bodyModel != nil else {
                    let r = await Self.send(e, token, op.method, path, body: ["unexpected": true])
                    #expect(r.status == 400 && r.json["code"]?.stringValue == "bad.request", "\(op.method) \(op.template) takes no body")
                    noBody += 1
                    continue
                }
                guard let model = op.elementModel, let fields = Self.contract.models[model] else { continue }
                await expect400(wrap(["notAFieldOfTheModel": "x"]), "bad.request", "notAFieldOfTheModel", "unknown field")
                if let ro = fields.values.filter(\.readOnly).map(\.name).sorted().first {
                    await expect400(wrap([ro: "x"]), "bad.request", ro, "read-only \(ro)")
                    readOnlyChecked += 1
                }
                if let f = fields.values.filter({ $0.enumValues != nil && !$0.readOnly }).map(\.name).sorted().first {
                    await expect400(wrap([f: "NOT_ONE_OF_THE_VALUES"]), "invalid.value", f, "enum \(f)")
                    enumChecked += 1
                }
                if let f = fields.values.filter({ $0.type == .string && !$0.readOnly }).map(\.name).sorted().first {
                    await expect400(wrap([f: 42]), "bad.request", f, "type of \(f)")
                    typeChecked += 1
                }
            }
            #expect(readOnlyChecked >= 20 && enumChecked >= 5 && typeChecked >= 20 && noBody >= 5,
                    "\(readOnlyChecked) \(enumChecked) \(typeChecked) \(noBody)")
        }
    }

    /// The sandbox's own paths stay open: OAuth token and /sandbox/….
    @Test func sandboxPathsAreNotPartOfTheContract() async throws {
        try await Self.withEngine { e, token in
            let j = await Self.send(e, token, "GET", "/sandbox/journal")
            #expect(j.status == 200)
            let s = await Self.send(e, token, "GET", "/sandbox/state")
            #expect(s.status == 200)
        }
    }

    /// Paging parameters only where declared: presence definitions list everything at once.
    @Test func presenceDefinitionsAreNotPaged() async throws {
        try await Self.withEngine { e, token in
            for i in 0..<30 {
                let r = await Self.send(e, token, "POST", "/api/v2/presence/definitions",
                                        body: ["languageLabels": ["en_US": .string("Break \(i)")], "systemPresence": "Break"])
                #expect(r.status == 200)
            }
            let all = await Self.send(e, token, "GET", "/api/v2/presence/definitions")
            #expect((all.json["entities"]?.arrayValue?.count ?? 0) >= 30)
            let paged = await Self.send(e, token, "GET", "/api/v2/presence/definitions", query: [("pageSize", "25")])
            #expect(paged.status == 400 && paged.json["code"]?.stringValue == "bad.request")
        }
    }

    /// Phones: the base settings carry phone_maxLineKeys, lines get ids, a phone with more lines
    /// than that is refused, and lineBaseSettings must be a line of its base settings.
    @Test func phonesFollowTheirBaseSettings() async throws {
        try await Self.withEngine { e, token in
            let edges = "/api/v2/telephony/providers/edges"
            let sites = await Self.send(e, token, "GET", "\(edges)/sites")
            let site = sites.json["entities"]?.arrayValue?.first?["id"] ?? .null
            let webrtc = await Self.send(e, token, "POST", "\(edges)/phonebasesettings",
                                         body: ["name": "WebRTC", "phoneMetaBase": ["id": "inin_webrtc_softphone.json"], "lines": [["name": "l"]]])
            #expect(webrtc.json["properties"]?["phone_maxLineKeys"]?["value"]?["instance"]?.intValue == 1)
            let lineBase = webrtc.json["lines"]?.arrayValue?.first?["id"]?.stringValue ?? ""
            #expect(!lineBase.isEmpty)
            let user = await Self.send(e, token, "POST", "/api/v2/users", body: ["name": "Ann", "email": "ann@example.com"])
            var phone: JSONObject = ["name": "Ann's phone", "site": ["id": site], "phoneBaseSettings": ["id": webrtc.json["id"] ?? .null],
                                     "webRtcUser": ["id": user.json["id"] ?? .null], "lineBaseSettings": ["id": .string(lineBase)],
                                     "lines": [["name": "1", "lineBaseSettings": ["id": .string(lineBase)]], ["name": "2"]]]
            let two = await Self.send(e, token, "POST", "\(edges)/phones", body: .object(phone))
            #expect(two.status == 400 && two.json["details"]?.arrayValue?.first?["fieldName"]?.stringValue == "lines", "\(two.json.canonicalText())")
            phone["lines"] = [["name": "1", "lineBaseSettings": ["id": "00000000-0000-4000-8000-0000000000bb"]]]
            let foreign = await Self.send(e, token, "POST", "\(edges)/phones", body: .object(phone))
            #expect(foreign.status == 400 && foreign.json["code"]?.stringValue == "invalid.value")
            phone["lines"] = [["name": "1", "lineBaseSettings": ["id": .string(lineBase)]]]
            let ok = await Self.send(e, token, "POST", "\(edges)/phones", body: .object(phone))
            #expect(ok.status == 200, "\(ok.json.canonicalText())")
            let sip = await Self.send(e, token, "POST", "\(edges)/phonebasesettings",
                                      body: ["name": "SIP", "phoneMetaBase": ["id": "polycom_vvx_400.json"], "lines": [["name": "l"]],
                                             "properties": ["phone_maxLineKeys": ["value": ["instance": 3]]]])
            #expect(sip.json["properties"]?["phone_maxLineKeys"]?["value"]?["instance"]?.intValue == 3)
        }
    }
}
