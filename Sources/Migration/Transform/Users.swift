import AvayaCM
import Common
import Foundation
import GenesysCloud

extension Context {
    /// The SMGR person behind a station or an agent, if any.
    func smgrUser(station ext: String) -> AvayaCM.User? {
        index.smgrUserByStation[ext]
    }

    func smgrUser(agent login: String) -> AvayaCM.User? {
        index.smgrUserByAgent[login]
    }

    /// [station.did]: the number CM sends for an extension, as E.164. nil when it sends none
    /// (no matching row, or the winning row's CPN length is 0).
    func did(for ext: String, location: String?) -> Result<String, PhoneNumberNormalizer.Failure>? {
        switch didLookup(for: ext, location: location) {
        case .number(let e, _): return .success(e)
        case .invalid(let f, _): return .failure(f)
        case .noNumber: return nil
        }
    }

    enum DIDLookup {
        /// E.164 and how it was made (for the diff log).
        case number(String, String)
        case invalid(PhoneNumberNormalizer.Failure, String)
        /// No public number, and why.
        case noNumber(String)
    }

    func didLookup(for ext: String, location: String?) -> DIDLookup {
        if let o = config.didOverrides[ext] { return .number(o, "didOverrides.\(ext)") }
        guard let m = index.numbering.match(ext) else {
            return .noNumber("no public-unknown-numbering row for all trunks matches \(ext.count)-digit extension \(ext)")
        }
        guard let cpn = PublicNumberingTable.cpn(for: ext, row: m.row) else {
            return .noNumber("numbering row \(m.configKey) (the longest match) has CPN length 0: the station sends no number")
        }
        let site = config.site(forLocation: location)
        guard let format = PublicNumberingTable.format(prefix: m.row.cpnPrefix ?? "", cpn: cpn, site: site,
                                                       override: config.cpnFormats[m.configKey]) else {
            return .invalid(.ambiguous(cpn), "numbering row \(m.configKey) sends \(cpn)")
        }
        let how = "numbering row \(m.configKey) sends \(cpn), read as \(format.rawValue)"
        switch PublicNumberingTable.e164(cpn: cpn, format: format, site: site) {
        case .success(let e): return .number(e, how)
        case .failure(let f):
            // A row without a CPN prefix sends the bare extension: a private number, not a DID.
            if (m.row.cpnPrefix ?? "").isEmpty { return .noNumber("numbering row \(m.configKey) has no CPN prefix: the station sends only its extension") }
            return .invalid(f, how)
        }
    }

    /// Station records in `SiteModel.sortedKeys` order (what `Self.sorted(model.stations)` gives),
    /// from the index's sorted keys instead of sorting 100,000 keys again.
    var sortedStations: [(String, Station)] { index.stations }

    /// `items.map(f)` on every core, results in input order (`f` must only read).
    func everyCore<T, R>(_ items: [T], minChunk: Int = 256, _ f: (T) -> R) -> [R] {
        (try? Parallel.map(items, minChunk: minChunk, f)) ?? items.map(f)
    }

    /// `everyCore`, a window of items at a time, each result handed to `then` in input order
    /// before the next window is made: the sink calls of 100,000 stations (their payloads,
    /// decisions and exceptions) are never all waiting at once (memory peak, docs/performance.md).
    func everyCore<T, R>(_ items: [T], window: Int = 8192, minChunk: Int = 256, _ f: (T) -> R, then: (R) -> Void) {
        // Neither function throws, so neither can this.
        try? Parallel.map(items, window: window, minChunk: minChunk, f, then: then)
    }

    /// What `users()` works out for a station before the e-mail claims (order-independent).
    struct StationUser {
        var digest: String?
        var excluded: Bool
        var display = ""
        var email = ""
        var warnings: [String] = []
        var did: DIDLookup = .noNumber("")
    }

    mutating func users() {
        // Everything but the e-mail claims runs on every core: record digests (canonical JSON and
        // SHA-256 of each station), names, template e-mails, DIDs, payloads and their contract
        // checks. The claims run serially in record order (who keeps an e-mail depends on it), and
        // the sink gets its calls replayed in the order of the one serial loop this replaces.
        let stations = sortedStations
        let ctx = self
        let prepared = everyCore(stations) { ext, st in ctx.prepareUser(ext: ext, station: st) }
        var claimed: [(email: String, changed: Bool)] = []
        claimed.reserveCapacity(stations.count)
        for p in prepared {
            claimed.append(p.excluded ? ("", false) : emails.claimEmail(p.email))
        }
        let indices = Array(stations.indices)
        everyCore(indices, { i in (i, ctx.userOps(ext: stations[i].0, station: stations[i].1, prepared[i], claimed[i])) }) { made in
            let (i, ops) = made
            let ext = stations[i].0  // (not the tuple: a copy of every Station costs retains)
            stationDigests[ext] = prepared[i].digest
            for op in ops {
                let done = sink.apply(op)
                if case .add(let a) = op, a.type == .users, a.kind == .station, done {
                    userForStation[ext] = a.key
                    migratedExtensions.append(ext)
                }
            }
            if case .number(let e164, _) = prepared[i].did { dids.append(e164) }
        }
    }

