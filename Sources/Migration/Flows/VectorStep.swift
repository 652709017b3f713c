import AvayaCM
import Foundation

/// A vector step in typed form [vdn.flow]. Parsed from the verbatim step text (the reader keeps
/// it with blanks collapsed), so the reader's generic `ParsedStep` is not needed here. A step we
/// cannot read becomes `.unknown` with its text: never dropped.
public enum VectorCommand: Sendable, Hashable {
    case announcement(String)
    case waitTime(seconds: Int, hearing: Treatment)
    case queueTo(SkillTarget, priority: Priority)
    /// `check skill … if <condition>`: queue only when the condition holds.
    case check(SkillTarget, priority: Priority, condition: Condition)
    case collect(digits: Int, announcement: String?)
    case gotoStep(Int, Condition)
    case gotoVector(Int, atStep: Int, Condition)
    case routeToNumber(String, coverage: Bool, Condition)
    case routeToDigits(coverage: Bool)
    case busy
    case disconnect(announcement: String?)
    case stop
    case `return`
    case messaging(SkillTarget, mailbox: String?)
    case set(String)
    case comment(String)
    /// Understood but without a Genesys counterpart: adjunct routing, converse-on, consider,
    /// reply-best, queue-to best, …
    case unsupported(command: String, text: String)
    /// Not a command we know.
    case unknown(String)

    public enum Treatment: Sendable, Hashable {
        case ringback, music, silence, announcement(String), other(String)
    }

    public enum Priority: String, Sendable, Hashable {
        case low = "l", medium = "m", high = "h", top = "t"
        /// Architect ACD priority; CM's four levels spread over Genesys's range (higher first).
        public var acdPriority: Int {
            switch self { case .low: 0; case .medium: 5; case .high: 10; case .top: 20 }
        }
    }

    public enum SkillTarget: Sendable, Hashable {
        case skill(Int)
        /// 1st/2nd/3rd: the VDN skills of the VDN the call came in on (1, 2, 3).
        case vdnSkill(Int)
        case other(String)
    }

    public var name: String {
        switch self {
        case .announcement: "announcement"
        case .waitTime: "wait-time"
        case .queueTo: "queue-to"
        case .check: "check"
        case .collect: "collect"
        case .gotoStep: "goto step"
        case .gotoVector: "goto vector"
        case .routeToNumber: "route-to number"
        case .routeToDigits: "route-to digits"
        case .busy: "busy"
        case .disconnect: "disconnect"
        case .stop: "stop"
        case .return: "return"
        case .messaging: "messaging"
        case .set: "set"
        case .comment: "#"
        case .unsupported(let c, _): c
        case .unknown: "unknown"
        }
    }
}

/// A vector condition (`if …`).
public enum Condition: Sendable, Hashable {
    case always
    case timeOfDay(TimeRange)
    case holiday(table: Int, inTable: Bool)
    case digits(op: String, value: String)
    case digitsTable(table: Int, inTable: Bool)
    /// `ani`/`dnis`/`ii-digits` compared with a value or a table.
    case callData(subject: String, op: String, value: String)
    /// Queue statistics: staffed-agents, available-agents, calls-queued, expected-wait,
    /// oldest-call-wait, rolling-asa, counted-calls, wait-improved.
    case queueStat(subject: String, skill: VectorCommand.SkillTarget?, op: String, value: Int)
    case serviceHours(table: Int, inTable: Bool)
    /// Vector variables (A–Z, V1–V9) and anything else: kept as text.
    case other(String)

    public var text: String {
        switch self {
        case .always: "unconditionally"
        case .timeOfDay(let r): "time-of-day is \(r.fromDay) \(r.from.text) to \(r.toDay) \(r.to.text)"
        case .holiday(let t, let i): "holiday \(i ? "in" : "not-in") \(t)"
        case .digits(let op, let v): "digits \(op) \(v)"
        case .digitsTable(let t, let i): "digits \(i ? "in" : "not-in") table \(t)"
        case .callData(let s, let op, let v): "\(s) \(op) \(v)"
        case .queueStat(let s, _, let op, let v): "\(s) \(op) \(v)"
        case .serviceHours(let t, let i): "service-hours \(i ? "in" : "not-in") table \(t)"
        case .other(let s): s
        }
    }
}

public struct TimeRange: Sendable, Hashable {
    public struct Clock: Sendable, Hashable {
        public var hour: Int, minute: Int
        var text: String { String(format: "%02d:%02d", hour, minute) }
        var minutes: Int { hour * 60 + minute }
    }
    /// `mon`…`sun` or `all`.
    public var fromDay: String
    public var from: Clock
    public var toDay: String
    public var to: Clock
}

