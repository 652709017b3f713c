import AvayaCM
import BundleKit
import CMExtract
import Common
import Foundation
import GenesysCloud
import Review

/// `cm2gc build`: read → transform → validate → plan → bundle. Stage one end to end; never
/// touches the network.
public enum StageOne {
    public struct Options: Sendable {
        public var sources: [String]
        public var configPath: String?
        public var output: URL
        public var previous: URL?
        /// Creation time; nil: SOURCE_DATE_EPOCH, else the newest input file's mtime.
        public var created: Int64?
        public var targetAPIModel = "platform-api-v2 (sdk 257.1.0)"
        /// Overrides the configuration's `callFlows` when set.
        public var callFlows: Bool?
        /// `--ossi-dictionary`: OSSI field ids merged over the dictionary of each capture's CM release.
        public var ossiOverride: OSSIDictionary?

        public func with(callFlows: Bool?) -> Options {
            var o = self
            o.callFlows = callFlows
            return o
        }

        public init(sources: [String], configPath: String?, output: URL, previous: URL? = nil, created: Int64? = nil) {
            self.sources = sources
            self.configPath = configPath
            self.output = output
            self.previous = previous
            self.created = created
        }
    }

    public struct Result: Sendable {
        public var bundle: BuiltBundle
        public var transform: TransformOutput
        public var read: ReadReport
        public var readDiagnostics: [Diagnostic]
        public var steps: [BundleKit.PlanStep]
        public var delta: [String: Int]
        public var summaryText: String
        /// Exceptions by code and severity, decisions first (summary.md, `build --json`, review.html).
        public var exceptionGroups: [ExceptionGroup]
        /// Non-zero when any source record is unaccounted for.
        public var exitCode: Int32 { transform.unaccounted.isEmpty && read.reconciles ? 0 : 1 }
    }

    public enum Stage: String, Sendable { case reading, transforming, planning, writing }

