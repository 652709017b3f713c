import Common
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An approver's public key as stored in a `.pub` file (bundle-spec.md section 18.1).
public struct ApproverPublicKey: Sendable, Hashable, Codable {
    public var format: String
    public var formatVersion: String
    public var algorithm: String
    public var approver: String
    public var approverName: String?
    public var keyID: String
    /// base64 of the 32-byte raw Ed25519 public key.
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case format, algorithm, approver
        case formatVersion = "format_version"
        case approverName = "approver_name"
        case keyID = "key_id"
        case publicKey = "public_key"
    }

    public static let formatName = "cm2gc-public-key"
}

/// A loaded private key. Holds the secret; its description never shows it.
public struct ApproverSigningKey: Sendable, CustomStringConvertible {
    public let approver: String
    public let approverName: String?
    /// The 32-byte seed (Data is Sendable; the Crypto key type is not).
    private let seed: Data
    public let publicKeyRaw: Data

    init(approver: String, approverName: String?, key: Curve25519.Signing.PrivateKey) {
        self.approver = approver
        self.approverName = approverName
        self.seed = key.rawRepresentation
        self.publicKeyRaw = key.publicKey.rawRepresentation
    }

    public var keyID: String { KeyID.of(publicKey: publicKeyRaw) }
    public var publicKeyBase64: String { publicKeyRaw.base64EncodedString() }
    public var description: String { "ApproverSigningKey(approver: \(approver), key_id: \(keyID))" }

    func sign(_ data: Data) throws -> Data {
        Data(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: data))
    }
}

public enum KeyID {
    /// First 16 hex characters of SHA-256 of the raw 32-byte public key.
    public static func of(publicKey raw: Data) -> String { String(SHA256Digest.hex(raw).prefix(16)) }
}

/// Result of `ApproverKeys.generate`.
public struct GeneratedKeyPair: Sendable {
    public let approver: String
    public let keyID: String
    public let privateKeyFile: URL
    public let publicKeyFile: URL
}

public enum ApproverKeys {
    static let privateFormat = "cm2gc-private-key"
    static let version = "1.0"

    public static func isValidApproverID(_ s: String) -> Bool {
        s.utf8.count <= 64 && BundlePath.isValidSegment(s)
    }

