import AvayaCM
import Common
import Foundation
import GenesysCloud

/// Collects what the translator asks for while it runs (closures cannot reach the context).
final class FlowRequests {
    var hours: [String: HoursRequest] = [:]
}

/// One flow per vector, or per distinct VDN skill set when the vector uses `1st`/`2nd`/`3rd`.
struct FlowVariant {
    var vector: Int
    var skills: [Int?]
    var key: String
    var name: String
    var vdns: [String]
}

extension Context {
    // MARK: vdn.flow (issue 8)

    func divisionFor(tenant: Int?) -> (name: String, resource: String?) {
        let r = divisionRef(tenant: tenant)
        if r.hasPrefix("@ext:") { return (config.divisions.home, nil) }
        let t = tenant ?? 1
        return (divisionName(tenant: t), "divisions/tenant-\(t)")
    }

    /// Whether the vector, or one it reaches by `goto vector`, queues to a VDN skill.
    func usesVDNSkills(_ v: Int, _ seen: inout Set<Int>) -> Bool {
        guard seen.insert(v).inserted, let vec = model.vectors[String(v)] else { return false }
        for s in vec.steps {
            switch VectorParser.parse(s.text) {
            case .queueTo(.vdnSkill, _), .check(.vdnSkill, _, _), .messaging(.vdnSkill, _): return true
            case .gotoVector(let t, _, _): if usesVDNSkills(t, &seen) { return true }
            default: break
            }
        }
        return false
    }

    func flowVariants() -> [FlowVariant] {
        var out: [FlowVariant] = []
        let vdns = Self.sorted(model.vdns).filter { !excluded.contains($0.0) }
        for (_, vec) in Self.sorted(model.vectors).sorted(by: { $0.1.number < $1.1.number }) {
            let v = vec.number
            let mine = vdns.filter { $0.1.vectorNumber == v }
            let base = "CM Vector \(v)" + (vec.name.map { " \($0)" } ?? "")
            var seen: Set<Int> = []
            guard usesVDNSkills(v, &seen) else {
                out.append(FlowVariant(vector: v, skills: [nil, nil, nil], key: "vector-\(v)", name: base, vdns: mine.map(\.0)))
                continue
            }
            var sets: [[Int?]: [String]] = [:]
            for (k, d) in mine { sets[[d.skill1, d.skill2, d.skill3], default: []].append(k) }
            if sets.isEmpty { sets[[nil, nil, nil]] = [] }
            let ordered = sets.keys.sorted { $0.map { $0 ?? -1 }.lexicographicallyPrecedes($1.map { $0 ?? -1 }) }
            for s in ordered {
                let tag = s.map { $0.map(String.init) ?? "x" }.joined(separator: "-")
                let one = ordered.count == 1
                out.append(FlowVariant(vector: v, skills: s, key: one ? "vector-\(v)" : "vector-\(v)-skills-\(tag)",
                                       name: one ? base : "\(base) (skills \(tag))", vdns: sets[s] ?? []))
            }
        }
        return out
    }

    func queueNamed(_ n: Int) -> Named? {
        let key = huntKey(n)
        guard let name = sink.payload(.queues, key)?["name"]?.stringValue else { return nil }
        return Named(name: name, resource: "queues/\(key)")
    }

