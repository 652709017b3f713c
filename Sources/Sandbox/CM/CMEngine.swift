import AvayaCM
import Common
import Foundation

/// Fault injection for the CM sandbox. Seeded: the same seed and request order give the same
/// faults. Admin paths (`/sandbox/*`) are never faulted.
public struct CMFaultConfig: Sendable, Hashable {
    public var seed: UInt64 = 1
    /// Probability of 429 with `Retry-After: retryAfterSeconds`.
    public var rate429: Double = 0
    public var retryAfterSeconds: Double = 1
    /// Probability of a 5xx (statuses drawn from `serverErrorStatuses`).
    public var rate5xx: Double = 0
    public var serverErrorStatuses: [Int] = [500, 502, 503]
    /// Probability of closing the connection without an answer.
    public var dropRate: Double = 0
    /// Probability of adding `latencyMilliseconds`.
    public var latencyRate: Double = 0
    public var latencyMilliseconds: Int = 200
    public init() {}
}

public struct CMSandboxConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 0
    public var site: SiteModel
    public var username = "cm2gc"
    public var password = "sandbox"
    /// pbxd name: pbxd v3 answers on `POST /<pbxName>/v3/`.
    public var pbxName = "cm"
    /// Our REST contract's base path.
    public var restBase = "/cm/v1"
    public var maxLimit = 1000
    /// `lastModified` of every record as loaded (fixed, so pulls are reproducible).
    public var initialModified = "2025-01-01T00:00:00.000Z"
    public var faults = CMFaultConfig()
    public var dictionary: OSSIDictionary = .builtIn
    public var journalLimit = 100_000

    public init(site: SiteModel) { self.site = site }
}

/// One answered (or dropped) request, for tests and operators: the journal of what the PBX saw.
public struct CMJournalEntry: Codable, Sendable, Hashable {
    public var seq: Int
    /// Seconds since 1970, wall clock, at arrival.
    public var at: Double
    public var method: String
    public var path: String
    public var query: String
    /// pbxd: the OSSI command.
    public var command: String?
    /// 0 when the connection was dropped.
    public var status: Int
    /// Records (REST full view) or OSSI objects (pbxd) in the answer.
    public var returned: Int
    /// REST `view=keys`: ids listed.
    public var keysListed: Int
    public var fault: String?
}

