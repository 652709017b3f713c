import ArgumentParser
import Common
import Foundation
import Sandbox

@main
struct CM2GCSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm2gc-sandbox",
        abstract: "Local, loopback-only stand-ins for Genesys Cloud and CM REST interfaces.",
        version: ToolVersion.current,
        subcommands: [Genesys.self, CM.self]
    )
}

/// Thin: options → `GenesysSandboxConfig` → `GenesysSandbox.run`. All behaviour is in Sandbox.
struct Genesys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesys",
        abstract: "A contract-faithful local stand-in for the Genesys Cloud Platform API v2.",
        discussion: """
        Prints one line `listening http://HOST:PORT` once bound, then serves until SIGTERM/SIGINT \
        (state is flushed on the way out). Binds loopback only.

        Secrets: prefer --clients-file (mode 0600, one id:secret per line) or the environment \
        variable CM2GC_SANDBOX_CLIENTS=id:secret[,id:secret]. --client puts the secret on the \
        command line and is meant for throwaway test runs only.

        Sandbox endpoints (no token): GET /sandbox/journal, GET /sandbox/state, POST /sandbox/seed, \
        POST /sandbox/reset. See docs/sandbox.md.
        """
    )

    @Option(help: "Loopback address to bind: 127.0.0.1 or ::1 (others are refused).")
    var host = "127.0.0.1"
    @Option(help: "Port; 0 picks any free port.")
    var port = 0

    @Option(name: .customLong("client"), help: "OAuth client id:secret (repeatable; test runs only — see --clients-file).")
    var clients: [String] = []
    @Option(help: "File of id:secret lines, mode 0600.")
    var clientsFile: String?
    @Option(help: "Access-token lifetime in seconds.")
    var tokenLifetime: Double = 86_400

    @Option(help: "Requests per token per window (0 disables the limiter).")
    var rateLimit = 300
    @Option(help: "Rate-limit window in seconds.")
    var rateWindow: Double = 60
    @Option(help: "Rate-limit window kind: sliding or fixed.")
    var rateMode = "sliding"
    @Option(help: "Per-endpoint limit per token, 'METHOD /path/*=N[/SECONDS]' (repeatable; replaces the default IVR PUT 100/min).")
    var endpointLimit: [String] = []

    @Option(help: "Seed for fault injection (same seed + same request order = same faults).")
    var faultSeed: UInt64 = 1
    @Option(name: .customLong("fault-5xx"), help: "Probability (0–1) of answering 5xx instead.")
    var fault5xx: Double = 0
    @Option(name: .customLong("fault-5xx-status"), help: "5xx statuses to inject, comma-separated.")
    var fault5xxStatus = "503"
    @Option(help: "Probability (0–1) of closing the connection without a response.")
    var faultDrop: Double = 0
    @Option(help: "Probability (0–1) of adding --latency-ms before answering.")
    var faultLatency: Double = 0
    @Option(help: "Injected latency in milliseconds.")
    var latencyMs = 500
    @Option(help: "Share (0–1) of 5xx/drop faults that strike after the request took effect.")
    var faultAfterCommit: Double = 0.5

    @Option(help: "Seconds before writes become visible to /users/search and /groups/search.")
    var searchLag: Double = 0
    @Flag(help: "Also delay name/DNIS-filtered list results by --search-lag.")
    var searchLagLists = false
    @Option(help: "Seconds a flow job stays Started before Success/Failure.")
    var flowJobSeconds: Double = 1
    @Option(help: "Sandbox clock speed: 60 = one sandbox minute per real second (token expiry, windows, lag).")
    var timeScale: Double = 1

    @Option(help: "State file: loaded at start, rewritten atomically after changes.")
    var state: String?
    @Option(help: "JSON seed file: {\"queues\": [{...}], \"users\": [...]} created at start (ignored when --state exists).")
    var seed: String?
    @Option(help: "Seed for generated ids.")
    var idSeed: UInt64 = 0x5EED_CAFE

    @Flag(help: "Accept body fields the endpoint's model does not have (the platform is believed to ignore them).")
    var allowUnknownFields = false
    @Flag(help: "Accept read-only fields in request bodies.")
    var allowReadOnlyFields = false
    @Flag(help: "Accept query parameters the operation does not declare in Genesys's SDK.")
    var allowUndeclaredQuery = false
    @Flag(help: "Allow user extensions outside every extension pool.")
    var noExtensionPoolCheck = false
    @Flag(help: "Allow user WORK numbers and IVR DNIS outside every DID pool.")
    var noDidPoolCheck = false
    @Option(help: "Status for a stale version: 409 (documented) or 400.")
    var versionConflictStatus = 409
    @Option(help: "Duplicate rule override 'kind=allow' or 'kind=STATUS:code' (repeatable).")
    var duplicate: [String] = []
    @Option(help: "Journal entries kept in memory.")
    var journalLimit = 100_000

    func run() async throws {
        var c = GenesysSandboxConfig()
        c.host = host
        c.port = port
        if let env = ProcessInfo.processInfo.environment["CM2GC_SANDBOX_CLIENTS"] {
            c.clients.merge(try GenesysSandboxConfig.parseClientList(env.split(separator: ",").map(String.init))) { $1 }
        }
        if let f = clientsFile { c.clients.merge(try GenesysSandboxConfig.loadClientsFile(f)) { $1 } }
        c.clients.merge(try GenesysSandboxConfig.parseClientList(clients)) { $1 }
        if c.clients.isEmpty {
            throw ValidationError("no OAuth clients: use --clients-file, CM2GC_SANDBOX_CLIENTS or --client")
        }
        c.tokenLifetimeSeconds = tokenLifetime
        c.rateLimit.enabled = rateLimit > 0
        c.rateLimit.requestsPerWindow = max(rateLimit, 1)
        c.rateLimit.windowSeconds = rateWindow
        guard let mode = RateLimitConfig.Mode(rawValue: rateMode) else { throw ValidationError("--rate-mode is sliding or fixed") }
        c.rateLimit.mode = mode
        if !endpointLimit.isEmpty { c.rateLimit.endpointLimits = try endpointLimit.map { try EndpointLimit.parse($0) } }
        c.faults.seed = faultSeed
        c.faults.serverErrorRate = fault5xx
        c.faults.serverErrorStatuses = fault5xxStatus.split(separator: ",").compactMap { Int($0) }
        c.faults.dropRate = faultDrop
        c.faults.latencyRate = faultLatency
        c.faults.latencyMilliseconds = latencyMs
        c.faults.afterCommitShare = faultAfterCommit
        c.searchLagSeconds = searchLag
        c.searchLagAppliesToListFilters = searchLagLists
        c.flowJobSeconds = flowJobSeconds
        if timeScale != 1 { c.clock = ScaledClock(factor: timeScale) }
        c.statePath = state
        c.idSeed = idSeed
        c.journalLimit = journalLimit
        c.rules.rejectUnknownFields = !allowUnknownFields
        c.rules.rejectReadOnlyFields = !allowReadOnlyFields
        c.rules.rejectUndeclaredQueryParameters = !allowUndeclaredQuery
        c.rules.requireExtensionInPool = !noExtensionPoolCheck
        c.rules.requireDidInPool = !noDidPoolCheck
        guard versionConflictStatus == 409 || versionConflictStatus == 400 else { throw ValidationError("--version-conflict-status is 409 or 400") }
        c.rules.versionConflictStatus = versionConflictStatus
        for d in duplicate {
            let (k, rule) = try DuplicateRule.parse(d)
            c.rules.duplicates[k] = rule
        }
        if let seed { c.seed = try GenesysSandboxConfig.loadSeed(seed) }
        // Unbuffered: a parent process waits for this line on a pipe.
        try await GenesysSandbox.run(c) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
