import Common
import Foundation

// Request bodies the bundle carries, one Swift type per Platform API v2 model. JSON field names and
// enum raw values are exactly the contract's (Contract.shipped); a test validates a sample of each.
// Every field the API treats as optional is optional here, and nil fields are omitted on encoding.
// Where a Genesys id would go, payloads hold a logical reference (`@ref:…` / `@ext:…`).

/// A request body of one contract model.
public protocol GenesysPayload: Codable, Sendable, Hashable {
    /// The contract model (`Contract.shipped.models[…]`) this body is validated against.
    static var contractModel: String { get }
}

extension GenesysPayload {
    /// The body as JSON (nil fields omitted).
    public func json() throws -> JSONValue { try JSONValue.from(self) }

    /// Contract violations of this body.
    public func violations(validator: ContractValidator = ContractValidator()) throws -> [ContractViolation] {
        validator.validate(try json(), as: Self.contractModel)
    }
}

/// `{"id": …}`: DomainEntityRef, WritableDivision, WritableEntity and friends.
public struct EntityRef: Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    public var id: String
    public init(_ id: String) { self.id = id }
    public init(_ ref: LogicalRef) { self.id = ref.text }
    public init(stringLiteral value: String) { self.id = value }
}

/// WritableEntity: one item of a queue member bulk add.
public typealias WritableEntity = EntityRef
/// WrapUpCodeReference: one item of a queue wrap-up code bulk add.
public typealias WrapUpCodeReference = EntityRef

// MARK: - Divisions, skills, languages, wrap-up codes, presence

/// `POST /api/v2/authorization/divisions` (AuthzDivision).
public struct DivisionPayload: GenesysPayload {
    public static let contractModel = "AuthzDivision"
    public var name: String
    /// Required by the contract; "" when there is none.
    public var description: String
    public init(name: String, description: String = "") { self.name = name; self.description = description }
}

/// `POST /api/v2/routing/skills` (CreateRoutingSkill).
public struct RoutingSkillPayload: GenesysPayload {
    public static let contractModel = "CreateRoutingSkill"
    public var name: String
    public init(name: String) { self.name = name }
}

/// `POST /api/v2/routing/languages` (Language).
public struct RoutingLanguagePayload: GenesysPayload {
    public static let contractModel = "Language"
    public var name: String
    public init(name: String) { self.name = name }
}

/// `POST /api/v2/routing/wrapupcodes` (WrapupCodeRequest).
public struct WrapupCodePayload: GenesysPayload {
    public static let contractModel = "WrapupCodeRequest"
    public var name: String
    public var division: EntityRef?
    public var description: String?
    public init(name: String, division: EntityRef? = nil, description: String? = nil) {
        self.name = name; self.division = division; self.description = description
    }
}

/// `POST /api/v2/presence/definitions` (OrganizationPresenceDefinition). Only secondary
/// (`type: User`) presences are creatable; `systemPresence` is fixed after create.
public struct PresenceDefinitionPayload: GenesysPayload {
    public static let contractModel = "OrganizationPresenceDefinition"
    public enum SystemPresence: String, Codable, Sendable, Hashable, CaseIterable {
        case available = "Available", away = "Away", busy = "Busy", offline = "Offline", idle = "Idle"
        case onQueue = "OnQueue", meal = "Meal", training = "Training", meeting = "Meeting", breakTime = "Break"
    }
    /// Locale (`en_US`) → label.
    public var languageLabels: [String: String]
    public var systemPresence: SystemPresence?
    public var divisionId: String?
    public var deactivated: Bool?
    public init(languageLabels: [String: String], systemPresence: SystemPresence?, divisionId: String? = nil,
                deactivated: Bool? = nil) {
        self.languageLabels = languageLabels; self.systemPresence = systemPresence
        self.divisionId = divisionId; self.deactivated = deactivated
    }
}

// MARK: - Users

/// Contact (user addresses): a phone number, an extension, or an email.
public struct UserContact: Codable, Sendable, Hashable {
    public enum MediaType: String, Codable, Sendable, Hashable, CaseIterable { case phone = "PHONE", email = "EMAIL", sms = "SMS" }
    public enum ContactType: String, Codable, Sendable, Hashable, CaseIterable {
        case primary = "PRIMARY", work = "WORK", work2 = "WORK2", work3 = "WORK3", work4 = "WORK4"
        case home = "HOME", mobile = "MOBILE", main = "MAIN", other = "OTHER"
    }
    /// E.164 number or email address. Mutually exclusive with `extension`.
    public var address: String?
    /// Internal extension (must fall inside an extension pool).
    public var `extension`: String?
    public var mediaType: MediaType?
    public var type: ContactType?
    public var countryCode: String?
    public init(address: String? = nil, extension: String? = nil, mediaType: MediaType? = .phone, type: ContactType? = .work,
                countryCode: String? = nil) {
        self.address = address; self.extension = `extension`; self.mediaType = mediaType; self.type = type
        self.countryCode = countryCode
    }
}

