import BundleKit
import Common
import Foundation

/// `reports/review.json` (bundle-spec.md section 13): what the review page needs that the other
/// members do not hold in machine-readable form. Stage one writes it; the page renders without it
/// (older bundles), showing less.
public struct ReviewFacts: Sendable, Hashable, Codable {
    public struct Reconciliation: Sendable, Hashable, Codable {
        public var read: Int
        public var producing: Int
        public var excluded: Int
        public var exceptions: Int
        public var rejected: Int
        public var holds: Bool

        public init(read: Int, producing: Int, excluded: Int, exceptions: Int, rejected: Int, holds: Bool) {
            self.read = read
            self.producing = producing
            self.excluded = excluded
            self.exceptions = exceptions
            self.rejected = rejected
            self.holds = holds
        }
    }

    public struct VectorStep: Sendable, Hashable, Codable {
        public var number: Int
        public var text: String
        /// `translated`, `approximated`, `unsupported`, `unreachable`.
        public var outcome: String
        public var reason: String?

        public init(number: Int, text: String, outcome: String, reason: String?) {
            self.number = number
            self.text = text
            self.outcome = outcome
            self.reason = reason
        }
    }

    public struct Vector: Sendable, Hashable, Codable {
        public var vector: Int
        public var name: String?
        /// Flow member names (`flows/<name>.yaml`) built from the vector.
        public var flows: [String]
        public var steps: [VectorStep]

        public init(vector: Int, name: String?, flows: [String], steps: [VectorStep]) {
            self.vector = vector
            self.name = name
            self.flows = flows
            self.steps = steps
        }
    }

    /// Source type → how its records ended.
    public var reconciliation: [String: Reconciliation]
    /// Source records that ended nowhere (a defect).
    public var unaccounted: [String]
    /// Coverage / hunt / night-service cycles; each was cut at the edge from its last node back to the first.
    public var brokenCycles: [[String]]
    public var vectors: [Vector]

    public init(reconciliation: [String: Reconciliation], unaccounted: [String], brokenCycles: [[String]], vectors: [Vector]) {
        self.reconciliation = reconciliation
        self.unaccounted = unaccounted
        self.brokenCycles = brokenCycles
        self.vectors = vectors
    }

    enum CodingKeys: String, CodingKey {
        case reconciliation, unaccounted, vectors
        case brokenCycles = "broken_cycles"
    }

    public func data() throws -> Data { try CanonicalJSON.data(self, pretty: true) }

    static func read(_ files: BundleFiles) -> ReviewFacts? {
        guard let d = files[BundleFormat.reviewDataPath], let v = try? JSONValue.parse(d) else { return nil }
        return try? v.decode(ReviewFacts.self)
    }
}

/// Exceptions aggregated by code (rule + disposition) and severity: what summary.md, `build --json`
/// and the review page show instead of hundreds of thousands of lines; `exceptions.jsonl` keeps
/// every record.
public struct ExceptionGroup: Sendable, Hashable {
    public var code: String
    public var severity: String
    public var count: Int
    /// The first records of the group, in file order.
    public var samples: [ExceptionRecord]

    /// The mapping rule: the code without its last part (`hunt.overflow.manual` → `hunt.overflow`).
    public var rule: String {
        guard let dot = code.lastIndex(of: ".") else { return code }
        return String(code[..<dot])
    }
    /// The disposition or kind: the code's last part.
    public var disposition: String {
        guard let dot = code.lastIndex(of: ".") else { return "" }
        return String(code[code.index(after: dot)...])
    }
    /// Errors and manual work come first: a person must decide before the bundle is approved.
    public var needsDecision: Bool { severity == "error" || disposition == "manual" || disposition == "rejected" }

    var rank: Int {
        if severity == "error" { return 0 }
        if disposition == "manual" { return 1 }
        if severity == "warning" && disposition == "approximated" { return 2 }
        return severity == "warning" ? 3 : 4
    }

    /// Groups in review order: decisions first, then by severity, rule and code.
    public static func aggregate<S: Sequence>(_ records: S, samples: Int = 3) -> [ExceptionGroup] where S.Element == ExceptionRecord {
        var a = Aggregator(samples: samples)
        for r in records { a.add(code: r.code, severity: r.severity) { r } }
        return a.groups
    }

    /// Groups records as they come; a record is only built while its group takes samples (the
    /// review page reads hundreds of thousands of them).
    struct Aggregator {
        let samples: Int
        private var index: [String: Int] = [:]
        private var found: [ExceptionGroup] = []

        init(samples: Int) { self.samples = samples }

        /// The group of the previous record: records of one rule tend to come together.
        private var last: (code: String, severity: Diagnostic.Severity, index: Int)?

        mutating func add(code: String, severity: Diagnostic.Severity, _ record: () -> ExceptionRecord) {
            if let l = last, l.severity == severity, l.code == code {
                found[l.index].count += 1
                if found[l.index].samples.count < samples { found[l.index].samples.append(record()) }
                return
            }
            let k = "\(code)\u{0}\(severity.rawValue)"
            last = (code, severity, index[k] ?? found.count)
            if let i = index[k] {
                found[i].count += 1
                if found[i].samples.count < samples { found[i].samples.append(record()) }
            } else {
                index[k] = found.count
                found.append(ExceptionGroup(code: code, severity: severity.rawValue, count: 1, samples: [record()]))
            }
        }

        /// Groups in review order: decisions first, then by severity, rule and code.
        var groups: [ExceptionGroup] {
            found.sorted { a, b in
                if a.rank != b.rank { return a.rank < b.rank }
                if a.code != b.code { return a.code < b.code }
                return a.severity < b.severity
            }
        }
    }

    /// For `build --json`: rule, code, severity, count and one sample.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["rule": .string(rule), "code": .string(code), "severity": .string(severity),
                                      "count": .int(Int64(count)), "needs_decision": .bool(needsDecision)]
        if let s = samples.first {
            var sample: [String: JSONValue] = ["message": .string(s.message)]
            if let src = s.source { sample["source"] = .string(src) }
            if let h = s.hint { sample["hint"] = .string(h) }
            o["sample"] = .object(sample)
        }
        return .object(o)
    }
}
