import Common
import Foundation
import Testing
@testable import AvayaCM

/// Golden tests: every fixture is read and its typed model, counts and diagnostic codes are
/// compared with `Fixtures/golden/<fixture>.json`. Set AVAYACM_UPDATE_GOLDEN=1 to rewrite them
/// (then review the diff). Fixtures named `*-verbatim-*` are copied from real captures quoted in
/// research §1/§2; `*-reconstructed-*` from its reconstructed layouts.
@Suite struct GoldenTests {
    static let fixtures: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: Paths.fixtures.path)) ?? []
        return all.filter { !$0.hasPrefix(".") && $0 != "golden" && $0 != "README.md" }.sorted()
    }()

    struct Golden: Codable, Equatable {
        var model: SiteModel
        var counts: [String: KindCount]
        var diagnostics: [String]
    }

    static func golden(for name: String) throws -> Golden {
        let r = try AvayaReader.read(paths: [Paths.fixture(name)])
        var counts: [String: KindCount] = [:]
        for (k, v) in r.report.counts { counts[k.rawValue] = v }
        // Codes and lines only: messages may be reworded without breaking goldens.
        let diags = r.diagnostics.map { "\($0.severity.rawValue) \($0.code) @\($0.location?.line ?? 0)" }
        var model = r.model
        model.sources = [:]
        return Golden(model: model, counts: counts, diagnostics: diags)
    }

    @Test(arguments: GoldenTests.fixtures)
    func fixtureMatchesGolden(_ name: String) throws {
        let got = try Self.golden(for: name)
        let dir = Paths.fixtures.appendingPathComponent("golden")
        let file = dir.appendingPathComponent(name + ".json")
        let data = try CanonicalJSON.data(got, pretty: true)
        if ProcessInfo.processInfo.environment["AVAYACM_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: file)
            return
        }
        let want = try #require(FileManager.default.contents(atPath: file.path), "missing golden \(file.lastPathComponent); run with AVAYACM_UPDATE_GOLDEN=1")
        let expected = try JSONDecoder().decode(Golden.self, from: want)
        #expect(differences(got, expected) == [], "\(name)")
    }
}

/// Explicit checks of the facts that matter, so goldens are not the only guard.
@Suite struct ScreenTests {
    static func read(_ f: String) throws -> ReadResult { try AvayaReader.read(paths: [Paths.fixture(f)]) }

    @Test func verbatimVectorsKeepStepsAndParseKnownKinds() throws {
        let m = try Self.read("sat-verbatim-vectors.txt").model
        let v5 = try #require(m.vectors["5"])
        #expect(v5.name == "615-00-00 HG75099")
        #expect(v5.steps.count == 7)
        #expect(v5.steps[0].text == "goto step 7 if ani in table 1")
        #expect(v5.steps[2].parsed?.kind == "collect")
        #expect(v5.steps[2].parsed?.args["announcement"] == "71012")
        #expect(v5.steps[5].parsed?.args["number"] == "75099")
        #expect(v5.steps[6].parsed?.args["announcement"] == "71014")
        #expect(m.vectors["1"]?.steps.last?.parsed?.kind == "stop")
    }

    @Test func verbatimVDN() throws {
        let v = try #require(Self.read("sat-verbatim-vdn.txt").model.vdns["7799"])
        #expect(v.name == "Test" && v.vectorNumber == 1 && v.cor == 1 && v.tenant == 1)
    }

    @Test func verbatimCollapsedCoveragePath() throws {
        let c = try #require(Self.read("sat-verbatim-coverage-collapsed.txt").model.coveragePaths["2"])
        #expect(c.nextPath == nil && c.huntAfterCoverage == false && c.dontAnswerRings == 2)
        #expect(c.inside.busy == true && c.outside.dontAnswer == true && c.inside.all == false)
        #expect(c.points.isEmpty)
    }

    @Test func verbatimCollapsedHuntGroupMembers() throws {
        let h = try #require(Self.read("sat-verbatim-hunt-collapsed.txt").model.huntGroups["11"])
        #expect(h.extension == "5000" && h.groupType == "ucd")
        #expect(h.members == ["5001", "5002", "5003", "5004"])
    }

