import Common
import Foundation

// MARK: - Queues

/// ServiceLevel: `percentage` 0…1 answered within `durationMs`.
public struct ServiceLevel: Codable, Sendable, Hashable {
    public var percentage: Double?
    public var durationMs: Int?
    public init(percentage: Double?, durationMs: Int?) { self.percentage = percentage; self.durationMs = durationMs }
}

/// MediaSettings (also the shape of the email and message settings' common fields).
public struct MediaSettings: Codable, Sendable, Hashable {
    /// At least 7 s.
    public var alertingTimeoutSeconds: Int?
    public var enableAutoAnswer: Bool?
    public var serviceLevel: ServiceLevel?
    public var autoAnswerAlertToneSeconds: Double?
    public var manualAnswerAlertToneSeconds: Double?
    public init(alertingTimeoutSeconds: Int? = nil, enableAutoAnswer: Bool? = nil, serviceLevel: ServiceLevel? = nil,
                autoAnswerAlertToneSeconds: Double? = nil, manualAnswerAlertToneSeconds: Double? = nil) {
        self.alertingTimeoutSeconds = alertingTimeoutSeconds; self.enableAutoAnswer = enableAutoAnswer
        self.serviceLevel = serviceLevel; self.autoAnswerAlertToneSeconds = autoAnswerAlertToneSeconds
        self.manualAnswerAlertToneSeconds = manualAnswerAlertToneSeconds
    }
}

/// QueueMediaSettings.
public struct QueueMediaSettings: Codable, Sendable, Hashable {
    public var call: MediaSettings?
    public var chat: MediaSettings?
    public var email: MediaSettings?
    public var message: MediaSettings?
    public init(call: MediaSettings? = nil, chat: MediaSettings? = nil, email: MediaSettings? = nil, message: MediaSettings? = nil) {
        self.call = call; self.chat = chat; self.email = email; self.message = message
    }
}

/// AcwSettings: after-call work.
public struct AcwSettings: Codable, Sendable, Hashable {
    public enum WrapupPrompt: String, Codable, Sendable, Hashable, CaseIterable {
        case mandatory = "MANDATORY", optional = "OPTIONAL", mandatoryTimeout = "MANDATORY_TIMEOUT"
        case mandatoryForcedTimeout = "MANDATORY_FORCED_TIMEOUT", agentRequested = "AGENT_REQUESTED"
    }
    public var wrapupPrompt: WrapupPrompt?
    /// 1 000 … 3 600 000; only with AGENT_REQUESTED, MANDATORY_TIMEOUT, MANDATORY_FORCED_TIMEOUT.
    public var timeoutMs: Int?
    public init(wrapupPrompt: WrapupPrompt?, timeoutMs: Int? = nil) { self.wrapupPrompt = wrapupPrompt; self.timeoutMs = timeoutMs }
}

/// MemberGroup: a group (or team, skill group) whose members join the queue.
public struct MemberGroup: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case team = "TEAM", group = "GROUP", skillGroup = "SKILLGROUP" }
    /// `@ref:groups/<key>`.
    public var id: String
    public var type: Kind
    public init(id: String, type: Kind) { self.id = id; self.type = type }
}

/// A bullseye ring. The last ring of the list is the default ring.
public struct BullseyeRing: Codable, Sendable, Hashable {
    public struct ExpansionCriterion: Codable, Sendable, Hashable {
        public var type: String = "TIMEOUT_SECONDS"
        public var threshold: Double
        public init(timeoutSeconds: Double) { threshold = timeoutSeconds }
    }
    public struct Actions: Codable, Sendable, Hashable {
        /// Skills dropped when the call expands past this ring: `@ref:routing-skills/<key>`.
        public var skillsToRemove: [EntityRef]?
        public init(skillsToRemove: [EntityRef]?) { self.skillsToRemove = skillsToRemove }
    }
    public var expansionCriteria: [ExpansionCriterion]?
    public var actions: Actions?
    public var memberGroups: [MemberGroup]?
    public init(expansionCriteria: [ExpansionCriterion]? = nil, actions: Actions? = nil, memberGroups: [MemberGroup]? = nil) {
        self.expansionCriteria = expansionCriteria; self.actions = actions; self.memberGroups = memberGroups
    }
}

