import Common
import Foundation

/// A Platform API error answer (research §5 ErrorBody), with the response's correlation id.
public struct GenesysAPIError: Error, LocalizedError, Sendable, Hashable, Codable {
    public struct Detail: Sendable, Hashable, Codable {
        public var errorCode: String?
        public var fieldName: String?
        public var entityId: String?
        public var entityName: String?
    }

    /// HTTP status of the response (the body's `status` when the body has none of its own).
    public var status: Int
    public var code: String?
    public var message: String?
    public var messageWithParams: String?
    public var messageParams: [String: String]?
    public var contextId: String?
    public var entityId: String?
    public var entityName: String?
    public var details: [Detail]?
    public var errors: [GenesysAPIError]?
    /// `inin-correlation-id` of the response; quote it to Genesys support.
    public var correlationId: String?
    /// Method and path template of the request (`POST /api/v2/users`).
    public var request: String?
    /// The body as received when it is not an ErrorBody (redacted, at most 2 000 characters).
    public var rawBody: String?

    public init(status: Int, code: String? = nil, message: String? = nil, correlationId: String? = nil, request: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.correlationId = correlationId
        self.request = request
    }

    /// Decodes an error answer; tolerant of empty and non-JSON bodies.
    public static func decode(status: Int, body: Data, correlationId: String?, request: String?) -> GenesysAPIError {
        var e = GenesysAPIError(status: status, correlationId: correlationId, request: request)
        guard let json = try? JSONValue.parse(body), case .object(let o) = json else {
            if !body.isEmpty { e.rawBody = String(Redactor.standard.redact(String(decoding: body, as: UTF8.self)).prefix(2_000)) }
            return e
        }
        e.code = o["code"]?.stringValue
        e.message = o["message"]?.stringValue.map(Redactor.standard.redact)
        e.messageWithParams = o["messageWithParams"]?.stringValue
        if case .object(let p)? = o["messageParams"] {
            e.messageParams = p.compactMapValues { $0.stringValue ?? ($0.isNull ? nil : $0.canonicalText()) }
        }
        e.contextId = o["contextId"]?.stringValue
        e.entityId = o["entityId"]?.stringValue
        e.entityName = o["entityName"]?.stringValue
        e.details = o["details"]?.arrayValue?.map {
            Detail(errorCode: $0["errorCode"]?.stringValue, fieldName: $0["fieldName"]?.stringValue,
                   entityId: $0["entityId"]?.stringValue, entityName: $0["entityName"]?.stringValue)
        }
        e.errors = o["errors"]?.arrayValue?.map {
            decode(status: Int($0["status"]?.intValue ?? Int64(status)), body: $0.canonicalData(), correlationId: nil, request: nil)
        }
        // OAuth errors use `error` / `error_description` instead (research §3).
        if e.code == nil { e.code = o["error"]?.stringValue }
        if e.message == nil { e.message = (o["error_description"] ?? o["description"])?.stringValue }
        return e
    }

    /// 409, or 400 whose message says the version does not match (both seen; research §1).
    public var isVersionConflict: Bool {
        if status == 409, code == "general.conflict", message?.localizedCaseInsensitiveContains("version") ?? false { return true }
        return status == 400 && (message?.localizedCaseInsensitiveContains("does not match the current version") ?? false)
    }

    public var isNotFound: Bool { status == 404 }

    public var errorDescription: String? {
        var s = "Genesys Cloud answered \(status)"
        if let request { s += " to \(request)" }
        if let code { s += " [\(code)]" }
        if let message { s += ": \(message)" } else if let rawBody, !rawBody.isEmpty { s += ": \(rawBody)" }
        if let fields = details?.compactMap(\.fieldName), !fields.isEmpty { s += " (fields: \(fields.joined(separator: ", ")))" }
        if let id = correlationId ?? contextId { s += " (correlation id \(id))" }
        return s
    }
}

/// Failures of `GenesysClient` and `TokenManager`.
public enum GenesysClientError: LocalizedError, Sendable, Equatable {
    /// The platform answered with an error status (after any retries).
    case api(GenesysAPIError)
    /// The OAuth token endpoint refused the client credentials or answered nonsense.
    case authenticationFailed(GenesysAPIError)
    /// A non-idempotent request (POST create) was sent but its outcome is unknown: the connection
    /// dropped or timed out after sending, or a gateway answered 500/502/504. The object may or
    /// may not exist now: look it up by natural key before trying again.
    case outcomeUnknown(request: String, reason: String)
    /// The network failed and retries are exhausted (or the failure is not retryable).
    case transport(request: String, HTTPError)
    /// 429 asked for a longer wait than allowed (`RetryPolicy.maxRetryAfter`).
    case retryAfterTooLong(request: String, seconds: Double)
    /// A 2xx answer whose body is not what the operation expects.
    case invalidResponse(request: String, String)
    /// The caller asked for something the catalogue does not support (e.g. create of a lookup-only type).
    case invalidRequest(String)

    public var apiError: GenesysAPIError? {
        switch self {
        case .api(let e), .authenticationFailed(let e): return e
        default: return nil
        }
    }

    public var isOutcomeUnknown: Bool { if case .outcomeUnknown = self { return true }; return false }

    public var errorDescription: String? {
        switch self {
        case .api(let e):
            return e.errorDescription
        case .authenticationFailed(let e):
            return "the Genesys Cloud login refused the OAuth client (\(e.status)\(e.code.map { " \($0)" } ?? "")"
                + "\(e.message.map { ": \($0)" } ?? "")); check the client id and secret, the region (login host) and that the client uses the client-credentials grant"
        case .outcomeUnknown(let r, let reason):
            return "\(r): the outcome is unknown (\(reason)); the object may have been created: look it up before retrying"
        case .transport(let r, let e):
            return "\(r): \(e.localizedDescription)"
        case .retryAfterTooLong(let r, let s):
            return "\(r): Genesys Cloud asked to wait \(Int(s)) s (rate limit); that exceeds the configured maximum; try again later or raise --max-retry-after"
        case .invalidResponse(let r, let m):
            return "\(r): unexpected response: \(m)"
        case .invalidRequest(let m):
            return "invalid request: \(m)"
        }
    }
}
