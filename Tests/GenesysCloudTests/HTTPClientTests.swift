import Common
import Foundation
import TestSupport
import Testing

/// The libcurl client against the local test server. (They live here, next to the server, because
/// the Genesys client tests need the same server.)
@Suite struct HTTPClientTests {
    @Test(arguments: [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE])
    func methodsCarryBodiesAndHeaders(method: HTTPMethod) async throws {
        let server = try TestHTTPServer { req, _ in
            .json(200, #"{"method":"\#(req.method)","len":\#(req.body.count)}"#, headers: [("X-Echo", req.headers["x-test"] ?? "-"),
                                                                                        ("Set-Thing", "a"), ("set-thing", "b")])
        }
        defer { server.stop() }
        let client = HTTPClient()
        let body = method == .GET ? nil : Data(#"{"name":"x"}"#.utf8)
        let r = try await client.send(HTTPRequest(method: method, url: server.baseURL + "/echo?a=1",
                                                  headers: ["X-Test": "hello", "Content-Type": "application/json"], body: body))
        #expect(r.status == 200)
        #expect(r.headers["x-echo"] == "hello")
        #expect(r.headers["CONTENT-TYPE"] == "application/json")
        #expect(r.headers.values("SET-THING") == ["a", "b"])
        let seen = try #require(server.requests.first)
        #expect(seen.method == method.rawValue)
        #expect(seen.target == "/echo?a=1")
        #expect(seen.body == (body ?? Data()))
        #expect(seen.headers["expect"] == nil)
        #expect(seen.headers["user-agent"]?.hasPrefix("cm2gc/") == true)
    }

    @Test func largeBinaryBodyRoundTrips() async throws {
        let server = try TestHTTPServer { req, _ in .respond(status: 200, body: req.body) }
        defer { server.stop() }
        var bytes = [UInt8](repeating: 0, count: 200_000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let r = try await HTTPClient().send(HTTPRequest(method: .PUT, url: server.baseURL + "/blob", body: Data(bytes)))
        #expect(r.body == Data(bytes))
    }

    @Test func connectionsAreReused() async throws {
        let server = try TestHTTPServer { _, _ in .json(200, "{}") }
        defer { server.stop() }
        let client = HTTPClient()
        for _ in 0..<5 {
            let r = try await client.send(HTTPRequest(method: .GET, url: server.baseURL + "/x"))
            #expect(r.status == 200)
        }
        _ = try await client.send(HTTPRequest(method: .POST, url: server.baseURL + "/y", body: Data("{}".utf8)))
        #expect(server.requests.count == 6)
        #expect(server.connectionCount == 1)
    }

    /// The hazard: a POST on a kept-alive connection that the server closes after reading it is
    /// sent again by libcurl on a new connection, and the caller only sees the second answer.
    @Test func libcurlResendsOnADeadReusedConnection() async throws {
        let server = try TestHTTPServer { req, nth in req.path == "/create" && nth == 0 ? .drop : .json(200, "{}") }
        defer { server.stop() }
        let client = HTTPClient()
        _ = try await client.send(HTTPRequest(method: .GET, url: server.baseURL + "/warm"))
        let r = try await client.send(HTTPRequest(method: .POST, url: server.baseURL + "/create", body: Data("{}".utf8)))
        #expect(r.status == 200)
        #expect(server.requests.filter { $0.path == "/create" }.count == 2)
    }

    @Test func sendAtMostOnceRefusesTheResendAndKeepsReusingConnections() async throws {
        let server = try TestHTTPServer { req, nth in req.path == "/create" && nth == 0 ? .drop : .json(200, "{}") }
        defer { server.stop() }
        let client = HTTPClient()
        _ = try await client.send(HTTPRequest(method: .GET, url: server.baseURL + "/warm"))
        await #expect {
            _ = try await client.send(HTTPRequest(method: .POST, url: server.baseURL + "/create", body: Data("{}".utf8),
                                                  sendAtMostOnce: true))
        } throws: { e in
            guard let e = e as? HTTPError, case .connectionDropped(_, let sent, _) = e else { return false }
            return sent && e.outcomeUnknown
        }
        #expect(server.requests.filter { $0.path == "/create" }.count == 1)
        // Healthy kept-alive connections still carry at-most-once requests.
        let before = server.connectionCount
        for _ in 0..<5 {
            let r = try await client.send(HTTPRequest(method: .POST, url: server.baseURL + "/create", body: Data("{}".utf8),
                                                      sendAtMostOnce: true))
            #expect(r.status == 200)
        }
        #expect(server.connectionCount <= before + 1)
        #expect(server.requests.filter { $0.path == "/create" }.count == 6)
    }

