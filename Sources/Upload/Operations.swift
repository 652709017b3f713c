import BundleKit
import Common
import Foundation
import GenesysCloud

/// Counts of step states.
public struct StepCounts: Sendable, Codable, Hashable {
    public var total = 0, pending = 0, inProgress = 0, success = 0, failed = 0, skipped = 0
    public var created = 0, adopted = 0, written = 0, deleted = 0

    enum CodingKeys: String, CodingKey {
        case total, pending, success, failed, skipped, created, adopted, written, deleted
        case inProgress = "in_progress"
    }

    init(_ steps: [LedgerStep]) {
        total = steps.count
        for s in steps {
            switch s.state {
            case .pending: pending += 1
            case .inProgress: inProgress += 1
            case .success: success += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
            guard s.state == .success else { continue }
            switch s.origin {
            case .created?: created += 1
            case .adopted?: adopted += 1
            case .written?: written += 1
            case .deleted?: deleted += 1
            case nil: break
            }
        }
    }
}

/// The outcome of `apply`.
public struct ApplyReport: Sendable {
    public var bundle: String
    public var digest: String
    public var ledger: String
    public var results: String
    public var counts: StepCounts
    public var phases: [(phase: Int, state: PhaseState)]
    public var failures: [(step: String, error: String)]
    public var breaker: String?
    public var interrupted: Bool
    public var stats: RequestStats
    public var seconds: Double

    public var complete: Bool { counts.success == counts.total }
    public var exitCode: Int32 { complete ? UploadExit.success : UploadExit.failure }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "event": "summary", "command": "apply", "bundle": .string(bundle), "digest": .string(digest),
            "ledger": .string(ledger), "results": .string(results), "complete": .bool(complete),
            "counts": (try? JSONValue.from(counts)) ?? .null, "stats": (try? JSONValue.from(stats)) ?? .null,
            "seconds": .double(seconds.rounded(toPlaces: 3)), "exit_code": .int(Int64(exitCode)),
            "phases": .array(phases.map { ["phase": .int(Int64($0.phase)), "state": .string($0.state.rawValue)] }),
            "failures": .array(failures.prefix(100).map { ["step": .string($0.step), "error": .string($0.error)] }),
        ]
        if let breaker { o["circuit_breaker"] = .string(breaker) }
        if interrupted { o["interrupted"] = true }
        return .object(o)
    }

    public var text: String {
        var s = "apply: \(counts.success)/\(counts.total) steps done (created \(counts.created), adopted \(counts.adopted), written \(counts.written)"
        if counts.deleted > 0 { s += ", deleted \(counts.deleted)" }
        s += "); failed \(counts.failed), skipped \(counts.skipped), pending \(counts.pending + counts.inProgress)\n"
        s += "requests: \(stats.requests) (\(stats.mutating) mutating), 429s: \(stats.rateLimited), rate-limit waits: \(Double(stats.rateLimitWaitMs) / 1000) s, \(String(format: "%.1f", seconds)) s\n"
        for f in failures.prefix(20) { s += "  FAILED \(f.step): \(f.error)\n" }
        if failures.count > 20 { s += "  … \(failures.count - 20) more (cm2gc-upload status --json)\n" }
        if let breaker { s += "circuit breaker: \(breaker); the ledger is consistent: fix the cause and run apply again to resume\n" }
        if interrupted { s += "interrupted: run apply again to resume\n" }
        s += complete ? "result: COMPLETE\n" : "result: INCOMPLETE (run apply again to resume; failed steps are retried)\n"
        s += "ledger: \(ledger)\nresults: \(results)\n"
        return s
    }
}

/// The outcome of `plan`.
public struct PlanReport: Sendable {
    public var bundle: String
    public var items: [PreflightItem]

    public func count(_ v: PreflightItem.Verdict) -> Int { items.filter { $0.verdict == v }.count }
    public var conflicts: Int { count(.conflict) }
    public var exitCode: Int32 { conflicts == 0 ? UploadExit.success : UploadExit.failure }

    public var summary: String {
        "Plan: \(count(.create) + count(.write)) to create, \(count(.adopt)) to adopt, \(count(.update)) to update, "
            + "\(count(.delete)) to delete, \(conflicts) conflict\(conflicts == 1 ? "" : "s")"
            + (count(.done) > 0 ? " (\(count(.done)) already done)" : "") + "."
    }

    public var text: String {
        var s = ""
        for i in items where i.verdict != .done {
            s += "\(i.verdict.sign) \(i.verdict.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(i.type)/\(i.key)"
            if let id = i.existingID { s += "  (existing id \(id))" }
            if let n = i.note { s += "  -- \(n)" }
            s += "\n"
            for d in i.differences.prefix(10) { s += "      \(d)\n" }
        }
        return s + summary + "\n"
    }

