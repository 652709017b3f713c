import Common
import Foundation
import Testing
@testable import AvayaCM

/// Captures made the way engineers really make them (issue 12): session logs with error
/// screens, dropped sessions, ASA reports in Windows-1252, packed list columns, pasted noise,
/// OSSI from other releases, pbxd answers. Fixtures are described in Fixtures/README.md.
@Suite struct RealCaptureTests {
    static func read(_ f: String...) throws -> ReadResult { try AvayaReader.read(paths: f.map(Paths.fixture)) }

    static func codes(_ r: ReadResult, _ code: String) -> [Diagnostic] { r.diagnostics.filter { $0.code == code } }

    /// read = in model + merged + rejected, for every kind.
    static func reconciles(_ r: ReadResult) -> Bool {
        r.report.counts.values.allSatisfy { $0.read == $0.inModel + $0.merged + $0.rejected }
    }

    // MARK: 1. error screens

    @Test func errorScreensAreNotObjects() throws {
        let r = try Self.read("sat-errors-message-line.txt")
        #expect(Array(r.model.stations.keys) == ["3001"])
        #expect(r.model.vdns.isEmpty && r.model.huntGroups.isEmpty && r.model.coveragePaths.isEmpty && r.model.agents.isEmpty)
        let notes = Self.codes(r, "sat.cm-error")
        #expect(notes.map { $0.location?.line } == [13, 16, 19, 22, 24])
        #expect(notes.allSatisfy { $0.severity == .note })
        #expect(notes.first?.message.contains("Extension exists but assigned to a different object") == true)
        #expect(r.report.rejects.isEmpty && r.diagnostics.allSatisfy { $0.severity == .note })
        #expect(Self.reconciles(r))
    }

    @Test func errorOnTheVT220MessageRowIsNotAnObject() throws {
        let r = try Self.read("sat-errors-vt220-message-line.txt")
        #expect(r.model.stations.isEmpty)
        #expect(Self.codes(r, "sat.cm-error").count == 1)
        #expect(r.report.counts[.station] == nil)
    }

    /// Real pbxd VT220 streams (uw-it-ist/pbxd tests): four screens, none a model object, each
    /// skipped with exactly one note and nothing else.
    @Test func realPbxdStreamsAreSkippedScreensWithOneNoteEach() throws {
        let r = try Self.read("sat-real-pbxd-vt220-streams.txt")
        #expect(r.model.typedContent == SiteModel())
        let skipped = Self.codes(r, "sat.unknown-screen")
        #expect(skipped.count == 4)
        #expect(skipped.allSatisfy { $0.message.hasPrefix("skipped screen") })
        #expect(r.diagnostics.allSatisfy { $0.severity == .note })
        #expect(!r.diagnostics.contains { $0.message.contains("absent") })
    }

    // MARK: 2. cut captures, complete pages

    @Test func screenCutByADroppedConnectionIsRejected() throws {
        let r = try Self.read("sat-cut-connection-closed.txt")
        #expect(r.model.vdns["7700"]?.vectorNumber == 10)
        #expect(r.model.stations["3002"] == nil)
        let cut = Self.codes(r, "sat.cut")
        #expect(cut.count == 1 && cut.first?.severity == .error && cut.first?.location?.line == 23)
        #expect(r.report.rejects.map(\.key) == ["3002"])
        let c = try #require(r.report.counts[.station])
        #expect(c.read == 1 && c.rejected == 1 && c.inModel == 0)
        // The partial name never reached any record.
        let json = try CanonicalJSON.data(r.model.content)
        #expect(String(decoding: json, as: UTF8.self).contains("Doe, Ja") == false)
    }

    @Test func completePagesAreNormalAndAScreenWithoutItsPromptIsCut() throws {
        let r = try Self.read("sat-cut-no-prompt.txt")
        #expect(r.model.vectors["10"]?.steps.count == 4)
        #expect(r.model.huntGroups["10"]?.members == ["3001", "3002"])
        #expect(r.model.stations["3003"] == nil)
        #expect(r.diagnostics.filter { $0.severity == .warning } == [])
        let cut = Self.codes(r, "sat.cut")
        #expect(cut.count == 1 && cut.first?.message.contains("Command: prompt") == true)
        #expect(Self.reconciles(r))
    }

