import Common
import Foundation
import TestSupport
import Testing
@testable import GenesysCloud

@Suite struct TokenTests {
    @Test func oneMintServesTwentyConcurrentCallers() async throws {
        let server = try genesysServer(tokenDelay: 0.2) { _, _ in .json(200, #"{"ok":true}"#) }
        defer { server.stop() }
        let client = try makeClient(server)
        try await withThrowingTaskGroup(of: Int.self) { g in
            for i in 0..<20 { g.addTask { try await client.send(APIRequest(.GET, "/api/v2/things/\(i)")).status } }
            for try await s in g { #expect(s == 200) }
        }
        let tokenRequests = server.requests.filter { $0.path == "/oauth/token" }
        #expect(tokenRequests.count == 1)
        let mint = try #require(tokenRequests.first)
        #expect(mint.method == "POST")
        #expect(mint.headers["authorization"] == "Basic " + Data("client-1:s3cret-value-1".utf8).base64EncodedString())
        #expect(mint.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(String(decoding: mint.body, as: UTF8.self) == "grant_type=client_credentials")
        #expect(server.requests.filter { $0.path != "/oauth/token" }.allSatisfy { bearer($0) == "tok-1" })
        #expect(await client.tokenManagers[0].mintCount == 1)
    }

    @Test func mintsAheadOfExpiry() async throws {
        let server = try genesysServer(expiresIn: 600) { _, _ in .json(200, "{}") }
        defer { server.stop() }
        let time = VirtualClock()
        let tokens = TokenManager(credentials: .init(clientId: "c", clientSecret: Secret("secret")), loginBaseURL: server.baseURL,
                                  transport: HTTPClient(), refreshAhead: .seconds(120), clock: time.clock)
        #expect(try await tokens.token().value == "tok-1")
        time.advance(.seconds(400))
        #expect(try await tokens.token().value == "tok-1")  // 200 s left: still good
        time.advance(.seconds(81))  // 119 s left, inside the 120 s window
        #expect(try await tokens.token().value == "tok-2")
        #expect(await tokens.mintCount == 2)
    }

    @Test func rejectedCredentialsAreAnAuthenticationError() async throws {
        let server = try TestHTTPServer { _, _ in
            .json(401, #"{"error":"invalid_client","description":"client not found"}"#)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        await #expect {
            _ = try await client.send(APIRequest(.GET, "/api/v2/x"))
        } throws: { e in
            guard let e = e as? GenesysClientError, case .authenticationFailed(let api) = e else { return false }
            return api.code == "invalid_client" && !(e.localizedDescription.contains("s3cret"))
        }
    }

    @Test func a401DropsTheTokenMintsOnceAndRetriesOnce() async throws {
        let server = try genesysServer { req, nth in
            req.path == "/api/v2/once" && nth == 0
                ? .json(401, #"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#)
                : (req.path == "/api/v2/always" ? .json(401, #"{"code":"bad.credentials","status":401}"#) : .json(200, "{}"))
        }
        defer { server.stop() }
        let log = EventLog()
        let client = try makeClient(server, log: log)
        let r = try await client.send(APIRequest(.GET, "/api/v2/once"))
        #expect(r.status == 200)
        let calls = server.requests.filter { $0.path == "/api/v2/once" }.map(bearer)
        #expect(calls == ["tok-1", "tok-2"])
        // A second 401 is final: one re-mint per request, never a loop.
        await #expect {
            _ = try await client.send(APIRequest(.GET, "/api/v2/always"))
        } throws: { e in (e as? GenesysClientError)?.apiError?.status == 401 }
        #expect(server.requests.filter { $0.path == "/api/v2/always" }.count == 2)
        #expect(server.requests.filter { $0.path == "/oauth/token" }.count == 3)
        #expect(log.events.contains { if case .tokenRejected = $0 { return true }; return false })
    }

    @Test func poolOfClientsTakesTurns() async throws {
        let server = try TestHTTPServer { req, _ in
            if req.path == "/oauth/token" {
                let id = String(decoding: Data(base64Encoded: String(req.headers["authorization"]?.dropFirst(6) ?? "")) ?? Data(),
                                as: UTF8.self).split(separator: ":").first.map(String.init) ?? "?"
                return .json(200, #"{"access_token":"tok-\#(id)","expires_in":3600}"#)
            }
            return .json(200, "{}")
        }
        defer { server.stop() }
        let client = try makeClient(server, clients: 3)
        for i in 0..<6 { _ = try await client.send(APIRequest(.GET, "/api/v2/p/\(i)")) }
        let used = server.requests.filter { $0.path != "/oauth/token" }.map(bearer)
        // Turns, whichever client starts: a request whose connection failed under load before it
        // was sent moves on to the next client (seen once on a loaded CI run), shifting the start.
        #expect(used.count == 6)
        #expect(Set(used.prefix(3)) == ["tok-client-1", "tok-client-2", "tok-client-3"])
        #expect(Array(used.suffix(3)) == Array(used.prefix(3)), "\(used)")
    }
}

@Suite struct RetryTests {
    @Test func rateLimitHonoursRetryAfter() async throws {
        let server = try genesysServer { req, nth in
            nth == 0 ? .json(429, #"{"code":"too.many.requests","status":429}"#, headers: [("Retry-After", "2")])
                : .json(200, #"{"id":"q1"}"#, headers: [("inin-correlation-id", "corr-\(nth)")])
        }
        defer { server.stop() }
        let time = VirtualClock()
        let log = EventLog()
        let client = try makeClient(server, clock: time, log: log)
        let r = try await client.send(APIRequest(.POST, "/api/v2/routing/queues", json: ["name": "Sales"]))
        // On a loaded machine a transport error (no status) can add an attempt and a backoff of its
        // own; the 429 → wait Retry-After → repeat sequence must hold around it either way.
        let answered = log.attempts.filter { $0.status != nil }
        let transportErrors = log.attempts.count - answered.count
        #expect(r.status == 200 && r.attempts == 2 + transportErrors)
        #expect(answered.map(\.status) == [429, 200])
        #expect(r.correlationId != nil && r.correlationId == answered.last?.correlationId)
        #expect(time.realSleeps.contains(.seconds(2)))
        #expect(log.waits.filter { $0.reason == .rateLimited }.map(\.duration) == [.seconds(2)])
        #expect(log.waits.filter { $0.reason == .backoff }.count == transportErrors)
        // The POST was repeated: a 429 proves it was not processed.
        #expect(server.requests.filter { $0.path == "/api/v2/routing/queues" }.count >= 2)
    }

    @Test func fractionalRetryAfterAndTheCap() async throws {
        #expect(RetryPolicy.retryAfter(["Retry-After": "0.25"]) == .milliseconds(250))
        #expect(RetryPolicy.retryAfter(["retry-after": "garbage"]) == nil)
        let server = try genesysServer { _, _ in .json(429, "{}", headers: [("Retry-After", "600")]) }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock())
        await #expect {
            _ = try await client.send(APIRequest(.GET, "/api/v2/x"))
        } throws: { e in
            guard let e = e as? GenesysClientError, case .retryAfterTooLong(_, let s) = e else { return false }
            return s == 600
        }
    }

    @Test func serverErrorsBackOffWithJitterThenSucceed() async throws {
        let server = try genesysServer { _, nth in nth < 2 ? .json(503, #"{"code":"service.unavailable"}"#) : .json(200, "{}") }
        defer { server.stop() }
        let time = VirtualClock()
        let log = EventLog()
        let client = try makeClient(server, clock: time, log: log)
        let r = try await client.send(APIRequest(.GET, "/api/v2/flaky"))
        #expect(r.status == 200 && r.attempts == 3)
        let backoffs = log.waits.filter { $0.reason == .backoff }.map(\.duration)
        #expect(backoffs.count == 2)
        #expect(backoffs[0] <= .milliseconds(500) && backoffs[1] <= .seconds(1))
        #expect(log.attempts.map(\.status) == [503, 503, 200])
        #expect(log.attempts.map(\.attempt) == [1, 2, 3])
    }

    @Test func jitterIsReproducibleFromTheSeed() {
        let p = RetryPolicy()
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        let x = (1...8).map { p.backoff(attempt: $0, using: &a) }
        let y = (1...8).map { p.backoff(attempt: $0, using: &b) }
        #expect(x == y)
        #expect(x.allSatisfy { $0 <= p.maxDelay })
        #expect(Set(x).count > 1)
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        let server = try genesysServer { _, _ in .json(500, #"{"code":"internal.server.error","message":"boom"}"#) }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock()) { $0.retry.maxAttempts = 3 }
        await #expect {
            _ = try await client.send(APIRequest(.GET, "/api/v2/broken"))
        } throws: { e in (e as? GenesysClientError)?.apiError?.code == "internal.server.error" }
        #expect(server.requests.filter { $0.path == "/api/v2/broken" }.count == 3)
    }

    @Test func droppedPostIsOutcomeUnknownAndNotRepeated() async throws {
        let server = try genesysServer { _, _ in .drop }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock())
        await #expect {
            _ = try await client.create(.users, body: ["name": "Ada", "email": "ada@example.com", "divisionId": "d1"])
        } throws: { e in (e as? GenesysClientError)?.isOutcomeUnknown == true }
        #expect(server.requests.filter { $0.path == "/api/v2/users" }.count == 1)
    }

    @Test func droppedGetIsRetried() async throws {
        let server = try genesysServer { _, nth in nth == 0 ? .drop : .json(200, #"{"id":"u1"}"#) }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock())
        let u = try await client.get(.users, id: "u1")
        #expect(u?["id"]?.stringValue == "u1")
    }

    @Test func gatewayErrorOnPostIsOutcomeUnknownButServiceUnavailableIsRetried() async throws {
        let server = try genesysServer { req, nth in
            switch req.path {
            case "/api/v2/routing/skills": return .json(502, "{}")
            default: return nth == 0 ? .json(503, "{}") : .json(200, #"{"id":"w1"}"#)
            }
        }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock())
        await #expect {
            _ = try await client.create(.routingSkills, body: ["name": "Sales"])
        } throws: { e in (e as? GenesysClientError)?.isOutcomeUnknown == true }
        let w = try await client.create(.wrapupCodes, body: ["name": "Done"])
        #expect(w["id"]?.stringValue == "w1")
    }

    @Test func timeoutOnPostIsOutcomeUnknown() async throws {
        let server = try genesysServer { _, _ in .json(200, "{}", delay: 1.5) }
        defer { server.stop() }
        let client = try makeClient(server, clock: VirtualClock()) { $0.http.requestTimeout = .milliseconds(300) }
        await #expect {
            _ = try await client.create(.queues, body: ["name": "Sales"])
        } throws: { e in (e as? GenesysClientError)?.isOutcomeUnknown == true }
    }
}

@Suite struct PacerTests {
    @Test func budgetHoldsInEverySixtySecondWindow() {
        var p = PacingState(PacingConfiguration(requestsPerMinute: 270, burst: 10))
        var sends: [Double] = []
        for _ in 0..<700 { sends.append(p.reserve(now: .zero).secondsValue) }
        #expect(sends.prefix(11).allSatisfy { $0 == 0 })
        var maxInWindow = 0
        var j = 0
        for i in sends.indices {
            while sends[i] - sends[j] >= 60 { j += 1 }
            maxInWindow = max(maxInWindow, i - j + 1)
        }
        #expect(maxInWindow <= 281)
        #expect(maxInWindow < 300)
        // Steady state: 270 per minute.
        #expect(abs(sends[290] - sends[20] - 60) < 0.01)
    }

    @Test func headersLowerTheRateAndPauseAnExhaustedWindow() {
        var p = PacingState(PacingConfiguration())
        p.observe(["inin-ratelimit-allowed": "100", "inin-ratelimit-count": "5", "inin-ratelimit-reset": "40"], now: .zero)
        #expect(p.rate == 90)
        p.observe(["inin-ratelimit-allowed": "100", "inin-ratelimit-count": "100", "inin-ratelimit-reset": "30"], now: .seconds(1))
        #expect(p.reserve(now: .seconds(1)) == .seconds(30))
        // A configured rate whose burst fits in the allowance is kept; one that does not is lowered.
        var fits = PacingState(PacingConfiguration(requestsPerMinute: 29_100, burst: 20))
        fits.observe(["inin-ratelimit-allowed": "30000", "inin-ratelimit-count": "5", "inin-ratelimit-reset": "40"], now: .zero)
        #expect(fits.rate == 29_100)
        var over = PacingState(PacingConfiguration(requestsPerMinute: 29_990, burst: 20))
        over.observe(["inin-ratelimit-allowed": "30000", "inin-ratelimit-count": "5", "inin-ratelimit-reset": "40"], now: .zero)
        #expect(over.rate == 27_000)
        var standard = PacingState(PacingConfiguration())
        standard.observe(["inin-ratelimit-allowed": "300", "inin-ratelimit-count": "5", "inin-ratelimit-reset": "40"], now: .zero)
        #expect(standard.rate == 270)
    }

    @Test func clientPacesThroughItsClock() async throws {
        let server = try genesysServer { _, _ in .json(200, "{}") }
        defer { server.stop() }
        let time = VirtualClock()
        let client = try makeClient(server, clock: time) { $0.pacing = PacingConfiguration(requestsPerMinute: 60, burst: 0) }
        for i in 0..<4 { _ = try await client.send(APIRequest(.GET, "/api/v2/p/\(i)")) }
        #expect(time.realSleeps.count == 3)
        #expect(time.realSleeps.allSatisfy { $0 <= .seconds(1) && $0 > .milliseconds(900) })
    }
}

@Suite struct APITests {
    @Test func errorBodiesAreDecoded() async throws {
        let body = #"""
        {"message":"A queue with that name already exists.","code":"duplicate.name","status":400,
         "messageWithParams":"dup {0}","messageParams":{"0":"Sales"},"contextId":"ctx-1",
         "details":[{"errorCode":"x","fieldName":"name"}],"errors":[{"message":"inner","code":"c2","status":400}]}
        """#
        let server = try genesysServer { _, _ in .json(400, body, headers: [("ININ-Correlation-Id", "corr-9")]) }
        defer { server.stop() }
        let client = try makeClient(server)
        do {
            _ = try await client.create(.queues, body: ["name": "Sales"])
            Issue.record("expected an error")
        } catch let e as GenesysClientError {
            let api = try #require(e.apiError)
            #expect(api.status == 400 && api.code == "duplicate.name" && api.contextId == "ctx-1")
            #expect(api.correlationId == "corr-9")
            #expect(api.messageParams == ["0": "Sales"])
            #expect(api.details?.first?.fieldName == "name")
            #expect(api.errors?.first?.code == "c2")
            #expect(api.request == "POST /api/v2/routing/queues")
            #expect(ResourceType.queues.spec.isDuplicate(api))
            #expect(e.localizedDescription.contains("corr-9"))
        }
    }

    @Test func lookupPagesAndComparesExactly() async throws {
        let server = try genesysServer { req, _ in
            let page = Int(req.query["pageNumber"] ?? "1") ?? 1
            let entities = page == 1
                ? #"[{"id":"a","name":"Sales EMEA"},{"id":"b","name":"Sales","state":"deleted"}]"#
                : #"[{"id":"c","name":"Sales"}]"#
            return .json(200, #"{"entities":\#(entities),"pageSize":2,"pageNumber":\#(page),"pageCount":2,"total":3}"#)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        let found = try await client.lookup(.routingSkills, key: "Sales")
        #expect(found.map { $0["id"]?.stringValue } == ["c"])
        let calls = server.requests.filter { $0.path == "/api/v2/routing/skills" }
        #expect(calls.map { $0.query["pageNumber"] } == ["1", "2"])
        #expect(calls.allSatisfy { $0.query["name"] == "Sales" && $0.query["pageSize"] == "100" })
        let withDeleted = try await client.lookup(.routingSkills, key: "Sales", includeDeleted: true)
        #expect(withDeleted.count == 2)
    }

    @Test func userLookupUsesExactEmailSearch() async throws {
        let server = try genesysServer { req, _ in
            .json(200, #"{"results":[{"id":"u1","email":"ada@example.com"}],"total":1,"pageCount":1,"pageSize":100,"pageNumber":1}"#)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        let users = try await client.lookup(.users, key: "ada@example.com")
        #expect(users.count == 1)
        let search = try #require(server.requests.first { $0.path == "/api/v2/users/search" })
        let q = try JSONValue.parse(search.body)
        #expect(q["query"]?.arrayValue?.first?["type"] == "EXACT")
        #expect(q["query"]?.arrayValue?.first?["fields"] == ["email"])
    }

    @Test func updateReadsTheVersionAndRetriesAConflictOnce() async throws {
        let server = try genesysServer { req, nth in
            if req.method == "GET" { return .json(200, #"{"id":"u1","version":3}"#) }
            return req.body.contains(Data(#""version":2"#.utf8)) ? .json(409, #"{"code":"general.conflict","message":"The version supplied does not match the current version of the user"}"#)
                : .json(200, #"{"id":"u1","version":9}"#)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        let out = try await client.update(.users, id: "u1", body: ["title": "Boss"], version: 2)
        #expect(out["version"] == 9)
        let patches = server.requests.filter { $0.method == "PATCH" }.map { try? JSONValue.parse($0.body)["version"] }
        #expect(patches == [2, 3])
    }

    @Test func membersGoInBatchesOfTheLimit() async throws {
        let server = try genesysServer { req, _ in
            req.method == "GET" ? .json(200, #"{"id":"g1","version":4}"#) : .empty(202)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        try await client.addChildren(.queueMembers, parentId: "q1", items: (0..<250).map { ["id": .string("u\($0)")] })
        let queuePosts = server.requests.filter { $0.path == "/api/v2/routing/queues/q1/members" }
        #expect(queuePosts.map { (try? JSONValue.parse($0.body).arrayValue?.count) ?? 0 } == [100, 100, 50])
        #expect(queuePosts.allSatisfy { $0.query["delete"] == "false" })
        try await client.addChildren(.groupMembers, parentId: "g1", items: (0..<60).map { .string("u\($0)") })
        let groupPosts = server.requests.filter { $0.path == "/api/v2/groups/g1/members" && $0.method == "POST" }
        #expect(groupPosts.count == 2)
        #expect(groupPosts.compactMap { try? JSONValue.parse($0.body)["version"] } == [4, 4])
    }

    @Test func unresolvedReferencesNeverReachTheWire() async throws {
        let server = try genesysServer { _, _ in .json(200, "{}") }
        defer { server.stop() }
        let client = try makeClient(server)
        await #expect(throws: LogicalRefError.self) {
            _ = try await client.create(.queues, body: ["name": "Q", "division": ["id": "@ref:divisions/home"]])
        }
        #expect(server.requests.isEmpty)
    }

    @Test func getOf404IsNilAndEventsCarryTheTemplate() async throws {
        let server = try genesysServer { _, _ in .json(404, #"{"code":"not.found"}"#, headers: [("inin-correlation-id", "c-404")]) }
        defer { server.stop() }
        let log = EventLog()
        let client = try makeClient(server, log: log)
        #expect(try await client.get(.queues, id: "nope") == nil)
        let a = try #require(log.attempts.first)
        #expect(a.pathTemplate == "/api/v2/routing/queues/{id}" && a.status == 404 && a.correlationId == "c-404" && a.method == .GET)
        try await client.delete(.queues, id: "nope")  // 404 on delete: already gone
    }

    @Test func regionsAndBaseURLs() throws {
        let e = try GenesysEnvironment.region("eu-west-1")
        #expect(e.apiBaseURL == "https://api.mypurecloud.ie" && e.loginBaseURL == "https://login.mypurecloud.ie")
        #expect(try GenesysEnvironment.region("mypurecloud.com").apiBaseURL == "https://api.mypurecloud.com")
        #expect(GenesysEnvironment.single("http://127.0.0.1:8080/").apiBaseURL == "http://127.0.0.1:8080")
        #expect(throws: GenesysClientError.self) { try GenesysEnvironment.region("nowhere") }
    }
}
