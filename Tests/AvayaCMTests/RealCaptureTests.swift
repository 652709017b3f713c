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

/// Issue 12 point 7: table forms without a dictionary are counted and kept keyed, and a type
/// mismatch anywhere in a file weakens every record of that form in the file.
@Suite struct OSSITableAndMismatchTests {
    static func read(_ f: String...) throws -> ReadResult { try AvayaReader.read(paths: f.map(Paths.fixture)) }

    @Test func tableFormsWithoutADictionaryAreKeptKeyedNotRejected() throws {
        let r = try Self.read("ossi-table-forms-no-dictionary.txt")
        #expect(r.report.rejects.isEmpty)
        #expect(r.report.reconciles)
        let u = try #require(r.model.untyped)
        // Rows differing only in trunk group are two rows; an empty trunk group is its own key.
        #expect(u["public-unknown-numbering:5/41506/1"]?.fields["ossi:0004ff00"] == "4969")
        #expect(u["public-unknown-numbering:5/41506/2"] != nil && u["public-unknown-numbering:4/3/"] != nil)
        #expect(r.report.counts[.publicNumbering]?.inModel == 3 && r.report.counts[.publicNumbering]?.read == 3)
        // Dial plan rows keyed by dialed string + total length; reason codes and COS by row number.
        #expect(u["dialplan-analysis:1/4"]?.fields["ossi:0003ff00"] == "ext" && u["dialplan-analysis:*/2"] != nil)
        #expect(u["reason-code:1"]?.fields["ossi:7101ff01"] == "Lunch" && u["reason-code:2"] != nil)
        #expect(u["reason-code:3"] == nil, "a row with every value blank is an unused row")
        #expect(u["cos:1"]?.fields["ossi:6001ff01"] == "y" && u["cos:2"] != nil)
        // Nothing is guessed into the typed model.
        #expect(r.model.publicNumbering.isEmpty && r.model.dialPlan.isEmpty && r.model.reasonCodes.isEmpty && r.model.coses.isEmpty)
        #expect(r.model.typedContent == SiteModel())
        // One warning per form.
        let w = r.diagnostics.filter { $0.code == "ossi.unknown-ids" }
        #expect(w.count == 4 && w.allSatisfy { $0.severity == .warning })
        #expect(Set(w.compactMap { $0.location?.line }) == [3, 11, 15, 21])
        #expect(ReadSummary.render(r).contains("untyped"))
    }

