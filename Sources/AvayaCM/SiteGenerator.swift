import Common

/// What to generate. `sample` is the fixed profile behind `samples/`; any other profile scales
/// the same shapes up for benchmarks.
public struct SiteProfile: Sendable, Hashable, Codable {
    public var stations: Int
    public var agents: Int
    public var huntGroups: Int
    public var vectors: Int
    public var vdns: Int
    public var seed: UInt64

    public init(stations: Int = 60, agents: Int = 30, huntGroups: Int = 8, vectors: Int = 6, vdns: Int = 6, seed: UInt64 = 1) {
        self.stations = max(1, stations); self.agents = max(0, agents); self.huntGroups = max(1, huntGroups)
        self.vectors = max(1, vectors); self.vdns = max(1, vdns); self.seed = seed
    }

    public static let sample = SiteProfile()
}

/// Draws for the generator: same seed, same site, on every platform.
extension SplitMix64 {
    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ pct: Int) -> Bool { int(100) < pct }
}

/// Builds a consistent synthetic site: every reference (coverage points, hunt members, VDN
/// vectors, vector skills and announcements, bridged appearances) points at an object that exists.
public enum SiteGenerator {
    static let first = ["John", "Jane", "Ann", "Kim", "Maria", "Peter", "Laura", "Ahmed", "Chen", "Sofia", "Lukas",
                        "Emma", "Noah", "Olivia", "Liam", "Mia", "Elias", "Hannah", "Jonas", "Lea"]
    static let last = ["Smith", "Doe", "Brown", "Lee", "Garcia", "Schmidt", "Weber", "Fischer", "Novak", "Rossi",
                       "Kowalski", "Jensen", "Dubois", "Silva", "Murphy", "Wagner", "Becker", "Hoffmann", "Klein", "Wolf"]

    public static let sipTypes = ["J179", "9641SIP", "9611SIP", "J169"]
    public static let h323Types = ["9611", "9608", "9641", "9621"]
    public static let digitalTypes = ["2420", "9408", "6408D+", "1416"]

    /// Extension layout: stations from `stationBase`, agents from `agentBase`, VDNs from `vdnBase`,
    /// hunt groups from `groupBase`, announcements from `annBase`; widths grow with the site size.
    struct Plan {
        let width: Int
        let stationBase: Int, agentBase: Int, groupBase: Int, vdnBase: Int, annBase: Int
        init(_ p: SiteProfile) {
            let biggest = max(p.stations, p.agents, p.vdns, p.huntGroups)
            var w = 4
            while 10.pow(w - 1) < biggest * 2 { w += 1 }
            width = w
            let unit = 10.pow(w - 1)  // 1000 for 4 digits
            stationBase = 3 * unit; agentBase = 5 * unit; groupBase = 6 * unit; vdnBase = 7 * unit; annBase = 8 * unit
        }
    }

