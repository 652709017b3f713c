import AvayaCM
import Common
import Foundation
import GenesysCloud
import Testing
@testable import Migration

/// Rules of docs/mapping.md run on small hand-built sites (issue 13): numbering, hardware-less
/// stations, voicemail groups, coverage, empty skills, presence and recurring holidays.
@Suite struct TransformRulesTests {
    /// Frankfurt: trunk prefix 0, national numbers of 9–11 digits.
    static func config(_ yaml: String = "") throws -> MappingConfig {
        try MappingConfig.parse(yaml: """
        sites:
          fra: { country: DE, countryCode: "49", trunkPrefix: "0", internationalPrefix: "00", nationalNumberLengths: [9, 10, 11], timeZone: Europe/Berlin }
        defaultSite: fra
        holidayYear: 2025
        \(yaml)
        """)
    }

    static func run(_ m: SiteModel, _ c: MappingConfig) -> TransformOutput {
        let out = Transformer(config: c, createdEpoch: 1_735_689_600).run(m)
        // Every record of every test site ends somewhere (payload, exclusion or exception).
        #expect(out.unaccounted.isEmpty, "unaccounted: \(out.unaccounted)")
        for (kind, r) in out.reconciliation { #expect(r.holds, "\(kind) does not reconcile: \(r)") }
        return out
    }

    static func payload(_ o: TransformOutput, _ t: ResourceType, _ key: String) -> JSONValue? {
        o.resources.first { $0.type == t.rawValue && $0.key == key }?.payload
    }

    static func workNumber(_ o: TransformOutput, _ ext: String) -> String? {
        payload(o, .users, ext)?["addresses"]?.arrayValue?.first?["address"]?.stringValue
    }

    static func station(_ ext: String, port: String = "S00001", setType: String = "9611", coverage: String? = nil) -> Station {
        Station(extension: ext, name: "Person, \(ext)", setType: setType, port: port, tenant: 1, coveragePath1: coverage)
    }

    static func add(_ m: inout SiteModel, _ rows: [PublicNumbering]) {
        for r in rows { m.publicNumbering["\(r.extensionLength)/\(r.extensionCode)/\(r.trunkGroups ?? "")"] = r }
    }

    // MARK: station.did

    /// A site whose rows mix national (trunk prefix) and international (country code first)
    /// CPNs; the longest Ext Code among rows for all trunks wins; a trunk-group row is never a
    /// DID; CPN length 0 sends no number.
    @Test func longestAllTrunkRowWinsAndEachRowHasItsOwnFormat() throws {
        var m = SiteModel()
        for e in ["3001", "3105", "3201", "3901"] { m.stations[e] = Self.station(e) }
        Self.add(&m, [
            PublicNumbering(extensionLength: 4, extensionCode: "3", cpnPrefix: "069120", cpnLength: 10),      // national
            PublicNumbering(extensionLength: 4, extensionCode: "31", cpnPrefix: "49691310", cpnLength: 12),   // international (12 > 11)
            PublicNumbering(extensionLength: 4, extensionCode: "32", trunkGroups: "5", cpnPrefix: "4969999", cpnLength: 11),
            PublicNumbering(extensionLength: 4, extensionCode: "39", cpnLength: 0),                          // sends no number
            PublicNumbering(extensionLength: 4, extensionCode: "7", cpnPrefix: "4969127", cpnLength: 11),     // ambiguous: override
        ])
        m.vectors["1"] = Vector(number: 1, name: "Main", steps: [VectorStep(number: 1, text: "disconnect after announcement none")])
        m.vdns["7001"] = VDN(extension: "7001", name: "Sales", vectorNumber: 1)
        m.vdns["3800"] = VDN(extension: "3800", name: "Service", vectorNumber: 1)
        let out = Self.run(m, try Self.config("cpnFormats: { \"4/7\": international }"))
        #expect(Self.workNumber(out, "3001") == "+49691203001")   // 069120 3001: trunk prefix → national
        #expect(Self.workNumber(out, "3105") == "+496913103105")  // longest code 31, country code first
        #expect(Self.workNumber(out, "3201") == "+49691203201")   // trunk group 5's row is ignored
        #expect(Self.workNumber(out, "3901") == nil)              // longest match 39 sends nothing
        #expect(Self.payload(out, .users, "3901")?["addresses"]?.arrayValue?.first?["extension"]?.stringValue == "3901")
        #expect(!out.exceptions.contains { $0.rule == "station.did" }, "\(out.exceptions.filter { $0.rule == "station.did" })")
        #expect(Self.payload(out, .ivrs, "vdn-7001")?["dnis"]?.arrayValue?.first?.stringValue == "+49691277001")
        #expect(Self.payload(out, .ivrs, "vdn-3800")?["dnis"]?.arrayValue?.first?.stringValue == "+49691203800")
        let reasons = out.decisions.filter { $0.sourceKind == ObjectKind.publicNumbering.rawValue }.map(\.reason)
        #expect(reasons.contains { $0.contains("4/32") && $0.contains("trunk group(s) 5") })
        #expect(reasons.contains { $0.contains("4/39") && $0.contains("CPN length 0") })
        // The DID pools cover every number handed out, and nothing from the unused rows.
        let pools = out.resources.filter { $0.type == "did-pools" }.compactMap { r -> (String, String)? in
            guard let a = r.payload["startPhoneNumber"]?.stringValue, let b = r.payload["endPhoneNumber"]?.stringValue else { return nil }
            return (a, b)
        }
        for n in ["+49691203001", "+496913103105", "+49691203201", "+49691277001", "+49691203800"] {
            #expect(pools.contains { $0.0.count == n.count && $0.0 <= n && n <= $0.1 }, "\(n) is in no DID pool")
        }
        #expect(!pools.contains { $0.0.hasPrefix("+494969") || $0.0.hasPrefix("+4969999") })
    }

    /// Without the override, the same row reads as a valid national number (+49 4969…) and as a
    /// valid international one (+49 69…): an exception asking for the row's format, never a guess.
    @Test func ambiguousRowWithoutOverrideIsNotGuessed() throws {
        var m = SiteModel()
        m.stations["7005"] = Self.station("7005")
        Self.add(&m, [PublicNumbering(extensionLength: 4, extensionCode: "7", cpnPrefix: "4969127", cpnLength: 11)])
        let out = Self.run(m, try Self.config())
        #expect(Self.workNumber(out, "7005") == nil)
        #expect(out.exceptions.contains { $0.rule == "station.did" && $0.sourceID == "7005" && $0.message.contains("4/7") })
    }

    @Test func cpnFormatDecisionPerRow() throws {
        let us = MappingConfig.usSite
        let de = MappingConfig.Site(country: "DE", countryCode: "49", trunkPrefix: "0", internationalPrefix: "00",
                                    nationalNumberLengths: [9, 10, 11], timeZone: "Europe/Berlin")
        typealias T = PublicNumberingTable
        #expect(T.format(prefix: "069", cpn: "0691234567", site: de, override: nil) == .national)
        #expect(T.format(prefix: "4969", cpn: "496912345678", site: de, override: nil) == .international)
        #expect(T.format(prefix: "4969", cpn: "49691234567", site: de, override: nil) == nil)  // valid both ways: never guessed
        #expect(T.format(prefix: "4969", cpn: "4969123456", site: de, override: nil) == .national)  // +49 69123456 would be too short
        #expect(T.format(prefix: "4969", cpn: "49691234567", site: de, override: .international) == .international)
        #expect(T.format(prefix: "1212555", cpn: "12125550123", site: us, override: nil) == .national)
        #expect(try T.e164(cpn: "12125550123", format: .national, site: us).get() == "+12125550123")
        var fixed = de
        fixed.cpnFormat = .international
        #expect(T.format(prefix: "069", cpn: "0691234567", site: fixed, override: nil) == .international)
        #expect(T.format(prefix: "069", cpn: "0691234567", site: fixed, override: .national) == .national)
        // Total CPN Len: prefix plus the extension's trailing digits.
        #expect(T.cpn(for: "53001", row: PublicNumbering(extensionLength: 5, extensionCode: "5", cpnPrefix: "0691", cpnLength: 8)) == "06913001")
        #expect(T.cpn(for: "3001", row: PublicNumbering(extensionLength: 4, extensionCode: "3", cpnLength: 0)) == nil)
    }

    @Test func cpnFormatOverridesAreCheckedStrictly() throws {
        #expect(throws: MappingConfigError.self) { try Self.config("cpnFormats: { \"4-3\": national }") }
        #expect(throws: MappingConfigError.self) { try Self.config("cpnFormats: { \"4/3\": auto }") }
        var m = SiteModel()
        m.stations["3001"] = Self.station("3001")
        Self.add(&m, [PublicNumbering(extensionLength: 4, extensionCode: "3", cpnPrefix: "069120", cpnLength: 10)])
        let out = Self.run(m, try Self.config("cpnFormats: { \"4/9\": national }"))
        #expect(out.exceptions.contains { $0.sourceKind == Decision.configurationKind && $0.sourceID == "cpnFormats.4/9" })
    }

    // MARK: station.phone

    @Test func stationWithoutHardwareGetsAUserAndNoPhone() throws {
        var m = SiteModel()
        m.stations["3005"] = Self.station("3005", port: "X", setType: "9408")
        m.stations["3006"] = Self.station("3006", port: "01A0101", setType: "9408")
        let out = Self.run(m, try Self.config())
        #expect(Self.payload(out, .users, "3005") != nil)
        #expect(!out.resources.contains { $0.type == "phones" && $0.key.hasPrefix("3005-") })
        #expect(Self.payload(out, .phones, "3006-1") != nil)
        #expect(out.exceptions.contains { $0.rule == "station.phone" && $0.sourceID == "3005" && $0.message.contains("without hardware") })
    }

    // MARK: coverage.forwarding

    /// Hunt group 90 fronts SIP messaging (Message Center, Voice Mail Number, no members): it is
    /// voicemail without any configuration. Hunt group 91 names AUDIX but has members: a group,
    /// with a review exception.
    @Test func voicemailGroupIsRecognisedFromItsForm() throws {
        var m = SiteModel()
        m.huntGroups["90"] = HuntGroup(number: 90, name: "Messaging", extension: "6000", groupType: "ucd-mia", acd: false,
                                       extra: ["Message Center": "sip-adjunct", "Voice Mail Number": "6000"])
        m.huntGroups["91"] = HuntGroup(number: 91, name: "Old AUDIX", extension: "6001", groupType: "ucd-mia", acd: false,
                                       members: ["3002"], extra: ["Message Center": "audix"])
        m.huntGroups["92"] = HuntGroup(number: 92, name: "Plain", extension: "6002", groupType: "circ", acd: false,
                                       members: ["3002"], extra: ["Message Center": "none"])
        m.coveragePaths["5"] = CoveragePath(number: 5, inside: .init(busy: true, dontAnswer: true), outside: .init(busy: true, dontAnswer: true),
                                            dontAnswerRings: 3, points: [CoveragePoint(point: "h90")])
        m.coveragePaths["7"] = CoveragePath(number: 7, inside: .init(dontAnswer: true), dontAnswerRings: 4, points: [CoveragePoint(point: "6000")])
        m.stations["3001"] = Self.station("3001", coverage: "5")
        m.stations["3002"] = Self.station("3002", coverage: "7")
        let out = Self.run(m, try Self.config())
        #expect(Self.payload(out, .queues, "hunt-90") == nil && Self.payload(out, .groups, "hunt-90") == nil)
        #expect(out.decisions.contains { $0.sourceID == "90" && $0.action == .exclude && $0.reason.contains("voicemail") })
        let vm = try #require(Self.payload(out, .voicemailPolicies, "3001"))
        #expect(vm["parent"]?.stringValue == "@ref:users/3001")
        #expect(vm["body"]?["alertTimeoutSeconds"]?.intValue == 18)  // 3 rings × 6 s
        #expect(vm["body"]?["enabled"] == nil)  // read-only on VoicemailUserPolicy
        #expect(Self.payload(out, .voicemailPolicies, "3002")?["body"]?["alertTimeoutSeconds"]?.intValue == 24)  // by extension
        #expect(Self.payload(out, .callForwarding, "3001") == nil)  // nothing to forward to but voicemail
        #expect(Self.payload(out, .groups, "hunt-91") != nil)
        #expect(out.exceptions.contains { $0.sourceID == "91" && $0.message.contains("audix") && $0.hint?.contains("voicemailGroups") == true })
        #expect(!out.exceptions.contains { $0.sourceID == "92" && $0.rule == "coverage.forwarding" })
        // Configuration still works for groups the form does not reveal.
        let configured = Self.run(m, try Self.config("voicemailGroups: [91]"))
        #expect(Self.payload(configured, .groups, "hunt-91") == nil)
    }

    /// The same recognition on a SAT capture: the labels land where the rule looks for them.
    @Test func voicemailGroupIsRecognisedInASATCapture() throws {
        let sat = """
        display hunt-group 90                                            Page   1 of   2
                                           HUNT GROUP

                    Group Number: 90                       ACD? n
                      Group Name: Messaging              Queue? n
                 Group Extension: 6000                  Vector? n
                      Group Type: ucd-mia
                              TN: 1

        display hunt-group 90                                            Page   2 of   2
                                           HUNT GROUP

                  Message Center: sip-adjunct
               Voice Mail Number: 6000            Voice Mail Handle: 6000

        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-vm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("groups.txt")
        try Data(sat.utf8).write(to: file)
        let m = try AvayaReaderFacade.model(sources: [file.path])
        let h = try #require(m.huntGroups["90"])
        let why = try #require(VoicemailGroup.recognise(h, agents: 0), "extra: \(h.extra)")
        #expect(why.contains("sip-adjunct") && why.contains("6000"))
    }

    /// Point by point: a user (dash extension), a group's number and a VDN's call route become
    /// forwarding targets in order; a queue and the attendant have no equivalent and are named in
    /// one exception for the station; no voicemail point → voicemail off.
    @Test func coveragePointsBecomeForwardingTargetsInOrder() throws {
        var m = SiteModel()
        Self.add(&m, [PublicNumbering(extensionLength: 4, extensionCode: "", cpnPrefix: "069120", cpnLength: 10),
                      PublicNumbering(extensionLength: 5, extensionCode: "4", cpnPrefix: "06912", cpnLength: 10)])
        m.stations["3001"] = Self.station("3001", coverage: "6")
        m.stations["3002"] = Self.station("3002", coverage: "8")
        m.stations["41005"] = Self.station("41005", coverage: "6")
        m.huntGroups["92"] = HuntGroup(number: 92, name: "Reception", extension: "6002", groupType: "circ", acd: false, members: ["41005"])
        m.huntGroups["93"] = HuntGroup(number: 93, name: "Operators", extension: "6003", groupType: "ucd-mia", acd: true, members: ["41005"])
        m.vectors["1"] = Vector(number: 1, steps: [VectorStep(number: 1, text: "disconnect after announcement none")])
        m.vdns["7001"] = VDN(extension: "7001", vectorNumber: 1)
        m.vdns["7002"] = VDN(extension: "7002", vectorNumber: 9)  // vector not exported: no call route
        m.coveragePaths["6"] = CoveragePath(number: 6, inside: .init(all: true), outside: .init(all: true),
                                            points: ["41-005", "h92", "h93", "v7001", "attd", "v7002"].map { CoveragePoint(point: $0) })
        m.coveragePaths["8"] = CoveragePath(number: 8, inside: .init(busy: true, dontAnswer: true), dontAnswerRings: 2,
                                            points: [CoveragePoint(point: "41-005")])
        let out = Self.run(m, try Self.config())
        let fwd = try #require(Self.payload(out, .callForwarding, "3001"))
        #expect(fwd["parent"]?.stringValue == "@ref:users/3001")
        #expect(fwd["body"]?["enabled"]?.boolValue == true)
        #expect(fwd["body"]?["voicemail"]?.stringValue == "NONE")
        let targets = fwd["body"]?["calls"]?.arrayValue?.compactMap { $0["targets"]?.arrayValue?.first?["value"]?.stringValue }
        #expect(targets == ["+49691241005", "+49691206002", "+49691207001"])
        // No voicemail point: nothing to write (a user's voicemail cannot be switched off), said once for the path.
        #expect(Self.payload(out, .voicemailPolicies, "3001") == nil)
        #expect(out.exceptions.filter { $0.sourceKind == ObjectKind.coveragePath.rawValue && $0.sourceID == "6" && $0.message.contains("never reaches voicemail") }.count == 1)
        // 41005 is on the same path: it never forwards to itself.
        let own = Self.payload(out, .callForwarding, "41005")?["body"]?["calls"]?.arrayValue?.compactMap { $0["targets"]?.arrayValue?.first?["value"]?.stringValue }
        #expect(own == ["+49691206002", "+49691207001"])
        let ex = try #require(out.exceptions.first { $0.rule == "coverage.forwarding" && $0.sourceID == "3001" })
        #expect(ex.sourceKind == ObjectKind.station.rawValue)
        #expect(ex.message.contains("coverage path 6") && ex.message.contains("point 3 h93") && ex.message.contains("point 5 attd") && ex.message.contains("point 6 v7002"))
        #expect(!ex.message.contains("point 1"))
        // Busy / don't answer only: the same target is prepared, disabled, and the gap is named.
        let cond = try #require(Self.payload(out, .callForwarding, "3002"))
        #expect(cond["body"]?["enabled"]?.boolValue == false)
        #expect(out.exceptions.contains { $0.sourceID == "3002" && $0.disposition == .approximated && $0.message.contains("point 1 +49691241005") })
        // Every payload passes the API contract (CallForwarding, VoicemailUserPolicy).
        for r in out.resources where ["call-forwarding", "voicemail-policies"].contains(r.type) {
            let t = try #require(ResourceType(rawValue: r.type))
            #expect(t.spec.validate(r.payload["body"] ?? .null).isEmpty)
        }
    }

    @Test func timeOfDayCoverageAndSecondPathAreNamedPerStation() throws {
        var m = SiteModel()
        m.stations["3001"] = Self.station("3001", coverage: "t1")
        var s2 = Self.station("3002", coverage: "4")
        s2.coveragePath2 = "9"
        m.stations["3002"] = s2
        m.coveragePaths["4"] = CoveragePath(number: 4, inside: .init(dontAnswer: true), points: [CoveragePoint(point: "c1")])
        let out = Self.run(m, try Self.config())
        #expect(out.exceptions.contains { $0.sourceID == "3001" && $0.message.contains("time-of-day coverage table 1") })
        #expect(out.exceptions.contains { $0.sourceID == "3002" && $0.message.contains("second coverage path 9") })
        #expect(out.exceptions.contains { $0.sourceID == "3002" && $0.message.contains("point 1 c1") && $0.disposition == .manual })
    }

    // MARK: hunt.members

    @Test func easSkillWithoutAgentsIsAnEmptyQueueWithAWarning() throws {
        var m = SiteModel()
        m.huntGroups["20"] = HuntGroup(number: 20, name: "French", extension: "3920", groupType: "ead-mia", acd: true, skill: true)
        let out = Self.run(m, try Self.config())
        #expect(Self.payload(out, .queues, "hunt-20") != nil)
        #expect(Self.payload(out, .queueMembers, "hunt-20") == nil)
        let d = try #require(out.decisions.first { $0.targetType == "queues" && $0.targetKey == "hunt-20" })
        #expect(d.warnings.contains { $0.contains("0 members") })
        #expect(out.exceptions.contains { $0.rule == "hunt.members" && $0.sourceID == "20" && $0.disposition == .review })
    }

    // MARK: aux.presence

    @Test func presenceKeywordsMatchTheDocsAndUnmatchedNamesAreAway() throws {
        var m = SiteModel()
        m.reasonCodes["aux/7"] = ReasonCode(kind: .aux, code: 7, name: "Personal")
        m.reasonCodes["aux/9"] = ReasonCode(kind: .aux, code: 9, name: "Coaching")
        let out = Self.run(m, try Self.config())
        #expect(Self.payload(out, .presenceDefinitions, "aux-7")?["systemPresence"]?.stringValue == "Away")
        #expect(Self.payload(out, .presenceDefinitions, "aux-9")?["systemPresence"]?.stringValue == "Training")
        // The documented keyword table is the code's.
        let docs = try String(contentsOf: SampleBuildTests.root.appendingPathComponent("docs/mapping.md"), encoding: .utf8)
        let row = try #require(docs.split(separator: "\n").first { $0.hasPrefix("| aux.presence |") })
        let defaults = MappingConfig().presence
        for (keyword, presence) in defaults.keywords {
            #expect(row.contains("`\(keyword)` → \(presence)"), "docs/mapping.md aux.presence lacks \(keyword) → \(presence)")
        }
        #expect(row.contains("else \(defaults.default)"))
        let listed = row.components(separatedBy: "` → ").count - 1
        #expect(listed == defaults.keywords.count, "docs list \(listed) keywords, the code \(defaults.keywords.count)")
    }

    // MARK: schedule.holiday

    /// CM rows have no year: each becomes a yearly schedule in local time, in the site's zone.
    /// The row crosses the EU spring-forward change in 2025 (30 March) but not in 2026 (29 March,
    /// before noon): the local times stay, only the UTC audit instants move.
    @Test func holidaysRecurEveryYearInLocalTime() throws {
        var m = SiteModel()
        m.holidayTables["1"] = HolidayTable(number: 1, name: "DE", entries: [
            HolidayEntry(startMonth: 3, startDay: 29, startHour: 12, startMinute: 0, endMonth: 3, endDay: 31, endHour: 8, endMinute: 0,
                         description: "Spring Shutdown"),
            HolidayEntry(startMonth: 2, startDay: 29, startHour: 0, startMinute: 0, endMonth: 2, endDay: 29, endHour: 23, endMinute: 59,
                         description: "Leap Day"),
        ])
        let out = Self.run(m, try Self.config())
        let spring = try #require(Self.payload(out, .schedules, "holiday-1-1"))
        #expect(spring["rrule"]?.stringValue == "FREQ=YEARLY")
        #expect(spring["start"]?.stringValue == "2025-03-29T12:00:00.000")
        #expect(spring["end"]?.stringValue == "2025-03-31T08:00:00.000")
        #expect(Self.payload(out, .scheduleGroups, "holidays-1")?["timeZone"]?.stringValue == "Europe/Berlin")
        let leap = try #require(Self.payload(out, .schedules, "holiday-1-2"))
        #expect(leap["start"]?.stringValue == "2028-02-29T00:00:00.000")  // the first leap year from 2025
        #expect(leap["rrule"]?.stringValue == "FREQ=YEARLY")
        let p = HolidayTime.Point.self
        let y25 = try HolidayTime.window(year: 2025, start: p.init(month: 3, day: 29, hour: 12, minute: 0),
                                         end: p.init(month: 3, day: 31, hour: 8, minute: 0), zone: "Europe/Berlin").get()
        let y26 = try HolidayTime.window(year: 2026, start: p.init(month: 3, day: 29, hour: 12, minute: 0),
                                         end: p.init(month: 3, day: 31, hour: 8, minute: 0), zone: "Europe/Berlin").get()
        #expect(y25.elapsedSeconds == 43 * 3600 && y26.elapsedSeconds == 44 * 3600)
        #expect(y25.startUTC == "2025-03-29T11:00:00Z" && y26.startUTC == "2026-03-29T10:00:00Z")
        #expect(y25.startLocal.dropFirst(4) == y26.startLocal.dropFirst(4))
    }
}
