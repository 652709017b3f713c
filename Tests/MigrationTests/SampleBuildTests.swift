import BundleKit
import Common
import Foundation
import GenesysCloud
import Testing
@testable import Migration

/// Stage one on the committed sample site: the traps of a CM migration, checked on real output.
@Suite struct SampleBuildTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { root.appendingPathComponent(p).path }

    static func build(to name: String, previous: URL? = nil, sources: [String] = ["samples/sat", "samples/smgr"]) throws -> (StageOne.Result, BundleFiles, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent(name)
        let r = try StageOne.build(.init(sources: sources.map(path), configPath: path("samples/mapping.yaml"), output: out,
                                         previous: previous, created: 1_735_689_600))
        return (r, try BundleFiles.read(contentsOf: out), out)
    }

    /// One shared build for the read-only checks (tests run in parallel).
    static let shared: Result<(StageOne.Result, BundleFiles, URL), any Error> = Result { try build(to: "sample.tar") }

    func payload(_ files: BundleFiles, _ type: String, _ key: String) throws -> JSONValue {
        try JSONValue.parse(try #require(files["payloads/\(type)/\(key).json"], "missing \(type)/\(key)"))
    }

    @Test func everyPayloadPassesTheContractAndRecordsReconcile() throws {
        let (r, files, _) = try Self.shared.get()
        #expect(r.exitCode == 0)
        #expect(r.transform.unaccounted.isEmpty)
        for (kind, rec) in r.transform.reconciliation { #expect(rec.holds, "\(kind) does not reconcile") }
        var checked = 0
        for p in files.paths where p.hasPrefix("payloads/") {
            let parts = p.split(separator: "/")
            let type = try #require(ResourceType(rawValue: String(parts[1])), "unknown type in \(p)")
            let v = try JSONValue.parse(try #require(files[p]))
            let body = type.spec.parent != nil ? (v["body"] ?? .null) : v
            #expect(type.spec.validate(body).isEmpty, "\(p): \(type.spec.validate(body))")
            checked += 1
        }
        #expect(checked > 200)
    }

    /// No raw ids: every value under an `id`-like field is a bundle or external reference, and
    /// every bundle reference names a payload.
    @Test func referencesAreLogicalAndResolve() throws {
        let (_, files, _) = try Self.shared.get()
        func walk(_ v: JSONValue, key: String?, in path: String) {
            switch v {
            case .string(let s):
                // Phone meta base ids name the platform's phone models (the same in every org), not org objects.
                if let k = key, k == "id" || k.hasSuffix("Id") || k == "parent", !s.hasSuffix(".json") {
                    #expect(s.hasPrefix("@ref:") || s.hasPrefix("@ext:"), "\(path): \(k) = \(s) is not a logical reference")
                }
                if s.hasPrefix("@ref:flows/") {
                    #expect(files["flows/\(s.dropFirst("@ref:flows/".count)).yaml"] != nil, "\(path): dangling \(s)")
                } else if s.hasPrefix("@ref:") { #expect(files["payloads/\(s.dropFirst(5)).json"] != nil, "\(path): dangling \(s)") }
            case .array(let a): a.forEach { walk($0, key: key, in: path) }
            case .object(let o): for (k, x) in o { walk(x, key: k, in: path) }
            default: break
            }
        }
        for p in files.paths where p.hasPrefix("payloads/") { walk(try JSONValue.parse(try #require(files[p])), key: nil, in: p) }
    }

    @Test func groupRingKeepsAdministeredMemberOrder() throws {
        let (r, files, _) = try Self.shared.get()
        _ = r
        // Hunt group 7 Hot Seat is ddc (sequential); 6 Reception is circ (round robin).
        let ddc = try payload(files, "group-members", "hunt-7")["body"]?["memberIds"]?.arrayValue?.compactMap(\.stringValue)
        let policy7 = try payload(files, "group-ring-policies", "hunt-7")["body"]?["groupAlertType"]?.stringValue
        let policy6 = try payload(files, "group-ring-policies", "hunt-6")["body"]?["groupAlertType"]?.stringValue
        #expect(policy7 == "SEQUENTIAL")
        #expect(policy6 == "ROUND_ROBIN")
        let read = try AvayaReaderFacade.model(sources: ["samples/sat"].map(Self.path))
        let expected = read.huntGroups["7"]?.members.map { "@ref:users/\($0)" }
        #expect(ddc == expected)
        #expect((ddc?.count ?? 0) >= 2)
    }

    @Test func higherSkillLevelGetsHigherProficiency() throws {
        let (r, files, _) = try Self.shared.get()
        let model = try AvayaReaderFacade.model(sources: ["samples/sat"].map(Self.path))
        // user key for each agent, from the diff log of the skills payloads
        var checked = 0
        for d in r.transform.decisions where d.rule == "agent.skill-level" {
            guard let key = d.targetKey, let agent = model.agents[d.sourceID] else { continue }
            let body = try payload(files, "user-routing-skills", key)["body"]?.arrayValue ?? []
            var prof: [String: Double] = [:]
            for item in body { if let id = item["id"]?.stringValue, let p = item["proficiency"]?.doubleValue { prof[id] = p } }
            for a in agent.skills { for b in agent.skills {
                guard let la = a.level, let lb = b.level, la < lb,
                      let pa = prof["@ref:routing-skills/skill-\(a.skill)"], let pb = prof["@ref:routing-skills/skill-\(b.skill)"] else { continue }
                #expect(pa > pb, "agent \(agent.loginId): level \(la) → \(pa) must beat level \(lb) → \(pb)")
                checked += 1
            } }
        }
        #expect(checked > 0, "the samples must contain agents with two different skill levels")
        let all = files.paths.filter { $0.hasPrefix("payloads/user-routing-skills/") }
        let profs = Set(all.flatMap { p in (try? JSONValue.parse(files[p] ?? Data()))?["body"]?.arrayValue?.compactMap { $0["proficiency"]?.doubleValue } ?? [] })
        #expect(profs.contains(5.0))
        #expect(profs.allSatisfy { (0...5).contains($0) })
    }

    @Test func loopingCoverageChainIsBrokenWithOneExceptionNamingItsMembers() throws {
        let (r, _, _) = try Self.shared.get()
        let chain = r.transform.brokenCycles.filter { $0 == ["cov:1", "cov:2", "cov:3"] }
        #expect(chain.count == 1)
        let ex = r.transform.exceptions.filter { $0.rule == "hunt.overflow" && $0.message.contains("cov:1 → cov:2 → cov:3 → cov:1") }
        #expect(ex.count == 1)
        // Every cycle is an exception, once.
        #expect(r.transform.exceptions.filter { $0.rule == "hunt.overflow" && $0.message.hasPrefix("coverage/overflow cycle") }.count
                == r.transform.brokenCycles.count)
    }

    /// [agent.reserve] Reserve agent 3033 (level 1 reserve in hunt group 5) answers from ring 2,
    /// set after the members have joined; the queue has that ring.
    @Test func reserveAgentGetsItsBullseyeRingAfterJoining() throws {
        let (r, files, _) = try Self.shared.get()
        let ring = try payload(files, "queue-member-rings", "hunt-5-3033")
        #expect(ring["parent"]?.stringValue == "@ref:queues/hunt-5")
        #expect(ring["body"]?["id"]?.stringValue == "@ref:users/3033")
        #expect(ring["body"]?["ringNumber"]?.intValue == 2)
        let queue = try payload(files, "queues", "hunt-5")
        #expect((queue["bullseye"]?["rings"]?.arrayValue?.count ?? 0) >= 2)
        let order = try JSONValue.parse(try #require(files["plan/order.json"]))
        let step = try #require(order["steps"]?.arrayValue?.first { $0["id"]?.stringValue == "create:queue-member-rings/hunt-5-3033" })
        let deps = step["depends_on"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(deps.contains("create:queue-members/hunt-5") && deps.contains("create:queues/hunt-5") && deps.contains("create:users/3033"))
        #expect(!r.transform.exceptions.contains { $0.rule == "agent.reserve" }, "no longer left to a person")
    }

    /// [cwc.wrapup] The configured call work codes become wrap-up codes, offered on the queues of
    /// hunt groups 1 and 2 only; the diff log says they come from the mapping.
    @Test func callWorkCodesBecomeWrapupCodesOnTheConfiguredQueues() throws {
        let (_, files, _) = try Self.shared.get()
        #expect(try payload(files, "wrapup-codes", "cwc-11")["name"]?.stringValue == "Order placed")
        let offered = try payload(files, "queue-wrapup-codes", "hunt-1")
        #expect(offered["parent"]?.stringValue == "@ref:queues/hunt-1")
        #expect(offered["body"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                == ["@ref:wrapup-codes/cwc-11", "@ref:wrapup-codes/cwc-12", "@ref:wrapup-codes/cwc-21", "@ref:wrapup-codes/cwc-99"])
        #expect(files["payloads/queue-wrapup-codes/hunt-2.json"] != nil)
        #expect(files["payloads/queue-wrapup-codes/hunt-3.json"] == nil)
        let log = String(decoding: try #require(files["difflog.jsonl"]), as: UTF8.self).split(separator: "\n")
        let rec = try JSONValue.parse(Data(try #require(log.first { $0.contains("\"wrapup-codes/cwc-11") || $0.contains("cwc-11.json") }).utf8))
        #expect(rec["source_system"]?.stringValue == "mapping")
        #expect(rec["rule"]?.stringValue == "cwc.wrapup")
    }

    /// [station.lines] Phones never have more lines than their base settings' phone_maxLineKeys:
    /// 10 for the SIP base (linesPerPhone), 1 for WebRTC; station 3000 (a 9641, so WebRTC) keeps
    /// its 14 appearances on one WebRTC phone with one line (a person has one WebRTC phone). The
    /// phone and each line name the base settings' line base settings (resolved at upload).
    @Test func phonesFollowTheirBaseSettingsLineKeys() throws {
        let (_, files, _) = try Self.shared.get()
        // 3005 is administered without hardware (Port X): a user, no phone.
        #expect(files["payloads/users/3005.json"] != nil && files["payloads/phones/3005-1.json"] == nil)
        let p1 = try payload(files, "phones", "3000-1")
        #expect(p1["lines"]?.arrayValue?.count == 1)
        #expect(files["payloads/phones/3000-2.json"] == nil)
        #expect(p1["lineBaseSettings"]?["id"]?.stringValue == "@ref:phone-base-settings/webrtc")
        #expect(p1["lines"]?.arrayValue?.allSatisfy { $0["lineBaseSettings"] == p1["lineBaseSettings"] } == true)
        var maxKeys: [String: Int64] = [:]
        for key in ["generic-sip", "webrtc"] {
            let base = try payload(files, "phone-base-settings", key)
            maxKeys["@ref:phone-base-settings/\(key)"] = base["properties"]?["phone_maxLineKeys"]?["value"]?["instance"]?.intValue
        }
        #expect(maxKeys == ["@ref:phone-base-settings/generic-sip": 10, "@ref:phone-base-settings/webrtc": 1])
        let phones = files.paths.filter { $0.hasPrefix("payloads/phones/") }.compactMap { try? JSONValue.parse(files[$0] ?? Data()) }
        #expect(phones.count > 10)
        for p in phones {
            let base = p["phoneBaseSettings"]?["id"]?.stringValue ?? ""
            #expect(Int64(p["lines"]?.arrayValue?.count ?? 0) <= maxKeys[base] ?? 0)
            #expect(p["lineBaseSettings"]?["id"]?.stringValue == base)
        }
        let log = String(decoding: try #require(files["difflog.jsonl"]), as: UTF8.self)
        #expect(log.contains("14 call appearances; WebRTC allows 1 line key(s)"))
    }

    @Test func holidayAcrossDSTKeepsLocalTimesAndZone() throws {
        let (_, files, _) = try Self.shared.get()
        let group = try payload(files, "schedule-groups", "holidays-1")
        #expect(group["timeZone"]?.stringValue == "Europe/Berlin")
        let schedules = files.paths.filter { $0.hasPrefix("payloads/schedules/holiday-1-") }.compactMap { try? JSONValue.parse(files[$0] ?? Data()) }
        let spring = try #require(schedules.first { $0["name"]?.stringValue?.contains("Spring") == true })
        // 29 Mar 2025 12:00 – 31 Mar 08:00 local; clocks went forward on 30 Mar.
        #expect(spring["start"]?.stringValue == "2025-03-29T12:00:00.000")
        #expect(spring["end"]?.stringValue == "2025-03-31T08:00:00.000")
        #expect(schedules.count == 4 && schedules.allSatisfy { $0["rrule"]?.stringValue == "FREQ=YEARLY" })  // rows carry no year
        #expect(spring["description"]?.stringValue?.contains("UTC 2025-03-29T11:00:00Z – 2025-03-31T06:00:00Z") == true)
    }

    @Test func sameInputsGiveByteIdenticalBundles() throws {
        let (a, _, ua) = try Self.build(to: "a.tar")
        let (b, _, ub) = try Self.build(to: "b.tar")
        #expect(a.bundle.digest == b.bundle.digest)
        #expect(try Data(contentsOf: ua) == Data(contentsOf: ub))
    }

    @Test func previousIdenticalBundleIsAllUnchanged() throws {
        let (_, _, first) = try Self.shared.get()
        let (r, files, _) = try Self.build(to: "again.tar", previous: first)
        #expect(r.delta.keys.sorted() == ["unchanged"])
        let text = String(decoding: try #require(files["plan/plan.txt"]), as: UTF8.self)
        #expect(text.contains("to unchanged."))
        #expect(!text.contains("+ create"))
    }

    /// Golden: the payload manifest of the sample site. Regenerate deliberately with
    /// `CM2GC_RECORD_GOLDEN=1 swift test --filter SampleBuildTests` and review the diff.
    @Test func samplePayloadsArePinned() throws {
        let (_, files, _) = try Self.shared.get()
        let manifest = String(decoding: try #require(files["manifest-sha256.txt"]), as: UTF8.self)
        let golden = Self.root.appendingPathComponent("Tests/MigrationTests/Golden/sample-manifest-sha256.txt")
        if ProcessInfo.processInfo.environment["CM2GC_RECORD_GOLDEN"] == "1" {
            try Data(manifest.utf8).write(to: golden)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(manifest == expected, "sample payloads changed; if intended, re-record the golden file and review the diff")
    }
}
