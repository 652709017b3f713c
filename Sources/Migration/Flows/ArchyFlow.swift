import Foundation

/// The translated flow before it is YAML (research genesys-api.md §8). Every key `yaml()` writes
/// is in `ArchyKeys` (GenesysCloud) with the Genesys-owned YAML that shows it (docs/archy.md);
/// the transform audits each rendered flow against that table.
public indirect enum ArchyAction: Sendable, Hashable {
    /// `exp` is an Architect audio expression, e.g. `ToAudio(Prompt.Welcome)`, `ToAudioBlank(2000)`.
    case playAudio(name: String, exp: String)
    case transferToAcd(name: String, queue: String, priority: Int)
    case transferToNumber(name: String, number: String)
    case transferToFlow(name: String, flow: String)
    case transferToVoicemail(name: String, queue: String)
    case disconnect(name: String)
    /// Internal only: the translator's jump between step tasks. Genesys-owned YAML shows no
    /// `jumpToTask`, so `VectorTranslator` inlines every jump before the flow is written.
    /// `from` is the step that jumps (the one reported when a loop must be cut).
    case jumpToTask(name: String, refId: String, from: StepKey?)
    case jumpToMenu(name: String, refId: String)
    case evaluateScheduleGroup(name: String, group: String, open: [ArchyAction], closed: [ArchyAction], holiday: [ArchyAction])
    case decision(name: String, exp: String, yes: [ArchyAction], no: [ArchyAction])
    case collectInput(name: String, audioExp: String?, digits: Int, variable: String)
}

public struct ArchyTask: Sendable, Hashable {
    public var refId: String
    public var name: String
    public var actions: [ArchyAction]
}

public struct ArchyMenu: Sendable, Hashable {
    public var refId: String
    public var name: String
    public var audioExp: String
    /// DTMF key (`digit_1`, `star`, `pound`) → task refId, in key order.
    public var choices: [(String, String)]

    public static func == (a: ArchyMenu, b: ArchyMenu) -> Bool {
        a.refId == b.refId && a.name == b.name && a.audioExp == b.audioExp && a.choices.map { $0.0 + ">" + $0.1 } == b.choices.map { $0.0 + ">" + $0.1 }
    }
    public func hash(into h: inout Hasher) { h.combine(refId) }
}

public struct ArchyInboundFlow: Sendable, Hashable {
    public var name: String
    public var description: String
    public var division: String
    public var language: String
    public var startTask: String
    public var tasks: [ArchyTask]
    public var menus: [ArchyMenu]

    static let root = "/inboundCall"
    static func taskRef(_ id: String) -> String { "\(root)/tasks/task[\(id)]" }
    static func menuRef(_ id: String) -> String { "\(root)/menus/menu[\(id)]" }

    public func yaml() -> YAMLNode {
        var body: [(String, YAMLNode)] = [
            ("name", .string(name)), ("description", .string(description)), ("division", .string(division)),
            ("defaultLanguage", .string(language)), ("startUpRef", .string(Self.taskRef(startTask))),
        ]
        if !menus.isEmpty {
            body.append(("menus", .list(menus.map { m in
                .map([("menu", .map([
                    ("name", .string(m.name)), ("refId", .string(m.refId)), ("audio", .map([("exp", .string(m.audioExp))])),
                    ("choices", .list(m.choices.map { key, task in
                        .map([("menuJumpToTask", .map([("name", .string("Key \(key)")), ("dtmf", .string(key)),
                                                        ("targetTaskRef", .string(Self.taskRef(task)))]))])
                    })),
                ]))])
            })))
        }
        body.append(("tasks", .list(tasks.map { t in
            .map([("task", .map([("name", .string(t.name)), ("refId", .string(t.refId)), ("actions", Self.actions(t.actions))]))])
        })))
        return .map([("inboundCall", .map(body))])
    }

    static func lit(name: String) -> YAMLNode { .map([("lit", .map([("name", .string(name))]))]) }

    static func actions(_ a: [ArchyAction]) -> YAMLNode { .list(a.map(action)) }

