import Common
import Foundation

// The record shape of our CM REST contract (docs/cm-rest.md): each record is the JSON encoding
// of the source model's record type, plus `id` (the record's natural key, as the model keys it)
// and `lastModified`. Living next to the model keeps the two from drifting: a field added to
// `Station` is a field of the REST station record, and the extractor and the CM sandbox agree
// by construction.

/// One dataset of the CM REST contract: a URL path segment, a staging table, a model kind.
public enum CMRestDataset: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    case stations, agents, huntGroups = "huntgroups", vectors, vdns, coveragePaths = "coverage-paths"
    case cor, cos, reasonCodes = "reason-codes", holidayTables = "holiday-tables", announcements
    case publicNumbering = "public-numbering", dialPlan = "dialplan", pickupGroups = "pickup-groups", tenants

    public static func < (a: Self, b: Self) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }

    /// URL path segment.
    public var path: String { rawValue }

    /// SQL-safe table name (letters and underscores only).
    public var table: String { rawValue.replacingOccurrences(of: "-", with: "_") }

    public var kind: ObjectKind {
        switch self {
        case .stations: .station
        case .agents: .agent
        case .huntGroups: .huntGroup
        case .vectors: .vector
        case .vdns: .vdn
        case .coveragePaths: .coveragePath
        case .cor: .cor
        case .cos: .cos
        case .reasonCodes: .reasonCode
        case .holidayTables: .holidayTable
        case .announcements: .announcement
        case .publicNumbering: .publicNumbering
        case .dialPlan: .dialPlan
        case .pickupGroups: .pickupGroup
        case .tenants: .tenant
        }
    }

    /// The model's records of this dataset as REST records (`id` added, no `lastModified`),
    /// keyed by id.
    public func records(of m: SiteModel) throws -> [String: [String: JSONValue]] {
        func enc<R: Encodable>(_ d: [String: R]) throws -> [String: [String: JSONValue]] {
            var out: [String: [String: JSONValue]] = [:]
            for (k, r) in d {
                guard case .object(var o) = try JSONValue.from(r) else { continue }
                o["id"] = .string(k)
                out[k] = o
            }
            return out
        }
        switch self {
        case .stations: return try enc(m.stations)
        case .agents: return try enc(m.agents)
        case .huntGroups: return try enc(m.huntGroups)
        case .vectors: return try enc(m.vectors)
        case .vdns: return try enc(m.vdns)
        case .coveragePaths: return try enc(m.coveragePaths)
        case .cor: return try enc(m.cors)
        case .cos: return try enc(m.coses)
        case .reasonCodes: return try enc(m.reasonCodes)
        case .holidayTables: return try enc(m.holidayTables)
        case .announcements: return try enc(m.announcements)
        case .publicNumbering: return try enc(m.publicNumbering)
        case .dialPlan: return try enc(m.dialPlan)
        case .pickupGroups: return try enc(m.pickupGroups)
        case .tenants: return try enc(m.tenants)
        }
    }

    /// Decodes one REST record (`id`, `lastModified` and unknown members ignored) into the model
    /// under `id`. Throws when the record does not have the model's shape.
    public func insert(_ record: [String: JSONValue], id: String, into m: inout SiteModel) throws {
        var o = record
        o["id"] = nil
        o["lastModified"] = nil
        let v = JSONValue.object(o)
        switch self {
        case .stations: m.stations[id] = try v.decode(Station.self)
        case .agents: m.agents[id] = try v.decode(Agent.self)
        case .huntGroups: m.huntGroups[id] = try v.decode(HuntGroup.self)
        case .vectors: m.vectors[id] = try v.decode(Vector.self)
        case .vdns: m.vdns[id] = try v.decode(VDN.self)
        case .coveragePaths: m.coveragePaths[id] = try v.decode(CoveragePath.self)
        case .cor: m.cors[id] = try v.decode(ClassOfRestriction.self)
        case .cos: m.coses[id] = try v.decode(ClassOfService.self)
        case .reasonCodes: m.reasonCodes[id] = try v.decode(ReasonCode.self)
        case .holidayTables: m.holidayTables[id] = try v.decode(HolidayTable.self)
        case .announcements: m.announcements[id] = try v.decode(Announcement.self)
        case .publicNumbering: m.publicNumbering[id] = try v.decode(PublicNumbering.self)
        case .dialPlan: m.dialPlan[id] = try v.decode(DialPlanEntry.self)
        case .pickupGroups: m.pickupGroups[id] = try v.decode(PickupGroup.self)
        case .tenants: m.tenants[id] = try v.decode(Tenant.self)
        }
    }
}

