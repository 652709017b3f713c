import Common
import Foundation

/// Basic-auth credentials for the CM REST service or pbxd. Read from the environment or an
/// owner-only file, never from the command line; `description` never shows the password.
public struct CMCredentials: Sendable, CustomStringConvertible {
    public var username: String
    public var password: Secret

    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    public var description: String { "CMCredentials(\(username), [REDACTED])" }

    /// `process`: a command printing `{"username": …, "password": …}` on stdout
    /// (`CredentialProcess`; docs/credentials.md). `file`: one line `USERNAME:PASSWORD` (split
    /// at the first colon; Basic auth forbids a colon in the user name), mode 0600. Else
    /// `CM_USERNAME` and `CM_PASSWORD`.
    public static func load(file: String?, process: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CMCredentials {
        if let process {
            guard file == nil else { throw ExtractError.credentialsMissing("give either --credentials or --credentials-process, not both") }
            let f: [String: Secret]
            do { f = try CredentialProcess.fields(["username", "password"], from: process, environment: environment) } catch {
                throw ExtractError.credentialsProcess(error.localizedDescription)
            }
            guard let u = f["username"]?.value, !u.contains(":"), let p = f["password"] else {
                throw ExtractError.credentialsProcess("the user name contains a colon, which Basic auth cannot carry")
            }
            return CMCredentials(username: u, password: p)
        }
        if let file {
            let s = try Secrets.read(.file(file)).value
            let line = s.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw ExtractError.credentialsMissing("\(file) does not hold USERNAME:PASSWORD on its first line")
            }
            return CMCredentials(username: String(line[..<colon]), password: Secret(String(line[line.index(after: colon)...])))
        }
        guard let u = environment["CM_USERNAME"], !u.isEmpty else { throw ExtractError.credentialsMissing("CM_USERNAME is not set") }
        guard let p = environment["CM_PASSWORD"] else { throw ExtractError.credentialsMissing("CM_PASSWORD is not set") }
        return CMCredentials(username: u, password: Secret(p))
    }

    var authorization: String {
        "Basic " + Data("\(username):\(password.value)".utf8).base64EncodedString()
    }
}

/// Connection settings shared by both source kinds.
public struct ConnectionOptions: Sendable {
    /// Requests per second, retries included. Conservative by default: a PBX is not a web farm.
    public var rate: Double = 5
    public var backoff = BackoffPolicy()
    public var http = HTTPClientConfiguration()
    /// Seed for retry jitter (tests); nil uses the system generator.
    public var jitterSeed: UInt64?

    public init() {
        // CM REST services and pbxd are plain HTTP/1.1 behind a web server; ALPN h2 buys nothing.
        http.httpVersion = .http1_1
        http.requestTimeout = .seconds(60)
        http.maxConnectionsPerHost = 2
    }
}

/// One HTTP conversation with the source: budget, Basic auth, retries, JSON. Every request goes
/// through here so the budget and retry rules hold for both source kinds.
actor Connection {
    let base: String
    let credentials: CMCredentials
    let options: ConnectionOptions
    let transport: any HTTPTransport
    let budget: RequestBudget
    private var rng: SplitMix64
    /// Requests sent (retries included), for the run record and the figures.
    private(set) var requests = 0

    /// The extraction window, checked right before every request (retries included).
    let gate: WindowGate?

    init(base: String, credentials: CMCredentials, options: ConnectionOptions, transport: (any HTTPTransport)? = nil,
         gate: WindowGate? = nil) throws {
        guard let u = URL(string: base), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
            throw ExtractError.invalidURL(base)
        }
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.credentials = credentials
        self.options = options
        self.transport = transport ?? HTTPClient(configuration: options.http)
        budget = RequestBudget(perSecond: options.rate)
        self.gate = gate
        rng = SplitMix64(seed: options.jitterSeed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Sends and returns the parsed JSON body of a 2xx answer. Retries 429, 5xx and network
    /// failures (GET always; POST too, because every request we send is a read — pbxd `list`
    /// and `display` change nothing on the CM).
    func json(_ method: HTTPMethod, _ pathAndQuery: String, body: JSONValue? = nil) async throws -> JSONValue {
        let url = base + pathAndQuery
        var headers: HTTPHeaders = ["Authorization": credentials.authorization, "Accept": "application/json"]
        if body != nil { headers.add("Content-Type", "application/json") }
        var req = HTTPRequest(method: method, url: url, headers: headers, body: body.map { $0.canonicalData() })
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            try await budget.acquire()
            // After the budget's wait and any backoff: never a request outside the window.
            try await gate?.admit(run: nil)
            requests += 1
            let resp: HTTPResponse
            do {
                resp = try await transport.send(req)
            } catch let e as HTTPError {
                if case .cancelled = e { throw CancellationError() }
                guard e.isTransient, attempt < options.backoff.maxAttempts else {
                    throw ExtractError.unreachable(url: url, detail: e.localizedDescription + " (after \(attempt) attempt\(attempt == 1 ? "" : "s"))")
                }
                // The pooled connection may be the broken one: open a new one for the retry.
                req.freshConnection = true
                try await pause(attempt, nil)
                continue
            }
            switch resp.status {
            case 200..<300:
                do { return try JSONValue.parse(resp.body) } catch {
                    throw ExtractError.notJSON(url: url, contentType: resp.headers["Content-Type"],
                                               snippet: String(resp.bodyText.prefix(120)))
                }
            case 401, 403:
                throw ExtractError.unauthorized(url: url, status: resp.status)
            case 429, 500...599:
                guard attempt < options.backoff.maxAttempts else {
                    throw ExtractError.httpStatus(url: url, status: resp.status,
                                                  snippet: "gave up after \(attempt) attempts; " + String(resp.bodyText.prefix(120)))
                }
                try await pause(attempt, BackoffPolicy.retryAfter(resp.headers))
            default:
                throw ExtractError.httpStatus(url: url, status: resp.status, snippet: String(resp.bodyText.prefix(200)))
            }
        }
    }

    private func pause(_ attempt: Int, _ retryAfter: Duration?) async throws {
        let d = options.backoff.delay(retry: attempt, retryAfter: retryAfter, using: &rng)
        try await Task.sleep(for: d)
    }
}

