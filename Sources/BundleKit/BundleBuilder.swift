import Common
import Crypto
import Foundation

/// The inputs of `bundle.json` that the caller decides (bundle-spec.md section 7).
public struct BundleInputs: Sendable, Hashable {
    /// Digest of the normalised source inputs.
    public var sourceFingerprint: String
    /// Digest of the mapping configuration.
    public var mappingConfigDigest: String
    /// Genesys Cloud API model version the payloads target.
    public var targetAPIModel: String
    /// Creation time in seconds since 1970 (from `SOURCE_DATE_EPOCH` or the newest source timestamp,
    /// never the clock); also every tar member's mtime.
    public var created: Int64
    public var toolVersion: String

    public init(sourceFingerprint: String, mappingConfigDigest: String, targetAPIModel: String,
                created: Int64, toolVersion: String = ToolVersion.current) {
        self.sourceFingerprint = sourceFingerprint
        self.mappingConfigDigest = mappingConfigDigest
        self.targetAPIModel = targetAPIModel
        self.created = created
        self.toolVersion = toolVersion
    }
}

/// Collects the content of a bundle; `build()` adds bundle.json and the manifests and returns the
/// member set, `write(to:gzip:)` also writes the tar. Order of calls does not matter for the output
/// except for the diff log and exceptions, which keep insertion order.
public struct BundleBuilder: Sendable {
    public let inputs: BundleInputs
    public var limits = BundleLimits.standard
    private var files: [String: StoredMember] = [:]
    /// Set by `spillMembers(into:)`: members go to this file as they are added instead of staying
    /// in memory (a 100,000-station bundle is about 600 MB of members).
    private var spill: SpillFile?
    /// SHA-256 hex of every member added so far, computed once when it is added: the payload
    /// manifest is needed twice (bundle id, then manifest) and callers want payload digests too.
    private var digests: [String: String] = [:]
    /// `@ref:` targets per payload, collected while the payload is still a value (build() checks
    /// them without parsing the stored bytes again).
    private var references: [String: [PayloadReference]] = [:]
    private var payloadTypes: [String: Int] = [:]
    private var plan = BundlePlan()
    private var planText: String?
    /// The JSON Lines logs as they will be stored, appended to in place (in memory, or to the
    /// spill file block by block) and hashed as they grow.
    private var diffLog = Log()
    private var diffCount = 0
    private var exceptionLog = Log()
    private var exceptionCount = 0
    private var summary: String?
    private var derived: [(path: String, render: Derived)] = []

    private enum Derived: Sendable {
        case data(@Sendable (BundleFiles) throws -> Data)
        case stream(@Sendable (BundleFiles, MemberWriter) throws -> Void)
    }

    public init(_ inputs: BundleInputs) {
        self.inputs = inputs
    }

    /// From now on, members are written to a temporary file in `directory` (the output's, so that
    /// the bytes never cross file systems) as they are added, and read back from it when the review
    /// page renders and the tar is written; only their digests and places stay in memory. The file
    /// is unlinked as soon as it is made: no exit path leaves it behind. Members added before stay
    /// in memory. The bundle's bytes are the same either way.
    public mutating func spillMembers(into directory: URL) throws {
        guard spill == nil else { return }
        spill = try SpillFile(directory: directory)
    }

    /// A member as it is kept: in the spill file when there is one.
    private func store(_ data: Data) throws -> StoredMember {
        guard let spill else { return .data(data) }
        let at = try spill.append(data)
        return .piece(spill, offset: at, count: data.count)
    }

    /// Adds `payloads/<type>/<key>.json` in compact canonical JSON. The value must be an object; any
    /// Every `"@ref:type/key"` must name a payload of the bundle by the time `build()` runs.
    /// Returns the SHA-256 hex of the stored bytes (what the manifest and the diff log record).
    @discardableResult
    public mutating func addPayload(type: String, key: String, json: JSONValue) throws -> String {
        try add(Self.prepare(type: type, key: key, json: json))
    }

