import Common
import Foundation

/// The entity kinds the sandbox stores, in dependency order (seeding creates them in this order).
extension ResourceKind {
    static let edges = "/api/v2/telephony/providers/edges"

    static let byName: [String: ResourceKind] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static let all: [ResourceKind] = [
        ResourceKind(name: "divisions", path: "/api/v2/authorization/divisions", label: "division", updateMethod: "PUT",
                     hasDivision: false, hasState: false),
        ResourceKind(name: "locations", path: "/api/v2/locations", label: "location", updateMethod: "PATCH", hasDivision: false),
        ResourceKind(name: "sites", path: "\(edges)/sites", label: "site", updateMethod: "PUT", hasDivision: false,
                     refs: [("location.id", "locations")]),
        ResourceKind(name: "skills", path: "/api/v2/routing/skills", label: "skill", updateMethod: "PATCH", delete: .softState,
                     nameFilter: .prefix, hasDivision: true),
        ResourceKind(name: "languages", path: "/api/v2/routing/languages", label: "language", updateMethod: nil, delete: .softState,
                     nameFilter: .prefix, hasDivision: false),
        ResourceKind(name: "wrapupcodes", path: "/api/v2/routing/wrapupcodes", label: "wrap-up code", updateMethod: "PUT",
                     nameFilter: .wildcard, hasState: false),
        ResourceKind(name: "presencedefinitions", path: "/api/v2/presence/definitions", label: "presence definition",
                     updateMethod: "PUT", delete: .deactivate, hasDivision: false, hasState: false,
                     naturalKey: { o in
                         // A secondary presence is identified by its labels under one system presence.
                         guard o["deactivated"]?.boolValue != true, let labels = o["languageLabels"]?.objectValue else { return nil }
                         let l = labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue?.lowercased() ?? "")" }.joined(separator: ";")
                         return "\(o["systemPresence"]?.stringValue ?? "")|\(l)"
                     }),
        ResourceKind(name: "extensionpools", path: "\(edges)/extensionpools", label: "extension pool", updateMethod: "PUT",
                     relaxedRequired: ["name"], naturalKey: nil),
        ResourceKind(name: "didpools", path: "\(edges)/didpools", label: "DID pool", updateMethod: "PUT", hasDivision: false,
                     relaxedRequired: ["name"], naturalKey: nil),
        ResourceKind(name: "phonebasesettings", path: "\(edges)/phonebasesettings", label: "phone base settings", updateMethod: "PUT", hasDivision: false),
        ResourceKind(name: "users", path: "/api/v2/users", label: "user", updateMethod: "PATCH", delete: .softState,
                     naturalKey: { $0["email"]?.stringValue?.lowercased() }),
        ResourceKind(name: "groups", path: "/api/v2/groups", label: "group", updateMethod: "PUT", hasDivision: false,
                     refs: [("ownerIds[]", "users")]),
        ResourceKind(name: "schedules", path: "/api/v2/architect/schedules", label: "schedule", updateMethod: "PUT", nameFilter: .wildcard),
        ResourceKind(name: "schedulegroups", path: "/api/v2/architect/schedulegroups", label: "schedule group", updateMethod: "PUT", nameFilter: .wildcard,
                     refs: [("openSchedules[].id", "schedules"), ("closedSchedules[].id", "schedules"),
                            ("holidaySchedules[].id", "schedules")]),
        ResourceKind(name: "prompts", path: "/api/v2/architect/prompts", label: "prompt", updateMethod: "PUT", nameFilter: .wildcard,
                     hasDivision: false, hasState: false),
        ResourceKind(name: "flows", path: "/api/v2/flows", label: "flow", updateMethod: "PUT", hasState: false,
                     naturalKey: { o in
                         guard let n = o["name"]?.stringValue else { return nil }
                         return "\(o["type"]?.stringValue?.uppercased() ?? "")|\(n.lowercased())"
                     }, inUseCode: "architect.dependency.object.in.use"),
        ResourceKind(name: "queues", path: "/api/v2/routing/queues", label: "queue", updateMethod: "PUT",
                     nameFilter: .wildcard, hasState: false,
                     refs: [("queueFlow.id", "flows"), ("emailInQueueFlow.id", "flows"), ("messageInQueueFlow.id", "flows"),
                            ("whisperPrompt.id", "prompts"), ("onHoldPrompt.id", "prompts"),
                            ("bullseye.rings[].actions.skillsToRemove[].id", "skills")]),
        ResourceKind(name: "phones", path: "\(edges)/phones", label: "phone", updateMethod: "PUT", hasDivision: false,
                     refs: [("site.id", "sites"), ("phoneBaseSettings.id", "phonebasesettings"), ("webRtcUser.id", "users")]),
        ResourceKind(name: "ivrs", path: "/api/v2/architect/ivrs", label: "IVR", updateMethod: "PUT", nameFilter: .wildcard,
                     refs: [("openHoursFlow.id", "flows"), ("closedHoursFlow.id", "flows"), ("holidayHoursFlow.id", "flows"),
                            ("scheduleGroup.id", "schedulegroups")]),
    ]

    /// The 409 a delete answers while something still refers to the entity (§2.11, §2.13).
    func inUse(by other: ResourceKind) -> (String, String) {
        switch (name, other.name) {
        case ("schedules", "schedulegroups"):
            return ("general.conflict", "The schedule cannot be deleted because it is assigned to one or more schedule groups.")
        case ("schedulegroups", _):
            return ("general.conflict", "The schedule group cannot be deleted because it is assigned to one or more IVRs or Sites.")
        case ("flows", "ivrs"):
            return ("architect.flow.cannot.delete.used.in.ivr.configs", "The flow cannot be deleted because it is used in one or more IVR configurations.")
        case ("flows", "queues"):
            return ("architect.flow.cannot.delete.used.in.queues", "The flow cannot be deleted because it is used by one or more queues.")
        default:
            return (inUseCode, "The \(label) cannot be deleted because it is referenced by a \(other.label).")
        }
    }
}

/// System presences always exist (§2.10); one per `systemPresence`.
let systemPresences = ["Available", "Away", "Busy", "Offline", "Idle", "OnQueue", "Meal", "Training", "Meeting", "Break"]
