import Common
import Foundation

/// The outcome of checking a bundle's content (bundle-spec.md section 17). Approvals are separate.
public struct IntegrityReport: Sendable {
    public var metadata: BundleMetadata?
    /// The bundle digest, nil when the tag manifest is missing.
    public var digest: String?
    public var problems: [BundleProblem]
    /// Members whose digest matched their manifest line.
    public var membersVerified: Int
    public var memberCount: Int
    /// Every member's size, by path.
    public var sizes: [String: Int64] = [:]

    public var isValid: Bool { problems.isEmpty && digest != nil }
}

/// What a caller wants handed on while the verifier reads, so each member is read and each payload
/// parsed exactly once (the uploader builds its steps from these).
public struct BundleContent {
    /// Each payload (`payloads/<type>/<key>.json`) that parses as a JSON object, parsed.
    public var payload: ((String, JSONValue) throws -> Void)?
    /// `plan/order.json`, parsed (when it parses).
    public var plan: ((JSONValue) -> Void)?
    /// Each line of `difflog.jsonl` that is a JSON object, with its 1-based line number.
    public var diffLogLine: ((Int, JSONValue) -> Void)?
    /// Raw bytes of the other members `wants` names (flows, the plan, summary.md …).
    public var member: ((String, Data) throws -> Void)?
    public var wants: (String) -> Bool

    public init(payload: ((String, JSONValue) throws -> Void)? = nil, plan: ((JSONValue) -> Void)? = nil,
                diffLogLine: ((Int, JSONValue) -> Void)? = nil,
                member: ((String, Data) throws -> Void)? = nil, wants: @escaping (String) -> Bool = { _ in false }) {
        self.payload = payload
        self.plan = plan
        self.diffLogLine = diffLogLine
        self.member = member
        self.wants = wants
    }
}

/// The verifier's state while members stream past: sizes and digests of every member, the few
/// small members the checks need whole (metadata, manifests, plan), and the findings of checks
/// that read a member's content. A member's bytes are dropped once it has been looked at, so
/// memory does not grow with members nobody needs (an archive of unlisted members, say).
final class BundleScan {
    let limits: BundleLimits
    /// Parse and check payloads, the plan and the logs (steps 4 and 6 of section 17).
    let checkContent: Bool
    var content: BundleContent?

    var sizes: [String: Int64] = [:]
    var digests: [String: String] = [:]
    var control: [String: Data] = [:]
    /// Paths listed in manifest-sha256.txt, once that member has been read.
    var listed: Set<String>?
    var contentProblems: [String: [String]] = [:]
    var logProblems: [BundleProblem] = []
    /// Members handed to `add`, and the largest number of member bytes held at once (the
    /// control members plus the one being looked at): what a test checks to show reading is
    /// bounded.
    private(set) var visited = 0
    private(set) var peakHeldBytes = 0
    private var controlBytes = 0

    static let controlPaths: Set<String> = [BundleFormat.metadataPath, BundleFormat.manifestPath,
                                            BundleFormat.tagManifestPath, BundleFormat.orderPath]

    init(limits: BundleLimits, checkContent: Bool, content: BundleContent?) {
        self.limits = limits
        self.checkContent = checkContent
        self.content = content
    }

    /// Whether the reader should hand over a member's bytes (else it only hashes them).
    func keep(_ path: String) -> Bool {
        if Self.controlPaths.contains(path) { return true }
        if BundleFormat.isPayloadClass(path) {
            // Once the manifest is known, a member it does not list is only hashed (reported below).
            if let listed, !listed.contains(path) { return false }
            return checkContent || content?.wants(path) == true
        }
        if path == BundleFormat.diffLogPath || path == BundleFormat.exceptionsPath {
            return checkContent || content?.wants(path) == true
        }
        return content?.wants(path) == true
    }

