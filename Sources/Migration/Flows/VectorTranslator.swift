import AvayaCM
import Foundation

/// How one vector step fared [vdn.flow fidelity].
public enum StepOutcome: Sendable, Hashable {
    case translated
    case approximated(String)
    case unsupported(String)

    var rank: Int {
        switch self { case .translated: 0; case .approximated: 1; case .unsupported: 2 }
    }
}

public struct StepKey: Sendable, Hashable, Comparable {
    public var vector: Int
    public var step: Int
    public static func < (a: StepKey, b: StepKey) -> Bool { (a.vector, a.step) < (b.vector, b.step) }
}

/// A name the flow uses and the bundle resource that creates it (an Archy reference is by name;
/// the resource id orders the plan).
public struct Named: Sendable, Hashable {
    public var name: String
    public var resource: String
    public init(name: String, resource: String) { self.name = name; self.resource = resource }
}

/// A time-of-day condition that needs its own schedule group.
public struct HoursRequest: Sendable, Hashable {
    public var vector: Int
    public var step: Int
    public var range: TimeRange
}

/// What the translator may look up; the transform supplies it from the bundle being built.
public struct FlowNames {
    public var queue: (Int) -> Named?
    public var prompt: (String) -> Named?
    public var holidayGroup: (Int) -> Named?
    public var hoursGroup: (HoursRequest) -> Named?
    /// A VDN extension → the flow serving it (route-to a VDN).
    public var vdnFlow: (String) -> Named?
    /// Dialled digits → E.164, when they make a public number.
    public var phoneNumber: (String) -> String?

    public init(queue: @escaping (Int) -> Named?, prompt: @escaping (String) -> Named?, holidayGroup: @escaping (Int) -> Named?,
                hoursGroup: @escaping (HoursRequest) -> Named?, vdnFlow: @escaping (String) -> Named?,
                phoneNumber: @escaping (String) -> String?) {
        self.queue = queue; self.prompt = prompt; self.holidayGroup = holidayGroup; self.hoursGroup = hoursGroup
        self.vdnFlow = vdnFlow; self.phoneNumber = phoneNumber
    }
}

/// A queue-to step whose following steps became an in-queue flow attached to `queueSkill`'s queue.
public struct InQueueRequest: Sendable, Hashable {
    public var vector: Int
    public var step: Int
    public var queue: Named
    public var flow: ArchyInQueueFlow
    public var resources: [String]
}

public struct TranslatedFlow: Sendable {
    public var flow: ArchyInboundFlow
    /// Bundle resources the flow names (ordering only).
    public var resources: [String]
    public var outcomes: [StepKey: StepOutcome]
    public var inQueue: [InQueueRequest]
    /// Schedule groups evaluated, in first-use order (the call route shows the first).
    public var scheduleGroups: [Named]
}

/// Vector → Architect inbound call flow. Steps become tasks split at goto targets; `goto vector`
/// inlines the target vector (so `return` can come back and VDN skills stay those of the VDN the
/// call came in on); `queue-to` ends the inbound part and its following steps become in-queue
/// behaviour, never a loop in the inbound flow. Jumps between tasks are then inlined (Archy YAML
/// from Genesys shows no `jumpToTask`): the written flow has the start task and the tasks menu
/// keys go to. No branch is dropped: a condition Architect cannot evaluate keeps its branch under
/// a `decision` that is false until someone edits it, and says so [vdn.flow issue 13.8].
public struct VectorTranslator {
    public let vectors: [Int: Vector]
    /// VDN skills 1st, 2nd, 3rd.
    public let vdnSkills: [Int?]
    public let names: FlowNames
    public var language = "en-us"
    /// Inlined vector instances beyond this are refused (a runaway `goto vector` chain).
    public var maxInstances = 32
    /// Actions a flow may hold once jumps are inlined; further jumps are cut and reported.
    public var maxActions = 5000

    public init(vectors: [Int: Vector], vdnSkills: [Int?], names: FlowNames) {
        self.vectors = vectors; self.vdnSkills = vdnSkills; self.names = names
    }

    struct Instance: Hashable { var vector: Int; var returnTo: String? }

