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
}
