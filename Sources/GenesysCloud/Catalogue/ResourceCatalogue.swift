import Common
import Foundation

/// The table of `ResourceSpec`s. `standard` holds the facts from research/genesys-api.md §2–§6;
/// facts marked [verify] there (duplicate codes, some version rules) can be overridden by
/// configuration once observed on a live org: copy `standard`, change an entry, pass it on.
public struct ResourceCatalogue: Sendable {
    public private(set) var specs: [ResourceType: ResourceSpec]

    public subscript(type: ResourceType) -> ResourceSpec {
        get {
            // Every case has an entry (a test enforces it); the fallback keeps this total.
            specs[type] ?? ResourceSpec(type: type, model: nil, create: nil, read: nil, update: nil, delete: nil,
                                        lookup: .none, naturalKey: nil)
        }
        set { specs[type] = newValue }
    }

    public init(_ specs: [ResourceSpec]) {
        self.specs = Dictionary(specs.map { ($0.type, $0) }, uniquingKeysWith: { _, last in last })
    }

    public static let standard = ResourceCatalogue(standardSpecs)

    private static let v2 = "/api/v2"
    private static let edges = "/api/v2/telephony/providers/edges"

    private static func conflict(_ verified: Bool) -> DuplicateSignature {
        .init(status: 409, code: "general.conflict", verified: verified)
    }

    private static func duplicateName(_ verified: Bool) -> DuplicateSignature {
        .init(status: 400, code: "duplicate.name", verified: verified)
    }