    public static func generate(_ p: SiteProfile) -> SiteModel {
        var rng = SplitMix64(seed: p.seed)
        var m = SiteModel()
        let plan = Plan(p)
        let skillGroups = max(1, (p.huntGroups * 5) / 8)  // the first groups are EAS skills

        // Tenants, COR, COS, reason codes, announcements, holiday table, numbering, dial plan.
        m.tenants["1"] = Tenant(number: 1, description: "Frankfurt HQ", attendantGroup: 1, musicSource: "1",
                                nightDestination: String(plan.stationBase), cosGroup: 1)
        m.tenants["2"] = Tenant(number: 2, description: "Munich Branch", attendantGroup: 2, musicSource: "2",
                                nightDestination: String(plan.stationBase + 1), cosGroup: 1)
        for (n, d, frl) in [(1, "general", 0), (2, "internal only", 0), (3, "international", 7)] {
            m.cors[String(n)] = ClassOfRestriction(number: n, description: d, frl: frl)
        }
        for c in 0..<16 {
            var perms: [String: Bool] = [:]
            for (i, label) in cosRows.enumerated() {
                perms[label] = c == 0 ? false : (label == "Restrict Call Fwd-Off Net" ? true : ((c + i) % 3 == 0))
            }
            m.coses[String(c)] = ClassOfService(number: c, permissions: perms)
        }
        let aux: [(Int, String, Bool)] = [(1, "Lunch", false), (2, "Break", false), (3, "Training", true),
                                          (4, "Meeting", false), (5, "Outbound", false), (9, "Coaching", true)]
        m.reasonCodes["aux/0"] = ReasonCode(kind: .aux, code: 0, name: "AUX")
        m.reasonCodes["logout/0"] = ReasonCode(kind: .logout, code: 0, name: "Logout")
        for (c, n, i) in aux { m.reasonCodes["aux/\(c)"] = ReasonCode(kind: .aux, code: c, name: n, interruptible: i) }
        for (c, n) in [(1, "End of Shift"), (2, "Meeting")] { m.reasonCodes["logout/\(c)"] = ReasonCode(kind: .logout, code: c, name: n) }

        let anns = ["Welcome_Main", "Please_Hold", "Closed_Message", "Holiday_Closed", "Spanish_Menu", "Sales_Promo"]
        for (i, n) in anns.enumerated() {
            let ext = String(plan.annBase + 701 + i)
            m.announcements[ext] = Announcement(extension: ext, name: n, type: "integrated", source: i % 2 == 0 ? "001V9" : "G1")
        }
        func ann(_ i: Int) -> String { String(plan.annBase + 701 + i) }

        // Holidays include two that span a European daylight-saving change (last Sunday of March
        // and October 2025), so schedule conversion must handle a 23- and a 25-hour day.
        m.holidayTables["1"] = HolidayTable(number: 1, name: "DE-2025", entries: [
            HolidayEntry(startMonth: 1, startDay: 1, startHour: 0, startMinute: 0, endMonth: 1, endDay: 1, endHour: 23, endMinute: 59, description: "New Year"),
            HolidayEntry(startMonth: 3, startDay: 29, startHour: 12, startMinute: 0, endMonth: 3, endDay: 31, endHour: 8, endMinute: 0, description: "Spring Shutdown (DST)"),
            HolidayEntry(startMonth: 10, startDay: 25, startHour: 18, startMinute: 0, endMonth: 10, endDay: 27, endHour: 8, endMinute: 0, description: "Autumn Shutdown (DST)"),
            HolidayEntry(startMonth: 12, startDay: 24, startHour: 12, startMinute: 0, endMonth: 12, endDay: 26, endHour: 23, endMinute: 59, description: "Christmas"),
        ])

        let w = plan.width
        let lead = { (base: Int) in String(String(base).prefix(1)) }
        m.publicNumbering["\(w)/\(lead(plan.stationBase))/"] = PublicNumbering(extensionLength: w, extensionCode: lead(plan.stationBase), cpnPrefix: "4969120", cpnLength: 7 + w)
        m.publicNumbering["\(w)/\(lead(plan.vdnBase))/"] = PublicNumbering(extensionLength: w, extensionCode: lead(plan.vdnBase), cpnPrefix: "4969127", cpnLength: 7 + w)
        m.publicNumbering["\(w)/\(lead(plan.agentBase))/1"] = PublicNumbering(extensionLength: w, extensionCode: lead(plan.agentBase), trunkGroups: "1", cpnPrefix: "4969125", cpnLength: 7 + w)
        for base in [plan.stationBase, plan.agentBase, plan.groupBase, plan.vdnBase, plan.annBase] {
            let d = DialPlanEntry(dialedString: lead(base), totalLength: w, callType: "ext"); m.dialPlan[d.key] = d
        }
        for d in [DialPlanEntry(dialedString: "0", totalLength: 1, callType: "attd"),
                  DialPlanEntry(dialedString: "9", totalLength: 1, callType: "fac"),
                  DialPlanEntry(dialedString: "*", totalLength: 3, callType: "fac"),
                  DialPlanEntry(dialedString: "#", totalLength: 3, callType: "fac")] { m.dialPlan[d.key] = d }

        // Stations.
        let sup = String(plan.stationBase)
        var stationExts: [String] = []
        for i in 0..<p.stations {
            let ext = String(plan.stationBase + i)
            stationExts.append(ext)
            var s = Station(extension: ext)
            s.name = personName(i, &rng)
            let family = i == 0 ? 1 : i % 3
            switch family {
            case 0: s.setType = sipTypes[rng.int(sipTypes.count)]; s.port = "S\(pad(10000 + i, 5))"; s.ec500State = rng.chance(40) ? "enabled" : "disabled"
            case 1: s.setType = h323Types[rng.int(h323Types.count)]; s.port = "S\(pad(20000 + i, 5))"; s.ec500State = "disabled"
            default:
                s.setType = digitalTypes[rng.int(digitalTypes.count)]
                s.port = i % 29 == 5 ? "X" : "01A\(pad(3 + (i / 24) % 17, 2))\(pad(1 + i % 24, 2))"
            }
            s.cor = 1 + rng.int(3); s.cos = 1 + rng.int(2); s.tenant = i < (p.stations * 2) / 3 ? 1 : 2
            s.coveragePath1 = i % 5 == 4 ? nil : String(1 + rng.int(4))
            s.coveragePath2 = rng.chance(25) ? String(1 + rng.int(4)) : nil
            s.huntToStation = (i > 0 && i % 11 == 0) ? String(plan.stationBase + i - 1) : nil
            s.hasSecurityCode = rng.chance(60)
            var buttons: [Button] = []
            let appearances = i == 0 ? 14 : 3
            for b in 1...appearances { buttons.append(Button(number: b, type: "call-appr")) }
            var next = appearances + 1
            if i > 0 && i % 7 == 1 {  // an assistant bridging the supervisor's first two appearances
                buttons.append(Button(number: next, type: "brdg-appr", parameters: ["button": "1", "extension": sup])); next += 1
                buttons.append(Button(number: next, type: "brdg-appr", parameters: ["button": "2", "extension": sup])); next += 1
            }
            if i % 4 == 2 { buttons.append(Button(number: next, type: "autodial", parameters: ["number": "9004969\(pad(1000 + i % 9000, 4))"])); next += 1 }
            if i % 6 == 3 { buttons.append(Button(number: next, type: "send-calls")); next += 1 }
            if i % 6 == 4 { buttons.append(Button(number: next, type: "call-pkup")); next += 1 }
            if s.ec500State == "enabled" { buttons.append(Button(number: next, type: "ec500")); next += 1 }
            if i == 0 { buttons.append(Button(number: next, type: "serv-obsrv")); next += 1 }
            s.buttons = buttons
            m.stations[ext] = s
        }
        // Call-centre buttons on the sets agents use (the last stations).
        let agentSetStart = max(0, p.stations - p.agents)
        for i in agentSetStart..<p.stations {
            guard var s = m.stations[stationExts[i]] else { continue }
            var next = (s.buttons.map(\.number).max() ?? 0) + 1
            let grp = String(1 + (i % skillGroups))
            for (t, params) in [("auto-in", ["group": grp]), ("after-call", ["group": grp]),
                                ("aux-work", ["reason": "1", "group": grp]), ("release", [:])] where next <= 24 {
                s.buttons.append(Button(number: next, type: t, parameters: params)); next += 1
            }
            m.stations[s.extension] = s
        }

        // Hunt groups: skills (ead-mia/ucd-mia), then split/non-ACD shapes in a fixed rotation.
        let shapes: [(type: String, acd: Bool, skill: Bool, vector: Bool, name: String)] = [
            ("ead-mia", true, true, true, "Sales"), ("ead-mia", true, true, true, "Support"),
            ("ucd-mia", true, true, true, "Billing"), ("ead-mia", true, true, true, "Spanish"),
            ("ucd-mia", true, true, true, "Retention"),
            ("circ", false, false, false, "Reception"), ("ddc", true, false, false, "Hot Seat"),
            ("ucd-mia", true, false, false, "Operators"),
        ]
        for g in 1...p.huntGroups {
            let shape: (type: String, acd: Bool, skill: Bool, vector: Bool, name: String)
            if g <= skillGroups { shape = shapes[(g - 1) % 5] } else { shape = shapes[5 + (g - skillGroups - 1) % 3] }
            var h = HuntGroup(number: g, name: g <= shapes.count ? shape.name : "\(shape.name) \(g)",
                              extension: String(plan.groupBase + g), groupType: shape.type)
            h.acd = shape.acd; h.queue = shape.acd; h.vector = shape.vector; h.skill = shape.skill
            h.cor = 1; h.tenant = g % 4 == 0 ? 2 : 1
            if shape.acd { h.queueLimit = g % 2 == 0 ? "unlimited" : "50"; h.callsWarningThreshold = "10"; h.timeWarningThreshold = "60" }
            if !shape.skill {
                let count = shape.type == "ucd-mia" ? min(20, p.stations) : min(shape.type == "ddc" ? 3 : 4, p.stations)
                let start = (g * 7) % max(1, p.stations - count + 1)
                h.members = (0..<count).map { stationExts[start + $0] }
                h.nightServiceDestination = sup
                h.coveragePath = "1"
            }
            m.huntGroups[String(g)] = h
        }

        // Coverage paths: 1 → 2 → 3 → 1 is a loop real sites have; 4 ends at voicemail-like group.
        let operators = m.huntGroups.values.filter { $0.groupType == "ucd-mia" && $0.skill == false }.map(\.number).min() ?? 1
        m.coveragePaths["1"] = CoveragePath(number: 1, nextPath: 2, huntAfterCoverage: false,
            inside: .init(active: false, busy: true, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: false, loggedOff: false),
            outside: .init(active: false, busy: true, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: false, loggedOff: false),
            dontAnswerRings: 3, points: [CoveragePoint(point: "h\(operators)", rings: 3), CoveragePoint(point: sup, rings: 2)])
        m.coveragePaths["2"] = CoveragePath(number: 2, nextPath: 3, huntAfterCoverage: false,
            inside: .init(active: false, busy: true, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: false, loggedOff: false),
            outside: .init(active: false, busy: true, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: true, loggedOff: false),
            dontAnswerRings: 2, points: [CoveragePoint(point: String(plan.stationBase + min(1, p.stations - 1)))])
        m.coveragePaths["3"] = CoveragePath(number: 3, nextPath: 1, huntAfterCoverage: true,
            inside: .init(active: false, busy: false, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: false, loggedOff: true),
            outside: .init(active: false, busy: true, dontAnswer: true, all: false, dndSacGotoCover: true, holiday: false, loggedOff: true),
            dontAnswerRings: 4, points: [CoveragePoint(point: "v\(plan.vdnBase + 1)"), CoveragePoint(point: "attd")])
        m.coveragePaths["4"] = CoveragePath(number: 4, nextPath: nil, huntAfterCoverage: false,
            inside: .init(active: false, busy: false, dontAnswer: false, all: true, dndSacGotoCover: false, holiday: false, loggedOff: false),
            outside: .init(active: false, busy: false, dontAnswer: false, all: true, dndSacGotoCover: false, holiday: false, loggedOff: false),
            dontAnswerRings: nil, points: [CoveragePoint(point: "h\(operators)")])

        // Vectors and VDNs.
        let vdnExt = { (i: Int) in String(plan.vdnBase + i) }
        for v in 1...p.vectors {
            let skill = 1 + (v - 1) % skillGroups
            var steps: [String]
            switch (v - 1) % 6 {
            case 0:
                steps = ["wait-time 2 secs hearing ringback",
                         "goto step 12 if holiday in 1",
                         "goto step 10 if time-of-day is all 18:00 to all 08:00",
                         "collect 1 digits after announcement \(ann(0)) for none",
                         "route-to number \(sup) with cov y if digit = 0",
                         "goto vector \(min(2, p.vectors)) @step 1 if digits = 1",
                         "goto vector \(min(3, p.vectors)) @step 1 if digits = 2",
                         "route-to number \(vdnExt(min(4, p.vdns))) with cov n if unconditionally",
                         "stop",
                         "disconnect after announcement \(ann(2))",
                         "stop",
                         "disconnect after announcement \(ann(3))"]
            case 1:
                steps = ["queue-to skill 1st pri m", "wait-time 10 secs hearing ringback", "announcement \(ann(1))",
                         "wait-time 60 secs hearing music", "announcement \(ann(5))", "goto step 4 if unconditionally"]
            case 2:
                steps = ["goto step 9 if time-of-day is sat 00:00 to sun 23:59",
                         "goto step 9 if holiday in 1",
                         "check skill \(skill) pri m if expected-wait < 120",
                         "queue-to skill \(skill) pri h",
                         "wait-time 30 secs hearing music",
                         "announcement \(ann(1))",
                         "goto step 5 if calls-queued in skill \(skill) pri m < 20",
                         "route-to number \(sup) with cov y if unconditionally",
                         "disconnect after announcement \(ann(2))"]
            case 3:
                steps = ["queue-to skill 1st pri m", "wait-time 20 secs hearing ringback", "announcement \(ann(1))",
                         "wait-time 120 secs hearing music", "messaging skill \(skill) for extension \(sup)"]
            case 4:
                steps = ["collect 4 digits after announcement \(ann(4)) for none", "goto step 4 if digits in table 1",
                         "queue-to skill \(skill) pri m", "wait-time 30 secs hearing music", "announcement \(ann(1))",
                         "goto step 4 if unconditionally"]
            default:
                steps = ["# after-hours treatment", "announcement \(ann(2))", "disconnect after announcement none"]
            }
            m.vectors[String(v)] = Vector(number: v, name: vectorNames[(v - 1) % 6] + (v > 6 ? " \(v)" : ""),
                                          steps: steps.enumerated().map { VectorStep(number: $0.offset + 1, text: $0.element, parsed: StepParser.parse($0.element)) })
        }
        for i in 1...p.vdns {
            let ext = vdnExt(i)
            let vec = 1 + (i - 1) % p.vectors
            var d = VDN(extension: ext, name: vdnNames[(i - 1) % 6] + (i > 6 ? " \(i)" : ""), vectorNumber: vec)
            d.skill1 = 1 + (i - 1) % skillGroups
            if i % 2 == 0 { d.skill2 = 1 + i % skillGroups }
            d.cor = 1; d.tenant = i % 3 == 0 ? 2 : 1
            m.vdns[ext] = d
        }

        // Agents: skills on the EAS groups; one reserve-level agent; one greatest-need agent.
        for a in 0..<p.agents {
            let id = String(plan.agentBase + a)
            let stationIndex = agentSetStart + a
            let name = stationIndex < p.stations ? (m.stations[stationExts[stationIndex]]?.name ?? personName(a, &rng)) : personName(a + 1000, &rng)
            var ag = Agent(loginId: id, name: name, cor: 1, tenant: stationIndex < (p.stations * 2) / 3 ? 1 : 2)
            let primary = 1 + a % skillGroups
            var skills = [AgentSkill(skill: primary, level: 1 + rng.int(4))]
            if skillGroups > 1 {
                let second = 1 + (a + 1) % skillGroups
                if a == 3 { skills.append(AgentSkill(skill: second, reserveLevel: 1)) }
                else { skills.append(AgentSkill(skill: second, level: 5 + rng.int(10))) }
            }
            ag.skills = skills
            ag.directAgentSkill = primary
            ag.callHandlingPreference = a == 5 ? "greatest-need" : "skill-level"
            ag.coveragePath = a % 4 == 0 ? "4" : nil
            m.agents[id] = ag
        }

        // Pickup groups.
        m.pickupGroups["1"] = PickupGroup(number: 1, name: "Reception", members: Array(stationExts.prefix(3)))
        m.pickupGroups["2"] = PickupGroup(number: 2, name: "Finance", members: Array(stationExts.dropFirst(3).prefix(4)))
        return m
    }

