import Common
import Foundation

/// `sha256sum`-format manifests (bundle-spec.md section 14).
enum Manifest {
    static func render(_ entries: [(String, Data)]) -> Data {
        render(digests: entries.map { ($0.0, SHA256Digest.hex($0.1)) })
    }

    /// The same from digests already computed (the builder hashes each member once, when added).
    /// Lines in byte order of the paths (`BundlePath.precedes`). The paths are copied into one
    /// buffer and positions are sorted with memcmp on it: sorting 240,000 (String, String) pairs,
    /// twice per build, was seconds of retain/release and comparison closures.
    static func render(digests entries: [(String, String)]) -> Data {
        var text: [UInt8] = []
        var bounds: [(start: Int, count: Int)] = []
        bounds.reserveCapacity(entries.count)
        text.reserveCapacity(entries.count * 48)
        for (path, _) in entries {
            bounds.append((text.count, path.utf8.count))
            text.append(contentsOf: path.utf8)
        }
        var order = Array(0..<entries.count)
        text.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            order.sort { i, j in
                let a = bounds[i], b = bounds[j]
                let n = min(a.count, b.count)
                let c = n > 0 ? memcmp(base + a.start, base + b.start, n) : 0
                return c != 0 ? c < 0 : a.count < b.count
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + entries.count * 67)
        for i in order {
            out.append(contentsOf: entries[i].1.utf8)
            out.append(0x20)
            out.append(0x20)
            let b = bounds[i]
            out.append(contentsOf: text[b.start..<(b.start + b.count)])
            out.append(0x0A)
        }
        return Data(out)
    }

    /// Parses strictly; problems are reported against `member`.
    static func parse(_ data: Data, member: String) -> (entries: [(path: String, digest: String)], problems: [BundleProblem]) {
        var entries: [(path: String, digest: String)] = []
        var problems: [BundleProblem] = []
        guard !data.isEmpty else { return ([], []) }
        guard data.last == 0x0A else {
            return ([], [BundleProblem(member: member, message: "does not end with a newline")])
        }
        let lines = data.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        var previous: String?
        for (n, lineBytes) in lines.enumerated() {
            let bytes = Array(lineBytes)
            guard bytes.count > 66, bytes[64] == 0x20, bytes[65] == 0x20,
                  bytes[0..<64].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                problems.append(BundleProblem(member: member, message: "line \(n + 1) is not \"<64 lower-case hex>  <path>\""))
                continue
            }
            let digest = String(decoding: bytes[0..<64], as: UTF8.self)
            let path = String(decoding: bytes[66...], as: UTF8.self)
            if let reason = BundlePath.problem(with: path) {
                problems.append(BundleProblem(member: member, message: "line \(n + 1): invalid path \"\(path)\": \(reason)"))
                continue
            }
            if let previous, !BundlePath.precedes(previous, path) {
                problems.append(BundleProblem(member: member, message: "line \(n + 1): \(path) is out of order or duplicated"))
            }
            previous = path
            entries.append((path, digest))
        }
        return (entries, problems)
    }
}
