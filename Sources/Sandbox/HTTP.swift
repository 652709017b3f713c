import Common
import Foundation

/// A request as the engine sees it: transport-free, so the engine is testable without sockets.
public struct SandboxRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, query: [(String, String)] = [], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method.uppercased()
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public init(method: String, target: String, headers: [String: String] = [:], body: Data = Data()) {
        let (p, q) = SandboxRequest.split(target)
        self.init(method: method, path: p, query: q, headers: headers, body: body)
    }

    /// First value of a query parameter.
    func q(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// All values: repeated parameters and comma-separated lists both count (`id=a&id=b`, `ids=a,b`).
    func qAll(_ name: String) -> [String] {
        query.filter { $0.0 == name }.flatMap { $0.1.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    }

    var queryString: String {
        query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func split(_ target: String) -> (String, [(String, String)]) {
        guard let qm = target.firstIndex(of: "?") else { return (target, []) }
        return (String(target[..<qm]), parseQuery(String(target[target.index(after: qm)...])))
    }

    static func parseQuery(_ s: String) -> [(String, String)] {
        s.split(separator: "&").compactMap { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard let k = kv.first else { return nil }
            func dec(_ x: Substring) -> String {
                String(x).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(x)
            }
            return (dec(k), kv.count > 1 ? dec(kv[1]) : "")
        }
    }
}

/// What to send back, and how: a fault may delay the answer or drop the connection instead.
public struct SandboxResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)] = []
    public var body: Data = Data()
    /// Close the connection without answering (injected fault).
    public var drop = false
    /// Seconds (sandbox clock) to wait before answering (injected latency).
    public var delay: Double = 0

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ v: JSONValue, status: Int = 200) -> SandboxResponse {
        SandboxResponse(status: status, headers: [("Content-Type", "application/json")], body: Data(v.canonicalText().utf8))
    }

    static func empty(_ status: Int = 200) -> SandboxResponse { SandboxResponse(status: status) }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A platform error: becomes the ErrorBody of research §5.
public struct APIError: Error, LocalizedError, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var messageWithParams: String?
    public var messageParams: [String: String] = [:]
    public var details: [JSONValue] = []
    public var extraHeaders: [(String, String)] = []
    public var limit: JSONValue?

    public init(_ status: Int, _ code: String, _ message: String, details: [JSONValue] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var errorDescription: String? { "\(status) \(code): \(message)" }

    func body(contextId: String) -> JSONValue {
        var o: JSONObject = [
            "message": .string(message), "code": .string(code), "status": .int(Int64(status)),
            "messageParams": .object(messageParams.mapValues { .string($0) }),
            "contextId": .string(contextId), "details": .array(details), "errors": .array([]),
        ]
        if let m = messageWithParams { o["messageWithParams"] = .string(m) }
        if let l = limit { o["limit"] = l }
        return .object(o)
    }

    // The platform's standard codes (§5).
    static func notFound(_ what: String = "The requested resource was not found.") -> APIError { APIError(404, "not.found", what) }
    static func badRequest(_ m: String = "The request could not be understood by the server due to malformed syntax.") -> APIError {
        APIError(400, "bad.request", m)
    }
    static func invalidValue(field: String, value: String, message: String? = nil) -> APIError {
        var e = APIError(400, "invalid.value", message ?? "Value [\(value)] is not valid for field [\(field)].",
                         details: [["errorCode": "invalid.value", "fieldName": .string(field)]])
        e.messageWithParams = "Value [{0}] is not valid for field [{1}]."
        e.messageParams = ["0": value, "1": field]
        return e
    }
    static func conflict(_ m: String, code: String = "general.conflict") -> APIError { APIError(409, code, m) }
}

/// `*EntityListing` with the platform's paging fields (§5).
struct Paging {
    var pageSize: Int
    var pageNumber: Int

    init(_ r: SandboxRequest, maxPageSize: Int = 500) throws(APIError) {
        pageSize = 25
        pageNumber = 1
        if let s = r.q("pageSize") {
            guard let n = Int(s), n >= 1 else { throw .invalidValue(field: "pageSize", value: s) }
            guard n <= maxPageSize else {
                throw APIError(400, "invalid.value", "pageSize [\(n)] exceeds the maximum of \(maxPageSize).")
            }
            pageSize = n
        }
        if let s = r.q("pageNumber") {
            guard let n = Int(s), n >= 1 else { throw .invalidValue(field: "pageNumber", value: s) }
            pageNumber = n
        }
    }

    func listing(_ all: [JSONValue], path: String, request r: SandboxRequest, extra: JSONObject = [:]) -> JSONValue {
        let total = all.count
        let pageCount = total == 0 ? 0 : (total + pageSize - 1) / pageSize
        let from = min((pageNumber - 1) * pageSize, total)
        let page = Array(all[from..<min(from + pageSize, total)])
        let other = r.query.filter { $0.0 != "pageSize" && $0.0 != "pageNumber" }
        func uri(_ n: Int) -> JSONValue {
            let q = [("pageSize", String(pageSize)), ("pageNumber", String(n))] + other
            return .string(path + "?" + q.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        }
        var o: JSONObject = [
            "entities": .array(page), "pageSize": .int(Int64(pageSize)), "pageNumber": .int(Int64(pageNumber)),
            "total": .int(Int64(total)), "pageCount": .int(Int64(pageCount)),
            "firstUri": uri(1), "selfUri": uri(pageNumber), "lastUri": uri(max(pageCount, 1)),
        ]
        if pageNumber > 1 { o["previousUri"] = uri(pageNumber - 1) }
        if pageNumber < pageCount { o["nextUri"] = uri(pageNumber + 1) }
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }
}
