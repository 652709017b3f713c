import Common
import Foundation
import Testing
@testable import GenesysCloud

@Suite struct LogicalRefTests {
    @Test func parseAndFormat() throws {
        let r = try LogicalRef(parsing: "@ref:divisions/tenant-2")
        #expect(r.kind == .bundle && r.type == "divisions" && r.key == "tenant-2" && r.resourceType == .divisions)
        #expect(r.text == "@ref:divisions/tenant-2")
        let e = try LogicalRef(parsing: "@ext:sites/London HQ/2")
        #expect(e.kind == .external && e.type == "sites" && e.key == "London HQ/2")
        #expect(try LogicalRef.bundle(.routingSkills, "sales.en").text == "@ref:routing-skills/sales.en")
        #expect(try JSONValue.from(r) == "@ref:divisions/tenant-2")
    }

    @Test(arguments: ["@ref:users/JDoe", "@ref:users/j doe", "@ref:users/", "@ref:users", "@ref:Users/x", "@ref:/x",
                      "@ext:sites/ London", "@ext:sites/", "ref:users/x", "@ref:users/ü"])
    func invalid(text: String) {
        #expect(throws: LogicalRefError.self) { try LogicalRef(parsing: text) }
    }

    @Test func makeKeyNormalises() {
        #expect(LogicalRef.makeKey("Sales Queue #1 (EMEA)") == "sales-queue-1-emea")
        #expect(LogicalRef.makeKey("j.doe_2") == "j.doe_2")
    }

    static let payload: JSONValue = [
        "name": "Sales", "division": ["id": "@ref:divisions/home"],
        "bullseye": ["rings": [["actions": ["skillsToRemove": [["id": "@ref:routing-skills/sales"]]]]]],
        "queueFlow": ["id": "@ext:flows/Main Queue Flow"],
        "memberGroups": [["id": "@ref:groups/g1", "type": "GROUP"], ["id": "@ref:divisions/home"]],
    ]

    @Test func listsAllReferences() throws {
        let refs = try LogicalRefs.all(in: Self.payload)
        #expect(refs.map(\.text) == ["@ext:flows/Main Queue Flow", "@ref:divisions/home", "@ref:groups/g1",
                                     "@ref:routing-skills/sales"])
        let paths = try LogicalRefs.occurrences(in: Self.payload).map(\.path)
        #expect(paths.contains("bullseye.rings[0].actions.skillsToRemove[0].id"))
        #expect(throws: LogicalRefError.self) { try LogicalRefs.all(in: ["x": "@ref:BAD"]) }
    }

    @Test func resolvesThroughTheClosureOncePerRef() async throws {
        let calls = Counter()
        let out = try await LogicalRefs.resolve(Self.payload) { ref in
            _ = calls.next()
            return "id-\(ref.type)-\(ref.key.replacingOccurrences(of: " ", with: "_"))"
        }
        #expect(calls.value == 4)
        #expect(out["division"]?["id"] == "id-divisions-home")
        #expect(out["memberGroups"]?.arrayValue?[1]["id"] == "id-divisions-home")
        #expect(out["queueFlow"]?["id"] == "id-flows-Main_Queue_Flow")
        #expect(try LogicalRefs.all(in: out).isEmpty)
        #expect(out["name"] == "Sales")
    }

    @Test func unresolvedFailsNamingRefAndPath() async throws {
        struct Missing: Error {}
        do {
            _ = try await LogicalRefs.resolve(["a": ["b": "@ref:users/nobody"]]) { _ in throw Missing() }
            Issue.record("expected failure")
        } catch let LogicalRefError.unresolved(ref, path, _) {
            #expect(ref.text == "@ref:users/nobody" && path == "a.b")
        }
        #expect(throws: LogicalRefError.self) { try LogicalRefs.resolve(["x": "@ref:users/a"], table: [:]) }
        let ok = try LogicalRefs.resolve(["x": "@ref:users/a"], table: [try LogicalRef(parsing: "@ref:users/a"): "g-1"])
        #expect(ok == ["x": "g-1"])
    }
}

@Suite struct CatalogueTests {
    @Test func everyTypeHasAConsistentSpec() throws {
        for t in ResourceType.allCases {
            let s = t.spec
            #expect(s.type == t)
            if let m = s.model { #expect(Contract.shipped.models[m] != nil, "\(t): model \(m) not in the contract") }
            if let m = s.update?.model { #expect(Contract.shipped.models[m] != nil, "\(t): update model \(m)") }
            for ep in [s.create, s.read, s.delete, s.update?.endpoint].compactMap({ $0 }) {
                #expect(ep.path.hasPrefix("/api/v2/"))
                #expect(ep.path.contains("{parentId}") == (s.parent != nil) || ep.path.hasPrefix("/api/v2/stations"),
                        "\(t): \(ep) vs parent \(String(describing: s.parent))")
            }
            if let p = s.parent { #expect(p < t, "\(t) must come after its parent \(p)") }
            _ = try LogicalRef.bundle(t, "k")
        }
    }

    @Test func batchLimitsAndDuplicates() {
        #expect(ResourceType.queueMembers.spec.batchLimit == 100)
        #expect(ResourceType.groupMembers.spec.batchLimit == 50)
        #expect(ResourceType.userRoutingSkills.spec.batchLimit == 50)
        let dupName = GenesysAPIError(status: 400, code: "duplicate.name")
        #expect(ResourceType.wrapupCodes.spec.isDuplicate(dupName))
        // Verified signature: only that one counts.
        #expect(!ResourceType.routingSkills.spec.isDuplicate(dupName))
        #expect(ResourceType.routingSkills.spec.isDuplicate(GenesysAPIError(status: 409, code: "general.conflict")))
        // Unverified: tolerant.
        #expect(ResourceType.groups.spec.isDuplicate(GenesysAPIError(status: 409, code: "something.else")))
        #expect(ResourceType.groups.spec.isDuplicate(GenesysAPIError(status: 400, code: "duplicate.value")))
        #expect(!ResourceType.groups.spec.isDuplicate(GenesysAPIError(status: 400, code: "bad.request")))
        var cat = ResourceCatalogue.standard
        cat[.groups].duplicates = [.init(status: 400, code: "group.name.exists", verified: true)]
        #expect(!cat[.groups].isDuplicate(GenesysAPIError(status: 409, code: "x")))
    }

    @Test func endpointsFillPlaceholders() throws {
        let ep = try #require(ResourceType.userRoutingSkills.spec.create)
        #expect(try ep.path(parentId: "u 1") == "/api/v2/users/u%201/routingskills/bulk")
        #expect(throws: GenesysClientError.self) { try ep.path() }
    }
}
