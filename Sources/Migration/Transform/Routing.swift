import AvayaCM
import Common
import Foundation
import GenesysCloud

extension Context {
    func huntKey(_ n: Int) -> String { "hunt-\(n)" }

    /// Members of a hunt group as user keys, in administered order; for skill groups, the agents
    /// holding the skill ordered by level then login.
    func members(of h: HuntGroup) -> (users: [(String, Int?)], missing: [String]) {
        var out: [(String, Int?)] = []
        var missing: [String] = []
        var seen: Set<String> = []
        if h.skill == true {
            var holders: [(Int, Int?, String, String)] = []  // level, reserve, login, user
            for (login, _, s) in index.skillHolders[h.number] ?? [] {
                if let u = userForAgent[login] { holders.append((s.level ?? 99, s.reserveLevel, login, u)) } else { missing.append(login) }
            }
            for (_, reserve, _, u) in holders.sorted(by: { ($0.0, $0.2) < ($1.0, $1.2) }) where seen.insert(u).inserted {
                out.append((u, reserve))
            }
        }
        for m in h.members {
            guard let u = userForStation[m] ?? userForAgent[m] else { missing.append(m); continue }
            if seen.insert(u).inserted { out.append((u, nil)) }
        }
        return (out, missing)
    }

    mutating func huntGroups() {
        for (k, h) in Self.sorted(model.huntGroups) {
            let digest = recordDigest(h)
            let type = h.groupType ?? (h.acd == true ? "ucd-mia" : "circ")
            if let e = h.extension, excluded.contains(e) {
                sink.exclude(rule: "exclude", kind: .huntGroup, id: k, digest: digest, reason: "hunt group extension \(e) is excluded")
                continue
            }
            if let why = voicemailGroups[h.number] {
                sink.exclude(rule: "coverage.forwarding", kind: .huntGroup, id: k, digest: digest,
                             reason: "hunt group \(h.number) is a voicemail (messaging) group (\(why)); Genesys voicemail replaces it, coverage points to it turn voicemail on")
                continue
            }
            let marks = VoicemailGroup.marks(h)
            if !marks.isEmpty {
                sink.exception(rule: "coverage.forwarding", kind: .huntGroup, id: k, .review,
                               "hunt group \(h.number) names a messaging system (\(marks.joined(separator: ", "))) but has members, so it is migrated as a group, not as voicemail",
                               hint: "if it is the voicemail group, list \(h.number) under voicemailGroups")
            }
            var rule = config.huntGroups[type] ?? MappingConfig.HuntRule(target: .exception, note: "hunt group type \(type) has no mapping rule")
            var approximation: String? = rule.approximate ? rule.note : nil
            if h.acd != true, rule.target == .queue {
                // A non-ACD group cannot be a queue: ring its members as a group.
                rule = MappingConfig.HuntRule(target: .group, ringPolicy: "ROUND_ROBIN")
                approximation = "non-ACD \(type) group rings its members round robin"
            }
            if let e = h.extension { migratedExtensions.append(e) }
            switch rule.target {
            case .exception:
                sink.exception(rule: "hunt.queue", kind: .huntGroup, id: k, .manual,
                               "hunt group \(h.number) \(h.name ?? "") (\(type)): \(rule.note ?? "no mapping")",
                               hint: "design the Genesys queue by hand, or map the type under huntGroups in the configuration")
            case .queue: queue(h, key: k, type: type, rule: rule, approximation: approximation, digest: digest)
            case .group: group(h, key: k, type: type, rule: rule, approximation: approximation, digest: digest)
            }
        }
    }

