import Foundation

/// Where a diagnostic points: a file and line, or a record id inside a file (OSSI record number,
/// XML element, REST record).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var record: String?

    public init(file: String, line: Int? = nil, record: String? = nil) {
        self.file = file
        self.line = line
        self.record = record
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let record { s += " [\(record)]" }
        return s
    }
}

/// A finding about the input or the run, kept as data so that it can be printed, counted, and
/// written into a bundle's exceptions.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
        case note, warning, error
        private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// Stable machine-readable code, e.g. `sat.unknown-screen`.
    public var code: String
    public var message: String
    public var location: SourceLocation?
    /// What the user can do about it.
    public var hint: String?

    public init(_ severity: Severity, code: String, _ message: String,
                at location: SourceLocation? = nil, hint: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
    }

    public static func error(_ code: String, _ message: String, at location: SourceLocation? = nil,
                             hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, code: code, message, at: location, hint: hint)
    }

    public static func warning(_ code: String, _ message: String, at location: SourceLocation? = nil,
                               hint: String? = nil) -> Diagnostic {
        Diagnostic(.warning, code: code, message, at: location, hint: hint)
    }

    public static func note(_ code: String, _ message: String, at location: SourceLocation? = nil,
                            hint: String? = nil) -> Diagnostic {
        Diagnostic(.note, code: code, message, at: location, hint: hint)
    }

    /// Compiler style: `file:line: error: message [code] (hint: …)`.
    public var description: String {
        var s = ""
        if let location { s += "\(location): " }
        s += "\(severity.rawValue): \(message) [\(code)]"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

/// Collects diagnostics from code that keeps going after a problem. Thread-safe, so readers running
/// concurrently can share one.
public final class DiagnosticCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Diagnostic] = []

    public init() {}

    public func emit(_ d: Diagnostic) {
        lock.lock(); defer { lock.unlock() }
        items.append(d)
    }

    public func emit(contentsOf ds: some Sequence<Diagnostic>) {
        lock.lock(); defer { lock.unlock() }
        items.append(contentsOf: ds)
    }

    public var diagnostics: [Diagnostic] {
        lock.lock(); defer { lock.unlock() }
        return items
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
