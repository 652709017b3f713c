import Common
import Foundation
import Testing
@testable import BundleKit

/// Reading a bundle stays bounded on hostile input (issue 16): members nobody needs are hashed and
/// dropped, reading stops at the first header beyond a limit, and a missing end is refused.
@Suite struct HostileInputTests {
    /// A valid sample followed by many members no manifest lists (payloads and tag files).
    private func bundleWithUnlistedMembers(payloads: Int, tagFiles: Int, size: Int) throws -> Data {
        var entries = try sampleBuilder().build().files.paths.map { path -> RawEntry in
            RawEntry(path: path, data: try sampleBuilder().build().files[path] ?? Data())
        }
        let filler = Data(repeating: 0x20, count: size)
        entries += (0..<payloads).map { RawEntry(path: "payloads/zz/n\($0).json", data: filler) }
        entries += (0..<tagFiles).map { RawEntry(path: "zz-junk/t\($0).bin", data: filler) }
        return try rawTar(entries.sorted { BundlePath.precedes($0.path, $1.path) })
    }

    @Test func unlistedMembersAreHashedAndDroppedNotHeld() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("unlisted.tar")
        try bundleWithUnlistedMembers(payloads: 200, tagFiles: 50, size: 64_000).write(to: url)
        let (report, scan, stats) = try BundleVerifier.scan(contentsOf: url)
        #expect(!report.isValid)
        #expect(report.problems.contains(BundleProblem(member: "payloads/zz/n0.json", message: "not listed in manifest-sha256.txt")))
        #expect(report.problems.contains(BundleProblem(member: "zz-junk/t0.bin", message: "not listed in tagmanifest-sha256.txt")))
        let sampleMembers = try sampleBuilder().build().files.paths.count
        #expect(stats.members == sampleMembers + 250 && scan.visited == stats.members)
        // 250 members of 64,000 bytes went past; at no time was one of them held, only the sample's
        // own small members (metadata, manifests, plan, one payload at a time).
        #expect(scan.peakHeldBytes < 8_000, "held \(scan.peakHeldBytes) bytes")
    }

    @Test func readingStopsAtTheFirstHeaderBeyondTheTotalLimit() throws {
        var limits = BundleLimits()
        limits.maxTotalBytes = 100_000
        let tar = try rawTar((0..<100).map { RawEntry(path: "junk/m\($0)", data: Data(repeating: 0, count: 4_000)) })
        var visited = 0
        #expect(throws: BundleError.limitExceeded(member: "<archive total>", size: 104_000, limit: 100_000)) {
            _ = try TarIO.scan(data: tar, limits: limits, keep: { _ in false }) { _ in visited += 1 }
        }
        #expect(visited == 25, "members 27 to 100 must never be read")
    }

    @Test func memberCountLimitNamesMembers() throws {
        var limits = BundleLimits()
        limits.maxMembers = 2
        let tar = try rawTar((0..<5).map { RawEntry(path: "junk/m\($0)", data: Data("x".utf8)) })
        var visited = 0
        do {
            _ = try TarIO.scan(data: tar, limits: limits, keep: { _ in false }) { _ in visited += 1 }
            Issue.record("a third member was accepted")
        } catch let e as BundleError {
            #expect(e == .tooManyMembers(count: 3, limit: 2))
            let text = e.localizedDescription
            #expect(text.contains("more than 2 members") && !text.contains("bytes"), "\(text)")
            #expect(e.exitCode == 1)
        }
        #expect(visited == 2)
    }

    @Test func missingEndOfArchiveBlocksAreRefusedAsTruncated() throws {
        let tar = try sampleBuilder().build().tarData()
        // cm2gc writes exactly the two zero blocks at the end.
        #expect(tar.suffix(1024).allSatisfy { $0 == 0 })
        for cut in [1024, 512] {
            do {
                _ = try BundleFiles.read(tarData: tar.dropLast(cut))
                Issue.record("an archive without \(cut == 1024 ? "its end-of-archive blocks" : "its second end block") was accepted")
            } catch let e as BundleError {
                guard case .corruptArchive(let m) = e else { Issue.record("unexpected \(e)"); continue }
                #expect(m.contains("end-of-archive"), "\(m)")
                #expect(e.exitCode == 1)
            }
        }
        // The same through gzip and a file.
        let dir = try makeTempDir()
        let plain = dir.appendingPathComponent("cut.tar")
        try tar.dropLast(1024).write(to: plain)
        #expect(try run("/usr/bin/env", ["gzip", "-k", "-n", plain.path]).status == 0)
        #expect(throws: BundleError.self) { _ = try BundleVerifier.verify(contentsOf: dir.appendingPathComponent("cut.tar.gz")) }
        // Padding after the end blocks (a 10240-byte record) is accepted (bundle-spec.md section 3).
        var padded = tar
        padded.append(Data(repeating: 0, count: 10_240 - tar.count % 10_240))
        #expect(try BundleFiles.read(tarData: padded) == sampleBuilder().build().files)
    }
}