    struct State {
        var tasks: [String: ArchyTask] = [:]
        var taskOrder: [String] = []
        var menus: [ArchyMenu] = []
        var pending: [(Instance, Int, String)] = []  // instance, step, refId
        var prefixes: [Instance: String] = [:]
        var perVector: [Int: Int] = [:]
        var outcomes: [StepKey: StepOutcome] = [:]
        var resources: Set<String> = []
        var inQueue: [InQueueRequest] = []
        var groups: [Named] = []
    }

    public func translate(vector number: Int, name: String, description: String, division: String) -> TranslatedFlow {
        var st = State()
        let start = Instance(vector: number, returnTo: nil)
        let startRef = entry(start, step: vectors[number]?.steps.first?.number ?? 1, &st)
        while !st.pending.isEmpty {
            let (inst, step, ref) = st.pending.removeFirst()
            guard st.tasks[ref] == nil else { continue }
            emitTask(inst, from: step, ref: ref, &st)
        }
        let flow = ArchyInboundFlow(name: name, description: description, division: division, language: language,
                                    startTask: startRef, tasks: inlineJumps(start: startRef, &st), menus: st.menus)
        return TranslatedFlow(flow: flow, resources: st.resources.sorted(), outcomes: st.outcomes, inQueue: st.inQueue,
                              scheduleGroups: st.groups)
    }

    // MARK: structure

    func steps(_ v: Int) -> [VectorStep] { (vectors[v]?.steps ?? []).sorted { $0.number < $1.number } }

    func next(_ v: Int, after s: Int) -> Int? { steps(v).first { $0.number > s }?.number }

    func step(_ v: Int, _ s: Int) -> VectorStep? { steps(v).first { $0.number == s } }

    /// Targets of `goto step` start tasks; so do the entry and return points.
    func leaders(_ v: Int) -> Set<Int> {
        var l: Set<Int> = []
        for s in steps(v) { if case .gotoStep(let t, _) = VectorParser.parse(s.text) { l.insert(t) } }
        return l
    }

    func prefix(_ i: Instance, _ st: inout State) -> String {
        if let p = st.prefixes[i] { return p }
        let n = st.perVector[i.vector, default: 0]
        st.perVector[i.vector] = n + 1
        let p = n == 0 ? "v\(i.vector)" : "v\(i.vector)r\(n)"
        st.prefixes[i] = p
        return p
    }

    /// The task refId for `step` of an instance, queued for emission. A step number that is not
    /// administered runs on at the next one (CM skips blank steps).
    func entry(_ i: Instance, step s: Int, _ st: inout State) -> String {
        let actual = step(i.vector, s) != nil ? s : (next(i.vector, after: s) ?? s)
        let ref = "\(prefix(i, &st))s\(actual)"
        if st.tasks[ref] == nil, !st.pending.contains(where: { $0.2 == ref }) {
            st.pending.append((i, actual, ref))
        }
        return ref
    }

    func record(_ v: Int, _ s: Int, _ o: StepOutcome, _ st: inout State) {
        let k = StepKey(vector: v, step: s)
        if let old = st.outcomes[k], old.rank >= o.rank { return }
        st.outcomes[k] = o
    }

    func label(_ v: Int, _ s: VectorStep) -> String { "Vector \(v) step \(s.number): \(s.text)" }

    // MARK: tasks

    func emitTask(_ inst: Instance, from start: Int, ref: String, _ st: inout State) {
        let v = inst.vector
        st.tasks[ref] = ArchyTask(refId: ref, name: "Vector \(v) step \(start)", actions: [])
        st.taskOrder.append(ref)
        let lead = leaders(v)
        var actions: [ArchyAction] = []
        var cur: Int? = start
        var last = start
        var first = true
        loop: while true {
            guard let s = cur, let vs = step(v, s) else {
                // Falling off the end of a vector with the call not queued: CM drops the call.
                actions.append(.disconnect(name: "End of vector \(v)"))
                break
            }
            if !first, lead.contains(s) {
                actions.append(.jumpToTask(name: "Continue at step \(s)", refId: entry(inst, step: s, &st),
                                           from: StepKey(vector: v, step: last)))
                break
            }
            first = false
            last = s
            switch translateStep(inst, vs, &st) {
            case .next(let a):
                actions += a
                cur = next(v, after: s)
            case .end(let a):
                actions += a
                break loop
            case .menu(let a, let resume):
                actions += a
                if let resume { cur = resume } else { break loop }
            }
        }
        st.tasks[ref]?.actions = actions
    }

