import Common
import Foundation

/// The result of `verify`: content integrity plus approvals against a policy. Shared by
/// `cm2gc verify` and `cm2gc-upload verify` so both judge a bundle the same way.
public struct VerifyResult: Sendable {
    public var bundle: String
    public var integrity: IntegrityReport
    public var approvals: ApprovalReport

    /// Valid content and enough approvals.
    public var accepted: Bool { integrity.isValid && approvals.satisfied }
    /// 0 accepted, 1 invalid or not approved enough.
    public var exitCode: Int32 { accepted ? 0 : 1 }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "bundle": .string(bundle),
            "valid": .bool(integrity.isValid),
            "accepted": .bool(accepted),
            "members": .int(Int64(integrity.memberCount)),
            "members_verified": .int(Int64(integrity.membersVerified)),
            "problems": .array(integrity.problems.map { ["member": .string($0.member), "message": .string($0.message)] }),
            "approvals": (try? JSONValue.from(approvals)) ?? .null,
        ]
        if let d = integrity.digest { o["digest"] = .string(d) }
        if let m = integrity.metadata {
            o["bundle_id"] = .string(m.bundleID)
            o["format_version"] = .string(m.formatVersion)
        }
        return .object(o)
    }

    public var text: String {
        var s = "bundle:    \(bundle)\n"
        if let m = integrity.metadata {
            s += "format:    \(m.format) \(m.formatVersion)\nbundle id: \(m.bundleID)\n"
        }
        s += "digest:    \(integrity.digest ?? "(none: tagmanifest-sha256.txt missing)")\n"
        if integrity.isValid {
            s += "content:   valid (all \(integrity.membersVerified) listed members match their manifests)\n"
        } else {
            s += "content:   INVALID (\(integrity.problems.count) problem\(integrity.problems.count == 1 ? "" : "s"))\n"
            for p in integrity.problems { s += "  \(p)\n" }
        }
        s += ApprovalText.render(approvals)
        if !integrity.isValid {
            s += "result:    INVALID\n"
        } else if approvals.satisfied {
            s += "result:    OK" + (approvals.required > 0 ? " (\(approvals.counted) of \(approvals.required) required approvals)" : "") + "\n"
        } else {
            s += "result:    NOT APPROVED (\(approvals.counted) of \(approvals.required) required approvals from distinct trusted approvers)\n"
        }
        return s
    }
}

/// What `inspect` shows: metadata, digest, counts, approvals and the summary, read without extracting.
public struct InspectResult: Sendable {
    public var bundle: String
    public var integrity: IntegrityReport
    public var approvals: ApprovalReport
    public var summary: String?
    public var members: [(path: String, size: Int)]

    public var exitCode: Int32 { integrity.isValid ? 0 : 1 }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "bundle": .string(bundle),
            "valid": .bool(integrity.isValid),
            "problems": .array(integrity.problems.map { ["member": .string($0.member), "message": .string($0.message)] }),
            "approvals": (try? JSONValue.from(approvals)) ?? .null,
            "members": .array(members.map { ["path": .string($0.path), "size": .int(Int64($0.size))] }),
        ]
        if let d = integrity.digest { o["digest"] = .string(d) }
        if let m = integrity.metadata, let mv = try? JSONValue.from(m) { o["metadata"] = mv }
        if let summary { o["summary"] = .string(summary) }
        return .object(o)
    }

    public var text: String {
        var s = "bundle:          \(bundle)\n"
        if let m = integrity.metadata {
            s += "format:          \(m.format) \(m.formatVersion)\n"
            s += "bundle id:       \(m.bundleID)\n"
            s += "digest:          \(integrity.digest ?? "-")\n"
            s += "created:         \(m.created)\n"
            s += "tool version:    \(m.toolVersion)\n"
            s += "target API:      \(m.targetAPIModel)\n"
            s += "source:          \(m.sourceFingerprint)\n"
            s += "mapping config:  \(m.mappingConfigDigest)\n"
            s += "resources:       " + (m.counts.isEmpty ? "none" : m.counts.keys.sorted(by: BundlePath.precedes)
                .map { "\($0) \(m.counts[$0] ?? 0)" }.joined(separator: ", ")) + "\n"
            s += "flows:           \(m.flowCount)\n"
        } else {
            s += "digest:          \(integrity.digest ?? "-")\n"
        }
        s += "members:         \(members.count)\n"
        s += integrity.isValid ? "content:         valid\n"
            : "content:         INVALID (\(integrity.problems.count) problems; run cm2gc verify for details)\n"
        s += ApprovalText.render(approvals)
        if let summary { s += "\n----- summary.md -----\n\(summary)" + (summary.hasSuffix("\n") ? "" : "\n") }
        return s
    }
}

