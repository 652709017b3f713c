import Common
import Foundation
import Testing
@testable import BundleKit

/// The promise to reviewers: plain `tar` and `sha256sum` are enough to check a bundle offline.
@Suite struct InteropTests {
    @Test(arguments: [false, true])
    func tarListsAndSha256sumChecksBothManifests(gzip: Bool) throws {
        let dir = try makeTempDir("interop\(gzip)")
        let url = try writeSample(to: dir, name: gzip ? "b.tar.gz" : "b.tar", gzip: gzip)
        let list = try run("/usr/bin/env", ["tar", "-tvf", url.path])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 12)
        #expect(lines.allSatisfy { $0.hasPrefix("-rw-r--r-- 0/0 ") && $0.contains("2024-01-01 00:00") })

        if gzip {
            // No trailing padding or timestamp: a clean gzip stream.
            let t = try run("/usr/bin/env", ["gzip", "-t", url.path])
            #expect(t.status == 0 && t.stderr.isEmpty, "\(t.stderr)")
        }

        let out = dir.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        #expect(try run("/usr/bin/env", ["tar", "-xf", url.path, "-C", out.path]).status == 0)
        let m = try run("/usr/bin/env", ["sha256sum", "-c", "manifest-sha256.txt"], in: out)
        #expect(m.status == 0, "\(m.stdout)\(m.stderr)")
        #expect(m.stdout.contains("payloads/queue/sales.json: OK"))
        let t = try run("/usr/bin/env", ["sha256sum", "-c", "tagmanifest-sha256.txt"], in: out)
        #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
        #expect(t.stdout.contains("bundle.json: OK"))
        let digest = try run("/usr/bin/env", ["sha256sum", "tagmanifest-sha256.txt"], in: out)
        #expect(digest.stdout.hasPrefix(try sampleBuilder().build().digest + "  "))

        // And sha256sum notices a change after extraction.
        try Data("tampered".utf8).write(to: out.appendingPathComponent("payloads/skill/billing.json"))
        #expect(try run("/usr/bin/env", ["sha256sum", "-c", "--quiet", "manifest-sha256.txt"], in: out).status != 0)
    }
}
