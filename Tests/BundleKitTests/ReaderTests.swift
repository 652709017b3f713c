import Common
import Foundation
import Testing
@testable import BundleKit

@Suite struct ReaderTests {
    private func unsafeReason(_ tar: Data) -> (member: String, reason: String)? {
        do {
            _ = try BundleFiles.read(tarData: tar)
            return nil
        } catch BundleError.unsafeMember(let member, let reason) {
            return (member, reason)
        } catch {
            return ("other", "\(error)")
        }
    }

    @Test func readBackEqualsWhatWasWritten() throws {
        let built = try sampleBuilder().build()
        for gzip in [false, true] {
            let read = try BundleFiles.read(tarData: try built.tarData(gzip: gzip))
            #expect(read == built.files)
        }
    }

    @Test func pathTraversalIsRefused() throws {
        let r = try #require(unsafeReason(try rawTar([RawEntry(path: "payloads/../../evil.json", data: Data("{}".utf8))])))
        #expect(r.member == "payloads/../../evil.json")
        #expect(r.reason.contains("traversal"))
        let dotdot = try #require(unsafeReason(try rawTar([RawEntry(path: "../x", data: Data("x".utf8))])))
        #expect(dotdot.reason.contains("traversal"))
    }

    @Test func absoluteSymlinkHardlinkDeviceAreRefused() throws {
        #expect(unsafeReason(try rawTar([RawEntry(path: "/etc/passwd", data: Data("x".utf8))]))?.reason == "absolute path")
        #expect(unsafeReason(try rawTar([RawEntry(path: "summary.md", kind: .symlink("/etc/passwd"))]))?.reason == "symbolic link")
        #expect(unsafeReason(try rawTar([RawEntry(path: "a.txt", data: Data("x".utf8)),
                                         RawEntry(path: "b.txt", kind: .hardlink("a.txt"))]))?.reason == "hard link")
        #expect(unsafeReason(try rawTar([RawEntry(path: "dev", kind: .charDevice)]))?.reason.contains("device") == true)
    }

    @Test func duplicateAndNonASCIIAndUpperCaseNamesAreRefused() throws {
        let dup = try rawTar([RawEntry(path: "summary.md", data: Data("a".utf8)), RawEntry(path: "summary.md", data: Data("b".utf8))])
        #expect(unsafeReason(dup)?.reason.contains("duplicate") == true)
        let nonASCII = try #require(unsafeReason(try rawTar([RawEntry(path: "payloads/queue/m\u{FC}ller.json", data: Data("{}".utf8))])))
        #expect(nonASCII.reason == "non-ASCII name")
        #expect(nonASCII.member == "payloads/queue/m\\xC3\\xBCller.json")
        #expect(unsafeReason(try rawTar([RawEntry(path: "Summary.md", data: Data("a".utf8))]))?.reason.contains("outside") == true)
    }

    @Test func directoryEntriesAreTolerated() throws {
        let tar = try rawTar([RawEntry(path: "plan/", kind: .directory), RawEntry(path: "plan/plan.txt", data: Data("x".utf8))])
        #expect(try BundleFiles.read(tarData: tar).paths == ["plan/plan.txt"])
    }

    @Test func oversizedPayloadIsRefusedOnRead() throws {
        let big = Data(repeating: 0x20, count: 512_001)
        #expect(throws: BundleError.limitExceeded(member: "payloads/q/big.json", size: 512_001, limit: 512_000)) {
            _ = try BundleFiles.read(tarData: try rawTar([RawEntry(path: "payloads/q/big.json", data: big)]))
        }
        var small = BundleLimits()
        small.maxMembers = 2
        #expect(throws: BundleError.self) {
            _ = try BundleFiles.read(tarData: try sampleBuilder().build().tarData(), limits: small)
        }
    }

    @Test(arguments: [100, 700, 1_500, 4_000])
    func truncatedTarGivesAClearError(cut: Int) throws {
        let dir = try makeTempDir("truncated\(cut)")
        let tar = try sampleBuilder().build().tarData()
        let url = dir.appendingPathComponent("cut.tar")
        try tar.prefix(cut).write(to: url)
        do {
            _ = try BundleFiles.read(contentsOf: url)
            Issue.record("a truncated archive was accepted")
        } catch let e as BundleError {
            guard case .corruptArchive = e else { Issue.record("unexpected \(e)"); return }
            #expect(e.exitCode == 1)
            #expect(e.localizedDescription.contains("not a readable bundle archive"))
        }
    }

    @Test func truncatedGzipGivesAClearError() throws {
        let gz = try sampleBuilder().build().tarData(gzip: true)
        for cut in [10, 300, gz.count / 2] {
            do {
                let files = try BundleFiles.read(tarData: gz.prefix(cut))
                // libarchive may stop cleanly at a member boundary: then the manifests catch it.
                #expect(try !BundleVerifier.verify(files).isValid, "cut \(cut) of \(gz.count): \(files.paths)")
            } catch let e as BundleError {
                #expect(e.localizedDescription.contains("not a readable bundle archive"), "\(e)")
            }
        }
    }

    @Test func notATarAndMissingFile() throws {
        #expect(throws: BundleError.self) { _ = try BundleFiles.read(tarData: Data("hello, this is not a tar".utf8)) }
        let dir = try makeTempDir()
        do {
            _ = try BundleFiles.read(contentsOf: dir.appendingPathComponent("missing.tar"))
            Issue.record("missing file accepted")
        } catch let e as BundleError {
            #expect(e.exitCode == 2)
        }
    }
}
