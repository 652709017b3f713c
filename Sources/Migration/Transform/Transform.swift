import AvayaCM
import Common
import Foundation
import GenesysCloud

/// Avaya source model → Genesys payloads, one rule of docs/mapping.md at a time. Deterministic:
/// records are visited in sorted key order, so de-duplication and every choice repeat exactly.
public struct Transformer {
    public let config: MappingConfig
    /// Year for holiday rows (the config's, else the bundle's creation year).
    public let holidayYear: Int

    public init(config: MappingConfig, createdEpoch: Int64) {
        self.config = config
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current,
                                                                   from: Date(timeIntervalSince1970: TimeInterval(createdEpoch))).year
        self.holidayYear = config.holidayYear ?? year ?? 2026
    }

    /// `encodingPayloads`: payloads are encoded for the bundle as they are made and kept as bytes
    /// (`PlannedResource.encoded`), which is what `cm2gc build` needs; otherwise kept as trees.
    public func run(_ m: SiteModel, encodingPayloads: Bool = false) -> TransformOutput {
        run(m, encodingPayloads: encodingPayloads, settling: true)
    }

    /// `settling`: see `TransformSink.finish(settling:)`.
    func run(_ m: SiteModel, encodingPayloads: Bool, settling: Bool) -> TransformOutput {
        let sink = TransformSink(locations: m.sources, encodesPayloads: encodingPayloads)
        var ctx = Context(config: config, model: m, sink: sink, holidayYear: holidayYear)
        ctx.run()
        return sink.finish(settling: settling)
    }
}

struct Context {
    let config: MappingConfig
    let model: SiteModel
    let sink: TransformSink
    let holidayYear: Int
    let excluded: ExtensionRangeSet
    var names = UniqueNamer()        // user display names are not unique in Genesys, but queue/group names are
    var queueNames = UniqueNamer()
    var groupNames = UniqueNamer()
    var emails = UniqueNamer()
    /// station extension → user key; agent login → user key.
    var userForStation: [String: String] = [:]
    var userForAgent: [String: String] = [:]
    /// E.164 DIDs given to users (for the DID pools).
    var dids: [String] = []
    var migratedExtensions: [String] = []
    /// Source digests of stations, worked out once in `users()` (phones and lines reuse them).
    var stationDigests: [String: String] = [:]
    /// Lookups built once from the model, so that per-record rules never scan a whole table
    /// (a 100,000-station site would otherwise be quadratic).
    let index: ModelIndex
    /// Hunt group number → why it is a voicemail group (configured, or recognised from its form).
    let voicemailGroups: [Int: String]

    init(config: MappingConfig, model: SiteModel, sink: TransformSink, holidayYear: Int) {
        self.config = config
        self.model = model
        self.sink = sink
        self.holidayYear = holidayYear
        self.excluded = ExtensionRangeSet(config.exclude)
        self.index = ModelIndex(model)
        var vm: [Int: String] = [:]
        for h in model.huntGroups.values {
            if config.voicemailGroups.contains(h.number) { vm[h.number] = "listed under voicemailGroups" }
            else if let why = VoicemailGroup.recognise(h, agents: index.skillHolders[h.number]?.count ?? 0) { vm[h.number] = why }
        }
        self.voicemailGroups = vm
    }

    static func sorted<V>(_ d: [String: V]) -> [(String, V)] {
        SiteModel.sortedKeys(d).compactMap { k in d[k].map { (k, $0) } }
    }

    func ref(_ t: ResourceType, _ key: String) -> String { "@ref:\(t.rawValue)/\(key)" }
    func external(_ t: ResourceType, _ name: String) -> String { "@ext:\(t.rawValue)/\(name)" }

    mutating func run() {
        for (k, _) in model.stations { sink.register(kind: .station, id: k) }
        for (k, _) in model.agents { sink.register(kind: .agent, id: k) }
        for (k, _) in model.huntGroups { sink.register(kind: .huntGroup, id: k) }
        for (k, _) in model.vectors { sink.register(kind: .vector, id: k) }
        for (k, _) in model.vdns { sink.register(kind: .vdn, id: k) }
        for (k, _) in model.coveragePaths { sink.register(kind: .coveragePath, id: k) }
        for (k, _) in model.cors { sink.register(kind: .cor, id: k) }
        for (k, _) in model.coses { sink.register(kind: .cos, id: k) }
        for (k, _) in model.reasonCodes { sink.register(kind: .reasonCode, id: k) }
        for (k, _) in model.holidayTables { sink.register(kind: .holidayTable, id: k) }
        for (k, _) in model.announcements { sink.register(kind: .announcement, id: k) }
        for (k, _) in model.publicNumbering { sink.register(kind: .publicNumbering, id: k) }
        for (k, _) in model.dialPlan { sink.register(kind: .dialPlan, id: k) }
        for (k, _) in model.pickupGroups { sink.register(kind: .pickupGroup, id: k) }
        for (k, _) in model.tenants { sink.register(kind: .tenant, id: k) }
        for (k, _) in model.users { sink.register(kind: .user, id: k) }
        // OSSI rows read without a dictionary for their form: counted by the reader, never
        // typed by guess, so each is a manual exception naming its raw field ids.
        for (_, u) in (model.untyped ?? [:]).sorted(by: { $0.key < $1.key }) {
            sink.register(kind: u.kind, id: u.key)
            sink.exception(rule: "source.untyped", kind: u.kind, id: u.key, .manual,
                "\(u.kind.rawValue) \(u.key) was read from OSSI form '\(u.form)' without a dictionary for it; its fields (\(u.fields.keys.sorted().joined(separator: ", "))) are not typed, so nothing was made from it",
                hint: "re-read with --ossi-dictionary giving this release's field ids, or capture the screen in SAT, then rebuild")
        }

        divisions()
        skills()
        presences()
        users()
        agents()
        huntGroups()
        userSkills()
        coverage()
        phones()
        holidays()
        announcements()
        policies()
        if config.callFlows { routing() } else { routingDisabled() }
        pools()
        smgrUsers()
        numberingAndDialPlan()
    }

