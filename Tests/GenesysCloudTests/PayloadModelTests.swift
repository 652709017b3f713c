import Common
import Foundation
import Testing
@testable import GenesysCloud

/// One sample per payload type, as the transform would write it (references, not ids).
struct Sample: Sendable, CustomTestStringConvertible {
    var type: ResourceType
    var model: String
    var json: JSONValue
    var testDescription: String { "\(type.rawValue) (\(model))" }

    init<P: GenesysPayload>(_ type: ResourceType, _ p: P) {
        self.type = type
        self.model = P.contractModel
        // Samples are literals; a failure here is a test-writing error.
        self.json = (try? p.json()) ?? .null
    }

    static let all: [Sample] = [
        Sample(.divisions, DivisionPayload(name: "Tenant 2")),
        Sample(.routingSkills, RoutingSkillPayload(name: "Sales")),
        Sample(.routingLanguages, RoutingLanguagePayload(name: "French")),
        Sample(.wrapupCodes, WrapupCodePayload(name: "Sale made", division: "@ref:divisions/tenant-2")),
        Sample(.presenceDefinitions, PresenceDefinitionPayload(languageLabels: ["en_US": "Lunch"], systemPresence: .meal)),
        Sample(.users, UserPayload(name: "Ada Lovelace", email: "ada@example.com", divisionId: "@ext:divisions/Home",
                                   title: "Agent",
                                   addresses: [UserContact(extension: "4711"),
                                               UserContact(address: "+441632960001", type: .mobile)])),
        Sample(.userUpdates, UserUpdatePayload(manager: "@ref:users/boss", acdAutoAnswer: true, profileSkills: ["French"])),
        Sample(.userRoutingSkills, UserRoutingSkillPayload(id: "@ref:routing-skills/sales", proficiency: 3)),
        Sample(.callForwarding, CallForwardingPayload(enabled: true, calls: [.init(targets: [.init(type: .phoneNumber, value: "+441632960002")])],
                                                      voicemail: .purecloud)),
        Sample(.voicemailPolicies, VoicemailUserPolicyPayload(alertTimeoutSeconds: 25)),
        Sample(.extensionPools, ExtensionPoolPayload(name: "4000-4999", startNumber: "4000", endNumber: "4999")),
        Sample(.didPools, DIDPoolPayload(name: "London", startPhoneNumber: "+441632960000", endPhoneNumber: "+441632960999",
                                         provider: .pureCloudVoice)),
        Sample(.phoneBaseSettings, PhoneBaseSettingsPayload(
            name: "WebRTC", phoneMetaBase: "inin_webrtc_softphone.json",
            lines: [LineBasePayload(name: "line", lineMetaBase: "webrtc_line.json")],
            properties: ["phone_label": ["value": ["instance": "WebRTC"]]])),
        Sample(.phones, PhonePayload(name: "Ada's phone", site: "@ext:sites/London", phoneBaseSettings: "@ref:phone-base-settings/webrtc",
                                     lines: [PhoneLinePayload(name: "line-1", lineBaseSettings: "@ref:phone-base-settings/webrtc")],
                                     webRtcUser: "@ref:users/ada")),
        Sample(.queues, QueuePayload(
            name: "Sales", division: "@ref:divisions/tenant-2",
            mediaSettings: QueueMediaSettings(call: MediaSettings(alertingTimeoutSeconds: 8, serviceLevel: ServiceLevel(percentage: 0.8, durationMs: 20_000))),
            acwSettings: AcwSettings(wrapupPrompt: .mandatoryTimeout, timeoutMs: 30_000),
            skillEvaluationMethod: .best,
            bullseye: Bullseye(rings: [
                BullseyeRing(expansionCriteria: [.init(timeoutSeconds: 15)],
                             actions: .init(skillsToRemove: ["@ref:routing-skills/sales"])),
                BullseyeRing(),
            ]),
            memberGroups: [MemberGroup(id: "@ref:groups/sales-team", type: .group)],
            queueFlow: "@ext:flows/Sales In-Queue", onHoldPrompt: "@ref:prompts/hold-music")),
        Sample(.queueMembers, QueueMemberPayload(id: "@ref:users/ada", ringNumber: 2)),
        Sample(.queueMemberRings, QueueMemberPayload(id: "@ref:users/ada", ringNumber: 3)),
        Sample(.groups, GroupPayload(name: "Hunt group 12", description: "from CM hunt group 12",
                                     addresses: [GroupContact(address: "+441632960100", extension: "3012", type: .groupRing)],
                                     ownerIds: ["@ref:users/boss"])),
        Sample(.groupMembers, GroupMembersPayload(memberIds: ["@ref:users/ada", "@ref:users/bob"])),
        Sample(.groupRingPolicies, GroupRingPolicyPayload(enabled: true, groupAlertType: .sequential, rotateCallsSecs: 15,
                                                          stopRingingAfterRotations: 2, overflowGroupId: "@ref:groups/overflow")),
        Sample(.schedules, SchedulePayload(name: "Weekdays", start: "2026-01-05T08:00:00.000", end: "2026-01-05T18:00:00.000",
                                           rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")),
        Sample(.scheduleGroups, ScheduleGroupPayload(name: "Office hours", timeZone: "Europe/London",
                                                     openSchedules: ["@ref:schedules/weekdays"], holidaySchedules: ["@ref:schedules/christmas"])),
        Sample(.ivrs, IVRPayload(name: "Main number", dnis: ["+441632960500"], openHoursFlow: "@ext:flows/Main",
                                 closedHoursFlow: "@ext:flows/Closed", scheduleGroup: "@ref:schedule-groups/office-hours")),
        Sample(.prompts, PromptPayload(name: "hold_music", description: "CM announcement 12")),
    ]
}

@Suite struct PayloadModelTests {
    @Test(arguments: Sample.all)
    func sampleSatisfiesTheContract(sample: Sample) {
        #expect(sample.json != .null)
        let spec = sample.type.spec
        if spec.fieldsAddedAtSend.isEmpty {
            #expect(ContractValidator().validate(sample.json, as: sample.model) == [])
        }
        // The catalogue validates the same body, filling the fields the uploader adds at send time.
        if spec.model == sample.model {
            #expect(spec.validate(spec.bodyIsArray ? .array([sample.json]) : sample.json) == [])
        }
        #expect(!sample.json.canonicalText().contains("null"), "nil fields must be omitted")
    }

    @Test func everyCreatableTypeHasASample() {
        let covered = Set(Sample.all.map(\.type))
        let creatable = ResourceType.allCases.filter { $0.spec.create != nil && $0.spec.model != nil && $0 != .queueWrapupCodes }
        #expect(Set(creatable).subtracting(covered).isEmpty, "no sample for \(Set(creatable).subtracting(covered))")
    }

    /// Property: taking away any required field (at any depth the sample reaches) is reported as
    /// exactly that missing field.
    @Test(arguments: Sample.all)
    func removingARequiredFieldFails(sample: Sample) {
        let v = ContractValidator()
        for (path, stripped) in Self.withoutEachRequiredField(sample.json, model: sample.model, path: "") {
            let out = v.validate(stripped, as: sample.model)
            #expect(out.contains { $0.rule == .requiredMissing && $0.path == path }, "\(sample.model): removing \(path) went unnoticed")
        }
    }

    @Test func requiredFieldsAreExercised() {
        // The property above is not vacuous: the samples hold required fields at several depths.
        let paths = Sample.all.flatMap { s in Self.withoutEachRequiredField(s.json, model: s.model, path: "").map(\.0) }
        #expect(paths.contains("email") && paths.contains("lines[0].name") && paths.contains("addresses[0].type")
                && paths.contains("phoneBaseSettings.id") && paths.contains("languageLabels"))
    }

    /// Every variant of `value` with one required field (per the contract) removed, with its path.
    static func withoutEachRequiredField(_ value: JSONValue, model: String, path: String) -> [(String, JSONValue)] {
        guard case .object(let o) = value, let fields = Contract.shipped.models[model] else { return [] }
        var out: [(String, JSONValue)] = []
        for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
            guard let child = o[name] else { continue }
            let p = path.isEmpty ? name : "\(path).\(name)"
            if field.required {
                var copy = o
                copy[name] = nil
                out.append((p, .object(copy)))
            }
            switch (field.type, child) {
            case (.model(let m), _):
                for (cp, cv) in withoutEachRequiredField(child, model: m, path: p) {
                    var copy = o; copy[name] = cv; out.append((cp, .object(copy)))
                }
            case (.list(.model(let m)), .array(let items)) where !items.isEmpty:
                for (cp, cv) in withoutEachRequiredField(items[0], model: m, path: "\(p)[0]") {
                    var copy = o; var arr = items; arr[0] = cv; copy[name] = .array(arr); out.append((cp, .object(copy)))
                }
            default: break
            }
        }
        return out
    }

