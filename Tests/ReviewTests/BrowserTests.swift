import BundleKit
import Foundation
import Testing
import TestSupport

/// The sample page in a real browser: headless Chromium (Debian's `chromium`; `make test` installs
/// it when missing) loads it from file://, runs its script, takes a screenshot and dumps the DOM.
/// One browser start (~2 s). The screenshot is kept at $TMPDIR/cm2gc-review-sample.png for people.
@Suite struct BrowserTests {
    static func chromium() -> URL? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: p) { return URL(fileURLWithPath: p) }
        return nil
    }

    @Test func samplePageRendersInHeadlessChromiumWithoutConsoleErrors() throws {
        let browser = try #require(Self.chromium(), "headless Chromium is needed: `make test-deps` (apt-get install chromium)")
        let (_, files, _) = try Sample.shared.get()
        let dir = try Sample.tempDir()
        let page = dir.appendingPathComponent("review.html")
        try #require(files[BundleFormat.reviewPath]).write(to: page)
        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-review-sample.png")
        try? FileManager.default.removeItem(at: shot)
        // No network: background services off, and the page's CSP forbids any fetch anyway.
        let r = try runProduct(browser, [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--enable-logging=stderr", "--v=0",
            "--window-size=1280,1800", "--screenshot=\(shot.path)", "--dump-dom", page.absoluteString,
        ])
        #expect(r.status == 0, "chromium failed: \(r.stderr.suffix(2000))")
        // Every console message (errors, CSP violations, uncaught exceptions) is a failure.
        let console = r.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        #expect(console.isEmpty, "console output: \(console.joined(separator: "\n"))")
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
        #expect(png.count > 20_000, "a screenshot with content, \(png.count) bytes")
        let dom = r.stdout
        for id in ["summary", "exceptions", "people", "routing", "plan", "changes"] {
            #expect(dom.contains("<section id=\"\(id)\">"), "section \(id) in the rendered DOM")
        }
        // The script ran: it un-hides the people search tools.
        #expect(dom.contains("<div class=\"tools\"><input id=\"people-filter\""))
    }
}