    // MARK: 3. encodings

    @Test func windows1252ReportIsDecodedWithOneNote() throws {
        let r = try Self.read("sat-cp1252-asa-report.txt")
        #expect(r.model.stations["3101"]?.name == "Müller, Jürgen")
        #expect(r.model.stations["3102"]?.name == "Weiß, Käthe")
        #expect(r.model.announcements["7720"]?.name == "Begrüßung Zentrale")
        #expect(Self.codes(r, "read.windows-1252").count == 1)
        #expect(r.report.rejects.isEmpty)
    }

    @Test func utf8WithBOMAndCRLFKeepsEveryLetter() throws {
        let r = try Self.read("sat-utf8-bom-crlf.txt")
        #expect(r.model.stations["3201"]?.name == "Wąsowski, Işıl")
        let s = try #require(r.model.stations["3202"])
        #expect(s.name == "Straße, Jürgen Ąbcdefghij" && s.port == "S00202" && s.setType == "9611")
        #expect(Self.codes(r, "read.windows-1252").isEmpty)
    }

    /// The same letters arrive from OSSI (UTF-8 and Windows-1252), pbxd JSON and SMGR XML and come
    /// out byte-exact in the model's JSON (what `cm2gc read --json` prints and the transform reads).
    @Test func accentedNamesAreExactInEveryFormatAndInTheJSON() throws {
        let r = try Self.read("ossi-cp1252.txt", "ossi-two-way-log.txt", "pbxd-answer-with-command.json",
                              "smgr-several-smtp.xml", "sat-utf8-bom-crlf.txt")
        let names = ["3601": "Groß, Jürgen", "3501": "Lindqvist, Åsa", "3503": "Çelik, Ümit", "3702": "Dąbrowska, Ewa",
                     "3201": "Wąsowski, Işıl"]
        for (k, n) in names { #expect(r.model.stations[k]?.name == n, "\(k)") }
        #expect(r.model.users["lukasz.zielinski@example.com"]?.surname == "Zieliński")
        let json = String(decoding: try CanonicalJSON.data(r.model.content), as: UTF8.self)
        for n in Array(names.values) + ["Zieliński", "Öztürk", "Łukasz"] { #expect(json.contains(n), "\(n)") }
        #expect(Self.codes(r, "read.windows-1252").count == 1)
    }

    // MARK: 4. packed list columns

    @Test func realPackedAnnouncementListIsCutByHeaderColumns() throws {
        let r = try Self.read("sat-real-list-announcement-packed.txt")
        #expect(r.model.announcements.count == 15)
        let a = try #require(r.model.announcements["71001"])
        #expect(a.type == "integrated" && a.name == "main" && a.source == "G1")
        #expect(r.model.announcements["71000"]?.type == "integ-mus")
        #expect(r.model.announcements["71015"]?.name == "Privetstvie6150000")
    }

    @Test func packedColumnsWithDashesAndHeaderOrder() throws {
        let r = try Self.read("sat-packed-list-columns.txt", "sat-announcement-columns-reordered.txt")
        let m = r.model
        #expect(m.announcements["7701"]?.name == "Welcome Main Lobby" && m.announcements["7701"]?.source == "004V9")
        #expect(m.announcements["7702"]?.name == "Closed Holiday Msg1" && m.announcements["7702"]?.source == "G1")
        #expect(m.vectors["10"]?.name == "Sales Weekday Main Routing Vx" && m.vectors["11"]?.name == "Service")
        #expect(m.agents["5001"]?.name == "Kowalczyk-Brzęczyszczykie")
        // Columns in another order: taken from the header, not from position.
        #expect(m.announcements["7711"]?.name == "Welcome Main Lobby" && m.announcements["7711"]?.type == "integrated")
        #expect(m.announcements["7712"]?.source == "G1")
    }

    /// `list station` line 2 and `list hunt-group` are cut by the header's columns (issue 12
    /// point 4): a full column one blank before the next, names with blanks, reordered headers.
    /// Splitting on blanks read a 4-digit group number glued to its name as no group, the
    /// group type of a reordered header as the extension, `9641SIPCC gk-east-01` as the set
    /// type, and the set-type line of a Port-first header as a station.
    @Test func packedHuntGroupAndStationListsAreCutByHeaderColumns() throws {
        let r = try Self.read("sat-packed-list-hunt-station.txt")
        let m = r.model
        #expect(Self.reconciles(r))
        #expect(Set(m.stations.keys) == ["3301", "3302", "3311", "3312"])
        #expect(m.stations["3301"]?.setType == "9641SIPCC" && m.stations["3301"]?.port == "S00301")
        #expect(m.stations["3301"]?.name == "Kowalczyk-Brzęczyszczykie")
        #expect(m.stations["3302"]?.setType == "2420" && m.stations["3302"]?.name == "Doe, Jane")
        // Port/Type before Ext/Hunt-to: the extension still comes from its own column.
        #expect(m.stations["3311"]?.port == "S00311" && m.stations["3311"]?.setType == "9611")
        #expect(m.stations["3311"]?.name == "Nowak, Anna Maria")
        #expect(m.stations["3312"]?.setType == "2500" && m.stations["3312"]?.name == "Lobby Phone")

        #expect(Set(m.huntGroups.keys) == ["1000", "12", "21", "22"])
        let g = try #require(m.huntGroups["1000"])
        #expect(g.name == "Customer Care East Coast" && g.extension == "31000" && g.groupType == "ead-mia" && g.acd == true)
        #expect(m.huntGroups["12"]?.extension == "3012" && m.huntGroups["12"]?.groupType == "circ" && m.huntGroups["12"]?.acd == false)
        // Grp Type before Ext in the header.
        #expect(m.huntGroups["21"]?.name == "Billing Questions" && m.huntGroups["21"]?.extension == "3021")
        #expect(m.huntGroups["21"]?.groupType == "ucd-mia" && m.huntGroups["21"]?.acd == true)
        #expect(m.huntGroups["22"]?.extension == "3022" && m.huntGroups["22"]?.groupType == "circ")
    }

    /// The research's spaced two-line `list hunt-group` (research §1.4) reads as before.
    @Test func reconstructedHuntGroupListReadsBothLines() throws {
        let r = try Self.read("sat-reconstructed-list-hunt-group.txt")
        let m = r.model
        #expect(m.huntGroups["1"]?.name == "Sales" && m.huntGroups["1"]?.extension == "3001")
        #expect(m.huntGroups["1"]?.groupType == "ead-mia" && m.huntGroups["1"]?.acd == true)
        #expect(m.huntGroups["2"]?.name == "Operators" && m.huntGroups["2"]?.extension == "3002")
        #expect(m.huntGroups["2"]?.groupType == "circ" && m.huntGroups["2"]?.acd == false)
    }

    // MARK: 5. noise after a screen

    @Test func noiseAfterAScreenNeverLandsInFields() throws {
        let r = try Self.read("sat-noise-after-screen.txt")
        let real = try Self.read("sat-real-vdn-then-pasted-trace.txt")
        let a = try #require(r.model.vdns["7799"])
        let b = try #require(r.model.vdns["7800"])
        let c = try #require(real.model.vdns["7799"])
        #expect(a.name == "Support Main" && b.name == "Billing" && b.vectorNumber == 21)
        #expect(c.name == "Test" && c.vectorNumber == 1)
        // The real VDN reads exactly as without the pasted trace.
        #expect(c == (try Self.read("sat-verbatim-vdn.txt").model.vdns["7799"]))
        for v in [a, b, c] {
            #expect(!v.extra.keys.contains { $0.hasPrefix("text.") }, "\(v.extra)")
            #expect(!v.extra.values.contains { $0.contains("TRACE") || $0.contains("exit") || $0.contains("dial") })
        }
        #expect(Self.codes(r, "sat.noise").count == 2 && Self.codes(real, "sat.noise").count == 1)
        #expect(r.report.rejects.isEmpty && real.report.rejects.isEmpty)
    }

    // MARK: 6. multi-column keys

    @Test func publicNumberingRowsAreKeyedByLengthCodeAndTrunks() throws {
        let p = try Self.read("sat-public-numbering-keys.txt").model.publicNumbering
        #expect(p.keys.sorted() == ["4/3/", "4/7/4", "5/4/10-12", "5/41506/", "5/41506/1", "5/41506/2"])
        #expect(p["5/41506/2"]?.cpnPrefix == "4969130041506" && p["5/41506/2"]?.cpnLength == 13)
        #expect(p["5/4/10-12"]?.cpnPrefix == nil && p["5/4/10-12"]?.cpnLength == 5)
        #expect(p["4/7/4"]?.cpnLength == nil)
    }

    @Test func dialPlanRowsAreKeyedPerLocation() throws {
        let d = try Self.read("sat-dialplan-locations.txt").model.dialPlan
        #expect(d.keys.sorted() == ["0/1@1", "0/1@2", "4/4@2", "4/5@1", "8/1@2", "9/1@1"])
        #expect(d["0/1@2"]?.location == "2" && d["0/1@2"]?.callType == "attd")
        // The system-wide table ("Location: all") keeps the plain key.
        #expect(try Self.read("sat-verbatim-dialplan.txt").model.dialPlan["9/1"]?.location == nil)
    }

    // MARK: 7. OSSI across releases

    @Test func unknownIdsAndFormsAreKeyedFromTheCommandWithOneWarningPerForm() throws {
        let r = try Self.read("ossi-release-r018-unknown-ids.txt")
        let s = try #require(r.model.stations["3301"])
        #expect(s.setType == "9611" && s.name == "Nowak, Zofia" && s.extra["ossi:7777ff00"] == "y")
        #expect(r.model.stations["3302"]?.name == "Yılmaz, Ayşe")
        let h = try #require(r.model.huntGroups["21"])
        #expect(h.extra["ossi:0002ff00"] == "Billing" && r.model.huntGroups["22"] != nil)
        let w = Self.codes(r, "ossi.unknown-ids")
        #expect(w.count == 2 && w.allSatisfy { $0.severity == .warning })
        #expect(Self.codes(r, "ossi.release").first?.message.contains("R017-R019") == true)
        #expect(r.report.rejects.isEmpty && Self.reconciles(r))
        #expect(!r.diagnostics.contains { $0.code == "ossi.bad-line" })
    }

    @Test func typeMismatchMarksTheFormAndNeverOverridesAnotherSource() throws {
        let dir = try tempDir()
        try FileManager.default.copyItem(atPath: Paths.fixture("ossi-type-mismatch.txt"), toPath: dir.appendingPathComponent("a-ossi.txt").path)
        try """
        display hunt-group 31                                           Page   1 of   4
                                          HUNT GROUP

                    Group Number: 31                            ACD? y
                      Group Name: Claims Department         Queue? y
                 Group Extension: 5031                       Vector? y
                      Group Type: ucd-mia

        """.write(to: dir.appendingPathComponent("b-sat.txt"), atomically: true, encoding: .utf8)
        let r = try AvayaReader.read(paths: [dir.path])
        let h = try #require(r.model.huntGroups["31"])
        #expect(h.name == "Claims Department" && h.groupType == "ucd-mia" && h.acd == true)
        #expect(Self.codes(r, "ossi.dictionary-mismatch").count == 1)
        // Alone, the weak record is still kept (nothing is lost), its bad value in extra.
        #expect(r.model.huntGroups["32"]?.extra["acd"] == "circ")
        #expect(Self.reconciles(r))
        // The other order: the weak OSSI record arrives second and fills gaps only.
        let r2 = try AvayaReader.read(paths: [dir.appendingPathComponent("b-sat.txt").path, dir.appendingPathComponent("a-ossi.txt").path])
        #expect(r2.model.huntGroups["31"]?.groupType == "ucd-mia" && r2.model.huntGroups["31"]?.name == "Claims Department")
    }

    @Test func releasePicksTheFamilyDictionaryAndTheOverrideWins() {
        var older = OSSIDictionary.builtIn
        older.forms["station"]?["8006ff00"] = "extension"
        older.forms["station"]?["8005ff00"] = nil
        let fams = [OSSIReleaseFamily(name: "old", releases: 15...16, dictionary: older),
                    OSSIReleaseFamily(name: "new", releases: 17...99, dictionary: .builtIn)]
        let text = { (rel: String) in "Software Version: \(rel)\nc display station 9\nf8006ff00\t8003ff00\nd3900\tAx\nt\n" }
        let old = AvayaReader.read(text: text("R016x.03.0.124.0"), name: "o.txt", options: ReadOptions(ossiFamilies: fams))
        #expect(old.model.stations["3900"]?.name == "Ax" && old.model.stations["9"] == nil)
        let new = AvayaReader.read(text: text("R018x.01.0.890.0"), name: "n.txt", options: ReadOptions(ossiFamilies: fams))
        #expect(new.model.stations["9"]?.extra["ossi:8006ff00"] == "3900")
        let forced = AvayaReader.read(text: text("R018x.01.0.890.0"), name: "f.txt",
                                      options: ReadOptions(ossiFamilies: fams, ossiOverride: OSSIDictionary(forms: ["station": ["8006ff00": "extension"]])))
        #expect(forced.model.stations["3900"] != nil)
        #expect(forced.diagnostics.contains { $0.code == "ossi.release" && $0.message.contains("--ossi-dictionary") })
    }

    @Test func bareErrorAnswerIsRejectedWithAClearMessage() throws {
        let r = try Self.read("ossi-bare-error.txt")
        let e = r.report.rejects.first { $0.key == "3999" }
        #expect(e?.reason.contains("without text") == true && e?.location.line == 2)
        #expect(r.report.rejects.count == 2 && r.model.stations["3401"]?.name == "Kraus, Anna")
        #expect(Self.reconciles(r))
    }

    @Test func twoWayLogReadsAnswersNotRequests() throws {
        let r = try Self.read("ossi-two-way-log.txt")
        #expect(r.model.stations["3501"]?.port == "S00501" && r.model.stations["3502"]?.name == "Bauer, Jörg")
        #expect(r.model.stations["3503"]?.setType == "9608")
        #expect(r.report.rejects.map(\.key) == ["7998"])
        #expect(!r.diagnostics.contains { $0.code == "ossi.no-data" || $0.code == "ossi.no-command" || $0.code == "ossi.truncated" })
        #expect(Self.codes(r, "ossi.two-way").count == 1)
    }

    @Test func pbxdAnswersAreReadOrRefusedClearly() throws {
        let r = try Self.read("pbxd-debug-answer.json", "pbxd-answer-with-command.json", "pbxd-answer-no-command.json",
                              "pbxd-debug-error-verbatim.json")
        #expect(r.model.stations["3701"]?.name == "Kühn, Björn" && r.model.stations["3702"]?.setType == "9611")
        let refused = try #require(r.report.rejects.first { $0.location.file.hasSuffix("pbxd-answer-no-command.json") })
        #expect(refused.reason.contains("cannot be typed"))
        #expect(Self.codes(r, "pbxd.no-command").first?.hint?.contains("debug") == true)
        let cm = try #require(r.report.rejects.first { $0.location.file.hasSuffix("pbxd-debug-error-verbatim.json") })
        #expect(cm.reason.contains("unknown is an invalid entry"))
        #expect(r.model.stations["3703"] == nil)
    }

    // MARK: 9. SMGR several SMTP handles

    @Test func primarySMTPHandleIsUsedAndTheChoiceNoted() throws {
        let r = try Self.read("smgr-several-smtp.xml")
        let u = try #require(r.model.users["lukasz.zielinski@example.com"])
        #expect(u.email == "lukasz.zielinski@example.com")
        #expect(u.extra["smgr:smtp.other"] == "l.zielinski@old.example.com lz@example.com")
        #expect(r.model.users["ida"]?.email == "ida.ozturk@example.com")
        let notes = Self.codes(r, "smgr.email-choice")
        #expect(notes.count == 2 && notes[0].message.contains("primary"))
    }
}
