import BundleKit
import Common
import Foundation
import GenesysCloud

/// How a bundle must be approved before anything is sent (same rules as `cm2gc verify`).
public struct VerificationPolicy: Sendable {
    public var trustedKeys: URL?
    public var requiredApprovals: Int

    public init(trustedKeys: URL?, requiredApprovals: Int = 2) {
        self.trustedKeys = trustedKeys
        self.requiredApprovals = requiredApprovals
    }
}

/// One executable plan step: the plan entry, its catalogue entry and its payload, references
/// normalised to `@ref:`/`@ext:` strings with canonical type names.
public struct UploadStep: Sendable {
    public var index: Int
    public var id: String
    public var type: ResourceType
    public var key: String
    public var action: PlanAction
    public var phase: Int
    public var dependsOn: [String]
    /// The payload as approved (references normalised); nil for a delete without payload.
    public var payload: JSONValue?
    /// Top-level fields left out of a create and sent by a later patch (cycles).
    public var deferredFields: [String]
    /// SHA-256 of bundle digest + step id: sent as `Idempotency-Key`, recorded in every intent.
    public var idempotencyKey: String
    /// 1-based line of the matching record in `difflog.jsonl`, if any.
    public var diffSequence: Int?
    /// For child types: the owner (`@ref:users/jdoe` or `@ext:…`).
    public var parent: LogicalRef?
    /// The API body: the envelope's `body` for child types, the payload without deferred fields
    /// for creates, the whole payload otherwise.
    public var body: JSONValue?

    /// For a flow step: the Archy YAML as approved and its header (type, name). `payload` and
    /// `body` then hold the header's identity (`{"name", "type"}`) for lookups and comparisons.
    public var flow: FlowSource?

    /// `<canonical type>/<key>`: how `@ref:` names this step's object.
    public var refKey: String { "\(type.rawValue)/\(key)" }

    /// Whether the type is a child written under a parent (members, settings).
    public var isChild: Bool { parent != nil }

    /// The natural key's literal value in the body (nil when absent or itself a reference).
    public func naturalKey(_ spec: ResourceSpec) -> String? {
        guard let field = spec.naturalKey, let body else { return nil }
        var cur: JSONValue? = body
        for part in field.split(separator: ".") { cur = cur?[String(part)] }
        guard let s = cur?.stringValue, !LogicalRef.looksLikeRef(s) else { return nil }
        return s
    }
}

/// An Archy flow member of the bundle (bundle-spec.md section 9).
public struct FlowSource: Sendable {
    public var path: String
    public var yaml: String
    public var header: ArchyFlowHeader
}

/// A verified, approved bundle ready to execute.
public struct UploadBundle: Sendable {
    public var url: URL
    public var digest: String
    public var bundleID: String
    public var verification: VerifyResult
    public var steps: [UploadStep]
    /// `refKey` → index of the create step that makes that object.
    public var creators: [String: Int]

    public var phases: [Int] { Array(Set(steps.map(\.phase))).sorted() }

    /// Older sample bundles use short type names; they map onto the catalogue's names.
    public static let typeAliases: [String: ResourceType] = [
        "division": .divisions, "skill": .routingSkills, "language": .routingLanguages, "wrapupcode": .wrapupCodes,
        "user": .users, "group": .groups, "queue": .queues, "schedule": .schedules, "schedulegroup": .scheduleGroups,
        "prompt": .prompts, "ivr": .ivrs, "site": .sites, "flow": .flows, "location": .locations,
    ]

    public static func resourceType(_ name: String) -> ResourceType? {
        ResourceType(rawValue: name) ?? typeAliases[name]
    }

    /// Verifies content and approvals with BundleKit (the same checks as `cm2gc verify`).
    public static func verify(_ url: URL, policy: VerificationPolicy) throws -> VerifyResult {
        try BundleOperations.verify(bundleAt: url, trustedKeysDirectory: policy.trustedKeys,
                                    requiredApprovals: policy.requiredApprovals)
    }