    mutating func routing() {
        let variants = flowVariants()
        let requests = FlowRequests()
        let site = config.site(forLocation: nil)
        var flowForVDN: [String: FlowVariant] = [:]
        for f in variants { for d in f.vdns { flowForVDN[d] = f } }
        let sink = self.sink
        let vectors = Dictionary(model.vectors.values.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        let me = self
        func names() -> FlowNames {
            FlowNames(
                queue: { me.queueNamed($0) },
                prompt: { ext in
                    let key = "ann-\(LogicalRef.makeKey(ext))"
                    return sink.payload(.prompts, key)?["name"]?.stringValue.map { Named(name: $0, resource: "prompts/\(key)") }
                },
                holidayGroup: { t in
                    sink.payload(.scheduleGroups, "holidays-\(t)")?["name"]?.stringValue.map { Named(name: $0, resource: "schedule-groups/holidays-\(t)") }
                },
                hoursGroup: { r in
                    guard Self.hoursWindow(r.range, year: me.holidayYear) != nil else { return nil }
                    let key = "hours-v\(r.vector)-s\(r.step)"
                    requests.hours[key] = r
                    return Named(name: "CM Vector \(r.vector) step \(r.step) hours", resource: "schedule-groups/\(key)")
                },
                vdnFlow: { ext in flowForVDN[ext].map { Named(name: $0.name, resource: "flows/\($0.key)") } },
                phoneNumber: { digits in
                    if case .success(let e)? = me.did(for: Self.canonicalExtension(digits), location: nil) { return e }
                    if case .success(let e) = PhoneNumberNormalizer(site: site).normalize(digits) { return e }
                    return nil
                })
        }
        var outcomes: [StepKey: StepOutcome] = [:]
        var flowsOf: [Int: [String]] = [:]
        var translated: [String: TranslatedFlow] = [:]
        var inQueueByQueue: [String: String] = [:]  // queue key → in-queue flow key
        var unverified: [Int: Set<String>] = [:]  // vector → Archy keys only believed (docs/archy.md)
        for f in variants {
            let tenant = f.vdns.first.flatMap { model.vdns[$0]?.tenant }
            let (division, divisionResource) = divisionFor(tenant: tenant)
            let tr = VectorTranslator(vectors: vectors, vdnSkills: f.skills, names: names())
                .translate(vector: f.vector, name: f.name,
                           description: "Avaya vector \(f.vector)" + (f.vdns.isEmpty ? "" : " for VDN \(f.vdns.joined(separator: ", "))"),
                           division: division)
            translated[f.key] = tr
            for (k, o) in tr.outcomes where (outcomes[k]?.rank ?? -1) < o.rank { outcomes[k] = o }
            // Hours schedule groups first: the flow names them.
            for key in requests.hours.keys.sorted() { hoursSchedule(key: key, request: requests.hours[key]) }
            for iq in tr.inQueue {
                let key = "vector-\(iq.vector)-step-\(iq.step)-inqueue"
                var flow = iq.flow
                flow.division = division
                flow.description = FlowFingerprint.placeholder(appendedTo: flow.description)
                let yaml = FlowFingerprint.stamp(flow.yaml().render())
                unverified[iq.vector, default: []].formUnion(auditArchy(yaml, flow: key, vector: iq.vector))
                sink.addFlow(FlowOutput(key: key, name: flow.name, flowType: "inqueuecall", yaml: yaml,
                                        requires: (iq.resources + [divisionResource].compactMap { $0 }).sorted()),
                             rule: "vdn.flow", kind: .vector, id: String(iq.vector), digest: recordDigest(model.vectors[String(iq.vector)]),
                             reason: "steps after queue-to (vector \(iq.vector) step \(iq.step)) become in-queue flow \(flow.name)")
                let qkey = String(iq.queue.resource.dropFirst("queues/".count))
                if let other = inQueueByQueue[qkey] {
                    if other != key {
                        sink.exception(rule: "vdn.flow", kind: .vector, id: String(iq.vector), .approximated,
                                       "queue \(iq.queue.name) already uses in-queue flow \(other); vector \(iq.vector) step \(iq.step)'s treatment (\(key)) is not attached",
                                       hint: "a Genesys queue has one in-queue flow: merge the treatments by hand if they differ")
                    }
                } else {
                    inQueueByQueue[qkey] = key
                    sink.amend(.queues, qkey) { p in
                        if case .object(var o) = p { o["queueFlow"] = ["id": .string(ref(.flows, key))]; p = .object(o) }
                    }
                }
            }
            let requires = Set(tr.resources + [divisionResource].compactMap { $0 }).subtracting(["flows/\(f.key)"]).sorted()
            // The content fingerprint in the description lets a re-run without the ledger tell
            // a flow published from this YAML from another of the same name (FlowFingerprint).
            var main = tr.flow
            main.description = FlowFingerprint.placeholder(appendedTo: main.description)
            let yaml = FlowFingerprint.stamp(main.yaml().render())
            unverified[f.vector, default: []].formUnion(auditArchy(yaml, flow: f.key, vector: f.vector))
            sink.addFlow(FlowOutput(key: f.key, name: f.name, flowType: "inboundcall", yaml: yaml, requires: requires),
                         rule: "vdn.flow", kind: .vector, id: String(f.vector), digest: recordDigest(model.vectors[String(f.vector)]),
                         reason: "vector \(f.vector) becomes inbound call flow \(f.name)" + (f.vdns.isEmpty ? "" : " for VDN \(f.vdns.joined(separator: ", "))"))
            flowsOf[f.vector, default: []].append(f.key)
        }
        fidelity(outcomes: outcomes, flowsOf: flowsOf, unverified: unverified)
        callRoutes(flowForVDN: flowForVDN, translated: translated)
    }

    /// [vdn.flow] fidelity: per vector, every step's outcome; unsupported steps are manual
    /// exceptions naming vector and step, approximations one exception per vector.
    mutating func fidelity(outcomes: [StepKey: StepOutcome], flowsOf: [Int: [String]], unverified: [Int: Set<String>]) {
        for (k, vec) in Self.sorted(model.vectors).sorted(by: { $0.1.number < $1.1.number }) {
            var steps: [VectorFidelity.Step] = []
            var approx: [String] = []
            for s in vec.steps.sorted(by: { $0.number < $1.number }) {
                switch outcomes[StepKey(vector: vec.number, step: s.number)] {
                case .translated?: steps.append(.init(number: s.number, text: s.text, outcome: "translated"))
                case .approximated(let r)?:
                    steps.append(.init(number: s.number, text: s.text, outcome: "approximated", reason: r))
                    approx.append("step \(s.number) \"\(s.text)\": \(r)")
                case .unsupported(let r)?:
                    steps.append(.init(number: s.number, text: s.text, outcome: "unsupported", reason: r))
                    sink.exception(rule: "vdn.flow", kind: .vector, id: k, .manual,
                                   "vector \(vec.number) step \(s.number) \"\(s.text)\" is not translated: \(r)",
                                   hint: "add the behaviour to flow \(flowsOf[vec.number]?.joined(separator: ", ") ?? "?") in Architect")
                case nil:
                    steps.append(.init(number: s.number, text: s.text, outcome: "unreachable", reason: "no path through the vector reaches it"))
                }
            }
            if !approx.isEmpty {
                sink.exception(rule: "vdn.flow", kind: .vector, id: k, .approximated,
                               "vector \(vec.number) flow approximates: " + approx.joined(separator: "; "))
            }
            sink.addFidelity(VectorFidelity(vector: vec.number, name: vec.name, flows: flowsOf[vec.number] ?? [], steps: steps,
                                            unverifiedKeys: (unverified[vec.number] ?? []).sorted()))
        }
    }

    /// The shared Archy key table (GenesysCloud `ArchyKeys`) applied to a rendered flow: keys it
    /// only believes are returned for the fidelity report; a key it does not know is a writer
    /// defect, reported so the flow is not published unnoticed.
    func auditArchy(_ yaml: String, flow: String, vector: Int) -> Set<String> {
        do {
            let a = try ArchyKeys.audit(yaml)
            if !a.unknown.isEmpty {
                sink.exception(rule: "vdn.flow", kind: .vector, id: String(vector), .manual,
                               "flow \(flow) has Archy keys no Genesys-owned YAML shows and the key table does not list: \(Set(a.unknown.map(\.name)).sorted().joined(separator: ", "))",
                               hint: "a writer defect: see docs/archy.md")
            }
            return Set(a.unverified.map(\.name))
        } catch {
            sink.exception(rule: "vdn.flow", kind: .vector, id: String(vector), .manual, "flow \(flow) is not valid YAML: \(error.localizedDescription)")
            return []
        }
    }

    /// [vdn.callroute] A VDN with a DID becomes an IVR call route starting its vector's flow.
    mutating func callRoutes(flowForVDN: [String: FlowVariant], translated: [String: TranslatedFlow]) {
        for (k, v) in Self.sorted(model.vdns) {
            let digest = recordDigest(v)
            if excluded.contains(k) {
                sink.exclude(rule: "exclude", kind: .vdn, id: k, digest: digest, reason: "VDN \(k) is excluded")
                continue
            }
            guard let f = flowForVDN[k] else {
                sink.exception(rule: "vdn.flow", kind: .vdn, id: k, .manual,
                               "VDN \(k) \(v.name ?? "") points at vector \(v.vectorNumber.map(String.init) ?? "?"), which is not in the export",
                               hint: "export the vector, or build the flow and call route by hand")
                continue
            }
            switch did(for: k, location: nil) {
            case nil:
                sink.exception(rule: "vdn.callroute", kind: .vdn, id: k, .review,
                               "VDN \(k) has no public number: no call route; flow \(f.name) serves it when reached by transfer")
            case .failure(let e)?:
                sink.exception(rule: "vdn.callroute", kind: .vdn, id: k, .rejected, "VDN \(k): its public number does not normalise: \(e)",
                               hint: "fix public-unknown-numbering or set didOverrides")
            case .success(let e164)?:
                dids.append(e164)  // [did.pool] a call route's DNIS must be in a DID pool too
                let flowRef: JSONValue = ["id": .string(ref(.flows, f.key))]
                var payload: [String: JSONValue] = [
                    "name": .string("VDN \(k)" + (v.name.map { " \($0)" } ?? "")),
                    "description": .string("Avaya VDN \(k) → vector \(f.vector)"),
                    "dnis": [.string(e164)],
                    "openHoursFlow": flowRef,
                    "division": ["id": .string(divisionRef(tenant: v.tenant))],
                ]
                if let g = translated[f.key]?.scheduleGroups.first {
                    // The flow evaluates its own hours; the route shows the group, every state runs the same flow.
                    payload["scheduleGroup"] = ["id": .string("@ref:" + g.resource)]
                    payload["closedHoursFlow"] = flowRef
                    payload["holidayHoursFlow"] = flowRef
                }
                sink.add(type: .ivrs, key: "vdn-\(LogicalRef.makeKey(k))", payload: .object(payload), rule: "vdn.callroute", kind: .vdn,
                         id: k, digest: digest, reason: "VDN \(k) (\(e164)) becomes call route to flow \(f.name)")
            }
        }
    }

    /// [schedule.hours] A time-of-day condition: a schedule for the range (weekly, or daily for
    /// `all`) and a schedule group in the site's zone whose open schedule is that range.
    mutating func hoursSchedule(key: String, request r: HoursRequest?) {
        guard let r, !sink.has(.scheduleGroups, key), let w = Self.hoursWindow(r.range, year: holidayYear) else { return }
        let site = config.site(forLocation: nil)
        let text = Condition.timeOfDay(r.range).text
        let id = String(r.vector)
        guard sink.add(type: .schedules, key: key,
                       payload: ["name": .string("CM Vector \(r.vector) step \(r.step) hours"), "start": .string(w.start), "end": .string(w.end),
                                 "rrule": .string(w.rrule), "description": .string("Avaya vector \(r.vector) step \(r.step): \(text)")],
                       rule: "schedule.hours", kind: .vector, id: id, digest: nil,
                       reason: "\(text) becomes a schedule \(w.start) – \(w.end) \(w.rrule)") else { return }
        sink.add(type: .scheduleGroups, key: key,
                 payload: ["name": .string("CM Vector \(r.vector) step \(r.step) hours"), "timeZone": .string(site.timeZone),
                           "openSchedules": [["id": .string(ref(.schedules, key))]]],
                 rule: "schedule.hours", kind: .vector, id: id, digest: nil,
                 reason: "schedule group for vector \(r.vector) step \(r.step) in \(site.timeZone): open = \(text)")
    }

    /// Start/end as zone-free local times in a reference week of `year`, and the recurrence.
    /// nil for a mix of `all` and a weekday (no single recurrence).
    static func hoursWindow(_ r: TimeRange, year: Int) -> (start: String, end: String, rrule: String)? {
        let order = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        let ical = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
        var cal = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        cal.timeZone = utc
        guard let jan1 = cal.date(from: DateComponents(year: year, month: 1, day: 1)) else { return nil }
        let endMinutes = r.to.minute == 59 ? r.to.minutes + 1 : r.to.minutes  // CM's :59 is inclusive
        var startDate = jan1
        var days: Int
        let rrule: String
        if r.fromDay == "all", r.toDay == "all" {
            days = endMinutes > r.from.minutes ? 0 : 1
            rrule = "FREQ=DAILY;INTERVAL=1"
        } else if let f = order.firstIndex(of: r.fromDay), let t = order.firstIndex(of: r.toDay) {
            let jan1Weekday = (cal.component(.weekday, from: jan1) - 1)  // 0 = Sunday
            startDate = cal.date(byAdding: .day, value: (f - jan1Weekday + 7) % 7, to: jan1) ?? jan1
            days = (t - f + 7) % 7
            if days == 0, endMinutes <= r.from.minutes { days = 7 }
            rrule = "FREQ=WEEKLY;BYDAY=\(ical[f])"
        } else {
            return nil
        }
        guard let s = cal.date(byAdding: .minute, value: r.from.minutes, to: startDate),
              let e = cal.date(byAdding: .minute, value: days * 1440 + endMinutes, to: startDate) else { return nil }
        func fmt(_ d: Date) -> String {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: d)
            return String(format: "%04d-%02d-%02dT%02d:%02d:00.000", c.year ?? year, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0)
        }
        return (fmt(s), fmt(e), rrule)
    }
}
