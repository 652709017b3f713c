import AvayaCM
import Common
import Foundation
import GRDB

/// pbxd v3 (research §4): `POST /<pbx>/v3/` with `{"termtype":"ossi","command":…,"fields":{}}`
/// → `{"ossi_objects": [{fieldId: value}…], "error": …}`. Keys come from `list <object>`, then
/// one `display <object> <key>` per object, staged one object per transaction (the checkpoint:
/// a resumed run skips objects this run already staged). pbxd has no `lastModified`, so a delta
/// re-reads the lists and re-fetches objects whose list row changed or is new; one-screen forms
/// (cos, reason codes, numbering, dial plan) are always re-read (one request each).
struct PbxdPull {
    let o: ExtractOptions
    let store: any StagingBackend
    let conn: Connection
    let run: ExtractionRun
    let log: @Sendable (String) -> Void

    var incremental: Bool { run.mode == "incremental" }

    func command(_ cmd: String) async throws -> [JSONValue] {
        let path = "/\(o.pbxName)/v3/"
        let body: JSONValue = ["termtype": "ossi", "command": .string(cmd), "fields": .object([:]), "debug": false]
        let v = try await conn.json(.POST, path, body: body)
        if let e = v["error"], let msg = e.stringValue, !msg.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ExtractError.commandFailed(command: cmd, detail: msg)
        }
        guard let objs = v["ossi_objects"]?.arrayValue else {
            throw ExtractError.badShape(url: conn.base + path, detail: "no \"ossi_objects\" array (answer to '\(cmd)')")
        }
        return objs
    }

    func pull(_ tally: inout Tally) async throws {
        if run.watermark == nil { try await store.setWatermarkIfUnset(run: run.id, StagingStore.now()) }
        for d in o.datasets {
            let f = d.ossi
            if let single = f.singleCommand {
                if try await store.checkpoint(run: run.id, dataset: d.rawValue, phase: "records").done { continue }
                let objs = try await command(single)
                let rec = StagedRecord(key: f.form, record: ["command": .string(single), "objects": .array(objs)])
                let out = try await store.stage(run: run.id, dataset: d, source: .pbxd, phase: "records", records: [rec], nextOffset: 1, done: true)
                tally.add(d, out, fetched: 1)
                continue
            }
            guard let listCmd = f.listCommand else { continue }
            if try await store.checkpoint(run: run.id, dataset: d.rawValue, phase: "sweep").done { continue }
            let rows = try await command(listCmd)
            let (keyId, otherIds) = f.listFieldIds(o.dictionary)
            guard let keyId else {
                throw ExtractError.badShape(url: listCmd, detail: "the OSSI dictionary has no key field id for form \(f.form)")
            }
            let live = try await store.live(d)
            let done = try await store.fetchedKeys(d, run: run.id)
            var listed: [(String, String)] = []
            for (k, fields) in try Self.keyedRows(rows, keyId: keyId, command: listCmd) {
                var shown: [String: JSONValue] = [keyId: .string(k)]
                for id in otherIds { if let v = fields[id] { shown[id] = v } }
                listed.append((k, SHA256Digest.hex(JSONValue.object(shown).canonicalText())))
            }
            try await store.markSeen(run: run.id, dataset: d, phase: "list", keys: listed.map(\.0), nextOffset: listed.count, done: true)
            for (k, rowDigest) in listed {
                if done.contains(k) { continue }
                if incremental, let old = live[k], old.listRow == rowDigest { continue }
                guard let cmd = f.displayCommand(k) else { continue }
                let objs = try await command(cmd)
                try Self.singleObject(objs, command: cmd)
                let name = objs.first?["8003ff00"]?.stringValue
                let rec = StagedRecord(key: k, record: ["command": .string(cmd), "objects": .array(objs)], listRow: rowDigest,
                                       extensionValue: f.keyField == "number" ? nil : k, number: f.keyField == "number" ? Int(k) : nil,
                                       name: name)
                let out = try await store.stage(run: run.id, dataset: d, source: .pbxd, phase: "records", records: [rec], nextOffset: 0, done: false)
                tally.add(d, out, fetched: 1)
            }
            let gone = try await store.sweep(run: run.id, dataset: d)
            tally.add(d, "deleted", gone.count)
            tally.deleted += gone.map { "\(d.rawValue)/\($0)" }
        }
    }
}

extension PbxdPull {
    /// The key of every list row. A row without the form's key field (ids from another CM
    /// release, a cut answer) fails the pull with the CM's text: a guessed key would stage an
    /// object under the wrong name, and a skipped row would later read as a deletion.
    static func keyedRows(_ rows: [JSONValue], keyId: String, command: String) throws -> [(key: String, fields: [String: JSONValue])] {
        var out: [(String, [String: JSONValue])] = []
        for (i, r) in rows.enumerated() {
            guard case .object(let fields) = r,
                  let k = fields[keyId]?.stringValue?.trimmingCharacters(in: .whitespaces), !k.isEmpty else {
                throw ExtractError.unusableAnswer(command: command,
                    detail: "row \(i + 1) of \(rows.count) has no key field \(keyId)", cmText: r.canonicalText())
            }
            out.append((k, fields))
        }
        return out
    }

    /// A `display` answers one object; several mean the command matched more than asked
    /// (or the answer is not what it seems), so nothing is staged.
    static func singleObject(_ objs: [JSONValue], command: String) throws {
        guard objs.count > 1 else { return }
        throw ExtractError.unusableAnswer(command: command, detail: "the display answer carries \(objs.count) objects, expected one",
                                          cmText: JSONValue.array(objs).canonicalText())
    }
}

extension StagingStore {
    /// Keys this run already fetched (the per-object checkpoint of a pbxd pull).
    func fetchedKeys(_ d: CMRestDataset, run: Int64) throws -> Set<String> {
        Set(try liveRows(d).isEmpty ? [] : wrap { try db.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM \(d.table) WHERE fetched_run = ?", arguments: [run])
        } })
    }
}
