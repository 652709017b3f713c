import Common
import Foundation
import GenesysCloud
import Testing
@testable import Upload

/// `make bench-upload`: a generated bundle of at least 20 000 steps into the sandbox with its
/// limit at 30 000 requests per minute per token. Skipped unless CM2GC_BENCH=1 (release build).
@Suite struct UploadBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["CM2GC_BENCH"] == "1"

    @Test(.enabled(if: UploadBenchmark.enabled))
    func twentyThousandSteps() async throws {
        let env = ProcessInfo.processInfo.environment
        let users = Int(env["CM2GC_BENCH_USERS"] ?? "") ?? 6_700
        let limit = Int(env["CM2GC_BENCH_LIMIT"] ?? "") ?? 30_000
        let clientRate = Int(env["CM2GC_BENCH_RATE"] ?? "") ?? Int(Double(limit) * 0.97)
        let workers = Int(env["CM2GC_BENCH_WORKERS"] ?? "") ?? 24
        let items = Bundles.generated(users: users, queues: 20, skills: 20)
        var settings = SandboxOrg.Settings()
        settings.rateLimit = limit
        let t0 = ContinuousClock.now
        let w = try await SandboxWorkspace.make(items: items, settings: settings)
        defer { Task { await w.org.stop() } }
        let built = ContinuousClock.now - t0

        var o = w.options
        o.workers = workers
        let load = Self.loadAverage()
        let cpuBefore = Self.cpuSeconds()
        let started = ContinuousClock.now
        // Phase starts and ends with the time since apply began: the rest is local work (bundle
        // verification, ledger, preflight) during which no request is due.
        let window = UploadWindow()
        let progress = ProgressReporter(mode: .json, output: { line in
            guard line.contains("\"phase_") else { return }
            let t = ContinuousClock.now - started
            let s = Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18
            window.mark(s, start: line.contains("phase_start"))
            print("bench-upload at \(String(format: "%.2f", s)) s: \(line)")
        })
        let report = try await UploadOperations.apply(bundle: w.bundle, policy: w.approvers.policy,
                                                      connection: w.org.connection(rate: clientRate, burst: 20), options: o,
                                                      progress: progress)
        let elapsed = ContinuousClock.now - started
        let cpu = Self.cpuSeconds() - cpuBefore
        #expect(report.complete, "\(report.text)")
        #expect(try await w.org.duplicates().isEmpty)

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let stats = report.stats
        let apiRequests = stats.requests  // token mints are not attempts of the client
        // The fewest requests the API allows for this bundle: one create per object, one bulk PATCH
        // per user for skills, queue members in batches of 100 per queue.
        let creates = 20 + 20 + users
        var perQueue = [Int](repeating: 0, count: 20)
        for u in 0..<users { perQueue[u % 20] += 1 }
        let minimum = creates + users + perQueue.reduce(0) { $0 + ($1 + 99) / 100 }
        let payloads = items.count
        let budget = Double(limit) / 60 * seconds
        // From the first phase's start to the last phase's end: the requests are sent in this
        // window; before it the uploader verifies the bundle (twice), opens the ledger and runs
        // the preflight, and no request is due.
        let uploading = window.seconds
        let result: JSONValue = [
            "steps": .int(Int64(payloads)), "seconds": .double(seconds.rounded(toPlaces: 2)),
            "bundle_build_seconds": .double((Double(built.components.seconds) + Double(built.components.attoseconds) / 1e18).rounded(toPlaces: 2)),
            "requests": .int(Int64(apiRequests)), "mutating_requests": .int(Int64(stats.mutating)),
            "minimum_requests": .int(Int64(minimum)),
            "requests_per_payload": .double((Double(apiRequests) / Double(payloads)).rounded(toPlaces: 3)),
            "minimum_per_payload": .double((Double(minimum) / Double(payloads)).rounded(toPlaces: 3)),
            "overhead_vs_minimum": .double((Double(apiRequests) / Double(minimum)).rounded(toPlaces: 3)),
            "requests_per_minute": .double((Double(apiRequests) / seconds * 60).rounded(toPlaces: 0)),
            "limit_per_minute": .int(Int64(limit)), "client_rate_per_minute": .int(Int64(clientRate)),
            "budget_used": .double((Double(apiRequests) / budget).rounded(toPlaces: 3)),
            "upload_seconds": .double(uploading.rounded(toPlaces: 2)),
            "budget_used_while_uploading": .double((Double(apiRequests) / (Double(limit) / 60 * uploading)).rounded(toPlaces: 3)),
            "status_429": .int(Int64(stats.rateLimited)), "tokens_minted": .int(Int64(stats.tokensMinted)),
            "by_status": (try? JSONValue.from(stats.byStatus)) ?? .null, "workers": .int(Int64(workers)),
            // Machine conditions: the sandbox and the uploader share this process. CPU is user +
            // system time of both during the upload; cores × wall time is what the machine had.
            "cpu_seconds": .double(cpu.rounded(toPlaces: 2)), "cores": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)),
            "cpu_share_of_machine": .double((cpu / (seconds * Double(ProcessInfo.processInfo.activeProcessorCount))).rounded(toPlaces: 3)),
            "load_average_1min_at_start": .double(load.rounded(toPlaces: 2)),
        ]
        print("bench-upload: " + result.canonicalText())
        let out = URL(fileURLWithPath: env["CM2GC_BENCH_OUT"] ?? "bench-results/upload.json")
        try? FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? result.canonicalData(pretty: true).write(to: out)
    }

    /// The first phase start and the last phase end seen, in seconds since apply began.
    final class UploadWindow: @unchecked Sendable {
        private let lock = NSLock()
        private var first: Double?
        private var last = 0.0
        func mark(_ t: Double, start: Bool) {
            lock.lock(); defer { lock.unlock() }
            if start, first == nil { first = t }
            if !start { last = t }
        }
        var seconds: Double {
            lock.lock(); defer { lock.unlock() }
            return max(0.001, last - (first ?? 0))
        }
    }

    /// User + system CPU seconds of this process so far (/proc/self/stat, clock ticks of 10 ms).
    static func cpuSeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)": state is field 3, utime 14 and stime 15 (1-based).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / 100
    }

    /// The 1-minute load average (other work on the machine), 0 when unknown.
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
    }
}