    /// Verifies, refuses an invalid or under-approved bundle, and prepares its steps. Makes no
    /// network call. Two streaming reads: the first checks the container, every digest and the
    /// approvals without parsing any payload (so an unapproved or hostile bundle never gets its
    /// content held); the second checks the content and parses each payload, the plan and each
    /// diff-log line exactly once, and must find the same digest: what runs is what was approved,
    /// even if the file were swapped between the two reads.
    public static func load(_ url: URL, policy: VerificationPolicy) throws -> UploadBundle {
        let first = try BundleOperations.verify(bundleAt: url, trustedKeysDirectory: policy.trustedKeys,
                                                requiredApprovals: policy.requiredApprovals, checkContent: false)
        guard first.accepted else { throw refusal(first) }
        var payloads: [String: JSONValue] = [:]
        var members: [String: Data] = [:]
        var diffSeq: [String: Int] = [:]
        var order: JSONValue?
        let integrity = try BundleVerifier.verify(contentsOf: url, content: BundleContent(
            payload: { path, value in payloads[path] = value },
            plan: { order = $0 },
            diffLogLine: { n, v in
                // Diff-log line numbers, so each result can point at the reviewed change.
                guard let t = v["type"]?.stringValue, let k = v["key"]?.stringValue else { return }
                let canonical = UploadBundle.resourceType(t)?.rawValue ?? t
                if diffSeq["\(canonical)/\(k)"] == nil { diffSeq["\(canonical)/\(k)"] = n }
            },
            member: { path, data in members[path] = data },
            wants: { $0.hasPrefix("flows/") }))
        var result = first
        result.integrity = integrity
        guard integrity.isValid else { throw refusal(result) }
        guard let digest = integrity.digest, digest == first.integrity.digest, let meta = integrity.metadata else {
            throw UploadError.refused("the bundle changed while it was being read; verify it again")
        }
        return try prepare(order: order, payloads: payloads, flows: members, diffSeq: diffSeq,
                           url: url, digest: digest, bundleID: meta.bundleID, verification: result)
    }

    static func refusal(_ result: VerifyResult) -> UploadError {
        let reason = result.integrity.isValid
            ? "\(result.approvals.counted) of \(result.approvals.required) required approvals from distinct trusted approvers"
            : "the bundle is invalid (\(result.integrity.problems.count) problem\(result.integrity.problems.count == 1 ? "" : "s"))"
        return UploadError.refused("\(reason).\n\(result.text)")
    }