    // MARK: tenant.division

    func divisionRef(tenant: Int?) -> String {
        let t = tenant ?? 1
        if let name = config.divisions.tenants[String(t)] {
            return name == config.divisions.home ? external(.divisions, config.divisions.home) : ref(.divisions, "tenant-\(t)")
        }
        return t == 1 ? external(.divisions, config.divisions.home) : ref(.divisions, "tenant-\(t)")
    }

    func divisionName(tenant t: Int) -> String {
        config.divisions.tenants[String(t)] ?? config.divisions.template.replacingOccurrences(of: "{n}", with: String(t))
    }

    mutating func divisions() {
        // Every tenant used anywhere needs its division, listed or not.
        var used: Set<Int> = Set(model.tenants.values.map(\.number))
        for s in model.stations.values { if let t = s.tenant { used.insert(t) } }
        for a in model.agents.values { if let t = a.tenant { used.insert(t) } }
        for h in model.huntGroups.values { if let t = h.tenant { used.insert(t) } }
        for v in model.vdns.values { if let t = v.tenant { used.insert(t) } }
        for t in used.sorted() {
            let tenant = model.tenants[String(t)]
            let id = String(t)
            let r = divisionRef(tenant: t)
            if r.hasPrefix("@ext:") {
                if tenant != nil {
                    sink.exclude(rule: "tenant.division", kind: .tenant, id: id, digest: recordDigest(tenant),
                                 reason: "tenant \(t) maps to the existing division \(config.divisions.home); nothing to create")
                }
                continue
            }
            let payload: JSONValue = ["name": .string(divisionName(tenant: t)),
                                      "description": .string(tenant?.description.map { "Avaya tenant \(t): \($0)" } ?? "Avaya tenant \(t)")]
            if tenant != nil {
                sink.add(type: .divisions, key: "tenant-\(t)", payload: payload, rule: "tenant.division", kind: .tenant, id: id,
                         digest: recordDigest(tenant), reason: "tenant \(t) becomes division \(divisionName(tenant: t))")
            } else {
                // Referenced but never administered in the export: still needed by the references.
                sink.register(kind: .tenant, id: id)
                sink.add(type: .divisions, key: "tenant-\(t)", payload: payload, rule: "tenant.division", kind: .tenant, id: id,
                         digest: nil, reason: "tenant \(t) is used by records but not in the export; division created from its number",
                         warnings: ["tenant \(t) has no tenant record in the inputs"])
            }
        }
    }

    // MARK: hunt.queue (skills)

    func skillKey(_ n: Int) -> String { "skill-\(n)" }

    func skillName(_ n: Int) -> String {
        if let hg = model.huntGroups[String(n)], let name = hg.name, !name.isEmpty { return name }
        return "Skill \(n)"
    }

    /// Skills are hunt groups administered as skills, plus any skill number agents carry.
    var skillNumbers: [Int] {
        var s: Set<Int> = []
        for h in model.huntGroups.values where h.skill == true { s.insert(h.number) }
        for a in model.agents.values { for sk in a.skills { s.insert(sk.skill) } }
        return s.sorted()
    }

    mutating func skills() {
        var used = UniqueNamer()
        for n in skillNumbers {
            let (name, renamed) = used.claim(skillName(n))
            let hg = model.huntGroups[String(n)]
            let kind: ObjectKind = hg != nil ? .huntGroup : .agent
            let id = hg != nil ? String(n) : (index.skillHolders[n]?.map(\.agent.loginId).min() ?? String(n))
            sink.add(type: .routingSkills, key: skillKey(n), payload: ["name": .string(name)], rule: "hunt.queue", kind: kind,
                     id: id, digest: hg.flatMap(recordDigest), reason: "skill \(n) becomes routing skill \(name)",
                     warnings: renamed ? ["name made unique: \(name)"] : [])
        }
    }

    // MARK: aux.presence

