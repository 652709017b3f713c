import Common
import Foundation
import Yams

/// The configurable parts of the default mapping (docs/mapping.md, rule ids in brackets). Every
/// field has a default; a YAML file overrides what it names and nothing else.
public struct MappingConfig: Sendable, Codable, Hashable {
    /// Numbering and time for one site (a physical location of the PBX's users).
    public struct Site: Sendable, Codable, Hashable {
        /// ISO 3166 alpha-2, for reports.
        public var country: String
        /// E.164 country calling code without "+", e.g. "1", "44", "49".
        public var countryCode: String
        /// National trunk prefix dialled before area codes ("0" in most of Europe, "1" in NANP).
        public var trunkPrefix: String
        /// International access prefix ("011" NANP, "00" most others).
        public var internationalPrefix: String
        /// Allowed lengths of the national significant number (after the country code).
        public var nationalNumberLengths: [Int]
        /// IANA time zone of the site, for schedules [schedule.holiday, schedule.hours].
        public var timeZone: String
        /// How CM's public-unknown-numbering writes calling party numbers at this site: `auto`
        /// (decided per row: a CPN prefix starting with the trunk prefix is national, a number
        /// starting with the country code and longer than the longest national number is
        /// international, anything else national), or `national` / `international` for every row.
        /// CM does not say; it depends on the trunks' numbering format [verify per site]
        /// [station.did]. `cpnFormats` overrides single rows.
        public var cpnFormat: CPNFormat = .auto

        public enum CPNFormat: String, Sendable, Codable, Hashable, CaseIterable {
            case auto, national, international
        }

        public init(country: String, countryCode: String, trunkPrefix: String, internationalPrefix: String,
                    nationalNumberLengths: [Int], timeZone: String) {
            self.country = country
            self.countryCode = countryCode
            self.trunkPrefix = trunkPrefix
            self.internationalPrefix = internationalPrefix
            self.nationalNumberLengths = nationalNumberLengths
            self.timeZone = timeZone
        }
    }

    public struct Email: Sendable, Codable, Hashable {
        /// `{first}`, `{last}`, `{extension}` and `{domain}` are replaced [station.user].
        public var template: String = "{first}.{last}@{domain}"
        public var domain: String = "example.com"
    }

    public struct Divisions: Sendable, Codable, Hashable {
        /// Name of the org's existing home division (referenced, never created) [tenant.division].
        public var home: String = "Home"
        /// Tenant number → division name. Tenant 1 defaults to the home division.
        public var tenants: [String: String] = [:]
        /// Name for tenants not listed; `{n}` is the tenant number.
        public var template: String = "Tenant {n}"
    }

    public enum PhoneKind: String, Sendable, Codable, Hashable, CaseIterable {
        case sip, webrtc, none
    }

    public struct PhonePolicy: Sendable, Codable, Hashable {
        public var kind: PhoneKind
        /// Name of the phone base settings (created by the bundle) the phone uses.
        public var baseSettings: String?
    }

    public struct Phones: Sendable, Codable, Hashable {
        /// The Genesys site phones belong to: an existing object, looked up by name at upload.
        public var site: String = "Main"
        /// Lines per phone; more call appearances split into extra phones [station.lines].
        public var linesPerPhone: Int = 10
        /// Set type (exact, or a prefix ending in `*`) → policy [station.phone].
        public var setTypes: [String: PhonePolicy] = [
            "*SIP": PhonePolicy(kind: .sip, baseSettings: "Generic SIP"),
            "*SIPCC": PhonePolicy(kind: .sip, baseSettings: "Generic SIP"),
            "J1*": PhonePolicy(kind: .sip, baseSettings: "Generic SIP"),
            "XMOBILE": PhonePolicy(kind: .none, baseSettings: nil),
        ]
        /// Policy for set types no entry matches: hardware that cannot move gets a WebRTC phone.
        public var `default`: PhonePolicy = PhonePolicy(kind: .webrtc, baseSettings: "WebRTC")
        /// Phone model (the platform's phone meta base id, e.g. `inin_webrtc_softphone.json`) of each
        /// base settings name. Meta base ids are the platform's catalogue, the same in every org,
        /// so they are written literally; list yours with GET …/phonebasesettings/availablemetabases.
        public var metaBases: [String: String] = ["Generic SIP": "generic_sip.json", "WebRTC": "inin_webrtc_softphone.json"]
    }

