import Common
import Foundation
import Testing
@testable import AvayaCM

/// The byte-level shortcuts of the SAT read (issue 16) must give what the String-based code
/// they replaced gave: label lookups, collapsed/key text, line splitting and control-byte
/// detection, and a parse spread over several workers.
@Suite struct SATFastPathTests {
    /// The implementation `Bytes.collapsed`/`key` had before they wrote into the String directly.
    static func reference(_ s: [UInt8], lower: Bool) -> String {
        var out: [UInt8] = []
        var pending = false
        for b in s {
            if Bytes.isSpace(b) { pending = !out.isEmpty; continue }
            if pending { out.append(0x20); pending = false }
            out.append(lower ? Bytes.lower(b) : b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func collapsedAndKeyMatchTheArrayBasedVersion() {
        var g = SystemRandomNumberGenerator()
        // Blanks, tabs, ASCII letters of both cases, UTF-8 (valid and cut), Windows-1252 bytes.
        let alphabet: [UInt8] = [0x20, 0x20, 0x09, 0x41, 0x5A, 0x61, 0x7A, 0x3A, 0x31, 0xC3, 0xBC, 0xE2, 0x82, 0xAC, 0xFC, 0x80]
        for _ in 0..<2_000 {
            let n = Int.random(in: 0...40, using: &g)
            let s = (0..<n).map { _ in alphabet.randomElement(using: &g) ?? 0x20 }
            #expect(Bytes.collapsed(s) == Self.reference(s, lower: false))
            #expect(Bytes.key(s[...]) == Self.reference(s, lower: true))
            if n > 4 { #expect(Bytes.key(s[2..<n - 1]) == Self.reference(Array(s[2..<n - 1]), lower: true)) }
        }
    }

    @Test func labelTableFindsWhatTheDictionaryFound() {
        let tables: [(LabelTable, [String: String])] = [
            (SATReader.stationLabels, Dictionary(SATReader.stationLabels.entries.map { (String(decoding: $0.bytes, as: UTF8.self), $0.value) }, uniquingKeysWith: { $1 })),
            (SATReader.agentLabels, Dictionary(SATReader.agentLabels.entries.map { (String(decoding: $0.bytes, as: UTF8.self), $0.value) }, uniquingKeysWith: { $1 })),
        ]
        for (table, dict) in tables {
            #expect(dict.count == table.entries.count)
            for (key, value) in dict {
                // As a capture spells it: capitals, runs of blanks, blanks around.
                let spelled = "  " + key.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "   ") + " "
                let bytes = Array(spelled.utf8)
                #expect(Bytes.key(bytes[...]) == key)
                #expect(table.value(bytes[...]) == value, "\(spelled)")
                let e = table.index(bytes[...])
                #expect(e.map { table.entries[$0].typed } == !value.hasPrefix("x."))
                // A longer or shorter label is another label.
                #expect(table.value(Array((spelled + "x").utf8)[...]) == dict[key + "x"])
                #expect(table.value(bytes.dropLast(2)) == dict[String(key.dropLast())])
            }
            #expect(table.value(Array("no such label".utf8)[...]) == nil)
            #expect(table.value(Array("   ".utf8)[...]) == nil)
        }
        let small: LabelTable = ["number": "number", "name": "x.", "number": "n2"]
        #expect(small.value(Array("NUMBER".utf8)[...]) == "n2")
        #expect(small.index(Array("Name".utf8)[...]).map { small.entries[$0].typed } == false)
    }

    @Test func linesSplitAndControlBytesAsBefore() {
        let lines: [[UInt8]] = [
            Array("plain line".utf8), [], Array("crlf".utf8) + [0x0D], [0x61, 0x0D, 0x62], Array("tab\there".utf8),
            [0x1B, 0x5B, 0x32, 0x4A, 0x41], [0x41, 0x7F], Array("Müller".utf8), [0x4D, 0xFC, 0x6C], Array("€ 5".utf8), [0x0C],
        ]
        var bytes: [UInt8] = []
        for l in lines { bytes += l; bytes.append(0x0A) }
        bytes += Array("last, unterminated".utf8)
        var s = LineStream(bytes: bytes)
        var got: [[UInt8]] = []
        var control: [Bool] = []
        while let l = s.next() { got.append(l); control.append(s.lastLineHasControl) }
        let expected = (lines + [Array("last, unterminated".utf8)]).map { l -> [UInt8] in
            let noCR = l.filter { $0 != 0x0D }
            // Not UTF-8: read as Windows-1252 (ü is 0xFC there).
            return String(validating: noCR, as: UTF8.self) == nil ? Windows1252.utf8(noCR) : noCR
        }
        #expect(got == expected)
        #expect(control == got.map { !TerminalText.isPlain($0) })
        #expect(s.lastLineUnterminated)
        #expect(s.windows1252Line == 9)
    }

    @Test func manyWorkersReadExactlyWhatOneThreadReads() throws {
        // Over twenty batches of screens (the capture twice), so batches complete out of order on three workers.
        let site = SiteGenerator.generate(SiteProfile(stations: 2_500, agents: 250, huntGroups: 12, vectors: 8, vdns: 8, seed: 5))
        let sink = TextSink()
        for sec in SiteSection.allCases { SATWriter.write(site, section: sec, to: sink) }
        var bytes = Array(sink.text.utf8)
        // An error screen in the middle of the stations, so diagnostics interleave with records.
        bytes += Array("display station 99999999\nExtension 99999999 not assigned\n".utf8)
        bytes += Array(sink.text.utf8)  // every record again: identical duplicates, noted in order
        func read(_ pipelined: Bool, _ workers: Int) -> ReadResult {
            let b = ModelBuilder()
            var s = LineStream(bytes: bytes)
            SATReader(file: "site.txt", builder: b).read(&s, pipelined: pipelined, workers: workers)
            return AvayaReader.finish(b)
        }
        let one = read(false, 1)
        #expect(one.model.stations.count == 2_500)
        #expect(one.diagnostics.count > 2_500)
        for workers in [1, 3] {
            let many = read(true, workers)
            #expect(many.model == one.model)
            #expect(many.report == one.report)
            #expect(many.diagnostics == one.diagnostics)
        }
    }
}
