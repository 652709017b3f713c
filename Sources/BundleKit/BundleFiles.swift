import Common
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bundle as an in-memory set of members (path → bytes): what the builder produces and what the
/// reader returns. Creating one does not verify it; see `BundleVerifier`.
public struct BundleFiles: Sendable, Hashable {
    public private(set) var members: [String: Data]
    /// Member paths in bundle order (bytes of the path). Sorted once here: readers (the review
    /// page among them) ask for it many times, and a sort per call was a third of stage one's time.
    public let paths: [String]

    public init(_ members: [String: Data]) {
        self.members = members
        self.paths = members.keys.sorted(by: BundlePath.precedes)
    }

    public static func == (a: BundleFiles, b: BundleFiles) -> Bool { a.members == b.members }
    public func hash(into h: inout Hasher) { h.combine(members) }

    public subscript(path: String) -> Data? { members[path] }

    /// SHA-256 of `tagmanifest-sha256.txt` (bundle-spec.md section 16), nil if that member is missing.
    public var digest: String? { members[BundleFormat.tagManifestPath].map { SHA256Digest.hex($0) } }

    /// `bundle.json` decoded, nil if missing or malformed (the verifier says why).
    public var metadata: BundleMetadata? {
        guard let d = members[BundleFormat.metadataPath], let v = try? JSONValue.parse(d) else { return nil }
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
        try TarIO.write(members, mtime: mtime, gzip: gzip)
    }

    /// Writes the same tar to `url` atomically (a temporary file next to it, then a rename), streaming:
    /// the tar of a 100,000-station bundle is hundreds of MiB that never need to be in memory.
    public func writeTar(to url: URL, mtime: Int64, gzip: Bool = false) throws {
        try Self.writeAtomically(to: url) { handle in
            try TarIO.write(members, mtime: mtime, gzip: gzip, to: handle)
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
