import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secret value (client secret, key pass phrase). Its descriptions never show the value, so it
/// can sit in configuration structs that get printed or dumped.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value itself: hand it only to the code that sends it.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "[REDACTED]" }
    public var debugDescription: String { "Secret([REDACTED])" }
}

/// Where a secret comes from. Never the command line: arguments are visible to every local user
/// through `ps` and `/proc/<pid>/cmdline`.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable.
    case environment(String)
    /// A file readable by its owner only (mode 0600 or 0400).
    case file(String)

    public var description: String {
        switch self {
        case .environment(let n): return "environment variable \(n)"
        case .file(let p): return "file \(p)"
        }
    }
}

public enum SecretError: LocalizedError, Sendable, Equatable {
    case environmentVariableMissing(String)
    case fileMissing(String)
    case fileUnreadable(String, reason: String)
    case notARegularFile(String)
    /// Group or other users may read (or write) the file.
    case filePermissionsTooOpen(String, mode: UInt32)
    case empty(String)

    public var errorDescription: String? {
        switch self {
        case .environmentVariableMissing(let n):
            return "the environment variable \(n) is not set; export it before running, or point to a secret file instead"
        case .fileMissing(let p):
            return "the secret file \(p) does not exist"
        case .fileUnreadable(let p, let reason):
            return "the secret file \(p) cannot be read: \(reason)"
        case .notARegularFile(let p):
            return "the secret file \(p) is not a regular file"
        case .filePermissionsTooOpen(let p, let mode):
            return "the secret file \(p) has mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4)); other users may read it. "
                + "Run `chmod 600 \(p)` and try again"
        case .empty(let source):
            return "the secret from \(source) is empty"
        }
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Reads secrets from the environment or from owner-only files.
public enum Secrets {
    /// Reads a secret. A trailing newline (as `echo` writes) is removed; other whitespace is kept,
    /// because it might be part of the secret.
    public static func read(_ source: SecretSource,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret {
        let raw: String
        switch source {
        case .environment(let name):
            guard let v = environment[name] else { throw SecretError.environmentVariableMissing(name) }
            raw = v
        case .file(let path):
            raw = try readOwnerOnlyFile(path)
        }
        var v = raw
        while v.hasSuffix("\n") || v.hasSuffix("\r") { v.removeLast() }
        guard !v.isEmpty else { throw SecretError.empty(source.description) }
        return Secret(v)
    }

    /// Opens first and checks the open descriptor (fstat), so the file checked is the file read.
    static func readOwnerOnlyFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw SecretError.fileMissing(path) }
            throw SecretError.fileUnreadable(path, reason: String(cString: strerror(e)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SecretError.fileUnreadable(path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SecretError.notARegularFile(path) }
        let mode = UInt32(st.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw SecretError.filePermissionsTooOpen(path, mode: mode) }
        guard st.st_size <= 1 << 20 else { throw SecretError.fileUnreadable(path, reason: "larger than 1 MiB; not a secret file") }
        let data: Data
        do {
            data = try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data()
        } catch {
            throw SecretError.fileUnreadable(path, reason: error.localizedDescription)
        }
        guard let s = String(data: data, encoding: .utf8) else {
            throw SecretError.fileUnreadable(path, reason: "not UTF-8 text")
        }
        return s
    }
}