/// How each dataset is read over OSSI (pbxd): `list` for the keys, then `display` per key; or,
/// for one-screen forms, a single `display`. The `list` commands for objects other than
/// stations, and their row fields, are RECONSTRUCTED [verify] against a real CM.
public struct OSSIForm: Sendable, Hashable {
    /// OSSI dictionary form name (`station`, `huntGroup`, …).
    public var form: String
    /// `display <words> <key>` per object; nil for one-screen forms.
    public var displayWords: String?
    /// The one command of a one-screen form.
    public var singleCommand: String?
    /// Model field that is the key (`extension`, `loginId`, `number`).
    public var keyField: String?

    public var listCommand: String? { displayWords.map { "list \($0)" } }
    public func displayCommand(_ key: String) -> String? { displayWords.map { "display \($0) \(key)" } }

    /// Field ids a `list` row carries: the key, plus the name where the form has one.
    public func listFieldIds(_ d: OSSIDictionary) -> (key: String?, others: [String]) {
        let ids = d.forms[form] ?? [:]
        let key = keyField.flatMap { k in ids.first { $0.value == k }?.key }
        let others = ids.filter { $0.value == "name" || $0.value == "description" || $0.value == "setType" }.map(\.key).sorted()
        return (key, others)
    }
}

extension CMRestDataset {
    public var ossi: OSSIForm {
        switch self {
        case .stations: OSSIForm(form: "station", displayWords: "station", keyField: "extension")
        case .agents: OSSIForm(form: "agent", displayWords: "agent-loginid", keyField: "loginId")
        case .huntGroups: OSSIForm(form: "huntGroup", displayWords: "hunt-group", keyField: "number")
        case .vectors: OSSIForm(form: "vector", displayWords: "vector", keyField: "number")
        case .vdns: OSSIForm(form: "vdn", displayWords: "vdn", keyField: "extension")
        case .coveragePaths: OSSIForm(form: "coveragePath", displayWords: "coverage path", keyField: "number")
        case .cor: OSSIForm(form: "cor", displayWords: "cor", keyField: "number")
        case .cos: OSSIForm(form: "cos", singleCommand: "display cos")
        case .reasonCodes: OSSIForm(form: "reasonCodes", singleCommand: "display reason-code-names")
        case .holidayTables: OSSIForm(form: "holidayTable", displayWords: "holiday-table", keyField: "number")
        case .announcements: OSSIForm(form: "announcement", displayWords: "announcement", keyField: "extension")
        case .publicNumbering: OSSIForm(form: "publicNumbering", singleCommand: "display public-unknown-numbering 0")
        case .dialPlan: OSSIForm(form: "dialPlan", singleCommand: "display dialplan analysis")
        case .pickupGroups: OSSIForm(form: "pickupGroup", displayWords: "pickup-group", keyField: "number")
        case .tenants: OSSIForm(form: "tenant", displayWords: "tenant", keyField: "number")
        }
    }
}

extension ReadResult {
    /// For readers outside this module (the staging store) that build the model themselves.
    /// (The memberwise initialiser is internal; a public redeclaration is not allowed.)
    public static func assembled(model: SiteModel, report: ReadReport, diagnostics: [Diagnostic]) -> ReadResult {
        ReadResult(model: model, report: report, diagnostics: diagnostics)
    }
}
