import Common
import Foundation

/// One line of `<bundle>.results.jsonl`: what one request (or one lookup-resolved step) did.
/// Separate from the bundle's diff log, which is never touched.
public struct ResultRecord: Sendable, Codable, Hashable {
    public var time: String
    public var command: String
    public var steps: [String]
    /// 1-based line numbers of the matching records in the bundle's `difflog.jsonl`.
    public var difflogSequence: [Int]?
    public var outcome: String
    public var origin: String?
    public var targetID: String?
    public var parentID: String?
    public var method: String?
    public var path: String?
    public var httpStatus: Int?
    public var correlationID: String?
    public var attempts: Int?
    public var durationMs: Int?
    public var idempotencyKey: String?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case time, command, steps, outcome, origin, method, path, attempts, error
        case difflogSequence = "difflog_sequence"
        case targetID = "target_id"
        case parentID = "parent_id"
        case httpStatus = "http_status"
        case correlationID = "correlation_id"
        case durationMs = "duration_ms"
        case idempotencyKey = "idempotency_key"
    }
}

/// Appends result records as JSON lines. Every line goes through the redactor (patterns plus the
/// literal client secrets of the run), so no credential can reach the file.
public final class ResultsLog: Sendable {
    public let path: String
    private let handle: FileHandle
    private let redactor: Redactor
    private let lock = NSLock()

    public static func defaultPath(forBundle bundle: URL) -> String { bundle.path + ".results.jsonl" }

    public init(path: String, redactor: Redactor) throws {
        self.path = path
        self.redactor = redactor
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw UploadError.io(path: path, reason: "cannot create the results log")
            }
        }
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw UploadError.io(path: path, reason: "cannot open the results log") }
        handle = h
        // A run killed mid-write can leave half a line: start on a fresh line.
        let end = (try? h.seekToEnd()) ?? 0
        if end > 0 {
            try? h.seek(toOffset: end - 1)
            if h.readData(ofLength: 1) != Data([0x0A]) { h.write(Data([0x0A])) }
            _ = try? h.seekToEnd()
        }
    }

    deinit { try? handle.close() }

    public func append(_ r: ResultRecord) {
        guard let data = try? CanonicalJSON.data(r) else { return }
        let line = redactor.redact(String(decoding: data, as: UTF8.self)) + "\n"
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data(line.utf8))
    }

    /// Reads a results file back (tests, reports).
    public static func read(path: String) throws -> [ResultRecord] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.split(separator: 0x0A).compactMap { try? JSONValue.parse(Data($0)).decode(ResultRecord.self) }
    }
}
