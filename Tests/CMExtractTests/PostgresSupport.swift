import CMExtract
import Foundation
import Testing
import TestSupport

/// Gives a suite one throwaway PostgreSQL cluster (`PostgresTestCluster`) for all its tests,
/// started before the first and stopped after the last. Without the server binaries the suite's
/// tests fail with `PostgresTestCluster.missingMessage`; they never skip.
struct PostgresClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // initdb and the server start block for a few seconds: not on the cooperative pool.
        let cluster = try await offThePool { try PostgresTestCluster.start() }
        defer { cluster.stop() }
        try await PG.$cluster.withValue(cluster) { try await function() }
    }
}

extension Trait where Self == PostgresClusterTrait {
    static var postgresCluster: Self { .init() }
}

enum PG {
    @TaskLocal static var cluster: PostgresTestCluster?

    static func current() throws -> PostgresTestCluster {
        try #require(cluster, "the suite needs the .postgresCluster trait")
    }

    /// A fresh database for one test (tests of a suite run in parallel).
    static func database(_ tag: String = #function) async throws -> (PostgresTestCluster, String) {
        let c = try current()
        let name = "t_" + tag.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30) + "_" + UUID().uuidString.prefix(8).lowercased()
        try await offThePool { try c.createDatabase(name) }
        return (c, name)
    }

    /// An environment without any password source of the developer's (PGPASSWORD, ~/.pgpass).
    static func cleanEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for k in ["PGPASSWORD", "PGPASSFILE", "PGUSER", "PGPORT", "PGHOST", "PGDATABASE", "PGSSLMODE"] { e[k] = nil }
        e["HOME"] = "/nonexistent-cm2gc-home"
        for (k, v) in extra { e[k] = v }
        return e
    }
}
