import BundleKit
import Common
import Foundation
import GenesysCloud

/// The outcome of `rollback`.
public struct RollbackReport: Sendable {
    public var ledger: String
    public var deleted: Int
    public var alreadyAbsent: Int
    public var keptAdopted: Int
    public var notReverted: [(step: String, why: String)]
    public var failures: [(step: String, error: String)]
    public var stats: RequestStats

    public var exitCode: Int32 { failures.isEmpty ? UploadExit.success : UploadExit.failure }

    public var text: String {
        var s = "rollback: deleted \(deleted), already absent \(alreadyAbsent), adopted objects kept \(keptAdopted), failed \(failures.count)\n"
        for n in notReverted.prefix(20) { s += "  not reverted \(n.step): \(n.why)\n" }
        for f in failures.prefix(20) { s += "  FAILED \(f.step): \(f.error)\n" }
        s += failures.isEmpty ? "result: COMPLETE\n" : "result: INCOMPLETE (run rollback again to resume)\n"
        return s
    }

    public var json: JSONValue {
        [
            "event": "summary", "command": "rollback", "ledger": .string(ledger), "deleted": .int(Int64(deleted)),
            "already_absent": .int(Int64(alreadyAbsent)), "kept_adopted": .int(Int64(keptAdopted)),
            "not_reverted": .array(notReverted.map { ["step": .string($0.step), "why": .string($0.why)] }),
            "failures": .array(failures.map { ["step": .string($0.step), "error": .string($0.error)] }),
            "stats": (try? JSONValue.from(stats)) ?? .null, "exit_code": .int(Int64(exitCode)),
        ]
    }
}

/// One object checked by `reconcile`.
public struct ReconcileItem: Sendable, Hashable {
    public enum Status: String, Sendable, Codable { case match, drift, missing, error }
    public var step: String
    public var type: String
    public var key: String
    public var id: String?
    public var origin: String?
    public var status: Status
    public var differences: [PayloadMatch.Difference]
    public var error: String?
}

/// The outcome of `reconcile`.
public struct ReconcileReport: Sendable {
    public var bundle: String
    public var items: [ReconcileItem]
    public var notApplied: Int

    public func count(_ s: ReconcileItem.Status) -> Int { items.filter { $0.status == s }.count }
    public var clean: Bool { count(.drift) == 0 && count(.missing) == 0 && count(.error) == 0 }
    public var exitCode: Int32 { clean ? UploadExit.success : UploadExit.failure }

    public var summary: String {
        "Reconcile: \(items.count) checked: \(count(.match)) match, \(count(.drift)) drift, \(count(.missing)) missing, \(count(.error)) errors"
            + (notApplied > 0 ? "; \(notApplied) steps not applied yet" : "") + "."
    }

    public var text: String {
        var s = ""
        for i in items where i.status != .match {
            s += "\(i.status.rawValue.uppercased()) \(i.type)/\(i.key)\(i.id.map { " (id \($0))" } ?? "")\n"
            for d in i.differences.prefix(10) { s += "    \(d)\n" }
            if let e = i.error { s += "    \(e)\n" }
        }
        return s + summary + "\n"
    }

    public var json: JSONValue {
        [
            "event": "summary", "command": "reconcile", "bundle": .string(bundle), "summary": .string(summary),
            "match": .int(Int64(count(.match))), "drift": .int(Int64(count(.drift))), "missing": .int(Int64(count(.missing))),
            "errors": .int(Int64(count(.error))), "not_applied": .int(Int64(notApplied)), "exit_code": .int(Int64(exitCode)),
            "items": .array(items.map { i in
                var o: [String: JSONValue] = ["step": .string(i.step), "type": .string(i.type), "key": .string(i.key),
                                              "status": .string(i.status.rawValue)]
                if let id = i.id { o["id"] = .string(id) }
                if let origin = i.origin { o["origin"] = .string(origin) }
                if !i.differences.isEmpty { o["differences"] = (try? JSONValue.from(i.differences)) ?? .null }
                if let e = i.error { o["error"] = .string(e) }
                return .object(o)
            }),
        ]
    }
}

extension UploadOperations {
    // MARK: rollback