    static let vectorNames = ["Main Menu", "Sales Queue", "Support Queue", "Billing Queue", "Spanish Menu", "After Hours"]
    static let vdnNames = ["Main Number", "Sales", "Support", "Billing", "Spanish", "After Hours"]
    static let cosRows = ["Auto Callback", "Call Fwd-All Calls", "Data Privacy", "Priority Calling", "Console Permissions",
                          "Off-hook Alert", "Client Room", "Restrict Call Fwd-Off Net", "Call Forwarding Busy/DA",
                          "Personal Station Access (PSA)", "Extended Forwarding All", "Extended Forwarding B/DA",
                          "Trk-to-Trk Transfer Override"]

    /// "Last, First"; two fixed people carry non-ASCII letters; one station is a shared phone.
    static func personName(_ i: Int, _ rng: inout SplitMix64) -> String {
        switch i {
        case 1: return "Müller, Jürgen"
        case 2: return "Ødegård, Åse"
        case 5: return "Lobby Phone"
        default: return "\(last[rng.int(last.count)]), \(first[rng.int(first.count)])"
        }
    }

    static func pad(_ n: Int, _ w: Int) -> String {
        let s = String(n)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }
}

extension Int {
    func pow(_ e: Int) -> Int { (0..<e).reduce(1) { acc, _ in acc * self } }
}
