import Common
import Foundation

/// Where the API and the login service live.
public struct GenesysEnvironment: Sendable, Hashable, Codable {
    /// `https://api.mypurecloud.com`, or the sandbox's `http://127.0.0.1:PORT`. No trailing slash.
    public var apiBaseURL: String
    /// `https://login.mypurecloud.com`, or the same base as the API for the sandbox.
    public var loginBaseURL: String

    public init(apiBaseURL: String, loginBaseURL: String) {
        self.apiBaseURL = Self.trim(apiBaseURL)
        self.loginBaseURL = Self.trim(loginBaseURL)
    }

    /// A Genesys Cloud region by domain (`mypurecloud.ie`) or AWS region name (`eu-west-1`).
    public static func region(_ name: String) throws -> GenesysEnvironment {
        let domain = regionDomains[name] ?? name
        guard domain.contains("."), !domain.contains("/"), !domain.contains(":") else {
            throw GenesysClientError.invalidRequest("unknown Genesys Cloud region \"\(name)\"; use a domain such as mypurecloud.com or one of \(regionDomains.keys.sorted().joined(separator: ", "))")
        }
        return GenesysEnvironment(apiBaseURL: "https://api.\(domain)", loginBaseURL: "https://login.\(domain)")
    }

    /// One base URL for both API and login (the local sandbox).
    public static func single(_ baseURL: String) -> GenesysEnvironment {
        GenesysEnvironment(apiBaseURL: baseURL, loginBaseURL: baseURL)
    }

    /// Research §1 (CX as Code's region map).
    public static let regionDomains: [String: String] = [
        "us-east-1": "mypurecloud.com", "us-east-2": "use2.us-gov-pure.cloud", "us-west-2": "usw2.pure.cloud",
        "ca-central-1": "cac1.pure.cloud", "eu-west-1": "mypurecloud.ie", "eu-west-2": "euw2.pure.cloud",
        "eu-central-1": "mypurecloud.de", "eu-central-2": "euc2.pure.cloud", "ap-southeast-2": "mypurecloud.com.au",
        "ap-northeast-1": "mypurecloud.jp", "ap-northeast-2": "apne2.pure.cloud", "ap-northeast-3": "apne3.pure.cloud",
        "ap-south-1": "aps1.pure.cloud", "ap-southeast-1": "apse1.pure.cloud", "sa-east-1": "sae1.pure.cloud",
        "me-central-1": "mec1.pure.cloud", "mx-central-1": "mxc1.pure.cloud",
    ]

    private static func trim(_ s: String) -> String {
        var s = s
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}

/// One OAuth client (client-credentials grant).
public struct OAuthClientCredentials: Sendable, Hashable, CustomStringConvertible {
    public var clientId: String
    public var clientSecret: Secret

    public init(clientId: String, clientSecret: Secret) {
        self.clientId = clientId
        self.clientSecret = clientSecret
    }

    public var description: String { "OAuth client \(clientId)" }
}

/// Time as the client sees it: a monotonic reading and a way to wait. Tests substitute both.
public struct ClientClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    public var now: @Sendable () -> Duration
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system: ClientClock = {
        let origin = ContinuousClock.now
        return ClientClock(now: { ContinuousClock.now - origin },
                           sleep: { d in if d > .zero { try await Task.sleep(for: d) } })
    }()
}

/// A value behind a lock, for the few bits of shared mutable state outside actors.
/// `@unchecked Sendable`: every access goes through `lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}

/// What happened, for progress display, metrics and the audit log. Never carries tokens or bodies.
public enum ClientEvent: Sendable {
    /// One HTTP attempt finished (with a status or a transport error).
    case attempt(AttemptEvent)
    /// The client is about to wait before the next attempt.
    case waiting(WaitEvent)
    /// A token was minted for the OAuth client at `clientIndex` of the pool.
    case tokenMinted(clientIndex: Int, expiresIn: Duration)
    /// A token was refused (401) and dropped; the next call mints a new one.
    case tokenRejected(clientIndex: Int)
}

public struct AttemptEvent: Sendable {
    public var method: HTTPMethod
    /// The path with ids replaced by placeholders (`/api/v2/users/{id}`), for grouping.
    public var pathTemplate: String
    public var attempt: Int
    public var status: Int?
    public var correlationId: String?
    public var duration: Duration
    /// Time spent waiting for the pacer before this attempt.
    public var pacerWait: Duration
    /// The transport error, when there was no status.
    public var error: String?
    public var clientIndex: Int
}

public struct WaitEvent: Sendable {
    public enum Reason: Sendable, Equatable {
        /// 429 with `Retry-After` (or the default when absent).
        case rateLimited
        /// Backoff after a 5xx or a network error.
        case backoff
    }
    public var reason: Reason
    public var duration: Duration
    public var method: HTTPMethod
    public var pathTemplate: String
    public var attempt: Int
}