    func add(_ m: TarMember) throws {
        visited += 1
        sizes[m.path] = m.size
        digests[m.path] = m.digest
        guard let data = m.data else { return }
        peakHeldBytes = max(peakHeldBytes, controlBytes + data.count)
        if Self.controlPaths.contains(m.path) {
            control[m.path] = data
            controlBytes += data.count
            if m.path == BundleFormat.manifestPath {
                listed = Set(Manifest.parse(data, member: m.path).entries.map(\.path))
            }
            return
        }
        if m.path.hasPrefix("payloads/") {
            if checkContent { try checkPayload(m.path, data) }
            else if content?.wants(m.path) == true { try content?.member?(m.path, data) }
            return
        }
        if m.path == BundleFormat.diffLogPath || m.path == BundleFormat.exceptionsPath {
            if checkContent || content?.diffLogLine != nil { checkLines(m.path, data) }
            if content?.wants(m.path) == true { try content?.member?(m.path, data) }
            return
        }
        if content?.wants(m.path) == true { try content?.member?(m.path, data) }
    }

    private func checkPayload(_ path: String, _ data: Data) throws {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 3, path.hasSuffix(".json"), segments[2].count > 5 else { return }  // shape: reported in finish
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            contentProblems[path, default: []].append("payload is not valid JSON: \(error.localizedDescription)")
            return
        }
        guard case .object = value else { contentProblems[path, default: []].append("payload is not a JSON object"); return }
        contentProblems[path, default: []] += PayloadReferences.shapeProblems(value)
        for ref in PayloadReferences.collect(in: value) { refs.append((path, ref)) }
        try content?.payload?(path, value)
    }

    /// Bundle references, checked against the member list once every member has been seen.
    private var refs: [(String, PayloadReference)] = []

    private func checkLines(_ path: String, _ data: Data) {
        guard !data.isEmpty else { return }
        if data.last != 0x0A { logProblems.append(BundleProblem(member: path, message: "last line does not end with a newline")) }
        let isDiffLog = path == BundleFormat.diffLogPath
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().enumerated() {
            guard let v = try? JSONValue.parse(Data(line)), case .object = v else {
                logProblems.append(BundleProblem(member: path, message: "line \(n + 1) is not a JSON object"))
                continue
            }
            if isDiffLog { content?.diffLogLine?(n + 1, v) }
        }
    }

    /// Every rule of section 17 over what was read.
    func finish(digest: String?) throws -> IntegrityReport {
        var problems: [BundleProblem] = []
        func problem(_ member: String, _ message: String) { problems.append(BundleProblem(member: member, message: message)) }

        // 1. bundle.json first: an unknown major version stops everything.
        var metadata: BundleMetadata?
        var rawMetadata: [String: JSONValue] = [:]
        if let data = control[BundleFormat.metadataPath] {
            do {
                guard case .object(let o) = try JSONValue.parse(data) else { throw JSONError.invalid("not an object") }
                rawMetadata = o
            } catch {
                problem(BundleFormat.metadataPath, "not a JSON object: \(error.localizedDescription)")
            }
            if !rawMetadata.isEmpty {
                if rawMetadata["format"]?.stringValue != BundleFormat.name {
                    problem(BundleFormat.metadataPath, "format must be \"\(BundleFormat.name)\"")
                }
                let fv = rawMetadata["format_version"]?.stringValue ?? ""
                let version = BundleFormat.parseVersion(fv)
                if version?.major != BundleFormat.major {
                    // A version we cannot read is fatal, unless bundle.json was altered after writing:
                    // then the accurate report is the tampering, found by the manifest check below.
                    let line = "\(digests[BundleFormat.metadataPath] ?? "")  \(BundleFormat.metadataPath)\n"
                    let intact = control[BundleFormat.tagManifestPath].map { String(decoding: $0, as: UTF8.self).contains(line) } ?? false
                    if intact {
                        throw BundleError.unsupportedFormatVersion(member: BundleFormat.metadataPath, found: fv.isEmpty ? "(missing)" : fv)
                    }
                    problem(BundleFormat.metadataPath, "format_version \"\(fv)\" is not readable by this tool")
                } else {
                    let missing = BundleVerifier.metadataFieldProblems(rawMetadata)
                    missing.forEach { problem(BundleFormat.metadataPath, $0) }
                    if missing.isEmpty { metadata = try? JSONValue.object(rawMetadata).decode(BundleMetadata.self) }
                }
            }
        }
        for required in BundleFormat.requiredMembers where sizes[required] == nil {
            problem(required, "required member is missing")
        }

        // 2. Manifests: exact coverage and every digest.
        var verified = 0
        let payloadClass = Set(sizes.keys.filter(BundleFormat.isPayloadClass))
        let tagClass = Set(sizes.keys.filter { !BundleFormat.isPayloadClass($0) && $0 != BundleFormat.tagManifestPath })
        for (manifestPath, expected) in [(BundleFormat.manifestPath, payloadClass), (BundleFormat.tagManifestPath, tagClass)] {
            guard let data = control[manifestPath] else { continue }
            let (entries, parseProblems) = Manifest.parse(data, member: manifestPath)
            problems += parseProblems
            var listed = Set<String>()
            for e in entries {
                listed.insert(e.path)
                guard let actual = digests[e.path] else {
                    problem(e.path, "listed in \(manifestPath) but missing from the bundle")
                    continue
                }
                guard expected.contains(e.path) else {
                    problem(e.path, "listed in \(manifestPath), which is the wrong manifest for it")
                    continue
                }
                if actual == e.digest { verified += 1 } else {
                    problem(e.path, "content does not match \(manifestPath) (sha256 \(actual), expected \(e.digest)): the member was changed after the bundle was written")
                }
            }
            for path in expected.subtracting(listed).sorted(by: BundlePath.precedes) {
                problem(path, "not listed in \(manifestPath)")
            }
        }

        // 3. Payloads and flows (content findings were made while reading).
        var counts: [String: Int] = [:]
        var payloadBytes: Int64 = 0
        var flowCount = 0
        var refsByPath: [String: [PayloadReference]] = [:]
        for (path, ref) in refs { refsByPath[path, default: []].append(ref) }
        for path in payloadClass.sorted(by: BundlePath.precedes) {
            let size = sizes[path] ?? 0
            payloadBytes += size
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            let limit = limits.limit(for: path)
            if size > limit { problem(path, "\(size) bytes exceeds the limit of \(limit) bytes") }
            if path.hasPrefix("flows/") {
                flowCount += 1
                if segments.count != 2 || !path.hasSuffix(".yaml") { problem(path, "flows must be flows/<name>.yaml") }
                continue
            }
            guard segments.count == 3, path.hasSuffix(".json"), segments[2].count > 5 else {
                problem(path, "payloads must be payloads/<type>/<key>.json")
                continue
            }
            counts[String(segments[1]), default: 0] += 1
            for message in contentProblems[path] ?? [] { problem(path, message) }
            for ref in refsByPath[path] ?? [] where sizes[ref.path] == nil {
                problem(path, "reference \"@ref:\(ref.text)\" names no payload of the bundle")
            }
        }

        // 4. Metadata consistency and the content-derived id.
        if let m = metadata {
            let meta = BundleFormat.metadataPath
            if m.counts != counts { problem(meta, "counts \(BundleVerifier.sortedText(m.counts)) do not match the payloads \(BundleVerifier.sortedText(counts))") }
            if m.flowCount != flowCount { problem(meta, "flow_count \(m.flowCount) does not match \(flowCount) flows") }
            if m.payloadBytes != payloadBytes { problem(meta, "payload_bytes \(m.payloadBytes) does not match \(payloadBytes)") }
            if let manifest = control[BundleFormat.manifestPath] {
                // The payload manifest, as written (section 15).
                let id = BundleID.compute(sourceFingerprint: m.sourceFingerprint, mappingConfigDigest: m.mappingConfigDigest,
                                          toolVersion: m.toolVersion, payloadManifest: manifest)
                if id != m.bundleID { problem(meta, "bundle_id \(m.bundleID) does not match the content (expected \(id))") }
            }
        }

        // 5. Plan and records.
        if checkContent, let data = control[BundleFormat.orderPath] {
            do {
                let value = try JSONValue.parse(data)
                content?.plan?(value)
                let plan = try value.decode(BundlePlan.self)
                plan.problems(members: Set(sizes.keys)).forEach { problem(BundleFormat.orderPath, $0) }
            } catch {
                problem(BundleFormat.orderPath, "not a valid plan: \(BundleVerifier.describe(error))")
            }
        }
        problems += logProblems

        return IntegrityReport(metadata: metadata, digest: digest, problems: problems,
                               membersVerified: verified, memberCount: sizes.count, sizes: sizes)
    }
}

