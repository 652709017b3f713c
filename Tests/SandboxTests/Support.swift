import Common
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Sandbox

/// A fresh config with two OAuth clients and synchronous state writes.
func testConfig(_ mutate: (inout GenesysSandboxConfig) -> Void = { _ in }) -> GenesysSandboxConfig {
    var c = GenesysSandboxConfig()
    c.clients = ["uploader": "s3cret-uploader", "other": "s3cret-other"]
    c.stateWriteDebounceSeconds = 0
    mutate(&c)
    return c
}

struct TestResp: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String
    var json: JSONValue? { try? JSONValue.parse(text) }
    subscript(_ key: String) -> JSONValue? { json?[key] }
    func header(_ name: String) -> String? {
        guard let n = HTTPField.Name(name) else { return nil }
        return headers[n]
    }
    var code: String? { json?["code"]?.stringValue }
    var id: String { json?["id"]?.stringValue ?? "" }
}

/// A client bound to one HummingbirdTesting client, holding a bearer token.
struct SB: Sendable {
    let raw: any TestClientProtocol
    let engine: GenesysEngine
    var token: String?

    func call(_ method: HTTPRequest.Method, _ uri: String, _ body: JSONValue? = nil, token: String?? = nil,
              headers extra: [String: String] = [:], rawBody: String? = nil) async throws -> TestResp {
        var h = HTTPFields()
        if let t = token ?? self.token, let n = HTTPField.Name("Authorization") { h[n] = "Bearer \(t)" }
        var buf: ByteBuffer?
        if let body {
            buf = ByteBuffer(string: body.canonicalText())
            h[.contentType] = "application/json"
        }
        if let rawBody { buf = ByteBuffer(string: rawBody) }
        for (k, v) in extra { if let n = HTTPField.Name(k) { h[n] = v } }
        let r = try await raw.executeRequest(uri: uri, method: method, headers: h, body: buf)
        return TestResp(status: Int(r.status.code), headers: r.headers, text: String(buffer: r.body))
    }

    func fetchToken(_ id: String = "uploader", _ secret: String = "s3cret-uploader") async throws -> TestResp {
        let basic = Data("\(id):\(secret)".utf8).base64EncodedString()
        return try await call(.post, "/oauth/token", token: .some(nil),
                              headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded"],
                              rawBody: "grant_type=client_credentials")
    }

    func post(_ uri: String, _ body: JSONValue) async throws -> TestResp { try await call(.post, uri, body) }
    func get(_ uri: String) async throws -> TestResp { try await call(.get, uri) }
}

/// Runs `body` against an in-memory sandbox through Hummingbird's router test client, with a token.
func withSandbox(_ config: GenesysSandboxConfig = testConfig(), _ body: @escaping @Sendable (SB) async throws -> Void) async throws {
    let engine = try await GenesysEngine(config: config)
    let app = try GenesysSandbox.application(engine: engine)
    try await app.test(.router) { client in
        var sb = SB(raw: client, engine: engine)
        let t = try await sb.fetchToken()
        sb.token = t["access_token"]?.stringValue
        try await body(sb)
    }
}

func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Asserts the platform's ErrorBody (§5) and that contextId is the correlation header.
func expectError(_ r: TestResp, _ status: Int, _ code: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "status \(r.status) body \(r.text)", sourceLocation: sourceLocation)
    #expect(r.code == code, "code in \(r.text)", sourceLocation: sourceLocation)
    #expect(r["status"]?.intValue == Int64(status), sourceLocation: sourceLocation)
    #expect(r["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(r["messageParams"]?.objectValue != nil, sourceLocation: sourceLocation)
    #expect(r["details"]?.arrayValue != nil && r["errors"]?.arrayValue != nil, sourceLocation: sourceLocation)
    #expect(r["contextId"]?.stringValue == r.header("inin-correlation-id"), sourceLocation: sourceLocation)
}

// MARK: - Raw sockets (live tests: dropped connections, binding)

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends raw bytes to host:port and reads until the peer closes (or 5 s). Returns the bytes read,
/// or nil when the connection could not be made. Runs on its own thread: blocking socket calls
/// on the (two-thread) cooperative pool would starve the in-process server under test.
func rawExchange(host: String, port: Int, request: String) async -> Data? {
    await withCheckedContinuation { (c: CheckedContinuation<Data?, Never>) in
        let t = Thread { c.resume(returning: blockingExchange(host: host, port: port, request: request)) }
        t.start()
    }
}

func blockingExchange(host: String, port: Int, request: String) -> Data? {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var res: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else { return nil }
    defer { freeaddrinfo(res) }
    let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    guard connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else { return nil }
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var out = Data()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
        if let s = String(data: out, encoding: .utf8), let r = s.range(of: "\r\n\r\n"),
           let cl = s.range(of: "content-length: ", options: .caseInsensitive),
           let end = s[cl.upperBound...].firstIndex(of: "\r"), let len = Int(s[cl.upperBound..<end]),
           s.utf8.distance(from: r.upperBound.samePosition(in: s.utf8) ?? s.utf8.endIndex, to: s.utf8.endIndex) >= len {
            break
        }
    }
    return out
}

func httpRequest(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") -> String {
    var s = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for (k, v) in headers { s += "\(k): \(v)\r\n" }
    s += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    return s
}
