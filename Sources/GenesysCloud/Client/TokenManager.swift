import Common
import Foundation

/// A bearer token. Its descriptions never show the value.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    /// Monotonic time (`ClientClock.now`) after which a new token is minted.
    public let refreshAt: Duration
    /// Monotonic time at which the platform stops accepting it.
    public let expiresAt: Duration
    /// `expires_in` as the login service stated it.
    public let lifetime: Duration

    public var description: String { "AccessToken([REDACTED])" }
}

/// OAuth client-credentials tokens for one OAuth client (research §3).
///
/// * Mints ahead of expiry: at `expires_in - refreshAhead` (at most half the lifetime).
/// * One mint at a time: concurrent callers await the same mint.
/// * `invalidate` after a 401 drops the token, once, so the next caller mints a fresh one.
/// * If a mint ahead of expiry fails while the old token is still valid, the old one is used.
public actor TokenManager {
    public nonisolated let clientId: String
    private let credentials: OAuthClientCredentials
    private let tokenURL: String
    private let transport: any HTTPTransport
    private let refreshAhead: Duration
    private let clock: ClientClock
    private let onMint: @Sendable (Duration) -> Void

    private var current: AccessToken?
    private var minting: Task<AccessToken, any Error>?
    /// How many tokens were minted (tests and diagnostics).
    public private(set) var mintCount = 0

    public init(credentials: OAuthClientCredentials, loginBaseURL: String, transport: any HTTPTransport,
                refreshAhead: Duration = .seconds(300), clock: ClientClock = .system,
                onMint: @escaping @Sendable (Duration) -> Void = { _ in }) {
        self.credentials = credentials
        self.clientId = credentials.clientId
        self.tokenURL = GenesysEnvironment(apiBaseURL: loginBaseURL, loginBaseURL: loginBaseURL).loginBaseURL + "/oauth/token"
        self.transport = transport
        self.refreshAhead = refreshAhead
        self.clock = clock
        self.onMint = onMint
    }

    /// A token valid now, minting one if needed.
    public func token() async throws -> AccessToken {
        let now = clock.now()
        if let t = current, now < t.refreshAt { return t }
        let task: Task<AccessToken, any Error>
        if let m = minting {
            task = m
        } else {
            let (credentials, url, transport, clock, ahead) = (self.credentials, tokenURL, self.transport, self.clock, refreshAhead)
            task = Task { try await Self.mint(credentials, url: url, transport: transport, clock: clock, refreshAhead: ahead) }
            minting = task
        }
        do {
            let t = try await task.value
            if minting == task {
                minting = nil
                current = t
                mintCount += 1
                onMint(t.lifetime)
            }
            return t
        } catch {
            if minting == task { minting = nil }
            // Minting ahead of expiry failed: the old token still works for a while.
            if let t = current, clock.now() < t.expiresAt { return t }
            throw error
        }
    }

    /// Drops `token` if it is still the current one (a 401 answered a request that carried it).
    /// Many concurrent 401s for the same token cause one mint, not many.
    public func invalidate(_ token: AccessToken) {
        if current == token { current = nil }
    }

    private static func mint(_ c: OAuthClientCredentials, url: String, transport: any HTTPTransport, clock: ClientClock,
                             refreshAhead: Duration) async throws -> AccessToken {
        let basic = Data("\(c.clientId):\(c.clientSecret.value)".utf8).base64EncodedString()
        let request = HTTPRequest(method: .POST, url: url,
                                  headers: ["Authorization": "Basic \(basic)",
                                            "Content-Type": "application/x-www-form-urlencoded",
                                            "Accept": "application/json"],
                                  body: Data("grant_type=client_credentials".utf8))
        let started = clock.now()
        let response = try await transport.send(request)
        let what = "POST /oauth/token"
        guard response.isSuccess else {
            let e = GenesysAPIError.decode(status: response.status, body: response.body,
                                           correlationId: response.headers["inin-correlation-id"], request: what)
            // 429 and 5xx are the platform's trouble, not bad credentials: let the caller retry.
            if response.status == 429 || response.status >= 500 { throw GenesysClientError.api(e) }
            throw GenesysClientError.authenticationFailed(e)
        }
        guard let json = try? JSONValue.parse(response.body), let value = json["access_token"]?.stringValue, !value.isEmpty else {
            throw GenesysClientError.invalidResponse(request: what, "no access_token in the token response")
        }
        let lifetime = Duration.seconds(json["expires_in"]?.intValue ?? 86_400)
        // Measured from the request start: the server's clock started no earlier than that.
        let ahead = min(refreshAhead, lifetime / 2)
        return AccessToken(value: value, refreshAt: started + lifetime - ahead, expiresAt: started + lifetime, lifetime: lifetime)
    }
}
