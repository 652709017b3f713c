import Common
import Testing
@testable import Migration

@Suite struct PlannerTests {
    @Test func parentsBeforeChildrenWithPhases() {
        let plan = Planner.plan([
            PlannedResource(type: "users", key: "ada", payload: ["name": "Ada", "divisionId": "@ref:divisions/t2"]),
            PlannedResource(type: "divisions", key: "t2", payload: ["name": "Tenant 2"]),
            PlannedResource(type: "queues", key: "sales", payload: ["name": "Sales", "division": ["id": "@ref:divisions/t2"]]),
            PlannedResource(type: "queue-members", key: "sales.ada",
                            payload: ["queue": "@ref:queues/sales", "user": "@ref:users/ada"]),
        ])
        let phase = Dictionary(plan.steps.map { ($0.resource, $0.phase) }, uniquingKeysWith: { a, _ in a })
        #expect(phase["divisions/t2"] == 0)
        #expect(phase["users/ada"] == 1 && phase["queues/sales"] == 1)
        #expect(phase["queue-members/sales.ada"] == 2)
        #expect(plan.steps.first { $0.resource == "queue-members/sales.ada" }?.dependsOn == ["create:queues/sales", "create:users/ada"])
        #expect(plan.unresolved.isEmpty)
        #expect(plan.brokenCycles.isEmpty)
        // Property: every dependency is in an earlier phase.
        let byId = Dictionary(plan.steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for s in plan.steps { for d in s.dependsOn { #expect((byId[d]?.phase ?? 99) < s.phase) } }
    }

    @Test func mutualReferencesBecomeCreateThenPatch() throws {
        let plan = Planner.plan([
            PlannedResource(type: "queues", key: "a", payload: ["name": "A", "overflow": ["id": "@ref:queues/b"]]),
            PlannedResource(type: "queues", key: "b", payload: ["name": "B", "overflow": ["id": "@ref:queues/a"]]),
        ])
        #expect(plan.brokenCycles == [["queues/a", "queues/b"]])
        let createA = try #require(plan.steps.first { $0.id == "create:queues/a" })
        let patchA = try #require(plan.steps.first { $0.id == "patch:queues/a" })
        #expect(createA.payload["overflow"] == nil)
        #expect(createA.deferredFields == ["overflow"])
        #expect(patchA.payload["overflow"] != nil)
        #expect(patchA.phase > (plan.steps.first { $0.id == "create:queues/b" }?.phase ?? 99))
        let byId = Dictionary(plan.steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for s in plan.steps { for d in s.dependsOn { #expect((byId[d]?.phase ?? 99) < s.phase, "\(s.id) needs \(d)") } }
    }

    @Test func danglingReferenceIsReported() {
        let plan = Planner.plan([PlannedResource(type: "users", key: "x", payload: ["divisionId": "@ref:divisions/nope"])])
        #expect(plan.unresolved.map(\.1) == ["divisions/nope"])
    }

    @Test func deterministicRegardlessOfInputOrder() {
        let rs = (0..<30).map { i in
            PlannedResource(type: "users", key: "u\(i)", payload: ["name": .string("U\(i)"), "manager": i > 0 ? .string("@ref:users/u\(i / 2)") : .null])
        }
        let a = Planner.plan(rs).steps, b = Planner.plan(rs.reversed()).steps
        #expect(a == b)
    }
}
