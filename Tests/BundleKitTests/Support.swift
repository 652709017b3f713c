import CArchive
import Common
import Foundation
import TestSupport
import Testing
@testable import BundleKit

/// A fresh directory per test: Swift Testing runs tests in parallel in one process.
func makeTempDir(_ label: String = #function) throws -> URL {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("bundlekit-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

let fixedInputs = BundleInputs(
    sourceFingerprint: SHA256Digest.hex("sample sources"),
    mappingConfigDigest: SHA256Digest.hex("sample mapping"),
    targetAPIModel: "genesys-cloud-api-v2", created: 1_704_067_200, toolVersion: "0.1.0")

/// The small bundle of bundle-spec.md section 20, plus a flow, records and a mapping file.
func sampleBuilder(queueName: String = "Sales") throws -> BundleBuilder {
    var b = BundleBuilder(fixedInputs)
    try b.addPayload(type: "skill", key: "billing", json: ["name": "Billing"])
    try b.addPayload(type: "queue", key: "sales",
                     json: ["name": .string(queueName), "skills": [["id": PayloadReference(type: "skill", key: "billing").json]]])
    try b.addFlow(name: "main-menu", yaml: "inboundCall:\n  name: Main Menu\n")
    b.setPlan([
        PlanStep(id: "skill/billing", type: "skill", key: "billing", action: .create, phase: 1,
                 payload: "payloads/skill/billing.json"),
        PlanStep(id: "queue/sales", type: "queue", key: "sales", action: .create, dependsOn: ["skill/billing"],
                 phase: 2, payload: "payloads/queue/sales.json"),
    ])
    try b.addDiffRecord(DiffRecord(type: "queue", key: "sales", action: .create, source: "sat/hunt.txt:4 [hunt 12]",
                                   changes: [FieldChange(path: "/name", after: .string(queueName))]))
    try b.addException(ExceptionRecord(severity: .warning, code: "cm.vector.unsupported-step",
                                       message: "vector 120 step 7 'converse-on' has no equivalent", source: "sat/vector.txt:88",
                                       hint: "rebuild in Architect"))
    try b.addFile(path: "mapping.csv", data: Data("source,target\nhunt 12,queue/sales\n".utf8))
    return b
}

func writeSample(to dir: URL, name: String = "bundle.tar", gzip: Bool = false) throws -> URL {
    let url = dir.appendingPathComponent(name)
    try sampleBuilder().write(to: url, gzip: gzip)
    return url
}

/// Re-tars members as they are (no resealing), for tampering tests.
func writeMembers(_ members: [String: Data], to url: URL) throws {
    try BundleFiles(members).tarData(mtime: 1_704_067_200).write(to: url)
}

/// Recomputes the tag manifest after a deliberate edit (to test rules behind the digests).
func resealed(_ members: [String: Data]) -> [String: Data] {
    var m = members
    let tag = m.keys.filter { !BundleFormat.isPayloadClass($0) && $0 != BundleFormat.tagManifestPath }
    m[BundleFormat.tagManifestPath] = Manifest.render(tag.map { ($0, m[$0] ?? Data()) })
    return m
}

// MARK: - Crafting hostile archives with libarchive directly (no validation on this path).

private let testLocale: Void = { _ = setlocale(LC_CTYPE, "C.UTF-8") }()

struct RawEntry {
    enum Kind { case file, symlink(String), hardlink(String), charDevice, directory }
    var path: String
    var kind: Kind = .file
    var data = Data()
}

func rawTar(_ entries: [RawEntry]) throws -> Data {
    _ = testLocale
    let out = try makeTempDir("rawtar").appendingPathComponent("raw.tar")
    guard let a = archive_write_new() else { throw BundleError.archiveWrite("new") }
    defer { archive_write_free(a) }
    archive_write_set_format_pax_restricted(a)
    archive_write_add_filter_none(a)
    guard archive_write_open_filename(a, out.path) == ARCHIVE_OK else { throw BundleError.archiveWrite("open") }
    for r in entries {
        guard let e = archive_entry_new() else { throw BundleError.archiveWrite("entry") }
        defer { archive_entry_free(e) }
        archive_entry_set_pathname_utf8(e, r.path)
        archive_entry_set_perm(e, 0o644)
        archive_entry_set_mtime(e, 0, 0)
        switch r.kind {
        case .file:
            archive_entry_set_filetype(e, carchive_ifreg)
            archive_entry_set_size(e, Int64(r.data.count))
        case .symlink(let target):
            archive_entry_set_filetype(e, carchive_iflnk)
            archive_entry_set_symlink(e, target)
        case .hardlink(let target):
            archive_entry_set_filetype(e, carchive_ifreg)
            archive_entry_set_hardlink(e, target)
            archive_entry_set_size(e, 0)
        case .charDevice:
            archive_entry_set_filetype(e, 0o020000)  // AE_IFCHR
        case .directory:
            archive_entry_set_filetype(e, carchive_ifdir)
            archive_entry_set_perm(e, 0o755)
        }
        guard archive_write_header(a, e) == ARCHIVE_OK else { throw BundleError.archiveWrite("header \(r.path)") }
        if case .file = r.kind, !r.data.isEmpty {
            _ = r.data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        }
    }
    archive_write_close(a)
    return try Data(contentsOf: out)
}

// MARK: - Running tools.

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func run(_ executable: String, _ arguments: [String], in cwd: URL? = nil) throws -> ProcessResult {
    let r = try runProduct(URL(fileURLWithPath: executable), arguments, in: cwd)
    return ProcessResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
}

/// The `cm2gc` executable built next to the test binary (`swift build --build-tests` builds both).
func cm2gcPath() throws -> String {
    try #require(productBinary("cm2gc"), "cm2gc binary not found; run swift build --build-tests first").path
}

func metadataObject(_ files: BundleFiles) throws -> [String: JSONValue] {
    let data = try #require(files["bundle.json"])
    return try #require(JSONValue.parse(data).objectValue)
}