    public var json: JSONValue {
        .object([
            "event": "summary", "command": "plan", "bundle": .string(bundle), "summary": .string(summary),
            "conflicts": .int(Int64(conflicts)), "exit_code": .int(Int64(exitCode)),
            "counts": .object(Dictionary(uniqueKeysWithValues: [PreflightItem.Verdict.create, .write, .adopt, .update, .delete, .conflict, .done]
                .map { ($0.rawValue, JSONValue.int(Int64(count($0)))) })),
            "steps": .array(items.map { i in
                var o: [String: JSONValue] = ["step": .string(i.step), "type": .string(i.type), "key": .string(i.key),
                                              "verdict": .string(i.verdict.rawValue)]
                if let id = i.existingID { o["existing_id"] = .string(id) }
                if let n = i.note { o["note"] = .string(n) }
                if !i.differences.isEmpty { o["differences"] = (try? JSONValue.from(i.differences)) ?? .null }
                return .object(o)
            }),
        ])
    }
}

/// The outcome of `status`.
public struct StatusReport: Sendable {
    public var ledger: String
    public var digest: String?
    public var started: Bool
    public var counts: StepCounts
    public var phases: [(phase: Int, state: PhaseState, total: Int, done: Int, failed: Int)]
    public var openIntents: Int
    public var rollback: StepCounts?
    public var runs: Int

    public var exitCode: Int32 { UploadExit.success }

    public var text: String {
        guard started else { return "no ledger at \(ledger): nothing has been applied yet\n" }
        var s = "ledger: \(ledger)\ndigest: \(digest ?? "?")\nruns:   \(runs)\n"
        for p in phases {
            s += "phase \(p.phase): \(p.state.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(p.done)/\(p.total)"
            s += p.failed > 0 ? " (\(p.failed) failed or skipped)\n" : "\n"
        }
        s += "steps: \(counts.success)/\(counts.total) done (created \(counts.created), adopted \(counts.adopted), written \(counts.written)); "
        s += "failed \(counts.failed), skipped \(counts.skipped), pending \(counts.pending), in progress \(counts.inProgress)\n"
        if openIntents > 0 { s += "open intents: \(openIntents) (requests whose answer was not recorded; the next run resolves them by lookup)\n" }
        return s
    }

    public var json: JSONValue {
        .object([
            "ledger": .string(ledger), "digest": digest.map(JSONValue.string) ?? .null, "started": .bool(started),
            "counts": (try? JSONValue.from(counts)) ?? .null, "open_intents": .int(Int64(openIntents)), "runs": .int(Int64(runs)),
            "phases": .array(phases.map {
                ["phase": .int(Int64($0.phase)), "state": .string($0.state.rawValue), "steps": .int(Int64($0.total)),
                 "done": .int(Int64($0.done)), "failed": .int(Int64($0.failed))]
            }),
        ])
    }
}

/// Entry points of `cm2gc-upload`. Each verifies the bundle first where it talks to the org.
public enum UploadOperations {
    /// `verify`: BundleKit's verification and approval policy.
    public static func verify(bundle: URL, policy: VerificationPolicy) throws -> VerifyResult {
        try UploadBundle.verify(bundle, policy: policy)
    }

    /// Builds the client with a redactor that knows this run's secrets and an event hook.
    static func makeClient(_ connection: ConnectionOptions, progress: ProgressReporter) throws -> (GenesysClient, Redactor) {
        let config = try connection.clientConfiguration()
        let redactor = Redactor(secrets: config.credentials.map(\.clientSecret))
        let client: GenesysClient
        do { client = try GenesysClient(configuration: config, transport: connection.transport, events: { progress.event($0) }) } catch {
            throw UploadError.usage(error.localizedDescription)
        }
        return (client, redactor)
    }

    static func session(bundle: UploadBundle, connection: ConnectionOptions, options: RunOptions, progress: ProgressReporter,
                        command: String, createLedger: Bool = true, withResults: Bool = true,
                        heldLock: RunLock? = nil) throws -> UploadSession {
        let ledgerPath = options.ledgerPath ?? Ledger.defaultPath(forBundle: bundle.url)
        // The run lock before the credentials: a second run is refused at once, without
        // starting a --credentials-process.
        let lock = try heldLock ?? Ledger.lock(path: ledgerPath, command: "cm2gc-upload \(command)")
        // Credentials next: a usage problem must not leave a ledger behind.
        let (client, redactor) = try makeClient(connection, progress: progress)
        let ledger: Ledger
        if createLedger {
            ledger = try Ledger.open(path: ledgerPath, bundleDigest: bundle.digest, bundleID: bundle.bundleID,
                                     steps: bundle.steps.map { ($0.id, $0.type.rawValue, $0.key, $0.action.rawValue, $0.phase, $0.idempotencyKey) },
                                     heldLock: lock)
        } else {
            guard let l = try Ledger.openExisting(path: ledgerPath, heldLock: lock) else {
                throw UploadError.usage("no ledger at \(ledgerPath): nothing was applied from this bundle")
            }
            guard l.bundleDigest == bundle.digest else {
                throw UploadError.ledgerMismatch(path: ledgerPath, reason: "it records bundle digest \(l.bundleDigest ?? "?"), this bundle is \(bundle.digest)")
            }
            ledger = l
        }
        let results = withResults ? try ResultsLog(path: options.resultsPath ?? ResultsLog.defaultPath(forBundle: bundle.url), redactor: redactor) : nil
        return UploadSession(bundle: bundle, ledger: ledger, client: client, progress: progress, results: results,
                             options: options, command: command, redactor: redactor)
    }

