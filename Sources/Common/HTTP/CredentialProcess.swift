import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--credentials-process "CMD"`: runs a command that prints one JSON object with the credentials
/// on stdout, as AWS `credential_process` does, so secrets can come from Vault, AWS Secrets
/// Manager or Azure Key Vault without touching a disk or an argument list.
///
/// CMD is split into words like a POSIX shell splits a simple command — blanks separate words,
/// `'…'` keeps everything literally, `"…"` keeps blanks (backslash escapes `"`, `\`, `$`, `` ` ``),
/// a backslash outside quotes escapes the next character — and nothing else: no variables,
/// globs, pipes, redirections or command substitution. The first word is looked up in `PATH`.
/// For a pipeline, call a script or `sh -c '…'` explicitly (docs/credentials.md).
///
/// The child gets our environment, stdin from /dev/null (a prompt fails instead of hanging), its
/// stderr goes to ours (so its own errors are visible), and its stdout comes back through a pipe:
/// the secret is never an argument of any process and is never echoed in an error.
public enum CredentialProcess {
    /// Splits CMD into argv (see the type's comment).
    public static func split(_ command: String) throws -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var it = command.makeIterator()
        while let c = it.next() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(cur); cur = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let d = it.next() {
                    if d == "'" { closed = true; break }
                    cur.append(d)
                }
                guard closed else { throw CredentialProcessError.badCommand("unbalanced single quote") }
            case "\"":
                inWord = true
                var closed = false
                while let d = it.next() {
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        guard let e = it.next() else { break }
                        if !"\"\\$`".contains(e) { cur.append("\\") }
                        cur.append(e)
                        continue
                    }
                    cur.append(d)
                }
                guard closed else { throw CredentialProcessError.badCommand("unbalanced double quote") }
            case "\\":
                guard let e = it.next() else { throw CredentialProcessError.badCommand("a trailing backslash") }
                inWord = true
                if e != "\n" { cur.append(e) }
            default:
                inWord = true
                cur.append(c)
            }
        }
        if inWord { words.append(cur) }
        guard !words.isEmpty else { throw CredentialProcessError.badCommand("it is empty") }
        return words
    }

    /// The executable for argv[0]: a path as given when it has a slash, else the first match in PATH.
    static func resolve(_ name: String, environment: [String: String]) throws -> String {
        if name.contains("/") {
            guard access(name, X_OK) == 0 else { throw CredentialProcessError.notFound(name) }
            return name
        }
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let p = (dir.isEmpty ? "." : String(dir)) + "/" + name
            var st = stat()
            if stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(p, X_OK) == 0 { return p }
        }
        throw CredentialProcessError.notFound(name)
    }

    /// Runs CMD and returns its stdout as a secret (trailing newlines removed). Fails when it
    /// cannot start, exits non-zero, is killed after `timeout`, prints nothing or more than 1 MiB.
    public static func output(of command: String, timeout: Duration = .seconds(120),
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret {
        let argv = try split(command)
        let exe = try resolve(argv[0], environment: environment)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = Array(argv.dropFirst())
        p.environment = environment
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch { throw CredentialProcessError.cannotStart(argv[0], error.localizedDescription) }
        let timedOut = TimeoutFlag()
        let pid = p.processIdentifier
        let (s, a) = timeout.components
        let watchdog = DispatchWorkItem {
            timedOut.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + Double(s) + Double(a) / 1e18, execute: watchdog)
        // Read to the end before waiting, so a large answer cannot block the child on a full pipe.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        watchdog.cancel()
        if timedOut.value { throw CredentialProcessError.timedOut(argv[0], after: timeout) }
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            throw CredentialProcessError.failed(argv[0], status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal)
        }
        guard data.count <= 1 << 20 else { throw CredentialProcessError.badOutput(argv[0], "more than 1 MiB on stdout") }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw CredentialProcessError.badOutput(argv[0], "nothing on stdout") }
        return Secret(text)
    }

    /// Runs CMD and reads one JSON object from its stdout; `fields` are the members that must be
    /// non-empty strings. Returns them by name.
    public static func fields(_ fields: [String], from command: String, timeout: Duration = .seconds(120),
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: Secret] {
        let name = (try? split(command).first) ?? command
        let text = try output(of: command, timeout: timeout, environment: environment).value
        // Parse errors could quote the secret: say only what is wrong.
        guard case .object(let o)? = try? JSONValue.parse(Data(text.utf8)) else {
            throw CredentialProcessError.badOutput(name, "stdout is not one JSON object")
        }
        var found: [String: Secret] = [:]
        for f in fields {
            guard let v = o[f]?.stringValue, !v.isEmpty else {
                throw CredentialProcessError.badOutput(name, "the JSON object has no non-empty string \"\(f)\" (members: \(o.keys.sorted().joined(separator: ", ")))")
            }
            found[f] = Secret(v)
        }
        return found
    }
}

/// Set once by the watchdog, read after the child exited.
private final class TimeoutFlag: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var fired = false
    func set() { lock.withLock { fired = true } }
    var value: Bool { lock.withLock { fired } }
}

public enum CredentialProcessError: LocalizedError, Sendable, Equatable {
    case badCommand(String)
    case notFound(String)
    case cannotStart(String, String)
    case failed(String, status: Int32, signalled: Bool)
    case timedOut(String, after: Duration)
    case badOutput(String, String)

    public var errorDescription: String? {
        switch self {
        case .badCommand(let why):
            return "--credentials-process: cannot split the command: \(why); quote words with '…' or \"…\" (no shell syntax: no pipes or $VARIABLES; use a script or sh -c '…')"
        case .notFound(let n):
            return "--credentials-process: \(n.debugDescription) is not an executable file or a program in PATH"
        case .cannotStart(let n, let why):
            return "--credentials-process: cannot start \(n): \(why)"
        case .failed(let n, let status, let signalled):
            return "--credentials-process: \(n) \(signalled ? "was killed by signal \(status)" : "exited with status \(status)"); its own error output is above"
        case .timedOut(let n, let d):
            let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            return "--credentials-process: \(n) did not finish within \(String(format: "%g", secs)) s and was killed; check that it does not wait for input (stdin is /dev/null) or a slow secret store"
        case .badOutput(let n, let why):
            return "--credentials-process: \(n) printed no usable credentials: \(why); it must print one JSON object on stdout (docs/credentials.md)"
        }
    }
}