    /// Deletes what this bundle created (never adopted objects), children before parents, from the
    /// ledger. Resumable: each delete has an intent and a rollback state; 404 counts as done.
    public static func rollback(bundle url: URL, policy: VerificationPolicy, connection: ConnectionOptions,
                                options: RunOptions = .init(), progress: ProgressReporter = .init(mode: .quiet)) async throws -> RollbackReport {
        let runLock = try Ledger.lock(path: options.ledgerPath ?? Ledger.defaultPath(forBundle: url), command: "cm2gc-upload rollback")
        let bundle = try UploadBundle.load(url, policy: policy)
        let s = try session(bundle: bundle, connection: connection, options: options, progress: progress, command: "rollback",
                            createLedger: false, heldLock: runLock)
        let run = try s.ledger.beginRun("rollback")
        let ledgerSteps = Dictionary(uniqueKeysWithValues: try s.ledger.steps().map { ($0.id, $0) })
        await s.seedResolver(from: Array(ledgerSteps.values))
        let originOf: [String: StepOrigin] = Dictionary(bundle.steps.compactMap { st in
            guard st.action == .create, st.parent == nil, let l = ledgerSteps[st.id], l.state == .success, let o = l.origin else { return nil }
            return (st.refKey, o)
        }, uniquingKeysWith: { a, _ in a })

        var report = RollbackReport(ledger: s.ledger.path, deleted: 0, alreadyAbsent: 0, keptAdopted: 0, notReverted: [],
                                    failures: [], stats: RequestStats())
        let lock = Locked(report)
        for phase in bundle.phases.reversed() {
            let steps = bundle.steps.filter { $0.phase == phase }.reversed()
            var work: [(UploadStep, LedgerStep)] = []
            for st in steps {
                guard let l = ledgerSteps[st.id], l.rollbackState != .success else { continue }
                if l.state == .success || (l.state == .inProgress && st.action == .create && st.parent == nil) { work.append((st, l)) }
            }
            await withTaskGroup(of: Void.self) { g in
                var next = 0
                func add() {
                    guard next < work.count else { return }
                    let (st, l) = work[next]
                    next += 1
                    g.addTask { await undo(s, st, l, originOf: originOf, report: lock) }
                }
                for _ in 0..<max(1, options.workers) { add() }
                while await g.next() != nil { add() }
            }
        }
        report = lock.withLock { $0 }
        report.stats = progress.stats
        try s.ledger.endRun(run, result: report.failures.isEmpty ? "rolled back" : "rollback incomplete")
        return report
    }

