import Common

// The typed source model. Every reader (SAT, OSSI, SMGR XML) produces these records, so the
// transform never needs to know where a field came from. Content and provenance are kept apart:
// records hold only configuration, `SiteModel.sources` holds where each record was seen, so two
// models can be compared with `==` on the record dictionaries ("modulo source locations").

/// The kinds of object the model knows. Raw values are stable: they appear in JSON, reports and
/// diagnostics.
public enum ObjectKind: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    case station, agent, huntGroup = "hunt-group", vector, vdn, coveragePath = "coverage-path"
    case cor, cos, reasonCode = "reason-code", holidayTable = "holiday-table", announcement
    case publicNumbering = "public-unknown-numbering", dialPlan = "dialplan-analysis"
    case pickupGroup = "pickup-group", tenant, user

    public static func < (a: ObjectKind, b: ObjectKind) -> Bool {
        let all = ObjectKind.allCases
        return (all.firstIndex(of: a) ?? 0) < (all.firstIndex(of: b) ?? 0)
    }
}

/// Which family of input a record came from.
public enum SourceFormat: String, Sendable, Codable, Hashable, CaseIterable {
    case sat, ossi, smgr

    /// CM itself (SAT/OSSI) is authoritative for telephony; SMGR for people.
    var isCM: Bool { self != .smgr }
}

/// A station button. `parameters` uses normalised keys: `button`, `extension`, `ring`, `number`,
/// `group`, `reason`, `list`, `dialCode` (see docs/avaya-readers.md for the label table).
public struct Button: Sendable, Codable, Hashable {
    public var number: Int
    /// 0 = the set's own buttons; 1…3 = button modules.
    public var module: Int
    public var type: String
    public var parameters: [String: String]

    public init(number: Int, module: Int = 0, type: String, parameters: [String: String] = [:]) {
        self.number = number; self.module = module; self.type = type; self.parameters = parameters
    }

    public var isCallAppearance: Bool { type == "call-appr" }
    public var isBridgedAppearance: Bool { type == "brdg-appr" || type == "abrdg-appr" }
    /// For bridged appearances: the principal's extension.
    public var bridgedExtension: String? { isBridgedAppearance ? parameters["extension"] : nil }
    /// For bridged appearances: the principal's call-appearance button number.
    public var bridgedButton: Int? { isBridgedAppearance ? parameters["button"].flatMap { Int($0) } : nil }
}

public struct Station: Sendable, Codable, Hashable {
    public var `extension`: String
    public var name: String?
    public var setType: String?
    public var port: String?
    public var cor: Int?
    public var cos: Int?
    public var tenant: Int?
    public var coveragePath1: String?
    public var coveragePath2: String?
    public var huntToStation: String?
    /// Whether a security code is administered. The code itself is never read into the model.
    public var hasSecurityCode: Bool?
    public var buttons: [Button]
    public var ec500State: String?
    public var extra: [String: String]

    public init(extension ext: String, name: String? = nil, setType: String? = nil, port: String? = nil,
                cor: Int? = nil, cos: Int? = nil, tenant: Int? = nil, coveragePath1: String? = nil,
                coveragePath2: String? = nil, huntToStation: String? = nil, hasSecurityCode: Bool? = nil,
                buttons: [Button] = [], ec500State: String? = nil, extra: [String: String] = [:]) {
        self.extension = ext; self.name = name; self.setType = setType; self.port = port
        self.cor = cor; self.cos = cos; self.tenant = tenant; self.coveragePath1 = coveragePath1
        self.coveragePath2 = coveragePath2; self.huntToStation = huntToStation
        self.hasSecurityCode = hasSecurityCode; self.buttons = buttons; self.ec500State = ec500State
        self.extra = extra
    }

    public var callAppearanceCount: Int { buttons.filter(\.isCallAppearance).count }
}

public struct AgentSkill: Sendable, Codable, Hashable {
    public var skill: Int
    /// Skill level 1…16 (1 is highest). Exactly one of `level` / `reserveLevel` is normally set.
    public var level: Int?
    /// Reserve level 1…2 (Business Advocate).
    public var reserveLevel: Int?
    public var percentAllocation: Int?

    public init(skill: Int, level: Int? = nil, reserveLevel: Int? = nil, percentAllocation: Int? = nil) {
        self.skill = skill; self.level = level; self.reserveLevel = reserveLevel
        self.percentAllocation = percentAllocation
    }
}

