import Common
import Foundation

/// Why an extraction (or a read of the staging store) failed. Messages name the URL (never the
/// credentials) and say what to do.
public enum ExtractError: LocalizedError, Sendable, Equatable {
    /// 401/403: the CM (or pbxd) refused the credentials.
    case unauthorized(url: String, status: Int)
    /// The host could not be reached after every retry.
    case unreachable(url: String, detail: String)
    /// The answer was not the JSON the contract promises (HTML login page, proxy error page…).
    case notJSON(url: String, contentType: String?, snippet: String)
    /// The JSON parsed but lacks the contract's shape (`results`/`total`, `ossi_objects`).
    case badShape(url: String, detail: String)
    /// A non-retryable HTTP status (404, 400…), or a retryable one after every retry.
    case httpStatus(url: String, status: Int, snippet: String)
    /// pbxd (or CM behind it) reported an error for a command.
    case commandFailed(command: String, detail: String)
    /// pbxd answered, but the answer cannot be staged without guessing (list row without its
    /// key field, several objects for one `display`); `cmText` is what CM returned.
    case unusableAnswer(command: String, detail: String, cmText: String)
    case credentialsMissing(String)
    /// `--credentials-process` failed or printed no usable `{"username", "password"}`.
    case credentialsProcess(String)
    case invalidURL(String)
    /// `--window` is closed: nothing (more) is requested; `run` (if one was open) is paused at its checkpoint.
    case windowClosed(window: String, nextOpening: String, run: Int64?)
    /// Another extraction holds the staging store's run lock.
    case busy(String)
    /// The staging store cannot be opened, or was written by another source kind.
    case store(path: String, detail: String)
    /// A `postgres://` staging URL that cannot be used (password in it, no `pbx=`, bad sslmode…).
    case stageURL(url: String, detail: String)
    /// The PostgreSQL store's password could not be read (passfile open to others, the
    /// `--stage-credentials-process` failed).
    case stageCredentials(String)
    /// The newest extraction run did not finish; its records must not be built from.
    case runIncomplete(path: String, run: Int64, status: String)
    /// A staged record does not decode into the source model.
    case badRecord(dataset: String, key: String, detail: String)

    /// Exit code of `cm2gc extract` (docs/operations.md): 3 paused outside the window, 75 another
    /// run holds the store, 2 anything else.
    public var exitCode: Int32 {
        switch self {
        case .windowClosed: return ExtractExit.windowClosed
        case .busy: return RunLock.busyExitCode
        default: return 2
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unauthorized(let u, let s):
            return "the CM rejected the credentials (HTTP \(s)) at \(u); check CM_USERNAME/CM_PASSWORD or the --credentials file, and that the account may read configuration"
        case .unreachable(let u, let d):
            // The HTTP error already names the URL and, for connect and TLS failures, what to check.
            return "cannot reach the CM: \(d)" + (d.contains("; check") ? "" : "; check the URL (\(u)), that the service is running, the network route and any proxy")
        case .notJSON(let u, let ct, let s):
            return "the answer from \(u) is not JSON (Content-Type \(ct ?? "none")): \(s.debugDescription); check --from points at the REST service (and --kind matches), not a login page or proxy"
        case .badShape(let u, let d):
            return "the answer from \(u) does not have the expected shape: \(d); check --kind (pbxd or rest) and docs/cm-rest.md"
        case .httpStatus(let u, let s, let snip):
            return "the CM answered HTTP \(s) at \(u)\(snip.isEmpty ? "" : ": \(snip.debugDescription)"); check the URL and the service's logs"
        case .commandFailed(let c, let d):
            return "CM rejected '\(c)': \(d)"
        case .unusableAnswer(let c, let d, let t):
            let shown = t.count > 600 ? String(t.prefix(600)) + "…" : t
            return "the answer to '\(c)' cannot be staged: \(d); CM returned: \(shown); nothing was guessed — check the OSSI dictionary for this CM release (--ossi-dictionary) and run the command in SAT to compare"
        case .credentialsMissing(let d):
            return "no CM credentials: \(d); set CM_USERNAME and CM_PASSWORD, or pass --credentials FILE (mode 0600, one line USERNAME:PASSWORD)"
        case .credentialsProcess(let d):
            return d
        case .windowClosed(let w, let next, let run):
            return "the extraction window \(w) is closed; "
                + (run.map { "run \($0) is paused at its checkpoint and resumes when extract runs again inside the window" } ?? "nothing was requested")
                + " (next opening \(next)); run again then, or pass --wait-for-window to sleep until it opens"
        case .busy(let m):
            return "staging store: \(m)"
        case .invalidURL(let u):
            return "invalid --from URL \(u.debugDescription); expected http(s)://host[:port][/base]"
        case .store(let p, let d):
            return "staging store \(p): \(d)"
        case .stageURL(let u, let d):
            return "--stage \(u): \(d)"
        case .stageCredentials(let d):
            return "PostgreSQL staging store password: \(d)"
        case .runIncomplete(let p, let r, let s):
            return "staging store \(p): extraction run \(r) is \(s), not finished; run `cm2gc extract` again with the same --stage to resume it before building"
        case .badRecord(let d, let k, let why):
            return "staged \(d) record \(k.debugDescription) does not match the source model: \(why); re-extract, or check the CM REST service against docs/cm-rest.md"
        }
    }
}

/// Exit codes of `cm2gc extract` an orchestrator branches on (docs/operations.md).
public enum ExtractExit {
    public static let success: Int32 = 0
    /// Usage, credentials, network, protocol or store error.
    public static let failure: Int32 = 2
    /// The window closed (or was closed at start): the run is paused at its checkpoint.
    public static let windowClosed: Int32 = 3
    /// Another extraction holds the store (`RunLock.busyExitCode`).
    public static let busy: Int32 = RunLock.busyExitCode
}