    public enum SkillLevelMode: String, Sendable, Codable, Hashable, CaseIterable {
        case linear, table
    }

    public struct SkillLevels: Sendable, Codable, Hashable {
        /// linear: proficiency = 5 − (level − 1) / 3 [agent.skill-level].
        public var mode: SkillLevelMode = .linear
        /// level (1–16) → proficiency (0–5), used when mode is `table`; must not invert order.
        public var table: [String: Double] = [:]
        /// Ring for reserve level 1 and 2 agents [agent.reserve].
        public var reserveRings: [String: Int] = ["1": 2, "2": 3]
    }

    public enum HuntTarget: String, Sendable, Codable, Hashable, CaseIterable {
        case queue, group, exception
    }

    public struct HuntRule: Sendable, Codable, Hashable {
        public var target: HuntTarget
        /// For groups: `ROUND_ROBIN`, `SEQUENTIAL`, `RANDOM` (group ring alert type).
        public var ringPolicy: String?
        /// For queues: `BEST`, `ALL`, `NONE`.
        public var skillEvaluation: String?
        /// Recorded as an exception even when a payload is made (approximation).
        public var approximate: Bool = false
        public var note: String?
    }

    public struct Presence: Sendable, Codable, Hashable {
        /// Lower-case keyword found in an AUX reason name → Genesys system presence [aux.presence].
        public var keywords: [String: String] = [
            "break": "Break", "lunch": "Meal", "meal": "Meal", "meeting": "Meeting",
            "training": "Training", "coaching": "Training",
        ]
        public var `default`: String = "Away"
    }

    public enum DestinationKind: String, Sendable, Codable, Hashable, CaseIterable {
        case queue, group, number
    }

    public struct Destination: Sendable, Codable, Hashable {
        public var kind: DestinationKind
        /// Queue or group name (bundle resource or `@ext`), or an E.164 number.
        public var target: String
    }

    public struct Pools: Sendable, Codable, Hashable {
        /// Largest run of unused numbers a pool may span before it is split [extension.pool].
        public var maxExtensionGap: Int = 50
        public var maxDidGap: Int = 50
    }

    public struct Queues: Sendable, Codable, Hashable {
        public var alertingTimeoutSeconds: Int = 8
        public var wrapupPrompt: String = "MANDATORY_TIMEOUT"
        public var acwTimeoutMs: Int = 30_000
        /// Seconds before a bullseye ring expands to the next (reserve agents).
        public var ringTimeoutSeconds: Double = 30
    }

    public var version: Int = 1
    public var sites: [String: Site] = ["default": MappingConfig.usSite]
    public var defaultSite: String = "default"
    /// Avaya location number → site id.
    public var locations: [String: String] = [:]
    public var email = Email()
    public var divisions = Divisions()
    public var phones = Phones()
    public var skillLevels = SkillLevels()
    public var huntGroups: [String: HuntRule] = MappingConfig.defaultHuntRules
    public var presence = Presence()
    /// Seconds per ring for coverage don't-answer timers [coverage.forwarding].
    public var secondsPerRing: Int = 6
    /// Where a broken overflow/coverage cycle goes [hunt.overflow].
    public var defaultOverflow: Destination? = nil
    /// Extensions left out of the migration: single numbers or ranges `5000-5099`.
    public var exclude: [String] = []
    public var pools = Pools()
    public var queues = Queues()
    /// Hunt group numbers that are voicemail (AUDIX/messaging) groups [coverage.forwarding].
    public var voicemailGroups: [Int] = []
    /// Extension → E.164 DID, overriding the public numbering table [station.did].
    public var didOverrides: [String: String] = [:]
    /// public-unknown-numbering row `<ext len>/<ext code>` → how its CPN is written (`national` or
    /// `international`), overriding the site's `cpnFormat` and the automatic decision [station.did].
    public var cpnFormats: [String: Site.CPNFormat] = [:]
    /// Call work codes [cwc.wrapup]: CM keeps no table of them (agents key in digits; their
    /// meaning lives in CMS reports and site documents), so the table comes from here.
    public var callWorkCodes = CallWorkCodes()

