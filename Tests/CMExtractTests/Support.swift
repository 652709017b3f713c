import AvayaCM
import CMExtract
import Common
import Foundation
import Sandbox

enum Paths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repo = testsDir.deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repo.appendingPathComponent("samples")
    static let sat = samples.appendingPathComponent("sat").path
    static let mapping = samples.appendingPathComponent("mapping.yaml").path
}

/// A unique temporary directory per test (tests run in parallel in one process).
func tempDir(_ tag: String = #function) throws -> URL {
    let name = tag.filter { $0.isLetter || $0.isNumber }
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-extract-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

enum Fixture {
    /// The sample site as the SAT captures give it (read once).
    static let satModel: SiteModel = {
        (try? AvayaReader.read(paths: [Paths.sat]).model) ?? SiteModel()
    }()

    static let credentials = CMCredentials(username: "cm2gc", password: Secret("sandbox"))

    /// A sandbox that answers every request after `ms` milliseconds (so a pull can be caught mid-run).
    static func slowSandbox(ms: Int) async throws -> CMSandbox {
        var f = CMFaultConfig()
        f.latencyRate = 1
        f.latencyMilliseconds = ms
        return try await sandbox(faults: f)
    }

    static func sandbox(faults: CMFaultConfig = .init(), site: SiteModel = satModel) async throws -> CMSandbox {
        var c = CMSandboxConfig(site: site)
        c.faults = faults
        return try await CMSandbox.start(c)
    }

    /// Options for a quick, test-sized pull: generous budget, short backoff, seeded jitter.
    static func options(_ sb: CMSandbox, kind: SourceKind, stage: URL, rate: Double = 500, pageSize: Int = 25) -> ExtractOptions {
        var o = ExtractOptions(from: kind == .rest ? sb.restURL : sb.baseURL, kind: kind, stage: stage.path, credentials: credentials)
        o.pageSize = pageSize
        o.connection.rate = rate
        o.connection.jitterSeed = 7
        o.connection.backoff = BackoffPolicy(maxAttempts: 12, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50),
                                             maxRetryAfter: .milliseconds(100))
        o.connection.http.connectTimeout = .seconds(2)
        o.connection.http.requestTimeout = .seconds(10)
        return o
    }

    /// Records in the site over all REST datasets.
    static func recordCount(_ m: SiteModel) throws -> Int {
        try CMRestDataset.allCases.reduce(0) { $0 + (try $1.records(of: m).count) }
    }
}
