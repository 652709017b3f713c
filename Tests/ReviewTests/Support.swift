import BundleKit
import Foundation
import Migration

/// The committed sample site, built once for the suite (tests run in parallel).
enum Sample {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { root.appendingPathComponent(p).path }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The same inputs and time as the Migration sample tests.
    static let shared: Result<(StageOne.Result, BundleFiles, URL), any Error> = Result {
        let out = try tempDir().appendingPathComponent("sample.tar")
        let r = try StageOne.build(.init(sources: ["samples/sat", "samples/smgr"].map(path), configPath: path("samples/mapping.yaml"),
                                         output: out, created: 1_735_689_600))
        return (r, try BundleFiles.read(contentsOf: out), out)
    }

    static func page(_ files: BundleFiles) -> String {
        String(decoding: files[BundleFormat.reviewPath] ?? Data(), as: UTF8.self)
    }
}

/// The text a reader sees: markup dropped, script and style skipped, one line per block element,
/// entities decoded. What the golden file holds, so a layout change does not churn it.
enum PageText {
    static let blocks: Set<String> = ["p", "div", "tr", "li", "h1", "h2", "h3", "summary", "figcaption", "dt", "dd", "section",
                                      "table", "thead", "tbody", "header", "footer", "nav", "a", "text", "title", "details", "ul", "ol", "figure"]

    static func of(_ html: String) -> String {
        var out = ""
        var i = html.startIndex
        var skipUntil: String?
        while i < html.endIndex {
            let c = html[i]
            if c == "<", let close = html[i...].firstIndex(of: ">") {
                let tag = html[html.index(after: i)..<close]
                let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                if let s = skipUntil {
                    if tag.hasPrefix("/") && name == s { skipUntil = nil }
                } else if !tag.hasPrefix("/") && (name == "script" || name == "style") {
                    skipUntil = name
                } else if blocks.contains(name) {
                    out += "\n"
                } else if (name == "td" || name == "th") && !tag.hasPrefix("/") {
                    out += " | "
                } else {
                    out += " "
                }
                i = html.index(after: close)
                continue
            }
            if skipUntil == nil { out.append(c) }
            i = html.index(after: i)
        }
        let decoded = out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
        return decoded.split(separator: "\n").map { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        }.map { $0.hasPrefix("| ") ? String($0.dropFirst(2)) : $0 }.filter { !$0.isEmpty && $0 != "|" }.joined(separator: "\n") + "\n"
    }
}
