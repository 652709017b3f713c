import Common
import Foundation
import Testing
@testable import AvayaCM

@Suite struct SampleTests {
    static func read(_ sub: String) throws -> ReadResult {
        try AvayaReader.read(paths: [Paths.samples.appendingPathComponent(sub).path])
    }

    /// The committed SAT, OSSI and SMGR copies of the sample site produce the same typed model,
    /// field by field, modulo source locations and untyped extras.
    @Test func committedSamplesAgreeAcrossFormats() throws {
        let sat = try Self.read("sat"), ossi = try Self.read("ossi"), smgr = try Self.read("smgr")
        let s = sat.model.typedContent, o = ossi.model.typedContent, x = smgr.model.typedContent
        #expect(differences(s, o) == [])
        #expect(differences(s.stations, x.stations) == [])
        #expect(differences(s.agents, x.agents) == [])
        #expect(s.stations.count == 60 && s.agents.count == 30 && s.huntGroups.count == 8)
        #expect(s.vectors.count == 6 && s.vdns.count == 6 && s.tenants.count == 2)
        for r in [sat, ossi, smgr] {
            #expect(r.report.reconciles)
            #expect(r.diagnostics.filter { $0.severity != .note } == [], "\(r.diagnostics)")
        }
    }

    /// The committed samples are what the generator's sample profile produces (touches change
    /// layout only), so regenerating cannot silently drift.
    @Test func committedSamplesMatchTheGenerator() throws {
        let generated = SiteGenerator.generate(.sample).typedContent
        #expect(differences(try Self.read("sat").model.typedContent, generated) == [])
    }

    @Test func sampleHasTheAdvertisedShapes() throws {
        let m = try Self.read("sat").model
        #expect(m.stations["3000"]?.callAppearanceCount == 14)
        #expect(m.stations["3001"]?.name == "Müller, Jürgen")
        #expect(m.stations.values.contains { $0.buttons.contains { $0.bridgedExtension == "3000" } })
        let types = Set(m.huntGroups.values.compactMap(\.groupType))
        #expect(types.isSuperset(of: ["ucd-mia", "ead-mia", "circ", "ddc"]))
        #expect(m.huntGroups.values.contains { $0.acd == false })
        #expect(m.huntGroups["8"]?.members.count == 20)
        #expect(m.vectors["1"]?.steps.count == 12)
        // Coverage chain 1 → 2 → 3 → 1 loops.
        #expect(m.coveragePaths["1"]?.nextPath == 2 && m.coveragePaths["3"]?.nextPath == 1)
        #expect(m.agents.values.contains { $0.skills.contains { $0.reserveLevel != nil } })
        #expect(m.holidayTables["1"]?.entries.contains { $0.startMonth == 3 && $0.endDay == 31 } == true)
        let kinds = Set(m.vectors.values.flatMap { $0.steps.compactMap { $0.parsed?.kind } })
        #expect(kinds.isSuperset(of: ["announcement", "wait-time", "queue-to", "collect", "goto", "route-to"]))
        #expect(m.vectors.values.contains { $0.steps.contains { $0.parsed?.args["subject"] == "time-of-day" } })
        #expect(m.vectors.values.contains { $0.steps.contains { $0.parsed?.args["subject"] == "holiday" } })
    }

    @Test func mergedSamplesKeepSMGRPeopleAndOneRecordPerKey() throws {
        let r = try AvayaReader.read(paths: [Paths.samples.path])
        #expect(r.model.stations.count == 60)
        #expect(r.model.users.count == 60)
        #expect(r.model.users.values.filter { $0.commProfileSets.count == 2 }.count == 30)
        #expect(r.report.reconciles)
        #expect((r.model.sources["station:3000"]?.count ?? 0) >= 3)
    }
}