    @Test func untypedRowsOnlyFillGapsOfATypedRowOfTheSameKey() throws {
        let sat = """
        display public-unknown-numbering 0                              Page   1 of   2
                               NUMBERING - PUBLIC/UNKNOWN FORMAT
                                                     Total
        Ext Ext                  Trk         CPN                CPN
        Len Code                 Grp(s)      Prefix             Len
         5  41506                1           4969               11

        """
        let dir = try tempDir()
        try sat.write(to: dir.appendingPathComponent("b-sat.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Paths.fixture("ossi-table-forms-no-dictionary.txt"),
                                         toPath: dir.appendingPathComponent("a-ossi.txt").path)
        for order in [["a-ossi.txt", "b-sat.txt"], ["b-sat.txt", "a-ossi.txt"]] {
            let r = try AvayaReader.read(paths: order.map { dir.appendingPathComponent($0).path })
            let typed = try #require(r.model.publicNumbering["5/41506/1"], "\(order)")
            #expect(typed.cpnPrefix == "4969" && typed.cpnLength == 11)
            #expect(typed.extra["ossi:0004ff00"] == "4969")
            #expect(r.model.untyped?["public-unknown-numbering:5/41506/1"] == nil)
            let c = try #require(r.report.counts[.publicNumbering])
            #expect(c.read == 4 && c.merged == 1 && c.inModel == 3 && c.reconciles, "\(order)")
            #expect(r.model.sources["public-unknown-numbering:5/41506/1"]?.count == 2)
        }
    }

    /// A table read with its dictionary where one row's key column fails its type: the good row
    /// is typed (and weak: the form does not match), the bad row is kept untyped, none is lost.
    @Test func aTableRowWithABadKeyColumnIsKeptUntyped() throws {
        let text = "c display public-unknown-numbering 0\nf0001ff01\t0002ff01\t0003ff01\t0004ff01\t0005ff01\t0001ff02\t0002ff02\t0003ff02\t0004ff02\t0005ff02\n"
            + "d5\t41506\t1\t4969\t11\tall\t7\t\t4930\t10\nt\n"
        let r = AvayaReader.read(text: text, name: "pun.txt")
        #expect(r.model.publicNumbering["5/41506/1"]?.cpnPrefix == "4969")
        #expect(r.model.untyped?["public-unknown-numbering:all/7/"]?.fields["ossi:0004ff02"] == "4930")
        #expect(r.report.counts[.publicNumbering]?.read == 2 && r.report.reconciles && r.report.rejects.isEmpty)
        #expect(r.diagnostics.filter { $0.code == "ossi.dictionary-mismatch" }.count == 1)
        #expect(r.diagnostics.contains { $0.code == "ossi.bad-value" && $0.message.contains("kept untyped") })
    }

    /// The mismatch shows only in the second record (`Group Type` text where the dictionary
    /// expects `Vector?` y/n); the first record of the form in that file is weak too.
    @Test func aMismatchLaterInTheFileWeakensEarlierRecordsOfTheForm() throws {
        let dir = try tempDir()
        try FileManager.default.copyItem(atPath: Paths.fixture("ossi-type-mismatch-late.txt"), toPath: dir.appendingPathComponent("a-ossi.txt").path)
        try """
        display hunt-group 41                                           Page   1 of   4
                                          HUNT GROUP

                    Group Number: 41                            ACD? y
                      Group Name: Claims Department         Queue? y
                 Group Extension: 5041                       Vector? y
                      Group Type: ucd-mia

        """.write(to: dir.appendingPathComponent("b-sat.txt"), atomically: true, encoding: .utf8)
        let a = dir.appendingPathComponent("a-ossi.txt").path, b = dir.appendingPathComponent("b-sat.txt").path
        for order in [[a, b], [b, a]] {
            let r = try AvayaReader.read(paths: order)
            let h = try #require(r.model.huntGroups["41"])
            #expect(h.acd == true && h.name == "Claims Department", "OSSI's acd 'n' of record 41 must not override SAT (\(order))")
            #expect(!r.diagnostics.contains { $0.code == "merge.conflict" && $0.message.contains("kept 'false'") })
            #expect(r.report.reconciles)
        }
        // Alone, both records are kept (weak records lose nothing), one warning at record 42.
        let alone = try Self.read("ossi-type-mismatch-late.txt")
        #expect(alone.model.huntGroups["41"]?.acd == false && alone.model.huntGroups["42"]?.extra["vector"] == "ucd-mia")
        let m = alone.diagnostics.filter { $0.code == "ossi.dictionary-mismatch" }
        #expect(m.count == 1 && m.first?.location?.line == 7)
    }
}

/// Issue 12 point 2: a screen cut mid-value at the end of a capture without prompts.
@Suite struct PastedCutTests {
    static func read(_ f: String) throws -> ReadResult { try AvayaReader.read(paths: [Paths.fixture(f)]) }

    @Test func aRowCutMidValueAtTheEndOfAPasteIsRejected() throws {
        let r = try Self.read("sat-cut-pasted-mid-value.txt")
        #expect(r.model.stations["3003"] == nil)
        let cut = r.diagnostics.filter { $0.code == "sat.cut" }
        #expect(cut.count == 1 && cut.first?.severity == .error && cut.first?.location?.line == 40)
        #expect(cut.first?.message.contains("COS") == true)
        #expect(r.report.rejects.map(\.key) == ["3003"])
        #expect(String(decoding: try CanonicalJSON.data(r.model.content), as: UTF8.self).contains("Ng, Chr") == false)
        // The complete pages before it (operator stopped at page 1 of 6 and 3 of 60) are kept, unwarned.
        #expect(r.model.vectors["10"]?.steps.count == 4)
        #expect(r.model.huntGroups["10"]?.members == ["3001", "3002"])
        #expect(r.diagnostics.filter { $0.severity == .warning } == [])
        #expect(r.report.reconciles)
    }