enum ApprovalText {
    static func render(_ r: ApprovalReport) -> String {
        var s = "approvals:  \(r.checks.count) in \(r.directory)/" + (r.trustedKeysGiven ? "" : " (no trusted keys given: signatures checked, nothing counted)") + "\n"
        for c in r.checks {
            let status = c.counted ? "counted" : c.trusted ? "trusted, not counted" : c.valid ? "valid signature, untrusted" : "INVALID"
            var line = "  \(c.approver ?? "?") key \(c.keyID ?? "?") at \(c.approvedAt ?? "?"): \(status)"
            if let p = c.problem { line += " (\(p))" }
            if let comment = c.comment { line += " \"\(comment)\"" }
            s += line + "\n"
        }
        return s
    }
}

/// Entry points for the command-line tools; each reads, judges and returns a printable result.
public enum BundleOperations {
    /// Verifies content and approvals. `requiredApprovals > 0` needs `trustedKeysDirectory`.
    /// With `checkContent` false, payloads, the plan and the logs are not parsed (see
    /// `BundleVerifier.verify(contentsOf:)`): a first pass that judges digests and approvals only.
    public static func verify(bundleAt url: URL, trustedKeysDirectory: URL?, requiredApprovals: Int,
                              checkContent: Bool = true) throws -> VerifyResult {
        guard requiredApprovals >= 0 else { throw BundleError.usage("--require-approvals must be >= 0") }
        if requiredApprovals > 0, trustedKeysDirectory == nil {
            throw BundleError.usage("--require-approvals needs --trusted-keys DIR: approvals count only from trusted keys")
        }
        let trusted = try trustedKeysDirectory.map { try ApproverKeys.loadTrustedKeys(directory: $0) }
        let integrity = try BundleVerifier.verify(contentsOf: url, checkContent: checkContent)
        let approvals = Approvals.check(bundleAt: url, digest: integrity.digest ?? "", trusted: trusted, required: requiredApprovals)
        return VerifyResult(bundle: url.path, integrity: integrity, approvals: approvals)
    }

    /// The same, also returning the members (for a caller that renders them, valid or not). The
    /// archive is verified streaming first (bounded memory, truncation refused), then read whole
    /// within the bundle limits.
    public static func verifyAndRead(bundleAt url: URL, trustedKeysDirectory: URL?, requiredApprovals: Int) throws -> (BundleFiles, VerifyResult) {
        let result = try verify(bundleAt: url, trustedKeysDirectory: trustedKeysDirectory, requiredApprovals: requiredApprovals)
        return (try BundleFiles.read(contentsOf: url), result)
    }

    public static func inspect(bundleAt url: URL, trustedKeysDirectory: URL?) throws -> InspectResult {
        let trusted = try trustedKeysDirectory.map { try ApproverKeys.loadTrustedKeys(directory: $0) }
        // Only summary.md is kept; every other member is checked and dropped as it is read.
        var summary: String?
        let integrity = try BundleVerifier.verify(contentsOf: url, content: BundleContent(
            member: { path, data in if path == BundleFormat.summaryPath { summary = String(decoding: data, as: UTF8.self) } },
            wants: { $0 == BundleFormat.summaryPath }))
        let approvals = Approvals.check(bundleAt: url, digest: integrity.digest ?? "", trusted: trusted, required: 0)
        return InspectResult(bundle: url.path, integrity: integrity, approvals: approvals, summary: summary,
                             members: integrity.sizes.keys.sorted(by: BundlePath.precedes).map { ($0, Int(integrity.sizes[$0] ?? 0)) })
    }