    mutating func presences() {
        for (k, rc) in Self.sorted(model.reasonCodes) {
            if rc.kind == .logout || rc.code == 0 {
                sink.exclude(rule: "aux.presence", kind: .reasonCode, id: k, digest: recordDigest(rc),
                             reason: rc.kind == .logout ? "logout reason codes have no Genesys presence; agents go Offline"
                                : "AUX code 0 is CM's default reason; Genesys's own Away covers it")
                continue
            }
            let lower = rc.name.lowercased()
            let system = config.presence.keywords.keys.sorted().first { lower.contains($0) }.flatMap { config.presence.keywords[$0] }
                ?? config.presence.default
            if rc.name.trimmingCharacters(in: .whitespaces).lowercased() == system.lowercased() {
                // The org already has this presence: a second one with the same label would only confuse agents.
                sink.exclude(rule: "aux.presence", kind: .reasonCode, id: k, digest: recordDigest(rc),
                             reason: "AUX \(rc.code) \"\(rc.name)\" is the system presence \(system); nothing to create")
                continue
            }
            let payload: JSONValue = ["languageLabels": ["en_US": .string(rc.name)], "systemPresence": .string(system), "type": "User"]
            sink.add(type: .presenceDefinitions, key: "aux-\(rc.code)", payload: payload, rule: "aux.presence", kind: .reasonCode,
                     id: k, digest: recordDigest(rc), reason: "AUX \(rc.code) \"\(rc.name)\" becomes a \(system) secondary presence")
        }
    }
}

/// Indexes over an immutable `SiteModel`, each preserving the choice the per-record scan it
/// replaces would make (first in the same order).
struct ModelIndex {
    /// Station keys in `SiteModel.sortedKeys` order, and agent keys likewise.
    let stationKeys: [String]
    /// The stations in that order, with their keys (users, phones and coverage walk them).
    let stations: [(String, Station)]
    let agentKeys: [String]
    /// Station extension / agent login → the SMGR user with the smallest login name listing it.
    let smgrUserByStation: [String: AvayaCM.User]
    let smgrUserByAgent: [String: AvayaCM.User]
    /// Hunt-group extension → the hunt group (the lowest-numbered one if an extension repeats).
    let huntGroupByExtension: [String: HuntGroup]
    /// Skill number → the agents holding it (one entry per assignment), in sorted login order.
    let skillHolders: [Int: [(login: String, agent: Agent, skill: AgentSkill)]]
    /// COR number → how many stations use it.
    let stationsPerCOR: [Int: Int]
    /// public-unknown-numbering as CM matches it [station.did].
    let numbering: PublicNumberingTable

    init(_ m: SiteModel) {
        // The station lists (a sort of 100,000 keys) on one core, the other indexes on the other.
        typealias Others = (agentKeys: [String], byStation: [String: AvayaCM.User], byAgent: [String: AvayaCM.User],
                            hunts: [String: HuntGroup], holders: [Int: [(login: String, agent: Agent, skill: AgentSkill)]])
        let stationSide = { () -> ([String], [(String, Station)], [Int: Int]) in
            let keys = SiteModel.sortedKeys(m.stations)
            var cors: [Int: Int] = [:]
            for s in m.stations.values { if let c = s.cor { cors[c, default: 0] += 1 } }
            return (keys, keys.compactMap { k in m.stations[k].map { (k, $0) } }, cors)
        }
        let otherSide = { () -> Others in
            let agentKeys = SiteModel.sortedKeys(m.agents)
            var byStation: [String: AvayaCM.User] = [:], byAgent: [String: AvayaCM.User] = [:]
            let users = SiteModel.sortedKeys(m.users).compactMap { m.users[$0] }.sorted { $0.loginName < $1.loginName }
            for u in users {
                for e in u.stationExtensions where byStation[e] == nil { byStation[e] = u }
                for l in u.agentLoginIds where byAgent[l] == nil { byAgent[l] = u }
            }
            var hunts: [String: HuntGroup] = [:]
            for k in SiteModel.sortedKeys(m.huntGroups) {
                guard let h = m.huntGroups[k], let e = h.extension else { continue }
                if let old = hunts[e], old.number <= h.number { continue }
                hunts[e] = h
            }
            var holders: [Int: [(login: String, agent: Agent, skill: AgentSkill)]] = [:]
            for k in agentKeys {
                guard let a = m.agents[k] else { continue }
                for s in a.skills { holders[s.skill, default: []].append((k, a, s)) }
            }
            return (agentKeys, byStation, byAgent, hunts, holders)
        }
        let ((keys, stations, cors), others) = (try? Parallel.both(stationSide, otherSide)) ?? (stationSide(), otherSide())
        stationKeys = keys
        self.stations = stations
        stationsPerCOR = cors
        agentKeys = others.agentKeys
        smgrUserByStation = others.byStation
        smgrUserByAgent = others.byAgent
        huntGroupByExtension = others.hunts
        skillHolders = others.holders
        numbering = PublicNumberingTable(m.publicNumbering)
    }
}