/// User state (create, update and restore).
public enum UserState: String, Codable, Sendable, Hashable, CaseIterable { case active, inactive, deleted }

/// `POST /api/v2/users` (CreateUser). Fields the create ignores go in `UserUpdatePayload`.
public struct UserPayload: GenesysPayload {
    public static let contractModel = "CreateUser"
    public var name: String
    public var email: String
    /// `@ref:divisions/<key>` or `@ext:divisions/<name>`.
    public var divisionId: String
    public var department: String?
    public var title: String?
    public var addresses: [UserContact]?
    public var state: UserState?
    public init(name: String, email: String, divisionId: String, department: String? = nil, title: String? = nil,
                addresses: [UserContact]? = nil, state: UserState? = nil) {
        self.name = name; self.email = email; self.divisionId = divisionId; self.department = department
        self.title = title; self.addresses = addresses; self.state = state
    }
}

/// `PATCH /api/v2/users/{userId}` (UpdateUser), sent after the create for the fields the create
/// cannot set. `version` is added by the uploader just before sending.
public struct UserUpdatePayload: GenesysPayload {
    public static let contractModel = "UpdateUser"
    public var version: Int64?
    public var name: String?
    public var preferredName: String?
    public var department: String?
    public var title: String?
    /// The manager's user id: `@ref:users/<key>`.
    public var manager: String?
    public var addresses: [UserContact]?
    public var acdAutoAnswer: Bool?
    public var profileSkills: [String]?
    public var certifications: [String]?
    public var state: UserState?
    public init(version: Int64? = nil, name: String? = nil, preferredName: String? = nil, department: String? = nil,
                title: String? = nil, manager: String? = nil, addresses: [UserContact]? = nil, acdAutoAnswer: Bool? = nil,
                profileSkills: [String]? = nil, certifications: [String]? = nil, state: UserState? = nil) {
        self.version = version; self.name = name; self.preferredName = preferredName; self.department = department
        self.title = title; self.manager = manager; self.addresses = addresses; self.acdAutoAnswer = acdAutoAnswer
        self.profileSkills = profileSkills; self.certifications = certifications; self.state = state
    }
}

/// One element of `PATCH /api/v2/users/{userId}/routingskills/bulk` (UserRoutingSkillPost).
public struct UserRoutingSkillPayload: GenesysPayload {
    public static let contractModel = "UserRoutingSkillPost"
    /// The skill: `@ref:routing-skills/<key>`.
    public var id: String
    /// 0.0 … 5.0.
    public var proficiency: Double
    public init(id: String, proficiency: Double) { self.id = id; self.proficiency = proficiency }
}

/// `PUT /api/v2/users/{userId}/callforwarding` (CallForwarding).
public struct CallForwardingPayload: GenesysPayload {
    public static let contractModel = "CallForwarding"
    public struct Target: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, Hashable { case station = "STATION", phoneNumber = "PHONENUMBER" }
        public var type: Kind?
        /// E.164 number, or a station id (`@ref:…`).
        public var value: String?
        public init(type: Kind?, value: String?) { self.type = type; self.value = value }
    }
    public struct Route: Codable, Sendable, Hashable {
        public var targets: [Target]?
        public init(targets: [Target]?) { self.targets = targets }
    }
    public enum Voicemail: String, Codable, Sendable, Hashable { case purecloud = "PURECLOUD", lastCall = "LASTCALL", none = "NONE" }
    public var enabled: Bool?
    public var calls: [Route]?
    public var voicemail: Voicemail?
    public init(enabled: Bool?, calls: [Route]? = nil, voicemail: Voicemail? = nil) {
        self.enabled = enabled; self.calls = calls; self.voicemail = voicemail
    }
}

/// `PATCH /api/v2/voicemail/userpolicies/{userId}` (VoicemailUserPolicy). PINs are deliberately
/// not carried: a bundle is reviewed by people and must not hold credentials. `enabled` is
/// read-only (a private setter in Genesys's .NET SDK): voicemail is on by org policy.
public struct VoicemailUserPolicyPayload: GenesysPayload {
    public static let contractModel = "VoicemailUserPolicy"
    public var alertTimeoutSeconds: Int?
    public var sendEmailNotifications: Bool?
    public init(alertTimeoutSeconds: Int? = nil, sendEmailNotifications: Bool? = nil) {
        self.alertTimeoutSeconds = alertTimeoutSeconds; self.sendEmailNotifications = sendEmailNotifications
    }
}

/// A default-station assignment (`PUT /api/v2/users/{userId}/station/defaultstation/{stationId}`,
/// no body): not a contract model; the uploader resolves both references and calls the endpoint.
public struct DefaultStationPayload: Codable, Sendable, Hashable {
    /// `@ref:users/<key>`.
    public var user: String
    /// The station: the phone it belongs to (`@ref:phones/<key>`) or `@ext:stations/<name>`.
    public var station: String
    public init(user: String, station: String) { self.user = user; self.station = station }
}