    @Test func encodingUsesContractNamesAndOmitsNil() throws {
        let q = try QueuePayload(name: "Q", acwSettings: AcwSettings(wrapupPrompt: .agentRequested)).json()
        #expect(q == ["name": "Q", "acwSettings": ["wrapupPrompt": "AGENT_REQUESTED"]])
        let g = try GroupPayload(name: "G").json()
        #expect(g == ["name": "G", "type": "official", "rulesVisible": true, "visibility": "public"])
        let c = try UserContact(extension: "4711").json()
        #expect(c == ["extension": "4711", "mediaType": "PHONE", "type": "WORK"])
        let child = ChildPayload(parent: try .bundle(.queues, "sales"), body: [EntityRef("@ref:users/ada")])
        #expect(try JSONValue.from(child) == ["parent": "@ref:queues/sales", "body": [["id": "@ref:users/ada"]]])
        #expect(try JSONValue.from(child).decode(ChildPayload<[EntityRef]>.self) == child)
    }

    @Test func constraintsStillBite() throws {
        let skill = try UserRoutingSkillPayload(id: "@ref:routing-skills/x", proficiency: 7).violations()
        #expect(skill.map(\.rule) == [.range])
        let pool = try DIDPoolPayload(name: "p", startPhoneNumber: "01632960000", endPhoneNumber: "+441632960999").violations()
        #expect(pool.map(\.path) == ["startPhoneNumber"])
    }

    @Test func payloadReferencesFeedTheDependencyPlan() throws {
        let queue = try #require(Sample.all.first { $0.type == .queues })
        let types = Set(try LogicalRefs.all(in: queue.json).compactMap(\.resourceType))
        #expect(types == [.divisions, .routingSkills, .groups, .flows, .prompts])
        #expect(types.allSatisfy { $0 < .queues || $0 == .flows || $0 == .prompts })
    }
}

extension UserContact {
    func json() throws -> JSONValue { try JSONValue.from(self) }
}