    mutating func queue(_ h: HuntGroup, key k: String, type: String, rule: MappingConfig.HuntRule, approximation: String?, digest: String?) {
        let (name, renamed) = queueNames.claim(h.name.flatMap { $0.isEmpty ? nil : $0 } ?? "Hunt Group \(h.number)")
        let (mem, missing) = members(of: h)
        // [agent.reserve]: reserve agents go to outer bullseye rings.
        let reserveRings = Set(mem.compactMap { $0.1 }.compactMap { config.skillLevels.reserveRings[String($0)] })
        var payload: [String: JSONValue] = [
            "name": .string(name),
            "description": .string("Avaya hunt group \(h.number) (\(type))"),
            "division": ["id": .string(divisionRef(tenant: h.tenant))],
            "mediaSettings": ["call": ["alertingTimeoutSeconds": .int(Int64(config.queues.alertingTimeoutSeconds))]],
            "acwSettings": ["wrapupPrompt": .string(config.queues.wrapupPrompt), "timeoutMs": .int(Int64(config.queues.acwTimeoutMs))],
        ]
        if let se = rule.skillEvaluation { payload["skillEvaluationMethod"] = .string(se) }
        if let top = reserveRings.max(), top > 1 {
            // Rings 1…top; each expands after the configured timeout; the last is the default ring.
            payload["bullseye"] = ["rings": .array((1...top).map { _ in
                ["expansionCriteria": [["type": "TIMEOUT_SECONDS", "threshold": .double(config.queues.ringTimeoutSeconds)]]]
            })]
        }
        var warnings: [String] = renamed ? ["name made unique: \(name)"] : []
        if !missing.isEmpty { warnings.append("members without a migrated user: \(missing.joined(separator: ", "))") }
        // An EAS skill nobody holds is still a queue (vectors queue to it); it just answers nothing.
        let emptySkill = h.skill == true && mem.isEmpty
        if emptySkill { warnings.append("skill \(h.number) has no agents: queue \(name) has 0 members") }
        let key = huntKey(h.number)
        guard sink.add(type: .queues, key: key, payload: .object(payload), rule: "hunt.queue", kind: .huntGroup, id: k, digest: digest,
                       reason: "\(type) hunt group \(h.number) becomes queue \(name) (skill evaluation \(rule.skillEvaluation ?? "default"))",
                       warnings: warnings) else { return }
        if let approximation {
            sink.exception(rule: "hunt.queue", kind: .huntGroup, id: k, .approximated, "queue \(name): \(approximation)")
        }
        if emptySkill {
            sink.exception(rule: "hunt.members", kind: .huntGroup, id: k, .review,
                           "EAS skill \(h.number) \(h.name ?? "") has no agents in the inputs: queue \(name) is created with 0 members",
                           hint: "give agents the skill in CM and re-export, or add members to the queue after upload")
        }
        if !mem.isEmpty {
            // The bulk add takes ids only (everyone joins ring 1); reserve agents then move out.
            let body: [JSONValue] = mem.map { u, _ in ["id": .string(ref(.users, u))] }
            let added = sink.add(type: .queueMembers, key: key, payload: ["parent": .string(ref(.queues, key)), "body": .array(body)],
                                 rule: "hunt.members", kind: .huntGroup, id: k, digest: digest,
                                 reason: "\(body.count) members, in administered order (skill holders by level)")
            // [agent.reserve] One ring step per reserve member, after the members have joined
            // (`after` orders it behind the bulk add without sending anything).
            for (u, reserve) in mem {
                guard added, let level = reserve, let ring = config.skillLevels.reserveRings[String(level)], ring > 1 else { continue }
                sink.add(type: .queueMemberRings, key: "\(key)-\(u)",
                         payload: ["parent": .string(ref(.queues, key)), "after": [.string(ref(.queueMembers, key))],
                                   "body": ["id": .string(ref(.users, u)), "ringNumber": .int(Int64(ring))]],
                         rule: "agent.reserve", kind: .huntGroup, id: k, digest: digest,
                         reason: "reserve level \(level) agent \(u) answers from bullseye ring \(ring) of queue \(name)")
            }
        }
        callWorkCodes(queue: key, huntGroup: h.number, name: name)
        if let night = h.nightServiceDestination ?? h.coveragePath {
            sink.exception(rule: "hunt.overflow", kind: .huntGroup, id: k, .review,
                           "queue \(name) had night service / coverage to \(night); set its overflow or in-queue flow after upload",
                           hint: "night service and overflow move into the Architect flow that serves this queue")
        }
    }