public enum BundleVerifier {
    /// Checks every rule of section 17 on a bundle in memory and reports each problem with its
    /// member. Throws only for an unsupported major format version (nothing else can be trusted then).
    public static func verify(_ files: BundleFiles, limits: BundleLimits = .standard) throws -> IntegrityReport {
        let scan = BundleScan(limits: limits, checkContent: true, content: nil)
        for path in files.paths {
            guard let data = files[path] else { continue }
            try scan.add(TarMember(path: path, size: Int64(data.count), digest: SHA256Digest.hex(data),
                                   data: scan.keep(path) ? data : nil))
        }
        return try scan.finish(digest: files.digest)
    }

    /// Reads and verifies a bundle file in one streaming pass; throws `BundleError` for unreadable,
    /// unsafe or truncated archives. Each member is read once and dropped after it was looked at;
    /// `content` receives what a caller wants to keep (each payload parsed once). With
    /// `checkContent` false only the container, the manifests, the digests and the metadata are
    /// checked (no payload is parsed): the uploader's first pass, before approvals are known.
    public static func verify(contentsOf url: URL, limits: BundleLimits = .standard, checkContent: Bool = true,
                              content: BundleContent? = nil) throws -> IntegrityReport {
        try scan(contentsOf: url, limits: limits, checkContent: checkContent, content: content).report
    }

