import Foundation
import Testing
@testable import AvayaCM

/// An OSSI line of a million TABs (a corrupt or hostile capture) is read with a bounded number of
/// values and said where (issue 16), instead of a million strings per line.
@Suite struct OSSIHostileLineTests {
    @Test func aLineOfAMillionTabsKeepsAtMostTheFieldLimitAndSaysWhere() {
        let tabs = [UInt8](repeating: 0x09, count: 1_000_000)
        var bytes = Array("cdisplay station 1001\nf8005ff00\t8003ff00\nd1001\tAlice\nn\nf".utf8) + tabs
        bytes += Array("\nd".utf8) + tabs + Array("\nt\n".utf8)
        let r = AvayaReader.read(bytes: bytes, name: "tabs.ossi")
        let warnings = r.diagnostics.filter { $0.code == "ossi.too-many-fields" }
        #expect(warnings.map { $0.location?.line } == [5, 6], "\(r.diagnostics)")
        #expect(warnings.first?.message.contains("1000001 tab-separated values; only the first \(OSSIReader.maxFieldsPerLine)") == true)
        // The record before the hostile one is read as usual.
        #expect(r.model.stations["1001"]?.name == "Alice")
    }
}