    mutating func group(_ h: HuntGroup, key k: String, type: String, rule: MappingConfig.HuntRule, approximation: String?, digest: String?) {
        let (name, renamed) = groupNames.claim(h.name.flatMap { $0.isEmpty ? nil : $0 } ?? "Hunt Group \(h.number)")
        let (mem, missing) = members(of: h)
        let key = huntKey(h.number)
        var payload: [String: JSONValue] = ["name": .string(name), "type": "official", "rulesVisible": true, "visibility": "public",
                                            "description": .string("Avaya hunt group \(h.number) (\(type))")]
        if let e = h.extension, case .success(let e164)? = did(for: e, location: nil) {
            payload["addresses"] = [["address": .string(e164), "extension": .string(e), "type": "GROUPRING", "mediaType": "PHONE"]]
        }
        var warnings: [String] = renamed ? ["name made unique: \(name)"] : []
        if !missing.isEmpty { warnings.append("members without a migrated user: \(missing.joined(separator: ", "))") }
        guard sink.add(type: .groups, key: key, payload: .object(payload), rule: "hunt.group-ring", kind: .huntGroup, id: k, digest: digest,
                       reason: "\(type) hunt group \(h.number) becomes group \(name) ringing \(rule.ringPolicy ?? "ROUND_ROBIN")",
                       warnings: warnings) else { return }
        if let approximation {
            sink.exception(rule: "hunt.group-ring", kind: .huntGroup, id: k, .approximated, "group \(name): \(approximation)")
        }
        if !mem.isEmpty {
            // Member order is the ring order for SEQUENTIAL and ROUND_ROBIN: never re-sorted.
            sink.add(type: .groupMembers, key: key,
                     payload: ["parent": .string(ref(.groups, key)), "body": ["memberIds": .array(mem.map { .string(ref(.users, $0.0)) })]],
                     rule: "hunt.members", kind: .huntGroup, id: k, digest: digest,
                     reason: "\(mem.count) members in administered order: \(mem.map(\.0).joined(separator: ", "))")
        }
        sink.add(type: .groupRingPolicies, key: key,
                 payload: ["parent": .string(ref(.groups, key)),
                           "body": ["enabled": true, "groupAlertType": .string(rule.ringPolicy ?? "ROUND_ROBIN"), "rotateCallsSecs": .int(Int64(config.secondsPerRing * 3))]],
                 rule: "hunt.group-ring", kind: .huntGroup, id: k, digest: digest,
                 reason: "\(type) → group ring \(rule.ringPolicy ?? "ROUND_ROBIN")")
    }

    /// `callFlows: false`: no flows or call routes; each vector and VDN is left to a person.
    mutating func routingDisabled() {
        for (k, v) in Self.sorted(model.vectors) {
            sink.exception(rule: "vdn.flow", kind: .vector, id: k, .manual,
                           "vector \(v.number) \(v.name ?? "") is not translated: call flows are switched off (callFlows: false)",
                           hint: "build with call flows on and publish the flows, or build the flow in Architect")
        }
        for (k, v) in Self.sorted(model.vdns) {
            sink.exception(rule: "vdn.flow", kind: .vdn, id: k, .manual,
                           "VDN \(k) \(v.name ?? "") gets no call route: call flows are switched off (callFlows: false)",
                           hint: "create the call route once its flow exists")
        }
    }
}

extension Context {
    /// [cwc.wrapup] The configured call work codes become wrap-up codes (once), offered on the
    /// queues the configuration names, in code order, at most 100 per request.
    mutating func callWorkCodes(queue key: String, huntGroup: Int, name: String) {
        let cwc = config.callWorkCodes
        guard !cwc.codes.isEmpty else { return }
        switch cwc.queues {
        case .none: return
        case .huntGroups(let numbers) where !numbers.contains(huntGroup): return
        default: break
        }
        let codes = cwc.codes.sorted { ($0.key.count, $0.key) < ($1.key.count, $1.key) }
        var ids: [JSONValue] = []
        for (code, codeName) in codes {
            let codeKey = "cwc-\(code)"
            if sink.addConfigured(type: .wrapupCodes, key: codeKey, payload: ["name": .string(codeName)], rule: "cwc.wrapup",
                                  path: "callWorkCodes.codes.\(code)",
                                  reason: "call work code \(code) becomes wrap-up code \(codeName)") {
                ids.append(["id": .string(ref(.wrapupCodes, codeKey))])
            }
        }
        guard !ids.isEmpty else { return }
        sink.addConfigured(type: .queueWrapupCodes, key: key, payload: ["parent": .string(ref(.queues, key)), "body": .array(ids)],
                           rule: "cwc.wrapup", path: "callWorkCodes.queues",
                           reason: "queue \(name) offers the \(ids.count) call work codes as wrap-up codes")
    }
}