    enum StepResult {
        case next([ArchyAction])
        case end([ArchyAction])
        /// A collect absorbed the following digit branches; `resume` nil: the menu ends the task.
        case menu([ArchyAction], resume: Int?)
    }

    func audio(_ ext: String, _ st: inout State) -> String? {
        guard let p = names.prompt(ext) else { return nil }
        st.resources.insert(p.resource)
        return "ToAudio(Prompt.\(p.name))"
    }

    func queue(_ t: VectorCommand.SkillTarget, _ st: inout State) -> (Named?, String) {
        switch t {
        case .skill(let n):
            return (names.queue(n), "skill \(n) has no migrated queue")
        case .vdnSkill(let i):
            guard i >= 1, i <= vdnSkills.count, let n = vdnSkills[i - 1] else {
                return (nil, "the VDN has no \(["1st", "2nd", "3rd"][max(0, min(2, i - 1))]) skill")
            }
            return (names.queue(n), "VDN skill \(i) (skill \(n)) has no migrated queue")
        case .other(let s):
            return (nil, "target \(s) is not a skill")
        }
    }

    func translateStep(_ inst: Instance, _ vs: VectorStep, _ st: inout State) -> StepResult {
        let v = inst.vector, s = vs.number
        let name = label(v, vs)
        let cmd = VectorParser.parse(vs.text)
        switch cmd {
        case .comment:
            record(v, s, .translated, &st)
            return .next([])
        case .announcement(let a):
            guard let e = audio(a, &st) else {
                record(v, s, .unsupported("announcement \(a) is not a migrated prompt"), &st)
                return .next([])
            }
            record(v, s, .translated, &st)
            return .next([.playAudio(name: name, exp: e)])
        case .waitTime(let secs, let hearing):
            let blank = ArchyAction.playAudio(name: name, exp: "ToAudioBlank(\(secs * 1000))")
            switch hearing {
            case .silence: record(v, s, .translated, &st); return .next([blank])
            case .ringback, .music:
                record(v, s, .approximated("the caller hears silence for \(secs) s: an inbound flow has no ringback or music before queueing"), &st)
                return .next([blank])
            case .announcement(let a):
                guard let e = audio(a, &st) else { break }
                record(v, s, .approximated("announcement \(a) plays once instead of for \(secs) s"), &st)
                return .next([.playAudio(name: name, exp: e)])
            case .other: break
            }
            record(v, s, .unsupported("wait treatment is not understood"), &st)
            return .next([])
        case .queueTo(let t, let pri):
            return queueTo(inst, vs, t, pri, &st)
        case .check(let t, let pri, let c):
            if c == .always { return queueTo(inst, vs, t, pri, &st) }
            // Queued only when the condition holds; otherwise the vector runs on. The steps after a
            // check are the continuation, not in-queue treatment (a later queue-to supplies that).
            guard queue(t, &st).0 != nil else { return queueTo(inst, vs, t, pri, &st) }
            return conditional(inst, vs, c, &st) { st in
                if case .end(let a) = queueTo(inst, vs, t, pri, inQueueTreatment: false, &st) { return a }
                return []
            }
        case .collect(let n, let ann):
            return collect(inst, vs, digits: n, announcement: ann, &st)
        case .gotoStep(let t, let c):
            return conditional(inst, vs, c, &st) { st in
                [.jumpToTask(name: "Go to step \(t)", refId: entry(inst, step: t, &st), from: StepKey(vector: v, step: s))]
            }
        case .gotoVector(let target, let at, let c):
            guard vectors[target] != nil else {
                record(v, s, .unsupported("vector \(target) is not in the export"), &st)
                return .next([])
            }
            guard st.prefixes.count < maxInstances else {
                record(v, s, .unsupported("too many nested goto vector steps"), &st)
                return .next([])
            }
            let hasReturn = steps(target).contains { if case .return = VectorParser.parse($0.text) { return true }; return false }
            return conditional(inst, vs, c, &st) { st in
                // The return point exists only when the callee can come back.
                let returnTo = hasReturn ? next(v, after: s).map { entry(inst, step: $0, &st) } : nil
                let ref = entry(Instance(vector: target, returnTo: returnTo), step: at, &st)
                return [.jumpToTask(name: "Go to vector \(target) step \(at)", refId: ref, from: StepKey(vector: v, step: s))]
            }
        case .routeToNumber(let num, _, let c):
            if let f = names.vdnFlow(num) {
                return conditional(inst, vs, c, &st) { st in
                    st.resources.insert(f.resource)
                    return [.transferToFlow(name: name, flow: f.name)]
                }
            } else if let e = names.phoneNumber(num) {
                return conditional(inst, vs, c, &st) { _ in [.transferToNumber(name: name, number: e)] }
            }
            record(v, s, .unsupported("\(num) is neither a VDN nor a number with a public (E.164) form"), &st)
            return .next([])
        case .routeToDigits:
            record(v, s, .unsupported("route-to digits dials what the caller entered; build a transfer on Flow.CollectedDigits by hand"), &st)
            return .next([])
        case .busy:
            record(v, s, .approximated("the caller is disconnected instead of hearing busy tone"), &st)
            return .end([.disconnect(name: name)])
        case .disconnect(let ann):
            var a: [ArchyAction] = []
            if let ann {
                guard let e = audio(ann, &st) else {
                    record(v, s, .approximated("announcement \(ann) is not a migrated prompt; disconnect without it"), &st)
                    return .end([.disconnect(name: name)])
                }
                a.append(.playAudio(name: "\(name) (announcement)", exp: e))
            }
            record(v, s, .translated, &st)
            return .end(a + [.disconnect(name: name)])
        case .stop:
            // Not queued here (queue-to ends the inbound part), so CM drops the call.
            record(v, s, .translated, &st)
            return .end([.disconnect(name: name)])
        case .return:
            record(v, s, .translated, &st)
            if let r = inst.returnTo { return .end([.jumpToTask(name: "Return", refId: r, from: StepKey(vector: v, step: s))]) }
            return .end([.disconnect(name: name)])
        case .messaging(let t, let mailbox):
            let (q, why) = queue(t, &st)
            guard let q else {
                record(v, s, .unsupported(why), &st)
                return .next([])
            }
            st.resources.insert(q.resource)
            record(v, s, .approximated("voicemail goes to queue \(q.name)'s mailbox, not extension \(mailbox ?? "?")'s"), &st)
            return .end([.transferToVoicemail(name: name, queue: q.name), .disconnect(name: "After voicemail")])
        case .set:
            record(v, s, .unsupported("vector variables have no generated equivalent; use flow variables by hand"), &st)
            return .next([])
        case .unsupported(let command, _):
            record(v, s, .unsupported("\(command) has no Genesys Cloud equivalent"), &st)
            return .next([])
        case .unknown:
            record(v, s, .unsupported("the step is not understood"), &st)
            return .next([])
        }
    }

