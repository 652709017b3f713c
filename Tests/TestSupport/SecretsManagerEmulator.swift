import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// AWS Secrets Manager on loopback for credentials-process tests: moto's server (PyPI `moto[server]`)
/// on 127.0.0.1 with a kernel-chosen port, driven with the real AWS CLI (`awscli`). `make test`
/// installs both with pip when missing; a test that needs them fails (never skips) without them.
public final class SecretsManagerEmulator: @unchecked Sendable {  // immutable after start; stop() once
    public let endpoint: String
    /// The environment for `aws`: dummy keys, no user configuration, the emulator as the
    /// Secrets Manager endpoint (`AWS_ENDPOINT_URL_SECRETS_MANAGER`), so the commands are exactly
    /// those of docs/credentials.md.
    public let environment: [String: String]
    private let process: Process
    private let dir: URL

    /// `aws` and `moto_server` from PATH, or a message saying how to install them.
    public static func tools() -> (aws: String, moto: String)? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        func find(_ n: String) -> String? {
            path.split(separator: ":").map { "\($0)/\(n)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let a = find("aws"), let m = find("moto_server") else { return nil }
        return (a, m)
    }

    public static let missingMessage = "the AWS CLI and moto's server are needed: `make test` installs them "
        + "(pip install 'moto[server]' awscli); both must be on PATH"

    private init(endpoint: String, environment: [String: String], process: Process, dir: URL) {
        self.endpoint = endpoint
        self.environment = environment
        self.process = process
        self.dir = dir
    }

    public static func start() throws -> SecretsManagerEmulator {
        guard let t = tools() else { throw EmulatorError.missing(missingMessage) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-moto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let logURL = dir.appendingPathComponent("moto.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: t.moto)
        p.arguments = ["-H", "127.0.0.1", "-p", "0"]
        // A file, not a pipe: werkzeug logs every request and nobody drains a pipe after start-up.
        p.standardOutput = log
        p.standardError = log
        try p.run()
        // werkzeug prints " * Running on http://127.0.0.1:PORT" once it listens.
        let deadline = Date().addingTimeInterval(20)
        var endpoint: String?
        while endpoint == nil, Date() < deadline, p.isRunning {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) { endpoint = String(text[r]) }
            else { usleep(20_000) }
        }
        guard let endpoint else {
            if p.isRunning { p.terminate(); p.waitUntilExit() }
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            throw EmulatorError.startFailed(String(text.suffix(500)))
        }
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = "testing"
        env["AWS_SECRET_ACCESS_KEY"] = "testing"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = endpoint
        return SecretsManagerEmulator(endpoint: endpoint, environment: env, process: p, dir: dir)
    }

    /// Stores a secret through the Secrets Manager JSON API (`CreateSecret`). Reading it back is
    /// what the tests exercise with the real CLI; storing it directly saves a CLI start (≈1 s).
    /// moto routes by the credential scope of the Authorization header; it checks no signature.
    public func createSecret(name: String, value: String) async throws {
        guard let url = URL(string: endpoint + "/") else { throw EmulatorError.cli("bad endpoint \(endpoint)") }
        var r = URLRequest(url: url)
        r.httpMethod = "POST"
        r.setValue("secretsmanager.CreateSecret", forHTTPHeaderField: "X-Amz-Target")
        r.setValue("application/x-amz-json-1.1", forHTTPHeaderField: "Content-Type")
        r.setValue("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
                   forHTTPHeaderField: "Authorization")
        r.httpBody = try JSONSerialization.data(withJSONObject: ["Name": name, "SecretString": value])
        let (data, resp) = try await URLSession.shared.data(for: r)
        guard (resp as? HTTPURLResponse)?.statusCode == 200 else { throw EmulatorError.cli(String(decoding: data, as: UTF8.self)) }
    }

    /// SIGKILL: werkzeug's server may take its time over SIGTERM, and nothing in it needs saving.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    public enum EmulatorError: Error, CustomStringConvertible {
        case missing(String), startFailed(String), cli(String)
        public var description: String {
            switch self {
            case .missing(let m): return m
            case .startFailed(let log): return "moto_server did not start: \(log)"
            case .cli(let e): return "aws failed: \(e)"
            }
        }
    }
}
