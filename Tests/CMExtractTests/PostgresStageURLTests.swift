import CMExtract
import Common
import Foundation
import Testing

/// `--stage postgres://…`: libpq's URI form for the parts cm2gc uses, pbx= scoping, sslmode,
/// and no password on the command line. No server needed.
@Suite struct PostgresStageURLTests {
    static let env = ["USER": "osuser"]

    @Test func theURLNamesUserHostPortDatabaseAndPBX() throws {
        let u = try PostgresStageURL(parsing: "postgres://stager@db.example.net:6432/cmstage?pbx=cm-east&sslmode=verify-full", environment: Self.env)
        #expect(u.user == "stager" && u.host == "db.example.net" && u.port == 6432 && u.database == "cmstage")
        #expect(u.pbx == "cm-east" && u.sslMode == .verifyFull && u.socketDirectory == nil)
        #expect(u.description == "postgres://stager@db.example.net:6432/cmstage?pbx=cm-east")
        let t = try PostgresStageURL(parsing: "postgres://h/x?pbx=a&connect_timeout=3&application_name=nightly", environment: Self.env)
        #expect(t.connectTimeout == 3 && t.applicationName == "nightly")

        // libpq's defaults: port 5432 (or PGPORT), database = user, user = PGUSER or the OS user.
        let d = try PostgresStageURL(parsing: "postgresql://db.example.net?pbx=a", environment: ["PGUSER": "pguser", "PGPORT": "5433"])
        #expect(d.user == "pguser" && d.port == 5433 && d.database == "pguser" && d.sslMode == .prefer)
        #expect(try PostgresStageURL(parsing: "postgres://h/x?pbx=a", environment: Self.env).user == "osuser")

        // IPv6, and a Unix socket directory (host=/dir as libpq, or percent-encoded).
        let v6 = try PostgresStageURL(parsing: "postgres://u@[::1]:5544/db?pbx=a", environment: Self.env)
        #expect(v6.host == "::1" && v6.port == 5544)
        let sock = try PostgresStageURL(parsing: "postgres://u@/db?host=/run/postgresql&pbx=a&sslmode=disable", environment: Self.env)
        #expect(sock.socketDirectory == "/run/postgresql" && sock.host == nil)
        let enc = try PostgresStageURL(parsing: "postgres://u@%2Frun%2Fpostgresql:5432/db?pbx=a", environment: Self.env)
        #expect(enc.socketDirectory == "/run/postgresql")
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() {
        for text in ["postgres://stager:s3cr3t-pw@db:5432/stage?pbx=a", "postgres://stager@db/stage?pbx=a&password=s3cr3t-pw"] {
            #expect {
                _ = try PostgresStageURL(parsing: text, environment: Self.env)
            } throws: { e in
                let m = (e as? ExtractError)?.localizedDescription ?? ""
                return m.contains("secrets never go on the command line") && m.contains("PGPASSWORD") && !m.contains("s3cr3t-pw")
            }
        }
    }

    @Test func missingOrBadPartsAreRefusedClearly() {
        func message(_ text: String) -> String {
            do { _ = try PostgresStageURL(parsing: text, environment: Self.env); return "" } catch { return error.localizedDescription }
        }
        #expect(message("postgres://u@h/db").contains("?pbx=NAME"))
        #expect(message("postgres://u@h/db?pbx=a/b").contains("letters, digits"))
        #expect(message("postgres://u@h/db?pbx=a&sslmode=allow").contains("verify-full"))
        #expect(message("postgres://u@h/db?pbx=a&sslcert=x").contains("unknown parameter"))
        #expect(message("postgres://u@h:99999/db?pbx=a").contains("port"))
        #expect(message("postgres://u@/db?host=/run/pg&pbx=a&sslmode=require").contains("Unix socket"))
        #expect(message("postgres://u@h/db?pbx=a&pbx=b").contains("twice"))
        #expect(message("postgres://u@h/db?pbx=a&connect_timeout=soon").contains("seconds"))
    }

    @Test func aSQLitePathStaysASQLiteStore() throws {
        #expect(try StagingLocation("site.sqlite") == .sqlite(path: "site.sqlite"))
        #expect(StagingSource.isStore("site.sqlite") && StagingSource.isStore("postgres://u@h/db?pbx=a"))
        #expect(!StagingSource.isStore("exports/"))
    }

    /// libpq's passfile: `#` comments, `*` wildcards, `\:` and `\\` escapes, first match wins;
    /// a Unix socket matches `localhost`.
    @Test func passfileLinesMatchAsLibpqMatchesThem() {
        let text = """
            # central store
            db.example.net:5432:cmstage:cm2gc:pa\\:ss\\\\word
            db.example.net:*:*:cm2gc:second
            *:*:*:*:any
            localhost:5433:*:u:socket
            """
        func match(_ host: String, _ port: Int, _ db: String, _ user: String) -> String? {
            PostgresStageURL.passfileMatch(text, hosts: [host], port: port, database: db, user: user)
        }
        #expect(match("db.example.net", 5432, "cmstage", "cm2gc") == "pa:ss\\word")
        #expect(match("db.example.net", 6432, "other", "cm2gc") == "second")
        #expect(match("elsewhere", 1, "x", "y") == "any")
        #expect(PostgresStageURL.passfileMatch("localhost:5433:*:u:socket\n", hosts: ["localhost", "/run/pg"], port: 5433,
                                               database: "d", user: "u") == "socket")
        #expect(PostgresStageURL.passfileMatch("# only a comment\nh:1:d:u\n", hosts: ["h"], port: 1, database: "d", user: "u") == nil)
    }
}
