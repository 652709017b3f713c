import Common
import Foundation
import Testing
@testable import AvayaCM

/// Large SAT captures are read by two threads (one cuts screens, one parses them, issue 16):
/// the result must be exactly what one thread reads, in the same order.
@Suite struct SATPipelineTests {
    static func read(_ bytes: [UInt8], pipelined: Bool) -> ReadResult {
        let b = ModelBuilder()
        var s = LineStream(bytes: bytes)
        SATReader(file: "site.txt", builder: b).read(&s, pipelined: pipelined)
        return AvayaReader.finish(b)
    }

    @Test func twoThreadsReadExactlyWhatOneThreadReads() throws {
        // A generated site (more screens than one batch of the queue) followed by every SAT
        // fixture: error screens, cuts, noise, packed lists, Windows-1252 lines.
        let site = SiteGenerator.generate(SiteProfile(stations: 700, agents: 140, huntGroups: 12, vectors: 8, vdns: 8, seed: 3))
        let sink = TextSink()
        for sec in SiteSection.allCases { SATWriter.write(site, section: sec, to: sink) }
        var bytes = Array(sink.text.utf8)
        let names = try FileManager.default.contentsOfDirectory(atPath: Paths.fixtures.path)
            .filter { $0.hasPrefix("sat-") && $0.hasSuffix(".txt") }.sorted()
        #expect(names.count > 20)
        for n in names { bytes += Array(try Data(contentsOf: URL(fileURLWithPath: Paths.fixture(n)))); bytes.append(0x0A) }

        let one = Self.read(bytes, pipelined: false)
        let two = Self.read(bytes, pipelined: true)
        #expect(one.model.stations.count >= 700)
        #expect(one.diagnostics.contains { $0.severity == .error })
        #expect(differences(one.model, two.model).isEmpty)
        #expect(one.model == two.model)
        #expect(one.report == two.report)
        #expect(one.diagnostics == two.diagnostics)
    }

    @Test func pageHeadersOfOneScreenParseLikeTheFirst() {
        var memo = SATReader.CommandMemo()
        let lines = ["display station 3001                                            Page   1 of   4",
                     "display station 3001                                            Page   2 of   4",
                     "display station 3001                                            Page  10",
                     "display station 3001                                            Page   3 of   4 x",
                     "display station 3002                                            Page   1 of   4",
                     "STATION", "Display Language: english"]
        for l in lines {
            let b = Array(l.utf8)
            let fast = SATReader.command(b, &memo), slow = SATCommand.parse(b)
            #expect(fast?.text == slow?.text && fast?.page == slow?.page && fast?.pageTotal == slow?.pageTotal
                    && fast?.qualifier == slow?.qualifier && fast?.verb == slow?.verb && (fast == nil) == (slow == nil), "\(l)")
        }
    }
}
