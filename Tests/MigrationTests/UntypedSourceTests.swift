import AvayaCM
import Foundation
import Testing
@testable import Migration

/// OSSI rows the reader kept untyped (no dictionary for their form, issue 12 point 7) are
/// accounted for by the transform: one manual exception each, nothing guessed from them.
@Suite struct UntypedSourceTests {
    @Test func untypedRowsBecomeManualExceptionsAndReconcile() throws {
        let capture = "c list public-unknown-numbering\nf0001ff00\t0002ff00\t0003ff00\t0004ff00\t0005ff00\nd5\t41506\t1\t4969\t11\nt\n"
        let read = AvayaReader.read(text: capture, name: "pun.txt")
        #expect(read.model.untyped?.count == 1)
        let out = TransformRulesTests.run(read.model, try TransformRulesTests.config())
        let e = try #require(out.exceptions.first { $0.rule == "source.untyped" })
        #expect(e.sourceKind == "public-unknown-numbering" && e.sourceID == "5/41506/1" && e.disposition == .manual)
        #expect(e.message.contains("ossi:0004ff00"))
        #expect(out.reconciliation["public-unknown-numbering"]?.exceptions == 1)
        // No DID pool or number came from the untyped row.
        #expect(!out.resources.contains { $0.type == "did-pools" })
    }

    /// `cm2gc build --ossi-dictionary FILE`: the override reaches the reader as it does for
    /// `cm2gc read` (the hint of `source.untyped` and `ossi.unknown-ids` tells users to pass it).
    @Test func buildReadsWithTheOSSIDictionaryOverride() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-ossi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("site-ossi.txt")
        try "Software Version: R016x.03.0.124.0\nc display station 3602\nf8005ff00\t8003ff00\t7777ff00\nd3602\tS00602\tKeller, Eva\nt\n"
            .write(to: capture, atomically: true, encoding: .utf8)
        let ids = dir.appendingPathComponent("ids.json")
        try #"{"forms": {"station": {"8003ff00": "port", "7777ff00": "name"}}}"#.write(to: ids, atomically: true, encoding: .utf8)
        func build(_ name: String, _ override: OSSIDictionary?) throws -> StageOne.Result {
            var o = StageOne.Options(sources: [capture.path], configPath: nil, output: dir.appendingPathComponent(name), created: 1_735_689_600)
            o.ossiOverride = override
            return try StageOne.build(o)
        }
        let plain = try build("plain.tar", nil)
        let forced = try build("forced.tar", try OSSIDictionary.load(ids.path))
        let release = { (r: StageOne.Result) in r.readDiagnostics.first { $0.code == "ossi.release" }?.message ?? "" }
        #expect(!release(plain).contains("--ossi-dictionary"))
        #expect(release(forced).contains("--ossi-dictionary file over the R015-R016 dictionary"))
        // Plain: 7777ff00 is unknown and warned about; with the override it is the station's name.
        #expect(plain.readDiagnostics.contains { $0.message.contains("7777ff00") })
        #expect(!forced.readDiagnostics.contains { $0.message.contains("7777ff00") })
    }
}