public enum VectorParser {
    static let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "all"]

    /// Parses one step. Total: every text gives a command (`.unknown` at worst).
    public static func parse(_ text: String) -> VectorCommand {
        let raw = text.split(separator: " ").map(String.init)
        let w = raw.map { $0.lowercased() }
        guard let head = w.first else { return .unknown(text) }
        func at(_ i: Int) -> String? { i < w.count ? w[i] : nil }
        func after(_ word: String) -> String? {
            guard let i = w.firstIndex(of: word), i + 1 < w.count else { return nil }
            return w[i + 1]
        }
        func condition() -> Condition {
            guard let i = w.firstIndex(of: "if") else { return .always }
            return parseCondition(Array(w[(i + 1)...]))
        }
        if head.hasPrefix("#") {
            return .comment(String(text.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces))
        }
        switch head {
        case "announcement":
            guard let a = at(1) else { return .unknown(text) }
            return .announcement(a)
        case "wait-time":
            guard let n = at(1).flatMap(Int.init) else { return .unknown(text) }
            let unit = at(2) ?? "secs"
            let seconds = unit.hasPrefix("min") ? n * 60 : unit.hasPrefix("hr") ? n * 3600 : n
            let h = after("hearing") ?? "silence"
            let t: VectorCommand.Treatment = switch h {
            case "ringback": .ringback
            case "music": .music
            case "silence", "i-silent": .silence
            default: Int(h) != nil ? .announcement(h) : .other(h)
            }
            return .waitTime(seconds: seconds, hearing: t)
        case "queue-to", "check":
            guard let kind = at(1), ["skill", "split", "hunt-group"].contains(kind), let target = at(2).map(skillTarget) else {
                return .unsupported(command: "\(head) \(at(1) ?? "")", text: text)
            }
            let pri = after("pri").flatMap(VectorCommand.Priority.init(rawValue:)) ?? .medium
            if head == "check" { return .check(target, priority: pri, condition: condition()) }
            return .queueTo(target, priority: pri)
        case "collect":
            guard let n = at(1).flatMap(Int.init) else { return .unknown(text) }
            let a = after("announcement") ?? after("annc")
            return .collect(digits: n, announcement: a == "none" ? nil : a)
        case "goto":
            guard let kind = at(1), let n = at(2).flatMap(Int.init) else { return .unknown(text) }
            if kind == "step" { return .gotoStep(n, condition()) }
            if kind == "vector" { return .gotoVector(n, atStep: after("@step").flatMap(Int.init) ?? 1, condition()) }
            return .unknown(text)
        case "route-to":
            let cov = (after("cov") ?? after("coverage")) == "y"
            if at(1) == "number", let n = at(2) { return .routeToNumber(n, coverage: cov, condition()) }
            if at(1) == "digits" { return .routeToDigits(coverage: cov) }
            return .unknown(text)
        case "busy": return .busy
        case "stop": return .stop
        case "return": return .return
        case "disconnect":
            let a = after("announcement")
            return .disconnect(announcement: a == "none" ? nil : a)
        case "messaging":
            guard let t = at(2).map(skillTarget) else { return .unknown(text) }
            return .messaging(t, mailbox: after("extension"))
        case "set":
            return .set(raw.dropFirst().joined(separator: " "))
        case "adjunct", "converse-on", "consider", "reply-best", "serv-obsrv":
            return .unsupported(command: head == "adjunct" ? "adjunct routing" : head, text: text)
        default:
            return .unknown(text)
        }
    }

    static func skillTarget(_ s: String) -> VectorCommand.SkillTarget {
        switch s {
        case "1st": return .vdnSkill(1)
        case "2nd": return .vdnSkill(2)
        case "3rd": return .vdnSkill(3)
        default: return Int(s).map { .skill($0) } ?? .other(s)
        }
    }

    /// `w` is the lower-cased words after `if`.
    static func parseCondition(_ w: [String]) -> Condition {
        let text = w.joined(separator: " ")
        guard let subject = w.first else { return .other(text) }
        func clock(_ s: String) -> TimeRange.Clock? {
            let p = s.split(separator: ":").compactMap { Int($0) }
            guard p.count == 2, (0...23).contains(p[0]), (0...59).contains(p[1]) else { return nil }
            return .init(hour: p[0], minute: p[1])
        }
        func table(_ w: [String]) -> (Int, Bool)? {
            guard w.count >= 3, let t = w.last.flatMap(Int.init) else { return nil }
            if w[1] == "in" { return (t, true) }
            if w[1] == "not-in" { return (t, false) }
            return nil
        }
        switch subject {
        case "unconditionally": return .always
        case "time-of-day":
            // time-of-day is <day> <hh:mm> to <day> <hh:mm>
            if w.count == 7, w[1] == "is", w[4] == "to", days.contains(w[2]), days.contains(w[5]),
               let f = clock(w[3]), let t = clock(w[6]) {
                return .timeOfDay(TimeRange(fromDay: w[2], from: f, toDay: w[5], to: t))
            }
        case "holiday":
            if case let (t, i)? = table(w) { return .holiday(table: t, inTable: i) }
        case "service-hours":
            if case let (t, i)? = table(w) { return .serviceHours(table: t, inTable: i) }
        case "digit", "digits":
            if w.count >= 3, w[1] == "in" || w[1] == "not-in", case let (t, i)? = table(w) { return .digitsTable(table: t, inTable: i) }
            if w.count == 3 { return .digits(op: w[1], value: w[2]) }
        case "ani", "dnis", "ii-digits":
            if w.count >= 3 { return .callData(subject: subject, op: w[1], value: w.dropFirst(2).joined(separator: " ")) }
        case "available-agents", "staffed-agents", "calls-queued", "oldest-call-wait", "expected-wait",
             "rolling-asa", "counted-calls", "wait-improved":
            guard w.count >= 3, let v = Int(w[w.count - 1]) else { break }
            var skill: VectorCommand.SkillTarget?
            if let i = w.firstIndex(of: "skill"), i + 1 < w.count { skill = skillTarget(w[i + 1]) }
            return .queueStat(subject: subject, skill: skill, op: w[w.count - 2], value: v)
        default: break
        }
        return .other(text)
    }
}
