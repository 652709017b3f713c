import BundleKit
import Common
import Foundation
import GenesysCloud
@testable import Upload

/// A fresh directory per test: Swift Testing runs tests in parallel in one process.
func makeTempDir(_ label: String = #function) throws -> URL {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// One payload and its plan step, for building test bundles.
struct Item {
    var type: String
    var key: String
    var json: JSONValue
    var phase: Int
    var action: PlanAction = .create
    var deps: [String] = []
    var id: String? = nil
    /// Archy YAML: the item is a flow member (`flows/<key>.yaml`) instead of a JSON payload.
    var yaml: String? = nil
    var stepID: String { id ?? "\(type)/\(key)\(action == .create ? "" : "#\(action.rawValue)")" }
}

/// Two approvers, trusted keys, and a way to write approved bundles.
struct Approvers {
    let dir: URL
    let trusted: URL
    let keys: [URL]

    init(in dir: URL) throws {
        self.dir = dir
        let keyDir = dir.appendingPathComponent("keys")
        trusted = dir.appendingPathComponent("trusted")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        var keys: [URL] = []
        for a in ["alice", "bob"] {
            let k = try ApproverKeys.generate(approver: a, name: nil, directory: keyDir)
            try FileManager.default.copyItem(at: k.publicKeyFile, to: trusted.appendingPathComponent("\(a).pub"))
            keys.append(k.privateKeyFile)
        }
        self.keys = keys
    }

    var policy: VerificationPolicy { VerificationPolicy(trustedKeys: trusted, requiredApprovals: 2) }

    func approve(_ bundle: URL, count: Int = 2) throws {
        for k in keys.prefix(count) { _ = try Approvals.approve(bundleAt: bundle, keyFile: k, comment: "ok") }
    }
}

enum Bundles {
    /// Writes a bundle of `items` (steps in the given order).
    static func write(_ items: [Item], to url: URL) throws {
        var b = BundleBuilder(BundleInputs(sourceFingerprint: SHA256Digest.hex("upload tests"), mappingConfigDigest: SHA256Digest.hex("m"),
                                           targetAPIModel: "genesys-cloud-api-v2", created: 1_704_067_200, toolVersion: "0.1.0"))
        var added = Set<String>()
        for i in items where added.insert("\(i.type)/\(i.key)").inserted {
            if let yaml = i.yaml { try b.addFlow(name: i.key, yaml: yaml) } else { try b.addPayload(type: i.type, key: i.key, json: i.json) }
        }
        b.setPlan(items.map {
            PlanStep(id: $0.stepID, type: $0.type, key: $0.key, action: $0.action, dependsOn: $0.deps, phase: $0.phase,
                     payload: $0.yaml != nil ? BundleFormat.flowPath(name: $0.key) : BundleFormat.payloadPath(type: $0.type, key: $0.key))
        })
        for i in items where i.action == .create {
            try b.addDiffRecord(DiffRecord(type: i.type, key: i.key, action: .create, source: "test"))
        }
        try b.write(to: url)
    }

    /// The Done-when sample: divisions, skills, users, groups, queues, queue members, group
    /// members, user routing skills; @ref and @ext references; a create/patch cycle (managers).
    static func sample(suffix: String = "") -> [Item] {
        let s = suffix
        func user(_ k: String, _ name: String, division: String, manager: String? = nil) -> JSONValue {
            var o: [String: JSONValue] = ["name": .string(name), "email": .string("\(k)\(s)@example.com"), "divisionId": .string(division),
                                          "title": "Agent"]
            if let manager { o["manager"] = .string(manager) }
            return .object(o)
        }
        return [
            Item(type: "divisions", key: "tenant-a", json: ["name": .string("Tenant A\(s)"), "description": ""], phase: 1),
            Item(type: "routing-skills", key: "billing", json: ["name": .string("Billing\(s)")], phase: 1),
            Item(type: "routing-skills", key: "support", json: ["name": .string("Support\(s)")], phase: 1),
            Item(type: "users", key: "alice", json: user("alice", "Alice", division: "@ref:divisions/tenant-a", manager: "@ref:users/bob"),
                 phase: 2, deps: ["divisions/tenant-a"]),
            Item(type: "users", key: "bob", json: user("bob", "Bob", division: "@ref:divisions/tenant-a", manager: "@ref:users/alice"),
                 phase: 2, deps: ["divisions/tenant-a"]),
            Item(type: "users", key: "carol", json: user("carol", "Carol", division: "@ext:divisions/Home"), phase: 2),
            Item(type: "groups", key: "tier1", json: ["name": .string("Tier 1\(s)"), "type": "official", "rulesVisible": true,
                                                       "visibility": "public"], phase: 2),
            Item(type: "queues", key: "sales",
                 json: ["name": .string("Sales\(s)"), "division": ["id": "@ref:divisions/tenant-a"], "skillEvaluationMethod": "ALL",
                        "bullseye": ["rings": [["actions": ["skillsToRemove": [["id": "@ref:routing-skills/billing"]]]]]]],
                 phase: 2, deps: ["divisions/tenant-a", "routing-skills/billing"]),
            Item(type: "queues", key: "support", json: ["name": .string("Support\(s)"), "description": "2nd line"], phase: 2),
            Item(type: "users", key: "alice", json: user("alice", "Alice", division: "@ref:divisions/tenant-a", manager: "@ref:users/bob"),
                 phase: 3, action: .patch, deps: ["users/alice", "users/bob"]),
            Item(type: "users", key: "bob", json: user("bob", "Bob", division: "@ref:divisions/tenant-a", manager: "@ref:users/alice"),
                 phase: 3, action: .patch, deps: ["users/alice", "users/bob"]),
            Item(type: "user-routing-skills", key: "alice-skills",
                 json: ["parent": "@ref:users/alice", "body": [["id": "@ref:routing-skills/billing", "proficiency": 3],
                                                               ["id": "@ref:routing-skills/support", "proficiency": 1.5]]],
                 phase: 3, deps: ["users/alice", "routing-skills/billing", "routing-skills/support"]),
            Item(type: "user-routing-skills", key: "carol-skills",
                 json: ["parent": "@ref:users/carol", "body": [["id": "@ref:routing-skills/support", "proficiency": 4]]],
                 phase: 3, deps: ["users/carol", "routing-skills/support"]),
            Item(type: "group-members", key: "tier1-members",
                 json: ["parent": "@ref:groups/tier1", "body": ["memberIds": ["@ref:users/alice", "@ref:users/carol"]]],
                 phase: 3, deps: ["groups/tier1", "users/alice", "users/carol"]),
            Item(type: "queue-members", key: "sales-members",
                 json: ["parent": "@ref:queues/sales", "body": [["id": "@ref:users/alice"], ["id": "@ref:users/bob"]]],
                 phase: 3, deps: ["queues/sales", "users/alice", "users/bob"]),
            Item(type: "queue-members", key: "support-carol",
                 json: ["parent": "@ref:queues/support", "body": [["id": "@ref:users/carol"]]],
                 phase: 3, deps: ["queues/support", "users/carol"]),
        ]
    }

    /// A generated bundle: `users` users with one skill each and membership in one of `queues` queues.
    /// Steps ≈ skills + users + queues + 2 × users (skills, membership per user).
    static func generated(users: Int, queues: Int, skills: Int) -> [Item] {
        var items: [Item] = []
        for k in 0..<skills { items.append(Item(type: "routing-skills", key: "s\(k)", json: ["name": .string("Skill \(k)")], phase: 1)) }
        for q in 0..<queues { items.append(Item(type: "queues", key: "q\(q)", json: ["name": .string("Queue \(q)"), "description": "generated"], phase: 1)) }
        for u in 0..<users {
            items.append(Item(type: "users", key: "u\(u)", json: ["name": .string("User \(u)"), "email": .string("u\(u)@example.com"),
                                                                  "divisionId": "@ext:divisions/Home"], phase: 1))
        }
        for u in 0..<users {
            let skill = "s\(u % max(1, skills))"
            items.append(Item(type: "user-routing-skills", key: "u\(u)-skills",
                              json: ["parent": .string("@ref:users/u\(u)"), "body": [["id": .string("@ref:routing-skills/\(skill)"), "proficiency": 2]]],
                              phase: 2, deps: ["users/u\(u)", "routing-skills/\(skill)"]))
            let q = "q\(u % max(1, queues))"
            items.append(Item(type: "queue-members", key: "u\(u)-member",
                              json: ["parent": .string("@ref:queues/\(q)"), "body": [["id": .string("@ref:users/u\(u)")]]],
                              phase: 2, deps: ["users/u\(u)", "queues/\(q)"]))
        }
        return items
    }
}

/// A test workspace: temp dir, approvers, an approved bundle, a fake org and connection options.
struct Workspace {
    let dir: URL
    let approvers: Approvers
    let bundle: URL
    let org: FakeOrg

    init(items: [Item] = Bundles.sample(), approve: Int = 2, org: FakeOrg? = nil, label: String = #function) throws {
        dir = try makeTempDir(label)
        approvers = try Approvers(in: dir)
        bundle = dir.appendingPathComponent("bundle.tar")
        try Bundles.write(items, to: bundle)
        try approvers.approve(bundle, count: approve)
        self.org = try org ?? FakeOrg()
        self.org.seed("divisions", ["name": "Home", "description": "home division"])
    }

    var connection: ConnectionOptions {
        var c = ConnectionOptions()
        c.baseURL = org.baseURL
        c.environment = [ConnectionOptions.clientIDVariable: org.clientID, ConnectionOptions.clientSecretVariable: org.clientSecret]
        c.randomSeed = 7
        c.requestsPerMinute = 60_000
        c.burst = 100
        return c
    }

    var options: RunOptions {
        var o = RunOptions()
        o.lookupRetryDelay = .milliseconds(50)
        return o
    }

    func apply(_ options: RunOptions? = nil, connection: ConnectionOptions? = nil) async throws -> ApplyReport {
        try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: connection ?? self.connection,
                                         options: options ?? self.options)
    }
}