    func prepareUser(ext: String, station st: Station) -> StationUser {
        var u = StationUser(digest: RecordBytes.digest(st), excluded: excluded.contains(ext))
        if u.excluded { return u }
        let person = smgrUser(station: ext)
        let cmName = st.name ?? ""
        var display = person?.displayName ?? PersonName.display(cmName)
        if let p = person, p.displayName == nil, let g = p.givenName, let s = p.surname { display = "\(g) \(s)" }
        if ASCIIName.isBlank(display) { display = "Extension \(ext)" }
        u.display = display
        if let e = person?.email, !e.isEmpty {
            u.email = e
        } else {
            u.email = PersonName.email(template: config.email.template, name: cmName.isEmpty ? display : cmName,
                                       extension: ext, domain: config.email.domain)
            u.warnings.append("e-mail derived from the template: \(u.email)")
        }
        u.did = didLookup(for: ext, location: st.extra["location"])
        return u
    }

    /// The sink calls for one station, in the order the serial loop made them.
    func userOps(ext: String, station st: Station, _ u: StationUser, _ claim: (email: String, changed: Bool)) -> [SinkOp] {
        if u.excluded {
            return [.exclude(rule: "exclude", kind: .station, id: ext, digest: u.digest, reason: "extension \(ext) is in the configured exclusions")]
        }
        var ops: [SinkOp] = []
        var warnings = u.warnings
        let (uniqueEmail, changed) = claim
        if changed {
            warnings.append("e-mail \(u.email) already taken in this bundle; using \(uniqueEmail)")
            ops.append(exceptionOp(rule: "station.user", kind: .station, id: ext, .review,
                                  "two people would share the e-mail \(u.email); station \(ext) gets \(uniqueEmail)",
                                  hint: "set the e-mail in System Manager or change email.template"))
        }
        var addresses: [JSONValue] = [["mediaType": "PHONE", "type": "WORK", "extension": .string(ext)]]
        let numbering: String
        switch u.did {
        case .number(let e164, let how):
            addresses = [["mediaType": "PHONE", "type": "WORK", "address": .string(e164), "extension": .string(ext)]]
            numbering = "DID \(e164) (\(how))"
        case .invalid(let f, let how):
            ops.append(exceptionOp(rule: "station.did", kind: .station, id: ext, .review,
                                  "the DID for extension \(ext) cannot be made E.164 (\(how)): \(f); the user keeps only the extension",
                                  hint: "check public-unknown-numbering, set cpnFormats for the row, or add didOverrides.\(ext)"))
            numbering = "no DID"
        case .noNumber(let why): numbering = "no DID: \(why)"
        }
        let key = LogicalRef.makeKey(ext)
        let payload: JSONValue = ["name": .string(u.display), "email": .string(uniqueEmail),
                                  "divisionId": .string(divisionRef(tenant: st.tenant)), "addresses": .array(addresses)]
        ops.append(.add(.init(type: .users, key: key, payload: payload, rule: "station.user", kind: .station, id: ext, digest: u.digest,
                              reason: "station \(ext) (\(st.setType ?? "unknown set")) becomes user \(u.display); \(numbering)",
                              warnings: warnings, sink: sink)))
        if let b = bridgedOp(st, ext: ext) { ops.append(b) }
        return ops
    }

    /// [station.bridged]: no Genesys equivalent; a person decides.
    func bridgedOp(_ st: Station, ext: String) -> SinkOp? {
        let bridges = st.buttons.filter(\.isBridgedAppearance)
        guard !bridges.isEmpty else { return nil }
        let list = bridges.map { "\($0.bridgedExtension ?? "?") button \($0.bridgedButton.map(String.init) ?? "?")" }
        return exceptionOp(rule: "station.bridged", kind: .station, id: ext, .review,
                          "station \(ext) bridges appearances of \(list.joined(separator: ", ")); Genesys has no bridged appearances",
                          hint: "consider a group ring or a shared line for these users")
    }