    @Test func aCompletePageWithoutAFinalLineEndIsAccepted() throws {
        let r = try Self.read("sat-pasted-complete-no-newline.txt")
        #expect(r.model.stations["3003"]?.name == "Ng, Chris" && r.model.stations["3003"]?.cos == 1)
        #expect(r.report.rejects.isEmpty)
        #expect(!r.diagnostics.contains { $0.severity != .note })
    }

    @Test func aMemberRowCutBeforeItsSecondSlotIsRejectedAShortMemberPageIsNot() throws {
        let head = """
        display hunt-group 2                                            Page   3 of   4
                                          HUNT GROUP
        Group Number: 2        Group Extension: 3002          Group Type: circ
        GROUP MEMBER ASSIGNMENTS
             Ext           Name(19 characters)       Ext           Name(19 characters)
          1: 3101          Smith, John           14:

        """
        let cut = AvayaReader.read(text: head + "  2: 3102          Doe, Ja", name: "cut.txt")
        #expect(cut.model.huntGroups["2"] == nil)
        #expect(cut.diagnostics.filter { $0.code == "sat.cut" }.first?.location?.line == 7)
        // The same page ending after a whole row, with or without a final line end: complete.
        for tail in ["  2: 3102          Doe, Jane             15:", "  2: 3102          Doe, Jane             15:\n"] {
            let ok = AvayaReader.read(text: head + tail, name: "ok.txt")
            #expect(ok.model.huntGroups["2"]?.members == ["3101", "3102"])
            // (Only sat.missing-pages: the snippet starts at page 3.)
            #expect(ok.report.rejects.isEmpty && !ok.diagnostics.contains { $0.severity == .error })
        }
        // A cut at a row boundary (final line end present) cannot be told from a short page: kept.
        let boundary = AvayaReader.read(text: head, name: "b.txt")
        #expect(boundary.model.huntGroups["2"]?.members == ["3101"] && boundary.report.rejects.isEmpty)
    }

    @Test func aVDNPageStoppingBeforeItsMeasuredRowIsCutWhenTheFileEndsInsideALine() throws {
        let vdn = """
        display vdn 7799                                                Page   1 of   3
                                    VECTOR DIRECTORY NUMBER

                                     Extension: 7799
                                         Name*: Test
                                   Destination: Vector Num
        """
        let r = AvayaReader.read(text: vdn, name: "vdn.txt")
        #expect(r.model.vdns["7799"] == nil && r.report.rejects.count == 1)
        #expect(r.diagnostics.first { $0.code == "sat.cut" }?.message.contains("Measured:") == true)
        let whole = AvayaReader.read(text: vdn + "\n", name: "vdn2.txt")
        #expect(whole.model.vdns["7799"] != nil, "with a final line end nothing proves a cut")
    }
}

/// Issue 12 point 7 [verify]: dictionaries per CM release family. No public artefact shows an id
/// that differs between releases, so the built-in families are identical pending evidence; the
/// mechanism (release → family, `--ossi-dictionary` over it) and the documentation are checked.
@Suite struct OSSIReleaseFamilyTests {
    static func capture(_ release: String) -> String {
        "System: Small                        Software Version: \(release)\nt\nc display station 3601\nf8005ff00\t8003ff00\t004fff00\nd3601\tLind, Ola\t9611\nt\n"
    }

