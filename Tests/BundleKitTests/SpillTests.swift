import Common
import Foundation
import Testing
@testable import BundleKit

/// Members spilled to a temporary file in the output directory (#16 memory): the same bytes as a
/// bundle kept in memory, no file left behind on any path, members read back one at a time.
@Suite struct SpillTests {
    struct RenderFailed: Error, Equatable {}

    /// A bundle with every kind of member; spilled into `dir` from the first member when given.
    func builder(spillingInto dir: URL?, records: Int = 3000) throws -> BundleBuilder {
        var b = BundleBuilder(fixedInputs)
        if let dir { try b.spillMembers(into: dir) }
        for i in 0..<200 { try b.addPayload(type: "skill", key: "s\(i)", json: ["name": .string("Skill \(i)")]) }
        try b.addPayload(type: "queue", key: "sales",
                         json: ["name": "Sales", "skills": [["id": PayloadReference(type: "skill", key: "s1").json]]])
        try b.addFlow(name: "main-menu", yaml: "inboundCall:\n  name: Main Menu\n")
        b.setPlan([PlanStep(id: "skill/s1", type: "skill", key: "s1", action: .create, phase: 1, payload: "payloads/skill/s1.json")])
        // More records than one encoding window (16 blocks of 2,048 lines), and single ones between.
        let many = (0..<records).map { DiffRecord(type: "skill", key: "s\($0 % 200)", action: .create, source: "sat/x.txt:\($0)") }
        try b.addDiffRecord(DiffRecord(type: "queue", key: "sales", action: .create, source: "sat/hunt.txt:4"))
        try b.addDiffRecords(many)
        try b.addException(ExceptionRecord(severity: .warning, code: "x.y", message: "first", source: "sat/x.txt:1"))
        try b.addExceptions((0..<records).map { ExceptionRecord(severity: .warning, code: "x.many", message: "m\($0)", source: nil) })
        try b.addDiffRecord(DiffRecord(type: "queue", key: "sales", action: .manual, source: "sat/hunt.txt:5"))
        try b.addFile(path: "mapping.csv", data: Data("source,target\nhunt 12,queue/sales\n".utf8))
        // A page written in many pieces that reads other members back, and one rendered whole after it.
        b.addDerivedFile(path: "review.html") { files, out in
            out.write("<p>\(files.paths.count) members</p>")
            for p in files.paths { out.write("<li>\(p) \(files.size(of: p) ?? -1)</li>\n") }
            var lines = 0
            try files.forEachLineBlock(of: "difflog.jsonl", chunk: 4096) { block in
                lines += block.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            out.write("<p>\(lines) diff lines</p>")
        }
        b.addDerivedFile(path: "reports/pages.txt") { files in
            Data("review.html \(files.size(of: "review.html") ?? -1)\n".utf8)
        }
        return b
    }

    @Test func aSpilledBundleHasTheBytesOfOneKeptInMemory() throws {
        let dir = try makeTempDir()
        for gzip in [false, true] {
            let url = dir.appendingPathComponent(gzip ? "b.tar.gz" : "b.tar")
            let written = try builder(spillingInto: dir).write(to: url, gzip: gzip)
            let inMemory = try builder(spillingInto: nil).build()
            #expect(try Data(contentsOf: url) == inMemory.tarData(gzip: gzip), "gzip: \(gzip)")
            #expect(written.digest == inMemory.digest)
            #expect(written.files == inMemory.files)
            // The member set returned still reads its members from the (unlinked) spill file.
            #expect(written.files["difflog.jsonl"] == inMemory.files["difflog.jsonl"])
            #expect(try written.files.tarData(mtime: fixedInputs.created, gzip: gzip) == Data(contentsOf: url))
            #expect(try BundleVerifier.verify(contentsOf: url).isValid)
        }
        // Only the two bundles: the spill file was unlinked when it was made.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["b.tar", "b.tar.gz"])
    }

    @Test func aFailingRendererLeavesNothingInTheOutputDirectory() throws {
        let dir = try makeTempDir()
        var b = try builder(spillingInto: dir, records: 10)
        b.addDerivedFile(path: "reports/fails.html") { _, out in
            out.write("half a page")
            throw RenderFailed()
        }
        #expect(throws: RenderFailed()) { try b.write(to: dir.appendingPathComponent("b.tar")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aStreamedFileOverItsLimitIsRefused() throws {
        let dir = try makeTempDir()
        var b = try builder(spillingInto: dir, records: 10)
        b.limits.maxOtherMemberBytes = 1000
        b.addDerivedFile(path: "reports/big.txt") { _, out in
            for _ in 0..<100 { out.write(String(repeating: "x", count: 100)) }
        }
        #expect(throws: BundleError.self) { try b.write(to: dir.appendingPathComponent("b.tar")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func anOutputDirectoryThatCannotTakeTheSpillFileIsAnError() throws {
        var b = BundleBuilder(fixedInputs)
        let missing = try makeTempDir().appendingPathComponent("no-such-dir")
        #expect(throws: BundleError.self) { try b.spillMembers(into: missing) }
    }

    @Test func lineBlocksEndAtNewlinesAndKeepEveryByte() throws {
        let dir = try makeTempDir()
        let built = try builder(spillingInto: dir, records: 500).build()
        let whole = try #require(built.files["difflog.jsonl"])
        for chunk in [1, 7, 100, 4096, 1 << 20] {
            var joined = Data()
            var blocks = 0
            try built.files.forEachLineBlock(of: "difflog.jsonl", chunk: chunk) { block in
                #expect(block.last == 0x0A)  // this log ends with a newline, so every block does
                joined.append(contentsOf: block)
                blocks += 1
            }
            #expect(joined == whole, "chunk \(chunk)")
            if chunk == 100 { #expect(blocks > 1) }
        }
        // Chunks of a member in order give the member.
        var chunks = Data()
        try built.files.forEachChunk(of: "exceptions.jsonl", chunk: 333) { chunks.append(contentsOf: $0) }
        #expect(chunks == built.files["exceptions.jsonl"])
        #expect(try built.files.forEachChunk(of: "no/such.member") { _ in } == false)
        #expect(built.files.withContents(of: "payloads/skill/s7.json") { Data($0) } == built.files["payloads/skill/s7.json"])
    }

    @Test func aLastLineWithoutNewlineIsStillHandedOver() throws {
        let dir = try makeTempDir()
        var b = BundleBuilder(fixedInputs)
        try b.spillMembers(into: dir)
        try b.addFile(path: "reports/lines.txt", data: Data("one\ntwo\nthree".utf8))
        let files = try b.build().files
        var joined = Data()
        try files.forEachLineBlock(of: "reports/lines.txt", chunk: 5) { joined.append(contentsOf: $0) }
        #expect(String(decoding: joined, as: UTF8.self) == "one\ntwo\nthree")
    }
}
