import Common
import Foundation

/// The Platform API v2 model contract: for each model, its JSON fields with type, required flag and
/// enum values, as Genesys's own generated SDK declares them (see ContractData.swift).
public struct Contract: Sendable {
    public indirect enum FieldType: Sendable, Hashable, CustomStringConvertible {
        case string, int, float, bool, datetime, date, localDateTime, any
        case list(FieldType)
        case map(FieldType)
        case model(String)

        /// Parses the SDK's type notation: `str`, `int`, `list[Contact]`, `dict(str, object)`, `Contact`.
        static func parse(_ s: String) -> FieldType {
            let t = s.trimmingCharacters(in: .whitespaces)
            switch t {
            case "str": return .string
            case "int": return .int
            case "float": return .float
            case "bool": return .bool
            case "datetime": return .datetime
            case "date": return .date
            case "object": return .any
            // Architect schedules: a local wall-clock time, the zone lives on the schedule group.
            case "LocalDateTime": return .localDateTime
            default: break
            }
            if t.hasPrefix("list["), t.hasSuffix("]") {
                return .list(parse(String(t.dropFirst(5).dropLast())))
            }
            if t.hasPrefix("dict("), t.hasSuffix(")"), let comma = t.firstIndex(of: ",") {
                return .map(parse(String(t[t.index(after: comma)...].dropLast())))
            }
            return .model(t)
        }

        public var description: String {
            switch self {
            case .string: return "string"
            case .int: return "integer"
            case .float: return "number"
            case .bool: return "boolean"
            case .datetime: return "ISO-8601 date-time"
            case .date: return "ISO-8601 date"
            case .localDateTime: return "local date-time (yyyy-MM-ddTHH:mm:ss.SSS, no zone)"
            case .any: return "any JSON value"
            case .list(let e): return "array of \(e)"
            case .map(let e): return "object of \(e)"
            case .model(let m): return m
            }
        }
    }

    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: FieldType
        public var required: Bool
        public var enumValues: [String]?
        /// Set by the server only (a private setter in Genesys's .NET SDK): never sent.
        public var readOnly: Bool = false
    }

    public let models: [String: [String: Field]]
    public let source: String
    /// Per model, its required fields sorted by name: worked out once, not on every validation.
    let requiredFields: [String: [Field]]

    /// The contract shipped with this build.
    public static let shipped: Contract = {
        do {
            return try Contract(json: Data(ContractData.json.utf8), source: ContractData.source)
        } catch {
            // The literal is generated and covered by tests; reaching this is a build defect.
            preconditionFailure("embedded Genesys contract is unreadable: \(error)")
        }
    }()

    public init(json: Data, source: String) throws {
        let root = try JSONValue.parse(json)
        guard let models = root["models"]?.objectValue else {
            throw GenesysError.contractUnreadable("no \"models\" object")
        }
        var out: [String: [String: Field]] = [:]
        for (name, fieldsValue) in models {
            guard let fields = fieldsValue.objectValue else {
                throw GenesysError.contractUnreadable("model \(name) is not an object")
            }
            var fs: [String: Field] = [:]
            for (fname, spec) in fields {
                guard let type = spec["type"]?.stringValue else {
                    throw GenesysError.contractUnreadable("\(name).\(fname) has no type")
                }
                fs[fname] = Field(
                    name: fname, type: .parse(type), required: spec["required"]?.boolValue ?? false,
                    enumValues: spec["enum"]?.arrayValue?.compactMap(\.stringValue),
                    readOnly: spec["readOnly"]?.boolValue ?? false)
            }
            out[name] = fs
        }
        self.models = out
        self.source = source
        self.requiredFields = out.mapValues { $0.values.filter(\.required).sorted { $0.name < $1.name } }
    }
}

/// One way a payload breaks the contract. `path` is a JSON path such as `addresses[0].type`.
public struct ContractViolation: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Rule: String, Sendable, Codable {
        case requiredMissing = "required"
        case wrongType = "type"
        case notInEnum = "enum"
        case unknownField = "unknown-field"
        case unknownModel = "unknown-model"
        case readOnly = "read-only"
        case range
        case length
        case format
        case size
    }

    public var model: String
    public var path: String
    public var rule: Rule
    public var message: String

    public init(model: String, path: String, rule: Rule, message: String) {
        self.model = model
        self.path = path
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(model) \(path.isEmpty ? "(root)" : path): \(message) [\(rule.rawValue)]" }
}