    /// The same, also returning the scan (for tests: members visited, bytes held).
    static func scan(contentsOf url: URL, limits: BundleLimits = .standard, checkContent: Bool = true,
                     content: BundleContent? = nil) throws -> (report: IntegrityReport, scan: BundleScan, stats: TarScanStats) {
        let scan = BundleScan(limits: limits, checkContent: checkContent, content: content)
        var digest: String?
        let stats = try TarIO.scan(fileAt: url.path, limits: limits, keep: scan.keep) { m in
            if m.path == BundleFormat.tagManifestPath { digest = m.digest }
            try scan.add(m)
        }
        return (try scan.finish(digest: digest), scan, stats)
    }

    static func metadataFieldProblems(_ o: [String: JSONValue]) -> [String] {
        var out: [String] = []
        for f in ["bundle_id", "tool_version", "created", "source_fingerprint", "mapping_config_digest", "target_api_model"]
        where o[f]?.stringValue == nil {
            out.append("field \(f) is missing or not a string")
        }
        for f in ["flow_count", "payload_bytes"] where o[f]?.intValue == nil {
            out.append("field \(f) is missing or not an integer")
        }
        if let counts = o["counts"]?.objectValue {
            for (k, v) in counts where v.intValue == nil { out.append("counts.\(k) is not an integer") }
        } else {
            out.append("field counts is missing or not an object")
        }
        return out
    }

    static func sortedText(_ d: [String: Int]) -> String {
        "{" + d.keys.sorted(by: BundlePath.precedes).map { "\($0): \(d[$0] ?? 0)" }.joined(separator: ", ") + "}"
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case .keyNotFound(let k, let c): return "missing field \((c.codingPath + [k]).map(\.stringValue).joined(separator: "."))"
            case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
            case .dataCorrupted(let c): return "invalid value at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
            @unknown default: return "\(e)"
            }
        }
        return error.localizedDescription
    }
}
