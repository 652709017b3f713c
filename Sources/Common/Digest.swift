import Crypto
import Foundation

/// SHA-256 helpers. Digests are lower-case hex everywhere in the product and the bundle.
public enum SHA256Digest {
    public static func hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ text: String) -> String {
        hex(Data(text.utf8))
    }
}
