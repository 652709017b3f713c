import Common
import Crypto
import Foundation

/// A detached approval (bundle-spec.md section 18.2).
public struct Approval: Sendable, Hashable, Codable {
    public var format: String
    public var formatVersion: String
    public var approver: String
    public var approverName: String?
    public var keyID: String
    public var publicKey: String
    public var bundleDigest: String
    public var bundleID: String
    public var approvedAt: String
    public var comment: String?
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case format, approver, comment, signature
        case formatVersion = "format_version"
        case approverName = "approver_name"
        case keyID = "key_id"
        case publicKey = "public_key"
        case bundleDigest = "bundle_digest"
        case bundleID = "bundle_id"
        case approvedAt = "approved_at"
    }

    public static let formatName = "cm2gc-approval"
}

/// How one approval file fared.
public struct ApprovalCheck: Sendable, Hashable, Codable {
    public var file: String
    public var approver: String?
    public var approverName: String?
    public var keyID: String?
    public var approvedAt: String?
    public var comment: String?
    /// Signature, key id and digest check out.
    public var valid: Bool
    /// Valid and made with a trusted key of the same approver.
    public var trusted: Bool
    /// Counts towards the required number (first of its key and approver).
    public var counted: Bool
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case file, approver, comment, valid, trusted, counted, problem
        case approverName = "approver_name"
        case keyID = "key_id"
        case approvedAt = "approved_at"
    }
}

/// Approvals of one bundle against a policy.
public struct ApprovalReport: Sendable, Hashable, Codable {
    public var directory: String
    public var checks: [ApprovalCheck]
    /// Whether trusted keys were supplied; without them nothing counts.
    public var trustedKeysGiven: Bool
    public var required: Int
    public var counted: Int
    public var satisfied: Bool { counted >= required }

    enum CodingKeys: String, CodingKey {
        case directory, checks, required, counted
        case trustedKeysGiven = "trusted_keys_given"
    }
}

