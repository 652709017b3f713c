import AvayaCM
import Common
import Foundation
import Testing
@testable import Migration

/// The faster writers of stage one against the reference forms they replace: the streamed source
/// fingerprint, the byte-level `mapping.csv`.
@Suite struct WritingTests {
    static func sampleModel() throws -> SiteModel {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try StageOne.readSources(["samples/sat", "samples/smgr"].map { root.appendingPathComponent($0).path }).model
    }

    @Test func streamedFingerprintIsTheDigestOfTheCanonicalModel() throws {
        var models = [try Self.sampleModel(), SiteGenerator.generate(SiteProfile(stations: 300, agents: 90, seed: 7)), SiteModel()]
        // Every member in use, the optional `untyped` included; provenance is not content.
        var m = SiteGenerator.generate(.sample)
        m.untyped = ["station:9": UntypedRecord(kind: .station, key: "9", form: "station", fields: ["0001ff00": "x\"\u{1}é"])]
        m.sources["station:1"] = [SourceLocation(file: "a.txt", line: 3)]
        models.append(m)
        for model in models {
            #expect(model.contentFingerprint == SHA256Digest.hex(model.content.canonicalJSON))
        }
        #expect(m.contentFingerprint != SiteGenerator.generate(.sample).contentFingerprint)
    }

    @Test func mappingCSVMatchesTheCharacterRuleOnTrickyFields() {
        let fields = ["", "plain", "a,b", "say \"hi\"", "line\nbreak", "cr\rlf", "crlf\r\nx", "=SUM(A1)", "+1", "-2", "@x",
                      "=", "é,", "=\u{301}x", "-é", "e\u{301},x", ",\u{301}", "\"\u{301}", "\r\n", "\n\r", "ok é", "👩‍👩‍👧,\"",
                      "'quoted'", "@\r\n", "é \"x\" → a,b", "=é,x", "→,", ",→", "a\u{301}\"", "\u{600},x", "x\r\n,y", "-\u{301}"]
        for f in fields {
            var out: [UInt8] = []
            MappingCSV.field(f, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == MappingCSV.quoted(f), "\(f.debugDescription)")
        }
        let d = Decision(rule: "r,1", sourceKind: "station", sourceID: "=1", sourceDigest: nil, action: .create,
                         targetType: "users", targetKey: nil, reason: "why \"not\"", warnings: [])
        #expect(MappingCSV.render([d]) == "source_type,source_id,rule,action,target_type,target_key,reason\n"
                + "station,\"'=1\",\"r,1\",create,users,,\"why \"\"not\"\"\"\n")
    }
}
