import Common
import Foundation
import Yams

extension MappingConfig {
    /// The keys a mapping file may have at its top level (docs/mapping.schema.json lists the same).
    public static let topLevelKeys: Set<String> = [
        "version", "sites", "defaultSite", "locations", "email", "divisions", "phones", "skillLevels", "huntGroups",
        "presence", "secondsPerRing", "defaultOverflow", "exclude", "pools", "queues", "voicemailGroups", "didOverrides",
        "holidayYear", "callFlows", "callWorkCodes", "cpnFormats",
    ]

    /// Reads a mapping YAML file strictly: unknown keys, wrong types and bad values are errors that
    /// name the YAML path and line. Nothing is half-applied: it throws with every problem found.
    public static func load(path: String) throws -> MappingConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MappingConfigError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String = "mapping.yaml") throws -> MappingConfig {
        let sink = DiagnosticCollector()
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else { return MappingConfig() }
            root = n
        } catch let e as YamlError {
            throw MappingConfigError.invalid([.error("config.yaml", "not valid YAML: \(e)", at: SourceLocation(file: file))])
        }
        var c = MappingConfig()
        c.read(ConfigNode(node: root, path: "", file: file, sink: sink))
        c.check(ConfigNode(node: root, path: "", file: file, sink: sink))
        let errors = sink.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty { throw MappingConfigError.invalid(errors) }
        return c
    }

    private mutating func read(_ root: ConfigNode) {
        for (k, n) in root.mapping(allowed: Self.topLevelKeys) {
            switch k {
            case "version":
                if let v = n.int(), v != 1 { n.error("version \(v) is not supported; this tool reads version 1") }
            case "sites":
                var sites: [String: Site] = [:]
                for (id, s) in n.mapping() { if let site = Self.readSite(s) { sites[id] = site } }
                self.sites = sites
            case "defaultSite": defaultSite = n.string() ?? defaultSite
            case "locations":
                locations = [:]
                for (loc, s) in n.mapping() { if let id = s.string() { locations[loc] = id } }
            case "email":
                for (ek, en) in n.mapping(allowed: ["template", "domain"]) {
                    if ek == "template" { email.template = en.string() ?? email.template } else { email.domain = en.string() ?? email.domain }
                }
            case "divisions":
                for (dk, dn) in n.mapping(allowed: ["home", "tenants", "template"]) {
                    switch dk {
                    case "home": divisions.home = dn.string() ?? divisions.home
                    case "template": divisions.template = dn.string() ?? divisions.template
                    default:
                        for (tn, name) in dn.mapping() {
                            guard Int(tn).map({ (1...250).contains($0) }) == true else {
                                name.error("tenant \(tn) is not a tenant number 1–250"); continue
                            }
                            if let s = name.string() { divisions.tenants[tn] = s }
                        }
                    }
                }
            case "phones": readPhones(n)
            case "skillLevels":
                for (sk, sn) in n.mapping(allowed: ["mode", "table", "reserveRings"]) {
                    switch sk {
                    case "mode": skillLevels.mode = sn.oneOf(SkillLevelMode.self) ?? skillLevels.mode
                    case "table":
                        skillLevels.table = [:]
                        for (lvl, p) in sn.mapping() {
                            guard Int(lvl).map({ (1...16).contains($0) }) == true else { p.error("skill level \(lvl) is not 1–16"); continue }
                            if let v = p.double(in: 0...5) { skillLevels.table[lvl] = v }
                        }
                    default:
                        skillLevels.reserveRings = [:]
                        for (lvl, r) in sn.mapping(allowed: ["1", "2"]) { if let v = r.int(in: 2...6) { skillLevels.reserveRings[lvl] = v } }
                    }
                }
            case "huntGroups":
                for (type, rn) in n.mapping() {
                    var rule = huntGroups[type] ?? HuntRule(target: .exception)
                    for (rk, v) in rn.mapping(allowed: ["target", "ringPolicy", "skillEvaluation", "approximate", "note"]) {
                        switch rk {
                        case "target": rule.target = v.oneOf(HuntTarget.self) ?? rule.target
                        case "ringPolicy":
                            if let s = v.string() {
                                if ["ROUND_ROBIN", "SEQUENTIAL", "RANDOM"].contains(s) { rule.ringPolicy = s } else {
                                    v.error("ringPolicy \(s) must be ROUND_ROBIN, SEQUENTIAL or RANDOM")
                                }
                            }
                        case "skillEvaluation":
                            if let s = v.string() {
                                if ["BEST", "ALL", "NONE"].contains(s) { rule.skillEvaluation = s } else {
                                    v.error("skillEvaluation \(s) must be BEST, ALL or NONE")
                                }
                            }
                        case "approximate": rule.approximate = v.bool() ?? rule.approximate
                        default: rule.note = v.string()
                        }
                    }
                    huntGroups[type] = rule
                }
            case "presence":
                let systems: Set<String> = ["Available", "Away", "Busy", "Break", "Meal", "Meeting", "Training", "Idle"]
                for (pk, pn) in n.mapping(allowed: ["keywords", "default"]) {
                    if pk == "default" {
                        if let s = pn.string() {
                            if systems.contains(s) { presence.default = s } else { pn.error("\(s) is not a system presence (\(systems.sorted().joined(separator: ", ")))") }
                        }
                    } else {
                        presence.keywords = [:]
                        for (kw, sp) in pn.mapping() {
                            guard let s = sp.string() else { continue }
                            if systems.contains(s) { presence.keywords[kw.lowercased()] = s } else {
                                sp.error("\(s) is not a system presence (\(systems.sorted().joined(separator: ", ")))")
                            }
                        }
                    }
                }
            case "secondsPerRing": secondsPerRing = n.int(in: 1...30) ?? secondsPerRing
            case "defaultOverflow":
                var kind: DestinationKind?
                var target: String?
                for (ok, on) in n.mapping(allowed: ["kind", "target"]) {
                    if ok == "kind" { kind = on.oneOf(DestinationKind.self) } else { target = on.string() }
                }
                if let kind, let target { defaultOverflow = Destination(kind: kind, target: target) } else {
                    n.error("defaultOverflow needs both kind and target")
                }
            case "exclude":
                exclude = n.sequence().compactMap { item in
                    guard let s = item.string() else { return nil }
                    guard ExtensionRangeSet.parseRange(s) != nil else {
                        item.error("\(s) is not an extension or a range like 5000-5099"); return nil
                    }
                    return s
                }
            case "pools":
                for (pk, pn) in n.mapping(allowed: ["maxExtensionGap", "maxDidGap"]) {
                    if pk == "maxExtensionGap" { pools.maxExtensionGap = pn.int(in: 0...100_000) ?? pools.maxExtensionGap } else {
                        pools.maxDidGap = pn.int(in: 0...100_000) ?? pools.maxDidGap
                    }
                }
            case "queues":
                for (qk, qn) in n.mapping(allowed: ["alertingTimeoutSeconds", "wrapupPrompt", "acwTimeoutMs", "ringTimeoutSeconds"]) {
                    switch qk {
                    case "alertingTimeoutSeconds": queues.alertingTimeoutSeconds = qn.int(in: 7...3600) ?? queues.alertingTimeoutSeconds
                    case "acwTimeoutMs": queues.acwTimeoutMs = qn.int(in: 1000...3_600_000) ?? queues.acwTimeoutMs
                    case "ringTimeoutSeconds": queues.ringTimeoutSeconds = qn.double(in: 0...259_200) ?? queues.ringTimeoutSeconds
                    default:
                        let allowed = ["MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"]
                        if let s = qn.string() {
                            if allowed.contains(s) { queues.wrapupPrompt = s } else { qn.error("wrapupPrompt must be one of \(allowed.joined(separator: ", "))") }
                        }
                    }
                }
            case "holidayYear": holidayYear = n.int(in: 1970...2200)
            case "callFlows": callFlows = n.bool() ?? callFlows
            case "voicemailGroups": voicemailGroups = n.sequence().compactMap { $0.int(in: 1...99_999) }
            case "callWorkCodes":
                for (ck, cn) in n.mapping(allowed: ["codes", "queues"]) {
                    if ck == "codes" {
                        for (code, name) in cn.mapping() {
                            guard let nm = name.string() else { continue }
                            if code.isEmpty || code.count > 16 || !code.allSatisfy({ $0.isASCII && $0.isNumber }) {
                                name.error("call work code \(code) must be 1–16 digits")
                            } else if nm.trimmingCharacters(in: .whitespaces).isEmpty {
                                name.error("call work code \(code) needs a name")
                            } else {
                                callWorkCodes.codes[code] = nm
                            }
                        }
                    } else if let word = cn.node.scalar?.string {
                        switch word {
                        case "all": callWorkCodes.queues = .all
                        case "none": callWorkCodes.queues = .none
                        default: cn.error("queues is all, none or a list of hunt group numbers")
                        }
                    } else {
                        callWorkCodes.queues = .huntGroups(cn.sequence().compactMap { $0.int(in: 1...99_999) })
                    }
                }
            case "cpnFormats":
                for (row, fn) in n.mapping() {
                    let parts = row.split(separator: "/", omittingEmptySubsequences: false)
                    guard parts.count == 2, let len = Int(parts[0]), (1...13).contains(len),
                          parts[1].count <= len, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        fn.error("\(row) is not a public-unknown-numbering row \"<ext len>/<ext code>\" such as 4/3"); continue
                    }
                    guard let f = fn.string() else { continue }
                    if let c = MappingConfig.Site.CPNFormat(rawValue: f), c != .auto { cpnFormats[row] = c } else {
                        fn.error("cpnFormats.\(row) must be national or international")
                    }
                }
            case "didOverrides":
                for (ext, num) in n.mapping() {
                    guard let s = num.string() else { continue }
                    if s.hasPrefix("+"), s.dropFirst().allSatisfy(\.isNumber), (9...16).contains(s.count) { didOverrides[ext] = s } else {
                        num.error("\(s) is not an E.164 number such as +12025550123")
                    }
                }
            default: break
            }
        }
    }

    private static func readSite(_ n: ConfigNode) -> Site? {
        var s = MappingConfig.usSite
        var seen: Set<String> = []
        for (k, v) in n.mapping(allowed: ["country", "countryCode", "trunkPrefix", "internationalPrefix", "nationalNumberLengths", "timeZone", "cpnFormat"]) {
            seen.insert(k)
            switch k {
            case "country": s.country = v.string() ?? s.country
            case "countryCode":
                if let c = v.string() {
                    if c.count <= 3, !c.hasPrefix("0"), c.allSatisfy(\.isNumber), !c.isEmpty { s.countryCode = c } else { v.error("countryCode \(c) must be 1–3 digits without + or leading 0") }
                }
            case "trunkPrefix": s.trunkPrefix = v.string() ?? s.trunkPrefix
            case "internationalPrefix": s.internationalPrefix = v.string() ?? s.internationalPrefix
            case "nationalNumberLengths": s.nationalNumberLengths = v.sequence().compactMap { $0.int(in: 4...14) }
            case "cpnFormat":
                if let f = v.string() {
                    if let c = MappingConfig.Site.CPNFormat(rawValue: f) { s.cpnFormat = c } else { v.error("cpnFormat \(f) must be auto, national or international") }
                }
            default:
                if let z = v.string() {
                    if TimeZone(identifier: z) != nil { s.timeZone = z } else { v.error("\(z) is not an IANA time zone such as Europe/Berlin") }
                }
            }
        }
        for required in ["countryCode", "timeZone"] where !seen.contains(required) {
            n.error("site needs \(required)")
        }
        return s
    }

    private mutating func readPhones(_ n: ConfigNode) {
        func policy(_ p: ConfigNode) -> PhonePolicy? {
            var kind: PhoneKind?
            var base: String?
            for (k, v) in p.mapping(allowed: ["kind", "baseSettings"]) {
                if k == "kind" { kind = v.oneOf(PhoneKind.self) } else { base = v.string() }
            }
            guard let kind else { p.error("a phone policy needs kind (sip, webrtc or none)"); return nil }
            if kind != .none, base == nil { p.error("a \(kind.rawValue) phone policy needs baseSettings") }
            return PhonePolicy(kind: kind, baseSettings: base)
        }
        for (k, v) in n.mapping(allowed: ["site", "linesPerPhone", "setTypes", "default", "metaBases"]) {
            switch k {
            case "site": phones.site = v.string() ?? phones.site
            case "linesPerPhone": phones.linesPerPhone = v.int(in: 1...100) ?? phones.linesPerPhone
            case "setTypes":
                phones.setTypes = [:]
                for (type, p) in v.mapping() { if let pol = policy(p) { phones.setTypes[type] = pol } }
            case "default": phones.default = policy(v) ?? phones.default
            default:
                phones.metaBases = [:]
                for (name, meta) in v.mapping() { if let s = meta.string() { phones.metaBases[name] = s } }
            }
        }
    }

    /// Cross-field checks after reading.
    private func check(_ root: ConfigNode) {
        if sites[defaultSite] == nil { root.error("defaultSite \(defaultSite) is not one of the sites (\(sites.keys.sorted().joined(separator: ", ")))") }
        for (loc, id) in locations.sorted(by: { $0.key < $1.key }) where sites[id] == nil {
            root.error("location \(loc) names site \(id), which is not defined under sites")
        }
        if skillLevels.mode == .table {
            let pairs = skillLevels.table.compactMap { k, v in Int(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
            if pairs.count != 16 { root.error("skillLevels.table must give all 16 levels; it gives \(pairs.count)") }
            for (a, b) in zip(pairs, pairs.dropFirst()) where b.1 > a.1 {
                root.error("skillLevels.table inverts order: level \(b.0) (\(b.1)) is above level \(a.0) (\(a.1)); level 1 is the highest")
            }
        }
        for (base, _) in phones.setTypes.values.compactMap({ $0.baseSettings }).map({ ($0, 0) }) where phones.metaBases[base] == nil {
            root.error("phone base settings \(base) has no entry in phones.metaBases (which phone model it is)")
        }
        if !email.template.contains("@") { root.error("email.template must contain @") }
    }
}
