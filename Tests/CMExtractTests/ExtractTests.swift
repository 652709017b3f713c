import AvayaCM
import CMExtract
import Common
import Foundation
import Migration
import Sandbox
import Testing

@Suite(.timeLimit(.minutes(2))) struct ExtractTests {
    static let created: Int64 = 1_767_225_600

    static func build(_ sources: [String], to dir: URL, name: String, previous: URL? = nil) throws -> StageOne.Result {
        try StageOne.build(.init(sources: sources, configPath: Paths.mapping, output: dir.appendingPathComponent(name),
                                 previous: previous, created: created))
    }

    /// REST contract: extract the sample site, build from the store; the content model, and so
    /// the source fingerprint and bundle id (payload manifest), equal building from the SAT captures.
    @Test func restExtractionBuildsTheSameBundleAsTheSATCaptures() async throws {
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = dir.appendingPathComponent("site.sqlite")
        let s = try await Extractor.run(Fixture.options(sb, kind: .rest, stage: stage))
        #expect(s.counts["fetched"] == (try Fixture.recordCount(Fixture.satModel)))
        #expect(s.counts["deleted"] == nil)

        let staged = try StagingStore.readModel(stage.path)
        #expect(staged.model.content == Fixture.satModel.content)
        #expect(staged.report.reconciles)

        let fromStore = try Self.build([stage.path], to: dir, name: "store.tar")
        let fromSAT = try Self.build([Paths.sat], to: dir, name: "sat.tar")
        #expect(fromStore.bundle.metadata.sourceFingerprint == fromSAT.bundle.metadata.sourceFingerprint)
        #expect(fromStore.bundle.metadata.bundleID == fromSAT.bundle.metadata.bundleID)
        #expect(fromStore.bundle.metadata.counts == fromSAT.bundle.metadata.counts)
        // Payload bytes are identical too; only provenance (diff log `source`) names the store.
        for p in fromSAT.bundle.files.paths where p.hasPrefix("payloads/") {
            #expect(fromStore.bundle.files[p] == fromSAT.bundle.files[p], "\(p)")
        }
        let runs = try StagingStore(path: stage.path).runs()
        #expect(runs.count == 1 && runs.first?.status == "succeeded" && runs.first?.watermark != nil)
    }

    /// pbxd v3: list + display per object, read through the OSSI field mapping, gives the model
    /// the OSSI reader gives for the OSSI rendering of the same site.
    @Test func pbxdExtractionMatchesTheOSSIReaderOnTheSameSite() async throws {
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = dir.appendingPathComponent("pbxd.sqlite")
        let s = try await Extractor.run(Fixture.options(sb, kind: .pbxd, stage: stage))
        #expect(s.requests > 100)
        let staged = try StagingStore.readModel(stage.path)
        let sink = TextSink()
        for sec in SiteSection.allCases { OSSIWriter.write(Fixture.satModel, section: sec, to: sink) }
        let viaOSSI = AvayaReader.read(text: sink.text, name: "ossi")
        #expect(staged.model.content == viaOSSI.model.content)
        #expect(staged.model.stations.count == 60 && staged.model.agents.count == 30)
        #expect(staged.diagnostics.filter { $0.severity == .error } == [])

        // Building from the pbxd store equals building from the OSSI text of the site.
        let ossiFile = dir.appendingPathComponent("site.ossi.txt")
        try Data(sink.text.utf8).write(to: ossiFile)
        let a = try Self.build([stage.path], to: dir, name: "pbxd.tar")
        let b = try Self.build([ossiFile.path], to: dir, name: "ossi.tar")
        #expect(a.bundle.metadata.bundleID == b.bundle.metadata.bundleID)
    }

    /// Three records changed and one deleted: the incremental pull fetches only those three (the
    /// journal says so), tombstones the deleted one, and `build --previous` marks exactly the
    /// payloads that a build from the changed site's captures marks.
    @Test func incrementalRestPullFetchesOnlyChangesAndRecordsDeletions() async throws {
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = dir.appendingPathComponent("site.sqlite")
        let o = Fixture.options(sb, kind: .rest, stage: stage)
        _ = try await Extractor.run(o)
        let before = try Self.build([stage.path], to: dir, name: "before.tar")
        let beforeSAT = try Self.build([Paths.sat], to: dir, name: "before-sat.tar")

        try await sb.engine.modify(.stations, id: "3001", set: ["name": "Renamed, Station"])
        try await sb.engine.modify(.huntGroups, id: "1", set: ["name": "Sales Renamed"])
        try await sb.engine.modify(.agents, id: Fixture.satModel.agents.keys.sorted()[0], set: ["name": "Agent Renamed"])
        let victim = SiteModel.sortedKeys(Fixture.satModel.vdns).last ?? ""
        try await sb.engine.delete(.vdns, id: victim)
        let mark = await sb.engine.lastSeq

        var inc = o
        inc.incremental = true
        let s = try await Extractor.run(inc)
        #expect(s.mode == "incremental")
        #expect(s.counts["fetched"] == 3)
        #expect(s.counts["changed"] == 3)
        #expect(s.deleted == ["vdns/\(victim)"])
        let journal = await sb.engine.journalEntries(since: mark)
        #expect(journal.reduce(0) { $0 + $1.returned } == 3, "full records served: only the three changed")
        #expect(journal.allSatisfy { $0.query.contains("modifiedSince=") || $0.query.contains("view=keys") })

        let store = try StagingStore(path: stage.path)
        #expect(try store.keys(.vdns, deleted: true) == [victim])
        #expect(try store.changedKeys(.stations, run: s.run) == ["3001"])

        // The delta the store gives equals the delta of the changed site's own captures.
        let after = try Self.build([stage.path], to: dir, name: "after.tar", previous: dir.appendingPathComponent("before.tar"))
        let changedSite = dir.appendingPathComponent("changed-sat")
        _ = try SiteWriter.write(await sb.engine.site, formats: [.sat], to: changedSite.path)
        let ref = try Self.build([changedSite.path], to: dir, name: "after-sat.tar", previous: dir.appendingPathComponent("before-sat.tar"))
        #expect(before.bundle.metadata.bundleID == beforeSAT.bundle.metadata.bundleID)
        #expect(after.delta == ref.delta)
        #expect((after.delta["update"] ?? 0) >= 1 && (after.delta["delete"] ?? 0) >= 1, "\(after.delta)")
        #expect(after.bundle.metadata.bundleID == ref.bundle.metadata.bundleID)

        // A second incremental run with no change fetches nothing.
        let again = try await Extractor.run(inc)
        #expect(again.counts["fetched"] == nil && again.deleted.isEmpty)
    }

    /// pbxd delta: lists re-read, only objects whose list row changed are displayed again.
    @Test func incrementalPbxdPullRefetchesChangedListRows() async throws {
        let dir = try tempDir()
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = dir.appendingPathComponent("pbxd.sqlite")
        var o = Fixture.options(sb, kind: .pbxd, stage: stage)
        _ = try await Extractor.run(o)
        try await sb.engine.modify(.stations, id: "3002", set: ["name": "Changed, Name"])
        try await sb.engine.delete(.stations, id: "3059")
        let mark = await sb.engine.lastSeq
        o.incremental = true
        let s = try await Extractor.run(o)
        let displays = await sb.engine.journalEntries(since: mark).compactMap(\.command).filter { $0.hasPrefix("display ") && $0.contains("station") }
        #expect(displays == ["display station 3002"])
        #expect(s.deleted == ["stations/3059"])
        #expect(try StagingStore.readModel(stage.path).model.stations["3002"]?.name == "Changed, Name")
    }
}
