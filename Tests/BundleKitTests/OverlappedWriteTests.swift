import Common
import Foundation
import Testing
@testable import BundleKit

/// `BundleBuilder.write` streams the payloads into the tar while derived files render on the
/// other core (issue 16); the file must be the bytes `build()` gives, failures must leave nothing.
@Suite struct OverlappedWriteTests {
    struct RenderFailed: Error, Equatable {}

    func builderWithPage() throws -> BundleBuilder {
        var b = try sampleBuilder()
        for i in 0..<300 { try b.addPayload(type: "skill", key: "s\(i)", json: ["name": .string("Skill \(i)")]) }
        b.addDerivedFile(path: "review.html") { files in
            Data("<p>\(files.paths.count) members, first \(files.paths.first ?? "")</p>".utf8)
        }
        return b
    }

    @Test func writtenFileEqualsTheBuiltTar() throws {
        let dir = try makeTempDir()
        for gzip in [false, true] {
            let url = dir.appendingPathComponent(gzip ? "b.tar.gz" : "b.tar")
            let written = try builderWithPage().write(to: url, gzip: gzip)
            let built = try builderWithPage().build()
            #expect(try Data(contentsOf: url) == built.tarData(gzip: gzip), "gzip: \(gzip)")
            #expect(written.digest == built.digest)
            #expect(written.files == built.files)
            #expect(try BundleVerifier.verify(contentsOf: url).isValid)
        }
    }

    @Test func aFailingRendererLeavesNoFileAndSaysWhy() throws {
        let dir = try makeTempDir()
        var b = try sampleBuilder()
        b.addDerivedFile(path: "review.html") { _ in throw RenderFailed() }
        let url = dir.appendingPathComponent("b.tar")
        #expect(throws: RenderFailed()) { try b.write(to: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func payloadDigestsComeBackFromAdd() throws {
        var b = BundleBuilder(fixedInputs)
        let json: JSONValue = ["name": "Billing", "b": [1, 2]]
        let digest = try b.addPayload(type: "skill", key: "billing", json: json)
        #expect(digest == SHA256Digest.hex(json.canonicalData()))
        let built = try b.build()
        #expect(built.files.paths == built.files.members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
