import BundleKit
import Common
import Foundation
import GenesysCloud

/// Shared bookkeeping of a run: step states (mirroring the ledger) and the circuit breaker.
actor RunTracker {
    private(set) var states: [String: StepState]
    private var consecutive = 0
    private var window: [Bool] = []
    private(set) var tripped: String?
    private let options: RunOptions

    init(states: [String: StepState], options: RunOptions) {
        self.states = states
        self.options = options
    }

    func state(_ id: String) -> StepState { states[id] ?? .pending }

    /// Records one unit's outcome; returns false once the breaker is open.
    func finish(_ ids: [String], _ state: StepState, countsForBreaker: Bool = true) {
        for id in ids { states[id] = state }
        guard countsForBreaker else { return }
        let failed = state == .failed
        consecutive = failed ? consecutive + 1 : 0
        window.append(failed)
        if window.count > options.failureWindow { window.removeFirst(window.count - options.failureWindow) }
        if tripped == nil, consecutive >= options.maxConsecutiveFailures {
            tripped = "\(consecutive) consecutive failures"
        }
        let rate = Double(window.filter { $0 }.count) / Double(max(1, window.count))
        if tripped == nil, window.count >= options.failureMinimum, rate > options.maxFailureRate {
            tripped = "failure rate \(Int(rate * 100))% over the last \(window.count) units (limit \(Int(options.maxFailureRate * 100))%)"
        }
    }

    func set(_ ids: [String], _ state: StepState) { for id in ids { states[id] = state } }

    /// `refKey`s of objects that existed before this bundle (adopted, by this run or an earlier one).
    private(set) var adopted = Set<String>()
    func adopt(_ refKey: String) { adopted.insert(refKey) }
}

/// A unit of work: one step, or several child steps of one parent sent as bulk requests.
enum WorkUnit: Sendable {
    case single(UploadStep)
    case batch(ResourceType, parent: LogicalRef, steps: [UploadStep])

    var steps: [UploadStep] {
        switch self {
        case .single(let s): return [s]
        case .batch(_, _, let steps): return steps
        }
    }
}

/// Runs the plan: phases in order, units inside a phase concurrently (bounded), every mutating
/// request preceded by a durable intent in the ledger.
struct Executor {
    let s: UploadSession
    let tracker: RunTracker
    /// Preflight verdicts of this run, by step id.
    let verdicts: [String: PreflightItem]
    /// Member listings read to check writes under adopted objects.
    let members = MemberCache()

    // MARK: Phases

    func run() async throws -> [(Int, PhaseState)] {
        var phaseStates: [(Int, PhaseState)] = []
        for l in try s.ledger.steps() where l.origin == .adopted && l.state == .success && l.action == PlanAction.create.rawValue {
            await tracker.adopt("\(UploadBundle.resourceType(l.type)?.rawValue ?? l.type)/\(l.key)")
        }
        for phase in s.bundle.phases {
            if let reason = await tracker.tripped { s.progress.note("circuit breaker open: \(reason); stopping") ; break }
            try Task.checkCancellation()
            let steps = s.bundle.steps.filter { $0.phase == phase }
            var pending: [UploadStep] = []
            for st in steps where await tracker.state(st.id) != .success { pending.append(st) }
            if pending.isEmpty {
                try s.ledger.setPhase(phase, .success)
                phaseStates.append((phase, .success))
                continue
            }
            try s.ledger.setPhase(phase, .inProgress)
            s.progress.phaseStarted(phase, total: steps.count)
            s.progress.stepsFinished(steps.count - pending.count, failed: 0)
            let units = try await prepareUnits(pending)
            await runUnits(units)
            var final: [StepState] = []
            for st in steps { final.append(await tracker.state(st.id)) }
            let ok = final.filter { $0 == .success }.count
            let state: PhaseState
            if ok == final.count { state = .success }
            else if final.contains(.pending) || final.contains(.inProgress) { state = .inProgress }  // interrupted
            else if ok == 0 { state = .failed }
            else { state = .partialFailure }
            try s.ledger.setPhase(phase, state)
            s.progress.phaseFinished(phase, state: state)
            phaseStates.append((phase, state))
        }
        return phaseStates
    }

