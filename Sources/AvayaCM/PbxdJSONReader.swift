import Common
import Foundation

/// Reads a saved pbxd v3 answer (uw-it-ist/pbxd `ossi_command`): `{"ossi_objects": [{id: value}…],
/// "error": "…", "debug": ["c display station 3001\r\n", "f…\r\n", "d…\r\n", "t\r\n"]}`.
/// The raw `debug` lines are the OSSI stream and are read as such (line numbers are positions
/// in the `debug` array). Without them the objects are read when the file also names the
/// command (`"command"`, as in the v3 request); otherwise the field ids cannot be typed and the
/// file is refused with a message saying how to save it.
struct PbxdJSONReader {
    let file: String
    let builder: ModelBuilder
    let options: ReadOptions

    func read(bytes: [UInt8]) {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        guard let any = try? JSONSerialization.jsonObject(with: Data(body)), let obj = any as? [String: Any] else {
            refuse("the file starts like a pbxd JSON answer but is not a JSON object", code: "pbxd.not-json",
                   hint: "save the answer exactly as pbxd returned it")
            return
        }
        let command = (obj["command"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
        let release = obj["release"] as? String
        var lines: [String] = []
        if let r = release { lines.append("Software Version: \(r)") }
        if let debug = obj["debug"] as? [Any] {
            let raw = debug.compactMap { $0 as? String }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n")) }
            if let c = command, !raw.contains(where: { $0.hasPrefix("c") }) { lines.append("c \(c)") }
            lines += raw
        } else if let objs = obj["ossi_objects"] as? [Any] {
            guard let c = command, !c.isEmpty else {
                let err = (obj["error"] as? String).map { "; pbxd reported: \($0)" } ?? ""
                refuse("pbxd answer without the command it answers (no \"command\", no \"debug\" lines): its \(objs.count) object(s) cannot be typed\(err)",
                       code: "pbxd.no-command",
                       hint: "save answers with \"debug\": true, add the request's \"command\" to the file, or use `cm2gc extract --kind pbxd`")
                return
            }
            lines.append("c \(c)")
            for (i, o) in objs.enumerated() {
                guard let fields = o as? [String: Any] else { continue }
                let ids = fields.keys.sorted()
                if i == 0 { lines.append("f" + ids.joined(separator: "\t")) }
                else { lines.append("n") }
                lines.append("d" + ids.map { (fields[$0] as? String) ?? "\(fields[$0] ?? "")" }.joined(separator: "\t"))
            }
            if let e = obj["error"] as? String, !e.isEmpty {
                // pbxd joins "<field id> <text>" per error line.
                for m in e.split(separator: "\n") {
                    let p = m.split(separator: " ", maxSplits: 1)
                    lines.append(p.count == 2 ? "e1 \(p[0]) 0 \(p[1])" : "e1 ? 0 \(m)")
                }
            }
            lines.append("t")
        } else {
            refuse("JSON without \"ossi_objects\" or \"debug\": not a pbxd v3 answer", code: "pbxd.not-json",
                   hint: "save the answer exactly as pbxd returned it")
            return
        }
        var s = LineStream(bytes: Array(lines.joined(separator: "\n").utf8))
        AvayaReader.readLines(&s, .ossi, file, builder, options)
    }

    private func refuse(_ why: String, code: String, hint: String) {
        builder.reject(nil, key: nil, at: SourceLocation(file: file, line: 1), reason: why, code: code, hint: hint)
    }
}
