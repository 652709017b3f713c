import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for the tests of the PostgreSQL staging store: `initdb` into a
/// temporary directory, the server (a child of this process) on 127.0.0.1 with a kernel-chosen free port and its Unix socket
/// in that directory; stopped and deleted by `stop()` (and by a watchdog if this process dies
/// first). Debian's `postgresql` package provides the binaries (`make test` installs it);
/// without them `start` fails with a message saying so, so the tests fail, never skip.
///
/// TLS: the server offers it on TCP with a certificate for `localhost` and 127.0.0.1 signed by a
/// CA made for the run (`caFile`; openssl comes with Debian's postgresql through ssl-cert).
/// Authentication: Unix socket connections are trusted (no password; the tests that are not
/// about passwords use them), TCP connections need SCRAM-SHA-256 with `password` for `user`.
/// initdb refuses to run as root: as root, every server binary runs as the `postgres` user that
/// Debian's package creates, and the directory belongs to it.
public final class PostgresTestCluster: @unchecked Sendable {  // immutable after start; stop() once
    public let directory: URL
    public let socketDirectory: String
    public let port: Int
    public let bin: String
    public let user = "cm2gc"
    public let password = "stage-pw-\(UInt32.random(in: 0...UInt32.max))"
    private let data: String
    private var server: Process?

    public static let missingMessage = "PostgreSQL server binaries (initdb, postgres, psql) are needed for the PostgreSQL "
        + "staging tests: `make test` installs Debian's `postgresql` package (apt-get install postgresql); "
        + "they are looked up in $PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin"

    /// The directory holding initdb, postgres and psql.
    public static func binDirectory() -> String? {
        let need = ["initdb", "postgres", "psql"]
        func ok(_ d: String) -> Bool { need.allSatisfy { FileManager.default.isExecutableFile(atPath: "\(d)/\($0)") } }
        if let d = ProcessInfo.processInfo.environment["PG_BINDIR"], ok(d) { return d }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first(where: ok)
    }

    private init(directory: URL, port: Int, bin: String) {
        self.directory = directory
        socketDirectory = directory.path
        data = directory.appendingPathComponent("data").path
        self.port = port
        self.bin = bin
    }