    private static func undo(_ s: UploadSession, _ st: UploadStep, _ l: LedgerStep, originOf: [String: StepOrigin],
                             report: Locked<RollbackReport>) async {
        let spec = s.spec(st.type)
        do {
            if st.parent == nil, st.action == .create {
                var id = l.genesysID
                if l.state != .success || l.origin == nil {
                    // A create that may have gone out without its answer being recorded: find it.
                    guard try s.ledger.hasUnresolvedIntent(st.id),
                          let body = try? await s.resolver.resolve(st.body ?? .object([:])),
                          let found = try await s.findExisting(st, body: body),
                          PayloadMatch.matches(expected: body, actual: found, type: st.type) else {
                        try await s.ledger.recordRollback([st.id], state: .skipped)
                        return
                    }
                    id = found["id"]?.stringValue
                } else if l.origin != .created {
                    try await s.ledger.recordRollback([st.id], state: .skipped)
                    report.withLock { $0.keptAdopted += l.origin == .adopted ? 1 : 0 }
                    return
                }
                guard let id, let ep = spec.delete else {
                    report.withLock { $0.notReverted.append((st.id, "\(st.type.rawValue) cannot be deleted through the API")) }
                    try await s.ledger.recordRollback([st.id], state: .skipped)
                    return
                }
                let path = try ep.path(id: id)
                let intent = try await s.ledger.recordIntent(kind: "rollback", steps: [st.id], method: "DELETE", path: path,
                                                       idempotencyKey: st.idempotencyKey)
                let existed = try await s.client.get(st.type, id: id) != nil
                try await s.client.delete(st.type, id: id)
                try await s.ledger.recordRollback([st.id], state: .success, closing: intent)
                s.log([st], outcome: existed ? "DELETED" : "ALREADY_ABSENT", origin: .created, targetID: id)
                report.withLock { if existed { $0.deleted += 1 } else { $0.alreadyAbsent += 1 } }
                return
            }
            guard let parent = st.parent else {
                // patch / update / delete steps: the object goes away with its create, or was not ours.
                try await s.ledger.recordRollback([st.id], state: .skipped)
                if st.action == .update || (st.action == .patch && originOf[st.refKey] != .created) {
                    report.withLock { $0.notReverted.append((st.id, "\(st.action.rawValue) of an object this bundle did not create is not reverted")) }
                }
                return
            }
            // Children of an object this bundle created disappear with it; children found already
            // in place (a re-run without the ledger) were not written by this run: kept.
            if (parent.kind == .bundle && originOf["\(parent.type)/\(parent.key)"] == .created) || l.origin == .adopted {
                try await s.ledger.recordRollback([st.id], state: .skipped)
                return
            }
            guard spec.bodyIsArray || st.type == .groupMembers, let ep = spec.delete else {
                try await s.ledger.recordRollback([st.id], state: .skipped)
                report.withLock { $0.notReverted.append((st.id, "\(st.type.rawValue) on an existing \(parent.type) is not reverted (no previous value is recorded)")) }
                return
            }
            let parentID = try await s.resolver.id(for: parent)
            let items = Executor.items(st.type, try await s.resolver.resolve(st.body ?? .array([])))
            let memberIDs = items.compactMap { $0["id"]?.stringValue ?? $0.stringValue }
            if st.type == .groupMembers {
                let path = try ep.path(parentId: parentID)
                let intent = try await s.ledger.recordIntent(kind: "rollback", steps: [st.id], method: "DELETE", path: path, idempotencyKey: st.idempotencyKey)
                try await s.client.delete(st.type, id: "", parentId: parentID, query: [("ids", memberIDs.joined(separator: ","))])
                try await s.ledger.recordRollback([st.id], state: .success, closing: intent)
            } else {
                for mid in memberIDs {
                    let path = try ep.path(id: mid, parentId: parentID)
                    let intent = try await s.ledger.recordIntent(kind: "rollback", steps: [st.id], method: "DELETE", path: path, idempotencyKey: st.idempotencyKey)
                    try await s.client.delete(st.type, id: mid, parentId: parentID)
                    try await s.ledger.closeIntent(intent, outcome: "SUCCESS")
                }
                try await s.ledger.recordRollback([st.id], state: .success)
            }
            report.withLock { $0.deleted += memberIDs.count }
        } catch {
            try? await s.ledger.recordRollback([st.id], state: .failed, error: s.message(error))
            s.log([st], outcome: "ROLLBACK_FAILED", error: error)
            report.withLock { $0.failures.append((st.id, s.message(error))) }
        }
    }

    // MARK: reconcile

    /// Reads every created or adopted object (and every member and setting written) back and
    /// compares it with the payload that was applied last (the patch's, where there is one).
    public static func reconcile(bundle url: URL, policy: VerificationPolicy, connection: ConnectionOptions,
                                 options: RunOptions = .init(), progress: ProgressReporter = .init(mode: .quiet)) async throws -> ReconcileReport {
        let bundle = try UploadBundle.load(url, policy: policy)
        let s = try session(bundle: bundle, connection: connection, options: options, progress: progress, command: "reconcile",
                            createLedger: false, withResults: false)
        let ledgerSteps = Dictionary(uniqueKeysWithValues: try s.ledger.steps().map { ($0.id, $0) })
        await s.seedResolver(from: Array(ledgerSteps.values))
        let patches = Dictionary(bundle.steps.filter { $0.action == .patch && ledgerSteps[$0.id]?.state == .success }.map { ($0.refKey, $0) },
                                 uniquingKeysWith: { _, b in b })
        var checks: [UploadStep] = []
        var notApplied = 0
        for st in bundle.steps {
            guard let l = ledgerSteps[st.id], l.state == .success else { notApplied += 1; continue }
            if st.action == .create { checks.append(st) }
        }
        let members = MemberCache()
        let items = await withTaskGroup(of: ReconcileItem.self) { g -> [ReconcileItem] in
            var out: [ReconcileItem] = []
            var next = 0
            func add() {
                guard next < checks.count else { return }
                let st = checks[next]
                next += 1
                g.addTask { await check(s, st, id: ledgerSteps[st.id]?.genesysID, origin: ledgerSteps[st.id]?.origin?.rawValue,
                                        patch: patches[st.refKey], members: members) }
            }
            for _ in 0..<max(1, options.workers) { add() }
            while let r = await g.next() { out.append(r); add() }
            return out
        }
        let order = Dictionary(uniqueKeysWithValues: bundle.steps.map { ($0.id, $0.index) })
        return ReconcileReport(bundle: url.path, items: items.sorted { (order[$0.step] ?? 0) < (order[$1.step] ?? 0) }, notApplied: notApplied)
    }