// MARK: - Numbers and phones

/// `POST …/telephony/providers/edges/extensionpools` (ExtensionPool).
public struct ExtensionPoolPayload: GenesysPayload {
    public static let contractModel = "ExtensionPool"
    /// Required by the contract (CX as Code omits it; the platform may generate one [verify]).
    public var name: String
    /// 3–9 digits, same length as `endNumber`.
    public var startNumber: String
    public var endNumber: String
    public var description: String?
    public var division: EntityRef?
    public init(name: String, startNumber: String, endNumber: String, description: String? = nil, division: EntityRef? = nil) {
        self.name = name; self.startNumber = startNumber; self.endNumber = endNumber
        self.description = description; self.division = division
    }
}

/// `POST …/telephony/providers/edges/didpools` (DIDPool).
public struct DIDPoolPayload: GenesysPayload {
    public static let contractModel = "DIDPool"
    public enum Provider: String, Codable, Sendable, Hashable { case pureCloud = "PURE_CLOUD", pureCloudVoice = "PURE_CLOUD_VOICE" }
    public var name: String
    /// E.164.
    public var startPhoneNumber: String
    public var endPhoneNumber: String
    public var provider: Provider?
    public var description: String?
    public var comments: String?
    public init(name: String, startPhoneNumber: String, endPhoneNumber: String, provider: Provider? = nil,
                description: String? = nil, comments: String? = nil) {
        self.name = name; self.startPhoneNumber = startPhoneNumber; self.endPhoneNumber = endPhoneNumber
        self.provider = provider; self.description = description; self.comments = comments
    }
}

/// A line template of phone base settings (LineBase).
public struct LineBasePayload: Codable, Sendable, Hashable {
    public var name: String
    public var lineMetaBase: EntityRef?
    /// `{key: {"value": {"instance": …}}}` as the template returns it.
    public var properties: [String: JSONValue]?
    public init(name: String, lineMetaBase: EntityRef? = nil, properties: [String: JSONValue]? = nil) {
        self.name = name; self.lineMetaBase = lineMetaBase; self.properties = properties
    }
}

/// `POST …/telephony/providers/edges/phonebasesettings` (PhoneBase).
public struct PhoneBaseSettingsPayload: GenesysPayload {
    public static let contractModel = "PhoneBase"
    public var name: String
    /// e.g. `inin_webrtc_softphone.json`, or a hard-phone meta base id.
    public var phoneMetaBase: EntityRef
    public var lines: [LineBasePayload]
    public var properties: [String: JSONValue]?
    public var description: String?
    public init(name: String, phoneMetaBase: EntityRef, lines: [LineBasePayload], properties: [String: JSONValue]? = nil,
                description: String? = nil) {
        self.name = name; self.phoneMetaBase = phoneMetaBase; self.lines = lines
        self.properties = properties; self.description = description
    }
}

/// A phone line (Line).
public struct PhoneLinePayload: Codable, Sendable, Hashable {
    public var name: String
    public var lineBaseSettings: EntityRef?
    /// Standalone/DID lines: `{"station_identity_address": {"value": {"instance": "+1…"}}}`.
    public var properties: [String: JSONValue]?
    public init(name: String, lineBaseSettings: EntityRef? = nil, properties: [String: JSONValue]? = nil) {
        self.name = name; self.lineBaseSettings = lineBaseSettings; self.properties = properties
    }
}

/// `POST …/telephony/providers/edges/phones` (Phone).
public struct PhonePayload: GenesysPayload {
    public static let contractModel = "Phone"
    public var name: String
    /// `@ext:sites/<name>`.
    public var site: EntityRef
    /// `@ref:phone-base-settings/<key>`.
    public var phoneBaseSettings: EntityRef
    public var lines: [PhoneLinePayload]
    public var lineBaseSettings: EntityRef?
    public var phoneMetaBase: EntityRef?
    /// Required for WebRTC phones: `@ref:users/<key>`.
    public var webRtcUser: EntityRef?
    public var properties: [String: JSONValue]?
    public init(name: String, site: EntityRef, phoneBaseSettings: EntityRef, lines: [PhoneLinePayload],
                lineBaseSettings: EntityRef? = nil, phoneMetaBase: EntityRef? = nil, webRtcUser: EntityRef? = nil,
                properties: [String: JSONValue]? = nil) {
        self.name = name; self.site = site; self.phoneBaseSettings = phoneBaseSettings; self.lines = lines
        self.lineBaseSettings = lineBaseSettings; self.phoneMetaBase = phoneMetaBase; self.webRtcUser = webRtcUser
        self.properties = properties
    }
}
