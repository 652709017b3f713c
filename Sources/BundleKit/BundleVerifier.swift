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

    public var isValid: Bool { problems.isEmpty && digest != nil }
}

public enum BundleVerifier {
    /// Checks every rule of section 17 and reports each problem with its member. Throws only for an
    /// unsupported major format version (nothing else can be trusted then).
    public static func verify(_ files: BundleFiles, limits: BundleLimits = .standard) throws -> IntegrityReport {
        var problems: [BundleProblem] = []
        func problem(_ member: String, _ message: String) { problems.append(BundleProblem(member: member, message: message)) }
        let members = files.members

        // 1. bundle.json first: an unknown major version stops everything.
        var metadata: BundleMetadata?
        var rawMetadata: [String: JSONValue] = [:]
        if let data = members[BundleFormat.metadataPath] {
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
                    let line = "\(SHA256Digest.hex(data))  \(BundleFormat.metadataPath)\n"
                    let intact = members[BundleFormat.tagManifestPath].map { String(decoding: $0, as: UTF8.self).contains(line) } ?? false
                    if intact {
                        throw BundleError.unsupportedFormatVersion(member: BundleFormat.metadataPath, found: fv.isEmpty ? "(missing)" : fv)
                    }
                    problem(BundleFormat.metadataPath, "format_version \"\(fv)\" is not readable by this tool")
                } else {
                    let missing = metadataFieldProblems(rawMetadata)
                    missing.forEach { problem(BundleFormat.metadataPath, $0) }
                    if missing.isEmpty { metadata = try? JSONValue.object(rawMetadata).decode(BundleMetadata.self) }
                }
            }
        }
        for required in BundleFormat.requiredMembers where members[required] == nil {
            problem(required, "required member is missing")
        }

        // 2. Manifests: exact coverage and every digest.
        var verified = 0
        let payloadClass = Set(members.keys.filter(BundleFormat.isPayloadClass))
        let tagClass = Set(members.keys.filter { !BundleFormat.isPayloadClass($0) && $0 != BundleFormat.tagManifestPath })
        for (manifestPath, expected) in [(BundleFormat.manifestPath, payloadClass), (BundleFormat.tagManifestPath, tagClass)] {
            guard let data = members[manifestPath] else { continue }
            let (entries, parseProblems) = Manifest.parse(data, member: manifestPath)
            problems += parseProblems
            var listed = Set<String>()
            for e in entries {
                listed.insert(e.path)
                guard let content = members[e.path] else {
                    problem(e.path, "listed in \(manifestPath) but missing from the bundle")
                    continue
                }
                guard expected.contains(e.path) else {
                    problem(e.path, "listed in \(manifestPath), which is the wrong manifest for it")
                    continue
                }
                let actual = SHA256Digest.hex(content)
                if actual == e.digest { verified += 1 } else {
                    problem(e.path, "content does not match \(manifestPath) (sha256 \(actual), expected \(e.digest)): the member was changed after the bundle was written")
                }
            }
            for path in expected.subtracting(listed).sorted(by: BundlePath.precedes) {
                problem(path, "not listed in \(manifestPath)")
            }
        }

        // 3. Payloads and flows.
        var counts: [String: Int] = [:]
        var payloadBytes: Int64 = 0
        var flowCount = 0
        for path in payloadClass.sorted(by: BundlePath.precedes) {
            guard let data = members[path] else { continue }
            payloadBytes += Int64(data.count)
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            let limit = limits.limit(for: path)
            if Int64(data.count) > limit { problem(path, "\(data.count) bytes exceeds the limit of \(limit) bytes") }
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
            do {
                let value = try JSONValue.parse(data)
                guard case .object = value else { problem(path, "payload is not a JSON object"); continue }
                PayloadReferences.shapeProblems(value).forEach { problem(path, $0) }
                for ref in PayloadReferences.collect(in: value) where members[ref.path] == nil {
                    problem(path, "reference \"@ref:\(ref.text)\" names no payload of the bundle")
                }
            } catch {
                problem(path, "payload is not valid JSON: \(error.localizedDescription)")
            }
        }

        // 4. Metadata consistency and the content-derived id.
        if let m = metadata {
            let meta = BundleFormat.metadataPath
            if m.counts != counts { problem(meta, "counts \(sortedText(m.counts)) do not match the payloads \(sortedText(counts))") }
            if m.flowCount != flowCount { problem(meta, "flow_count \(m.flowCount) does not match \(flowCount) flows") }
            if m.payloadBytes != payloadBytes { problem(meta, "payload_bytes \(m.payloadBytes) does not match \(payloadBytes)") }
            if let manifest = members[BundleFormat.manifestPath] {
                // The payload manifest, as written (section 15).
                let id = BundleID.compute(sourceFingerprint: m.sourceFingerprint, mappingConfigDigest: m.mappingConfigDigest,
                                          toolVersion: m.toolVersion, payloadManifest: manifest)
                if id != m.bundleID { problem(meta, "bundle_id \(m.bundleID) does not match the content (expected \(id))") }
            }
        }

        // 5. Plan and records.
        if let data = members[BundleFormat.orderPath] {
            do {
                let plan = try JSONValue.parse(data).decode(BundlePlan.self)
                plan.problems(members: Set(members.keys)).forEach { problem(BundleFormat.orderPath, $0) }
            } catch {
                problem(BundleFormat.orderPath, "not a valid plan: \(describe(error))")
            }
        }
        for path in [BundleFormat.diffLogPath, BundleFormat.exceptionsPath] {
            guard let data = members[path], !data.isEmpty else { continue }
            if data.last != 0x0A { problem(path, "last line does not end with a newline") }
            for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().enumerated() {
                guard let v = try? JSONValue.parse(Data(line)), case .object = v else {
                    problem(path, "line \(n + 1) is not a JSON object")
                    continue
                }
            }
        }

        return IntegrityReport(metadata: metadata, digest: files.digest, problems: problems,
                               membersVerified: verified, memberCount: members.count)
    }

    /// Reads and verifies; throws `BundleError` for unreadable or unsafe archives.
    public static func verify(contentsOf url: URL, limits: BundleLimits = .standard) throws -> (BundleFiles, IntegrityReport) {
        let files = try BundleFiles.read(contentsOf: url, limits: limits)
        return (files, try verify(files, limits: limits))
    }

    private static func metadataFieldProblems(_ o: [String: JSONValue]) -> [String] {
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

    private static func sortedText(_ d: [String: Int]) -> String {
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