public struct Agent: Sendable, Codable, Hashable {
    public var loginId: String
    public var name: String?
    public var cor: Int?
    public var tenant: Int?
    public var coveragePath: String?
    public var directAgentSkill: Int?
    /// `skill-level`, `greatest-need` or `percent-allocation`.
    public var callHandlingPreference: String?
    public var skills: [AgentSkill]
    public var extra: [String: String]

    public init(loginId: String, name: String? = nil, cor: Int? = nil, tenant: Int? = nil,
                coveragePath: String? = nil, directAgentSkill: Int? = nil,
                callHandlingPreference: String? = nil, skills: [AgentSkill] = [], extra: [String: String] = [:]) {
        self.loginId = loginId; self.name = name; self.cor = cor; self.tenant = tenant
        self.coveragePath = coveragePath; self.directAgentSkill = directAgentSkill
        self.callHandlingPreference = callHandlingPreference; self.skills = skills; self.extra = extra
    }
}

public struct HuntGroup: Sendable, Codable, Hashable {
    public var number: Int
    public var name: String?
    public var `extension`: String?
    /// `ucd-mia`, `ead-mia`, `circ`, `ddc`, `ucd-loa`, `ead-loa`, `pad`, `slm`, legacy `ucd`.
    public var groupType: String?
    public var acd: Bool?
    public var queue: Bool?
    public var vector: Bool?
    public var skill: Bool?
    /// Member extensions in administered order.
    public var members: [String]
    public var nightServiceDestination: String?
    public var coveragePath: String?
    /// `unlimited` or a number, as administered.
    public var queueLimit: String?
    public var callsWarningThreshold: String?
    public var timeWarningThreshold: String?
    public var cor: Int?
    public var tenant: Int?
    public var extra: [String: String]

    public init(number: Int, name: String? = nil, extension ext: String? = nil, groupType: String? = nil,
                acd: Bool? = nil, queue: Bool? = nil, vector: Bool? = nil, skill: Bool? = nil,
                members: [String] = [], nightServiceDestination: String? = nil, coveragePath: String? = nil,
                queueLimit: String? = nil, callsWarningThreshold: String? = nil,
                timeWarningThreshold: String? = nil, cor: Int? = nil, tenant: Int? = nil,
                extra: [String: String] = [:]) {
        self.number = number; self.name = name; self.extension = ext; self.groupType = groupType
        self.acd = acd; self.queue = queue; self.vector = vector; self.skill = skill; self.members = members
        self.nightServiceDestination = nightServiceDestination; self.coveragePath = coveragePath
        self.queueLimit = queueLimit; self.callsWarningThreshold = callsWarningThreshold
        self.timeWarningThreshold = timeWarningThreshold; self.cor = cor; self.tenant = tenant
        self.extra = extra
    }
}

/// A vector step as parsed from the verbatim text. `kind` is the command (`wait-time`,
/// `queue-to`, `goto`, …); `args` holds named operands (see docs/avaya-readers.md).
public struct ParsedStep: Sendable, Codable, Hashable {
    public var kind: String
    public var args: [String: String]
    public init(kind: String, args: [String: String] = [:]) { self.kind = kind; self.args = args }
}

public struct VectorStep: Sendable, Codable, Hashable {
    public var number: Int
    /// The step exactly as administered, with runs of blanks collapsed to one space.
    public var text: String
    /// Nil when the command is not one we understand; `text` is always kept.
    public var parsed: ParsedStep?
    public init(number: Int, text: String, parsed: ParsedStep? = nil) {
        self.number = number; self.text = text; self.parsed = parsed
    }
}

public struct Vector: Sendable, Codable, Hashable {
    public var number: Int
    public var name: String?
    public var steps: [VectorStep]
    public var extra: [String: String]
    public init(number: Int, name: String? = nil, steps: [VectorStep] = [], extra: [String: String] = [:]) {
        self.number = number; self.name = name; self.steps = steps; self.extra = extra
    }
}

public struct VDN: Sendable, Codable, Hashable {
    public var `extension`: String
    public var name: String?
    public var vectorNumber: Int?
    /// VDN skills 1st, 2nd, 3rd (nil where not administered).
    public var skill1: Int?
    public var skill2: Int?
    public var skill3: Int?
    public var cor: Int?
    public var tenant: Int?
    public var extra: [String: String]
    public init(extension ext: String, name: String? = nil, vectorNumber: Int? = nil, skill1: Int? = nil,
                skill2: Int? = nil, skill3: Int? = nil, cor: Int? = nil, tenant: Int? = nil,
                extra: [String: String] = [:]) {
        self.extension = ext; self.name = name; self.vectorNumber = vectorNumber; self.skill1 = skill1
        self.skill2 = skill2; self.skill3 = skill3; self.cor = cor; self.tenant = tenant; self.extra = extra
    }
}

