import Crypto
import Foundation

/// SHA-256 helpers. Digests are lower-case hex everywhere in the product and the bundle.
public enum SHA256Digest {
    public static func hex(_ data: Data) -> String {
        // A table, not String(format:) per byte: this runs for every bundle file and every
        // sandbox request (token hash), and formatting was most of its cost.
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in SHA256.hash(data: data) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func hex(_ text: String) -> String {
        hex(Data(text.utf8))
    }
}
