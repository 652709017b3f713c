import Foundation

/// Every way reading, writing, verifying or approving a bundle can fail. Messages name the member or
/// file and say what to do; none ever contains key material.
public enum BundleError: LocalizedError, Sendable, Equatable {
    /// A file could not be read or written (missing, permissions, disk full).
    case io(path: String, reason: String)
    /// Wrong or missing command-line input.
    case usage(String)
    /// The archive is not a readable tar, or is truncated.
    case corruptArchive(String)
    /// A tar member that a bundle must never contain (link, device, `..`, absolute, bad charset, duplicate).
    case unsafeMember(member: String, reason: String)
    /// A member or the archive exceeds a limit of bundle-spec.md section 19.
    case limitExceeded(member: String, size: Int64, limit: Int64)
    /// The archive has more members than section 19 allows.
    case tooManyMembers(count: Int, limit: Int)
    /// A path handed to the builder breaks the path rules.
    case invalidPath(path: String, reason: String)
    /// The builder was given the same path twice.
    case duplicateMember(String)
    /// The builder was given a path that it writes itself, or one in the wrong area.
    case reservedPath(path: String, reason: String)
    /// A payload is not acceptable (not a JSON object, dangling reference, ...).
    case invalidPayload(path: String, reason: String)
    /// The plan is inconsistent.
    case invalidPlan(String)
    /// A metadata value for bundle.json is not acceptable.
    case invalidMetadata(field: String, reason: String)
    /// The bundle's major format version is not one this reader implements.
    case unsupportedFormatVersion(member: String, found: String)
    /// The bundle was read but failed verification.
    case bundleInvalid(problems: [BundleProblem])
    /// A key file is malformed.
    case invalidKeyFile(path: String, reason: String)
    /// A private key file is readable by group or others.
    case insecureKeyFile(path: String, mode: String)
    /// keygen refuses to overwrite a key.
    case keyFileExists(path: String)
    /// An approval file is malformed.
    case invalidApproval(path: String, reason: String)
    /// libarchive failed while writing.
    case archiveWrite(String)

    public var errorDescription: String? {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .usage(let m):
            return m
        case .corruptArchive(let m):
            return "not a readable bundle archive: \(m). Re-copy the bundle from stage one; a truncated transfer is the usual cause."
        case .unsafeMember(let member, let reason):
            return "\(member): refused: \(reason). Bundles hold only regular files with relative ASCII paths; this archive was not written by cm2gc or was tampered with."
        case .limitExceeded(let member, let size, let limit):
            return "\(member): \(size) bytes exceeds the limit of \(limit) bytes (bundle-spec.md section 19)."
        case .tooManyMembers(let count, let limit):
            return "the archive has more than \(limit) members (reading stopped at member \(count)); the limit is \(limit) members (bundle-spec.md section 19)."
        case .invalidPath(let path, let reason):
            return "invalid bundle path \"\(path)\": \(reason). Use lower-case [a-z0-9._-] segments (BundlePath.slug) separated by '/'."
        case .duplicateMember(let p):
            return "\(p): added twice. Logical keys must be unique per resource type."
        case .reservedPath(let path, let reason):
            return "\(path): \(reason)"
        case .invalidPayload(let path, let reason):
            return "\(path): \(reason)"
        case .invalidPlan(let m):
            return "plan/order.json: \(m)"
        case .invalidMetadata(let field, let reason):
            return "bundle.json field \(field): \(reason)"
        case .unsupportedFormatVersion(let member, let found):
            return "\(member): format_version \(found) is not supported by this tool (it reads major version \(BundleFormat.major)). Use a cm2gc release that supports it."
        case .bundleInvalid(let problems):
            let lines = problems.prefix(20).map { "  \($0)" }.joined(separator: "\n")
            let more = problems.count > 20 ? "\n  … and \(problems.count - 20) more" : ""
            return "bundle is invalid (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n\(lines)\(more)\nRun `cm2gc verify` for the full list; re-create the bundle from stage one."
        case .invalidKeyFile(let path, let reason):
            return "\(path): not a usable key file: \(reason)."
        case .insecureKeyFile(let path, let mode):
            return "\(path): private key file has mode \(mode) and is readable by group or others; refusing to use it. Run `chmod 600 \(path)` and consider the key compromised if others could read it."
        case .keyFileExists(let path):
            return "\(path) already exists; refusing to overwrite a key. Choose another --out directory or approver id."
        case .invalidApproval(let path, let reason):
            return "\(path): \(reason)"
        case .archiveWrite(let m):
            return "writing the bundle archive failed: \(m)"
        }
    }

    /// Exit code convention shared by `cm2gc` and `cm2gc-upload`: 1 = the bundle or approvals are not
    /// acceptable, 2 = usage, key file or I/O problem (nothing was judged).
    public var exitCode: Int32 {
        switch self {
        case .io, .usage, .invalidKeyFile, .insecureKeyFile, .keyFileExists: return 2
        default: return 1
        }
    }
}

/// One verification finding, tied to the member it concerns.
public struct BundleProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var member: String
    public var message: String

    public init(member: String, message: String) {
        self.member = member
        self.message = message
    }

    public var description: String { "\(member): \(message)" }
}
