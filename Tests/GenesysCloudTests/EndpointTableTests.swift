import Common
import Foundation
import Testing
@testable import GenesysCloud

/// The catalogue and the payload types against Genesys's SDK (the generated endpoint table and
/// contract): every endpoint the product calls exists, bodies use the model the SDK gives the
/// endpoint, list filters are declared query parameters.
@Suite struct EndpointTableTests {
    static let table = APIEndpoints.shipped

    static func operation(_ ep: Endpoint) -> APIEndpoints.Operation? { table.operation(ep.method.rawValue, ep.path) }

    @Test(arguments: ResourceType.allCases)
    func everyCatalogueEndpointIsAnSDKOperation(type: ResourceType) {
        let spec = type.spec
        for ep in [spec.create, spec.read, spec.update?.endpoint, spec.delete].compactMap({ $0 }) {
            #expect(Self.operation(ep) != nil, "\(type.rawValue): \(ep) is not an operation of the SDK")
        }
    }

    @Test(arguments: ResourceType.allCases)
    func bodiesUseTheModelTheSDKGivesTheEndpoint(type: ResourceType) {
        let spec = type.spec
        if let ep = spec.create, let op = Self.operation(ep) {
            #expect(op.elementModel == spec.model, "\(type.rawValue): \(ep) takes \(op.bodyModel ?? "no body"), the catalogue says \(spec.model ?? "none")")
            #expect(op.isBulk == spec.bodyIsArray, "\(type.rawValue): \(ep) bulk body")
        }
        if let u = spec.update, let op = Self.operation(u.endpoint) {
            #expect(op.elementModel == u.model, "\(type.rawValue): \(u.endpoint) takes \(op.bodyModel ?? "no body"), the catalogue says \(u.model ?? "none")")
        }
    }

    @Test(arguments: ResourceType.allCases)
    func lookupsUseDeclaredQueryParameters(type: ResourceType) {
        switch type.spec.lookup {
        case .listFilter(let path, let parameter, _):
            let op = Self.table.operation("GET", path)
            #expect(op?.query.contains(parameter) == true, "\(type.rawValue): GET \(path) does not declare \(parameter)")
        case .scan(let path, _), .membership(let path):
            #expect(Self.table.operation("GET", path) != nil, "\(type.rawValue): GET \(path)")
        case .search(let path, _):
            #expect(Self.table.operation("POST", path) != nil, "\(type.rawValue): POST \(path)")
        case .singleton, .none:
            break
        }
    }

    @Test func payloadTypesNameTheirEndpointModels() {
        #expect(RoutingSkillPayload.contractModel == Self.table.operation("POST", "/api/v2/routing/skills")?.bodyModel)
        #expect(Self.table.operation("POST", "/api/v2/routing/queues/{queueId}/wrapupcodes")?.bodyModel == "list[WrapUpCodeReference]")
        #expect(ResourceType.queueWrapupCodes.spec.model == "WrapUpCodeReference")
        // Each sample's model is the one its type's create takes (QueueMember is the ring PATCH).
        for s in Sample.all where s.type != .queueMembers {
            #expect(s.model == s.type.spec.model, "\(s.type.rawValue): \(s.model) vs \(s.type.spec.model ?? "none")")
        }
    }

    @Test func readOnlyFieldsComeFromTheDotNetSDK() {
        let c = Contract.shipped
        #expect(c.models["VoicemailUserPolicy"]?["enabled"]?.readOnly == true)
        #expect(c.models["Phone"]?["id"]?.readOnly == true)
        #expect(c.models["Phone"]?["name"]?.readOnly == false)
        let v = ContractValidator().validate(["enabled": true, "alertTimeoutSeconds": 20], as: "VoicemailUserPolicy")
        #expect(v.map(\.rule) == [.readOnly] && v.first?.path == "enabled")
        // Bulk bodies validate element by element.
        let bulk = ContractValidator().validate([["id": "a"], ["id": 3]], type: .list(.model("WrapUpCodeReference")))
        #expect(bulk.map(\.path) == ["[1].id"])
    }

    @Test func pathsAreCompact() {
        // The full method+path list stays small enough not to matter for build time.
        #expect(EndpointData.routes.utf8.count < 40_000)
        #expect(EndpointData.operations.utf8.count < 30_000)
    }
}
