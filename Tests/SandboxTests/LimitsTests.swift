import Common
import Foundation
import Testing

@testable import Sandbox

/// Issue 5 (5): rate limits, injected faults, latency — all deterministic.
@Suite struct LimitsTests {
    @Test func rateLimitHeadersAnd429() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.rateLimit.requestsPerWindow = 5 }) { sb in
            for i in 1...5 {
                let r = try await sb.get("/api/v2/routing/skills")
                #expect(r.status == 200)
                #expect(r.header("inin-ratelimit-count") == String(i))
                #expect(r.header("inin-ratelimit-allowed") == "5")
                #expect(r.header("inin-ratelimit-reset") == "60")
            }
            clock.advance(20)
            let limited = try await sb.get("/api/v2/routing/skills")
            expectError(limited, 429, "too.many.requests")
            #expect(limited.header("Retry-After") == "40")
            #expect(limited["message"]?.stringValue == "Rate limit exceeded the maximum [5] requests within [60] seconds")
            #expect(limited.header("inin-ratelimit-count") == "5")
            // Another client's token has its own budget (§4: per token).
            let other = try await sb.fetchToken("other", "s3cret-other")
            let o = try await sb.call(.get, "/api/v2/routing/skills", token: other["access_token"]?.stringValue)
            #expect(o.status == 200)
            clock.advance(40.001)
            #expect(try await sb.get("/api/v2/routing/skills").status == 200)
        }
    }

    /// Sliding window: over two simulated minutes at 10 req/s, every 60 s span admits at most
    /// 300 and the total admitted is within 2% of the budget (600).
    @Test func slidingWindowHoldsBudgetWithin2Percent() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock }) { sb in
            var admitted: [Double] = []
            let start = clock.now()
            for _ in 0..<1200 {
                let r = try await sb.get("/api/v2/routing/skills?pageSize=1")
                if r.status == 200 { admitted.append(clock.now() - start) } else { #expect(r.status == 429) }
                clock.advance(0.1)
            }
            #expect(abs(Double(admitted.count) - 600) <= 600 * 0.02, "admitted \(admitted.count)")
            var lo = 0
            for hi in admitted.indices {
                while admitted[hi] - admitted[lo] >= 60 { lo += 1 }
                #expect(hi - lo + 1 <= 300)
            }
        }
    }

    @Test func fixedWindowMode() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.rateLimit.mode = .fixed; $0.rateLimit.requestsPerWindow = 3 }) { sb in
            for _ in 0..<3 { #expect(try await sb.get("/api/v2/routing/skills").status == 200) }
            clock.advance(59)
            let r = try await sb.get("/api/v2/routing/skills")
            #expect(r.status == 429)
            #expect(r.header("Retry-After") == "1")
            clock.advance(1.01)
            #expect(try await sb.get("/api/v2/routing/skills").status == 200)
        }
    }

    @Test func perEndpointLimitForIvrPut() async throws {
        try await withSandbox(testConfig {
            $0.rateLimit.endpointLimits = [EndpointLimit(method: "PUT", pathPattern: "/api/v2/architect/ivrs/*", limit: 3)]
            $0.rules.requireDidInPool = false
        }) { sb in
            let ivr = try await sb.post("/api/v2/architect/ivrs", ["name": "R"])
            for v in 1...3 {
                let r = try await sb.call(.put, "/api/v2/architect/ivrs/\(ivr.id)", ["name": "R", "version": .int(Int64(v))])
                #expect(r.status == 200, "\(r.text)")
            }
            let r = try await sb.call(.put, "/api/v2/architect/ivrs/\(ivr.id)", ["name": "R", "version": 4])
            expectError(r, 429, "too.many.requests")
            #expect(try await sb.get("/api/v2/architect/ivrs/\(ivr.id)").status == 200)  // other calls unaffected
        }
        #expect(try EndpointLimit.parse("PUT /api/v2/architect/ivrs/*=100").limit == 100)
        #expect(try EndpointLimit.parse("GET /api/v2/users/**=10/30").windowSeconds == 30)
        #expect(EndpointLimit(method: "GET", pathPattern: "/api/v2/users/**", limit: 1).matches(method: "GET", path: "/api/v2/users/a/b"))
        #expect(throws: SandboxError.self) { try EndpointLimit.parse("nonsense") }
    }

    @Test func serverErrorsAreDeterministicPerSeed() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let engine = try await GenesysEngine(config: testConfig { $0.faults.seed = seed; $0.faults.serverErrorRate = 0.3; $0.faults.serverErrorStatuses = [500, 503] })
            let tok = await engine.respond(SandboxRequest(method: "POST", target: "/oauth/token",
                                                          headers: ["Authorization": "Basic " + Data("uploader:s3cret-uploader".utf8).base64EncodedString()],
                                                          body: Data("grant_type=client_credentials".utf8)))
            let t = try JSONValue.parse(tok.body)["access_token"]?.stringValue ?? ""
            var out: [Int] = []
            for _ in 0..<40 {
                let r = await engine.respond(SandboxRequest(method: "GET", target: "/api/v2/routing/queues", headers: ["Authorization": "Bearer \(t)"]))
                out.append(r.status)
            }
            return out
        }
        let a = try await statuses(seed: 42), b = try await statuses(seed: 42), c = try await statuses(seed: 7)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains(500) || a.contains(503))
        #expect(a.filter { $0 != 200 }.count > 3 && a.filter { $0 != 200 }.count < 25)
    }

    @Test func faultAfterCommitStillCreates() async throws {
        try await withSandbox(testConfig { $0.faults.serverErrorRate = 1; $0.faults.afterCommitShare = 1 }) { sb in
            let r = try await sb.post("/api/v2/routing/queues", ["name": "Ghost"])
            expectError(r, 503, "service.unavailable")
            let state = try await sb.call(.get, "/sandbox/state")
            #expect(state["queues"]?.arrayValue?.contains { $0["name"]?.stringValue == "Ghost" } == true)
            let j = try await sb.call(.get, "/sandbox/journal")
            #expect(j["entries"]?.arrayValue?.last { $0["path"]?.stringValue == "/api/v2/routing/queues" }?["fault"]?.stringValue == "503-after-commit")
        }
        try await withSandbox(testConfig { $0.faults.serverErrorRate = 1; $0.faults.afterCommitShare = 0 }) { sb in
            expectError(try await sb.post("/api/v2/routing/queues", ["name": "Ghost"]), 503, "service.unavailable")
            let state = try await sb.call(.get, "/sandbox/state")
            #expect(state["queues"] == nil || state["queues"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func injectedLatencyUsesTheClock() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.faults.latencyRate = 1; $0.faults.latencyMilliseconds = 1500 }) { sb in
            let before = clock.now()
            let r = try await sb.get("/api/v2/routing/skills")
            #expect(r.status == 200)
            #expect(abs(clock.now() - before - 1.5) < 0.001)
        }
    }
}