    /// [agent.user]: agents join the station user of the same person (SMGR profile, then exact
    /// name); otherwise they get a user of their own.
    mutating func agents() {
        // Names and digests on every core; the loop stays serial (e-mail claims, first producer wins).
        let named = model.stations.values.compactMap { s in s.name.map { ($0, s.extension) } }
        let stationByName = Dictionary(everyCore(named) { n, ext in (PersonName.display(n).lowercased(), ext) },
                                       uniquingKeysWith: { a, b in min(a, b) })
        let agents = Self.sorted(model.agents)
        let digests = everyCore(agents) { recordDigest($0.1) }
        for ((login, a), digest) in zip(agents, digests) {
            if let p = smgrUser(agent: login), let ext = p.stationExtensions.sorted().first, let key = userForStation[ext] {
                userForAgent[login] = key
                sink.exclude(rule: "agent.user", kind: .agent, id: login, digest: digest,
                             reason: "agent \(login) is the same person as station \(ext) (SMGR user \(p.loginName)); skills go to that user")
                continue
            }
            if let n = a.name, let ext = stationByName[PersonName.display(n).lowercased()], let key = userForStation[ext] {
                userForAgent[login] = key
                sink.exclude(rule: "agent.user", kind: .agent, id: login, digest: digest,
                             reason: "agent \(login) has the same name as station \(ext); skills go to that user")
                continue
            }
            if excluded.contains(login) {
                sink.exclude(rule: "exclude", kind: .agent, id: login, digest: digest, reason: "login \(login) is in the configured exclusions")
                continue
            }
            let display = a.name.map(PersonName.display).flatMap { $0.isEmpty ? nil : $0 } ?? "Agent \(login)"
            let (email, changed) = emails.claimEmail(PersonName.email(template: config.email.template, name: a.name ?? display,
                                                                      extension: login, domain: config.email.domain))
            let key = "agent-" + LogicalRef.makeKey(login)
            let payload: JSONValue = ["name": .string(display), "email": .string(email), "divisionId": .string(divisionRef(tenant: a.tenant))]
            if sink.add(type: .users, key: key, payload: payload, rule: "agent.user", kind: .agent, id: login, digest: digest,
                        reason: "agent \(login) has no station user; it becomes user \(display)",
                        warnings: changed ? ["e-mail made unique: \(email)"] : []) {
                userForAgent[login] = key
            }
        }
    }

    /// [agent.skill-level]: one bulk skills payload per user, proficiency by the level table.
    mutating func userSkills() {
        var byUser: [String: [(Int, Double, String)]] = [:]
        for (login, a) in Self.sorted(model.agents) {
            guard let user = userForAgent[login] else { continue }
            for s in a.skills {
                guard sink.has(.routingSkills, skillKey(s.skill)) else { continue }
                let level = s.level ?? 16  // reserve agents keep the lowest proficiency; rings carry the reserve
                byUser[user, default: []].append((s.skill, SkillLevelMap.proficiency(level: level, config: config.skillLevels), login))
            }
        }
        for (user, list) in byUser.sorted(by: { $0.key < $1.key }) {
            // One skill once per user: the highest proficiency wins when two agents merge.
            var best: [Int: Double] = [:]
            for (skill, p, _) in list { best[skill] = max(best[skill] ?? -1, p) }
            let body: [JSONValue] = best.keys.sorted().map { ["id": .string(ref(.routingSkills, skillKey($0))), "proficiency": .double(best[$0] ?? 0)] }
            let login = list.map(\.2).min() ?? user
            sink.add(type: .userRoutingSkills, key: user, payload: ["parent": .string(ref(.users, user)), "body": .array(body)],
                     rule: "agent.skill-level", kind: .agent, id: login, digest: model.agents[login].flatMap(recordDigest),
                     reason: "\(body.count) routing skills with proficiency from skill levels (1 → 5.0 … 16 → 0.0)")
        }
    }

    /// SMGR people without a station or agent in the inputs.
    mutating func smgrUsers() {
        for (login, u) in Self.sorted(model.users) {
            let stationKnown = u.stationExtensions.contains { userForStation[$0] != nil }
            let agentKnown = u.agentLoginIds.contains { userForAgent[$0] != nil }
            if stationKnown || agentKnown {
                sink.exclude(rule: "station.user", kind: .user, id: login, digest: recordDigest(u),
                             reason: "SMGR user \(login) is merged into the user built from its CM station or agent")
            } else {
                sink.exception(rule: "station.user", kind: .user, id: login, .manual,
                               "SMGR user \(login) has no station or agent in the CM inputs; no Genesys user is created",
                               hint: "add the CM export of its station, or create the user by hand")
            }
        }
    }
}