    private static let standardSpecs: [ResourceSpec] = [
        // §2.3
        ResourceSpec(
            type: .divisions, model: "AuthzDivision",
            create: .init(.POST, "\(v2)/authorization/divisions"),
            read: .init(.GET, "\(v2)/authorization/divisions/{id}"),
            update: .init(.init(.PUT, "\(v2)/authorization/divisions/{id}"), model: "AuthzDivision", needsVersion: false, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/authorization/divisions/{id}"),
            lookup: .listFilter(path: "\(v2)/authorization/divisions", parameter: "name", field: "name"),
            naturalKey: "name",
            notes: ["description is required by the spec: send \"\" when there is none",
                    "the home division is never created: refer to it as @ext:divisions/<name>",
                    "duplicate behaviour undocumented [verify]"]),
        // §2.4
        ResourceSpec(
            type: .routingSkills, model: "CreateRoutingSkill",
            create: .init(.POST, "\(v2)/routing/skills"),
            read: .init(.GET, "\(v2)/routing/skills/{id}"),
            update: nil,
            delete: .init(.DELETE, "\(v2)/routing/skills/{id}"), softDelete: true,
            lookup: .listFilter(path: "\(v2)/routing/skills", parameter: "name", field: "name"),
            naturalKey: "name", duplicates: [conflict(true)],
            notes: ["the name filter is a prefix match; compare exactly and skip state \"deleted\""]),
        // §2.5
        ResourceSpec(
            type: .routingLanguages, model: "Language",
            create: .init(.POST, "\(v2)/routing/languages"),
            read: .init(.GET, "\(v2)/routing/languages/{id}"),
            update: nil,
            delete: .init(.DELETE, "\(v2)/routing/languages/{id}"), softDelete: true,
            lookup: .listFilter(path: "\(v2)/routing/languages", parameter: "name", field: "name"),
            naturalKey: "name", notes: ["duplicate behaviour undocumented [verify]"]),
        // §2.6
        ResourceSpec(
            type: .wrapupCodes, model: "WrapupCodeRequest",
            create: .init(.POST, "\(v2)/routing/wrapupcodes"),
            read: .init(.GET, "\(v2)/routing/wrapupcodes/{id}"),
            update: .init(.init(.PUT, "\(v2)/routing/wrapupcodes/{id}"), model: "WrapupCodeRequest", needsVersion: false, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/routing/wrapupcodes/{id}"),
            lookup: .listFilter(path: "\(v2)/routing/wrapupcodes", parameter: "name", field: "name"),
            naturalKey: "name", duplicates: [duplicateName(true)]),
        // §2.10
        ResourceSpec(
            type: .presenceDefinitions, model: "OrganizationPresenceDefinition",
            create: .init(.POST, "\(v2)/presence/definitions"),
            read: .init(.GET, "\(v2)/presence/definitions/{id}"),
            update: .init(.init(.PUT, "\(v2)/presence/definitions/{id}"), model: "OrganizationPresenceDefinition",
                          needsVersion: false, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/presence/definitions/{id}"), softDelete: true,
            lookup: .scan(path: "\(v2)/presence/definitions", field: "languageLabels.en_US"),
            naturalKey: "languageLabels.en_US",
            notes: ["only type User definitions are creatable; systemPresence cannot change after create",
                    "delete deactivates; the list is not paged by name: scan and compare the en_US label"]),
        // §2.17
        ResourceSpec(
            type: .extensionPools, model: "ExtensionPool",
            create: .init(.POST, "\(edges)/extensionpools"),
            read: .init(.GET, "\(edges)/extensionpools/{id}"),
            update: .init(.init(.PUT, "\(edges)/extensionpools/{id}"), model: "ExtensionPool", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(edges)/extensionpools/{id}"),
            lookup: .scan(path: "\(edges)/extensionpools", field: "startNumber"),
            naturalKey: "startNumber", duplicates: [conflict(false)],
            notes: ["overlapping ranges answer 409 general.conflict [verify]",
                    "a new pool needs a few seconds to activate before users get extensions in it"]),
        ResourceSpec(
            type: .didPools, model: "DIDPool",
            create: .init(.POST, "\(edges)/didpools"),
            read: .init(.GET, "\(edges)/didpools/{id}"),
            update: .init(.init(.PUT, "\(edges)/didpools/{id}"), model: "DIDPool", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(edges)/didpools/{id}"),
            lookup: .scan(path: "\(edges)/didpools", field: "startPhoneNumber"),
            naturalKey: "startPhoneNumber", duplicates: [conflict(false)],
            notes: ["compare numbers after E.164 normalisation"]),
        // §2.15
        ResourceSpec(
            type: .phoneBaseSettings, model: "PhoneBase",
            create: .init(.POST, "\(edges)/phonebasesettings"),
            read: .init(.GET, "\(edges)/phonebasesettings/{id}"),
            update: .init(.init(.PUT, "\(edges)/phonebasesettings/{id}"), model: "PhoneBase", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(edges)/phonebasesettings/{id}"),
            lookup: .listFilter(path: "\(edges)/phonebasesettings", parameter: "name", field: "name"),
            naturalKey: "name",
            notes: ["lines come from GET phonebasesettings/template?phoneMetabaseId=…"]),
        // §2.1
        ResourceSpec(
            type: .users, model: "CreateUser",
            create: .init(.POST, "\(v2)/users"),
            read: .init(.GET, "\(v2)/users/{id}"),
            update: .init(.init(.PATCH, "\(v2)/users/{id}"), model: "UpdateUser", needsVersion: true, replacesWhole: false),
            delete: .init(.DELETE, "\(v2)/users/{id}"), softDelete: true,
            lookup: .search(path: "\(v2)/users/search", field: "email"),
            naturalKey: "email", duplicates: [conflict(false)],
            notes: ["a soft-deleted user keeps its email: search with state deleted and restore by PATCH state active",
                    "manager, locations, acdAutoAnswer, profileSkills, certifications need the follow-up PATCH (user-updates)"]),
        ResourceSpec(
            type: .userUpdates, model: "UpdateUser",
            create: .init(.PATCH, "\(v2)/users/{parentId}"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/users/{parentId}"),
            update: nil, delete: nil,
            lookup: .singleton, naturalKey: nil, parent: .users, fieldsAddedAtSend: ["version"],
            notes: ["version: read the user just before the PATCH; 409 general.conflict on a stale one"]),
        // §2.2
        ResourceSpec(
            type: .userRoutingSkills, model: "UserRoutingSkillPost", bodyIsArray: true,
            create: .init(.PATCH, "\(v2)/users/{parentId}/routingskills/bulk"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/users/{parentId}/routingskills"),
            update: nil, delete: .init(.DELETE, "\(v2)/users/{parentId}/routingskills/{id}"),
            lookup: .membership(path: "\(v2)/users/{parentId}/routingskills"),
            naturalKey: "id", batchLimit: 50, parent: .users),
        // §2.18
        ResourceSpec(
            type: .callForwarding, model: "CallForwarding",
            create: .init(.PUT, "\(v2)/users/{parentId}/callforwarding"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/users/{parentId}/callforwarding"),
            update: nil, delete: nil, lookup: .singleton, naturalKey: nil, parent: .users,
            notes: ["409 callforwarding.* codes explain invalid target combinations"]),
        ResourceSpec(
            type: .voicemailPolicies, model: "VoicemailUserPolicy",
            create: .init(.PATCH, "\(v2)/voicemail/userpolicies/{parentId}"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/voicemail/userpolicies/{parentId}"),
            update: nil, delete: nil, lookup: .singleton, naturalKey: nil, parent: .users),
        // §2.9
        ResourceSpec(
            type: .groups, model: "GroupCreate",
            create: .init(.POST, "\(v2)/groups"),
            read: .init(.GET, "\(v2)/groups/{id}"),
            update: .init(.init(.PUT, "\(v2)/groups/{id}"), model: "GroupUpdate", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/groups/{id}"),
            lookup: .search(path: "\(v2)/groups/search", field: "name"),
            naturalKey: "name",
            notes: ["description is only applied by a PUT after create (API bug noted by CX as Code)",
                    "duplicate behaviour undocumented [verify]"]),
        ResourceSpec(
            type: .groupMembers, model: "GroupMembersUpdate",
            create: .init(.POST, "\(v2)/groups/{parentId}/members"), createStatuses: [200, 202], createIsIdempotent: true,
            read: .init(.GET, "\(v2)/groups/{parentId}/members"),
            update: nil, delete: .init(.DELETE, "\(v2)/groups/{parentId}/members"),
            lookup: .membership(path: "\(v2)/groups/{parentId}/members"),
            naturalKey: "memberIds", batchLimit: 50, parent: .groups, fieldsAddedAtSend: ["version"],
            notes: ["answers 202; memberIds at most 50 per request; send the group's current version"]),
        ResourceSpec(
            type: .groupRingPolicies, model: "VoicemailGroupPolicy",
            create: .init(.PATCH, "\(v2)/voicemail/groups/{parentId}/policy"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/voicemail/groups/{parentId}/policy"),
            update: nil, delete: nil, lookup: .singleton, naturalKey: nil, parent: .groups,
            notes: ["group ring (groupAlertType, rotateCallsSecs, stopRingingAfterRotations, overflowGroupId) lives in the group's voicemail policy; the ring number itself is a GROUPRING address on the group"]),
        // §2.7
        ResourceSpec(
            type: .queues, model: "CreateQueueRequest",
            create: .init(.POST, "\(v2)/routing/queues"),
            read: .init(.GET, "\(v2)/routing/queues/{id}"),
            update: .init(.init(.PUT, "\(v2)/routing/queues/{id}"), model: "QueueRequest", needsVersion: false, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/routing/queues/{id}"),
            lookup: .listFilter(path: "\(v2)/routing/queues", parameter: "name", field: "name"),
            naturalKey: "name", duplicates: [duplicateName(false)],
            notes: ["400 duplicate.name is documented for PUT; POST assumed alike [verify]",
                    "the last bullseye ring is the default ring"]),
        // §2.8
        ResourceSpec(
            type: .queueMembers, model: "WritableEntity", bodyIsArray: true,
            create: .init(.POST, "\(v2)/routing/queues/{parentId}/members"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/routing/queues/{parentId}/members"),
            update: .init(.init(.PATCH, "\(v2)/routing/queues/{parentId}/members/{id}"), model: "QueueMember",
                          needsVersion: false, replacesWhole: false),
            delete: .init(.DELETE, "\(v2)/routing/queues/{parentId}/members/{id}"),
            lookup: .membership(path: "\(v2)/routing/queues/{parentId}/members"),
            naturalKey: "id", batchLimit: 100, parent: .queues,
            notes: ["POST …/members?delete=false with [{id}]; ring numbers other than 1 need one PATCH per member"]),
        // A member's bullseye ring (reserve agents): one PATCH per member once it has joined.
        ResourceSpec(
            type: .queueMemberRings, model: "QueueMember",
            create: .init(.PATCH, "\(v2)/routing/queues/{parentId}/members/{id}"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/routing/queues/{parentId}/members"),
            update: nil, delete: nil,
            lookup: .membership(path: "\(v2)/routing/queues/{parentId}/members"),
            naturalKey: "id", parent: .queues,
            notes: ["body {id, ringNumber}: {id} in the path is the member's user id (the body's id)",
                    "\"Update the ring number OR joined status\" (research §2.8); ring 1–6"]),
        ResourceSpec(
            type: .queueWrapupCodes, model: "WrapUpCodeReference", bodyIsArray: true,
            create: .init(.POST, "\(v2)/routing/queues/{parentId}/wrapupcodes"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/routing/queues/{parentId}/wrapupcodes"),
            update: nil, delete: .init(.DELETE, "\(v2)/routing/queues/{parentId}/wrapupcodes/{id}"),
            lookup: .membership(path: "\(v2)/routing/queues/{parentId}/wrapupcodes"),
            naturalKey: "id", batchLimit: 100, parent: .queues),
        // §2.15
        ResourceSpec(
            type: .phones, model: "Phone",
            create: .init(.POST, "\(edges)/phones"),
            read: .init(.GET, "\(edges)/phones/{id}"),
            update: .init(.init(.PUT, "\(edges)/phones/{id}"), model: "Phone", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(edges)/phones/{id}"),
            lookup: .listFilter(path: "\(edges)/phones", parameter: "name", field: "name"),
            naturalKey: "name",
            notes: ["400 lines.required / base.settings.required / webrtc.user.required explain missing parts"]),
        // §2.16
        ResourceSpec(
            type: .stations, model: nil,
            create: .init(.PUT, "\(v2)/users/{parentId}/station/defaultstation/{id}"), createIsIdempotent: true,
            read: .init(.GET, "\(v2)/users/{parentId}/station"),
            update: nil, delete: .init(.DELETE, "\(v2)/users/{parentId}/station/defaultstation"),
            lookup: .listFilter(path: "\(v2)/stations", parameter: "name", field: "name"),
            naturalKey: "name", parent: .users,
            notes: ["no body; the station is created by the phone's line: find it by name (or lineAppearanceId), then PUT",
                    "409 userservice.stationalreadyassociated when another user holds it"]),
        // §2.11
        ResourceSpec(
            type: .schedules, model: "Schedule",
            create: .init(.POST, "\(v2)/architect/schedules"),
            read: .init(.GET, "\(v2)/architect/schedules/{id}"),
            update: .init(.init(.PUT, "\(v2)/architect/schedules/{id}"), model: "Schedule", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/architect/schedules/{id}"),
            lookup: .listFilter(path: "\(v2)/architect/schedules", parameter: "name", field: "name"),
            naturalKey: "name", notes: ["start/end are local times without zone; the zone is on the schedule group",
                                        "duplicate behaviour undocumented [verify]"]),
        ResourceSpec(
            type: .scheduleGroups, model: "ScheduleGroup",
            create: .init(.POST, "\(v2)/architect/schedulegroups"),
            read: .init(.GET, "\(v2)/architect/schedulegroups/{id}"),
            update: .init(.init(.PUT, "\(v2)/architect/schedulegroups/{id}"), model: "ScheduleGroup", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/architect/schedulegroups/{id}"),
            lookup: .listFilter(path: "\(v2)/architect/schedulegroups", parameter: "name", field: "name"),
            naturalKey: "name", notes: ["duplicate behaviour undocumented [verify]"]),
        ResourceSpec(
            type: .prompts, model: "Prompt",
            create: .init(.POST, "\(v2)/architect/prompts"),
            read: .init(.GET, "\(v2)/architect/prompts/{id}"),
            update: .init(.init(.PUT, "\(v2)/architect/prompts/{id}"), model: "Prompt", needsVersion: false, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/architect/prompts/{id}"),
            lookup: .listFilter(path: "\(v2)/architect/prompts", parameter: "name", field: "name"),
            naturalKey: "name",
            notes: ["audio and TTS resources: POST …/prompts/{id}/resources, then upload to the returned uploadUri (not covered yet)",
                    "duplicate behaviour undocumented [verify]"]),
        // §2.12
        ResourceSpec(
            type: .ivrs, model: "IVR",
            create: .init(.POST, "\(v2)/architect/ivrs"),
            read: .init(.GET, "\(v2)/architect/ivrs/{id}"),
            update: .init(.init(.PUT, "\(v2)/architect/ivrs/{id}"), model: "IVR", needsVersion: true, replacesWhole: true),
            delete: .init(.DELETE, "\(v2)/architect/ivrs/{id}"),
            lookup: .listFilter(path: "\(v2)/architect/ivrs", parameter: "name", field: "name"),
            naturalKey: "name", batchLimit: 50,
            notes: ["more than 50 DNIS: create with 50, then PUT the rest in steps of 50",
                    "PUT has its own limit of about 100 per minute",
                    "a DNIS can be owned by one resource only"]),
        // §2.14, §2.13: referenced only.
        ResourceSpec(
            type: .sites, model: "Site", create: nil,
            read: .init(.GET, "\(edges)/sites/{id}"), update: nil, delete: nil,
            lookup: .listFilter(path: "\(edges)/sites", parameter: "name", field: "name"), naturalKey: "name"),
        ResourceSpec(
            type: .locations, model: nil, create: nil,
            read: .init(.GET, "\(v2)/locations/{id}"), update: nil, delete: nil,
            lookup: .scan(path: "\(v2)/locations", field: "name"), naturalKey: "name"),
        ResourceSpec(
            type: .flows, model: "Flow", create: nil,
            read: .init(.GET, "\(v2)/flows/{id}"), update: nil, delete: .init(.DELETE, "\(v2)/flows/{id}"),
            lookup: .listFilter(path: "\(v2)/flows", parameter: "name", field: "name"), naturalKey: "name",
            notes: ["published through the flow jobs API (register, PUT the YAML to the presigned URL, poll), not a POST create",
                    "name + type is unique: 409 architect.flow.already.exists"]),
    ]
}
