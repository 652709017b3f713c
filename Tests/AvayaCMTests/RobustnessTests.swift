import Common
import Foundation
import Testing
@testable import AvayaCM

@Suite struct RobustnessTests {
    static func sample(_ rel: String) throws -> [UInt8] {
        try Array(Data(contentsOf: Paths.samples.appendingPathComponent(rel)))
    }

    /// Every reject must come with an error diagnostic at the same place.
    static func checkInvariants(_ r: ReadResult, _ what: String) {
        #expect(r.report.reconciles, "\(what): counts do not reconcile")
        for j in r.report.rejects {
            #expect(r.diagnostics.contains { $0.severity == .error && $0.location == j.location }, "\(what): reject without diagnostic: \(j)")
        }
    }

    @Test func truncatedCaptureKeepsEarlierRecordsAndSaysWhere() throws {
        let text = String(decoding: try Self.sample("sat/agents.txt"), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Cut inside the 11th agent's first page.
        let cut = lines.enumerated().filter { $0.element.hasPrefix("display agent-loginid 5010") || $0.element.hasPrefix("disp agent-loginid 5010") }.first?.offset ?? 0
        // Cut after the first form line of a pasted capture (no prompts): nothing tells a cut page
        // from a short one, so the agent is kept (key present) and no page warning is given.
        let r = readText(lines[..<(cut + 4)].joined(separator: "\n"), name: "cut.txt")
        #expect(r.model.agents.count == 11)
        #expect(r.model.agents["5010"]?.name == nil)
        #expect(!r.diagnostics.contains { $0.severity == .warning })
        Self.checkInvariants(r, "truncated")
        // The same cut in a session log (it shows the `Command:` prompt): the screen never got its
        // closing prompt, so it is rejected at the line where the capture ends.
        let session = readText("Command:\n" + lines[..<(cut + 4)].joined(separator: "\n"), name: "cut-session.txt")
        #expect(session.model.agents.count == 10)
        #expect(session.report.rejects.map(\.key) == ["5010"])
        #expect(session.diagnostics.contains { $0.code == "sat.cut" && $0.location?.line == cut + 5 && $0.hint != nil })
        Self.checkInvariants(session, "cut session")
        // Cut right after the command echo: nothing to build, so the record is rejected, with its line.
        let r2 = readText(lines[..<(cut + 1)].joined(separator: "\n"), name: "cut2.txt")
        #expect(r2.model.agents.count == 10)
        #expect(r2.report.rejects.count == 1 && r2.report.rejects.first?.location.line == cut + 1)
        Self.checkInvariants(r2, "truncated at echo")
    }

    @Test func binaryGarbageIsRejectedNotCrashed() {
        var rng = SplitMix64(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let r = AvayaReader.read(bytes: bytes, name: "garbage.bin")
        #expect(r.report.rejects.count == 1)
        #expect(r.diagnostics.contains { $0.code == "read.binary" && $0.location?.line == 1 })
        Self.checkInvariants(r, "binary")
    }

    @Test func unknownScreenIsNotedAndTheRestRead() throws {
        let text = """
        display trunk-group 3                                           Page   1 of   1
                                         TRUNK GROUP
        Group Number: 3                    Group Type: sip
        display vdn 7001                                                Page   1 of   1
                                    VECTOR DIRECTORY NUMBER
                                     Extension: 7001
                                         Name*: Sales
                                   Destination: Vector Number        2
        """
        // Saved with a final line end: a paste ending inside a line may be cut (SATCut).
        let r = readText(text + "\n")
        #expect(r.model.vdns["7001"]?.vectorNumber == 2)
        #expect(r.diagnostics.contains { $0.code == "sat.unknown-screen" && $0.location?.line == 1 })
    }

    @Test func duplicateExtensionIsRejectedWithBothLocations() throws {
        let one = """
        display station 4001                                            Page   1 of   1
        Extension: 4001                          Security Code:                  TN: 1
             Type: 9611                         Coverage Path 1: 1               COR: 1
             Name: First, Person
        """
        let two = one.replacingOccurrences(of: "First, Person", with: "Second, Person")
        let r = readText(one + "\n" + two + "\n" + one + "\n", name: "dup.txt")
        #expect(r.model.stations["4001"]?.name == "First, Person")
        #expect(r.report.counts[.station] == { var c = KindCount(); c.read = 3; c.merged = 1; c.rejected = 1; c.inModel = 1; return c }())
        let d = try #require(r.diagnostics.first { $0.code == "model.duplicate" })
        #expect(d.location?.line == 5)
        #expect(d.message.contains("dup.txt:1"))
        #expect(d.hint != nil)
        Self.checkInvariants(r, "duplicate")
    }

    @Test func badXMLKeepsEarlierUsersAndReportsTheLine() throws {
        let xml = String(decoding: try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixture("smgr-export-two-sets.xml")))), as: UTF8.self)
        // Two users, the second one broken by an unclosed tag.
        let second = xml.replacingOccurrences(of: "aodegard@example.com", with: "x@example.com")
            .components(separatedBy: "<user>")[1].replacingOccurrences(of: "<status>provisioned</status>", with: "<status>provisioned</statu>")
        let broken = xml.replacingOccurrences(of: "</ns2:users>", with: "<user>" + second + "</ns2:users>")
        let r = AvayaReader.read(text: broken, name: "bad.xml")
        #expect(r.model.users["aodegard@example.com"] != nil)
        #expect(r.model.users["x@example.com"] == nil)
        let e = try #require(r.diagnostics.first { $0.code == "smgr.xml" && $0.severity == .error })
        #expect((e.location?.line ?? 0) > 100)
        #expect(r.report.rejects.contains { $0.kind == .user })
        Self.checkInvariants(r, "bad xml")
    }

    @Test func ossiMisalignedAndMissingTerminator() {
        let text = "c display vdn 7001\nf8005ff00\t8003ff00\t0004ff00\nd7001\tSales\nc display vdn 7002\nf8005ff00\nd7002\n"
        let r = readText(text, name: "o.txt")
        #expect(r.model.vdns["7001"]?.name == "Sales")
        #expect(r.model.vdns["7002"] != nil)
        // A d line shorter than its f line is CM omitting unset trailing values: no warning.
        #expect(!r.diagnostics.contains { $0.code == "ossi.misaligned" })
        #expect(r.diagnostics.contains { $0.code == "ossi.truncated" })
        // More values than ids cannot be paired: warned, the extra value dropped.
        let over = readText("c display vdn 7003\nf8005ff00\t8003ff00\nd7003\tSales\tx\nt\n", name: "m.txt")
        #expect(over.diagnostics.contains { $0.code == "ossi.misaligned" && $0.location?.line == 3 })
        #expect(over.model.vdns["7003"]?.name == "Sales" && over.model.vdns["7003"]?.extra.isEmpty == true)
    }

    @Test func screenWithoutKeyIsRejected() {
        let r = readText("display station                                                 Page   1 of   1\n     Name: Nobody\n", name: "k.txt")
        #expect(r.report.rejects.count == 1 && r.report.rejects.first?.location.line == 1)
        #expect(r.report.counts[.station]?.rejected == 1)
    }

    @Test func crossSourceConflictFollowsTheRule() {
        let sat = """
        display station 4100                                            Page   1 of   1
        Extension: 4100                          Security Code:                  TN: 1
             Type: 9611SIP                       Coverage Path 1: 1               COR: 2
             Name: Old, Name
        """
        let xml = """
        <tns:users xmlns:tns="http://xml.avaya.com/schema/import" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:x="http://xml.avaya.com/schema/import_csm_cm">
        <tns:user><givenName>New</givenName><surname>Name</surname><displayName>Name, New</displayName><loginName>n@example.com</loginName>
        <commProfileSet><commProfileSetName>Primary</commProfileSetName><commProfileList>
        <commProfile xsi:type="x:xmlStationProfile"><commProfileType>CM</commProfileType><x:extension>4100</x:extension><x:cor>5</x:cor></commProfile>
        </commProfileList></commProfileSet></tns:user></tns:users>
        """
        let b = ModelBuilder()
        var s = LineStream(bytes: Array((sat + "\n").utf8))
        SATReader(file: "a.txt", builder: b).read(&s)
        SMGRReader(file: "b.xml", builder: b).read(bytes: Array(xml.utf8))
        let r = AvayaReader.finish(b)
        #expect(r.model.stations["4100"]?.name == "Name, New")   // SMGR wins for people
        #expect(r.model.stations["4100"]?.cor == 2)              // CM wins for telephony
        #expect(r.diagnostics.filter { $0.code == "merge.conflict" }.count == 2)
        #expect(r.report.counts[.station]?.merged == 1)
    }

    /// Seeded, bounded mutation fuzzing of every sample at every reader: no crash, counts
    /// reconcile, and every rejected record has an error diagnostic at its location.
    @Test(arguments: ["sat/stations.txt", "sat/groups.txt", "sat/vectors.txt", "sat/system.txt",
                      "ossi/stations.txt", "ossi/groups.txt", "ossi/system.txt", "smgr/users.xml"])
    func mutatedSamplesNeverCrash(_ rel: String) throws {
        let original = try Self.sample(rel)
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: rel.hashValue & 0) &+ 0xC0FFEE &+ UInt64(rel.utf8.count))
        // A smaller slice keeps the run fast; mutations hit structure as well as bytes.
        let base = Array(original.prefix(12_000))
        for round in 0..<25 {
            var b = base
            for _ in 0..<(1 + rng.int(6)) {
                guard !b.isEmpty else { break }
                let at = rng.int(b.count)
                switch rng.int(7) {
                case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())                       // flip a byte
                case 1: b.removeSubrange(at..<min(b.count, at + rng.int(400)))                // delete a run
                case 2: b.insert(contentsOf: (0..<rng.int(40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
                case 3: b = Array(b.prefix(at))                                               // truncate
                case 4: let n = min(b.count - at, rng.int(300)); b.insert(contentsOf: b[at..<(at + n)], at: at)  // duplicate
                case 5: b.insert(contentsOf: Array("\u{1B}[2J\u{1B}[1;65H\u{0C}\t\r".utf8), at: at)            // terminal noise
                default: b.insert(contentsOf: Array("\nPage 9 of 2\nc\nf\t\td\n<user><".utf8), at: at)         // stray structure
                }
            }
            let r = AvayaReader.read(bytes: b, name: "\(rel)#\(round)")
            Self.checkInvariants(r, "\(rel) round \(round)")
            // Whatever happens, the result must encode (no NaN, no invalid strings).
            _ = try CanonicalJSON.data(r.model)
        }
    }
}
