import BundleKit
import Common
import Foundation
import Testing
import TestSupport
@testable import Migration

/// The command line: `build --json` aggregates exceptions; `build --previous` puts the changes on
/// the stored page; `review` writes a page and exits by the bundle's validity.
@Suite struct CLITests {
    @Test func buildJSONAggregatesAndReviewWritesThePage() throws {
        let cm2gc = try #require(productBinary("cm2gc"), "build the products first (swift build --build-tests)")
        let dir = try Sample.tempDir()
        let bundle = dir.appendingPathComponent("site.tar")
        let b = try runProduct(cm2gc, ["build", Sample.path("samples/sat"), Sample.path("samples/smgr"), "--config", Sample.path("samples/mapping.yaml"),
                                       "-o", bundle.path, "--created", "1735689600", "--json"])
        #expect(b.status == 0, "\(b.stderr)")
        let json = try JSONValue.parse(b.stdout)
        let groups = try #require(json["exceptions_by_rule"]?.arrayValue)
        #expect(groups.reduce(0) { $0 + ($1["count"]?.intValue ?? 0) } == json["exceptions"]?.intValue)
        #expect(groups.allSatisfy { $0["rule"]?.stringValue != nil && $0["sample"]?["message"]?.stringValue != nil })

        let page = dir.appendingPathComponent("page.html")
        let r = try runProduct(cm2gc, ["review", bundle.path, "-o", page.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("valid"))
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("every member matches its manifest"))
        let missing = try runProduct(cm2gc, ["review", dir.appendingPathComponent("nope.tar").path, "-o", page.path])
        #expect(missing.status == 2, "an unreadable bundle is an I/O error")
    }

    @Test func buildWithPreviousShowsTheDeltaOnTheStoredPage() throws {
        let (_, files, first) = try Sample.shared.get()
        let out = try Sample.tempDir().appendingPathComponent("again.tar")
        _ = try StageOne.build(.init(sources: ["samples/sat", "samples/smgr"].map(Sample.path), configPath: Sample.path("samples/mapping.yaml"),
                                     output: out, previous: first, created: 1_735_689_600))
        let html = Sample.page(try BundleFiles.read(contentsOf: out))
        let total = (files.metadata?.counts.values.reduce(0, +) ?? 0) + (files.metadata?.flowCount ?? 0)
        #expect(html.contains("against the previous bundle sample.tar"))
        #expect(html.contains("<div class=\"v\">\(total)</div><div class=\"l\">unchanged</div>"))
        #expect(html.contains("<div class=\"v\">0</div><div class=\"l\">update</div>"))
    }
}