    public static func build(_ o: Options, progress: @Sendable (Stage) -> Void = { _ in }) throws -> Result {
        var config = try o.configPath.map(MappingConfig.load(path:)) ?? MappingConfig()
        if let f = o.callFlows { config.callFlows = f }
        progress(.reading)
        var read = try readSources(o.sources, ossiOverride: o.ossiOverride)
        let created = try o.created ?? BundleTime.sourceDateEpoch() ?? newestModification(o.sources)
        progress(.transforming)
        // The source fingerprint hashes the whole model: done on the other core while it is transformed and planned.
        // Only the provenance of the model is needed after the transform (the diff log's `source`):
        // the records go as soon as both the transform and the fingerprint are done with them,
        // before the plan is built (memory peak).
        var sourceLocations = read.model.sources
        let holder = ModelHolder(read.model, users: 2)
        read.model = SiteModel()
        var staged = try Parallel.both({ transformAndPlan(config: config, created: created, holder) },
                                       { () -> String in
                                           let f = holder.model.contentFingerprint
                                           holder.release()
                                           return f
                                       })
        // Taken out of `staged` (and `staged`'s copies dropped), so that each can be freed as soon
        // as it is done with rather than at the end of the scope.
        var out = staged.0.0
        var plan = staged.0.1
        staged.0 = (TransformOutput(), Plan(steps: [], brokenCycles: [], unresolved: []))
        let fingerprint = staged.1
        progress(.planning)
        // Flows join the plan by what they name (their YAML refers by name, not by `@ref:`).
        let flowByID = Dictionary(out.flows.map { ("flows/\($0.key)", $0) }, uniquingKeysWith: { a, _ in a })
        if !plan.unresolved.isEmpty {
            throw MigrationError.unresolvedReferences(plan.unresolved.map { "\($0.0) → \($0.1)" })
        }
        var b = BundleBuilder(BundleInputs(sourceFingerprint: fingerprint, mappingConfigDigest: config.digest,
                                           targetAPIModel: o.targetAPIModel.replacingOccurrences(of: " ", with: "_")
                                               .replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: ""),
                                           created: created, toolVersion: ToolVersion.current))
        // Members wait in a temporary file next to the bundle (unlinked at once), not in memory.
        try b.spillMembers(into: o.output.deletingLastPathComponent())
        // What the writing of the review page and the tar needs from here on; the rest (the
        // dictionaries by resource id: digests, actions, changes, dependencies; ~80 MB at
        // 100,000 stations) is local to the block below and freed at its end, before that phase.
        var steps: [BundleKit.PlanStep] = []
        var delta: [String: Int] = [:]
        let groups: [ExceptionGroup]
        let summary: String
        var previousBundle: BundleFiles?
        do {
            var digests: [String: String] = [:]
            // Encoding and hashing payloads on every core, adding them in order, a window at a time:
            // each window's bytes go to the spill file before the next is encoded.
            try Parallel.map(out.resources, window: 16_384, minChunk: 256, { r in
                (r.id, try r.encoded ?? BundleBuilder.prepare(type: r.type, key: r.key, json: r.payload))
            }, then: { id, prepared in digests[id] = try b.add(prepared) })
            for f in out.flows {
                digests["flows/\(f.key)"] = try b.addFlow(name: f.key, yaml: f.yaml)
            }
            // Delta against an earlier bundle: the same logical keys compared payload by payload.
            var previous: [String: JSONValue] = [:]
            if let p = o.previous {
                let files = try BundleFiles.read(contentsOf: p)
                previousBundle = files
                for path in files.paths where path.hasPrefix("payloads/") && path.hasSuffix(".json") {
                    let id = String(path.dropFirst("payloads/".count).dropLast(".json".count))
                    if let d = files[path] { previous[id] = try JSONValue.parse(d) }
                }
                // Flows compare as text: a JSON string of the YAML stands in for the payload.
                for path in files.paths where path.hasPrefix("flows/") && path.hasSuffix(".yaml") {
                    let key = String(path.dropFirst("flows/".count).dropLast(".yaml".count))
                    if let d = files[path] { previous["flows/\(key)"] = .string(String(decoding: d, as: UTF8.self)) }
                }
            }
            var actions: [String: DiffRecord.Action] = [:]
            var changes: [String: [FieldChange]] = [:]
            var current = Set<String>()
            current.reserveCapacity(out.resources.count + out.flows.count)
            func compare(_ id: String, _ stored: @autoclosure () -> Data, _ payload: @autoclosure () -> JSONValue) {
                current.insert(id)
                guard o.previous != nil else { actions[id] = .create; return }
                if let old = previous[id] {
                    // Compare what the bundle stores (canonical bytes), not in-memory number kinds;
                    // the value is read back only to list the fields that changed.
                    let c = old.canonicalData() == stored() ? [] : FieldChange.diff(old, payload())
                    actions[id] = c.isEmpty ? .unchanged : .update
                    if !c.isEmpty { changes[id] = c }
                } else {
                    actions[id] = .create
                }
            }
            for r in out.resources { compare(r.id, r.encoded?.data ?? r.payload.canonicalData(), r.payload) }
            for f in out.flows { compare("flows/\(f.key)", JSONValue.string(f.yaml).canonicalData(), .string(f.yaml)) }
            let deleted = previous.keys.filter { !current.contains($0) }.sorted()
            let deletedSet = Set(deleted)
            previous = previous.filter { deletedSet.contains($0.key) } // only the deletes' names are read below
            // The payloads are in the bundle (the spill file) and compared: release their bytes
            // now rather than at the end. `Result.transform.resources` keeps each resource's type and key.
            for i in out.resources.indices { out.resources[i].payload = .null }
            Memory.releaseFreed()

            progress(.writing)
            steps = plan.steps.map { s in
                let (type, key) = split(s.resource)
                var action: PlanAction = s.action == .create ? .create : .patch
                if s.action == .create, actions[s.resource] == .update { action = .update }
                return BundleKit.PlanStep(id: s.id, type: type, key: key, action: action, dependsOn: s.dependsOn, phase: s.phase + 1,
                                          payload: type == "flows" ? BundleFormat.flowPath(name: key) : BundleFormat.payloadPath(type: type, key: key),
                                          note: actions[s.resource] == .unchanged ? "unchanged since the previous bundle: adopt, no change"
                                              : flowByID[s.resource].map { "publish \($0.flowType) flow \"\($0.name)\" (Archy YAML, flow jobs API)" },
                                          deferredFields: s.deferredFields.isEmpty ? nil : s.deferredFields)
            }
            plan.steps = []  // every step is in `steps` now
            // Deletes run last, children before parents (reverse creation order of types).
            let lastPhase = (steps.map(\.phase).max() ?? 0) + 1
            for id in deleted.sorted(by: { deleteOrder($0) < deleteOrder($1) }) {
                let (type, key) = split(id)
                steps.append(BundleKit.PlanStep(id: "delete:\(id)", type: type, key: key, action: .delete, phase: lastPhase,
                                                note: "in the previous bundle, not in this one" + (previous[id]?["name"]?.stringValue.map { "; name \($0)" } ?? "")))
            }
            let planText = PlanText.render(steps: steps, actions: actions, changes: changes, deleted: deleted)
            b.setPlan(steps, text: planText)

            let bundleID = b.bundleID()
            let stepDeps = Dictionary(steps.map { ("\($0.type)/\($0.key)", $0.dependsOn) }, uniquingKeysWith: { a, _ in a })
            // One record per decision, made on every core as the log is encoded (each reads the
            // finished dictionaries only; `seq` is the position), then one per delete.
            let decisions = out.decisions
            try b.addDiffRecords(count: decisions.count) { i -> DiffRecord in
                let d = decisions[i]
                let target = d.targetType.flatMap { t in d.targetKey.map { "\(t)/\($0)" } }
                var rec = DiffRecord(type: d.targetType ?? "", key: d.targetKey ?? "",
                                     action: d.action == .create ? (target.flatMap { actions[$0] } ?? .create) : (d.action == .exclude ? .exclude : .manual),
                                     source: sourceLocations["\(d.sourceKind):\(d.sourceID)"]?.first?.description,
                                     changes: target.flatMap { changes[$0] })
                rec.seq = i + 1
                rec.bundleID = bundleID
                rec.rule = d.rule
                rec.sourceSystem = d.sourceKind == Decision.configurationKind ? "mapping" : "avaya-cm"
                rec.sourceType = d.sourceKind
                rec.sourceID = d.sourceID
                rec.sourceDigest = d.sourceDigest
                rec.reason = d.reason
                if let t = target {
                    let (type, key) = split(t)
                    rec.payload = type == "flows" ? BundleFormat.flowPath(name: key) : BundleFormat.payloadPath(type: type, key: key)
                    rec.payloadDigest = digests[t]
                    rec.dependsOn = stepDeps[t]
                }
                rec.warnings = d.warnings.isEmpty ? nil : d.warnings
                return rec
            }
            var deletes: [DiffRecord] = []
            var seq = decisions.count
            for id in deleted {
                seq += 1
                let (type, key) = split(id)
                var rec = DiffRecord(type: type, key: key, action: .delete)
                rec.seq = seq
                rec.bundleID = bundleID
                rec.rule = "delta"
                rec.reason = "present in the previous bundle, absent from the sources now"
                deletes.append(rec)
            }
            try b.addDiffRecords(deletes)
            sourceLocations = [:]  // only the diff records name them
            Memory.releaseFreed()
            // The read's rejects, then the transform's exceptions: made as they are encoded, and made
            // again (cheaply) while they are grouped, never held as one array.
            let rejects = read.report.rejects
            let exceptions = out.exceptions
            let exceptionRecord = { @Sendable (i: Int) -> ExceptionRecord in
                if i < rejects.count {
                    let r = rejects[i]
                    return ExceptionRecord(severity: .error, code: "read.reject", message: r.reason, source: r.location.description,
                                           type: r.kind?.rawValue, key: r.key, hint: "fix the input record and rebuild")
                }
                let e = exceptions[i - rejects.count]
                return ExceptionRecord(severity: e.disposition == .rejected ? .error : .warning,
                                       code: "\(e.rule).\(e.disposition.rawValue)", message: e.message,
                                       source: e.location, type: e.sourceKind, key: e.sourceID, hint: e.hint)
            }
            let exceptionCount = rejects.count + exceptions.count
            try b.addExceptions(count: exceptionCount, exceptionRecord)
            do {  // `mapping.csv` (48 MB at 100,000 stations) goes at the end of this scope, once spilled
                let (mappingCSV, grouped) = try Parallel.both({ MappingCSV.data(decisions) },
                                                              { ExceptionGroup.aggregate((0..<exceptionCount).lazy.map(exceptionRecord)) })
                try b.addFile(path: BundleFormat.mappingPath, data: mappingCSV)
                groups = grouped
            }
            Memory.releaseFreed()
            summary = Summary.render(out: out, read: read.report, steps: steps, actions: actions, deleted: deleted,
                                     fingerprint: fingerprint, config: config, exceptionGroups: groups)
            b.setSummary(summary)
            for a in actions.values { delta[a.rawValue, default: 0] += 1 }
            if !deleted.isEmpty { delta["delete"] = deleted.count }
        }
        Memory.releaseFreed()
        // The review page: rendered from the finished members (so `cm2gc review` shows the same),
        // covered by the tag manifest (so approvers sign what they read).
        try b.addFile(path: BundleFormat.reviewDataPath, data: reviewFacts(out: out, read: read.report).data())
        let previousFiles = previousBundle
        let previousName = o.previous?.lastPathComponent
        b.addDerivedFile(path: BundleFormat.reviewPath) { files, out in
            ReviewPage.render(files, context: .init(previous: previousFiles, previousName: previousName), write: out.write)
        }
        let built = try b.write(to: o.output, gzip: o.output.path.hasSuffix(".gz"))
        return Result(bundle: built, transform: out, read: read.report, readDiagnostics: read.diagnostics, steps: steps,
                      delta: delta, summaryText: summary, exceptionGroups: groups)
    }

    /// `reports/review.json`: what the review page needs beyond the payloads and logs.
    static func reviewFacts(out: TransformOutput, read: ReadReport) -> ReviewFacts {
        let rejects = Dictionary(grouping: read.rejects, by: { $0.kind?.rawValue ?? "unknown" }).mapValues(\.count)
        var recon: [String: ReviewFacts.Reconciliation] = [:]
        for kind in Set(out.reconciliation.keys).union(rejects.keys) {
            let r = out.reconciliation[kind] ?? Reconciliation()
            recon[kind] = .init(read: r.read, producing: r.producing, excluded: r.excluded, exceptions: r.exceptions,
                                rejected: rejects[kind] ?? 0, holds: r.holds)
        }
        return ReviewFacts(reconciliation: recon, unaccounted: out.unaccounted, brokenCycles: out.brokenCycles,
                           vectors: out.fidelity.map { v in
                               .init(vector: v.vector, name: v.name, flows: v.flows,
                                     steps: v.steps.map { .init(number: $0.number, text: $0.text, outcome: $0.outcome, reason: $0.reason) })
                           })
    }

    /// A `.sqlite` file or `postgres://…?pbx=NAME` URL is a staging store from `cm2gc extract`, read
    /// through the same source model; it must be the only source (a store is a whole site, not a file to merge).
    static func readSources(_ sources: [String], ossiOverride: OSSIDictionary? = nil) throws -> ReadResult {
        let staged = sources.filter(StagingSource.isStore)
        guard !staged.isEmpty else { return try AvayaReader.read(paths: sources, options: ReadOptions(ossiOverride: ossiOverride)) }
        guard sources.count == 1, let store = staged.first else { throw MigrationError.mixedStagingSources(sources) }
        return try StagingSource.readModel(store)
    }

    static func split(_ id: String) -> (String, String) {
        guard let slash = id.firstIndex(of: "/") else { return (id, "") }
        return (String(id[..<slash]), String(id[id.index(after: slash)...]))
    }

    static func deleteOrder(_ id: String) -> (Int, String) {
        let (type, _) = split(id)
        return (-(ResourceType(rawValue: type)?.order ?? 0), id)
    }

    /// The newest modification time among the inputs (the reproducible default when
    /// SOURCE_DATE_EPOCH is unset: the same files give the same time).
    static func newestModification(_ paths: [String]) throws -> Int64 {
        var newest: Int64 = 0
        let fm = FileManager.default
        for p in paths {
            // A PostgreSQL store has no file: the end of its newest successful run stands in.
            if let e = try StagingSource.modificationEpoch(p) { newest = max(newest, e); continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw MigrationError.missingInput(p) }
            let files = isDir.boolValue ? (fm.enumerator(atPath: p)?.compactMap { $0 as? String }.map { "\(p)/\($0)" } ?? []) : [p]
            for f in files {
                if let d = (try? fm.attributesOfItem(atPath: f))?[.modificationDate] as? Date { newest = max(newest, Int64(d.timeIntervalSince1970)) }
            }
        }
        return newest
    }
}

