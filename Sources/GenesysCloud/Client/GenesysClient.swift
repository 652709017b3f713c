import Common
import Foundation

/// Settings of a `GenesysClient`.
public struct GenesysClientConfiguration: Sendable {
    public var environment: GenesysEnvironment
    /// One or more OAuth clients. With several, requests take their tokens round-robin, each token
    /// with its own pacer: Genesys limits per token, so throughput multiplies (CX as Code does the same).
    public var credentials: [OAuthClientCredentials]
    public var retry = RetryPolicy()
    public var pacing = PacingConfiguration()
    /// Mint a new token this long before the current one expires (at most half its lifetime).
    public var tokenRefreshAhead: Duration = .seconds(300)
    /// Transport settings (timeouts, proxy, CA bundle, mTLS) for the default `HTTPClient`.
    public var http = HTTPClientConfiguration()
    /// Seed for retry jitter; nil seeds from the system generator.
    public var randomSeed: UInt64?
    /// `pageSize` for listings and searches.
    public var pageSize = 100
    /// The catalogue in force (copy `.standard` and adjust entries to override [verify] facts).
    public var catalogue = ResourceCatalogue.standard

    public init(environment: GenesysEnvironment, credentials: [OAuthClientCredentials]) {
        self.environment = environment
        self.credentials = credentials
    }
}

/// One Platform API call. `path` is concrete (`/api/v2/users/5c1…`); `pathTemplate` is the same
/// with ids as placeholders, used in events and error messages.
public struct APIRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var pathTemplate: String
    public var query: [(name: String, value: String)]
    public var body: Data?
    public var headers: HTTPHeaders
    /// Whether repeating the request after an unknown outcome is harmless. nil: by method
    /// (everything but POST). Set true for read-only POSTs (searches) and set-like adds.
    public var idempotent: Bool?
    /// Statuses that count as success; nil means any 2xx.
    public var successStatuses: Set<Int>?

    public init(_ method: HTTPMethod, _ path: String, template: String? = nil, query: [(name: String, value: String)] = [],
                body: Data? = nil, headers: HTTPHeaders = [:], idempotent: Bool? = nil, successStatuses: Set<Int>? = nil) {
        self.method = method
        self.path = path
        self.pathTemplate = template ?? path
        self.query = query
        self.body = body
        self.headers = headers
        self.idempotent = idempotent
        self.successStatuses = successStatuses
    }

    /// A request with a JSON body.
    public init(_ method: HTTPMethod, _ path: String, template: String? = nil, query: [(name: String, value: String)] = [],
                json: JSONValue, idempotent: Bool? = nil, successStatuses: Set<Int>? = nil) {
        self.init(method, path, template: template, query: query, body: json.canonicalData(),
                  headers: ["Content-Type": "application/json"], idempotent: idempotent, successStatuses: successStatuses)
    }

    var label: String { "\(method.rawValue) \(pathTemplate)" }
}

public struct APIResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// `inin-correlation-id`.
    public var correlationId: String?
    /// Attempts it took (1 = first try).
    public var attempts: Int

    /// The body as JSON; an empty body is `null`.
    public func json() throws -> JSONValue {
        if body.isEmpty { return .null }
        return try JSONValue.parse(body)
    }
}

/// The Genesys Cloud Platform API v2 client: OAuth tokens, pacing, retries, typed operations over
/// the resource catalogue. Safe to share between tasks.
///
/// Retry rules (see docs/genesys-client.md): 429 waits `Retry-After` (capped) and retries; 5xx and
/// network failures back off with full jitter; a 401 drops the token, mints once and retries once.
/// A non-idempotent request (POST create) is never repeated once it may have reached the server:
/// the client throws `GenesysClientError.outcomeUnknown` and the caller looks the object up.
public final class GenesysClient: Sendable {
    public let configuration: GenesysClientConfiguration
    private let transport: any HTTPTransport
    private let clock: ClientClock
    private let events: (@Sendable (ClientEvent) -> Void)?
    private let slots: [Slot]
    private let next = Locked(0)
    private let rng: Locked<SplitMix64>

    struct Slot: Sendable {
        let index: Int
        let tokens: TokenManager
        let pacer: Pacer
    }

