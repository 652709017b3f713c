import AvayaCM
import Common
import Foundation

extension StagingStore {
    /// Reads the live (not tombstoned) staged records into the source model, like the file
    /// readers do. REST records are model-shaped and decode directly; pbxd records are OSSI
    /// field maps and go through the OSSI reader (the same field mapping as OSSI captures).
    /// Refuses a store whose newest run did not finish: a half-done pull is never built from.
    public static func readModel(_ path: String, options: ReadOptions = .init()) throws -> ReadResult {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ExtractError.store(path: path, detail: "no such file; run `cm2gc extract --stage \(path)` first")
        }
        let s = try StagingStore(path: path)
        guard let run = try s.latestRun() else {
            throw ExtractError.store(path: path, detail: "no extraction run recorded; run `cm2gc extract --stage \(path)` first")
        }
        guard run.status == "succeeded" else { throw ExtractError.runIncomplete(path: path, run: run.id, status: run.status) }
        let rows = try CMRestDataset.allCases.map { ($0, try s.liveRows($0)) }
        return try StagedModelReader.read(kind: try s.source(), rows: rows, name: path, options: options)
    }
}

/// pbxd v3 objects ↔ OSSI lines.
enum PbxdOSSI {
    /// One command's answer as OSSI: `c`, then per object `f` ids and `d` values (tabs), `n`
    /// between objects, `t`. Ids are sorted so the text is deterministic.
    static func render(command: String, objects: [JSONValue]) -> String {
        var out = "c \(command)\n"
        for (i, o) in objects.enumerated() {
            guard case .object(let fields) = o else { continue }
            if i > 0 { out += "n\n" }
            let ids = fields.keys.sorted()
            // Values cannot hold tabs or newlines in OSSI; pbxd never returns them, but a
            // hostile value must not forge a line.
            let vals = ids.map { (fields[$0]?.stringValue ?? "").replacingOccurrences(of: "\t", with: " ")
                .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }
            out += "f" + ids.joined(separator: "\t") + "\n"
            out += "d" + vals.joined(separator: "\t") + "\n"
        }
        return out + "t\n"
    }
}