/// A constraint the SDK metadata does not carry (ranges, lengths, formats), stated by the API docs.
public struct FieldConstraint: Sendable {
    public enum Kind: Sendable {
        case range(Double, Double)
        case maxLength(Int)
        case minLength(Int)
        case e164
        case pattern(String, description: String)
        case maxItems(Int)
    }

    public var model: String
    public var path: String  // field path without indices: `skills.proficiency`
    public var kind: Kind

    public init(model: String, path: String, kind: Kind) {
        self.model = model
        self.path = path
        self.kind = kind
    }
}

/// Checks payloads against the contract before they enter a bundle (and, in the sandbox, before
/// they are accepted). Never throws on bad input: every problem is a violation.
public struct ContractValidator: Sendable {
    public static let maxPayloadBytes = 512_000

    public let contract: Contract
    public let constraints: [FieldConstraint]
    /// `constraints` by model, in their order, each with its path split once.
    private let constraintsByModel: [String: [(FieldConstraint, [String])]]
    /// Unknown fields are errors by default: the bundle must say exactly what the API will read.
    public var rejectUnknownFields: Bool
    /// Read-only fields (server-set) are errors by default: a body must not try to set them.
    public var rejectReadOnlyFields: Bool

    public init(contract: Contract = .shipped, constraints: [FieldConstraint] = FieldConstraint.platformDefaults,
                rejectUnknownFields: Bool = true, rejectReadOnlyFields: Bool = true) {
        self.contract = contract
        self.constraints = constraints
        var byModel: [String: [(FieldConstraint, [String])]] = [:]
        for c in constraints { byModel[c.model, default: []].append((c, c.path.split(separator: ".").map(String.init))) }
        self.constraintsByModel = byModel
        self.rejectUnknownFields = rejectUnknownFields
        self.rejectReadOnlyFields = rejectReadOnlyFields
    }

    public func validate(_ value: JSONValue, as model: String) -> [ContractViolation] {
        validate(value, type: .model(model))
    }

    /// Validates a body of any contract type: a model, or an array of one (bulk bodies such as
    /// `list[WritableEntity]`); constraints apply to the model of each element.
    public func validate(_ value: JSONValue, type: Contract.FieldType) -> [ContractViolation] {
        var out: [ContractViolation] = []
        let rootName = type.description
        // Encoded only when a cheap upper bound of the size could exceed the limit (it never does
        // for ordinary payloads): the transform validates every payload it makes.
        if value.canonicalSizeBound > Self.maxPayloadBytes {
            let size = value.canonicalData().count
            if size > Self.maxPayloadBytes {
                out.append(.init(model: rootName, path: "", rule: .size,
                                 message: "payload is \(size) bytes; the platform accepts at most \(Self.maxPayloadBytes)"))
            }
        }
        var steps: [PathStep] = []
        check(value, type: type, steps: &steps, root: rootName, into: &out)
        switch type {
        case .model(let m): applyConstraints(value, model: m, into: &out)
        case .list(.model(let m)):
            for (i, x) in (value.arrayValue ?? []).enumerated() {
                var inner: [ContractViolation] = []
                applyConstraints(x, model: m, into: &inner)
                out += inner.map { v in
                    var v = v
                    v.path = "[\(i)]" + (v.path.isEmpty ? "" : ".\(v.path)")
                    return v
                }
            }
        default: break
        }
        return out
    }

    /// One step of a violation's path: a member name or an array index.
    enum PathStep {
        case key(String)
        case index(Int)
    }

    /// `addresses[0].type`: the path text, made only when there is a violation to report (joining
    /// it for every field checked was most of the validator's cost).
    static func render(_ steps: [PathStep]) -> String {
        var s = ""
        for step in steps {
            switch step {
            case .key(let k): s = join(s, k)
            case .index(let i): s = "\(s)[\(i)]"
            }
        }
        return s
    }