    /// Settles steps that need no request (skips, adoptions, conflicts) and groups the rest.
    func prepareUnits(_ steps: [UploadStep]) async throws -> [WorkUnit] {
        var units: [WorkUnit] = []
        var batches: [String: (ResourceType, LogicalRef, [UploadStep])] = [:]
        var batchOrder: [String] = []
        for st in steps {
            var blocked: [String] = []
            for d in st.dependsOn where await tracker.state(d) != .success { blocked.append(d) }
            if !blocked.isEmpty {
                let e = UploadStepError.dependency("depends on \(blocked.joined(separator: ", ")), which did not succeed")
                try await s.ledger.record([st.id], .init(state: .skipped, error: s.message(e)))
                await tracker.finish([st.id], .skipped, countsForBreaker: false)
                s.log([st], outcome: "SKIPPED", error: e)
                s.progress.stepsFinished(1, failed: 1)
                continue
            }
            if st.type == .flows, let v = verdicts[st.id], v.verdict == .conflict, s.options.adopt {
                // A flow of that name exists without this bundle's content fingerprint: --adopt
                // publishes this bundle's version over it rather than keeping its unknown logic.
                units.append(.single(st))
                continue
            }
            if let v = verdicts[st.id], v.verdict == .adopt || v.verdict == .conflict {
                if v.verdict == .adopt || s.options.adopt, let id = v.existingID {
                    try await s.ledger.record([st.id], .init(state: .success, origin: .adopted, genesysID: id))
                    await s.resolver.set(st.refKey, id)
                    await tracker.adopt(st.refKey)
                    await tracker.finish([st.id], .success, countsForBreaker: false)
                    s.log([st], outcome: "SUCCESS", origin: .adopted, targetID: id)
                    s.progress.stepsFinished(1, failed: 0)
                } else {
                    let e = UploadStepError.conflict("\(st.type.rawValue) \"\(st.naturalKey(s.spec(st.type)) ?? st.key)\" exists (id \(v.existingID ?? "?")) and differs: "
                        + v.differences.prefix(5).map(\.description).joined(separator: "; "))
                    let state: StepState = s.options.allowConflicts ? .skipped : .failed
                    try await s.ledger.record([st.id], .init(state: state, genesysID: nil, error: s.message(e)))
                    await tracker.finish([st.id], state, countsForBreaker: false)
                    s.log([st], outcome: state.rawValue, targetID: v.existingID, error: e)
                    s.progress.stepsFinished(1, failed: 1)
                }
                continue
            }
            let spec = s.spec(st.type)
            if st.action == .create, let parent = st.parent, spec.bodyIsArray || st.type == .groupMembers {
                let k = "\(st.type.rawValue)|\(parent.text)"
                if batches[k] == nil { batches[k] = (st.type, parent, []); batchOrder.append(k) }
                batches[k]?.2.append(st)
            } else {
                units.append(.single(st))
            }
        }
        for k in batchOrder { if let b = batches[k] { units.append(.batch(b.0, parent: b.1, steps: b.2)) } }
        return units
    }

    func runUnits(_ units: [WorkUnit]) async {
        await withTaskGroup(of: Void.self) { g in
            var next = 0
            func add() -> Bool {
                guard next < units.count else { return false }
                let u = units[next]
                next += 1
                g.addTask { await self.execute(u) }
                return true
            }
            for _ in 0..<max(1, s.options.workers) { if !add() { break } }
            while await g.next() != nil {
                if await tracker.tripped != nil || Task.isCancelled { continue }
                _ = add()
            }
        }
    }