    /// - Parameters:
    ///   - transport: defaults to an `HTTPClient` with `configuration.http`.
    ///   - events: called for every attempt, wait and token mint; must be quick and thread-safe.
    public init(configuration: GenesysClientConfiguration, transport: (any HTTPTransport)? = nil,
                clock: ClientClock = .system, events: (@Sendable (ClientEvent) -> Void)? = nil) throws {
        guard !configuration.credentials.isEmpty else {
            throw GenesysClientError.invalidRequest("at least one OAuth client is needed")
        }
        self.configuration = configuration
        let transport = transport ?? HTTPClient(configuration: configuration.http)
        self.transport = transport
        self.clock = clock
        self.events = events
        self.rng = Locked(SplitMix64(seed: configuration.randomSeed ?? UInt64.random(in: .min ... .max)))
        self.slots = configuration.credentials.enumerated().map { i, c in
            Slot(index: i,
                 tokens: TokenManager(credentials: c, loginBaseURL: configuration.environment.loginBaseURL, transport: transport,
                                      refreshAhead: configuration.tokenRefreshAhead, clock: clock,
                                      onMint: { d in events?(.tokenMinted(clientIndex: i, expiresIn: d)) }),
                 pacer: Pacer(configuration.pacing, clock: clock))
        }
    }

    /// The token managers of the pool (diagnostics, tests).
    public var tokenManagers: [TokenManager] { slots.map(\.tokens) }

    // MARK: - Core

    /// Sends a request with tokens, pacing and retries. Returns the response when its status is a
    /// success; throws `GenesysClientError` otherwise.
    public func send(_ request: APIRequest) async throws -> APIResponse {
        let policy = configuration.retry
        let idempotent = request.idempotent ?? request.method.isIdempotent
        var attempt = 0
        var reminted = false
        while true {
            attempt += 1
            let slot = nextSlot()
            let paceWait = await slot.pacer.reserve()
            try await clock.sleep(paceWait)

            let token: AccessToken
            do {
                token = try await slot.tokens.token()
            } catch {
                // Minting never changes platform state, so every transient failure may be retried.
                if attempt < policy.maxAttempts, Self.mintFailureIsRetryable(error, policy) {
                    try await backoff(request, attempt: attempt)
                    continue
                }
                throw error
            }

            var http = try httpRequest(for: request, token: token)
            // Never on the wire twice by libcurl's doing; kept-alive connections are still used.
            http.sendAtMostOnce = !idempotent
            let started = clock.now()
            let response: HTTPResponse
            do {
                response = try await transport.send(http)
            } catch let e as HTTPError {
                emit(.attempt(AttemptEvent(method: request.method, pathTemplate: request.pathTemplate, attempt: attempt, status: nil,
                                           correlationId: nil, duration: clock.now() - started, pacerWait: paceWait,
                                           error: e.localizedDescription, clientIndex: slot.index)))
                if e.outcomeUnknown && !idempotent {
                    throw GenesysClientError.outcomeUnknown(request: request.label, reason: e.localizedDescription)
                }
                if e.isTransient, attempt < policy.maxAttempts {
                    try await backoff(request, attempt: attempt)
                    continue
                }
                throw GenesysClientError.transport(request: request.label, e)
            }
            let correlation = response.headers["inin-correlation-id"]
            await slot.pacer.observe(response.headers)
            emit(.attempt(AttemptEvent(method: request.method, pathTemplate: request.pathTemplate, attempt: attempt,
                                       status: response.status, correlationId: correlation, duration: clock.now() - started,
                                       pacerWait: paceWait, error: nil, clientIndex: slot.index)))

            if request.successStatuses?.contains(response.status) ?? response.isSuccess {
                return APIResponse(status: response.status, headers: response.headers, body: response.body,
                                   correlationId: correlation, attempts: attempt)
            }
            let apiError = GenesysAPIError.decode(status: response.status, body: response.body, correlationId: correlation,
                                                  request: request.label)
            switch response.status {
            case 401 where !reminted:
                // Expired or revoked: mint once more and retry once; does not use up an attempt.
                reminted = true
                attempt -= 1
                await slot.tokens.invalidate(token)
                emit(.tokenRejected(clientIndex: slot.index))
                continue
            case 429:
                let wait = RetryPolicy.retryAfter(response.headers) ?? policy.defaultRetryAfter
                if wait > policy.maxRetryAfter {
                    throw GenesysClientError.retryAfterTooLong(request: request.label, seconds: wait.secondsValue)
                }
                await slot.pacer.pause(for: wait)  // everyone on this token holds back
                guard attempt < policy.maxAttempts else { throw GenesysClientError.api(apiError) }
                emit(.waiting(WaitEvent(reason: .rateLimited, duration: wait, method: request.method,
                                        pathTemplate: request.pathTemplate, attempt: attempt)))
                try await clock.sleep(wait)
                continue
            case let s where policy.retryableStatuses.contains(s):
                if !idempotent && !policy.notProcessedStatuses.contains(s) {
                    throw GenesysClientError.outcomeUnknown(request: request.label,
                                                            reason: "answered \(s)\(apiError.code.map { " \($0)" } ?? "") after the request reached the platform")
                }
                guard attempt < policy.maxAttempts else { throw GenesysClientError.api(apiError) }
                try await backoff(request, attempt: attempt)
                continue
            default:
                throw GenesysClientError.api(apiError)
            }
        }
    }

