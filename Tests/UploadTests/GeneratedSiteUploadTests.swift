import AvayaCM
import BundleKit
import Common
import Foundation
import GenesysCloud
import Migration
import Testing
@testable import Upload

/// A small generated site, through stage one and the contract-enforcing sandbox: everything the
/// transform writes is something Genesys's SDK declares (operations, query parameters, body
/// models, no read-only fields), and many-line stations are split by phone_maxLineKeys.
@Suite struct GeneratedSiteUploadTests {
    /// A sandbox holding the site samples/mapping.yaml puts phones in (as demo.sh seeds it), and
    /// run options that poll flow jobs quickly. The platform's 300 requests/min per token would
    /// make a whole-site upload take minutes, so the budget is raised.
    static func siteOrg() async throws -> (SandboxOrg, RunOptions) {
        var settings = SandboxOrg.Settings()
        settings.rateLimit = 30_000
        let org = try await SandboxOrg.start(settings)
        _ = try await org.seed(["locations": [["id": "00000000-0000-4000-8000-00000000f001", "name": "Frankfurt"]],
                                "sites": [["name": "Frankfurt HQ", "location": ["id": "00000000-0000-4000-8000-00000000f001"]]]])
        var o = RunOptions()
        o.flowJobs.firstPoll = .milliseconds(100)
        return (org, o)
    }

    @Test func aGeneratedSiteUploadsThroughTheSDKContract() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try makeTempDir()
        let site = dir.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try SiteWriter.write(SiteGenerator.generate(SiteProfile(stations: 20, agents: 6, huntGroups: 2, vectors: 1, vdns: 1, seed: 7)),
                             formats: [.sat], to: site.path)
        let bundle = dir.appendingPathComponent("generated.tar")
        _ = try StageOne.build(.init(sources: [site.path], configPath: root.appendingPathComponent("samples/mapping.yaml").path,
                                     output: bundle, created: 1_735_689_600))
        let approvers = try Approvers(in: dir)
        try approvers.approve(bundle)
        let (org, o) = try await Self.siteOrg()
        defer { Task { await org.stop() } }
        let report = try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(report.complete, "\(report.text)")
        // Nothing the sandbox refused as outside the contract.
        let refused = try await org.journal().filter { [400, 404].contains($0["status"]?.intValue ?? 0) }
        #expect(refused.isEmpty, "\(refused.prefix(5))")
        let phones = try await org.live("phones")
        #expect(!phones.isEmpty)
        let rec = try await UploadOperations.reconcile(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(rec.clean, "\(rec.text)")
    }
}