    func execute(_ unit: WorkUnit) async {
        let started = ContinuousClock.now
        do {
            switch unit {
            case .single(let st):
                if try await inPlace(st, started: started) { return }
                switch st.action {
                case .create where st.type == .flows, .update where st.type == .flows: try await publishFlow(st, started: started)
                case .create where st.parent != nil: try await writeSetting(st, started: started)
                case .create: try await create(st, started: started)
                case .patch: try await patch(st, started: started)
                case .update: try await update(st, started: started)
                case .delete: try await delete(st, started: started)
                }
            case .batch(let type, let parent, let steps):
                try await addMembers(type, parent: parent, steps: steps, started: started)
            }
        } catch {
            let ids = unit.steps.map(\.id)
            try? await s.ledger.record(ids, .init(state: .failed, error: s.message(error)))
            await tracker.finish(ids, .failed)
            s.log(unit.steps, outcome: "FAILED", error: error, started: started)
            s.progress.stepsFinished(ids.count, failed: ids.count)
        }
    }

    private func succeed(_ steps: [UploadStep], origin: StepOrigin, id: String?, parentID: String? = nil, intent: Int64?,
                         request: APIRequest?, response: APIResponse?, started: ContinuousClock.Instant, outcome: String = "SUCCESS") async throws {
        let ids = steps.map(\.id)
        try await s.ledger.record(ids, .init(state: .success, origin: origin, genesysID: id, parentID: parentID,
                                       httpStatus: response?.status, correlationID: response?.correlationId),
                            closing: intent, intentOutcome: outcome)
        if let id, steps.count == 1, let st = steps.first, st.action == .create, st.parent == nil {
            await s.resolver.set(st.refKey, id)
        }
        await tracker.finish(ids, .success)
        s.log(steps, outcome: outcome, origin: origin, targetID: id, parentID: parentID, request: request, response: response, started: started)
        s.progress.stepsFinished(ids.count, failed: 0)
    }

    // MARK: Writes that are already in place

    /// A patch of an adopted object, or a member or setting under one, may already be in the org
    /// (a re-run after the ledger was lost, or an org prepared by hand): read it back as
    /// `reconcile` does and, when it matches, record the step without writing. Objects this
    /// bundle created are new, so nothing is read for them.
    func inPlace(_ st: UploadStep, started: ContinuousClock.Instant) async throws -> Bool {
        let target: String
        if let parent = st.parent, parent.kind == .bundle {
            target = "\(parent.type)/\(parent.key)"
        } else if st.parent == nil, st.action == .patch {
            target = st.refKey
        } else {
            return false
        }
        guard await tracker.adopted.contains(target) else { return false }
        let id = st.parent == nil ? await s.resolver.known(st.refKey) : nil
        let item = await UploadOperations.check(s, st, id: id, origin: nil, patch: nil, members: members)
        guard item.status == .match else { return false }
        try await succeed([st], origin: .adopted, id: id, intent: nil, request: nil, response: nil, started: started,
                          outcome: "ALREADY_IN_PLACE")
        return true
    }

    // MARK: Creates of top-level objects