    @Test func verbatimDialPlanThreeColumnGroups() throws {
        let d = try Self.read("sat-verbatim-dialplan.txt").model.dialPlan
        #expect(d.count == 17)
        #expect(d["#4/4"]?.callType == "dac")
        #expect(d["88/6"]?.callType == "ext")
        #expect(d["9/1"]?.callType == "fac")
    }

    @Test func unknownScreensAreSkippedWithANote() throws {
        let r = try Self.read("sat-verbatim-other-screens.txt")
        #expect(r.model.typedContent == SiteModel())
        #expect(r.diagnostics.filter { $0.code == "sat.unknown-screen" }.count == 5)
    }

    @Test func reconstructedStation() throws {
        let s = try #require(Self.read("sat-reconstructed-station.txt").model.stations["3001"])
        #expect(s.name == "Smith, John" && s.setType == "9611" && s.port == "S00012")
        #expect(s.cor == 1 && s.cos == 1 && s.tenant == 1 && s.coveragePath1 == "1" && s.coveragePath2 == nil)
        #expect(s.hasSecurityCode == true && s.ec500State == "enabled")
        #expect(s.buttons.first { $0.number == 5 }?.bridgedExtension == "3002")
        #expect(s.buttons.first { $0.number == 6 }?.parameters["number"] == "918005551212")
        #expect(s.buttons.first { $0.number == 8 }?.parameters == ["reason": "1", "group": "1"])
        #expect(s.buttons.contains { $0.number == 12 && $0.type == "after-call" })
        #expect(s.extra["Lock Messages"] == "n")
        // The code itself never reaches the model.
        #expect(!s.extra.keys.contains { $0.lowercased().contains("security") })
    }

    @Test func vtStreamIsDeescaped() throws {
        let s = try #require(Self.read("sat-vt-stream-station.txt").model.stations["3001"])
        #expect(s.name == "Smith, John" && s.port == "S00012" && s.coveragePath1 == "1" && s.cor == 1)
    }

    @Test func reconstructedAgentSkillsUseColumns() throws {
        let a = try #require(Self.read("sat-reconstructed-agent.txt").model.agents["5001"])
        #expect(a.name == "Smith, John" && a.callHandlingPreference == "skill-level")
        #expect(a.skills == [AgentSkill(skill: 10, level: 1), AgentSkill(skill: 11, level: 2), AgentSkill(skill: 12, reserveLevel: 1)])
    }

    @Test func pageBreaksInsideMembersAndSteps() throws {
        let m = try Self.read("sat-page-breaks.txt").model
        #expect(m.huntGroups["2"]?.members == ["3101", "3102", "3103", "3104", "3105", "3106"])
        let v = try #require(m.vectors["12"])
        #expect(v.steps.map(\.number) == Array(1...9))
        #expect(v.steps[0].parsed?.args["fromTime"] == "17:00")
        #expect(v.steps[1].parsed?.args["subject"] == "holiday")
        #expect(v.steps[8].parsed?.args["number"] == "~r+13125550100")
    }

    @Test func cosMatrixAndCOR() throws {
        let m = try Self.read("sat-reconstructed-cor-cos.txt").model
        #expect(m.coses.count == 16)
        #expect(m.coses["1"]?.permissions["Auto Callback"] == true)
        #expect(m.coses["0"]?.permissions["Restrict Call Fwd-Off Net"] == true)
        #expect(m.cors["1"]?.description == "general" && m.cors["1"]?.frl == 0)
    }

    @Test func reasonHolidayPickup() throws {
        let m = try Self.read("sat-reconstructed-reason-holiday-pickup.txt").model
        #expect(m.reasonCodes["aux/3"]?.interruptible == true)
        #expect(m.reasonCodes["logout/1"]?.name == "End of Shift")
        #expect(m.reasonCodes["aux/0"]?.name == "AUX" && m.reasonCodes["logout/0"]?.name == "Logout")
        #expect(m.holidayTables["1"]?.entries.count == 2)
        #expect(m.pickupGroups["1"]?.members == ["3001", "3002"])
    }

