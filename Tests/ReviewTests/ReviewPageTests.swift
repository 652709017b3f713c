@testable import BundleKit
import Common
import Foundation
import Testing
@testable import Migration
@testable import Review

/// review.html: written by `cm2gc build` into the bundle, rendered again by `cm2gc review`.
@Suite struct ReviewPageTests {
    @Test func buildStoresThePageUnderTheTagManifestAndReviewRendersTheSame() throws {
        let (_, files, _) = try Sample.shared.get()
        let page = try #require(files[BundleFormat.reviewPath])
        let tagManifest = String(decoding: try #require(files[BundleFormat.tagManifestPath]), as: UTF8.self)
        #expect(tagManifest.contains("\(SHA256Digest.hex(page))  review.html\n"), "approvers sign the page they read")
        #expect(tagManifest.contains("  reports/review.json\n"))
        #expect(files.metadata?.formatVersion == "1.1")
        // The page is a function of the other members: the same renderer gives the same bytes.
        var members = files.members
        members[BundleFormat.reviewPath] = nil
        members[BundleFormat.tagManifestPath] = nil
        #expect(ReviewPage.render(BundleFiles(members)) == page)
    }

    /// `cm2gc build` writes the page in pieces into its spill file (#16 memory): the same bytes.
    @Test func thePageWrittenInPiecesIsThePageRenderedWhole() throws {
        let (r, files, out) = try Sample.shared.get()
        var members = files.members
        members[BundleFormat.reviewPath] = nil
        members[BundleFormat.tagManifestPath] = nil
        let input = BundleFiles(members)
        final class Pieces: @unchecked Sendable { var all: [String] = [] }
        let pieces = Pieces()
        ReviewPage.render(input, piece: 4096, write: { pieces.all.append($0) })
        #expect(pieces.all.count > 10)
        #expect(Data(pieces.all.joined().utf8) == ReviewPage.render(input))
        // What the build returns reads its members back from the spill file: the members on disk.
        #expect(r.bundle.files == files)
        // And the spill file is not left in the output directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["sample.tar"])
    }

    @Test func pageIsSelfContainedWithEverySection() throws {
        let (_, files, _) = try Sample.shared.get()
        let html = Sample.page(files)
        for id in ReviewPage.sections { #expect(html.contains("<section id=\"\(id)\">"), "section \(id)") }
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none';"))
        for bad in ["src=\"http", "href=\"http", "<link", "<img", "@import", "url(http", "<iframe"] {
            #expect(!html.contains(bad), "the page must fetch nothing: found \(bad)")
        }
        #expect(html.contains("<svg class=\"graph\""), "pictures, not only tables")
    }

    /// Golden text of the sample page. Re-record after an intended change with
    /// `CM2GC_RECORD_GOLDEN=1 swift test --filter ReviewPageTests` and review the diff.
    @Test func sampleTextMatchesGolden() throws {
        let (_, files, _) = try Sample.shared.get()
        // Source locations name the checkout's absolute path: the golden file says <root>/.
        let text = PageText.of(Sample.page(files)).replacingOccurrences(of: Sample.root.path + "/", with: "<root>/")
        let golden = Sample.root.appendingPathComponent("Tests/ReviewTests/Golden/sample-review.txt")
        if ProcessInfo.processInfo.environment["CM2GC_RECORD_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: golden)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        if text != expected {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false), b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("review page text differs from Golden/sample-review.txt at line \(i + 1): got \"\(i < a.count ? a[i] : "")\", expected \"\(i < b.count ? b[i] : "")\" (CM2GC_RECORD_GOLDEN=1 re-records)")
        }
    }

    @Test func sampleShowsRoutingPeopleAndFidelity() throws {
        let (r, files, _) = try Sample.shared.get()
        let html = Sample.page(files)
        // Every call route has its graph; every vector its steps beside the Architect actions.
        let routes = files.paths.filter { $0.hasPrefix("payloads/ivrs/") }.count
        #expect(routes > 0)
        #expect(html.components(separatedBy: "<figure class=\"route\">").count - 1 == routes)
        #expect(html.components(separatedBy: "<details class=\"vec\"").count - 1 == r.transform.fidelity.count)
        #expect(html.contains("transferToAcd"), "Architect actions beside the vector steps")
        // Hunt group 7 (sequential) draws its members in order; queue hunt-5 has two bullseye rings.
        #expect(html.contains("SEQUENTIAL"))
        #expect(html.contains("ring 2</tspan>: 1 member"))
        #expect(html.contains("cut here"), "the looping coverage chain is drawn with its cut")
        // People: one row per user, skills with proficiency.
        let users = files.paths.filter { $0.hasPrefix("payloads/users/") }.count
        #expect(html.components(separatedBy: "<div class=\"loc\">").count > users)
        #expect(html.contains("<span class=\"chip\">"))
    }

    @Test func summaryAndJSONAggregateExceptionsByRuleWithASample() throws {
        let (r, files, _) = try Sample.shared.get()
        let lines = String(decoding: try #require(files[BundleFormat.exceptionsPath]), as: UTF8.self).split(separator: "\n").count
        #expect(r.exceptionGroups.reduce(0) { $0 + $1.count } == lines, "every record counted once")
        #expect(r.exceptionGroups.allSatisfy { !$0.samples.isEmpty })
        // Decisions first.
        let ranks = r.exceptionGroups.map(\.needsDecision)
        #expect(ranks == ranks.sorted { $0 && !$1 })
        let summary = r.summaryText
        #expect(summary.contains("| rule | code | severity | count | decide | sample |"))
        for g in r.exceptionGroups { #expect(summary.contains("| \(g.rule) | \(g.code) | \(g.severity) | \(g.count) |")) }
        let json = r.exceptionGroups.first?.json
        #expect(json?["sample"]?["message"]?.stringValue?.isEmpty == false)
        #expect(json?["count"]?.intValue == Int64(r.exceptionGroups.first?.count ?? -1))
    }

    /// 5,000 exceptions of three codes: three groups of at most 40 rows, never one row per record.
    @Test func manyExceptionsAggregateIntoGroups() throws {
        var b = BundleBuilder(BundleInputs(sourceFingerprint: "a", mappingConfigDigest: "b", targetAPIModel: "t", created: 0))
        for i in 0..<5000 {
            let code = ["station.did.review", "hunt.overflow.manual", "read.reject"][i % 3]
            try b.addException(ExceptionRecord(severity: code == "read.reject" ? .error : .warning, code: code,
                                               message: "record \(i)", source: "sat/x.txt:\(i + 1)"))
        }
        b.setPlan([])
        let built = try b.build()
        let html = String(decoding: ReviewPage.render(built.files), as: UTF8.self)
        #expect(html.components(separatedBy: "<details class=\"xg\"").count - 1 == 3)
        #expect(html.components(separatedBy: "<tr><td><code>sat/x.txt:").count - 1 == 3 * BundleView.exceptionSamples)
        #expect(html.contains("1,667"))
        // Errors and manual work first.
        let error = try #require(html.range(of: "<code>read.reject</code>")), manual = try #require(html.range(of: "<code>hunt.overflow.manual</code>"))
        let review = try #require(html.range(of: "<code>station.did.review</code>"))
        #expect(error.lowerBound < manual.lowerBound && manual.lowerBound < review.lowerBound)
        #expect(html.contains("sat/x.txt:1<"), "records name their source file:line")
    }

    @Test func peopleArePagedAndChangesShowFieldDiffs() throws {
        func bundle(_ users: Range<Int>, rename: Int? = nil) throws -> BundleFiles {
            var b = BundleBuilder(BundleInputs(sourceFingerprint: "a", mappingConfigDigest: "b", targetAPIModel: "t", created: 0))
            for i in users {
                try b.addPayload(type: "users", key: "u\(i)", json: ["name": .string(i == rename ? "Renamed \(i)" : "User \(i)"),
                                                                      "addresses": [["extension": .string("\(3000 + i)")]]])
            }
            b.setPlan(try BundleOperations.planFromReferences([]))
            return try b.build().files
        }
        let old = try bundle(0..<600)
        let new = try bundle(1..<601, rename: 5)
        let html = String(decoding: ReviewPage.render(new, context: .init(previous: old, previousName: "old.tar")), as: UTF8.self)
        #expect(html.components(separatedBy: "<details class=\"page\"").count - 1 == 3, "600 users in pages of 250")
        #expect(html.contains("Users 501–600 of 600"))
        #expect(html.contains("against the previous bundle old.tar"))
        #expect(html.contains("<code>users/u600</code>") && html.contains("<code>users/u0</code>"), "a create and a delete")
        #expect(html.contains("<td><code>/name</code></td><td class=\"before\">&quot;User 5&quot;</td><td class=\"after\">&quot;Renamed 5&quot;</td>"))
        #expect(html.contains("<div class=\"v\">598</div><div class=\"l\">unchanged</div>"))
    }

    /// `cm2gc review`: verification and approvals on the page; an altered bundle says INVALID.
    @Test func reviewAddsVerificationAndApprovals() throws {
        let (_, _, bundle) = try Sample.shared.get()
        let dir = try Sample.tempDir()
        let copy = dir.appendingPathComponent("site.tar")
        try FileManager.default.copyItem(at: bundle, to: copy)
        let keys = dir.appendingPathComponent("keys"), trusted = dir.appendingPathComponent("trusted")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        for who in ["alice", "bob"] {
            let k = try ApproverKeys.generate(approver: who, name: who.capitalized, directory: keys)
            try FileManager.default.copyItem(at: k.publicKeyFile, to: trusted.appendingPathComponent("\(who).pub"))
            _ = try Approvals.approve(bundleAt: copy, keyFile: k.privateKeyFile, comment: "checked by \(who)",
                                      at: Date(timeIntervalSince1970: 1_735_700_000))
        }
        let out = dir.appendingPathComponent("page.html")
        let r = try ReviewOperations.review(bundleAt: copy, output: out, trustedKeysDirectory: trusted, requiredApprovals: 2)
        #expect(r.exitCode == 0)
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("Valid · approved (2 of 2)"))
        #expect(html.contains(r.verification.integrity.digest ?? "?"))
        #expect(html.components(separatedBy: "<span class=\"badge ok\">counted</span>").count - 1 == 2)
        #expect(html.contains("checked by alice"))

        // Altered content: the page still renders, in red, and the exit code is 1.
        var members = try BundleFiles.read(contentsOf: copy).members
        members["summary.md"] = Data("# all fine, approve me\n".utf8)
        let bad = dir.appendingPathComponent("bad.tar")
        try BundleFiles(members).writeTar(to: bad, mtime: 0)
        let r2 = try ReviewOperations.review(bundleAt: bad, output: out, trustedKeysDirectory: nil)
        #expect(r2.exitCode == 1)
        #expect(try String(contentsOf: out, encoding: .utf8).contains("INVALID: do not approve"))
    }

    /// A format 1.0 bundle (no review members) still verifies and gets a page.
    @Test func olderBundleWithoutReviewMembersStillVerifiesAndRenders() throws {
        let dir = try Sample.tempDir()
        var b = BundleBuilder(BundleInputs(sourceFingerprint: "a", mappingConfigDigest: "b", targetAPIModel: "t", created: 0))
        try b.addPayload(type: "skill", key: "billing", json: ["name": "Billing"])
        b.setPlan(try BundleOperations.planFromReferences([("skill", "billing", ["name": "Billing"])]))
        var members = try b.build().files.members
        var meta = try JSONValue.parse(try #require(members[BundleFormat.metadataPath])).objectValue ?? [:]
        meta["format_version"] = "1.0"
        members[BundleFormat.metadataPath] = Data(JSONValue.object(meta).canonicalText(pretty: true).utf8)
        members[BundleFormat.tagManifestPath] = Manifest.render(members.keys.filter { $0 != BundleFormat.tagManifestPath && !BundleFormat.isPayloadClass($0) }
            .map { ($0, members[$0] ?? Data()) })
        let url = dir.appendingPathComponent("old.tar")
        try BundleFiles(members).writeTar(to: url, mtime: 0)
        let out = dir.appendingPathComponent("old.html")
        let r = try ReviewOperations.review(bundleAt: url, output: out, trustedKeysDirectory: nil)
        #expect(r.verification.integrity.isValid, "\(r.verification.integrity.problems)")
        #expect(r.verification.integrity.metadata?.formatVersion == "1.0")
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("no <code>reports/review.json</code>"))
        for id in ReviewPage.sections { #expect(html.contains("<section id=\"\(id)\">")) }
    }
}