    func create(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        let spec = s.spec(st.type)
        let body = try await s.resolver.resolve(st.body ?? .object([:]))
        // A previous run sent this create and may have lost the answer (crash, timeout): look
        // before creating again. The preflight said it did not exist before the first attempt.
        if try s.ledger.hasUnresolvedIntent(st.id) {
            if let found = try await s.findExisting(st, body: body, retries: s.options.lookupRetries),
               let id = found["id"]?.stringValue {
                try ownOrConflict(st, body: body, found: found)
                try await succeed([st], origin: .created, id: id, intent: nil, request: nil, response: nil,
                                  started: started, outcome: "RESOLVED_BY_LOOKUP")
                return
            }
        }
        var unknownOutcomes = 0
        while true {
            let request = try s.createRequest(spec, body: body, idempotencyKey: st.idempotencyKey)
            let intent = try await s.ledger.recordIntent(kind: "apply", steps: [st.id], method: request.method.rawValue, path: request.path,
                                                   idempotencyKey: st.idempotencyKey)
            do {
                let response = try await s.client.send(request)
                guard let id = try response.json()["id"]?.stringValue else {
                    try await s.ledger.closeIntent(intent, outcome: "NO_ID")
                    throw UploadStepError.noID("the create answered \(response.status) without an id")
                }
                try await succeed([st], origin: .created, id: id, intent: intent, request: request, response: response, started: started)
                return
            } catch let e as GenesysClientError where e.isOutcomeUnknown {
                try await s.ledger.closeIntent(intent, outcome: "UNKNOWN")
                unknownOutcomes += 1
                s.progress.note("\(st.id): outcome unknown (\(s.message(e))); resolving by lookup")
                if let found = try await s.findExisting(st, body: body, retries: s.options.lookupRetries),
                   let id = found["id"]?.stringValue {
                    try ownOrConflict(st, body: body, found: found)
                    try await succeed([st], origin: .created, id: id, intent: nil, request: request, response: nil, started: started,
                                      outcome: "RESOLVED_BY_LOOKUP")
                    return
                }
                if unknownOutcomes >= 3 {
                    throw UploadStepError.outcomeUnresolved("three creates with unknown outcome and no object found; rerun apply to try again")
                }
            } catch let e as GenesysClientError where e.apiError.map(spec.isDuplicate) ?? false {
                try await s.ledger.closeIntent(intent, outcome: "DUPLICATE")
                // Appeared since the preflight: adopt it if it is the same, else a conflict.
                guard let found = try await s.findExisting(st, body: body, retries: s.options.lookupRetries),
                      let id = found["id"]?.stringValue else {
                    throw UploadStepError.conflict("the create was refused as a duplicate but no object was found by its natural key: \(s.message(e))")
                }
                if s.options.adopt || PayloadMatch.matches(expected: body, actual: found, type: st.type) {
                    try await succeed([st], origin: .adopted, id: id, intent: nil, request: request, response: nil, started: started,
                                      outcome: "ADOPTED")
                    return
                }
                let diffs = PayloadMatch.differences(expected: body, actual: found, type: st.type)
                throw UploadStepError.conflict("an object with the same natural key exists (id \(id)) and differs: "
                                               + diffs.prefix(5).map(\.description).joined(separator: "; "))
            } catch {
                try? await s.ledger.closeIntent(intent, outcome: "FAILED")
                throw error
            }
        }
    }

    /// After a create whose answer was lost, the object found by natural key is ours only if it
    /// is what we sent (the preflight saw no such object before the first attempt).
    func ownOrConflict(_ st: UploadStep, body: JSONValue, found: JSONValue) throws {
        guard !PayloadMatch.matches(expected: body, actual: found, type: st.type) else { return }
        let diffs = PayloadMatch.differences(expected: body, actual: found, type: st.type)
        throw UploadStepError.conflict("after an unknown outcome, the object found by natural key (id \(found["id"]?.stringValue ?? "?")) differs from the payload: "
                                       + diffs.prefix(5).map(\.description).joined(separator: "; "))
    }

    // MARK: Flows

