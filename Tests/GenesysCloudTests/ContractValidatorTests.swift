import Common
import Testing
@testable import GenesysCloud

@Suite struct ContractValidatorTests {
    let v = ContractValidator()

    @Test func shippedContractLoadsTheModelsTheBundleWrites() {
        for m in ["CreateUser", "CreateQueueRequest", "GroupCreate", "IVR", "Schedule", "ScheduleGroup",
                  "ExtensionPool", "DIDPool", "Phone", "PhoneBase", "UserRoutingSkillPost", "WrapupCodeRequest",
                  "RoutingSkill", "OrganizationPresenceDefinition", "CallForwarding", "Prompt"] {
            #expect(Contract.shipped.models[m] != nil, "missing model \(m)")
        }
        #expect(Contract.shipped.models["CreateUser"]?["email"]?.required == true)
    }

    @Test func everyReferencedModelExists() {
        func models(in t: Contract.FieldType) -> [String] {
            switch t {
            case .list(let e), .map(let e): return models(in: e)
            case .model(let m): return [m]
            default: return []
            }
        }
        var missing: Set<String> = []
        for (_, fields) in Contract.shipped.models {
            for f in fields.values { for m in models(in: f.type) where Contract.shipped.models[m] == nil { missing.insert(m) } }
        }
        #expect(missing.isEmpty, "contract references undefined models: \(missing.sorted())")
    }

    @Test func validUserPasses() {
        let user: JSONValue = ["name": "Ada Lovelace", "email": "ada@example.com", "divisionId": "@ref:division/home",
                               "addresses": [["address": "+441632960001", "mediaType": "PHONE", "type": "WORK"]]]
        #expect(v.validate(user, as: "CreateUser") == [])
    }

    @Test func missingRequiredFieldIsNamed() {
        let user: JSONValue = ["name": "Ada", "divisionId": "x"]
        let out = v.validate(user, as: "CreateUser")
        #expect(out.map(\.path) == ["email"])
        #expect(out.first?.rule == .requiredMissing)
    }

    @Test func enumTypeUnknownFieldAndNestedPaths() {
        let user: JSONValue = ["name": "Ada", "email": "a@b.co", "divisionId": "x", "state": "sleeping", "shoeSize": 9,
                               "addresses": [["type": "WORK", "mediaType": 7]]]
        let rules = Dictionary(grouping: v.validate(user, as: "CreateUser"), by: \.path)
        #expect(rules["state"]?.first?.rule == .notInEnum)
        #expect(rules["shoeSize"]?.first?.rule == .unknownField)
        #expect(rules["addresses[0].mediaType"]?.first?.rule == .wrongType)
    }

    @Test(arguments: [(-0.5, false), (0.0, true), (2.5, true), (5.0, true), (5.01, false)])
    func proficiencyRange(p: Double, ok: Bool) {
        let skill: JSONValue = ["id": "@ref:skill/sales", "proficiency": .double(p)]
        #expect(v.validate(skill, as: "UserRoutingSkillPost").isEmpty == ok)
    }

    @Test(arguments: [("+12025550123", true), ("+4930123456", true), ("2025550123", false), ("+0123456789", false),
                      ("+1202555012345678", false), ("+1-202-555-0123", false)])
    func e164(number: String, ok: Bool) {
        #expect(E164.isValid(number) == ok)
        let pool: JSONValue = ["name": "p", "startPhoneNumber": .string(number), "endPhoneNumber": "+12025550199"]
        #expect(v.validate(pool, as: "DIDPool").isEmpty == ok)
    }

    @Test func scheduleTimesAreLocalWithoutZone() {
        let ok: JSONValue = ["name": "Christmas", "start": "2026-12-25T00:00:00.000", "end": "2026-12-26T00:00:00.000"]
        let zoned: JSONValue = ["name": "Christmas", "start": "2026-12-25T00:00:00Z", "end": "2026-12-26T00:00:00.000"]
        #expect(v.validate(ok, as: "Schedule").isEmpty)
        #expect(v.validate(zoned, as: "Schedule").map(\.path) == ["start"])
    }

    @Test func oversizedPayloadIsRejected() {
        let big: JSONValue = ["name": .string(String(repeating: "x", count: 600_000))]
        #expect(v.validate(big, as: "RoutingSkill").contains { $0.rule == .size })
    }

    @Test func unknownModelIsAViolationNotACrash() {
        #expect(v.validate(["a": 1], as: "NoSuchModel").first?.rule == .unknownModel)
    }
}