    /// Steps from the plan and the already parsed payloads (`payloads/…` → JSON) and flows
    /// (`flows/…` → bytes).
    static func prepare(order: JSONValue?, payloads: [String: JSONValue], flows files: [String: Data], diffSeq: [String: Int],
                        url: URL, digest: String, bundleID: String, verification: VerifyResult) throws -> UploadBundle {
        guard let order, let rawSteps = order["steps"]?.arrayValue else {
            throw UploadError.unsupportedPlan("plan/order.json is missing or malformed")
        }
        let plan: BundlePlan
        do { plan = try order.decode(BundlePlan.self) } catch {
            throw UploadError.unsupportedPlan("plan/order.json: \(error.localizedDescription)")
        }
        var steps: [UploadStep] = []
        var creators: [String: Int] = [:]
        for (i, s) in plan.steps.enumerated() {
            guard let type = resourceType(s.type) else {
                throw UploadError.unsupportedPlan("step \(s.id): unknown resource type \"\(s.type)\"")
            }
            var payload: JSONValue?
            var flow: FlowSource?
            if type == .flows, s.action != .delete || s.payload?.hasSuffix(".yaml") == true {
                // Published through the flow jobs API; the YAML is sent as approved, byte for byte.
                guard let p = s.payload, p.hasPrefix("flows/"), p.hasSuffix(".yaml"), let data = files[p] else {
                    throw UploadError.unsupportedPlan("step \(s.id): a flow step needs its flows/<name>.yaml member")
                }
                guard let yaml = String(data: data, encoding: .utf8) else {
                    throw UploadError.unsupportedPlan("step \(s.id): \(p) is not UTF-8 text")
                }
                do {
                    let header = try ArchyFlowHeader.parse(yaml)
                    flow = FlowSource(path: p, yaml: yaml, header: header)
                    payload = header.identity
                } catch {
                    throw UploadError.unsupportedPlan("step \(s.id): \(p): \(error.localizedDescription)")
                }
            } else if let p = s.payload {
                guard let value = payloads[p] else { throw UploadError.unsupportedPlan("step \(s.id): payload \(p) missing") }
                do { payload = try normalise(value) } catch {
                    throw UploadError.unsupportedPlan("step \(s.id): payload \(p): \(error.localizedDescription)")
                }
            }
            let deferred = rawSteps.indices.contains(i)
                ? (rawSteps[i]["deferred_fields"]?.arrayValue?.compactMap(\.stringValue) ?? []) : []
            var step = UploadStep(index: i, id: s.id, type: type, key: s.key, action: s.action, phase: s.phase,
                                  dependsOn: s.dependsOn, payload: payload, deferredFields: deferred,
                                  idempotencyKey: SHA256Digest.hex("\(digest)\n\(s.id)"), diffSequence: nil,
                                  parent: nil, body: payload, flow: flow)
            step.diffSequence = diffSeq[step.refKey]
            if type.spec.parent != nil {
                guard let payload, let parentText = payload["parent"]?.stringValue, let body = payload["body"] else {
                    throw UploadError.unsupportedPlan("step \(s.id): a \(type.rawValue) payload must be {\"parent\": \"@ref:…\", \"body\": …}")
                }
                do { step.parent = try canonical(LogicalRef(parsing: parentText)) } catch {
                    throw UploadError.unsupportedPlan("step \(s.id): parent: \(error.localizedDescription)")
                }
                step.body = body
            }
            if s.action == .create, type.spec.create == nil, type != .flows {
                throw UploadError.unsupportedPlan("step \(s.id): \(type.rawValue) cannot be created (lookup-only type; refer to it with @ext:)")
            }
            if s.action == .create, creators[step.refKey] == nil { creators[step.refKey] = i }
            steps.append(step)
        }
        // Fields that refer to objects made in the same or a later phase cannot be sent with the
        // create; they are deferred to the patch step that the plan carries for the cycle.
        let phaseOf = Dictionary(steps.map { ($0.refKey, $0.phase) }, uniquingKeysWith: { a, _ in a })
        let patched = Set(steps.filter { $0.action == .patch }.map(\.refKey))
        for i in steps.indices where steps[i].action == .create && !steps[i].isChild && patched.contains(steps[i].refKey) {
            guard case .object(var o) = steps[i].body else { continue }
            var deferred = Set(steps[i].deferredFields)
            for (field, value) in o {
                let refs = (try? LogicalRefs.all(in: value)) ?? []
                if refs.contains(where: { $0.kind == .bundle && (phaseOf["\($0.type)/\($0.key)"] ?? 0) >= steps[i].phase }) {
                    deferred.insert(field)
                }
            }
            for f in deferred { o.removeValue(forKey: f) }
            steps[i].deferredFields = deferred.sorted()
            steps[i].body = .object(o)
        }
        // Every @ref must name a create step of the bundle.
        for s in steps {
            let refs = ((try? s.payload.map { try LogicalRefs.all(in: $0) }) ?? nil) ?? []
            for r in refs where r.kind == .bundle && creators["\(r.type)/\(r.key)"] == nil {
                throw UploadError.unsupportedPlan("step \(s.id): \(r.text) names no create step of the bundle")
            }
        }
        return UploadBundle(url: url, digest: digest, bundleID: bundleID, verification: verification, steps: steps,
                            creators: creators)
    }

    /// `{"$ref": "skill/billing"}` (bundle-spec.md section 8) becomes `{"id": "@ref:routing-skills/billing"}`;
    /// `@ref:`/`@ext:` strings get canonical type names.
    static func normalise(_ v: JSONValue) throws -> JSONValue {
        switch v {
        case .object(let o):
            if o.count == 1, let r = o["$ref"]?.stringValue {
                let parts = r.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw UploadError.unsupportedPlan("bad $ref \"\(r)\"") }
                let t = resourceType(parts[0])?.rawValue ?? parts[0]
                return ["id": .string("@ref:\(t)/\(parts[1])")]
            }
            return .object(try o.mapValues(normalise))
        case .array(let a):
            return .array(try a.map(normalise))
        case .string(let s) where LogicalRef.looksLikeRef(s):
            return .string(try canonical(LogicalRef(parsing: s)).text)
        default:
            return v
        }
    }

    static func canonical(_ r: LogicalRef) throws -> LogicalRef {
        guard let t = resourceType(r.type) else { return r }
        return try LogicalRef(r.kind, type: t.rawValue, key: r.key)
    }
}