public struct CoverageCriteria: Sendable, Codable, Hashable {
    public var active: Bool?
    public var busy: Bool?
    public var dontAnswer: Bool?
    public var all: Bool?
    public var dndSacGotoCover: Bool?
    public var holiday: Bool?
    public var loggedOff: Bool?
    public init(active: Bool? = nil, busy: Bool? = nil, dontAnswer: Bool? = nil, all: Bool? = nil,
                dndSacGotoCover: Bool? = nil, holiday: Bool? = nil, loggedOff: Bool? = nil) {
        self.active = active; self.busy = busy; self.dontAnswer = dontAnswer; self.all = all
        self.dndSacGotoCover = dndSacGotoCover; self.holiday = holiday; self.loggedOff = loggedOff
    }
}

/// One coverage point: a plain extension, `hN` (hunt group), `cN` (coverage answer group),
/// `rN` (remote), `vNNNN` (VDN) or `attd`.
public struct CoveragePoint: Sendable, Codable, Hashable {
    public var point: String
    public var rings: Int?
    public init(point: String, rings: Int? = nil) { self.point = point; self.rings = rings }
}

public struct CoveragePath: Sendable, Codable, Hashable {
    public var number: Int
    public var nextPath: Int?
    public var huntAfterCoverage: Bool?
    public var inside: CoverageCriteria
    public var outside: CoverageCriteria
    public var dontAnswerRings: Int?
    public var points: [CoveragePoint]
    public var extra: [String: String]
    public init(number: Int, nextPath: Int? = nil, huntAfterCoverage: Bool? = nil,
                inside: CoverageCriteria = .init(), outside: CoverageCriteria = .init(),
                dontAnswerRings: Int? = nil, points: [CoveragePoint] = [], extra: [String: String] = [:]) {
        self.number = number; self.nextPath = nextPath; self.huntAfterCoverage = huntAfterCoverage
        self.inside = inside; self.outside = outside; self.dontAnswerRings = dontAnswerRings
        self.points = points; self.extra = extra
    }
}

public struct ClassOfRestriction: Sendable, Codable, Hashable {
    public var number: Int
    public var description: String?
    public var frl: Int?
    public var extra: [String: String]
    public init(number: Int, description: String? = nil, frl: Int? = nil, extra: [String: String] = [:]) {
        self.number = number; self.description = description; self.frl = frl; self.extra = extra
    }
}

public struct ClassOfService: Sendable, Codable, Hashable {
    public var number: Int
    /// Feature row label (as on the COS screen, blanks collapsed) → permitted.
    public var permissions: [String: Bool]
    public var extra: [String: String]
    public init(number: Int, permissions: [String: Bool] = [:], extra: [String: String] = [:]) {
        self.number = number; self.permissions = permissions; self.extra = extra
    }
}

public struct ReasonCode: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable { case aux, logout }
    public var kind: Kind
    /// 0 is the default code.
    public var code: Int
    public var name: String
    public var interruptible: Bool?
    public var extra: [String: String]
    public init(kind: Kind, code: Int, name: String, interruptible: Bool? = nil, extra: [String: String] = [:]) {
        self.kind = kind; self.code = code; self.name = name; self.interruptible = interruptible; self.extra = extra
    }
}

public struct HolidayEntry: Sendable, Codable, Hashable {
    public var startMonth: Int, startDay: Int, startHour: Int, startMinute: Int
    public var endMonth: Int, endDay: Int, endHour: Int, endMinute: Int
    public var description: String?
    public init(startMonth: Int, startDay: Int, startHour: Int, startMinute: Int, endMonth: Int,
                endDay: Int, endHour: Int, endMinute: Int, description: String? = nil) {
        self.startMonth = startMonth; self.startDay = startDay; self.startHour = startHour
        self.startMinute = startMinute; self.endMonth = endMonth; self.endDay = endDay
        self.endHour = endHour; self.endMinute = endMinute; self.description = description
    }
}

public struct HolidayTable: Sendable, Codable, Hashable {
    public var number: Int
    public var name: String?
    public var entries: [HolidayEntry]
    public var extra: [String: String]
    public init(number: Int, name: String? = nil, entries: [HolidayEntry] = [], extra: [String: String] = [:]) {
        self.number = number; self.name = name; self.entries = entries; self.extra = extra
    }
}

public struct Announcement: Sendable, Codable, Hashable {
    public var `extension`: String
    public var name: String?
    /// `integrated`, `analog`, …
    public var type: String?
    /// Board location, port or audio group (`004V9`, `G1`).
    public var source: String?
    public var extra: [String: String]
    public init(extension ext: String, name: String? = nil, type: String? = nil, source: String? = nil,
                extra: [String: String] = [:]) {
        self.extension = ext; self.name = name; self.type = type; self.source = source; self.extra = extra
    }
}

