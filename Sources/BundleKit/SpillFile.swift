import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the members of a large bundle wait between being made and being written into the tar:
/// a file in the output directory, opened 0600 and unlinked at once, so that no exit path (an error,
/// a signal, a crash) leaves it behind; it lives while a `BundleFiles` or builder refers to it and
/// the kernel reclaims it when the last reference closes it. Keeping the members here instead of in
/// memory took a 100,000-station build from 1.8 to under 1 GiB (docs/performance.md, "Third pass").
///
/// Appends happen from one writer at a time (the builder is a value used by one thread); reads use
/// `pread` and may run on any thread, also while later bytes are appended.
final class SpillFile: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var end: Int64 = 0
    /// Where it was made, for error messages.
    let directory: String

    /// Creates the file in `directory` and unlinks it straight away.
    init(directory: URL) throws {
        self.directory = directory.path
        let path = directory.appendingPathComponent(".cm2gc-spill-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BundleError.io(path: path, reason: "cannot create the temporary member file: \(String(cString: strerror(errno))) (is the output directory writable?)")
        }
        unlink(path)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends `bytes`; returns where they start.
    func append(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        lock.lock()
        let at = end
        end += Int64(bytes.count)
        lock.unlock()
        if let base = bytes.baseAddress {
            try fully(bytes.count, at: at, "writing") { done, offset in pwrite(fd, base + done, bytes.count - done, offset) }
        }
        return at
    }

    func append(_ data: Data) throws -> Int64 {
        try data.withUnsafeBytes { try append($0) }
    }

    /// Runs `op` (a `pwrite` or `pread` of the bytes from `done` on, at file offset `at`) until
    /// `count` bytes are done: short transfers continue, EINTR retries, no progress is an error.
    private func fully(_ count: Int, at offset: Int64, _ verb: String, _ op: (_ done: Int, _ at: off_t) -> Int) throws {
        var done = 0
        while done < count {
            let n = op(done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BundleError.io(path: directory, reason: "\(verb) the temporary member file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw BundleError.io(path: directory, reason: "\(verb) the temporary member file: it ends early") }
            done += n
        }
    }

    /// Reads `count` bytes at `offset` into `buffer` (which must hold them).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws {
        if let base = buffer.baseAddress {
            try fully(buffer.count, at: offset, "reading") { done, at in pread(fd, base + done, buffer.count - done, at) }
        }
    }
}

/// Where one member's bytes are: in memory, or in pieces (extents) of a spill file.
enum StoredMember: Sendable {
    case data(Data)
    /// One piece (most members: no array per member, 240,000 of them at 100,000 stations).
    case piece(SpillFile, offset: Int64, count: Int)
    case spilled(SpillFile, [Extent])

    /// A member at `extents` of `file`.
    static func spilled(in file: SpillFile, _ extents: [Extent]) -> StoredMember {
        extents.count == 1 ? .piece(file, offset: extents[0].offset, count: extents[0].count) : .spilled(file, extents)
    }

    private var location: (SpillFile, [Extent])? {
        switch self {
        case .data: return nil
        case .piece(let f, let offset, let count): return (f, [Extent(offset: offset, count: count)])
        case .spilled(let f, let extents): return (f, extents)
        }
    }

    struct Extent: Sendable {
        var offset: Int64
        var count: Int
    }

    var count: Int {
        switch self {
        case .data(let d): return d.count
        case .piece(_, _, let count): return count
        case .spilled(_, let extents): return extents.reduce(0) { $0 + $1.count }
        }
    }

    /// The whole member in memory.
    func load() throws -> Data {
        switch self {
        case .data(let d): return d
        case .piece(let file, let offset, let count):
            var d = Data(count: count)
            try d.withUnsafeMutableBytes { try file.read(at: offset, into: $0) }
            return d
        case .spilled(let file, let extents):
            var d = Data(count: count)
            try d.withUnsafeMutableBytes { buf in
                var at = 0
                for e in extents {
                    try file.read(at: e.offset, into: UnsafeMutableRawBufferPointer(rebasing: buf[at..<(at + e.count)]))
                    at += e.count
                }
            }
            return d
        }
    }

    /// The member's bytes in order, at most `chunk` bytes at a time (one reused buffer).
    func forEachChunk(_ chunk: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let (file, extents) = location else {
            guard case .data(let d) = self else { return }
            try d.withUnsafeBytes { raw in
                var at = 0
                while at < raw.count {
                    let n = min(chunk, raw.count - at)
                    try body(UnsafeRawBufferPointer(rebasing: raw[at..<(at + n)]))
                    at += n
                }
            }
            return
        }
        do {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(chunk, count)), alignment: 16)
            defer { buffer.deallocate() }
            for e in extents {
                var at = 0
                while at < e.count {
                    let n = min(chunk, e.count - at)
                    let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
                    try file.read(at: e.offset + Int64(at), into: part)
                    try body(UnsafeRawBufferPointer(part))
                    at += n
                }
            }
        }
    }
}