    /// Publishes a flow through a flow job: register, PUT the YAML to the presigned URL, poll
    /// until Success, record the flow id for `@ref:flows/<key>`. Publishing the same YAML again
    /// makes a new version with the same logic, so a step whose outcome was lost is resolved by
    /// looking the flow up, and published again only if it is not there.
    func publishFlow(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        guard let flow = st.flow else { throw UploadStepError.unsupported("flow step \(st.id) has no Archy YAML") }
        let h = flow.header
        // This run's preflight, or the decision a previous run recorded (a resumed publish over an
        // existing flow must stay "adopted", so rollback never deletes that flow).
        let recorded = try s.ledger.step(st.id)?.decision
        let overExisting = verdicts[st.id].map { $0.verdict == .conflict || $0.verdict == .adopt }
            ?? (recorded == .adopt || recorded == .conflict)
        let origin: StepOrigin = st.action == .update ? .written : overExisting ? .adopted : .created
        if origin == .created, try s.ledger.hasUnresolvedIntent(st.id),
           let found = try await s.client.findFlows(name: h.name, apiType: h.apiType).first,
           let id = found["id"]?.stringValue, found["publishedVersion"] != nil {
            // The preflight found no such flow before the first attempt: this one is ours.
            try await succeed([st], origin: .created, id: id, intent: nil, request: nil, response: nil, started: started,
                              outcome: "RESOLVED_BY_LOOKUP")
            return
        }
        let job = try await s.client.registerFlowJob()
        // The request that publishes: the YAML PUT to the job's presigned URL (not an API path),
        // named without its signed query string.
        let target = GenesysClient.uploadTarget(job.uploadURL)
        let logged = APIRequest(.PUT, target, template: "presigned upload URL of flow job \(job.id)")
        // The upload starts the publish: the write-ahead record comes before it.
        let intent = try await s.ledger.recordIntent(kind: "apply", steps: [st.id], method: "PUT", path: "\(target) (flow job \(job.id), \(flow.path))",
                                                     idempotencyKey: st.idempotencyKey)
        do {
            try await s.client.uploadFlowFile(to: job.uploadURL, headers: job.headers, yaml: flow.yaml)
            let id = try await s.client.waitForFlowJob(job.id, policy: s.options.flowJobs)
            await s.resolver.set(st.refKey, id)
            try await succeed([st], origin: origin, id: id, intent: intent, request: logged, response: nil, started: started,
                              outcome: "PUBLISHED")
        } catch let e as FlowPublishError {
            if case .timedOut = e {
                try await s.ledger.closeIntent(intent, outcome: "UNKNOWN")  // it may still publish: look first next time
            } else {
                try? await s.ledger.closeIntent(intent, outcome: "FAILED")
            }
            throw e
        } catch let e as GenesysClientError where e.isOutcomeUnknown {
            try await s.ledger.closeIntent(intent, outcome: "UNKNOWN")
            throw e
        } catch {
            // A lost answer while polling leaves the outcome open as well.
            try await s.ledger.closeIntent(intent, outcome: "UNKNOWN")
            throw error
        }
    }

    // MARK: Writes to existing objects

    /// The id a patch step writes to: the object its create step made or adopted.
    func createdID(_ st: UploadStep) async throws -> String {
        guard let id = await s.resolver.known(st.refKey) else {
            throw UploadStepError.unresolved("\(st.refKey) has no id: its create step has not succeeded")
        }
        return id
    }

    func patch(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        let id = try await createdID(st)
        try await write(st, id: id, started: started)
    }

    func update(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        let body = try await s.resolver.resolve(st.body ?? .object([:]))
        guard let found = try await s.findExisting(st, body: body), let id = found["id"]?.stringValue else {
            throw UploadStepError.unresolved("no \(st.type.rawValue) \"\(st.naturalKey(s.spec(st.type)) ?? st.key)\" exists to update")
        }
        await s.resolver.set(st.refKey, id)
        try await write(st, id: id, started: started)
    }

    /// PUT/PATCH of the full payload (with the current version where the type needs one).
    func write(_ st: UploadStep, id: String, started: ContinuousClock.Instant) async throws {
        let spec = s.spec(st.type)
        guard let u = spec.update else { throw UploadStepError.unsupported("\(st.type.rawValue) has no update operation") }
        var body = Self.declaredFields(try await s.resolver.resolve(st.payload ?? .object([:])), model: u.model)
        let path = try u.endpoint.path(id: id)
        var conflictRetried = false
        while true {
            if u.needsVersion, case .object(var o) = body {
                o["version"] = .int(try await s.client.currentVersion(st.type, id: id))
                body = .object(o)
            }
            var request = APIRequest(u.endpoint.method, path, template: u.endpoint.path, json: body)
            request.headers["Idempotency-Key"] = st.idempotencyKey
            let intent = try await s.ledger.recordIntent(kind: "apply", steps: [st.id], method: request.method.rawValue, path: path,
                                                   idempotencyKey: st.idempotencyKey)
            do {
                let response = try await s.client.send(request)
                try await succeed([st], origin: .written, id: id, intent: intent, request: request, response: response, started: started)
                return
            } catch let e as GenesysClientError where u.needsVersion && !conflictRetried && (e.apiError?.isVersionConflict ?? false) {
                try await s.ledger.closeIntent(intent, outcome: "VERSION_CONFLICT")
                conflictRetried = true
            } catch {
                try? await s.ledger.closeIntent(intent, outcome: "FAILED")
                throw error
            }
        }
    }