public enum Approvals {
    /// `<bundle>.approvals/` next to the bundle file.
    public static func directory(forBundleAt url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".approvals")
    }

    /// The bytes that are signed: the approval object without `signature`, compact canonical JSON.
    public static func signatureInput(_ object: [String: JSONValue]) -> Data {
        var o = object
        o.removeValue(forKey: "signature")
        return JSONValue.object(o).canonicalData()
    }

    /// Makes a signed approval of `digest`. `at` is the approval time, recorded on purpose.
    public static func sign(digest: String, bundleID: String, key: ApproverSigningKey, comment: String?, at: Date) throws -> Approval {
        var a = Approval(format: Approval.formatName, formatVersion: "1.0", approver: key.approver,
                         approverName: key.approverName, keyID: key.keyID, publicKey: key.publicKeyBase64,
                         bundleDigest: digest, bundleID: bundleID, approvedAt: BundleTime.rfc3339(at),
                         comment: comment, signature: "")
        guard case .object(let o) = try JSONValue.from(a) else { throw BundleError.usage("internal: approval encoding") }
        a.signature = try key.sign(signatureInput(o)).base64EncodedString()
        return a
    }

    /// Verifies the bundle (refusing to approve an invalid one), signs its digest with the key file and
    /// writes `<bundle>.approvals/<key_id>.json`. The bundle file is not touched.
    public static func approve(bundleAt bundleURL: URL, keyFile: URL, comment: String?, at: Date = Date()) throws -> (Approval, URL) {
        let key = try ApproverKeys.loadPrivateKey(at: keyFile)  // first: a bad key is a usage error
        let report = try BundleVerifier.verify(contentsOf: bundleURL)
        guard report.isValid, let digest = report.digest, let meta = report.metadata else {
            throw BundleError.bundleInvalid(problems: report.problems)
        }
        if let comment, comment.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
            throw BundleError.usage("comment must not contain control characters")
        }
        let approval = try sign(digest: digest, bundleID: meta.bundleID, key: key, comment: comment, at: at)
        let dir = directory(forBundleAt: bundleURL)
        let file = dir.appendingPathComponent("\(approval.keyID).json")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try CanonicalJSON.data(approval, pretty: true).write(to: file, options: .atomic)
        } catch {
            throw BundleError.io(path: file.path, reason: error.localizedDescription)
        }
        return (approval, file)
    }

    /// Checks every `*.json` in the approvals directory against `digest`; with `trusted` keys, counts
    /// approvals from distinct keys and distinct approvers (bundle-spec.md section 18.3).
    public static func check(bundleAt bundleURL: URL, digest: String, trusted: [ApproverPublicKey]?, required: Int) -> ApprovalReport {
        let dir = directory(forBundleAt: bundleURL)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        var checks: [ApprovalCheck] = []
        var keysSeen = Set<String>(), approversSeen = Set<String>()
        for name in names {
            let url = dir.appendingPathComponent(name)
            // Approval files are a few hundred bytes; do not load whatever else was dropped there.
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            let data = size <= 65_536 ? ((try? Data(contentsOf: url)) ?? Data()) : Data()
            var c = evaluate(data, file: name, digest: digest, trusted: trusted)
            if size > 65_536 { c.problem = "larger than 64 KiB; not an approval file" }
            if c.trusted, let k = c.keyID, let ap = c.approver {
                if keysSeen.contains(k) {
                    c.problem = "same key as an approval already counted"
                } else if approversSeen.contains(ap) {
                    c.problem = "approver \(ap) already counted with another key (two-person rule)"
                } else {
                    c.counted = true
                    keysSeen.insert(k)
                    approversSeen.insert(ap)
                }
            }
            checks.append(c)
        }
        return ApprovalReport(directory: dir.lastPathComponent, checks: checks, trustedKeysGiven: trusted != nil,
                              required: required, counted: checks.filter(\.counted).count)
    }

    /// Checks one approval file's bytes.
    public static func evaluate(_ data: Data, file: String, digest: String, trusted: [ApproverPublicKey]?) -> ApprovalCheck {
        var c = ApprovalCheck(file: file, valid: false, trusted: false, counted: false)
        guard let o = try? JSONValue.parse(data).objectValue else { c.problem = "not a JSON object"; return c }
        c.approver = o["approver"]?.stringValue
        c.approverName = o["approver_name"]?.stringValue
        c.keyID = o["key_id"]?.stringValue
        c.approvedAt = o["approved_at"]?.stringValue
        c.comment = o["comment"]?.stringValue
        guard o["format"]?.stringValue == Approval.formatName else { c.problem = "format is not \(Approval.formatName)"; return c }
        guard let v = o["format_version"]?.stringValue, BundleFormat.parseVersion(v)?.major == 1 else {
            c.problem = "unsupported format_version"; return c
        }
        let approval: Approval
        do { approval = try JSONValue.object(o).decode(Approval.self) } catch {
            c.problem = "malformed: \(BundleVerifier.describe(error))"; return c
        }
        guard let raw = Data(base64Encoded: approval.publicKey), raw.count == 32,
              let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            c.problem = "public_key is not a base64 32-byte Ed25519 key"; return c
        }
        guard KeyID.of(publicKey: raw) == approval.keyID else { c.problem = "key_id does not match public_key"; return c }
        guard approval.bundleDigest == digest else {
            c.problem = "approves digest \(approval.bundleDigest), not this bundle (\(digest))"; return c
        }
        guard let sig = Data(base64Encoded: approval.signature), pub.isValidSignature(sig, for: signatureInput(o)) else {
            c.problem = "signature does not verify (the approval file was altered or forged)"; return c
        }
        c.valid = true
        guard let trusted else { return c }
        guard let match = trusted.first(where: { $0.keyID == approval.keyID && $0.publicKey == approval.publicKey }) else {
            c.problem = "key \(approval.keyID) is not among the trusted keys"; return c
        }
        guard match.approver == approval.approver else {
            c.problem = "approval names \(approval.approver) but the trusted key belongs to \(match.approver)"; return c
        }
        c.trusted = true
        return c
    }
}