    private func check(_ v: JSONValue, type: Contract.FieldType, steps: inout [PathStep], root: String,
                       into out: inout [ContractViolation]) {
        var path: String { Self.render(steps) }
        func wrong() {
            out.append(.init(model: root, path: path, rule: .wrongType, message: "expected \(type), found \(Self.kind(of: v))"))
        }
        if v.isNull { return }  // null is "absent"; required-ness is checked by the parent
        switch type {
        case .any: return
        case .string: if v.stringValue == nil { wrong() }
        case .bool: if v.boolValue == nil { wrong() }
        case .int: if v.intValue == nil { wrong() }
        case .float: if v.doubleValue == nil { wrong() }
        case .datetime:
            guard let s = v.stringValue else { return wrong() }
            if !Self.isISODateTime(s) {
                out.append(.init(model: root, path: path, rule: .format, message: "\"\(s)\" is not an ISO-8601 date-time"))
            }
        case .date:
            guard let s = v.stringValue else { return wrong() }
            if !Self.isISODate(s) {
                out.append(.init(model: root, path: path, rule: .format, message: "\"\(s)\" is not an ISO-8601 date (yyyy-MM-dd)"))
            }
        case .localDateTime:
            guard let s = v.stringValue else { return wrong() }
            if s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?$"#, options: .regularExpression) == nil {
                out.append(.init(model: root, path: path, rule: .format,
                                 message: "\"\(s)\" is not a local date-time without zone (yyyy-MM-ddTHH:mm:ss.SSS)"))
            }
        case .list(let e):
            guard let a = v.arrayValue else { return wrong() }
            for (i, x) in a.enumerated() {
                steps.append(.index(i))
                check(x, type: e, steps: &steps, root: root, into: &out)
                steps.removeLast()
            }
        case .map(let e):
            guard let o = v.objectValue else { return wrong() }
            for k in o.keys.sorted() {
                if let x = o[k] {
                    steps.append(.key(k))
                    check(x, type: e, steps: &steps, root: root, into: &out)
                    steps.removeLast()
                }
            }
        case .model(let name):
            guard let fields = contract.models[name] else {
                out.append(.init(model: root, path: path, rule: .unknownModel, message: "model \(name) is not in the contract"))
                return
            }
            guard let o = v.objectValue else { return wrong() }
            for f in contract.requiredFields[name] ?? [] {
                if o[f.name]?.isNull ?? true {
                    out.append(.init(model: root, path: Self.render(steps + [.key(f.name)]), rule: .requiredMissing,
                                     message: "required field \(f.name) (\(f.type)) is missing"))
                }
            }
            // Members in key order, each with its value (no second lookup per member).
            for (k, x) in o.sorted(by: { $0.key < $1.key }) {
                steps.append(.key(k))
                defer { steps.removeLast() }
                var p: String { Self.render(steps) }
                guard let f = fields[k] else {
                    if rejectUnknownFields {
                        out.append(.init(model: root, path: p, rule: .unknownField,
                                         message: "\(name) has no field \(k)"))
                    }
                    continue
                }
                if f.readOnly && rejectReadOnlyFields && !x.isNull {
                    out.append(.init(model: root, path: p, rule: .readOnly,
                                     message: "\(name).\(k) is read-only: the platform sets it"))
                    continue
                }
                check(x, type: f.type, steps: &steps, root: root, into: &out)
                if let allowed = f.enumValues, let s = x.stringValue, !allowed.contains(s) {
                    out.append(.init(model: root, path: p, rule: .notInEnum,
                                     message: "\"\(s)\" is not one of \(allowed.joined(separator: ", "))"))
                }
            }
        }
    }

    private func applyConstraints(_ value: JSONValue, model: String, into out: inout [ContractViolation]) {
        for (c, components) in constraintsByModel[model] ?? [] {
            for (path, v) in Self.values(in: value, at: components, prefix: "") {
                switch c.kind {
                case .range(let lo, let hi):
                    if let d = v.doubleValue, d < lo || d > hi {
                        out.append(.init(model: model, path: path, rule: .range,
                                         message: "\(JSONValue.format(d)) is outside \(JSONValue.format(lo))…\(JSONValue.format(hi))"))
                    }
                case .maxLength(let n):
                    if let s = v.stringValue, s.count > n {
                        out.append(.init(model: model, path: path, rule: .length, message: "\(s.count) characters; at most \(n)"))
                    }
                case .minLength(let n):
                    if let s = v.stringValue, s.count < n {
                        out.append(.init(model: model, path: path, rule: .length, message: "\(s.count) characters; at least \(n)"))
                    }
                case .maxItems(let n):
                    if let a = v.arrayValue, a.count > n {
                        out.append(.init(model: model, path: path, rule: .length, message: "\(a.count) items; at most \(n) per request"))
                    }
                case .e164:
                    if let s = v.stringValue, !E164.isValid(s) {
                        out.append(.init(model: model, path: path, rule: .format,
                                         message: "\"\(s)\" is not an E.164 number (+ then 8 to 15 digits, no leading 0)"))
                    }
                case .pattern(let re, let description):
                    if let s = v.stringValue, !Self.matches(s, pattern: re) {
                        out.append(.init(model: model, path: path, rule: .format, message: "\"\(s)\" is not \(description)"))
                    }
                }
            }
        }
    }

    /// All values at a dotted path, descending through arrays.
    static func values(in v: JSONValue, at path: [String], prefix: String) -> [(String, JSONValue)] {
        if let a = v.arrayValue {
            return a.enumerated().flatMap { values(in: $1, at: path, prefix: "\(prefix)[\($0)]") }
        }
        guard let head = path.first else { return [(prefix, v)] }
        guard let next = v[head] else { return [] }
        return values(in: next, at: Array(path.dropFirst()), prefix: join(prefix, head))
    }

    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }

    static func kind(of v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The e-mail pattern of the shipped constraints, matched on bytes when the string is printable
    /// ASCII (there `\s` is only SPACE); anything else goes to the regular expression. Compiling
    /// the expression for every user payload cost about 0.4 CPU s at 100,000 stations.
    static let emailPattern = #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#

    static func matches(_ s: String, pattern: String) -> Bool {
        if pattern == emailPattern, let m = matchesEmailPattern(s) { return m }
        return s.range(of: pattern, options: .regularExpression) != nil
    }

    /// `^[^@\s]+@[^@\s]+\.[^@\s]+$` for printable ASCII (0x20–0x7E), nil for other strings:
    /// one `@` with a non-empty local part before it, and after it a dot with at least one
    /// character on each side, no spaces anywhere.
    static func matchesEmailPattern(_ s: String) -> Bool? {
        var s = s
        return s.withUTF8 { b -> Bool? in
            var at = -1
            for (i, c) in b.enumerated() {
                guard c >= 0x20, c <= 0x7E else { return nil }
                if c == 0x20 { return false }
                if c == UInt8(ascii: "@") {
                    if at >= 0 { return false }
                    at = i
                }
            }
            guard at > 0 else { return false }
            // A dot after the @ with a character between them and one after it.
            let n = b.count
            var i = at + 2
            while i < n - 1 {
                if b[i] == UInt8(ascii: ".") { return true }
                i += 1
            }
            return false
        }
    }

    static func isISODateTime(_ s: String) -> Bool {
        s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"#,
                options: .regularExpression) != nil
    }

    static func isISODate(_ s: String) -> Bool {
        s.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
    }
}

/// E.164: a plus sign, a country code not starting with 0, at most 15 digits in all. We also
/// require at least 8 digits: shorter numbers are not dialable subscriber numbers anywhere.
public enum E164 {
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 9, u.count <= 16, u.first == UInt8(ascii: "+"), u[1] != UInt8(ascii: "0") else { return false }
        return u.dropFirst().allSatisfy { (48...57).contains($0) }
    }
}

public enum GenesysError: LocalizedError, Sendable, Equatable {
    case contractUnreadable(String)

    public var errorDescription: String? {
        switch self {
        case .contractUnreadable(let m):
            return "the Genesys API contract cannot be read: \(m); regenerate it with scripts/gen-contract.py"
        }
    }
}
