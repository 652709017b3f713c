import Common
import Foundation
import Testing
@testable import AvayaCM

@Suite struct EquivalenceTests {
    /// The generator's model, written in each format and read back, is the same typed content.
    @Test func generatedSiteRoundTripsThroughEveryFormat() throws {
        let site = SiteGenerator.generate(.sample)
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try SiteWriter.write(site, formats: SiteWriter.Format.allCases, to: dir.path)
        let expected = site.typedContent
        let sat = try AvayaReader.read(paths: [dir.appendingPathComponent("sat").path])
        let ossi = try AvayaReader.read(paths: [dir.appendingPathComponent("ossi").path])
        let smgr = try AvayaReader.read(paths: [dir.appendingPathComponent("smgr").path])
        #expect(differences(sat.model.typedContent, expected) == [])
        #expect(differences(ossi.model.typedContent, expected) == [])
        #expect(differences(smgr.model.typedContent.stations, expected.stations) == [])
        #expect(differences(smgr.model.typedContent.agents, expected.agents) == [])
        for r in [sat, ossi, smgr] {
            #expect(r.report.reconciles)
            #expect(r.diagnostics.filter { $0.severity != .note } == [])
        }
    }
}