    func queueTo(_ inst: Instance, _ vs: VectorStep, _ t: VectorCommand.SkillTarget, _ pri: VectorCommand.Priority,
                 inQueueTreatment: Bool = true, _ st: inout State) -> StepResult {
        let v = inst.vector, s = vs.number
        let (q, why) = queue(t, &st)
        guard let q else {
            record(v, s, .unsupported(why), &st)
            return .next([])
        }
        st.resources.insert(q.resource)
        record(v, s, .translated, &st)
        if inQueueTreatment, let iq = inQueue(v, after: s, queue: q, &st), !st.inQueue.contains(where: { $0.vector == v && $0.step == s && $0.queue == q }) {
            st.inQueue.append(iq)
        }
        // transferToAcd ends the flow when it succeeds; the disconnect is its failure path.
        return .end([.transferToAcd(name: label(v, vs), queue: q.name, priority: pri.acdPriority),
                     .disconnect(name: "Queue transfer failed")])
    }

    /// Wraps `then` in the condition. A condition Architect cannot evaluate keeps its branch in
    /// the flow under a `decision` whose condition is `false` (the branch is not taken until
    /// someone writes the condition, e.g. with a data action reading queue observations) and is
    /// reported as an approximation naming vector and step.
    func conditional(_ inst: Instance, _ vs: VectorStep, _ c: Condition, _ st: inout State,
                     then make: (inout State) -> [ArchyAction]) -> StepResult {
        let v = inst.vector, s = vs.number
        let name = label(v, vs)
        var why = "it has no generated equivalent"
        switch c {
        case .always:
            record(v, s, .translated, &st)
            return .end(make(&st))
        case .timeOfDay(let r):
            guard let g = names.hoursGroup(HoursRequest(vector: v, step: s, range: r)) else {
                why = "a range mixing `all` and a weekday has no single schedule"
                break
            }
            use(g, &st)
            record(v, s, .translated, &st)
            return .next([.evaluateScheduleGroup(name: name, group: g.name, open: make(&st), closed: [], holiday: [])])
        case .holiday(let t, let inTable):
            guard let g = names.holidayGroup(t) else {
                why = "holiday table \(t) was not migrated"
                break
            }
            use(g, &st)
            record(v, s, .translated, &st)
            let branch = make(&st)
            return .next([inTable ? .evaluateScheduleGroup(name: name, group: g.name, open: [], closed: [], holiday: branch)
                                  : .evaluateScheduleGroup(name: name, group: g.name, open: branch, closed: branch, holiday: [])])
        case .digits(let op, let value):
            let ops = ["=": "==", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="]
            guard let o = ops[op] else { why = "operator \(op) is not understood"; break }
            let exp = op == "=" || op == "<>" ? "Flow.CollectedDigits \(o) \"\(value)\"" : "ToInt(Flow.CollectedDigits) \(o) \(Int(value) ?? 0)"
            record(v, s, .translated, &st)
            return .next([.decision(name: name, exp: exp, yes: make(&st), no: [])])
        case .callData(let subject, let op, let value) where op == "=" && subject != "ii-digits" && Int(value) != nil:
            let field = subject == "ani" ? "Call.Ani" : "Call.CalledAddress"
            record(v, s, .approximated("\(subject) is compared by its trailing digits (Genesys addresses are tel: URIs)"), &st)
            return .next([.decision(name: name, exp: "EndsWith(\(field), \"\(value)\")", yes: make(&st), no: [])])
        case .queueStat:
            why = "an inbound flow has no built-in queue statistics, Genesys reads them with a data action (architect-flow-public-api blueprint)"
        case .digitsTable, .serviceHours:
            why = "CM's vector routing and service-hours tables are not migrated"
        case .callData:
            why = "only `ani = n` and `dnis = n` are generated"
        default: break
        }
        record(v, s, .approximated("condition \"\(c.text)\" cannot be evaluated in Architect: \(why); its branch is kept under decision \"\(name)\" with condition false: write the condition there"), &st)
        return .next([.decision(name: name, exp: "false", yes: make(&st), no: [])])
    }

    // MARK: inlining

    /// The tasks of the written flow: the start task and the tasks menu keys go to, each with
    /// every jump replaced by the actions of its target. A jump back into a task already being
    /// expanded (a loop that does not pass through a menu) is cut: `jumpToMenu` when the target
    /// task only enters a menu, otherwise `disconnect`, reported as unsupported on the jumping step.
    func inlineJumps(start: String, _ st: inout State) -> [ArchyTask] {
        var budget = maxActions
        func expand(_ actions: [ArchyAction], _ stack: [String], _ st: inout State) -> [ArchyAction] {
            var out: [ArchyAction] = []
            for a in actions {
                budget -= 1
                switch a {
                case .jumpToTask(let n, let ref, let from):
                    guard let t = st.tasks[ref] else {
                        out.append(.disconnect(name: n))
                        return out
                    }
                    if stack.contains(ref) || budget <= 0 {
                        if t.actions.count == 1, case .jumpToMenu(let mn, let m)? = t.actions.first {
                            out.append(.jumpToMenu(name: mn, refId: m))
                            return out
                        }
                        let why = budget <= 0 ? "the flow would exceed \(maxActions) actions with every jump inlined"
                            : "it loops back to \(t.name) without passing a menu, and Genesys-owned Archy YAML shows no jump between tasks (jumpToTask)"
                        if let from { record(from.vector, from.step, .unsupported("\(n): \(why); the call is disconnected there instead: rebuild the loop in Architect"), &st) }
                        out.append(.disconnect(name: "\(n) (loop cut)"))
                        return out
                    }
                    out += expand(t.actions, stack + [ref], &st)
                    return out  // a jump ends its action list
                case .evaluateScheduleGroup(let n, let g, let o, let c, let h):
                    out.append(.evaluateScheduleGroup(name: n, group: g, open: expand(o, stack, &st), closed: expand(c, stack, &st),
                                                      holiday: expand(h, stack, &st)))
                case .decision(let n, let e, let y, let no):
                    out.append(.decision(name: n, exp: e, yes: expand(y, stack, &st), no: expand(no, stack, &st)))
                default:
                    out.append(a)
                }
            }
            return out
        }
        var roots = [start]
        for m in st.menus { for (_, ref) in m.choices where !roots.contains(ref) { roots.append(ref) } }
        var out: [ArchyTask] = []
        for ref in roots {
            guard var t = st.tasks[ref] else { continue }
            t.actions = expand(t.actions, [ref], &st)
            out.append(t)
        }
        return out
    }

    func use(_ g: Named, _ st: inout State) {
        st.resources.insert(g.resource)
        if !st.groups.contains(g) { st.groups.append(g) }
    }

    /// `collect 1 digit` followed by `… if digit(s) = n` steps becomes a menu (one task per
    /// branch, unlisted keys go to the step after the branches); any other collect stores the
    /// digits in Flow.CollectedDigits for later conditions.
    func collect(_ inst: Instance, _ vs: VectorStep, digits n: Int, announcement: String?, _ st: inout State) -> StepResult {
        let v = inst.vector, s = vs.number
        var a: String?
        if let announcement {
            a = audio(announcement, &st)
            if a == nil { record(v, s, .unsupported("announcement \(announcement) is not a migrated prompt"), &st); return .next([]) }
        }
        var branches: [(String, VectorStep)] = []
        var cur = next(v, after: s)
        let lead = leaders(v)
        while n == 1, let c = cur, let cs = step(v, c), !lead.contains(c) {
            let cond: Condition? = switch VectorParser.parse(cs.text) {
            case .gotoStep(_, let k), .gotoVector(_, _, let k), .routeToNumber(_, _, let k): k
            default: nil
            }
            guard case .digits("=", let d)? = cond, d.count == 1, !branches.contains(where: { $0.0 == d }) else { break }
            branches.append((d, cs))
            cur = next(v, after: c)
        }
        guard let audioExp = a, !branches.isEmpty else {
            record(v, s, .translated, &st)
            return .next([.collectInput(name: label(v, vs), audioExp: a, digits: n, variable: "Flow.CollectedDigits")])
        }
        let p = prefix(inst, &st)
        let menuRef = "\(p)s\(s)menu"
        var choices: [(String, String)] = []
        var byKey: [String: String] = [:]
        for (d, bs) in branches {
            let ref = "\(p)s\(s)key\(d)"
            var actions: [ArchyAction]
            switch translateStep(inst, bs, &st) {
            case .next(let x), .end(let x), .menu(let x, _): actions = x
            }
            // The branch runs unconditionally inside its task: keep only the `then` actions.
            if case .decision(_, _, let yes, _)? = actions.first, actions.count == 1 { actions = yes }
            if actions.isEmpty { continue }
            st.tasks[ref] = ArchyTask(refId: ref, name: "Vector \(v) step \(bs.number) (key \(d))", actions: actions)
            st.taskOrder.append(ref)
            byKey[d] = ref
        }
        let defaultRef = entry(inst, step: cur ?? (branches.last?.1.number ?? s) + 1, &st)
        for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"] {
            let dtmf = key == "*" ? "star" : key == "#" ? "pound" : "digit_\(key)"
            choices.append((dtmf, byKey[key] ?? defaultRef))
        }
        st.menus.append(ArchyMenu(refId: menuRef, name: "Vector \(v) step \(s) menu", audioExp: audioExp, choices: choices))
        record(v, s, .approximated("no entry follows the menu's retry settings instead of going straight to step \(cur.map(String.init) ?? "end")"), &st)
        return .end([.jumpToMenu(name: label(v, vs), refId: menuRef)])
    }

