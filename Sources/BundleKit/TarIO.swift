import CArchive
import Common
import Crypto
import Foundation

/// libarchive 3.6.2 segfaults writing non-ASCII names in the C locale (swift-stack.md §1.6 #4). Our
/// names are ASCII, but set a UTF-8 ctype once anyway so a bad name fails cleanly instead of crashing.
private let utf8Locale: Void = { _ = setlocale(LC_CTYPE, "C.UTF-8") }()

/// Receives bytes from libarchive's write callback: in memory, or straight into a file.
private final class DataSink {
    var data = Data()
    let file: FileHandle?
    init(file: FileHandle? = nil) { self.file = file }
}

/// One member of an archive as it streams past: path, declared size, SHA-256, and its bytes when
/// the reader was asked to keep them.
struct TarMember {
    var path: String
    var size: Int64
    var digest: String
    var data: Data?
}

/// What a scan read: members handed on, and bytes of the file (compressed) consumed.
struct TarScanStats: Sendable {
    var members = 0
    var compressedBytes: Int64 = 0
}

/// Deterministic tar writing and defensive tar reading over libarchive. Every handle is freed on every
/// path by a `defer` placed right after its creation.
enum TarIO {
    /// Writes regular files in byte order of path with fixed metadata (bundle-spec.md section 3).
    static func write(_ files: BundleFiles, mtime: Int64, gzip: Bool) throws -> Data {
        let sink = DataSink()
        try write(paths: files.paths, member: { files.storedMember($0) }, mtime: mtime, gzip: gzip, into: sink)
        return sink.data
    }

    /// Same bytes, streamed into an open file: a large bundle never sits in memory as a whole tar.
    static func write(_ files: BundleFiles, mtime: Int64, gzip: Bool, to file: FileHandle) throws {
        try write(paths: files.paths, member: { files.storedMember($0) }, mtime: mtime, gzip: gzip, into: DataSink(file: file))
    }

    /// Same bytes for the members `paths` names, each fetched when its turn comes: a member still
    /// being made (the review page) can be waited for while the ones before it are written.
    /// `sortedPaths` must be in bundle order (`BundlePath.precedes`).
    static func write(sortedPaths: [String], member: (String) throws -> StoredMember?, mtime: Int64, gzip: Bool, to file: FileHandle) throws {
        try write(paths: sortedPaths, member: member, mtime: mtime, gzip: gzip, into: DataSink(file: file))
    }

