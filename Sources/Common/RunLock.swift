import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run at a time on a resource (a staging store, an upload ledger): an exclusive, non-blocking
/// `flock` on `<resource>.lock`. The kernel drops the lock when its holder dies (SIGKILL, power
/// loss of a local disk), so a lock file left by a dead process is simply taken over; its content
/// (pid, host, start time, command) only serves the messages.
///
/// Held by this process until `release()` or deinit. Do not acquire the same path twice in one
/// process: `flock` locks belong to the open file, so the second attempt fails as busy.
public final class RunLock: @unchecked Sendable {  // `fd` changes only in release(), called once by its owner
    public let path: String
    /// The holder recorded in the file when we took it over from a process that is gone.
    public let tookOverFrom: Holder?
    private var fd: Int32

    /// Exit code of a command refused because another run holds the lock (`EX_TEMPFAIL` of
    /// sysexits.h: "try again later"), the same for every cm2gc tool.
    public static let busyExitCode: Int32 = 75

    /// Who holds (or held) a lock, as written into the lock file.
    public struct Holder: Sendable, Hashable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        public var started: String
        public var command: String

        public var description: String { "process \(pid) on \(host) (\(command), started \(started))" }

        var text: String { "pid=\(pid)\nhost=\(host)\nstarted=\(started)\ncommand=\(command)\n" }

        static func parse(_ s: String) -> Holder? {
            var v: [String: String] = [:]
            for line in s.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                v[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            guard let p = v["pid"].flatMap({ Int32($0) }) else { return nil }
            return Holder(pid: p, host: v["host"] ?? "?", started: v["started"] ?? "?", command: v["command"] ?? "?")
        }
    }

    private init(path: String, fd: Int32, tookOverFrom: Holder?) {
        self.path = path
        self.fd = fd
        self.tookOverFrom = tookOverFrom
    }

    deinit { release() }

    /// Releases the lock (idempotent). The file stays: removing it would race with a process
    /// that opened it but has not locked it yet.
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        // Unlock explicitly: a child process being spawned at this moment holds a copy of the
        // descriptor until its exec closes it (O_CLOEXEC), and close alone would leave the lock
        // with that copy; LOCK_UN releases it for every copy of the open file.
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// Takes the lock at `path` without waiting. `command` (no secrets: it is written to the file)
    /// names what runs, for the message another process shows.
    public static func acquire(_ path: String, command: String) throws -> RunLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RunLockError.unusable(path: path, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            let holder = Holder.parse(readAll(fd))
            close(fd)
            if e == EAGAIN { throw RunLockError.busy(path: path, holder: holder) }
            throw RunLockError.unusable(path: path, reason: String(cString: strerror(e)))
        }
        // Locked: whatever the file still says is a previous holder that ended without cleaning up.
        let previous = Holder.parse(readAll(fd))
        let me = Holder(pid: getpid(), host: hostName(), started: isoNow(), command: command)
        let bytes = Array(me.text.utf8)
        if ftruncate(fd, 0) != 0 || pwrite(fd, bytes, bytes.count, 0) != bytes.count {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RunLockError.unusable(path: path, reason: reason)
        }
        return RunLock(path: path, fd: fd, tookOverFrom: previous)
    }

    static func readAll(_ fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "?" }
        return String(cString: buf)
    }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}

public enum RunLockError: LocalizedError, Sendable, Equatable {
    /// Another live process holds the lock.
    case busy(path: String, holder: RunLock.Holder?)
    /// The lock file cannot be created or locked (permissions, read-only directory).
    case unusable(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .busy(let p, let h):
            return "\(p) is held by \(h.map(\.description) ?? "another process"); only one run at a time. "
                + "Nothing was changed; run again when it has finished (a lock of a process that died is taken over automatically)"
        case .unusable(let p, let r):
            return "cannot take the run lock \(p): \(r); check that its directory is writable"
        }
    }
}