    /// The steps after `queue-to` as in-queue treatment: announcements and waits in order, a
    /// `goto step` back to an earlier one closes the repeated cycle. Anything else (overflow,
    /// another queue, messaging) is reported, not translated.
    func inQueue(_ v: Int, after s: Int, queue q: Named, _ st: inout State) -> InQueueRequest? {
        var items: [(Int, ArchyInQueueFlow.Item)] = []
        var visited: [Int] = []
        var loopStart: Int?
        var resources: Set<String> = []
        var overflow: [(Int, String)] = []  // steps CM runs when an in-queue loop condition fails
        var cur = next(v, after: s)
        walk: while let c = cur, let vs = step(v, c) {
            if visited.contains(c) { loopStart = c; break }
            visited.append(c)
            switch VectorParser.parse(vs.text) {
            case .comment: record(v, c, .translated, &st)
            case .waitTime(let secs, let h):
                // Genesys-owned YAML shows holdMusic only with `playStyle: entirePrompt`.
                let length = "the queue's hold prompt plays once in full, not for \(secs) s"
                switch h {
                case .music: record(v, c, .approximated(length), &st)
                case .silence: record(v, c, .approximated("hold music instead of silence; \(length)"), &st)
                case .ringback: record(v, c, .approximated("hold music instead of ringback; \(length)"), &st)
                default: record(v, c, .approximated("wait treatment in queue becomes hold music; \(length)"), &st)
                }
                items.append((c, .hold(seconds: secs)))
            case .announcement(let a):
                if let p = names.prompt(a) {
                    resources.insert(p.resource)
                    items.append((c, .play(prompt: p.name)))
                    record(v, c, .translated, &st)
                } else {
                    record(v, c, .unsupported("announcement \(a) is not a migrated prompt"), &st)
                }
            case .gotoStep(let t, let cond):
                // No loop action is attested: the steps are written once and the repetition is
                // left to the in-queue flow running again while the call waits [verify].
                let again = "CM repeats from step \(t) until an agent answers; the in-queue flow lists those steps once (Genesys-owned Archy YAML shows no loop action)"
                if t > c {
                    if cond == .always { record(v, c, .translated, &st) } else {
                        // The steps jumped over run when the condition fails: reported as overflow.
                        record(v, c, .approximated("in queue the jump to step \(t) is taken regardless of \"\(cond.text)\""), &st)
                        if let f = next(v, after: c), f < t { overflow.append((f, cond.text)) }
                    }
                } else if cond == .always {
                    record(v, c, .approximated(again), &st)
                } else if let (exp, note) = Self.inQueueCondition(cond), let f = next(v, after: c),
                          case let (actions, used)? = overflowActions(v, from: f, when: cond.text, visited: visited, &st) {
                    // A queue statistic the in-queue flow can read: the overflow runs when it fails.
                    record(v, c, .approximated("\(again); the condition is checked once per pass\(note)"), &st)
                    items.append((c, .decision(name: label(v, vs), exp: exp, no: actions)))
                    resources.formUnion(used.resources)
                    visited += used.steps
                } else {
                    record(v, c, .approximated("\(again), regardless of \"\(cond.text)\""), &st)
                    if let f = next(v, after: c) { overflow.append((f, cond.text)) }
                }
                guard t > c || visited.contains(t) else { break walk }
                cur = t
                continue walk
            case .stop:
                // In queue, stop ends vector processing but the call stays queued.
                record(v, c, .translated, &st)
                break walk
            default:
                record(v, c, .unsupported("after queue-to, \(VectorParser.parse(vs.text).name) would act while the call waits; set queue overflow / in-queue transfer by hand"), &st)
            }
            cur = next(v, after: c)
        }
        for (start, cond) in overflow {
            var o: Int? = start
            while let c = o, !visited.contains(c), let vs = step(v, c) {
                visited.append(c)
                if case .comment = VectorParser.parse(vs.text) { record(v, c, .translated, &st) } else {
                    record(v, c, .unsupported("runs in queue when \"\(cond)\" fails (overflow); not generated: set the queue's overflow by hand"), &st)
                }
                o = next(v, after: c)
            }
        }
        guard items.contains(where: { if case .decision = $0.1 { false } else { true } }) else { return nil }
        let split = loopStart.flatMap { ls in items.firstIndex { $0.0 >= ls } } ?? items.count
        let vname = vectors[v]?.name.map { " \($0)" } ?? ""
        let flow = ArchyInQueueFlow(name: "CM Vector \(v)\(vname) step \(s) in-queue",
                                    description: "In-queue treatment of Avaya vector \(v) after step \(s)",
                                    division: "", language: language,
                                    prelude: items[..<split].map { $0.1 }, cycle: items[split...].map { $0.1 })
        return InQueueRequest(vector: v, step: s, queue: q, flow: flow, resources: resources.sorted())
    }

