import Common
import Foundation
import GenesysCloud

/// Where and how to reach the org. Secrets come from the environment or an owner-only file,
/// never from arguments.
public struct ConnectionOptions: Sendable {
    /// One base URL for both login and API (the sandbox: `http://127.0.0.1:PORT`).
    public var baseURL: String?
    /// A Genesys Cloud region (`eu-west-1`, `mypurecloud.ie`, …).
    public var region: String?
    /// Explicit hosts (both needed when used).
    public var apiURL: String?
    public var loginURL: String?
    /// A credentials file (mode 0600): JSON `{"client_id": …, "client_secret": …}`, a JSON array of
    /// those (a pool of OAuth clients), or `GENESYS_CLIENT_ID=…` / `GENESYS_CLIENT_SECRET=…` lines.
    public var credentialsFile: String?
    /// A command printing `{"clientId": …, "clientSecret": …}` (or the file's JSON forms) on
    /// stdout, run once per command (`CredentialProcess`; docs/credentials.md).
    public var credentialsProcess: String?
    public var proxy: String?
    public var caBundle: String?
    public var clientCertificate: String?
    public var clientKey: String?
    /// Requests per minute per OAuth client.
    public var requestsPerMinute: Int = 270
    public var burst: Int = 10
    public var requestTimeout: Duration = .seconds(60)
    public var maxAttempts: Int = 6
    /// Seed for retry jitter (tests); nil = random.
    public var randomSeed: UInt64?
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Transport override (tests record traffic through it); nil = libcurl with the options above.
    public var transport: (any HTTPTransport)?

    public init() {}

    public static let clientIDVariable = "GENESYS_CLIENT_ID"
    public static let clientSecretVariable = "GENESYS_CLIENT_SECRET"

    public func genesysEnvironment() throws -> GenesysEnvironment {
        let chosen = [baseURL != nil, region != nil, apiURL != nil || loginURL != nil].filter { $0 }.count
        guard chosen == 1 else {
            throw UploadError.usage("say where the org is with exactly one of --base-url, --region, or --api-url with --login-url")
        }
        if let baseURL { return .single(try Self.checkURL(baseURL, "--base-url")) }
        if let region {
            do { return try .region(region) } catch { throw UploadError.usage(error.localizedDescription) }
        }
        guard let apiURL, let loginURL else { throw UploadError.usage("--api-url and --login-url go together") }
        return GenesysEnvironment(apiBaseURL: try Self.checkURL(apiURL, "--api-url"), loginBaseURL: try Self.checkURL(loginURL, "--login-url"))
    }

    static func checkURL(_ s: String, _ option: String) throws -> String {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil,
              u.user == nil, u.password == nil else {
            throw UploadError.usage("\(option) must be an http(s) URL without credentials, got \"\(Redactor.standard.redact(s))\"")
        }
        return s
    }

    /// Reads the OAuth clients: the credentials process or file if given, else the environment variables.
    public func credentials() throws -> [OAuthClientCredentials] {
        if credentialsFile != nil, credentialsProcess != nil {
            throw UploadError.usage("give either --credentials or --credentials-process, not both")
        }
        if let command = credentialsProcess {
            let out: Secret
            do { out = try CredentialProcess.output(of: command, environment: environment) } catch {
                throw UploadError.credentials(error.localizedDescription)
            }
            return try Self.parseCredentials(out.value, source: "the --credentials-process output")
        }
        if let file = credentialsFile {
            let secret: Secret
            do { secret = try Secrets.read(.file(file)) } catch { throw UploadError.credentials(error.localizedDescription) }
            return try Self.parseCredentials(secret.value, source: file)
        }
        guard let id = environment[Self.clientIDVariable], !id.isEmpty else {
            throw UploadError.credentials("set \(Self.clientIDVariable) and \(Self.clientSecretVariable), or pass --credentials FILE (mode 0600)")
        }
        do {
            return [OAuthClientCredentials(clientId: id, clientSecret: try Secrets.read(.environment(Self.clientSecretVariable), environment: environment))]
        } catch {
            throw UploadError.credentials(error.localizedDescription)
        }
    }

    static func parseCredentials(_ text: String, source: String) throws -> [OAuthClientCredentials] {
        func one(_ o: JSONValue) throws -> OAuthClientCredentials {
            guard let id = (o["client_id"] ?? o["clientId"])?.stringValue, !id.isEmpty,
                  let secret = (o["client_secret"] ?? o["clientSecret"])?.stringValue, !secret.isEmpty else {
                throw UploadError.credentials("\(source): each entry needs client_id and client_secret")
            }
            return OAuthClientCredentials(clientId: id, clientSecret: Secret(secret))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            // The parse error text could quote the secret: say only where it failed.
            guard let v = try? JSONValue.parse(trimmed) else { throw UploadError.credentials("\(source): not valid JSON") }
            if let a = v.arrayValue {
                guard !a.isEmpty else { throw UploadError.credentials("\(source): empty list") }
                return try a.map(one)
            }
            return [try one(v)]
        }
        var values: [String: String] = [:]
        for line in trimmed.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespaces)
            guard !l.isEmpty, !l.hasPrefix("#"), let eq = l.firstIndex(of: "=") else { continue }
            let k = l[..<eq].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "export ", with: "")
            values[k] = String(l[l.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        }
        guard let id = values[clientIDVariable], let secret = values[clientSecretVariable], !id.isEmpty, !secret.isEmpty else {
            throw UploadError.credentials("\(source): expected JSON {\"client_id\", \"client_secret\"} or \(clientIDVariable)=… and \(clientSecretVariable)=… lines")
        }
        return [OAuthClientCredentials(clientId: id, clientSecret: Secret(secret))]
    }

    /// The client configuration (without building a client, so tests can adjust it).
    public func clientConfiguration() throws -> GenesysClientConfiguration {
        guard requestsPerMinute > 0 else { throw UploadError.usage("--rate must be a positive number of requests per minute") }
        var c = GenesysClientConfiguration(environment: try genesysEnvironment(), credentials: try credentials())
        c.pacing.requestsPerMinute = requestsPerMinute
        c.pacing.burst = max(1, burst)
        c.retry.maxAttempts = max(1, maxAttempts)
        c.randomSeed = randomSeed
        c.http.proxy = proxy
        c.http.caBundlePath = caBundle
        c.http.clientCertificatePath = clientCertificate
        c.http.clientKeyPath = clientKey
        c.http.requestTimeout = requestTimeout
        c.http.userAgent = "cm2gc-upload/\(ToolVersion.current)"
        return c
    }
}
