import Common
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bundle as a set of members (path → bytes): what the builder produces and what the reader
/// returns. The bytes are in memory, or (a bundle the builder spilled to disk, #16) read from the
/// builder's temporary file when asked for, one member at a time. Creating one does not verify it;
/// see `BundleVerifier`.
public struct BundleFiles: Sendable, Hashable {
    private let stored: [String: StoredMember]
    /// Member paths in bundle order (bytes of the path). Sorted once here: readers (the review
    /// page among them) ask for it many times, and a sort per call was a third of stage one's time.
    public let paths: [String]

    public init(_ members: [String: Data]) {
        self.init(stored: members.mapValues { .data($0) })
    }

    init(stored: [String: StoredMember]) {
        self.stored = stored
        self.paths = stored.keys.sorted(by: BundlePath.precedes)
    }

    /// `sortedPaths` must be `stored`'s keys in bundle order (the builder keeps them so).
    init(stored: [String: StoredMember], sortedPaths: [String]) {
        self.stored = stored
        self.paths = sortedPaths
    }

    /// Every member in memory at once. For small bundles and tests; large bundles are read member
    /// by member (`subscript`, `forEachChunk`).
    public var members: [String: Data] {
        var out: [String: Data] = [:]
        for p in paths { out[p] = self[p] }
        return out
    }

    public var count: Int { stored.count }

    public func contains(_ path: String) -> Bool { stored[path] != nil }

    /// Size in bytes of a member, nil if there is none.
    public func size(of path: String) -> Int? { stored[path]?.count }

    public static func == (a: BundleFiles, b: BundleFiles) -> Bool {
        guard a.paths == b.paths else { return false }
        return a.paths.allSatisfy { a[$0] == b[$0] }
    }

    public func hash(into h: inout Hasher) {
        for p in paths {
            h.combine(p)
            h.combine(self[p])
        }
    }

    /// A member's bytes (read from disk when the bundle was spilled; nil also if that read fails,
    /// which only an I/O error on the temporary file can cause).
    public subscript(path: String) -> Data? { try? stored[path]?.load() }

    /// Calls `body` with a member's bytes, nil when there is no such member (or it cannot be read).
    /// A small member on disk is read into a temporary (stack) buffer instead of a new `Data`: the
    /// review page reads 240,000 payloads this way.
    public func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        switch stored[path] {
        case nil: return nil
        case .data(let d)?: return try d.withUnsafeBytes(body)
        case .piece(let file, let offset, let count)?:
            return try withUnsafeTemporaryAllocation(byteCount: max(count, 1), alignment: 16) { buf -> R? in
                let part = UnsafeMutableRawBufferPointer(rebasing: buf[0..<count])
                do { try file.read(at: offset, into: part) } catch { return nil }
                return try body(UnsafeRawBufferPointer(part))
            }
        case let m?:
            guard let d = try? m.load() else { return nil }
            return try d.withUnsafeBytes(body)
        }
    }

    /// A member's bytes in order, at most `chunk` bytes at a time, never the whole member at once;
    /// false when there is no such member.
    @discardableResult
    public func forEachChunk(of path: String, chunk: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard let m = stored[path] else { return false }
        try m.forEachChunk(chunk, body)
        return true
    }

    /// A JSON Lines member in blocks of whole lines (each block ends after a newline, except the
    /// last when the member does not end with one), about `chunk` bytes each: a log of hundreds of
    /// MiB is read in pieces. False when there is no such member.
    @discardableResult
    public func forEachLineBlock(of path: String, chunk: Int = 4 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard let m = stored[path] else { return false }
        if case .data(let d) = m {
            try d.withUnsafeBytes { try body($0) }
            return true
        }
        var carry: [UInt8] = []
        try m.forEachChunk(chunk) { raw in
            guard let lastNL = raw.lastIndex(of: 0x0A) else {
                carry.append(contentsOf: raw)
                return
            }
            let head = UnsafeRawBufferPointer(rebasing: raw[...lastNL])
            if carry.isEmpty {
                try body(head)
            } else {
                carry.append(contentsOf: head)
                try carry.withUnsafeBytes { try body($0) }
                carry.removeAll(keepingCapacity: true)
            }
            carry.append(contentsOf: raw[(lastNL + 1)...])
        }
        if !carry.isEmpty { try carry.withUnsafeBytes { try body($0) } }
        return true
    }

    /// Where each member is, for the tar writer.
    func storedMember(_ path: String) -> StoredMember? { stored[path] }

    /// SHA-256 of `tagmanifest-sha256.txt` (bundle-spec.md section 16), nil if that member is missing.
    public var digest: String? { self[BundleFormat.tagManifestPath].map { SHA256Digest.hex($0) } }

    /// `bundle.json` decoded, nil if missing or malformed (the verifier says why).
    public var metadata: BundleMetadata? {
        guard let d = self[BundleFormat.metadataPath], let v = try? JSONValue.parse(d) else { return nil }
        return try? v.decode(BundleMetadata.self)
    }

    /// Reads a `.tar` or `.tar.gz` bundle from disk (streaming through libarchive, limits enforced,
    /// unsafe members refused). Throws `BundleError`.
    public static func read(contentsOf url: URL, limits: BundleLimits = .standard) throws -> BundleFiles {
        BundleFiles(try TarIO.read(fileAt: url.path, limits: limits))
    }

    /// Reads a bundle from tar bytes in memory.
    public static func read(tarData: Data, limits: BundleLimits = .standard) throws -> BundleFiles {
        BundleFiles(try TarIO.read(data: tarData, limits: limits))
    }

    /// The deterministic tar for these members; `mtime` is the bundle's `created` time in seconds.
    public func tarData(mtime: Int64, gzip: Bool = false) throws -> Data {
        try TarIO.write(self, mtime: mtime, gzip: gzip)
    }

    /// Writes the same tar to `url` atomically (a temporary file next to it, then a rename), streaming:
    /// the tar of a 100,000-station bundle is hundreds of MiB that never need to be in memory.
    public func writeTar(to url: URL, mtime: Int64, gzip: Bool = false) throws {
        try Self.writeAtomically(to: url) { handle in
            try TarIO.write(self, mtime: mtime, gzip: gzip, to: handle)
        }
    }

    /// Runs `body` on a temporary file next to `url`, then renames it into place; removed on failure.
    static func writeAtomically(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw BundleError.io(path: url.path, reason: "cannot create a file in \(url.deletingLastPathComponent().path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: tmp)
            do {
                try body(handle)
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(tmp.path, url.path) == 0 else {
                throw BundleError.io(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let e as BundleError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw BundleError.io(path: url.path, reason: error.localizedDescription)
        }
    }
}