    // MARK: apply

    /// Verifies (refusing before any request), runs the preflight for steps never attempted
    /// (stopping on conflicts unless told otherwise), then executes or resumes the plan.
    public static func apply(bundle url: URL, policy: VerificationPolicy, connection: ConnectionOptions,
                             options: RunOptions = .init(), progress: ProgressReporter = .init(mode: .quiet)) async throws -> ApplyReport {
        let clockStart = ContinuousClock.now
        // Before verification: a second apply of the same bundle (ledger) exits at once.
        let lock = try Ledger.lock(path: options.ledgerPath ?? Ledger.defaultPath(forBundle: url), command: "cm2gc-upload apply")
        let bundle = try UploadBundle.load(url, policy: policy)
        let s = try session(bundle: bundle, connection: connection, options: options, progress: progress, command: "apply", heldLock: lock)
        let run = try s.ledger.beginRun("apply")
        let before = try s.ledger.steps()
        await s.seedResolver(from: before)
        let byID = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })

        // Preflight only for creates never sent: for those the org's current state tells whether
        // the object existed before this bundle. A create already sent is ours whatever we find.
        // A verdict an earlier run recorded (create, adopt) is kept: nothing but this bundle has
        // written since, so a resumed run reads only what the ledger does not know. Conflicts
        // are judged again (the org may have been corrected).
        let fresh = bundle.steps.filter { st in
            guard st.action == .create, st.parent == nil, let l = byID[st.id] else { return false }
            return l.state != .success && l.attempts == 0 && l.decision != .create && l.decision != .adopt
        }
        var verdicts: [String: PreflightItem] = [:]
        for st in bundle.steps where st.action == .create && st.parent == nil {
            guard let l = byID[st.id], l.state != .success, l.attempts == 0, l.decision == .adopt, let id = l.genesysID else { continue }
            verdicts[st.id] = PreflightItem(step: st.id, type: st.type.rawValue, key: st.key, verdict: .adopt, existingID: id,
                                            differences: [], note: "recorded by an earlier run")
        }
        do { verdicts.merge(try await Preflight.judge(s, steps: fresh)) { _, new in new } } catch {
            try? s.ledger.endRun(run, result: "preflight failed: \(s.message(error))")
            throw error
        }
        try s.ledger.setDecisions(fresh.map { st in
            let v = verdicts[st.id]
            let d: StepDecision = v?.verdict == .adopt ? .adopt : v?.verdict == .conflict ? .conflict : .create
            return (st.id, d, d == .adopt ? v?.existingID : nil)
        })
        let conflicts = verdicts.values.filter { $0.verdict == .conflict }.sorted { $0.step < $1.step }
        if !conflicts.isEmpty, !options.adopt, !options.allowConflicts {
            try? s.ledger.endRun(run, result: "refused: \(conflicts.count) conflicts")
            throw UploadError.conflicts(conflicts.map { c in
                "\(c.type)/\(c.key) (existing id \(c.existingID ?? "?")): " + c.differences.prefix(3).map(\.description).joined(separator: "; ")
            })
        }

        let tracker = RunTracker(states: Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0.state) }), options: options)
        let executor = Executor(s: s, tracker: tracker, verdicts: verdicts)
        var interrupted = false
        var phases: [(Int, PhaseState)] = []
        do { phases = try await executor.run() } catch is CancellationError { interrupted = true }
        let after = try s.ledger.steps()
        let breaker = await tracker.tripped
        let report = ApplyReport(
            bundle: url.path, digest: bundle.digest, ledger: s.ledger.path, results: s.results?.path ?? "",
            counts: StepCounts(after), phases: try s.ledger.phases(),
            failures: after.filter { $0.state == .failed || $0.state == .skipped }.map { ($0.id, $0.lastError ?? $0.state.rawValue) },
            breaker: breaker, interrupted: interrupted || Task.isCancelled, stats: progress.stats,
            seconds: seconds(ContinuousClock.now - clockStart))
        _ = phases
        try s.ledger.endRun(run, result: report.complete ? "complete" : breaker.map { "circuit breaker: \($0)" } ?? "incomplete")
        return report
    }

    // MARK: plan

    /// Read-only preflight: what `apply` would do for each step. Makes GET (and search) requests only.
    public static func plan(bundle url: URL, policy: VerificationPolicy, connection: ConnectionOptions,
                            options: RunOptions = .init(), progress: ProgressReporter = .init(mode: .quiet)) async throws -> PlanReport {
        let bundle = try UploadBundle.load(url, policy: policy)
        let (client, redactor) = try makeClient(connection, progress: progress)
        // The ledger, if any, says what is already done; plan never creates or changes one.
        let ledgerPath = options.ledgerPath ?? Ledger.defaultPath(forBundle: url)
        let existing = try Ledger.openExisting(path: ledgerPath)
        if let existing, existing.bundleDigest != bundle.digest {
            throw UploadError.ledgerMismatch(path: ledgerPath, reason: "it records another bundle digest")
        }
        let done = Dictionary(uniqueKeysWithValues: ((try existing?.steps()) ?? []).map { ($0.id, $0) })
        let tmpLedgerless = try PlanSession(bundle: bundle, client: client, redactor: redactor, options: options, progress: progress)
        await tmpLedgerless.session.seedResolver(from: Array(done.values))
        let creates = bundle.steps.filter { $0.action == .create && $0.parent == nil && done[$0.id]?.state != .success }
        let verdicts = try await Preflight.judge(tmpLedgerless.session, steps: creates)
        var items: [PreflightItem] = []
        for st in bundle.steps {
            if done[st.id]?.state == .success {
                items.append(PreflightItem(step: st.id, type: st.type.rawValue, key: st.key, verdict: .done,
                                           existingID: done[st.id]?.genesysID, differences: [], note: nil))
                continue
            }
            if let v = verdicts[st.id] { items.append(v); continue }
            let verdict: PreflightItem.Verdict
            switch st.action {
            case .create: verdict = .write
            case .patch, .update: verdict = .update
            case .delete: verdict = .delete
            }
            items.append(PreflightItem(step: st.id, type: st.type.rawValue, key: st.key, verdict: verdict, existingID: nil,
                                       differences: [], note: st.action == .patch ? "second pass: \(st.deferredFieldsNote(bundle))" : nil))
        }
        return PlanReport(bundle: url.path, items: items)
    }

    // MARK: status

    public static func status(bundle url: URL, ledgerPath: String? = nil) throws -> StatusReport {
        let path = ledgerPath ?? Ledger.defaultPath(forBundle: url)
        guard let ledger = try Ledger.openExisting(path: path) else {
            return StatusReport(ledger: path, digest: nil, started: false, counts: StepCounts([]), phases: [], openIntents: 0, runs: 0)
        }
        let steps = try ledger.steps()
        let byPhase = Dictionary(grouping: steps, by: \.phase)
        let phases = try ledger.phases().map { p -> (Int, PhaseState, Int, Int, Int) in
            let ss = byPhase[p.phase] ?? []
            return (p.phase, p.state, ss.count, ss.filter { $0.state == .success }.count,
                    ss.filter { $0.state == .failed || $0.state == .skipped }.count)
        }
        let rollbackTouched = steps.filter { $0.rollbackState != nil }
        return StatusReport(ledger: path, digest: ledger.bundleDigest, started: true, counts: StepCounts(steps),
                            phases: phases.map { (phase: $0.0, state: $0.1, total: $0.2, done: $0.3, failed: $0.4) },
                            openIntents: try ledger.openIntents(kind: "apply").count,
                            rollback: rollbackTouched.isEmpty ? nil : StepCounts(rollbackTouched), runs: try ledger.runs().count)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

/// A session without a ledger of its own, for the read-only `plan`.
struct PlanSession {
    let session: UploadSession
    init(bundle: UploadBundle, client: GenesysClient, redactor: Redactor, options: RunOptions, progress: ProgressReporter) throws {
        // An in-memory ledger keeps the session shape without touching the real one.
        let ledger = try Ledger.openInMemory(bundle: bundle)
        session = UploadSession(bundle: bundle, ledger: ledger, client: client, progress: progress, results: nil,
                                options: options, command: "plan", redactor: redactor)
    }
}

extension UploadStep {
    func deferredFieldsNote(_ bundle: UploadBundle) -> String {
        let create = bundle.creators[refKey].map { bundle.steps[$0] }
        let fields = create?.deferredFields ?? []
        return fields.isEmpty ? "full payload" : "sets \(fields.joined(separator: ", "))"
    }
}
