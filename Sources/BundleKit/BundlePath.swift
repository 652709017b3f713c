import Common

/// Member path rules (bundle-spec.md section 4): lower-case ASCII `[a-z0-9._-]` segments joined by
/// `/`. Upper case is excluded so extraction on case-insensitive file systems cannot merge members,
/// and non-ASCII because libarchive 3.6 crashes on such names in the C locale.
public enum BundlePath {
    public static let maxPathBytes = 200
    public static let maxSegmentBytes = 100

    /// nil when valid, else the reason.
    public static func problem(with path: String) -> String? {
        if isValidFast(path) { return nil }  // every member of a bundle is checked: the usual answer without allocating
        let bytes = Array(path.utf8)
        if bytes.isEmpty { return "empty path" }
        if bytes.count > maxPathBytes { return "longer than \(maxPathBytes) bytes" }
        if bytes.first == UInt8(ascii: "/") { return "absolute path" }
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if let reason = segmentProblem(Array(segment)) { return reason }
        }
        return nil
    }

    public static func isValid(_ path: String) -> Bool { problem(with: path) == nil }

    /// A single segment (resource type, logical key, flow name).
    public static func isValidSegment(_ s: String) -> Bool {
        // On bytes: a valid segment holds no "/" (not an allowed byte), so no other test is needed.
        var s = s
        return s.withUTF8 { isSegment($0, 0, $0.count) }
    }

    /// `problem(with:) == nil`, decided on the bytes in place.
    static func isValidFast(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { buf in
            guard !buf.isEmpty, buf.count <= maxPathBytes else { return false }
            var start = 0
            for i in 0...buf.count where i == buf.count || buf[i] == UInt8(ascii: "/") {
                guard isSegment(buf, start, i) else { return false }
                start = i + 1
            }
            return true
        }
    }

    /// `segmentProblem == nil` for the bytes `lo..<hi`: not empty, at most `maxSegmentBytes`,
    /// starting with [a-z0-9] (which also rules out "." and ".."), only allowed bytes.
    @inline(__always)
    static func isSegment(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        let n = hi - lo
        guard n > 0, n <= maxSegmentBytes, isAlnum(buf[lo]) else { return false }
        for i in lo..<hi where !isAllowed(buf[i]) { return false }
        return true
    }

    static func segmentProblem(_ seg: [UInt8]) -> String? {
        if seg.isEmpty { return "empty path segment" }
        if seg == [0x2E] || seg == [0x2E, 0x2E] { return "'.' or '..' segment (path traversal)" }
        if seg.count > maxSegmentBytes { return "segment longer than \(maxSegmentBytes) bytes" }
        for b in seg where !isAllowed(b) {
            if b >= 0x80 { return "non-ASCII character" }
            return "character '\(Character(Unicode.Scalar(b)))' outside [a-z0-9._/-]"
        }
        guard let first = seg.first, isAlnum(first) else { return "segment must start with [a-z0-9]" }
        return nil
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (0x61...0x7A).contains(b) || (0x30...0x39).contains(b)
    }

    static func isAllowed(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// Derives a segment name from a human name: lower-cases ASCII letters, replaces every run of other
    /// characters with `-`, trims `-`, `.` and `_` at the start. Not injective ("A b" and "a-b" collide):
    /// callers keep keys unique, and the builder rejects duplicates.
    public static func slug(_ name: String, fallback: String = "x") -> String {
        var out: [UInt8] = []
        var pendingDash = false
        for b in name.utf8 {
            let c = (0x41...0x5A).contains(b) ? b + 0x20 : b
            if isAllowed(c) {
                if pendingDash, !out.isEmpty { out.append(UInt8(ascii: "-")) }
                pendingDash = false
                if out.isEmpty, !isAlnum(c) { continue }
                out.append(c)
            } else {
                pendingDash = true
            }
        }
        if out.count > maxSegmentBytes { out = Array(out.prefix(maxSegmentBytes)) }
        let s = String(decoding: out, as: UTF8.self)
        return s.isEmpty ? fallback : s
    }

    /// Byte-order comparison used for every sorted list in a bundle.
    /// memcmp over contiguous UTF-8 (`UTF8Order`): the generic comparison dominated stage one's profile.
    static func precedes(_ a: String, _ b: String) -> Bool {
        UTF8Order.precedes(a, b)
    }
}
