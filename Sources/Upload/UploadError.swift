import BundleKit
import Common
import Foundation
import GenesysCloud

/// Everything that stops an upload command as a whole. Step-level failures are recorded in the
/// ledger instead and summarised by the command's result. Messages say what to do next.
public enum UploadError: LocalizedError, Sendable {
    /// Command-line input that cannot work (bad option value, missing credentials source).
    case usage(String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The bundle failed verification or is not approved enough; nothing was sent.
    case refused(String)
    /// The ledger belongs to another bundle, or is damaged.
    case ledgerMismatch(path: String, reason: String)
    /// Another live process holds the ledger's run lock (who, when known).
    case ledgerBusy(path: String, holder: String?)
    /// A SQLite error on the ledger.
    case ledger(path: String, reason: String)
    /// The plan holds something the uploader cannot execute (unknown type, missing payload, …).
    case unsupportedPlan(String)
    /// The preflight found objects that exist and differ; `apply` stops before any write.
    case conflicts([String])
    /// Credentials could not be read.
    case credentials(String)

    public var errorDescription: String? {
        switch self {
        case .usage(let m):
            return m
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .refused(let m):
            return "refused before any request to Genesys Cloud: \(m)"
        case .ledgerMismatch(let path, let reason):
            return "ledger \(path): \(reason). Use the ledger written for this bundle, or pass --ledger with a new path for a new bundle."
        case .ledgerBusy(let path, let holder):
            return "ledger \(path) is in use by \(holder ?? "another cm2gc-upload process"); only one run per ledger, so nothing was done. "
                + "Run again when it has finished (exit code 75; the lock of a process that died is taken over automatically)."
        case .ledger(let path, let reason):
            return "ledger \(path): \(reason)"
        case .unsupportedPlan(let m):
            return "the plan cannot be executed: \(m)"
        case .conflicts(let items):
            let shown = items.prefix(20).map { "  ! \($0)" }.joined(separator: "\n")
            let more = items.count > 20 ? "\n  … and \(items.count - 20) more" : ""
            return "\(items.count) object\(items.count == 1 ? "" : "s") already exist\(items.count == 1 ? "s" : "") in the org and differ from the bundle:\n\(shown)\(more)\n"
                + "Nothing was written. Review with `cm2gc-upload plan`; then re-approve a corrected bundle, or rerun with --adopt (take the existing objects as they are) or --allow-conflicts (leave them alone and skip what depends on them)."
        case .credentials(let m):
            return "credentials: \(m)"
        }
    }

    /// 1: refused or judged (verification, approvals, conflicts, ledger of another bundle);
    /// 2: usage, I/O, credentials; 75: another run holds the ledger (try again later).
    public var exitCode: Int32 {
        switch self {
        case .refused, .conflicts, .ledgerMismatch, .unsupportedPlan: return 1
        case .ledgerBusy: return UploadExit.busy
        case .usage, .io, .ledger, .credentials: return 2
        }
    }
}

/// Exit codes of `cm2gc-upload` (docs/upload.md).
public enum UploadExit {
    public static let success: Int32 = 0
    /// Refused, conflicts, failed steps, circuit breaker, drift found by reconcile.
    public static let failure: Int32 = 1
    /// Usage, I/O, credentials.
    public static let usage: Int32 = 2
    /// Another run holds the ledger (apply, rollback or reconcile of the same bundle): nothing was done.
    public static let busy: Int32 = RunLock.busyExitCode

    /// Maps any error to an exit code.
    public static func code(for error: any Error) -> Int32 {
        if let e = error as? UploadError { return e.exitCode }
        if let e = error as? BundleError { return e.exitCode }
        if error is GenesysClientError { return failure }
        return usage
    }
}