    /// The fields of a payload the update's model declares and lets a client set (Genesys's
    /// SDK): a create payload may hold fields its update cannot take (`CreateUser.divisionId` is
    /// not in `UpdateUser`), which the platform's contract refuses.
    static func declaredFields(_ body: JSONValue, model: String?) -> JSONValue {
        guard case .object(let o) = body, let m = model, let fields = Contract.shipped.models[m] else { return body }
        return .object(o.filter { fields[$0.key].map { !$0.readOnly } ?? false })
    }

    func delete(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        let spec = s.spec(st.type)
        guard let ep = spec.delete else { throw UploadStepError.unsupported("\(st.type.rawValue) cannot be deleted") }
        guard st.naturalKey(spec) != nil else {
            throw UploadStepError.unsupported("a delete step needs a payload with the natural key (\(spec.naturalKey ?? "name")) to find the object")
        }
        guard let found = try await s.findExisting(st, body: nil), let id = found["id"]?.stringValue else {
            try await succeed([st], origin: .deleted, id: nil, intent: nil, request: nil, response: nil, started: started, outcome: "ALREADY_ABSENT")
            return
        }
        let path = try ep.path(id: id)
        let intent = try await s.ledger.recordIntent(kind: "apply", steps: [st.id], method: "DELETE", path: path, idempotencyKey: st.idempotencyKey)
        try await s.client.delete(st.type, id: id)
        try await succeed([st], origin: .deleted, id: id, intent: intent, request: nil, response: nil, started: started)
    }

    // MARK: Children

    /// Settings written under a parent (user updates, call forwarding, voicemail and group-ring
    /// policies): an idempotent PUT/PATCH, so a resumed run simply sends it again.
    func writeSetting(_ st: UploadStep, started: ContinuousClock.Instant) async throws {
        guard let parent = st.parent else { return }
        let spec = s.spec(st.type)
        let parentID = try await s.resolver.id(for: parent)
        var body = try await s.resolver.resolve(st.body ?? .object([:]))
        // A path with `{id}` names the child inside the parent (a queue member): the body's id.
        var childID: String?
        if spec.create?.path.contains("{id}") == true {
            guard let id = body["id"]?.stringValue, !id.isEmpty else {
                throw UploadStepError.unsupported("\(st.type.rawValue) needs the child's id in the body (its path has {id}); not supported for this type yet")
            }
            childID = id
        }
        var conflictRetried = false
        while true {
            if spec.fieldsAddedAtSend.contains("version"), case .object(var o) = body, let parentType = spec.parent {
                o["version"] = .int(try await s.client.currentVersion(parentType, id: parentID))
                body = .object(o)
            }
            let request = try s.createRequest(spec, body: body, id: childID, parentID: parentID, idempotencyKey: st.idempotencyKey)
            let intent = try await s.ledger.recordIntent(kind: "apply", steps: [st.id], method: request.method.rawValue, path: request.path,
                                                   idempotencyKey: st.idempotencyKey, parentID: parentID)
            do {
                let response = try await s.client.send(request)
                try await succeed([st], origin: .written, id: nil, parentID: parentID, intent: intent, request: request,
                                  response: response, started: started)
                return
            } catch let e as GenesysClientError where !conflictRetried && (e.apiError?.isVersionConflict ?? false) {
                try await s.ledger.closeIntent(intent, outcome: "VERSION_CONFLICT")
                conflictRetried = true
            } catch {
                try? await s.ledger.closeIntent(intent, outcome: "FAILED")
                throw error
            }
        }
    }