    /// Makes an Ed25519 key pair: `<dir>/<approver>.key` (created with mode 0600 from the first byte,
    /// never widened) and `<dir>/<approver>.pub`. Refuses to overwrite either file.
    public static func generate(approver: String, name: String?, directory: URL) throws -> GeneratedKeyPair {
        guard isValidApproverID(approver) else {
            throw BundleError.usage("approver id \"\(approver)\" must be 1-64 characters of [a-z0-9._-], starting with a letter or digit")
        }
        if let name, name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw BundleError.usage("approver name must not contain control characters")
        }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw BundleError.io(path: directory.path, reason: error.localizedDescription)
        }
        let privateURL = directory.appendingPathComponent("\(approver).key")
        let publicURL = directory.appendingPathComponent("\(approver).pub")
        for u in [privateURL, publicURL] where FileManager.default.fileExists(atPath: u.path) {
            throw BundleError.keyFileExists(path: u.path)
        }
        let key = Curve25519.Signing.PrivateKey()
        let raw = key.publicKey.rawRepresentation
        let pub = ApproverPublicKey(format: ApproverPublicKey.formatName, formatVersion: version, algorithm: "ed25519",
                                    approver: approver, approverName: name, keyID: KeyID.of(publicKey: raw),
                                    publicKey: raw.base64EncodedString())
        guard case .object(var priv) = try JSONValue.from(pub) else { throw BundleError.usage("internal: key encoding") }
        priv["format"] = .string(privateFormat)
        priv["private_key"] = .string(key.rawRepresentation.base64EncodedString())
        try createExclusive(privateURL, JSONValue.object(priv).canonicalData(pretty: true), mode: 0o600)
        try createExclusive(publicURL, try CanonicalJSON.data(pub, pretty: true), mode: 0o644)
        return GeneratedKeyPair(approver: approver, keyID: pub.keyID, privateKeyFile: privateURL, publicKeyFile: publicURL)
    }

    /// O_CREAT|O_EXCL with the final mode, so a private key is never briefly readable by others.
    private static func createExclusive(_ url: URL, _ data: Data, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw BundleError.keyFileExists(path: url.path) }
            throw BundleError.io(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                guard let base = buf.baseAddress else { return false }
                let n = Foundation.write(fd, base + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else { throw BundleError.io(path: url.path, reason: String(cString: strerror(errno))) }
    }

    /// Loads a private key file, refusing one that group or others can read (checked on the open file,
    /// so the file cannot be swapped between the check and the read).
    public static func loadPrivateKey(at url: URL) throws -> ApproverSigningKey {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw BundleError.io(path: url.path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BundleError.io(path: url.path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw BundleError.invalidKeyFile(path: url.path, reason: "not a regular file") }
        if st.st_mode & 0o077 != 0 {
            throw BundleError.insecureKeyFile(path: url.path, mode: String(st.st_mode & 0o777, radix: 8))
        }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch {
            throw BundleError.io(path: url.path, reason: error.localizedDescription)
        }
        guard let o = try? JSONValue.parse(data).objectValue else { throw BundleError.invalidKeyFile(path: url.path, reason: "not a JSON object") }
        guard o["format"]?.stringValue == privateFormat else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "format is not \"\(privateFormat)\" (is this the .pub file?)")
        }
        try checkVersion(o, path: url.path)
        guard o["algorithm"]?.stringValue == "ed25519" else { throw BundleError.invalidKeyFile(path: url.path, reason: "algorithm must be ed25519") }
        guard let approver = o["approver"]?.stringValue, isValidApproverID(approver) else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "missing or invalid approver")
        }
        guard let b64 = o["private_key"]?.stringValue, let seed = Data(base64Encoded: b64), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "private_key is not a base64 32-byte Ed25519 key")
        }
        let signing = ApproverSigningKey(approver: approver, approverName: o["approver_name"]?.stringValue, key: key)
        if let stated = o["key_id"]?.stringValue, stated != signing.keyID {
            throw BundleError.invalidKeyFile(path: url.path, reason: "key_id does not match the key")
        }
        return signing
    }

    /// Loads and checks a public key file.
    public static func loadPublicKey(at url: URL) throws -> ApproverPublicKey {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw BundleError.io(path: url.path, reason: error.localizedDescription) }
        guard let o = try? JSONValue.parse(data).objectValue else { throw BundleError.invalidKeyFile(path: url.path, reason: "not a JSON object") }
        guard o["private_key"] == nil else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "contains a private key; share only the .pub file and treat this key as compromised")
        }
        guard o["format"]?.stringValue == ApproverPublicKey.formatName else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "format is not \"\(ApproverPublicKey.formatName)\"")
        }
        try checkVersion(o, path: url.path)
        let key: ApproverPublicKey
        do { key = try JSONValue.object(o).decode(ApproverPublicKey.self) } catch {
            throw BundleError.invalidKeyFile(path: url.path, reason: BundleVerifier.describe(error))
        }
        guard key.algorithm == "ed25519", let raw = Data(base64Encoded: key.publicKey), raw.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw BundleError.invalidKeyFile(path: url.path, reason: "public_key is not a base64 32-byte Ed25519 key")
        }
        guard isValidApproverID(key.approver) else { throw BundleError.invalidKeyFile(path: url.path, reason: "invalid approver id") }
        guard KeyID.of(publicKey: raw) == key.keyID else { throw BundleError.invalidKeyFile(path: url.path, reason: "key_id does not match public_key") }
        return key
    }

    /// Every `*.pub` file of a directory, sorted by file name.
    public static func loadTrustedKeys(directory: URL) throws -> [ApproverPublicKey] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw BundleError.io(path: directory.path, reason: "cannot list trusted keys: \(error.localizedDescription)")
        }
        let pubs = names.filter { $0.hasSuffix(".pub") }.sorted()
        guard !pubs.isEmpty else { throw BundleError.usage("\(directory.path): no .pub files; put the approvers' public keys there") }
        return try pubs.map { try loadPublicKey(at: directory.appendingPathComponent($0)) }
    }

    static func checkVersion(_ o: [String: JSONValue], path: String) throws {
        guard let v = o["format_version"]?.stringValue, let parsed = BundleFormat.parseVersion(v), parsed.major == 1 else {
            throw BundleError.invalidKeyFile(path: path, reason: "unsupported or missing format_version")
        }
    }
}