    public static func start() throws -> PostgresTestCluster {
        guard let bin = binDirectory() else { throw ClusterError.missing(missingMessage) }
        // /tmp, not $TMPDIR: the socket path must stay under 108 bytes and the postgres user must reach it.
        let dir = URL(fileURLWithPath: "/tmp/cm2gc-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var runAs: [String] = []
        if getuid() == 0 {
            guard let pw = getpwnam("postgres") else {
                throw ClusterError.missing("running as root, initdb needs the `postgres` user that Debian's postgresql package creates; " + missingMessage)
            }
            guard chown(dir.path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                throw ClusterError.failed("chown \(dir.path) to postgres: \(String(cString: strerror(errno)))")
            }
            runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        }
        let data = dir.appendingPathComponent("data").path
        let pwfile = dir.appendingPathComponent("pw").path
        // The superuser's password file for initdb, readable by the postgres user only, removed at once.
        try Data("unused-\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: pwfile))
        if getuid() == 0, let pw = getpwnam("postgres") { _ = chown(pwfile, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        chmod(pwfile, 0o600)
        try run(runAs + ["\(bin)/initdb", "-D", data, "-U", "postgres", "--pwfile", pwfile, "-E", "UTF8", "--no-locale",
                         "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"])
        try? FileManager.default.removeItem(atPath: pwfile)
        try makeCertificates(in: dir)
        var lastError = ""
        for _ in 0..<5 {
            let port = try freePort()
            let c = PostgresTestCluster(directory: dir, port: port, bin: bin)
            do {
                try c.startServer()
            } catch {
                // Most likely the port was taken between probing and binding: try another.
                lastError = "\(error)"
                continue
            }
            c.startWatchdog()
            try c.psql("CREATE ROLE \(c.user) LOGIN PASSWORD '\(c.password)'")
            return c
        }
        try? FileManager.default.removeItem(at: dir)
        throw ClusterError.failed("the test server did not start: \(lastError)")
    }

    /// A throwaway CA (`ca.pem`) and a server certificate it signed for `localhost` and
    /// 127.0.0.1, so the TLS modes are tested against a server that really speaks TLS.
    static func makeCertificates(in dir: URL) throws {
        let d = dir.path
        let ext = dir.appendingPathComponent("san.ext")
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\n".utf8).write(to: ext)
        let ssl = "/usr/bin/openssl"
        try run([ssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=cm2gc test CA"])
        try run([ssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr", "-subj", "/CN=localhost"])
        try run([ssl, "x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                 "-out", "\(d)/server.crt", "-days", "2", "-extfile", ext.path])
        // The server refuses a key that others may read; as root it must belong to postgres.
        chmod("\(d)/server.key", 0o600)
        if getuid() == 0, let pw = getpwnam("postgres") {
            for f in ["server.key", "server.crt", "ca.pem"] { _ = chown("\(d)/\(f)", pw.pointee.pw_uid, pw.pointee.pw_gid) }
        }
    }

    /// The CA that signed the server's certificate (for `sslrootcert=`).
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }

    /// The postmaster is this process's child, not a daemon of `pg_ctl start`: Foundation's
    /// `Process` learns of a child's exit when a descriptor the child inherited closes, and a
    /// daemon started by a child keeps it open, so waiting for pg_ctl would hang. setpriv (unlike
    /// runuser) execs, so the child is the postmaster itself, and signals reach it.
    private func startServer() throws {
        let log = directory.appendingPathComponent("server.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let p = Process()
        let argv = (getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : [])
            + ["\(bin)/postgres", "-D", data, "-p", String(port), "-k", socketDirectory, "-c", "listen_addresses=127.0.0.1",
               "-c", "fsync=off", "-c", "max_connections=60",
               "-c", "ssl=on", "-c", "ssl_cert_file=\(directory.path)/server.crt", "-c", "ssl_key_file=\(directory.path)/server.key"]
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        server = p
        // Ready when a query answers (start-up takes a second or two; a taken port ends the process).
        for _ in 0..<600 {
            guard p.isRunning else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw ClusterError.failed("postgres exited at start: \(text.suffix(600))")
            }
            if (try? psql("SELECT 1")) == "1" { return }
            usleep(100_000)
        }
        kill(p.processIdentifier, SIGKILL)
        throw ClusterError.failed("postgres did not accept connections within 60 s")
    }

    /// Creates a database owned by `user` (one per test keeps tests independent).
    public func createDatabase(_ name: String) throws {
        try psql("CREATE DATABASE \"\(name)\" OWNER \(user)")
    }

    /// Runs SQL as the superuser over the Unix socket; returns psql's unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(["\(bin)/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", String(port),
                      "-U", "postgres", "-d", database, "-c", sql])
    }

    /// `postgres://cm2gc@/DB?host=SOCKETDIR&port=P&pbx=PBX` (trusted, no password), or over TCP
    /// (`tcp: true`: `postgres://cm2gc@127.0.0.1:P/DB?pbx=PBX`, SCRAM password needed).
    public func url(database: String, pbx: String, tcp: Bool = false, extra: String = "") -> String {
        let tail = extra.isEmpty ? "" : "&" + extra
        if tcp { return "postgres://\(user)@127.0.0.1:\(port)/\(database)?pbx=\(pbx)\(tail)" }
        return "postgres://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)&pbx=\(pbx)\(tail)"
    }

    public func stop() {
        if let p = server, p.isRunning {
            kill(p.processIdentifier, SIGINT)  // fast shutdown: disconnects clients, no waiting for them
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the server and deletes the directory should this process end without `stop()`
    /// (a crash, a kill of the test runner), so no server outlives the test run.
    private func startWatchdog() {
        guard let pid = server?.processIdentifier else { return }
        let script = "while kill -0 \(getpid()) 2>/dev/null && kill -0 \(pid) 2>/dev/null; do sleep 2; done; "
            + "kill -INT \(pid) 2>/dev/null; sleep 5; rm -rf '\(directory.path)'; exit 0"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        p.arguments = ["/bin/sh", "-c", script]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
    }

    /// A port the kernel just handed out on 127.0.0.1 (closed again for the server to bind).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError.failed("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ClusterError.failed("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    @discardableResult
    static func run(_ argv: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.currentDirectoryURL = URL(fileURLWithPath: "/tmp")  // the postgres user may not read the caller's directory
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ClusterError.failed("\(argv.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: e + o, as: UTF8.self).suffix(800))")
        }
        return String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public enum ClusterError: Error, CustomStringConvertible {
        case missing(String)
        case failed(String)
        public var description: String {
            switch self {
            case .missing(let m): return m
            case .failed(let m): return "PostgreSQL test cluster: \(m)"
            }
        }
    }
}
