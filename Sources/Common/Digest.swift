import Crypto
import Foundation

/// SHA-256 helpers. Digests are lower-case hex everywhere in the product and the bundle.
public enum SHA256Digest {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func hex(_ data: Data) -> String {
        hex(digest: SHA256.hash(data: data))
    }

    /// Lower-case hex of a finished digest (streaming hashers).
    public static func hex(digest: SHA256.Digest) -> String {
        // A table, not String(format:) per byte: it runs for every bundle member and every
        // sandbox request, and formatting was most of its cost.
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func hex(_ text: String) -> String {
        hex(Data(text.utf8))
    }
}

/// SHA-256 of bytes written in pieces, for hashing a document without holding it: the source
/// fingerprint hashes the canonical JSON of a whole site model this way.
public struct SHA256Stream {
    private var hasher = SHA256()
    private var pending: [UInt8] = []

    public init() { pending.reserveCapacity(1 << 16) }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 16 { flush() }
    }

    private mutating func flush() {
        pending.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        pending.removeAll(keepingCapacity: true)
    }

    /// Lower-case hex of the digest of everything written.
    public mutating func finalizeHex() -> String {
        flush()
        return SHA256Digest.hex(digest: hasher.finalize())
    }
}