    @Test func concurrentRequestsComplete() async throws {
        let server = try TestHTTPServer { req, _ in .json(200, #"{"p":"\#(req.path)"}"#, delay: 0.02) }
        defer { server.stop() }
        let client = HTTPClient()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { g in
            for i in 0..<20 { g.addTask { try await client.send(HTTPRequest(method: .GET, url: server.baseURL + "/c\(i)")).status } }
            return try await g.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
    }

    @Test func slowResponseTimesOutAfterSending() async throws {
        let server = try TestHTTPServer { _, _ in .json(200, "{}", delay: 2) }
        defer { server.stop() }
        let client = HTTPClient()
        await #expect {
            _ = try await client.send(HTTPRequest(method: .POST, url: server.baseURL + "/slow", body: Data("{}".utf8),
                                                  timeout: .milliseconds(300)))
        } throws: { e in
            guard let e = e as? HTTPError, case .timedOut(_, let sent, _) = e else { return false }
            return sent && e.outcomeUnknown
        }
    }

    @Test func droppedConnectionAfterSendingIsOutcomeUnknown() async throws {
        let server = try TestHTTPServer { _, _ in .drop }
        defer { server.stop() }
        await #expect {
            _ = try await HTTPClient().send(HTTPRequest(method: .POST, url: server.baseURL + "/drop", body: Data("{}".utf8)))
        } throws: { e in
            guard let e = e as? HTTPError, case .connectionDropped(_, let sent, _) = e else { return false }
            return sent && e.outcomeUnknown && e.isTransient
        }
    }

    @Test func refusedConnectionIsConnectFailureAndSafe() async throws {
        // Bind and stop a server to get a port nobody listens on.
        let server = try TestHTTPServer { _, _ in .drop }
        let url = server.baseURL + "/nothing"
        server.stop()
        await #expect {
            _ = try await HTTPClient().send(HTTPRequest(method: .POST, url: url, body: Data()))
        } throws: { e in
            guard let e = e as? HTTPError, case .connectFailed = e else { return false }
            return !e.outcomeUnknown && e.isTransient
        }
    }

    @Test func responseLimitIsEnforced() async throws {
        let server = try TestHTTPServer { _, _ in .respond(status: 200, body: Data(count: 10_000)) }
        defer { server.stop() }
        var config = HTTPClientConfiguration()
        config.maxResponseBytes = 1_000
        await #expect(throws: HTTPError.responseTooLarge(url: server.baseURL + "/big", limit: 1_000)) {
            _ = try await HTTPClient(configuration: config).send(HTTPRequest(method: .GET, url: server.baseURL + "/big"))
        }
    }

    @Test func headerInjectionAndBadSchemesAreRejected() async throws {
        let client = HTTPClient()
        await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(method: .GET, url: "http://127.0.0.1:9/", headers: ["X": "a\r\nEvil: 1"]))
        }
        await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(method: .GET, url: "file:///etc/passwd"))
        }
    }

    @Test func cancellationAbortsTheTransfer() async throws {
        let server = try TestHTTPServer { _, _ in .json(200, "{}", delay: 3) }
        defer { server.stop() }
        let client = HTTPClient()
        let task = Task { try await client.send(HTTPRequest(method: .GET, url: server.baseURL + "/slow")) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        // The answer would come after 3 s with 200: only an aborted transfer ends in `.cancelled`
        // (no wall-clock bound: a loaded CI machine made one flaky).
        let url = server.baseURL + "/slow"
        await #expect(throws: HTTPError.cancelled(url: url)) { _ = try await task.value }
    }
}