    /// Reads one step's object (or member, or setting) back and compares it with the payload.
    /// Also used by `apply` before writing under an adopted object.
    static func check(_ s: UploadSession, _ st: UploadStep, id: String?, origin: String?, patch: UploadStep?,
                      members: MemberCache) async -> ReconcileItem {
        var item = ReconcileItem(step: st.id, type: st.type.rawValue, key: st.key, id: id, origin: origin,
                                 status: .match, differences: [], error: nil)
        do {
            if let parent = st.parent {
                let parentID = try await s.resolver.id(for: parent)
                item.id = parentID
                let spec = s.spec(st.type)
                if st.type == .queueMemberRings {
                    // Read back through the queue's member listing: the member's ring.
                    let body = try await s.resolver.resolve(st.body ?? .object([:]))
                    let have = try await members.get(s, .queueMembers, parentID)
                    guard let mid = body["id"]?.stringValue, let h = have.first(where: { $0["id"]?.stringValue == mid }) else {
                        item.status = .missing
                        return item
                    }
                    item.differences = PayloadMatch.differences(expected: body, actual: h)
                    item.status = item.differences.isEmpty ? .match : .drift
                    return item
                }
                if spec.bodyIsArray || st.type == .groupMembers {
                    let want = Executor.items(st.type, try await s.resolver.resolve(st.body ?? .array([])))
                    let have = try await members.get(s, st.type, parentID)
                    for w in want {
                        let wid = w["id"]?.stringValue ?? w.stringValue
                        guard let wid else { continue }
                        guard let h = have.first(where: { $0["id"]?.stringValue == wid }) else {
                            item.differences.append(.init(path: "member \(wid)", expected: w, actual: nil))
                            continue
                        }
                        if case .object = w {
                            var d = PayloadMatch.differences(expected: w, actual: h)
                            // Genesys answers user skills with proficiency and the skill id; other fields vary.
                            d = d.filter { !$0.path.isEmpty }
                            item.differences += d.map { var x = $0; x.path = "member \(wid).\(x.path)"; return x }
                        }
                    }
                } else {
                    let body = try await s.resolver.resolve(st.body ?? .object([:]))
                    guard let actual = try await s.client.get(st.type, parentId: parentID) else {
                        item.status = .missing
                        return item
                    }
                    item.differences = PayloadMatch.differences(expected: body, actual: actual, type: st.type)
                }
                item.status = item.differences.isEmpty ? .match : .drift
                return item
            }
            guard let id else {
                item.status = .error
                item.error = "the ledger has no id for this step"
                return item
            }
            let expectedPayload = patch?.payload ?? st.body ?? .object([:])
            let expected = try await s.resolver.resolve(expectedPayload)
            guard let actual = try await s.client.get(st.type, id: id), actual["state"]?.stringValue != "deleted" else {
                item.status = .missing
                return item
            }
            item.differences = PayloadMatch.differences(expected: expected, actual: actual, type: st.type)
            if st.type == .flows, actual["publishedVersion"] == nil || actual["publishedVersion"]?.isNull == true {
                item.differences.append(.init(path: "publishedVersion", expected: "a published version", actual: nil))
            }
            item.status = item.differences.isEmpty ? .match : .drift
        } catch {
            item.status = .error
            item.error = s.message(error)
        }
        return item
    }
}

/// Member listings fetched once per parent during a reconcile.
actor MemberCache {
    private var cache: [String: Task<[JSONValue], any Error>] = [:]

    func get(_ s: UploadSession, _ type: ResourceType, _ parentID: String) async throws -> [JSONValue] {
        let k = "\(type.rawValue)|\(parentID)"
        if let t = cache[k] { return try await t.value }
        let client = s.client
        let t = Task { try await client.lookup(type, key: "", parentId: parentID) }
        cache[k] = t
        return try await t.value
    }
}