    public struct CallWorkCodes: Sendable, Codable, Hashable {
        /// Code (digits) → wrap-up code name.
        public var codes: [String: String] = [:]
        /// Which queues offer the codes: every queue made from a hunt group, none, or the queues
        /// of these hunt group numbers.
        public var queues: Queues = .all

        public enum Queues: Sendable, Codable, Hashable {
            case all, none
            case huntGroups([Int])
        }

        public init() {}
    }
    /// Year for CM holiday rows, which carry no year [schedule.holiday]; nil: the year of the
    /// bundle's creation time (SOURCE_DATE_EPOCH or the newest input), never the wall clock.
    public var holidayYear: Int? = nil
    /// Translate vectors into Architect flows and VDNs into call routes [vdn.flow]. Off: every
    /// vector and VDN is a manual exception (for uploads before flow publishing is available).
    public var callFlows: Bool = true

    public init() {}

    public static let usSite = Site(country: "US", countryCode: "1", trunkPrefix: "1", internationalPrefix: "011",
                                    nationalNumberLengths: [10], timeZone: "America/New_York")

    public static let defaultHuntRules: [String: HuntRule] = [
        "ucd-mia": HuntRule(target: .queue, ringPolicy: nil, skillEvaluation: "ALL"),
        "ucd": HuntRule(target: .queue, ringPolicy: nil, skillEvaluation: "ALL"),
        "ead-mia": HuntRule(target: .queue, ringPolicy: nil, skillEvaluation: "BEST"),
        "ucd-loa": HuntRule(target: .queue, ringPolicy: nil, skillEvaluation: "ALL", approximate: true,
                            note: "Genesys has no least-occupied distribution; longest idle is used"),
        "ead-loa": HuntRule(target: .queue, ringPolicy: nil, skillEvaluation: "BEST", approximate: true,
                            note: "Genesys has no least-occupied distribution; best skill then longest idle is used"),
        "circ": HuntRule(target: .group, ringPolicy: "ROUND_ROBIN", skillEvaluation: nil),
        "ddc": HuntRule(target: .group, ringPolicy: "SEQUENTIAL", skillEvaluation: nil),
        "pad": HuntRule(target: .exception, ringPolicy: nil, skillEvaluation: nil,
                        note: "percent allocation has no Genesys equivalent; design the queue by hand"),
        "slm": HuntRule(target: .exception, ringPolicy: nil, skillEvaluation: nil,
                        note: "service level maximizer has no Genesys equivalent; design the queue by hand"),
    ]

    /// SHA-256 of the canonical JSON of the effective configuration: recorded in bundle.json so
    /// that a reviewer knows exactly which rules produced a bundle.
    public var digest: String {
        (try? SHA256Digest.hex(CanonicalJSON.data(self))) ?? "unencodable"
    }

    public func site(forLocation location: String?) -> Site {
        if let location, let id = locations[location], let s = sites[id] { return s }
        return sites[defaultSite] ?? Self.usSite
    }
}

public enum MappingConfigError: LocalizedError, Sendable {
    case unreadable(path: String, reason: String)
    case invalid([Diagnostic])

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason): return "cannot read mapping configuration \(path): \(reason)"
        case .invalid(let ds):
            return "mapping configuration is invalid:\n" + ds.map(\.description).joined(separator: "\n")
        }
    }
}
