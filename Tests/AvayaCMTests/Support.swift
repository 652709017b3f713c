import Common
import Foundation
import Testing
@testable import AvayaCM

/// Paths relative to this file, so tests run from any working directory.
enum Paths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repo = testsDir.deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repo.appendingPathComponent("samples")
    static let fixtures = testsDir.appendingPathComponent("Fixtures")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
}

/// A unique temporary directory per test (Swift Testing runs tests in parallel in one process).
func tempDir(_ tag: String = #function) throws -> URL {
    let safe = tag.filter { $0.isLetter || $0.isNumber }
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("avayacm-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Field-by-field comparison that names the first differences (better failure messages than `==`).
func differences<T: Encodable>(_ a: T, _ b: T, limit: Int = 10) -> [String] {
    guard let x = try? JSONValue.from(a), let y = try? JSONValue.from(b) else { return ["unencodable"] }
    var out: [String] = []
    func walk(_ p: String, _ a: JSONValue?, _ b: JSONValue?) {
        if out.count >= limit { return }
        switch (a, b) {
        case (.object(let l)?, .object(let r)?):
            for k in Set(l.keys).union(r.keys).sorted() { walk(p + "." + k, l[k], r[k]) }
        case (.array(let l)?, .array(let r)?) where l.count == r.count:
            for i in l.indices { walk(p + "[\(i)]", l[i], r[i]) }
        default:
            if a != b { out.append("\(p): \(a.map { $0.canonicalText() } ?? "missing") != \(b.map { $0.canonicalText() } ?? "missing")") }
        }
    }
    walk("", x, y)
    return out
}

func readText(_ text: String, name: String = "test.txt") -> ReadResult {
    AvayaReader.read(text: text, name: name)
}