    /// A payload checked, encoded and hashed, ready to add: the costly part of `addPayload`, free of
    /// builder state so that many can be prepared at once on several cores (`Parallel.map`).
    public struct PreparedPayload: Sendable, Hashable {
        public let type: String
        public let path: String
        /// The member's bytes: compact canonical JSON.
        public let data: Data
        /// SHA-256 hex of `data`.
        public let digest: String
        /// Its `@ref:` targets in document order, each once.
        public let references: [PayloadReference]
    }

    public static func prepare(type: String, key: String, json: JSONValue) throws -> PreparedPayload {
        let path = BundleFormat.payloadPath(type: type, key: key)
        guard BundlePath.isValidSegment(type) else { throw BundleError.invalidPath(path: path, reason: "resource type \"\(type)\" is not a segment name") }
        guard BundlePath.isValidSegment(key) else { throw BundleError.invalidPath(path: path, reason: "logical key \"\(key)\" is not a segment name") }
        guard case .object = json else { throw BundleError.invalidPayload(path: path, reason: "a payload must be a JSON object") }
        try PayloadReferences.validateShape(json, path: path)
        let data = json.canonicalData()
        return PreparedPayload(type: type, path: path, data: data, digest: SHA256Digest.hex(data),
                               references: PayloadReferences.collect(in: json))
    }

    /// Adds a prepared payload; same checks and result as `addPayload`.
    @discardableResult
    public mutating func add(_ p: PreparedPayload) throws -> String {
        let digest = try put(p.path, p.data, digest: p.digest)
        if !p.references.isEmpty { references[p.path] = p.references }
        payloadTypes[p.type, default: 0] += 1
        return digest
    }