public struct Bullseye: Codable, Sendable, Hashable {
    /// At most 6 rings.
    public var rings: [BullseyeRing]?
    public init(rings: [BullseyeRing]?) { self.rings = rings }
}

/// Preferred-agent routing rule.
public struct RoutingRule: Codable, Sendable, Hashable {
    public enum Operator: String, Codable, Sendable, Hashable { case meetsThreshold = "MEETS_THRESHOLD", any = "ANY" }
    public var `operator`: Operator?
    public var threshold: Int?
    public var waitSeconds: Double?
    public init(operator: Operator?, threshold: Int? = nil, waitSeconds: Double? = nil) {
        self.operator = `operator`; self.threshold = threshold; self.waitSeconds = waitSeconds
    }
}

/// `POST /api/v2/routing/queues` (CreateQueueRequest).
public struct QueuePayload: GenesysPayload {
    public static let contractModel = "CreateQueueRequest"
    public enum SkillEvaluationMethod: String, Codable, Sendable, Hashable, CaseIterable { case none = "NONE", best = "BEST", all = "ALL" }
    public enum ScoringMethod: String, Codable, Sendable, Hashable { case timestampAndPriority = "TimestampAndPriority", priorityOnly = "PriorityOnly" }
    public enum LastAgentRoutingMode: String, Codable, Sendable, Hashable {
        case disabled = "Disabled", queueMembersOnly = "QueueMembersOnly", anyAgent = "AnyAgent"
    }
    public var name: String
    public var description: String?
    public var division: EntityRef?
    public var mediaSettings: QueueMediaSettings?
    public var acwSettings: AcwSettings?
    public var skillEvaluationMethod: SkillEvaluationMethod?
    public var scoringMethod: ScoringMethod?
    public var lastAgentRoutingMode: LastAgentRoutingMode?
    public var bullseye: Bullseye?
    public var routingRules: [RoutingRule]?
    public var memberGroups: [MemberGroup]?
    /// In-queue flow, prompts: `@ext:flows/<name>`, `@ref:prompts/<key>`.
    public var queueFlow: EntityRef?
    public var whisperPrompt: EntityRef?
    public var onHoldPrompt: EntityRef?
    public var callingPartyName: String?
    public var callingPartyNumber: String?
    public var enableTranscription: Bool?
    public var suppressInQueueCallRecording: Bool?
    public init(name: String, description: String? = nil, division: EntityRef? = nil, mediaSettings: QueueMediaSettings? = nil,
                acwSettings: AcwSettings? = nil, skillEvaluationMethod: SkillEvaluationMethod? = nil,
                scoringMethod: ScoringMethod? = nil, lastAgentRoutingMode: LastAgentRoutingMode? = nil,
                bullseye: Bullseye? = nil, routingRules: [RoutingRule]? = nil, memberGroups: [MemberGroup]? = nil,
                queueFlow: EntityRef? = nil, whisperPrompt: EntityRef? = nil, onHoldPrompt: EntityRef? = nil,
                callingPartyName: String? = nil, callingPartyNumber: String? = nil, enableTranscription: Bool? = nil,
                suppressInQueueCallRecording: Bool? = nil) {
        self.name = name; self.description = description; self.division = division; self.mediaSettings = mediaSettings
        self.acwSettings = acwSettings; self.skillEvaluationMethod = skillEvaluationMethod; self.scoringMethod = scoringMethod
        self.lastAgentRoutingMode = lastAgentRoutingMode; self.bullseye = bullseye; self.routingRules = routingRules
        self.memberGroups = memberGroups; self.queueFlow = queueFlow; self.whisperPrompt = whisperPrompt
        self.onHoldPrompt = onHoldPrompt; self.callingPartyName = callingPartyName; self.callingPartyNumber = callingPartyNumber
        self.enableTranscription = enableTranscription; self.suppressInQueueCallRecording = suppressInQueueCallRecording
    }
}