    /// An idempotent request outside the Platform API (a presigned upload URL): no token, no
    /// pacing (it is not counted against the API's rate limit), transient failures retried.
    /// `label` stands for the URL in errors and events, since the URL itself may carry a signature.
    func sendUnauthenticated(_ http: HTTPRequest, label: String) async throws {
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            let started = clock.now()
            do {
                let response = try await transport.send(http)
                emit(.attempt(AttemptEvent(method: http.method, pathTemplate: label, attempt: attempt, status: response.status,
                                           correlationId: nil, duration: clock.now() - started, pacerWait: .zero, error: nil, clientIndex: 0)))
                if response.isSuccess { return }
                let apiError = GenesysAPIError.decode(status: response.status, body: response.body, correlationId: nil, request: label)
                if policy.retryableStatuses.contains(response.status) || response.status == 429, attempt < policy.maxAttempts {
                    try await backoff(APIRequest(http.method, label, template: label), attempt: attempt)
                    continue
                }
                throw GenesysClientError.api(apiError)
            } catch let e as HTTPError {
                emit(.attempt(AttemptEvent(method: http.method, pathTemplate: label, attempt: attempt, status: nil, correlationId: nil,
                                           duration: clock.now() - started, pacerWait: .zero, error: e.localizedDescription, clientIndex: 0)))
                guard e.isTransient || e.outcomeUnknown, attempt < policy.maxAttempts else {
                    throw GenesysClientError.transport(request: label, e)
                }
                try await backoff(APIRequest(http.method, label, template: label), attempt: attempt)
            }
        }
    }

    private static func mintFailureIsRetryable(_ error: any Error, _ policy: RetryPolicy) -> Bool {
        if let e = error as? HTTPError { return e.isTransient }
        if let e = error as? GenesysClientError, case .api(let api) = e { return policy.retryableStatuses.contains(api.status) }
        return false
    }

    private func nextSlot() -> Slot {
        let i = next.withLock { n -> Int in
            defer { n = (n + 1) % slots.count }
            return n
        }
        return slots[i]
    }

    private func backoff(_ request: APIRequest, attempt: Int) async throws {
        let policy = configuration.retry
        let d = rng.withLock { policy.backoff(attempt: attempt, using: &$0) }
        emit(.waiting(WaitEvent(reason: .backoff, duration: d, method: request.method, pathTemplate: request.pathTemplate,
                                attempt: attempt)))
        try await clock.sleep(d)
    }

    private func emit(_ e: ClientEvent) { events?(e) }

    /// Built afresh for every attempt, so a retry carries the current token.
    private func httpRequest(for r: APIRequest, token: AccessToken) throws -> HTTPRequest {
        guard r.path.hasPrefix("/") else { throw GenesysClientError.invalidRequest("path must start with /: \(r.path)") }
        var url = configuration.environment.apiBaseURL + r.path
        if !r.query.isEmpty {
            url += "?" + r.query.map { "\(Self.encodeQuery($0.name))=\(Self.encodeQuery($0.value))" }.joined(separator: "&")
        }
        var headers = r.headers
        headers["Authorization"] = "Bearer \(token.value)"
        if headers["Accept"] == nil { headers["Accept"] = "application/json" }
        return HTTPRequest(method: r.method, url: url, headers: headers, body: r.body)
    }

    static func encodeQuery(_ s: String) -> String {
        var unreserved = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        unreserved.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }
}

extension Duration {
    var secondsValue: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