    static func action(_ a: ArchyAction) -> YAMLNode {
        func one(_ key: String, _ fields: [(String, YAMLNode)]) -> YAMLNode { .map([(key, .map(fields))]) }
        func outputs(_ o: [(String, [ArchyAction])]) -> (String, YAMLNode) {
            ("outputs", .map(o.filter { !$0.1.isEmpty }.map { ($0.0, .map([("actions", actions($0.1))])) }))
        }
        switch a {
        case .playAudio(let n, let e):
            return one("playAudio", [("name", .string(n)), ("audio", .map([("exp", .string(e))]))])
        case .transferToAcd(let n, let q, let p):
            return one("transferToAcd", [("name", .string(n)), ("targetQueue", lit(name: q)), ("priority", .map([("lit", .int(p))]))])
        case .transferToNumber(let n, let num):
            return one("transferToNumber", [("name", .string(n)), ("targetNumber", .map([("lit", .string(num))]))])
        case .transferToFlow(let n, let f):
            // `targetFlow: {name: …}`, without `lit`, as in Genesys's callback blueprint.
            return one("transferToFlow", [("name", .string(n)), ("targetFlow", .map([("name", .string(f))]))])
        case .transferToVoicemail(let n, let q):
            return one("transferToVoicemail", [("name", .string(n)), ("destination", .map([("queue", .map([("targetQueue", lit(name: q))]))]))])
        case .disconnect(let n):
            return one("disconnect", [("name", .string(n))])
        case .jumpToTask(let n, let r, _):
            // Never reaches a written flow (inlined); the key audit would reject it.
            return one("jumpToTask", [("name", .string(n)), ("targetTaskRef", .string(taskRef(r)))])
        case .jumpToMenu(let n, let r):
            return one("jumpToMenu", [("name", .string(n)), ("targetMenuRef", .string(menuRef(r)))])
        case .evaluateScheduleGroup(let n, let g, let open, let closed, let holiday):
            return one("evaluateScheduleGroup", [("name", .string(n)), ("scheduleGroup", lit(name: g)),
                                                 ("evaluate", .map([("now", .bool(true))])),
                                                 outputs([("open", open), ("closed", closed), ("holiday", holiday)])])
        case .decision(let n, let e, let yes, let no):
            return one("decision", [("name", .string(n)), ("condition", .map([("exp", .string(e))])), outputs([("yes", yes), ("no", no)])])
        case .collectInput(let n, let audio, let digits, let v):
            // The shape of Genesys's callback blueprint: inputData.var, digits.exact, inputAudio.
            var f: [(String, YAMLNode)] = [("name", .string(n)), ("inputData", .map([("var", .string(v))])),
                                           ("digits", .map([("exact", .int(digits))]))]
            if let audio { f.append(("inputAudio", .map([("exp", .string(audio))]))) }
            return one("collectInput", f)
        }
    }
}

/// In-queue treatment from the steps after `queue-to` (a CM queue loop): announcements and hold
/// music in order, the loop's steps once. Genesys-owned YAML shows no loop action and no hold
/// duration, so an in-queue flow is a flat list of `playAudio` and `holdMusic` (the queue's hold
/// prompt, played whole); the repetition CM had is left to the in-queue flow running again and is
/// reported as an approximation.
public struct ArchyInQueueFlow: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        case play(prompt: String)
        case hold(seconds: Int)
        /// A loop condition on a queue statistic the in-queue flow can read; `no` is CM's overflow.
        case decision(name: String, exp: String, no: [ArchyAction])
    }
    public var name: String
    public var description: String
    public var division: String
    public var language: String
    public var prelude: [Item]
    public var cycle: [Item]

    public func yaml() -> YAMLNode {
        func item(_ i: Item, _ n: Int) -> YAMLNode {
            switch i {
            case .play(let p):
                return .map([("playAudio", .map([("name", .string("Announcement \(n)")), ("audio", .map([("exp", .string("ToAudio(Prompt.\(p))"))]))]))])
            case .hold(let s):
                return .map([("holdMusic", .map([("name", .string("Hold music (CM wait \(s) s)")),
                                                 ("prompt", .map([("exp", .string("Flow.HoldPrompt"))])),
                                                 ("playStyle", .map([("entirePrompt", .bool(true))]))]))])
            case .decision(let name, let exp, let no):
                return ArchyInboundFlow.action(.decision(name: name, exp: exp, yes: [], no: no))
            }
        }
        let actions = (prelude + cycle).enumerated().map { item($1, $0 + 1) }
        return .map([("inqueueCall", .map([
            ("name", .string(name)), ("description", .string(description)), ("division", .string(division)),
            ("defaultLanguage", .string(language)),
            ("settingsInQueueCall", .map([("holdMusic", .map([("lit", .map([("name", .string("PromptSystem.on_hold_music"))]))]))])),
            ("startUpTaskActions", .list(actions)),
        ]))])
    }
}