public enum MigrationError: LocalizedError, Sendable {
    case unresolvedReferences([String])
    case missingInput(String)
    case mixedStagingSources([String])

    public var errorDescription: String? {
        switch self {
        case .unresolvedReferences(let r):
            return "payloads reference resources that are not in the bundle (a transform defect; please report): " + r.prefix(10).joined(separator: ", ")
        case .missingInput(let p): return "input \(p) does not exist; check the path"
        case .mixedStagingSources(let s):
            return "a staging store (.sqlite or postgres://) must be the only source, got: \(s.joined(separator: ", ")); build from the store alone"
        }
    }
}

extension SiteModel {
    /// Canonical JSON of the model (the reference of `contentFingerprint`).
    var canonicalJSON: Data {
        (try? CanonicalJSON.data(self)) ?? Data()
    }

    /// The source fingerprint: SHA-256 of `content.canonicalJSON`, the same digest, but written
    /// record by record into a streaming hasher. One encoder tree for the whole model was about
    /// 2.5 CPU s and a few hundred MB at 100,000 stations. The members are the model's synthesized
    /// coding keys (property names), sorted here by bytes like every canonical object;
    /// `FingerprintTests` compares the two on models with every kind, so a new property that is
    /// missing here fails there.
    var contentFingerprint: String {
        var members: [(key: String, write: (inout SHA256Stream) throws -> Void)] = []
        func dictionary<V: Encodable>(_ key: String, _ d: [String: V]) {
            members.append((key, { stream in
                stream.update(Self.openBrace)
                for (n, k) in d.keys.sorted(by: UTF8Order.precedes).enumerated() {
                    if n > 0 { stream.update(Self.comma) }
                    var w = CanonicalWriter(pretty: false)
                    w.string(k)
                    w.bytes.append(0x3A)
                    stream.update(w.bytes)
                    if let v = d[k] { stream.update(try CanonicalJSON.data(v)) }
                }
                stream.update(Self.closeBrace)
            }))
        }
        dictionary("stations", stations)
        dictionary("agents", agents)
        dictionary("huntGroups", huntGroups)
        dictionary("vectors", vectors)
        dictionary("vdns", vdns)
        dictionary("coveragePaths", coveragePaths)
        dictionary("cors", cors)
        dictionary("coses", coses)
        dictionary("reasonCodes", reasonCodes)
        dictionary("holidayTables", holidayTables)
        dictionary("announcements", announcements)
        dictionary("publicNumbering", publicNumbering)
        dictionary("dialPlan", dialPlan)
        dictionary("pickupGroups", pickupGroups)
        dictionary("tenants", tenants)
        dictionary("users", users)
        if let untyped { dictionary("untyped", untyped) }
        dictionary("sources", [String: [SourceLocation]]())  // content: provenance left out
        members.sort { UTF8Order.precedes($0.key, $1.key) }
        var stream = SHA256Stream()
        do {
            stream.update(Self.openBrace)
            for (n, m) in members.enumerated() {
                if n > 0 { stream.update(Self.comma) }
                var w = CanonicalWriter(pretty: false)
                w.string(m.key)
                w.bytes.append(0x3A)
                stream.update(w.bytes)
                try m.write(&stream)
            }
            stream.update(Self.closeBrace)
        } catch {
            return SHA256Digest.hex(Data())  // as `canonicalJSON` gives when encoding fails
        }
        return stream.finalizeHex()
    }

    private static let openBrace: [UInt8] = [0x7B]
    private static let closeBrace: [UInt8] = [0x7D]
    private static let comma: [UInt8] = [0x2C]
}
