import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the test targets (module `TestSupport`).
///
/// A tiny HTTP/1.1 server on 127.0.0.1, port chosen by the kernel, for tests. A thread per
/// connection, keep-alive, Content-Length bodies only (all libcurl sends for our requests).
/// Each request is answered by the handler, which sees the request and how many requests with the
/// same path came before it (0-based), so tests can script "429, then 200".
///
/// `@unchecked Sendable`: every mutable field is guarded by `lock`.
public final class TestHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var target: String  // path with query
        public var headers: [String: String]  // lower-cased names
        public var body: Data
        public var connection: Int  // 1-based connection number
        public var path: String { String(target.prefix { $0 != "?" }) }
        public var query: [String: String] {
            guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            var out: [String: String] = [:]
            for pair in q.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                out[kv[0].removingPercentEncoding ?? kv[0]] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
            }
            return out
        }
        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    }

    public enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: Data = Data(), delay: Double = 0)
        /// Close the connection after reading the request, without answering.
        case drop
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = [], delay: Double = 0) -> Action {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8), delay: delay)
        }
        public static func empty(_ status: Int, headers: [(String, String)] = []) -> Action {
            .respond(status: status, headers: headers)
        }
    }

    public typealias Handler = @Sendable (Request, Int) -> Action

    public let port: Int
    private let listenFD: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var _connections = 0
    private var _requests: [Request] = []
    private var perPath: [String: Int] = [:]
    private var open: Set<Int32> = []
    private var stopped = false

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var connectionCount: Int { lock.lock(); defer { lock.unlock() }; return _connections }
    public var requests: [Request] { lock.lock(); defer { lock.unlock() }; return _requests }

    public init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        listenFD = fd
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    /// Stops accepting and closes every open connection.
    /// Descriptors are closed only by their own thread, and connections are shut down under the
    /// lock that guards their closing: a closed number can be reused at once by another server in
    /// the same test process, and shutting down or accepting on it would reset that server's
    /// connections (a flaky "connection reset by peer" in concurrent tests).
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }  // the listening number may already belong to another socket
        stopped = true
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        shutdown(listenFD, Int32(SHUT_RDWR))  // wakes accept(); the accept loop closes it
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            if stopped { lock.unlock(); close(c); return }
            _connections += 1
            let n = _connections
            open.insert(c)
            lock.unlock()
            let t = Thread { [self] in serve(c, number: n) }
            t.start()
        }
    }

    private func serve(_ fd: Int32, number: Int) {
        defer {
            lock.lock(); open.remove(fd); close(fd); lock.unlock()
        }
        var buffer = Data()
        while true {
            guard let request = readRequest(fd, &buffer, connection: number) else { return }
            lock.lock()
            _requests.append(request)
            let nth = perPath[request.path, default: 0]
            perPath[request.path] = nth + 1
            lock.unlock()
            switch handler(request, nth) {
            case .drop:
                return
            case .respond(let status, let headers, let body, let delay):
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\n"
                for (k, v) in headers { head += "\(k): \(v)\r\n" }
                head += "\r\n"
                guard write(fd, Data(head.utf8) + (request.method == "HEAD" ? Data() : body)) else { return }
                if request.headers["connection"]?.lowercased() == "close" { return }
            }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout Data, connection: Int) -> Request? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard fill(fd, &buffer) else { return nil }
        }
        guard let end = buffer.range(of: separator) else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        buffer = Data(buffer[end.upperBound...])
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for l in lines {
            guard let colon = l.firstIndex(of: ":") else { continue }
            headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard fill(fd, &buffer) else { return nil }
        }
        let body = Data(buffer.prefix(length))
        buffer = Data(buffer.dropFirst(length))
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body,
                       connection: connection)
    }

    private func fill(_ fd: Int32, _ buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var n = 0
        repeat {
            n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while n < 0 && errno == EINTR  // a signal is not the peer hanging up
        if n <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func write(_ fd: Int32, _ data: Data) -> Bool {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private static func reason(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 409: return "Conflict"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

/// A unique scratch directory per test (tests run in parallel in one process).
public func makeTempDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-genesys-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