    /// Members on disk are copied in chunks of `writeChunk`: never a whole log in memory.
    private static func write(paths: [String], member: (String) throws -> StoredMember?, mtime: Int64, gzip: Bool, into sink: DataSink) throws {
        _ = utf8Locale
        guard let a = archive_write_new() else { throw BundleError.archiveWrite("archive_write_new failed") }
        defer { archive_write_free(a) }
        func check(_ rc: Int32, _ what: String) throws {
            guard rc == ARCHIVE_OK else { throw BundleError.archiveWrite("\(what): \(errorString(a))") }
        }
        try check(archive_write_set_format_pax_restricted(a), "set format")
        if gzip {
            try check(archive_write_add_filter_gzip(a), "gzip filter")
            // The gzip header stores the current time by default; that would break reproducibility.
            try check(archive_write_set_options(a, "gzip:!timestamp"), "gzip options")
        } else {
            try check(archive_write_add_filter_none(a), "no filter")
        }
        // No padding to a 10240-byte record: with gzip it would append zeros after the gzip stream.
        try check(archive_write_set_bytes_in_last_block(a, 1), "block size")
        // Hands the output on in 1 MiB blocks rather than 10 KiB ones (80,000 writes for a
        // 100,000-station bundle); every block but the last is full, so the bytes are the same.
        try check(archive_write_set_bytes_per_block(a, 1 << 20), "block size")
        try withExtendedLifetime(sink) {
            let ctx = Unmanaged.passUnretained(sink).toOpaque()
            try check(archive_write_open2(a, ctx, nil, { _, userData, buffer, length in
                guard let userData, let buffer else { return -1 }
                let sink = Unmanaged<DataSink>.fromOpaque(userData).takeUnretainedValue()
                if let file = sink.file {
                    do { try file.write(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length)) } catch { return -1 }
                } else {
                    sink.data.append(buffer.assumingMemoryBound(to: UInt8.self), count: length)
                }
                return length
            }, nil, nil), "open")
            for path in paths {
                guard let data = try member(path) else { continue }
                if let reason = BundlePath.problem(with: path) {
                    throw BundleError.invalidPath(path: path, reason: reason)
                }
                guard let e = archive_entry_new() else { throw BundleError.archiveWrite("archive_entry_new failed") }
                defer { archive_entry_free(e) }
                archive_entry_set_pathname(e, path)
                archive_entry_set_filetype(e, carchive_ifreg)
                archive_entry_set_perm(e, 0o644)
                archive_entry_set_size(e, Int64(data.count))
                archive_entry_set_mtime(e, time_t(mtime), 0)
                archive_entry_set_uid(e, 0)
                archive_entry_set_gid(e, 0)
                try check(archive_write_header(a, e), "header for \(path)")
                try data.forEachChunk(writeChunk) { buf in
                    guard !buf.isEmpty else { return }
                    let written = archive_write_data(a, buf.baseAddress, buf.count)
                    guard written == buf.count else {
                        throw BundleError.archiveWrite("data for \(path): \(errorString(a))")
                    }
                }
            }
            try check(archive_write_close(a), "close")
        }
    }

    /// Reads a bundle archive from a file into memory (every member). For callers that need the
    /// whole bundle (`--previous`, tests); verification streams with `scan` instead.
    static func read(fileAt path: String, limits: BundleLimits) throws -> [String: Data] {
        var members: [String: Data] = [:]
        _ = try scan(fileAt: path, limits: limits, keep: { _ in true }) { m in members[m.path] = m.data }
        return members
    }

    /// Same, from bytes in memory.
    static func read(data: Data, limits: BundleLimits) throws -> [String: Data] {
        var members: [String: Data] = [:]
        _ = try scan(data: data, limits: limits, keep: { _ in true }) { m in members[m.path] = m.data }
        return members
    }

    /// Streams a bundle archive from a file: refuses anything that is not a plain file with a valid
    /// path, enforces the limits on each header before reading its data, hashes every member, and
    /// hands each to `visit` in archive order. Only the current member is in memory, and only when
    /// `keep` asks for its bytes; other members are hashed in chunks and dropped (bundle-spec.md
    /// section 3). `visit` may throw to stop reading.
    static func scan(fileAt path: String, limits: BundleLimits, keep: (String) -> Bool,
                     visit: (TarMember) throws -> Void) throws -> TarScanStats {
        _ = utf8Locale
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw BundleError.io(path: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw BundleError.io(path: path, reason: "is a directory, expected a bundle .tar or .tar.gz") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw BundleError.io(path: path, reason: "not readable") }
        guard let a = archive_read_new() else { throw BundleError.corruptArchive("archive_read_new failed") }
        defer { archive_read_free(a) }
        try configure(a)
        guard archive_read_open_filename(a, path, 65_536) == ARCHIVE_OK else {
            throw BundleError.corruptArchive("\(path): \(errorString(a))")
        }
        return try scanEntries(a, limits: limits, keep: keep, visit: visit)
    }

    /// Same, from tar bytes in memory.
    static func scan(data: Data, limits: BundleLimits, keep: (String) -> Bool,
                     visit: (TarMember) throws -> Void) throws -> TarScanStats {
        _ = utf8Locale
        guard let a = archive_read_new() else { throw BundleError.corruptArchive("archive_read_new failed") }
        defer { archive_read_free(a) }
        try configure(a)
        return try data.withUnsafeBytes { buf in
            guard archive_read_open_memory(a, buf.baseAddress, buf.count) == ARCHIVE_OK else {
                throw BundleError.corruptArchive(errorString(a))
            }
            return try scanEntries(a, limits: limits, keep: keep, visit: visit)
        }
    }

    private static func configure(_ a: OpaquePointer) throws {
        // Only tar, only gzip or no compression: less parser surface for untrusted input.
        let gz = archive_read_support_filter_gzip(a)  // ARCHIVE_WARN: works through an external gzip
        guard archive_read_support_format_tar(a) == ARCHIVE_OK, gz == ARCHIVE_OK || gz == ARCHIVE_WARN else {
            throw BundleError.corruptArchive(errorString(a))
        }
    }

    private static let chunkSize = 65_536
    private static let writeChunk = 1 << 18

    private static func scanEntries(_ a: OpaquePointer, limits: BundleLimits, keep: (String) -> Bool,
                                    visit: (TarMember) throws -> Void) throws -> TarScanStats {
        var seen = Set<String>()
        var stats = TarScanStats()
        var total: Int64 = 0
        var count = 0
        // Where the last member's data (padded to 512) ends in the uncompressed stream: the two
        // end-of-archive blocks must follow it (a missing end is a truncated archive).
        var dataEnd: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            var entryPtr: OpaquePointer?
            let rc = archive_read_next_header(a, &entryPtr)
            if rc == ARCHIVE_EOF {
                let end = archive_filter_bytes(a, 0)
                guard end - dataEnd >= 1024 else {
                    throw BundleError.corruptArchive("truncated: the archive ends without its two end-of-archive blocks"
                        + (count == 0 ? "" : " (after \(count) member\(count == 1 ? "" : "s"))"))
                }
                stats.compressedBytes = archive_filter_bytes(a, -1)
                break
            }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let entry = entryPtr else {
                let after = count == 0 ? "" : " (after \(count) member\(count == 1 ? "" : "s"))"
                throw BundleError.corruptArchive("\(errorString(a))\(after)")
            }
            guard let cName = archive_entry_pathname(entry) else {
                throw BundleError.unsafeMember(member: "<unnamed entry>", reason: "name cannot be decoded")
            }
            let rawName = Array(UnsafeRawBufferPointer(start: cName, count: strlen(cName)))
            let shown = printable(rawName)
            let type = UInt32(archive_entry_filetype(entry))
            if archive_entry_hardlink(entry) != nil {
                throw BundleError.unsafeMember(member: shown, reason: "hard link")
            }
            if type == carchive_iflnk || archive_entry_symlink(entry) != nil {
                throw BundleError.unsafeMember(member: shown, reason: "symbolic link")
            }
            var name = String(decoding: rawName, as: UTF8.self)
            if type == carchive_ifdir, name.hasSuffix("/") { name.removeLast() }
            if rawName.contains(where: { $0 >= 0x80 }) {
                throw BundleError.unsafeMember(member: shown, reason: "non-ASCII name")
            }
            if let reason = BundlePath.problem(with: name) {
                throw BundleError.unsafeMember(member: shown, reason: reason)
            }
            let size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : -1
            dataEnd = archive_read_header_position(a) + 512 + max(0, (size + 511) / 512 * 512)
            if type == carchive_ifdir { continue }  // tolerated, carries nothing
            guard type == carchive_ifreg else {
                throw BundleError.unsafeMember(member: shown, reason: "device, FIFO or socket entry")
            }
            guard seen.insert(name).inserted else {
                throw BundleError.unsafeMember(member: shown, reason: "duplicate entry (a later copy could shadow the checked one)")
            }
            count += 1
            if count > limits.maxMembers {
                throw BundleError.tooManyMembers(count: count, limit: limits.maxMembers)
            }
            let limit = limits.limit(for: name)
            guard size >= 0 else { throw BundleError.unsafeMember(member: shown, reason: "entry has no size") }
            guard size <= limit else { throw BundleError.limitExceeded(member: name, size: size, limit: limit) }
            total += size
            guard total <= limits.maxTotalBytes else {
                throw BundleError.limitExceeded(member: "<archive total>", size: total, limit: limits.maxTotalBytes)
            }
            var hasher = SHA256()
            var got = 0
            var data: Data?
            if keep(name) {
                var d = Data(count: Int(size))
                if size > 0 {
                    try d.withUnsafeMutableBytes { buf in
                        guard let base = buf.baseAddress else { return }
                        while got < buf.count {
                            let n = archive_read_data(a, base + got, buf.count - got)
                            if n < 0 { throw BundleError.corruptArchive("\(name): \(errorString(a))") }
                            if n == 0 { break }
                            got += n
                        }
                    }
                }
                hasher.update(data: d)
                data = d
            } else {
                // Not wanted: hash it in chunks, never holding the member.
                try chunk.withUnsafeMutableBytes { buf in
                    guard let base = buf.baseAddress else { return }
                    while Int64(got) < size {
                        let n = archive_read_data(a, base, min(buf.count, Int(size) - got))
                        if n < 0 { throw BundleError.corruptArchive("\(name): \(errorString(a))") }
                        if n == 0 { break }
                        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: n))
                        got += n
                    }
                }
            }
            guard got == Int(size) else {
                throw BundleError.corruptArchive("\(name): truncated (\(got) of \(size) bytes)")
            }
            stats.members += 1
            try visit(TarMember(path: name, size: size, digest: SHA256Digest.hex(digest: hasher.finalize()), data: data))
        }
        return stats
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F { s.append(Character(Unicode.Scalar(b))) } else { s += String(format: "\\x%02X", b) }
        }
        return s.isEmpty ? "<empty name>" : s
    }

    private static func errorString(_ a: OpaquePointer) -> String {
        guard let p = archive_error_string(a) else { return "unknown libarchive error" }
        return String(cString: p)
    }
}