    @Test(arguments: [("R015x.02.0.947.3", "R015-R016"), ("R016x.03.0.124.0", "R015-R016"), ("R017x.00.0.441.0", "R017-R019"),
                      ("R018x.01.0.890.0", "R017-R019"), ("R019x.00.0.000.0", "R017-R019"), ("R020x.01.0.974.0", "R020+"),
                      ("R021x.00.0.000.0", "R020+")])
    func theCapturesReleasePicksItsFamily(_ release: String, _ family: String) {
        let r = AvayaReader.read(text: Self.capture(release), name: "rel.txt")
        let note = r.diagnostics.first { $0.code == "ossi.release" }
        #expect(note?.message.contains("the \(family) dictionary") == true, "\(release): \(note?.message ?? "no note")")
        #expect(note?.location?.line == 1)
        #expect(r.model.stations["3601"]?.name == "Lind, Ola")
    }

    @Test func aReleaseWithoutAFamilyUsesTheDefaultAndSaysSo() {
        let r = AvayaReader.read(text: Self.capture("R012x.00.0.000.0"), name: "old.txt")
        #expect(r.diagnostics.first { $0.code == "ossi.release" }?.message.contains("default dictionary (no family for this release)") == true)
        #expect(r.model.stations["3601"] != nil)
    }

    /// `cm2gc read --ossi-dictionary FILE` loads the file with `OSSIDictionary.load` into
    /// `ReadOptions.ossiOverride` (Sources/cm2gc/Read.swift): it wins over the family's ids.
    @Test func anOverrideFileWinsOverTheReleaseFamily() throws {
        let dir = try tempDir()
        let file = dir.appendingPathComponent("ids.json")
        try #"{"forms": {"station": {"8003ff00": "port", "7777ff00": "name"}}}"#.write(to: file, atomically: true, encoding: .utf8)
        let text = "Software Version: R016x.03.0.124.0\nc display station 3602\nf8005ff00\t8003ff00\t7777ff00\nd3602\tS00602\tKeller, Eva\nt\n"
        let plain = AvayaReader.read(text: text, name: "p.txt")
        #expect(plain.model.stations["3602"]?.name == "S00602" && plain.model.stations["3602"]?.extra["ossi:7777ff00"] == "Keller, Eva")
        let forced = AvayaReader.read(text: text, name: "f.txt", options: ReadOptions(ossiOverride: try OSSIDictionary.load(file.path)))
        let s = try #require(forced.model.stations["3602"])
        #expect(s.port == "S00602" && s.name == "Keller, Eva" && s.extra.isEmpty)
        #expect(forced.diagnostics.first { $0.code == "ossi.release" }?.message.contains("--ossi-dictionary file over the R015-R016 dictionary") == true)
        #expect(throws: (any Error).self) { try OSSIDictionary.load(dir.appendingPathComponent("missing.json").path) }
    }

    @Test func attestedIdsAreInEveryFamilyAndListedInTheDocs() throws {
        let docs = try String(contentsOf: Paths.repo.appendingPathComponent("docs/avaya-readers.md"), encoding: .utf8)
        for a in OSSIDictionary.attested {
            #expect(OSSIDictionary.builtIn.forms[a.form]?[a.id] == a.key, "\(a.form) \(a.id)")
            for f in OSSIReleaseFamily.builtIn { #expect(f.dictionary.forms[a.form]?[a.id] == a.key, "\(f.name) \(a.form) \(a.id)") }
            #expect(docs.contains("| `\(a.form)` | `\(a.id)` | `\(a.key)` |"), "docs/avaya-readers.md lacks the attested row \(a.form) \(a.id)")
        }
        // The families are identical today, and the docs must say so; once evidence makes them
        // differ, this line must change with the docs.
        let identical = Set(OSSIReleaseFamily.builtIn.map(\.dictionary)).count == 1
        #expect(identical == docs.contains("identical pending evidence"))
        #expect(OSSIReleaseFamily.builtIn.map(\.name) == ["R015-R016", "R017-R019", "R020+"])
    }
}