    /// Same from JSON text (any valid JSON; it is re-serialised canonically).
    @discardableResult
    public mutating func addPayload(type: String, key: String, data: Data) throws -> String {
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            throw BundleError.invalidPayload(path: BundleFormat.payloadPath(type: type, key: key), reason: "\(error.localizedDescription)")
        }
        return try addPayload(type: type, key: key, json: value)
    }

    /// Adds `flows/<name>.yaml` (Archy YAML, stored as given).
    @discardableResult
    public mutating func addFlow(name: String, yaml: String) throws -> String {
        let path = BundleFormat.flowPath(name: name)
        guard BundlePath.isValidSegment(name) else { throw BundleError.invalidPath(path: path, reason: "flow name \"\(name)\" is not a segment name") }
        return try put(path, Data(yaml.utf8))
    }

    /// The bundle id the finished bundle will have, from the payloads added so far (section 15):
    /// known before `build()`, so that diff records can carry it.
    public func bundleID() -> String {
        let payloadClass = digests.filter { BundleFormat.isPayloadClass($0.key) }
        return BundleID.compute(sourceFingerprint: inputs.sourceFingerprint, mappingConfigDigest: inputs.mappingConfigDigest,
                                toolVersion: inputs.toolVersion,
                                payloadManifest: Manifest.render(digests: payloadClass.map { ($0.key, $0.value) }))
    }

    /// Sets `plan/order.json`; `text` overrides the generated `plan/plan.txt`.
    public mutating func setPlan(_ steps: [PlanStep], text: String? = nil) {
        plan = BundlePlan(steps: steps)
        planText = text
    }

    public mutating func addDiffRecord(_ record: DiffRecord) throws {
        var line = try CanonicalJSON.data(record)
        line.append(0x0A)
        try diffLog.append(line, spill: spill)
        diffCount += 1
    }

    /// Many records at once, encoded on every core; the log keeps their order.
    public mutating func addDiffRecords(_ records: [DiffRecord]) throws {
        try addDiffRecords(count: records.count) { records[$0] }
    }

    /// `count` records made by `record(i)` as they are encoded, a block at a time on every core:
    /// they never exist all at once (325,000 records at 100,000 stations were a memory peak).
    public mutating func addDiffRecords(count: Int, _ record: (Int) throws -> DiffRecord) throws {
        try Self.appendLines(count: count, record, to: &diffLog, spill: spill)
        diffCount += count
    }

    public mutating func addException(_ record: ExceptionRecord) throws {
        var line = try CanonicalJSON.data(record)
        line.append(0x0A)
        try exceptionLog.append(line, spill: spill)
        exceptionCount += 1
    }

    /// Many exceptions at once, encoded on every core; the log keeps their order.
    public mutating func addExceptions(_ records: [ExceptionRecord]) throws {
        try addExceptions(count: records.count) { records[$0] }
    }

    /// `count` exceptions made by `record(i)` as they are encoded (see `addDiffRecords(count:_:)`).
    public mutating func addExceptions(count: Int, _ record: (Int) throws -> ExceptionRecord) throws {
        try Self.appendLines(count: count, record, to: &exceptionLog, spill: spill)
        exceptionCount += count
    }

    /// JSON Lines of many records, encoded on every core in blocks of lines (one buffer per block,
    /// not one `Data` per record), appended in order. A window of blocks at a time, each written
    /// out before the next is encoded: with a spill file, the log is never in memory as a whole.
    private static func appendLines<T: Encodable>(count: Int, _ record: (Int) throws -> T, to log: inout Log, spill: SpillFile?) throws {
        let block = 2048
        let starts = Array(stride(from: 0, to: count, by: block))
        // In memory: every block at once, so that the log is reserved at its final size (doubling
        // would hold up to twice the log).
        let window = spill == nil ? max(starts.count, 1) : 16
        var w = 0
        while w < starts.count {
            let blocks = try Parallel.map(Array(starts[w..<min(w + window, starts.count)]), minChunk: 1) { start -> Data in
                var d = Data()
                for i in start..<min(start + block, count) {
                    d.append(try CanonicalJSON.data(try record(i)))
                    d.append(0x0A)
                }
                return d
            }
            if spill == nil { log.reserve(blocks.reduce(0) { $0 + $1.count }) }
            for d in blocks { try log.append(d, spill: spill) }
            w += window
        }
    }

    /// A JSON Lines log being built: its bytes (in memory or extents of the spill file) and their
    /// SHA-256 so far. Unchecked: swift-crypto's `SHA256` is a value (copy on write) that does not
    /// declare `Sendable`.
    private struct Log: @unchecked Sendable {
        var data = Data()
        var extents: [StoredMember.Extent] = []
        var hasher = SHA256()

        mutating func reserve(_ extra: Int) { data.reserveCapacity(data.count + extra) }

        mutating func append(_ bytes: Data, spill: SpillFile?) throws {
            hasher.update(data: bytes)
            guard let spill else { data.append(bytes); return }
            let at = try spill.append(bytes)
            if let last = extents.last, last.offset + Int64(last.count) == at {
                extents[extents.count - 1].count += bytes.count
            } else {
                extents.append(.init(offset: at, count: bytes.count))
            }
        }

        func member(_ spill: SpillFile?) -> StoredMember {
            guard let spill, !extents.isEmpty else { return .data(data) }
            return .spilled(in: spill, extents)
        }

        var digest: String { SHA256Digest.hex(digest: hasher.finalize()) }
    }

    /// Sets `summary.md`; without it the builder writes a generated summary.
    public mutating func setSummary(_ markdown: String) {
        summary = markdown
    }

    /// Adds another tag file (e.g. `mapping.csv`, `reports/x.txt`). Payloads and flows go through their
    /// own methods; files the builder writes itself are refused.
    public mutating func addFile(path: String, data: Data) throws {
        if BundleFormat.isPayloadClass(path) {
            throw BundleError.reservedPath(path: path, reason: "use addPayload/addFlow for payloads/ and flows/")
        }
        let generated = [BundleFormat.metadataPath, BundleFormat.manifestPath, BundleFormat.tagManifestPath,
                         BundleFormat.orderPath, BundleFormat.planTextPath, BundleFormat.diffLogPath,
                         BundleFormat.exceptionsPath, BundleFormat.summaryPath]
        if generated.contains(path) {
            throw BundleError.reservedPath(path: path, reason: "written by the builder; use setPlan/addDiffRecord/addException/setSummary")
        }
        try put(path, data)
    }

    /// A tag file made from the finished members (everything but `tagmanifest-sha256.txt`, which
    /// then covers it): the review page is rendered from what the bundle holds, so approvers sign
    /// exactly the page they read. Renderers run in the order they were set; each sees the ones before.
    public mutating func addDerivedFile(path: String, render: @escaping @Sendable (BundleFiles) throws -> Data) {
        derived.append((path, .data(render)))
    }

    /// Same, written in pieces through a `MemberWriter` (to the spill file when there is one): a
    /// page of tens of MiB is never one buffer, and it is hashed as it is written.
    public mutating func addDerivedFile(path: String, stream: @escaping @Sendable (BundleFiles, MemberWriter) throws -> Void) {
        derived.append((path, .stream(stream)))
    }

    @discardableResult
    private mutating func put(_ path: String, _ data: Data, digest known: String? = nil) throws -> String {
        if let reason = BundlePath.problem(with: path) { throw BundleError.invalidPath(path: path, reason: reason) }
        guard files[path] == nil else { throw BundleError.duplicateMember(path) }
        let limit = limits.limit(for: path)
        guard Int64(data.count) <= limit else { throw BundleError.limitExceeded(member: path, size: Int64(data.count), limit: limit) }
        files[path] = try store(data)
        let digest = known ?? SHA256Digest.hex(data)
        digests[path] = digest
        return digest
    }

    /// Validates the content and assembles every member. Deterministic: same calls → same bytes.
    public func build() throws -> BuiltBundle {
        let a = try assemble()
        return try finish(a)
    }

    /// Every member but the derived files and the tag manifest, with the digests known so far.
    private struct Assembled {
        var members: [String: StoredMember]
        /// `members`' paths in bundle order: sorted once (240,000 paths at 100,000 stations), then
        /// kept sorted as files are added.
        var paths: [String]
        var digests: [String: String]
        var metadata: BundleMetadata
    }

    /// Inserts `path` into the sorted `paths` where it belongs.
    private static func insertSorted(_ path: String, into paths: inout [String]) {
        var lo = 0, hi = paths.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if BundlePath.precedes(paths[mid], path) { lo = mid + 1 } else { hi = mid }
        }
        paths.insert(path, at: lo)
    }

    /// Every member but the derived files and the tag manifest.
    private func assemble() throws -> Assembled {
        try checkField("source_fingerprint", inputs.sourceFingerprint)
        try checkField("mapping_config_digest", inputs.mappingConfigDigest)
        try checkField("target_api_model", inputs.targetAPIModel)
        try checkField("tool_version", inputs.toolVersion)
        guard inputs.created >= 0 else { throw BundleError.invalidMetadata(field: "created", reason: "must be at or after 1970-01-01") }

        var members = files
        var digests = self.digests
        func set(_ path: String, _ data: Data) throws {
            members[path] = try store(data)
            digests[path] = SHA256Digest.hex(data)
        }
        // Checked in any order; only when one is dangling are they walked in bundle order, so that
        // the error names the same payload as before (no sort of 240,000 paths on success).
        if references.contains(where: { $0.value.contains { members[$0.path] == nil } }) {
            for path in references.keys.sorted(by: BundlePath.precedes) {
                for ref in references[path] ?? [] where members[ref.path] == nil {
                    throw BundleError.invalidPayload(path: path, reason: "reference \"@ref:\(ref.text)\" names no payload of the bundle")
                }
            }
        }
        let allPaths = Set(members.keys)
        let planProblems = plan.problems(members: allPaths)
        if let first = planProblems.first {
            throw BundleError.invalidPlan(planProblems.count == 1 ? first : "\(first) (and \(planProblems.count - 1) more)")
        }

        // Step by step on every core: one encoder tree for the whole plan was a memory peak.
        // Written to the spill file (when there is one) a window of steps at a time.
        let order = MemberWriter(path: BundleFormat.orderPath, spill: spill, limit: .max)
        try CanonicalJSON.prettyObject(key: "steps", array: plan.steps) { bytes in bytes.withUnsafeBytes { order.write($0) } }
        (members[BundleFormat.orderPath], digests[BundleFormat.orderPath]) = try order.finish()
        try set(BundleFormat.planTextPath, Data((planText ?? plan.renderText()).utf8))
        members[BundleFormat.diffLogPath] = diffLog.member(spill)
        digests[BundleFormat.diffLogPath] = diffLog.digest
        members[BundleFormat.exceptionsPath] = exceptionLog.member(spill)
        digests[BundleFormat.exceptionsPath] = exceptionLog.digest
        try set(BundleFormat.summaryPath, Data((summary ?? generatedSummary()).utf8))

        // Every payload-class member came through `put`, which recorded its digest.
        let payloadClass = members.keys.filter(BundleFormat.isPayloadClass)
        let manifest = Manifest.render(digests: payloadClass.map { ($0, digests[$0] ?? "") })
        try set(BundleFormat.manifestPath, manifest)

        let flowCount = payloadClass.filter { $0.hasPrefix("flows/") }.count
        let payloadBytes = payloadClass.reduce(Int64(0)) { $0 + Int64(members[$1]?.count ?? 0) }
        let metadata = BundleMetadata(
            format: BundleFormat.name, formatVersion: BundleFormat.version,
            bundleID: BundleID.compute(sourceFingerprint: inputs.sourceFingerprint,
                                       mappingConfigDigest: inputs.mappingConfigDigest,
                                       toolVersion: inputs.toolVersion, payloadManifest: manifest),
            toolVersion: inputs.toolVersion, created: BundleTime.rfc3339(epochSeconds: inputs.created),
            sourceFingerprint: inputs.sourceFingerprint, mappingConfigDigest: inputs.mappingConfigDigest,
            targetAPIModel: inputs.targetAPIModel, counts: payloadTypes, flowCount: flowCount,
            payloadBytes: payloadBytes)
        try set(BundleFormat.metadataPath, try CanonicalJSON.data(metadata, pretty: true))
        return Assembled(members: members, paths: members.keys.sorted(by: BundlePath.precedes), digests: digests, metadata: metadata)
    }

    /// Adds the derived files (the review page) and the tag manifest.
    private func finish(_ assembled: Assembled) throws -> BuiltBundle {
        var members = assembled.members
        var paths = assembled.paths
        var digests = assembled.digests
        let metadata = assembled.metadata
        for d in derived {
            if let reason = BundlePath.problem(with: d.path) { throw BundleError.invalidPath(path: d.path, reason: reason) }
            guard members[d.path] == nil, !BundleFormat.isPayloadClass(d.path), d.path != BundleFormat.tagManifestPath else {
                throw BundleError.reservedPath(path: d.path, reason: "a derived file must be a new tag file")
            }
            let limit = limits.limit(for: d.path)
            switch d.render {
            case .data(let render):
                let data = try render(BundleFiles(stored: members, sortedPaths: paths))
                guard Int64(data.count) <= limit else { throw BundleError.limitExceeded(member: d.path, size: Int64(data.count), limit: limit) }
                members[d.path] = try store(data)
                digests[d.path] = SHA256Digest.hex(data)
            case .stream(let render):
                let writer = MemberWriter(path: d.path, spill: spill, limit: limit)
                try render(BundleFiles(stored: members, sortedPaths: paths), writer)
                let (member, digest) = try writer.finish()
                members[d.path] = member
                digests[d.path] = digest
            }
            Self.insertSorted(d.path, into: &paths)
        }

        // Refused here rather than by every reader later (section 19); +1 for the tag manifest.
        guard members.count + 1 <= limits.maxMembers else {
            throw BundleError.limitExceeded(member: "<archive member count>", size: Int64(members.count + 1), limit: Int64(limits.maxMembers))
        }
        let tagPaths = members.keys.filter { !BundleFormat.isPayloadClass($0) }
        // Every tag file came through `put`, `set` or the derived files, which recorded its digest.
        members[BundleFormat.tagManifestPath] = .data(Manifest.render(digests: tagPaths.map { ($0, digests[$0] ?? "") }))
        Self.insertSorted(BundleFormat.tagManifestPath, into: &paths)
        let result = BundleFiles(stored: members, sortedPaths: paths)
        return BuiltBundle(files: result, metadata: metadata, digest: result.digest ?? "", created: inputs.created)
    }

    /// Builds and writes the tar (atomically: a reader never sees half a bundle). The same bytes as
    /// `build()` then `BuiltBundle.write`, but the members that sort before the derived files (all
    /// payloads) are written to disk while the derived files render on the other core.
    @discardableResult
    public func write(to url: URL, gzip: Bool = false) throws -> BuiltBundle {
        let assembled = try assemble()
        let late = Set(derived.map(\.path) + [BundleFormat.tagManifestPath])
        var paths = assembled.paths
        for p in late.sorted() where assembled.members[p] == nil { Self.insertSorted(p, into: &paths) }
        var built: BuiltBundle?
        // The builder's and renderers' own errors reach the caller as they are (writeAtomically
        // would wrap them as I/O errors); the partial file is removed either way.
        var failure: (any Error)?
        do {
            try BundleFiles.writeAtomically(to: url) { handle in
                do {
                    built = try finishWriting(assembled, paths: paths, late: late, gzip: gzip, to: handle)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch {
            throw failure ?? error
        }
        guard let built else { throw BundleError.archiveWrite("the bundle could not be finished") }
        return built
    }

    /// Two workers: one renders the derived files and the tag manifest, the other writes the tar
    /// and waits for them when their turn comes.
    private func finishWriting(_ assembled: Assembled, paths: [String], late: Set<String>,
                               gzip: Bool, to handle: FileHandle) throws -> BuiltBundle {
        let members = assembled.members
        let finished = Handoff<BuiltBundle>()
        let (built, _) = try Parallel.both({
            // Always hands something over, or the writer would wait for ever.
            do {
                let b = try finish(assembled)
                finished.put(b)
                return b
            } catch {
                finished.put(nil)
                throw error
            }
        }, {
            try TarIO.write(sortedPaths: paths, member: { path in
                guard late.contains(path) else { return members[path] }
                guard let b = finished.take() else { throw BundleError.archiveWrite("the bundle could not be finished") }
                return b.files.storedMember(path)
            }, mtime: inputs.created, gzip: gzip, to: handle)
        })
        return built
    }

    private func checkField(_ name: String, _ value: String) throws {
        let ok = !value.isEmpty && value.utf8.count <= 128 && value.utf8.allSatisfy { b in
            BundlePath.isAlnum(b) || (0x41...0x5A).contains(b) || ".:_+-".utf8.contains(b)
        }
        guard ok else { throw BundleError.invalidMetadata(field: name, reason: "must be 1-128 characters of [A-Za-z0-9._:+-], got \"\(value)\"") }
    }

    /// No creation time here: bundle.json carries it, and keeping it out keeps the bundle id
    /// independent of `created`.
    private func generatedSummary() -> String {
        var s = "# cm2gc bundle summary\n\n"
        s += "- Tool version: \(inputs.toolVersion)\n"
        s += "- Target API model: \(inputs.targetAPIModel)\n"
        s += "- Source fingerprint: \(inputs.sourceFingerprint)\n"
        s += "- Mapping config digest: \(inputs.mappingConfigDigest)\n\n"
        s += "## Resources\n\n"
        if payloadTypes.isEmpty { s += "No payloads.\n" }
        for type in payloadTypes.keys.sorted(by: BundlePath.precedes) {
            s += "- \(type): \(payloadTypes[type] ?? 0)\n"
        }
        let flows = files.keys.filter { $0.hasPrefix("flows/") }.count
        if flows > 0 { s += "- flows: \(flows)\n" }
        s += "\n## Plan\n\n\(plan.steps.count) steps"
        let byAction = Dictionary(grouping: plan.steps, by: \.action)
        let parts = PlanAction.allCases.compactMap { a in byAction[a].map { "\($0.count) \(a.rawValue)" } }
        s += parts.isEmpty ? ".\n" : " (\(parts.joined(separator: ", "))). See plan/plan.txt.\n"
        s += "\n## Exceptions\n\n\(exceptionCount) record\(exceptionCount == 1 ? "" : "s") in exceptions.jsonl"
        s += "; \(diffCount) diff record\(diffCount == 1 ? "" : "s") in difflog.jsonl.\n"
        return s
    }
}

/// Where a streamed derived file (`addDerivedFile(path:stream:)`) writes its bytes: appended to the
/// builder's spill file (or kept in memory without one), hashed and counted as they come. Writes
/// cannot throw (a renderer writes from deep inside its markup code); the first error is kept,
/// later writes are dropped, and the builder reports it when the renderer returns.
public final class MemberWriter: @unchecked Sendable {
    private let path: String
    private let spill: SpillFile?
    private let limit: Int64
    private var data = Data()
    private var extents: [StoredMember.Extent] = []
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var failure: (any Error)?

    init(path: String, spill: SpillFile?, limit: Int64) {
        self.path = path
        self.spill = spill
        self.limit = limit
    }

    /// Appends bytes to the member.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        size += Int64(bytes.count)
        guard size <= limit else {
            failure = BundleError.limitExceeded(member: path, size: size, limit: limit)
            return
        }
        hasher.update(bufferPointer: bytes)
        guard let spill else { data.append(contentsOf: bytes); return }
        do {
            let at = try spill.append(bytes)
            if let last = extents.last, last.offset + Int64(last.count) == at {
                extents[extents.count - 1].count += bytes.count
            } else {
                extents.append(.init(offset: at, count: bytes.count))
            }
        } catch {
            failure = error
        }
    }

    /// Appends the UTF-8 of `text`.
    public func write(_ text: String) {
        var t = text
        t.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    func finish() throws -> (StoredMember, String) {
        if let failure { throw failure }
        let digest = SHA256Digest.hex(digest: hasher.finalize())
        guard let spill, !extents.isEmpty else { return (.data(data), digest) }
        return (.spilled(in: spill, extents), digest)
    }
}

/// The result of `BundleBuilder.build()`.
public struct BuiltBundle: Sendable {
    public let files: BundleFiles
    public let metadata: BundleMetadata
    /// The bundle digest (what approvals sign).
    public let digest: String
    /// `created` in seconds since 1970; the tar mtime.
    public let created: Int64

    public func tarData(gzip: Bool = false) throws -> Data {
        try files.tarData(mtime: created, gzip: gzip)
    }

    public func write(to url: URL, gzip: Bool = false) throws {
        try files.writeTar(to: url, mtime: created, gzip: gzip)
    }
}

/// One value passed from one worker to another: `take()` waits until `put` (nil: the producer failed).
final class Handoff<T: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: T?
    private var done = false

    func put(_ v: T?) {
        lock.lock()
        value = v
        done = true
        lock.unlock()
        ready.signal()
    }

    func take() -> T? {
        lock.lock()
        if !done {
            lock.unlock()
            ready.wait()
            ready.signal()  // later takers pass straight through
            lock.lock()
        }
        defer { lock.unlock() }
        return value
    }
}

/// Bundle id (bundle-spec.md section 15).
enum BundleID {
    static func compute(sourceFingerprint: String, mappingConfigDigest: String, toolVersion: String,
                        payloadManifest: Data) -> String {
        var input = Data("cm2gc-bundle-id/1\nsource_fingerprint \(sourceFingerprint)\nmapping_config_digest \(mappingConfigDigest)\ntool_version \(toolVersion)\n".utf8)
        input.append(payloadManifest)
        return String(SHA256Digest.hex(input).prefix(32))
    }
}
