import Foundation

/// The HTTP methods the product uses.
public enum HTTPMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case GET, POST, PUT, PATCH, DELETE, HEAD

    /// RFC 9110 idempotent methods: a repeat has the same effect as one request, so a retry after an
    /// unknown outcome is safe. POST is the only non-idempotent method we send.
    public var isIdempotent: Bool { self != .POST }
}

/// Header fields in wire order. Lookup is case-insensitive (RFC 9110 §5.1); repeated fields are kept.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// The first value of a field, any case.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        set {
            fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Every value of a field, any case, in wire order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }
    public func contains(_ name: String) -> Bool { self[name] != nil }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        for f in fields { h.combine(f.name.lowercased()); h.combine(f.value) }
    }

    /// Values of credential-bearing fields are replaced, so the description is safe to log.
    public var description: String {
        fields.map { f in
            let sensitive = ["authorization", "proxy-authorization", "cookie", "set-cookie"].contains(f.name.lowercased())
            return "\(f.name): \(sensitive ? "[REDACTED]" : Redactor.standard.redact(f.value))"
        }.joined(separator: "\n")
    }
}

/// One HTTP request. `url` is absolute (`https://api.mypurecloud.com/api/v2/users?pageSize=25`).
public struct HTTPRequest: Sendable, Hashable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: Data?
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?
    /// Send on a new connection, never on a kept-alive one.
    public var freshConnection: Bool
    /// The request goes on the wire at most once. libcurl sends a request again by itself (up to
    /// five times, whatever the method) when a reused keep-alive connection closes before the
    /// first byte of the answer, although the server may have received and processed it. With
    /// this set the client refuses that second send and fails with
    /// `connectionDropped(requestSent: true)` (`outcomeUnknown`), so the caller decides; the
    /// request may still use a kept-alive connection. Set for requests that must never reach the
    /// server twice (a POST create). A libcurl older than 7.80 lacks the hook; such a request then
    /// goes on a new connection, which libcurl never re-sends on.
    public var sendAtMostOnce: Bool

    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: Data? = nil, timeout: Duration? = nil,
                freshConnection: Bool = false, sendAtMostOnce: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.freshConnection = freshConnection
        self.sendAtMostOnce = sendAtMostOnce
    }
}

/// One HTTP response, complete (the body is buffered).
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// `1.1`, `2`, … as negotiated; nil when unknown.
    public var httpVersion: String?
    /// Wall time of the transfer as libcurl measured it.
    public var duration: Duration

    public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data(), httpVersion: String? = nil,
                duration: Duration = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
        self.duration = duration
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Anything that can carry an HTTPRequest. `HTTPClient` is the real one; tests and the uploader's
/// dry-run can substitute their own.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// Why a request did not produce a response. The cases separate "never sent" (safe to retry any
/// method) from "sent, answer lost" (`outcomeUnknown`: a POST may or may not have been applied).
public enum HTTPError: LocalizedError, Sendable, Equatable {
    /// The URL or an option was rejected before anything went on the wire.
    case invalidRequest(String)
    /// DNS, TCP connect or proxy connect failed. Nothing was sent.
    case connectFailed(url: String, detail: String)
    /// TLS handshake or certificate verification failed. Nothing was sent.
    case tls(url: String, detail: String)
    /// The connect or total timeout expired. `requestSent` says whether request bytes went out.
    case timedOut(url: String, requestSent: Bool, detail: String)
    /// The connection broke or closed before a complete response arrived.
    case connectionDropped(url: String, requestSent: Bool, detail: String)
    /// The response body exceeded the configured limit; the transfer was aborted.
    case responseTooLarge(url: String, limit: Int)
    /// The task was cancelled; the request was aborted.
    case cancelled(url: String)
    /// Any other libcurl failure, with its code.
    case transport(url: String, code: Int, requestSent: Bool, detail: String)

    /// True when the server may have received and acted on the request although no response was
    /// read: retrying a non-idempotent request could apply it twice. Callers should check state
    /// (e.g. look the object up) instead of blindly repeating.
    public var outcomeUnknown: Bool {
        switch self {
        case .timedOut(_, let sent, _), .connectionDropped(_, let sent, _), .transport(_, _, let sent, _): return sent
        case .cancelled, .responseTooLarge: return true
        case .invalidRequest, .connectFailed, .tls: return false
        }
    }

    /// True for failures where trying again later can help (network trouble, timeouts).
    public var isTransient: Bool {
        switch self {
        case .connectFailed, .timedOut, .connectionDropped, .transport: return true
        case .invalidRequest, .tls, .responseTooLarge, .cancelled: return false
        }
    }

    public var errorDescription: String? {
        switch self {
        case .invalidRequest(let m):
            return "the HTTP request is invalid: \(m)"
        case .connectFailed(let url, let d):
            return "cannot connect for \(url): \(d); check the host name, network route, firewall and proxy settings (HTTPS_PROXY / --proxy)"
        case .tls(let url, let d):
            return "TLS failed for \(url): \(d); check the CA bundle (--ca-bundle), the client certificate and key, and any TLS-inspecting proxy"
        case .timedOut(let url, let sent, let d):
            return "timed out for \(url) (\(sent ? "after the request was sent: the outcome is unknown" : "before the request was sent")): \(d)"
        case .connectionDropped(let url, let sent, let d):
            return "the connection closed for \(url) \(sent ? "after the request was sent: the outcome is unknown" : "before the request was sent"): \(d)"
        case .responseTooLarge(let url, let limit):
            return "the response from \(url) exceeds the limit of \(limit) bytes"
        case .cancelled(let url):
            return "the request to \(url) was cancelled"
        case .transport(let url, let code, let sent, let d):
            return "HTTP transfer for \(url) failed (curl \(code)\(sent ? ", after the request was sent" : "")): \(d)"
        }
    }
}