    @Test func listScreensAreSummaries() throws {
        let m = try Self.read("sat-reconstructed-list-station.txt").model
        #expect(m.stations["3002"]?.port == "01A0301" && m.stations["3002"]?.setType == "2420")
        #expect(m.stations["3900"]?.port == "X")
    }

    @Test func ossiErrorRecordIsRejectedWithLine() throws {
        let r = try Self.read("ossi-reconstructed-error.txt")
        #expect(r.report.rejects.count == 1)
        #expect(r.report.rejects.first?.location.line == 2)
        #expect(r.report.rejects.first?.reason.contains("Extension not assigned") == true)
        #expect(r.report.counts[.station]?.rejected == 1)
    }

    @Test func ossiZeroRecordListAndVerbatimStreams() throws {
        let r = try Self.read("ossi-verbatim-pbxd.txt")
        #expect(r.model.typedContent == SiteModel())
        #expect(r.diagnostics.contains { $0.code == "ossi.empty-list" })
        #expect(r.report.rejects.isEmpty)
    }

    @Test func ossiContinuationLinesAndUnknownIds() throws {
        let r = try Self.read("ossi-sample-list-and-continuation.txt")
        let s = try #require(r.model.stations["3001"])
        #expect(s.name == "Müller, Jürgen" && s.port == "01A0302" && s.coveragePath1 == "1" && s.coveragePath2 == nil)
        #expect(s.tenant == 1 && s.cor == 2 && s.cos == 1 && s.hasSecurityCode == false)
        #expect(s.extra["ossi:9999ff00"] == "mystery")
        #expect(s.buttons.first { $0.number == 5 }?.bridgedExtension == "3000")
        #expect(s.buttons.first { $0.number == 6 }?.parameters["number"] == "4969123456")
        #expect(r.model.stations.count == 3)
        #expect(r.report.counts[.station]?.merged == 1)
        #expect(r.diagnostics.contains { $0.code == "ossi.empty-list" })
    }

    @Test func smgrTwoCommProfileSets() throws {
        let r = try Self.read("smgr-export-two-sets.xml")
        let u = try #require(r.model.users["aodegard@example.com"])
        #expect(u.commProfileSets == ["Primary", "Contact Center"])
        #expect(u.email == "aase.odegard@example.com")
        #expect(u.stationExtensions == ["351686"] && u.agentLoginIds == ["5686"])
        let s = try #require(r.model.stations["351686"])
        #expect(s.name == "Ødegård, Åse" && s.setType == "9608SIP" && s.port == "S02526" && s.cor == 5)
        #expect(s.hasSecurityCode == true && s.ec500State == "enabled")
        #expect(s.buttons.first { $0.number == 6 }?.parameters["number"] == "99811000")
        #expect(s.extra["smgr:stationSiteData.mounting"] == "d")
        let a = try #require(r.model.agents["5686"])
        #expect(a.skills == [AgentSkill(skill: 10, level: 1, percentAllocation: 70), AgentSkill(skill: 11, reserveLevel: 2, percentAllocation: 30)])
        #expect(a.callHandlingPreference == "percent-allocation" && a.name == "Ødegård, Åse")
        #expect(r.diagnostics.filter { $0.severity != .note } == [])
    }

    @Test func smgrZipWithSeveralFiles() throws {
        let r = try Self.read("smgr-export.zip")
        #expect(r.report.files.values.first == "zip")
        #expect(r.model.users.count == 2)
        #expect(r.model.stations.keys.sorted() == ["351686", "351687"])
        #expect(r.model.sources["station:351687"]?.first?.file.hasSuffix("smgr-export.zip!export/users_2.xml") == true)
        #expect(r.diagnostics.contains { $0.code == "zip.skipped" })
    }

    @Test func smgrVerbatimRequest() throws {
        let r = try Self.read("smgr-verbatim-request.xml")
        #expect(r.model.stations["300170"]?.cor == 1)
        #expect(r.model.users["vm-20200409-1@sip.avayacloud.com"]?.extra["sm.homeLocation"] == "Neubrandenburg")
    }
}