/// `PATCH /api/v2/routing/queues/{queueId}/members/{memberId}` (QueueMember): ring number or joined.
public struct QueueMemberPayload: GenesysPayload {
    public static let contractModel = "QueueMember"
    /// `@ref:users/<key>`.
    public var id: String
    /// 1 … 6.
    public var ringNumber: Int?
    public var joined: Bool?
    public init(id: String, ringNumber: Int? = nil, joined: Bool? = nil) { self.id = id; self.ringNumber = ringNumber; self.joined = joined }
}

// MARK: - Groups

/// GroupContact: the group's phone numbers. A `GROUPRING` address rings the members (group ring);
/// `GROUPPHONE` is the group's own number.
public struct GroupContact: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case groupRing = "GROUPRING", groupPhone = "GROUPPHONE" }
    /// E.164.
    public var address: String
    public var `extension`: String?
    public var type: Kind
    public var mediaType: String = "PHONE"
    public init(address: String, extension: String? = nil, type: Kind) { self.address = address; self.extension = `extension`; self.type = type }
}

/// `POST /api/v2/groups` (GroupCreate).
public struct GroupPayload: GenesysPayload {
    public static let contractModel = "GroupCreate"
    public enum Kind: String, Codable, Sendable, Hashable { case official, social }
    public enum Visibility: String, Codable, Sendable, Hashable { case `public`, owners, members }
    public var name: String
    public var type: Kind
    public var rulesVisible: Bool
    public var visibility: Visibility
    /// Applied only by a PUT after create (platform quirk); the uploader sends it again.
    public var description: String?
    public var addresses: [GroupContact]?
    public var callsEnabled: Bool?
    public var rolesEnabled: Bool?
    public var includeOwners: Bool?
    /// `@ref:users/<key>`.
    public var ownerIds: [String]?
    public init(name: String, type: Kind = .official, rulesVisible: Bool = true, visibility: Visibility = .public,
                description: String? = nil, addresses: [GroupContact]? = nil, callsEnabled: Bool? = nil,
                rolesEnabled: Bool? = nil, includeOwners: Bool? = nil, ownerIds: [String]? = nil) {
        self.name = name; self.type = type; self.rulesVisible = rulesVisible; self.visibility = visibility
        self.description = description; self.addresses = addresses; self.callsEnabled = callsEnabled
        self.rolesEnabled = rolesEnabled; self.includeOwners = includeOwners; self.ownerIds = ownerIds
    }
}

/// `POST /api/v2/groups/{groupId}/members` (GroupMembersUpdate); at most 50 ids per request.
/// `version` (the group's) is added at send time.
public struct GroupMembersPayload: GenesysPayload {
    public static let contractModel = "GroupMembersUpdate"
    /// `@ref:users/<key>`.
    public var memberIds: [String]
    public var version: Int64?
    public init(memberIds: [String], version: Int64? = nil) { self.memberIds = memberIds; self.version = version }
}

/// `PATCH /api/v2/voicemail/groups/{groupId}/policy` (VoicemailGroupPolicy): how a group ring
/// call is distributed (research §2.9).
public struct GroupRingPolicyPayload: GenesysPayload {
    public static let contractModel = "VoicemailGroupPolicy"
    public enum AlertType: String, Codable, Sendable, Hashable, CaseIterable {
        case random = "RANDOM", roundRobin = "ROUND_ROBIN", sequential = "SEQUENTIAL"
    }
    public var enabled: Bool?
    public var groupAlertType: AlertType?
    public var rotateCallsSecs: Int?
    public var stopRingingAfterRotations: Int?
    /// `@ref:groups/<key>`.
    public var overflowGroupId: String?
    public var sendEmailNotifications: Bool?
    public var languagePreference: String?
    public var includeGroupNumberInUserCallerIdLists: Bool?
    public init(enabled: Bool? = nil, groupAlertType: AlertType? = nil, rotateCallsSecs: Int? = nil,
                stopRingingAfterRotations: Int? = nil, overflowGroupId: String? = nil, sendEmailNotifications: Bool? = nil,
                languagePreference: String? = nil, includeGroupNumberInUserCallerIdLists: Bool? = nil) {
        self.enabled = enabled; self.groupAlertType = groupAlertType; self.rotateCallsSecs = rotateCallsSecs
        self.stopRingingAfterRotations = stopRingingAfterRotations; self.overflowGroupId = overflowGroupId
        self.sendEmailNotifications = sendEmailNotifications; self.languagePreference = languagePreference
        self.includeGroupNumberInUserCallerIdLists = includeGroupNumberInUserCallerIdLists
    }
}