/// The CM stand-in: the site as REST records (our contract) and as OSSI forms (pbxd v3).
public actor CMEngine {
    let config: CMSandboxConfig
    var model: SiteModel
    /// dataset → id → lastModified.
    var modified: [CMRestDataset: [String: String]] = [:]
    var ossiCache: [String: [[String: String]]]?
    /// REST form and sorted ids per dataset, built once per change: building them per page made
    /// a full pull quadratic in the site's size.
    var restCache: [CMRestDataset: (records: [String: JSONObject], ids: [String])] = [:]
    var journal: [CMJournalEntry] = []
    var seq = 0
    var rng: SplitMix64
    var lastStamp = ""

    public init(config: CMSandboxConfig) {
        self.config = config
        model = config.site
        rng = SplitMix64(seed: config.faults.seed)
        for d in CMRestDataset.allCases {
            let keys = (try? d.records(of: config.site).keys.map { $0 }) ?? []
            modified[d] = Dictionary(uniqueKeysWithValues: keys.map { ($0, config.initialModified) })
        }
    }

    public func journalEntries(since: Int = 0) -> [CMJournalEntry] { journal.filter { $0.seq > since } }
    public var lastSeq: Int { seq }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }

    /// Strictly increasing timestamps, so a change never shares a millisecond with an `asOf`.
    func stamp() -> String {
        var s = Self.iso(Date())
        if s <= lastStamp { s = Self.iso((ISO8601DateFormatter.ms(lastStamp) ?? Date()).addingTimeInterval(0.001)) }
        lastStamp = s
        return s
    }

    // MARK: - Mutations (admin API and library)

    public enum MutationError: Error, Sendable, CustomStringConvertible {
        case unknownDataset(String), unknownRecord(String, String), invalid(String)
        public var description: String {
            switch self {
            case .unknownDataset(let d): "unknown dataset \(d)"
            case .unknownRecord(let d, let k): "no \(d) record \(k)"
            case .invalid(let w): "the change does not fit the model: \(w)"
            }
        }
    }

    /// Merges `set` into the record's REST form (members replaced whole) and bumps `lastModified`.
    public func modify(_ dataset: CMRestDataset, id: String, set: [String: JSONValue]) throws(MutationError) {
        guard var rec = (try? dataset.records(of: model))?[id] else { throw .unknownRecord(dataset.rawValue, id) }
        for (k, v) in set where k != "id" && k != "lastModified" { rec[k] = v }
        do { try dataset.insert(rec, id: id, into: &model) } catch { throw .invalid("\(error)") }
        modified[dataset, default: [:]][id] = stamp()
        ossiCache = nil
        restCache = [:]
    }

    public func delete(_ dataset: CMRestDataset, id: String) throws(MutationError) {
        guard modified[dataset]?[id] != nil else { throw .unknownRecord(dataset.rawValue, id) }
        var m = model
        switch dataset {
        case .stations: m.stations[id] = nil
        case .agents: m.agents[id] = nil
        case .huntGroups: m.huntGroups[id] = nil
        case .vectors: m.vectors[id] = nil
        case .vdns: m.vdns[id] = nil
        case .coveragePaths: m.coveragePaths[id] = nil
        case .cor: m.cors[id] = nil
        case .cos: m.coses[id] = nil
        case .reasonCodes: m.reasonCodes[id] = nil
        case .holidayTables: m.holidayTables[id] = nil
        case .announcements: m.announcements[id] = nil
        case .publicNumbering: m.publicNumbering[id] = nil
        case .dialPlan: m.dialPlan[id] = nil
        case .pickupGroups: m.pickupGroups[id] = nil
        case .tenants: m.tenants[id] = nil
        }
        model = m
        modified[dataset]?[id] = nil
        ossiCache = nil
        restCache = [:]
    }

    public var site: SiteModel { model }

    // MARK: - Requests

    public func respond(_ r: SandboxRequest) -> SandboxResponse {
        if r.path.hasPrefix("/sandbox/") { return admin(r) }
        let at = Date().timeIntervalSince1970
        seq += 1
        var entry = CMJournalEntry(seq: seq, at: at, method: r.method, path: r.path,
                                   query: r.query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"),
                                   command: nil, status: 0, returned: 0, keysListed: 0, fault: nil)
        // Always four draws per request, so one rate does not shift the others' sequence.
        let fc = config.faults
        let dDrop = rng.unit(), d429 = rng.unit(), d5xx = rng.unit(), dLat = rng.unit()
        var resp: SandboxResponse
        if dDrop < fc.dropRate {
            resp = SandboxResponse(status: 0)
            resp.drop = true
            entry.fault = "drop"
        } else if d429 < fc.rate429 {
            resp = Self.error(429, "rate.limited", "Too many requests")
            resp.headers.append(("Retry-After", Self.num(fc.retryAfterSeconds)))
            entry.fault = "429"
        } else if d5xx < fc.rate5xx, !fc.serverErrorStatuses.isEmpty {
            let st = fc.serverErrorStatuses[Int(d5xx / max(fc.rate5xx, 1e-9) * Double(fc.serverErrorStatuses.count)) % fc.serverErrorStatuses.count]
            resp = Self.error(st, "server.error", "Injected server error")
            entry.fault = "\(st)"
        } else if !authorized(r) {
            resp = Self.error(401, "unauthorized", "Authentication required")
            resp.headers.append(("WWW-Authenticate", "Basic realm=\"cm\""))
        } else {
            resp = answer(r, &entry)
        }
        if dLat < fc.latencyRate, !resp.drop {
            resp.delay = Double(fc.latencyMilliseconds) / 1000
            entry.fault = (entry.fault.map { $0 + "+" } ?? "") + "latency"
        }
        entry.status = resp.drop ? 0 : resp.status
        if !(200..<300).contains(entry.status) { entry.returned = 0; entry.keysListed = 0 }
        journal.append(entry)
        if journal.count > config.journalLimit { journal.removeFirst(journal.count - config.journalLimit) }
        return resp
    }

    static func num(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    func authorized(_ r: SandboxRequest) -> Bool {
        guard let h = r.headers["authorization"], h.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(h.dropFirst(6)).trimmingCharacters(in: .whitespaces)) else { return false }
        return String(decoding: data, as: UTF8.self) == "\(config.username):\(config.password)"
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> SandboxResponse {
        .json(["error": ["code": .string(code), "message": .string(message)]], status: status)
    }

    func answer(_ r: SandboxRequest, _ e: inout CMJournalEntry) -> SandboxResponse {
        let base = config.restBase
        if r.method == "POST", r.path == "/\(config.pbxName)/v3" { return pbxd(r, &e) }
        guard r.method == "GET", r.path.hasPrefix(base + "/"),
              let d = CMRestDataset(rawValue: String(r.path.dropFirst(base.count + 1))) else {
            return Self.error(404, "not.found", "No resource at \(r.method) \(r.path)")
        }
        let limit = Int(r.q("limit") ?? "100") ?? -1
        let offset = Int(r.q("offset") ?? "0") ?? -1
        guard (1...config.maxLimit).contains(limit) else {
            return Self.error(400, "bad.request", "limit must be 1…\(config.maxLimit)")
        }
        guard offset >= 0 else { return Self.error(400, "bad.request", "offset must be ≥ 0") }
        let since = r.q("modifiedSince")
        if let s = since, ISO8601DateFormatter.ms(s) == nil {
            return Self.error(400, "bad.request", "modifiedSince must be an ISO 8601 UTC time")
        }
        let asOf = Self.iso(Date())
        let cached = restCache[d] ?? {
            let recs = (try? d.records(of: model)) ?? [:]
            return (recs, SiteModel.sortedKeys(recs))
        }()
        restCache[d] = cached
        let recs = cached.records
        let stamps = modified[d] ?? [:]
        var ids = cached.ids
        if let s = since { ids = ids.filter { (stamps[$0] ?? "") >= s } }
        let page = ids.dropFirst(offset).prefix(limit)
        let keysOnly = r.q("view") == "keys"
        let results: [JSONValue] = page.map { id in
            let lm = JSONValue.string(stamps[id] ?? config.initialModified)
            if keysOnly { return ["id": .string(id), "lastModified": lm] }
            var o = recs[id] ?? [:]
            o["lastModified"] = lm
            return .object(o)
        }
        if keysOnly { e.keysListed = results.count } else { e.returned = results.count }
        return .json(["results": .array(results), "total": .int(Int64(ids.count)), "limit": .int(Int64(limit)),
                      "offset": .int(Int64(offset)), "asOf": .string(asOf)])
    }

    // MARK: - pbxd v3

    func pbxd(_ r: SandboxRequest, _ e: inout CMJournalEntry) -> SandboxResponse {
        guard let body = try? JSONValue.parse(r.body), let cmd = body["command"]?.stringValue else {
            return .json(["error": "request body must be JSON with a \"command\""], status: 400)
        }
        let command = cmd.split(separator: " ").joined(separator: " ")
        e.command = command
        let forms = ossiForms()
        if let objs = forms[command] {
            e.returned = objs.count
            return .json(["ossi_objects": .array(objs.map { .object($0.mapValues { .string($0) }) })])
        }
        // `list <object>`: one row per object, from its display form (key + name fields).
        if command.hasPrefix("list "), let d = CMRestDataset.allCases.first(where: { $0.ossi.listCommand == command }),
           let prefix = d.ossi.displayCommand("") {
            let (keyId, others) = d.ossi.listFieldIds(config.dictionary)
            var rows: [JSONValue] = []
            let keys = forms.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            for k in SiteModel.sortedKeys(Dictionary(keys.map { ($0, 0) }, uniquingKeysWith: { a, _ in a })) {
                guard let obj = forms[prefix + k]?.first else { continue }
                var row: [String: JSONValue] = [:]
                for id in [keyId].compactMap({ $0 }) + others { if let v = obj[id] { row[id] = .string(v) } }
                rows.append(.object(row))
            }
            e.returned = rows.count
            return .json(["ossi_objects": .array(rows)])
        }
        if command.hasPrefix("display ") {
            return .json(["ossi_objects": .array([]), "error": .string("e1 00000000 0000 \(command): object not assigned")])
        }
        return .json(["ossi_objects": .array([]), "error": .string("e1 00000000 0000 \(command): unknown command")])
    }

    /// command → OSSI objects, rendered from the model with the OSSI writer (so pbxd answers use
    /// the same field ids the reader maps), then parsed back into field maps.
    func ossiForms() -> [String: [[String: String]]] {
        if let c = ossiCache { return c }
        let sink = TextSink()
        for s in SiteSection.allCases { OSSIWriter.write(model, section: s, to: sink, dictionary: config.dictionary) }
        let parsed = Self.parseOSSI(sink.text)
        ossiCache = parsed
        return parsed
    }

    static func parseOSSI(_ text: String) -> [String: [[String: String]]] {
        var out: [String: [[String: String]]] = [:]
        var cmd: String?
        var fl: [[String]] = [], dl: [[String]] = []
        var objs: [[String: String]] = []
        func endRecord() {
            guard !dl.isEmpty else { return }
            var o: [String: String] = [:]
            for (f, d) in zip(fl, dl) { for (i, v) in zip(f, d) { o[i] = v } }
            objs.append(o)
            dl = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let tag = raw.first else { continue }
            let body = String(raw.dropFirst())
            switch tag {
            case "c":
                cmd = body.split(separator: " ").joined(separator: " ")
                fl = []; dl = []; objs = []
            case "f": fl.append(body.components(separatedBy: "\t"))
            case "d": dl.append(body.components(separatedBy: "\t"))
            case "n": endRecord()
            case "t":
                endRecord()
                if let c = cmd, !c.hasPrefix("list ") { out[c] = objs }
                cmd = nil
            default: break
            }
        }
        return out
    }

    // MARK: - Admin

    func admin(_ r: SandboxRequest) -> SandboxResponse {
        switch (r.method, r.path) {
        case ("GET", "/sandbox/journal"):
            let since = Int(r.q("since") ?? "0") ?? 0
            guard let v = try? JSONValue.from(journalEntries(since: since)) else { return Self.error(500, "internal", "journal encoding") }
            return .json(["entries": v, "last": .int(Int64(seq))])
        case ("GET", "/sandbox/health"):
            return .json(["ok": true])
        case ("POST", "/sandbox/modify"), ("POST", "/sandbox/delete"):
            guard let b = try? JSONValue.parse(r.body), let ds = b["dataset"]?.stringValue, let id = b["id"]?.stringValue else {
                return Self.error(400, "bad.request", "body must be {\"dataset\": …, \"id\": …[, \"set\": {…}]}")
            }
            guard let d = CMRestDataset(rawValue: ds) else { return Self.error(404, "not.found", "unknown dataset \(ds)") }
            do {
                if r.path == "/sandbox/modify" { try modify(d, id: id, set: b["set"]?.objectValue ?? [:]) } else { try delete(d, id: id) }
            } catch {
                return Self.error(error.description.hasPrefix("no ") ? 404 : 400, "bad.request", error.description)
            }
            return .json(["ok": true, "lastModified": .string(modified[d]?[id] ?? "")])
        default:
            return Self.error(404, "not.found", "No sandbox resource at \(r.method) \(r.path)")
        }
    }
}

extension ISO8601DateFormatter {
    /// Parses ISO 8601 with or without fractional seconds.
    static func ms(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }
}