    /// A CM in-queue condition as an expression on what an in-queue call flow knows of its queue
    /// (`Call.EstimatedWaitTime`, `Call.PositionInQueue`, both in Genesys's callback blueprint),
    /// with what is approximate about it; nil when the flow cannot read it.
    static func inQueueCondition(_ c: Condition) -> (String, String)? {
        let ops = ["=": "==", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="]
        guard case let .queueStat(subject, _, op, value) = c, let o = ops[op] else { return nil }
        switch subject {
        case "expected-wait":
            return ("Call.EstimatedWaitTime \(o) MakeDuration(0, 0, 0, \(value))", " on the call's estimated wait time (Genesys's estimate, not CM's)")
        case "calls-queued":
            return ("Call.PositionInQueue \(o) \(value)", " on the call's position in queue, not the number of calls queued")
        default:
            return nil
        }
    }

    /// The steps CM runs in queue when a loop condition fails (overflow), as in-queue actions,
    /// up to the first that ends vector processing. nil when a step has no in-queue equivalent
    /// (the caller then reports every overflow step by hand, as before).
    func overflowActions(_ v: Int, from start: Int, when cond: String, visited: [Int], _ st: inout State)
        -> ([ArchyAction], (resources: Set<String>, steps: [Int]))? {
        var actions: [ArchyAction] = []
        var resources: Set<String> = []
        var steps: [Int] = []
        var outcomes: [(Int, StepOutcome)] = []
        var cur: Int? = start
        let when = "runs in queue when \"\(cond)\" fails, from the in-queue flow's decision"
        walk: while let c = cur, !visited.contains(c), let vs = step(v, c) {
            steps.append(c)
            let name = label(v, vs)
            switch VectorParser.parse(vs.text) {
            case .comment: outcomes.append((c, .translated))
            case .announcement(let a):
                guard let p = names.prompt(a) else { return nil }
                resources.insert(p.resource)
                actions.append(.playAudio(name: name, exp: "ToAudio(Prompt.\(p.name))"))
                outcomes.append((c, .translated))
            case .routeToNumber(let num, _, .always):
                if let f = names.vdnFlow(num) {
                    resources.insert(f.resource)
                    actions.append(.transferToFlow(name: name, flow: f.name))
                } else if let e = names.phoneNumber(num) {
                    actions.append(.transferToNumber(name: name, number: e))
                } else { return nil }
                outcomes.append((c, .approximated(when)))
                break walk
            case .disconnect(let ann):
                if let ann {
                    guard let p = names.prompt(ann) else { return nil }
                    resources.insert(p.resource)
                    actions.append(.playAudio(name: "\(name) (announcement)", exp: "ToAudio(Prompt.\(p.name))"))
                }
                actions.append(.disconnect(name: name))
                outcomes.append((c, .approximated(when)))
                break walk
            case .busy:
                actions.append(.disconnect(name: name))
                outcomes.append((c, .approximated("\(when); disconnected instead of busy tone")))
                break walk
            default:
                return nil
            }
            cur = next(v, after: c)
        }
        guard !actions.isEmpty else { return nil }
        for (c, o) in outcomes { record(v, c, o, &st) }
        return (actions, (resources, steps))
    }
}