    /// Builds a bundle from a directory of sample payloads laid out as `<dir>/<type>/<key>.json` (and
    /// optionally `<dir>/flows/<name>.yaml`), with a plan derived from the `@ref:` references: each payload is
    /// created after the payloads it references. A development path for demos and tests until the
    /// stage-one transform exists; the source fingerprint is the digest of the files read.
    public static func bundleDirectory(_ dir: URL, to output: URL, created: Int64, targetAPIModel: String,
                                       gzip: Bool) throws -> BuiltBundle {
        let fm = FileManager.default
        guard let items = fm.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw BundleError.io(path: dir.path, reason: "cannot read directory")
        }
        let base = dir.standardizedFileURL.path
        var relPaths: [String] = []
        for case let u as URL in items {
            guard (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = u.standardizedFileURL.path
            guard full.hasPrefix(base + "/") else { continue }
            relPaths.append(String(full.dropFirst(base.count + 1)))
        }
        relPaths.sort(by: BundlePath.precedes)
        var fingerprintInput = Data()
        var payloads: [(type: String, key: String, value: JSONValue)] = []
        var flows: [(String, String)] = []
        for rel in relPaths {
            let parts = rel.split(separator: "/").map(String.init)
            let data: Data
            do { data = try Data(contentsOf: dir.appendingPathComponent(rel)) } catch {
                throw BundleError.io(path: rel, reason: error.localizedDescription)
            }
            fingerprintInput.append(Data("\(SHA256Digest.hex(data))  \(rel)\n".utf8))
            if parts.count == 2, parts[0] == "flows", rel.hasSuffix(".yaml") {
                flows.append((String(parts[1].dropLast(5)), String(decoding: data, as: UTF8.self)))
            } else if parts.count == 2, rel.hasSuffix(".json") {
                let value: JSONValue
                do { value = try JSONValue.parse(data) } catch {
                    throw BundleError.invalidPayload(path: rel, reason: error.localizedDescription)
                }
                payloads.append((parts[0], String(parts[1].dropLast(5)), value))
            } else {
                throw BundleError.usage("\(rel): expected <type>/<key>.json or flows/<name>.yaml")
            }
        }
        var builder = BundleBuilder(BundleInputs(
            sourceFingerprint: SHA256Digest.hex(fingerprintInput),
            mappingConfigDigest: SHA256Digest.hex("cm2gc bundle-files: no mapping, payloads as given"),
            targetAPIModel: targetAPIModel, created: created))
        for p in payloads { try builder.addPayload(type: p.type, key: p.key, json: p.value) }
        for f in flows { try builder.addFlow(name: f.0, yaml: f.1) }
        builder.setPlan(try planFromReferences(payloads.map { ($0.type, $0.key, $0.value) }))
        for p in payloads {
            try builder.addDiffRecord(DiffRecord(type: p.type, key: p.key, action: .create, source: "\(p.type)/\(p.key).json"))
        }
        return try builder.write(to: output, gzip: gzip)
    }

    /// One create step per payload; phases by longest `@ref:` chain, steps sorted by (phase, type, key).
    /// Throws on a reference cycle.
    public static func planFromReferences(_ payloads: [(type: String, key: String, value: JSONValue)]) throws -> [PlanStep] {
        var deps: [String: [String]] = [:]
        for p in payloads { deps["\(p.type)/\(p.key)"] = PayloadReferences.collect(in: p.value).map(\.text) }
        var phase: [String: Int] = [:]
        var visiting = Set<String>()
        func depth(_ id: String) throws -> Int {
            if let d = phase[id] { return d }
            guard visiting.insert(id).inserted else { throw BundleError.invalidPlan("reference cycle through \(id)") }
            let d = 1 + (try (deps[id] ?? []).filter { deps[$0] != nil }.map(depth).max() ?? 0)
            visiting.remove(id)
            phase[id] = d
            return d
        }
        for id in deps.keys { _ = try depth(id) }
        let sorted = payloads.sorted { a, b in
            let pa = phase["\(a.type)/\(a.key)"] ?? 1, pb = phase["\(b.type)/\(b.key)"] ?? 1
            if pa != pb { return pa < pb }
            return BundlePath.precedes("\(a.type)/\(a.key)", "\(b.type)/\(b.key)")
        }
        return sorted.map { p in
            let id = "\(p.type)/\(p.key)"
            return PlanStep(id: id, type: p.type, key: p.key, action: .create,
                            dependsOn: (deps[id] ?? []).filter { deps[$0] != nil }.sorted(by: BundlePath.precedes),
                            phase: phase[id] ?? 1, payload: BundleFormat.payloadPath(type: p.type, key: p.key))
        }
    }
}