    /// The items a member step adds: array bodies as they are, group members' `memberIds`.
    static func items(_ type: ResourceType, _ body: JSONValue) -> [JSONValue] {
        if type == .groupMembers { return body["memberIds"]?.arrayValue ?? (body.stringValue.map { [.string($0)] } ?? []) }
        if let a = body.arrayValue { return a }
        return [body]
    }

    /// Member-style children of one parent, in bulk requests of at most the type's batch limit.
    /// Adding a member twice is harmless (set semantics), so resuming re-sends unfinished batches.
    func addMembers(_ type: ResourceType, parent: LogicalRef, steps all: [UploadStep], started: ContinuousClock.Instant) async throws {
        var steps: [UploadStep] = []
        for st in all {
            if try await !inPlace(st, started: started) { steps.append(st) }
        }
        if steps.isEmpty { return }
        let spec = s.spec(type)
        let limit = max(1, spec.batchLimit ?? 100)
        let parentID = try await s.resolver.id(for: parent)
        // Chunks of whole steps where possible, so each request's intent names exactly its steps.
        var chunks: [([UploadStep], [JSONValue])] = []
        var cur: ([UploadStep], [JSONValue]) = ([], [])
        for st in steps {
            let items = Self.items(type, try await s.resolver.resolve(st.body ?? .array([])))
            if items.count > limit {
                var i = 0
                while i < items.count { chunks.append(([st], Array(items[i..<min(i + limit, items.count)]))); i += limit }
                continue
            }
            if cur.1.count + items.count > limit { chunks.append(cur); cur = ([], []) }
            cur.0.append(st)
            cur.1 += items
        }
        if !cur.0.isEmpty { chunks.append(cur) }
        for (chunkSteps, items) in chunks {
            if await tracker.tripped != nil { return }
            let chunkStarted = ContinuousClock.now
            let ids = chunkSteps.map(\.id)
            let key = SHA256Digest.hex(chunkSteps.map(\.idempotencyKey).joined(separator: "\n"))
            do {
                var conflictRetried = false
                while true {
                    var body: JSONValue = .array(items)
                    var query: [(name: String, value: String)] = []
                    if type == .groupMembers {
                        body = ["memberIds": .array(items), "version": .int(try await s.client.currentVersion(.groups, id: parentID))]
                    } else if type == .queueMembers {
                        query = [("delete", "false")]
                    }
                    let request = try s.createRequest(spec, body: body, parentID: parentID, query: query, idempotencyKey: key)
                    let intent = try await s.ledger.recordIntent(kind: "apply", steps: ids, method: request.method.rawValue, path: request.path,
                                                           idempotencyKey: key, parentID: parentID)
                    do {
                        let response = try await s.client.send(request)
                        try await succeed(chunkSteps, origin: .written, id: nil, parentID: parentID, intent: intent, request: request,
                                          response: response, started: chunkStarted)
                        break
                    } catch let e as GenesysClientError where type == .groupMembers && !conflictRetried && (e.apiError?.isVersionConflict ?? false) {
                        try await s.ledger.closeIntent(intent, outcome: "VERSION_CONFLICT")
                        conflictRetried = true
                    } catch {
                        try? await s.ledger.closeIntent(intent, outcome: "FAILED")
                        throw error
                    }
                }
            } catch {
                try? await s.ledger.record(ids, .init(state: .failed, parentID: parentID, error: s.message(error)))
                await tracker.finish(ids, .failed)
                s.log(chunkSteps, outcome: "FAILED", parentID: parentID, error: error, started: chunkStarted)
                s.progress.stepsFinished(ids.count, failed: ids.count)
            }
        }
        _ = started
    }
}