/// One row of `public-unknown-numbering`: extensions of `extensionLength` digits starting with
/// `extensionCode` send `cpnPrefix` + extension, `cpnLength` digits in total.
public struct PublicNumbering: Sendable, Codable, Hashable {
    public var extensionLength: Int
    public var extensionCode: String
    public var trunkGroups: String?
    public var cpnPrefix: String?
    public var cpnLength: Int?
    public var extra: [String: String]
    public init(extensionLength: Int, extensionCode: String, trunkGroups: String? = nil,
                cpnPrefix: String? = nil, cpnLength: Int? = nil, extra: [String: String] = [:]) {
        self.extensionLength = extensionLength; self.extensionCode = extensionCode
        self.trunkGroups = trunkGroups; self.cpnPrefix = cpnPrefix; self.cpnLength = cpnLength; self.extra = extra
    }
}

/// One row of `dialplan analysis`.
public struct DialPlanEntry: Sendable, Codable, Hashable {
    public var dialedString: String
    public var totalLength: Int
    /// `ext`, `attd`, `fac`, `dac`, `aar`, `ars`, `udp`, …
    public var callType: String
    /// Dial plan location (`display dialplan analysis location N`); nil for the system-wide
    /// table (`Location: all`). Part of the row's key: each location has its own table.
    public var location: String?
    public var extra: [String: String]
    public init(dialedString: String, totalLength: Int, callType: String, location: String? = nil, extra: [String: String] = [:]) {
        self.dialedString = dialedString; self.totalLength = totalLength; self.callType = callType; self.location = location
        self.extra = extra
    }
}

public struct PickupGroup: Sendable, Codable, Hashable {
    public var number: Int
    public var name: String?
    public var members: [String]
    public var extra: [String: String]
    public init(number: Int, name: String? = nil, members: [String] = [], extra: [String: String] = [:]) {
        self.number = number; self.name = name; self.members = members; self.extra = extra
    }
}

public struct Tenant: Sendable, Codable, Hashable {
    public var number: Int
    public var description: String?
    public var attendantGroup: Int?
    public var musicSource: String?
    public var nightDestination: String?
    public var cosGroup: Int?
    public var extra: [String: String]
    public init(number: Int, description: String? = nil, attendantGroup: Int? = nil, musicSource: String? = nil,
                nightDestination: String? = nil, cosGroup: Int? = nil, extra: [String: String] = [:]) {
        self.number = number; self.description = description; self.attendantGroup = attendantGroup
        self.musicSource = musicSource; self.nightDestination = nightDestination; self.cosGroup = cosGroup
        self.extra = extra
    }
}

/// A person from System Manager (only SMGR exports carry people).
public struct User: Sendable, Codable, Hashable {
    public var loginName: String
    public var givenName: String?
    public var surname: String?
    public var displayName: String?
    public var email: String?
    public var stationExtensions: [String]
    public var agentLoginIds: [String]
    public var commProfileSets: [String]
    public var extra: [String: String]
    public init(loginName: String, givenName: String? = nil, surname: String? = nil, displayName: String? = nil,
                email: String? = nil, stationExtensions: [String] = [], agentLoginIds: [String] = [],
                commProfileSets: [String] = [], extra: [String: String] = [:]) {
        self.loginName = loginName; self.givenName = givenName; self.surname = surname
        self.displayName = displayName; self.email = email; self.stationExtensions = stationExtensions
        self.agentLoginIds = agentLoginIds; self.commProfileSets = commProfileSets; self.extra = extra
    }
}

/// A record of a known kind whose fields could not be typed: an OSSI table row (or list row)
/// read without a dictionary for its form. Its key comes from the row's identifying columns,
/// its fields are the raw `ossi:<field id>` values. Nothing is guessed into typed fields.
public struct UntypedRecord: Sendable, Codable, Hashable {
    public var kind: ObjectKind
    public var key: String
    /// The OSSI form (`publicNumbering`, `list.cos`, …) the row came from.
    public var form: String
    /// `ossi:<field id>` → value, as captured (blank values dropped).
    public var fields: [String: String]
    public init(kind: ObjectKind, key: String, form: String, fields: [String: String]) {
        self.kind = kind; self.key = key; self.form = form; self.fields = fields
    }
}

