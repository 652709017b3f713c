import Common
import Foundation
import NIOCore
import NIOSSL
import PostgresNIO
#if canImport(Glibc)
import Glibc
#endif

/// `--stage postgres://USER@HOST:PORT/DB?pbx=NAME[&sslmode=…][&sslrootcert=FILE][&host=/socket/dir]`:
/// a PostgreSQL staging store, one PBX's rows of it. The URL follows libpq's connection URI
/// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS) for the
/// parts cm2gc uses; `pbx` is ours. A password in the URL is refused: arguments are visible to
/// every local user (`ps`, `/proc/PID/cmdline`) and land in shell history and cron logs.
public struct PostgresStageURL: Sendable, Hashable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    /// Host name or address for TCP; nil with `socketDirectory`.
    public var host: String?
    /// Directory of the server's Unix socket (`host=/dir` or a percent-encoded `%2Fdir` host, as libpq).
    public var socketDirectory: String?
    public var port: Int
    public var database: String
    /// The row scope: every row of the store carries it; one extract per PBX at a time.
    public var pbx: String
    public var sslMode: SSLMode
    /// CA bundle (PEM) for verify-ca / verify-full; default: the system's trust store.
    public var sslRootCert: String?
    /// `connect_timeout=` seconds (libpq's parameter); nil: PostgresNIO's 10 s.
    public var connectTimeout: Int?
    /// `application_name=`, shown in `pg_stat_activity`; nil: cm2gc names the command and PBX.
    public var applicationName: String?

    /// The text given, minus nothing secret (the URL never holds a password): for messages and
    /// the run record.
    public var description: String {
        let where_ = socketDirectory.map { "?host=\($0)&port=\(port)&" } ?? "?"
        let h = socketDirectory == nil ? (host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "") + ":\(port)" : ""
        return "postgres://\(user)@\(h)/\(database)\(where_)pbx=\(pbx)"
    }

    /// The host as libpq's passfile matches it: the TCP host, or `localhost` for the default
    /// socket directory (we also accept the directory itself).
    var passfileHosts: [String] {
        if let socketDirectory { return ["localhost", socketDirectory] }
        return [host ?? "localhost"]
    }

    public static func isPostgres(_ s: String) -> Bool {
        s.hasPrefix("postgres://") || s.hasPrefix("postgresql://")
    }

    /// Parses the URL. `environment` supplies libpq's defaults (PGUSER, PGPORT, USER).
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ why: String) -> ExtractError { .stageURL(url: Self.redacted(text), detail: why) }
        guard let schemeEnd = text.range(of: "://"), Self.isPostgres(text) else {
            throw bad("it does not start with postgres:// or postgresql://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        var authority = rest
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = String(rest[rest.index(after: slash)...])
        }
        var userPart: Substring?
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            userPart = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
        }
        if let userPart, userPart.contains(":") {
            throw bad("it holds a password; secrets never go on the command line (process listings, shell history, cron mail). "
                      + "Remove it from the URL and use PGPASSWORD, a passfile of mode 0600 (PGPASSFILE or ~/.pgpass) "
                      + "or --stage-credentials-process (docs/extraction.md, PostgreSQL staging)")
        }
        // Host and port: [v6]:port, host:port, host, or nothing.
        var hostText: String?
        var portText: String?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw bad("an IPv6 address without its closing bracket") }
            hostText = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portText = String(after.dropFirst()) } else if !after.isEmpty { throw bad("text after the IPv6 address") }
        } else if let colon = hostPart.lastIndex(of: ":") {
            hostText = String(hostPart[..<colon])
            portText = String(hostPart[hostPart.index(after: colon)...])
        } else if !hostPart.isEmpty {
            hostText = String(hostPart)
        }
        var params: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            guard params[k] == nil else { throw bad("the parameter \(k) is given twice") }
            params[k] = v
        }
        if params["password"] != nil {
            throw bad("it holds a password parameter; secrets never go on the command line. Use PGPASSWORD, a passfile of mode 0600 "
                      + "(PGPASSFILE or ~/.pgpass) or --stage-credentials-process")
        }
        let known: Set<String> = ["pbx", "sslmode", "sslrootcert", "host", "port", "user", "dbname", "application_name", "connect_timeout"]
        if let unknown = params.keys.sorted().first(where: { !known.contains($0) }) {
            throw bad("unknown parameter \(unknown.debugDescription); cm2gc understands \(known.sorted().joined(separator: ", "))")
        }
        if let h = params["host"] { hostText = h }
        if let p = params["port"] { portText = p }
        hostText = hostText.map { $0.removingPercentEncoding ?? $0 }
        let user = params["user"] ?? userPart.map { String($0).removingPercentEncoding ?? String($0) }
            ?? environment["PGUSER"] ?? environment["USER"] ?? ""
        guard !user.isEmpty else { throw bad("no user name: write postgres://USER@HOST/DB (or set PGUSER)") }
        self.user = user
        if let h = hostText, h.hasPrefix("/") {
            socketDirectory = h
            host = nil
        } else {
            host = (hostText?.isEmpty ?? true) ? "localhost" : hostText
            socketDirectory = nil
        }
        let portString = (portText?.isEmpty ?? true) ? (environment["PGPORT"] ?? "5432") : (portText ?? "5432")
        guard let port = Int(portString), (1...65535).contains(port) else { throw bad("the port \(portString.debugDescription) is not a number from 1 to 65535") }
        self.port = port
        let db = params["dbname"] ?? (path.removingPercentEncoding ?? path)
        database = db.isEmpty ? user : db
        guard let pbx = params["pbx"], !pbx.isEmpty else {
            throw bad("no ?pbx=NAME: a PostgreSQL store holds many PBXes and every row is scoped by its PBX name; add ?pbx=NAME (the CM this extract pulls)")
        }
        guard pbx.count <= 63, pbx.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw bad("pbx=\(pbx.debugDescription) must be 1–63 letters, digits, '-', '_' or '.'")
        }
        self.pbx = pbx
        let mode = params["sslmode"] ?? "prefer"
        guard let m = SSLMode(rawValue: mode) else {
            throw bad("sslmode=\(mode.debugDescription) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if socketDirectory != nil, m != .disable, m != .prefer {
            throw bad("sslmode=\(mode) over a Unix socket: the server never offers TLS there; use sslmode=disable (or prefer) with host=/dir")
        }
        sslMode = m
        sslRootCert = params["sslrootcert"]
        if let t = params["connect_timeout"] {
            guard let n = Int(t), n > 0 else { throw bad("connect_timeout=\(t.debugDescription) is not a positive number of seconds") }
            connectTimeout = n
        }
        applicationName = params["application_name"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `text` with any user-info password replaced, for error messages about a URL we refuse.
    static func redacted(_ text: String) -> String {
        guard let s = text.range(of: "://") else { return text }
        let rest = text[s.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return text.replacingOccurrences(of: #"([?&]password=)[^&]*"#, with: "$1[REDACTED]", options: .regularExpression)
        }
        return String(text[..<colon]) + ":[REDACTED]" + String(text[at...])
    }

    // MARK: - Password

    /// The password, in libpq's order without the URL: `--stage-credentials-process` (its JSON
    /// `password`), else PGPASSWORD, else the passfile (PGPASSFILE, else ~/.pgpass) line matching
    /// host:port:database:user. A passfile that group or others may read is refused (libpq only
    /// warns and ignores it; a secret readable by others is worth stopping for). nil: none found
    /// (the server may not ask: trust, peer or certificate authentication).
    public func password(credentialsProcess: String? = nil,
                         environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret? {
        if let credentialsProcess {
            do {
                return try CredentialProcess.fields(["password"], from: credentialsProcess, environment: environment)["password"]
            } catch {
                throw ExtractError.stageCredentials("--stage-credentials-process: \(error.localizedDescription)")
            }
        }
        if let p = environment["PGPASSWORD"], !p.isEmpty { return Secret(p) }
        let file: String
        if let f = environment["PGPASSFILE"], !f.isEmpty {
            file = f
        } else if let home = environment["HOME"], !home.isEmpty {
            file = home + "/.pgpass"
        } else {
            return nil
        }
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let text: String
        do { text = try Secrets.read(.file(file)).value } catch let e as SecretError {
            if case .filePermissionsTooOpen = e {
                throw ExtractError.stageCredentials("the passfile \(file) may be read by other users: \(e.localizedDescription) (libpq would ignore it; cm2gc refuses it)")
            }
            throw ExtractError.stageCredentials("the passfile \(file): \(e.localizedDescription)")
        }
        return Self.passfileMatch(text, hosts: passfileHosts, port: port, database: database, user: user).map(Secret.init)
    }

    /// libpq's passfile (https://www.postgresql.org/docs/current/libpq-pgpass.html): lines
    /// `hostname:port:database:username:password`, `*` matches anything in the first four fields,
    /// `\:` and `\\` escape, `#` starts a comment line; the first matching line wins.
    public static func passfileMatch(_ text: String, hosts: [String], port: Int, database: String, user: String) -> String? {
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if raw.hasPrefix("#") { continue }
            var fields: [String] = []
            var cur = ""
            var escaped = false
            for ch in raw {
                if escaped { cur.append(ch); escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == ":" && fields.count < 4 { fields.append(cur); cur = ""; continue }
                cur.append(ch)
            }
            fields.append(cur)
            guard fields.count == 5 else { continue }
            func matches(_ f: String, _ v: String) -> Bool { f == "*" || f == v }
            guard fields[0] == "*" || hosts.contains(fields[0]), matches(fields[1], String(port)),
                  matches(fields[2], database), matches(fields[3], user) else { continue }
            return fields[4]
        }
        return nil
    }

    // MARK: - Connection

    /// PostgresNIO's configuration. sslmode maps as libpq defines it
    /// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION):
    /// disable → no TLS; prefer → TLS when the server offers it, unverified; require → TLS or
    /// fail, unverified; verify-ca → TLS, chain checked against the CA (sslrootcert, else the
    /// system's), host name not; verify-full → chain and host name checked.
    func configuration(password: Secret?, applicationName: String) throws -> PostgresConnection.Configuration {
        var c: PostgresConnection.Configuration
        if let dir = socketDirectory {
            c = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(port)", username: user, password: password?.value, database: database)
        } else {
            c = .init(host: host ?? "localhost", port: port, username: user, password: password?.value, database: database, tls: try tls())
        }
        c.options.additionalStartupParameters = [("application_name", self.applicationName ?? applicationName)]
        if let t = connectTimeout { c.options.connectTimeout = .seconds(Int64(t)) }
        return c
    }

    func tls() throws -> PostgresConnection.Configuration.TLS {
        var t = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return .disable
        case .prefer, .require: t.certificateVerification = .none
        case .verifyCA: t.certificateVerification = .noHostnameVerification
        case .verifyFull: t.certificateVerification = .fullVerification
        }
        if let ca = sslRootCert, sslMode == .verifyCA || sslMode == .verifyFull {
            guard FileManager.default.fileExists(atPath: ca) else {
                throw ExtractError.stageURL(url: description, detail: "sslrootcert \(ca) does not exist")
            }
            t.trustRoots = .file(ca)
        }
        let ctx: NIOSSLContext
        do { ctx = try NIOSSLContext(configuration: t) } catch {
            throw ExtractError.stageURL(url: description, detail: "TLS set-up failed: \(error)")
        }
        return sslMode == .prefer ? .prefer(ctx) : .require(ctx)
    }
}