// MARK: - Architect

/// `POST /api/v2/architect/schedules` (Schedule). Times are local, without zone.
public struct SchedulePayload: GenesysPayload {
    public static let contractModel = "Schedule"
    public var name: String
    /// `yyyy-MM-ddTHH:mm:ss.SSS`, no zone.
    public var start: String
    public var end: String
    /// iCalendar RRULE, e.g. `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`.
    public var rrule: String?
    public var description: String?
    public var division: EntityRef?
    public init(name: String, start: String, end: String, rrule: String? = nil, description: String? = nil, division: EntityRef? = nil) {
        self.name = name; self.start = start; self.end = end; self.rrule = rrule; self.description = description; self.division = division
    }
}

/// `POST /api/v2/architect/schedulegroups` (ScheduleGroup). Carries the time zone.
public struct ScheduleGroupPayload: GenesysPayload {
    public static let contractModel = "ScheduleGroup"
    public var name: String
    /// IANA zone, e.g. `Europe/London`.
    public var timeZone: String?
    public var openSchedules: [EntityRef]?
    public var closedSchedules: [EntityRef]?
    public var holidaySchedules: [EntityRef]?
    public var description: String?
    public var division: EntityRef?
    public init(name: String, timeZone: String?, openSchedules: [EntityRef]? = nil, closedSchedules: [EntityRef]? = nil,
                holidaySchedules: [EntityRef]? = nil, description: String? = nil, division: EntityRef? = nil) {
        self.name = name; self.timeZone = timeZone; self.openSchedules = openSchedules; self.closedSchedules = closedSchedules
        self.holidaySchedules = holidaySchedules; self.description = description; self.division = division
    }
}

/// `POST /api/v2/architect/ivrs` (IVR): a call route from DNIS to flows by schedule.
public struct IVRPayload: GenesysPayload {
    public static let contractModel = "IVR"
    public var name: String
    /// E.164 numbers; more than 50 are sent in follow-up PUTs.
    public var dnis: [String]?
    public var openHoursFlow: EntityRef?
    public var closedHoursFlow: EntityRef?
    public var holidayHoursFlow: EntityRef?
    /// Needs open and closed flows too.
    public var scheduleGroup: EntityRef?
    public var description: String?
    public var division: EntityRef?
    public init(name: String, dnis: [String]? = nil, openHoursFlow: EntityRef? = nil, closedHoursFlow: EntityRef? = nil,
                holidayHoursFlow: EntityRef? = nil, scheduleGroup: EntityRef? = nil, description: String? = nil,
                division: EntityRef? = nil) {
        self.name = name; self.dnis = dnis; self.openHoursFlow = openHoursFlow; self.closedHoursFlow = closedHoursFlow
        self.holidayHoursFlow = holidayHoursFlow; self.scheduleGroup = scheduleGroup; self.description = description
        self.division = division
    }
}

/// `POST /api/v2/architect/prompts` (Prompt): the user prompt shell; audio/TTS resources follow.
public struct PromptPayload: GenesysPayload {
    public static let contractModel = "Prompt"
    /// Letters, digits and underscores, starting with a letter (Architect's rule).
    public var name: String
    public var description: String?
    public init(name: String, description: String? = nil) { self.name = name; self.description = description }
}

/// A child object's bundle payload: the parent it belongs to and the request body.
/// Used for the child types of the catalogue (`ResourceSpec.parent != nil`).
public struct ChildPayload<Body: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// `@ref:<parent type>/<key>` (or `@ext:` for a pre-existing parent).
    public var parent: LogicalRef
    public var body: Body
    public init(parent: LogicalRef, body: Body) { self.parent = parent; self.body = body }
}
