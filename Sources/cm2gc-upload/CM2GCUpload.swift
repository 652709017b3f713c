import ArgumentParser
import CLISupport
import BundleKit
import Common
import Foundation
import Upload

@main
struct CM2GCUpload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm2gc-upload",
        abstract: "Stage two: verify an approved bundle and ingest it into a Genesys Cloud org.",
        discussion: "Exit codes: 0 success; 1 refused, conflict, failed steps or drift; 2 usage, I/O or credentials; 75 another run holds the ledger (nothing done). See docs/upload.md and docs/operations.md.",
        version: ToolVersion.current,
        subcommands: [VerifyCommand.self, PlanCommand.self, ApplyCommand.self, StatusCommand.self, RollbackCommand.self,
                      ReconcileCommand.self]
    )

    /// Usage errors exit with 2 (the documented code).
    static func main() async { await main(usageExitCode: UploadExit.usage) }
}

/// The bundle and how it must be approved.
struct BundleArguments: ParsableArguments {
    @Option(name: .long, help: "Directory of trusted approver public keys (*.pub).")
    var trustedKeys: String?

    @Option(name: .long, help: "Approvals needed from distinct trusted approvers.")
    var requireApprovals: Int = 2

    @Argument(help: "The approved bundle (.tar or .tar.gz); approvals are read from BUNDLE.approvals/.")
    var bundle: String

    var url: URL { URL(fileURLWithPath: bundle) }
    var policy: VerificationPolicy {
        VerificationPolicy(trustedKeys: trustedKeys.map { URL(fileURLWithPath: $0) }, requiredApprovals: requireApprovals)
    }
}

/// Where the org is and how to reach it. Secrets: GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET, --credentials or --credentials-process.
struct ConnectionArguments: ParsableArguments {
    @Option(name: .long, help: "One base URL for login and API (e.g. the sandbox http://127.0.0.1:PORT).")
    var baseURL: String?

    @Option(name: .long, help: "Genesys Cloud region: an AWS name (eu-west-1) or domain (mypurecloud.ie).")
    var region: String?

    @Option(name: .long, help: "API base URL (with --login-url).")
    var apiURL: String?

    @Option(name: .long, help: "Login base URL (with --api-url).")
    var loginURL: String?

    @Option(name: .long, help: "Credentials file, mode 0600: JSON {\"client_id\",\"client_secret\"} or a JSON array of them (a pool of OAuth clients), or GENESYS_CLIENT_ID=/GENESYS_CLIENT_SECRET= lines. Default: those environment variables.")
    var credentials: String?

    @Option(name: .long, help: ArgumentHelp("Command printing {\"clientId\",\"clientSecret\"} as JSON on stdout (Vault, AWS Secrets Manager, Azure Key Vault: docs/credentials.md). Split into words like a shell without expansions; not run by a shell.", valueName: "CMD"))
    var credentialsProcess: String?

    @Option(name: .long, help: "HTTP(S) proxy URL (default: HTTPS_PROXY from the environment).")
    var proxy: String?

    @Option(name: .long, help: "CA bundle (PEM) to trust instead of the system store.")
    var caBundle: String?

    @Option(name: .long, help: "Client certificate (PEM) for mutual TLS.")
    var clientCert: String?

    @Option(name: .long, help: "Client key (PEM) for mutual TLS.")
    var clientKey: String?

    @Option(name: .long, help: "Requests per minute per OAuth client.")
    var rate: Int = 270

    @Option(name: .long, help: "Seconds before a request times out.")
    var requestTimeout: Int = 60

    var options: ConnectionOptions {
        var o = ConnectionOptions()
        o.baseURL = baseURL
        o.region = region
        o.apiURL = apiURL
        o.loginURL = loginURL
        o.credentialsFile = credentials
        o.credentialsProcess = credentialsProcess
        o.proxy = proxy
        o.caBundle = caBundle
        o.clientCertificate = clientCert
        o.clientKey = clientKey
        o.requestsPerMinute = rate
        o.requestTimeout = .seconds(max(1, requestTimeout))
        return o
    }
}

struct RunArguments: ParsableArguments {
    @Option(name: .long, help: "Concurrent requests inside a phase.")
    var workers: Int = 4

    @Option(name: .long, help: "Ledger file (default BUNDLE.ledger.sqlite).")
    var ledger: String?

    @Option(name: .long, help: "Results log (default BUNDLE.results.jsonl).")
    var results: String?

    @Option(name: .long, help: "Circuit breaker: stop after this many failures in a row.")
    var maxConsecutiveFailures: Int = 10

    @Option(name: .long, help: "Circuit breaker: stop when more than this share of the last 50 units failed.")
    var maxFailureRate: Double = 0.5

    @Option(name: .long, help: "Give up waiting for one flow job (flow publishing) after this many seconds.")
    var flowTimeout: Int = 900

    var options: RunOptions {
        var o = RunOptions()
        o.workers = max(1, workers)
        o.ledgerPath = ledger
        o.resultsPath = results
        o.maxConsecutiveFailures = max(1, maxConsecutiveFailures)
        o.maxFailureRate = min(1, max(0, maxFailureRate))
        o.flowJobs.timeout = .seconds(max(1, flowTimeout))
        return o
    }
}

struct OutputArguments: ParsableArguments {
    @Flag(name: .long, help: "No progress output; only the final summary.")
    var quiet = false

    @Flag(name: .long, help: "Machine-readable output: JSON-line events, then a summary object, on stdout.")
    var json = false

    var mode: ProgressMode { json ? .json : quiet ? .quiet : .terminal }
}

enum CLI {
    /// Prints the error (a JSON object on stdout with --json) and returns the exit code.
    static func fail(_ error: any Error, json: Bool) -> ExitCode {
        let code = UploadExit.code(for: error)
        let message = Redactor.standard.redact(error.localizedDescription)
        if json {
            let o: JSONValue = ["event": "error", "error": .string(message), "exit_code": .int(Int64(code))]
            print(o.canonicalText())
        }
        FileHandle.standardError.write(Data("cm2gc-upload: error: \(message)\n".utf8))
        return ExitCode(code)
    }

    static func finish(text: String, json: JSONValue, asJSON: Bool, exitCode: Int32) throws {
        if asJSON { print(json.canonicalText()) } else { print(text, terminator: "") }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// Runs `body` so that SIGINT/SIGTERM cancel it: in-flight requests end, the ledger stays
    /// consistent and the next run resumes.
    static func cancellable<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { task.cancel() }
            src.resume()
            sources.append(src)
        }
        defer { sources.forEach { $0.cancel() } }
        return try await task.value
    }
}