/// The whole site. Dictionaries are keyed by each kind's natural key (extension, number, …);
/// JSON output (canonical) sorts keys, and `sortedKeys` gives numeric-aware order for humans.
public struct SiteModel: Sendable, Codable, Hashable {
    public var stations: [String: Station] = [:]
    public var agents: [String: Agent] = [:]
    public var huntGroups: [String: HuntGroup] = [:]
    public var vectors: [String: Vector] = [:]
    public var vdns: [String: VDN] = [:]
    public var coveragePaths: [String: CoveragePath] = [:]
    public var cors: [String: ClassOfRestriction] = [:]
    public var coses: [String: ClassOfService] = [:]
    public var reasonCodes: [String: ReasonCode] = [:]
    public var holidayTables: [String: HolidayTable] = [:]
    public var announcements: [String: Announcement] = [:]
    public var publicNumbering: [String: PublicNumbering] = [:]
    public var dialPlan: [String: DialPlanEntry] = [:]
    public var pickupGroups: [String: PickupGroup] = [:]
    public var tenants: [String: Tenant] = [:]
    public var users: [String: User] = [:]
    /// OSSI rows of a known kind that could not be typed (no dictionary for the form, or ids of
    /// another release), keyed `kind:key`; nil when there are none (so models without them
    /// encode as before). They count in `count(kind)`, and the transform reports each one.
    public var untyped: [String: UntypedRecord]? = nil
    /// Where each record was seen, keyed `kind:key` (e.g. `station:3001`). Not content.
    public var sources: [String: [SourceLocation]] = [:]

    public init() {}

    /// Count of records of one kind.
    public func count(_ kind: ObjectKind) -> Int {
        typedCount(kind) + untypedCount(kind)
    }

    func typedCount(_ kind: ObjectKind) -> Int {
        switch kind {
        case .station: stations.count
        case .agent: agents.count
        case .huntGroup: huntGroups.count
        case .vector: vectors.count
        case .vdn: vdns.count
        case .coveragePath: coveragePaths.count
        case .cor: cors.count
        case .cos: coses.count
        case .reasonCode: reasonCodes.count
        case .holidayTable: holidayTables.count
        case .announcement: announcements.count
        case .publicNumbering: publicNumbering.count
        case .dialPlan: dialPlan.count
        case .pickupGroup: pickupGroups.count
        case .tenant: tenants.count
        case .user: users.count
        }
    }

    func untypedCount(_ kind: ObjectKind) -> Int {
        guard let u = untyped else { return 0 }
        return u.values.reduce(0) { $0 + ($1.kind == kind ? 1 : 0) }
    }

    /// The same model without provenance: what "equal modulo source locations" compares.
    public var content: SiteModel {
        var m = self
        m.sources = [:]
        return m
    }

    /// Keys in numeric-aware order ("2" before "10"), for stable human-facing output.
    public static func sortedKeys<V>(_ d: [String: V]) -> [String] {
        d.keys.sorted(by: keyLess)
    }

    static func keyLess(_ a: String, _ b: String) -> Bool {
        if let x = Int(a), let y = Int(b), x != y { return x < y }
        if a.utf8.count != b.utf8.count, Int(a) != nil, Int(b) != nil { return a.utf8.count < b.utf8.count }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

/// A record that could not be placed in the model, with the reason.
public struct Reject: Sendable, Codable, Hashable {
    public var kind: ObjectKind?
    public var key: String?
    public var location: SourceLocation
    public var reason: String
    public init(kind: ObjectKind?, key: String?, location: SourceLocation, reason: String) {
        self.kind = kind; self.key = key; self.location = location; self.reason = reason
    }
}

/// Per-kind reconciliation: `read == inModel + merged + rejected` always holds.
public struct KindCount: Sendable, Codable, Hashable {
    /// Records seen in any input (a station captured twice counts twice).
    public var read = 0
    /// Records folded into another record of the same key (other source, list view, identical repeat).
    public var merged = 0
    public var rejected = 0
    public var inModel = 0
    public init() {}
    public var reconciles: Bool { read == inModel + merged + rejected }
}

/// What a read did: counts per kind, rejects, files and their detected formats.
public struct ReadReport: Sendable, Codable, Hashable {
    public var counts: [ObjectKind: KindCount] = [:]
    public var rejects: [Reject] = []
    /// Path → detected format (`sat`, `ossi`, `smgr`, `zip`, `unknown`).
    public var files: [String: String] = [:]
    public init() {}
    public var reconciles: Bool { counts.values.allSatisfy(\.reconciles) }
}

// Encode `[ObjectKind: …]` as a JSON object keyed by the raw value, not as a pair array.
extension ObjectKind: CodingKeyRepresentable {}
