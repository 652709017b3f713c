import ArgumentParser
import AvayaCM
import Common
import Foundation
import Sandbox

/// `cm2gc-sandbox cm`: serves a CM site through pbxd v3 and our CM REST contract (loopback only).
struct CM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm",
        abstract: "A local CM stand-in: pbxd v3 (POST /<pbx>/v3/) and the CM REST contract (docs/cm-rest.md).",
        discussion: """
        Prints one line `listening http://HOST:PORT …` once bound, then serves until SIGTERM/SIGINT.
        The site comes from --site (SAT/OSSI/SMGR files or directories, e.g. samples/sat) or, without \
        it, the generator's sample profile. Basic-auth credentials: CM_SANDBOX_USERNAME / \
        CM_SANDBOX_PASSWORD (default cm2gc / sandbox — a throwaway test account).
        Admin: POST /sandbox/modify {"dataset","id","set"}, POST /sandbox/delete {"dataset","id"}, \
        GET /sandbox/journal?since=N.
        """)

    @Option(help: "Loopback address: 127.0.0.1 or ::1.")
    var host = "127.0.0.1"
    @Option(help: "Port; 0 picks a free port.")
    var port = 0
    @Option(help: "Site to serve: Avaya export files or directories (default: the generated sample site).")
    var site: [String] = []
    @Option(help: "pbxd PBX name.")
    var pbx = "cm"
    @Option(help: "REST contract base path.")
    var restBase = "/cm/v1"
    @Option(help: "Seed for fault injection.")
    var faultSeed: UInt64 = 1
    @Option(help: "Probability (0–1) of 429 with Retry-After.")
    var fault429: Double = 0
    @Option(help: "Retry-After seconds on injected 429s.")
    var retryAfter: Double = 1
    @Option(help: "Probability (0–1) of a 5xx.")
    var fault5xx: Double = 0
    @Option(help: "Probability (0–1) of dropping the connection unanswered.")
    var faultDrop: Double = 0
    @Option(help: "Probability (0–1) of added latency.")
    var faultLatency: Double = 0
    @Option(help: "Injected latency, milliseconds.")
    var latencyMs = 200

    func run() async throws {
        let model = site.isEmpty ? SiteGenerator.generate(.sample) : try AvayaReader.read(paths: site).model
        var c = CMSandboxConfig(site: model)
        c.host = host
        c.port = port
        c.pbxName = pbx
        c.restBase = restBase
        let env = ProcessInfo.processInfo.environment
        if let u = env["CM_SANDBOX_USERNAME"] { c.username = u }
        if let p = env["CM_SANDBOX_PASSWORD"] { c.password = p }
        c.faults.seed = faultSeed
        c.faults.rate429 = fault429
        c.faults.retryAfterSeconds = retryAfter
        c.faults.rate5xx = fault5xx
        c.faults.dropRate = faultDrop
        c.faults.latencyRate = faultLatency
        c.faults.latencyMilliseconds = latencyMs
        try await CMSandbox.run(c) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
