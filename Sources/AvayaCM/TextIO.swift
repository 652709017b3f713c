import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private func closeFD(_ fd: Int32) { _ = Glibc.close(fd) }
#else
private func closeFD(_ fd: Int32) { _ = Darwin.close(fd) }
#endif

/// Errors for files we cannot open at all (anything inside a file becomes a diagnostic instead).
public enum AvayaReadError: LocalizedError, Sendable, Equatable {
    case cannotOpen(String, String)
    case notAFile(String)
    case archive(String, String)
    case xml(String, String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let p, let why): "cannot open \(p): \(why)"
        case .notAFile(let p): "\(p) is not a regular file or directory"
        case .archive(let p, let why): "cannot read archive \(p): \(why)"
        case .xml(let p, let why): "cannot read XML \(p): \(why)"
        }
    }
}

/// Streams a file (or an in-memory buffer) as lines of bytes without loading it whole.
/// `\r` is dropped, so CRLF and LF files read the same; line numbers are 1-based.
struct LineStream {
    private var fd: Int32 = -1
    private var buf: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    private(set) var lineNumber = 0
    /// The last line read had no line end (the file stops inside it): `SATCut` uses it.
    private(set) var lastLineUnterminated = false
    private static let chunk = 1 << 20

    /// Size of the input in bytes when known (a regular file or a buffer).
    private(set) var byteSize: Int? = nil

    init(path: String) throws {
        fd = open(path, O_RDONLY)
        if fd < 0 { throw AvayaReadError.cannotOpen(path, String(cString: strerror(errno))) }
        buf = [UInt8](repeating: 0, count: Self.chunk)
        var st = stat()
        if fstat(fd, &st) == 0 { byteSize = Int(st.st_size) }
    }

    init(bytes: [UInt8]) {
        buf = bytes
        end = bytes.count
        eof = true
        byteSize = bytes.count
    }

    mutating func close() {
        if fd >= 0 { closeFD(fd); fd = -1 }
    }

    private mutating func fill() {
        guard !eof, fd >= 0 else { eof = true; return }
        if start > 0 {
            // Compact: move the unread tail to the front.
            let n = end - start
            if n > 0 { buf.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                memmove(base, base + start, n)
            } }
            start = 0; end = n
        }
        if end == buf.count { buf.append(contentsOf: [UInt8](repeating: 0, count: buf.count)) }
        let got = buf.withUnsafeMutableBufferPointer { p -> Int in
            guard let base = p.baseAddress else { return 0 }
            return read(fd, base + end, p.count - end)
        }
        if got <= 0 { eof = true; close() } else { end += got }
    }

    /// First line that was not valid UTF-8 and was decoded as Windows-1252 (nil: none so far).
    private(set) var windows1252Line: Int? = nil

    /// The next line without its terminator, or nil at end of input. A UTF-8 byte-order mark
    /// on line 1 is dropped; a line that is not valid UTF-8 is decoded as Windows-1252 (ASA
    /// reports are written in the PC's code page) and returned as UTF-8.
    mutating func next() -> [UInt8]? {
        guard var line = nextRaw() else { return nil }
        if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        if lastLineHighBytes, String(validating: line, as: UTF8.self) == nil {
            if windows1252Line == nil { windows1252Line = lineNumber }
            line = Windows1252.utf8(line)
        }
        return line
    }

    /// The last line returned by `nextRaw` has a byte >= 0x80 (found while copying it).
    private var lastLineHighBytes = false
    /// The last line returned has a control byte (< 0x20 other than the dropped `\r`, or DEL):
    /// `TerminalText.isPlain` of it is false. Found while copying the line.
    private(set) var lastLineHasControl = false

    /// The next line without its terminator and `\r`s. The line end is found with `memchr` and
    /// the line copied once (with `\r` dropped and high bytes noted in the same pass): this runs
    /// for every line of a capture.
    private mutating func nextRaw() -> [UInt8]? {
        while true {
            let found: Int? = buf.withUnsafeBufferPointer { p -> Int? in
                guard let base = p.baseAddress, end > start,
                      let hit = memchr(base + start, 0x0A, end - start) else { return nil }
                return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            }
            if let nl = found {
                let line = copyLine(start, nl)
                start = nl + 1
                lineNumber += 1
                return line
            }
            if eof {
                guard start < end else { return nil }
                lastLineUnterminated = true
                let line = copyLine(start, end)
                start = end
                lineNumber += 1
                return line
            }
            fill()
        }
    }

    /// Bytes `a..<b` of the buffer without `\r`; sets `lastLineHighBytes` and
    /// `lastLineHasControl`. The line is copied with `memcpy` and checked in one tight loop;
    /// only a line with a byte outside 0x20...0x7E (rare) is looked at byte by byte.
    private mutating func copyLine(_ a: Int, _ b: Int) -> [UInt8] {
        let n = b - a
        guard n > 0 else { lastLineHighBytes = false; lastLineHasControl = false; return [] }
        var special = false
        var line = buf.withUnsafeBufferPointer { p -> [UInt8] in
            [UInt8](unsafeUninitializedCapacity: n) { out, count in
                if let d = out.baseAddress, let src = p.baseAddress { memcpy(d, src + a, n) }
                count = n
            }
        }
        line.withUnsafeBufferPointer { p in
            for c in p where c < 0x20 || c >= 0x7F { special = true; break }
        }
        guard special else { lastLineHighBytes = false; lastLineHasControl = false; return line }
        var high = false, control = false, cr = false
        for c in line {
            if c >= 0x80 { high = true } else if c == 0x0D { cr = true } else if c < 0x20 || c == 0x7F { control = true }
        }
        if cr { line.removeAll { $0 == 0x0D } }
        lastLineHighBytes = high
        lastLineHasControl = control
        return line
    }
}

/// Terminal noise removal: VT100/VT220 escape sequences, form feeds, backspaces, tabs. A cursor
/// move to another row (`ESC[r;cH`) starts a new line, and a move along the same row pads with
/// blanks, so pbxd-style screen streams come out as a readable 80-column grid.
enum TerminalText {
    /// True when a line has no control bytes, so `clean` would return it unchanged.
    static func isPlain(_ line: [UInt8]) -> Bool {
        for b in line where b < 0x20 || b == 0x7F { return false }
        return true
    }

    /// Returns one or more logical lines for one physical line.
    static func clean(_ line: [UInt8]) -> [[UInt8]] {
        var needs = false
        for b in line where b < 0x20 || b == 0x7F { needs = true; break }
        if !needs { return [line] }
        var out: [[UInt8]] = []
        var cur: [UInt8] = []
        cur.reserveCapacity(line.count)
        var row: Int? = nil
        var i = 0
        let n = line.count
        while i < n {
            let b = line[i]
            if b == 0x1B {  // ESC
                guard i + 1 < n else { i += 1; continue }
                let c = line[i + 1]
                if c == UInt8(ascii: "[") {
                    var j = i + 2
                    var params: [Int] = []
                    var num = -1
                    while j < n, line[j] >= 0x30, line[j] <= 0x3F {
                        if line[j] >= 0x30 && line[j] <= 0x39 {
                            num = (num < 0 ? 0 : num) &* 10 &+ Int(line[j] - 0x30)
                            if num > 10_000 { num = 10_000 }
                        } else if line[j] == UInt8(ascii: ";") { params.append(max(num, 1)); num = -1 }
                        j += 1
                    }
                    params.append(max(num, 1))
                    while j < n, line[j] >= 0x20, line[j] <= 0x2F { j += 1 }
                    let final: UInt8 = j < n ? line[j] : 0
                    if final == UInt8(ascii: "H") || final == UInt8(ascii: "f") {
                        let r = params[0], col = params.count > 1 ? params[1] : 1
                        // Text before the first move sits on an unknown row: typed at the row-24
                        // prompt, so a move to a row below the header starts a new line.
                        if let row, r != row, !cur.isEmpty { out.append(cur); cur = [] }
                        else if row == nil, r > 1, !cur.isEmpty { out.append(cur); cur = [] }
                        row = r
                        let target = min(col - 1, 400)
                        if cur.count < target {
                            cur.append(contentsOf: repeatElement(0x20, count: target - cur.count))
                        } else if !cur.isEmpty {
                            cur.append(contentsOf: [0x20, 0x20])
                        }
                    } else if final == UInt8(ascii: "J") {
                        if !cur.isEmpty { out.append(cur); cur = [] }
                    }
                    i = min(j + 1, n)
                } else if c == UInt8(ascii: "O") {
                    i += 3  // SS3 function key
                } else if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") {
                    i += 3  // charset designation
                } else {
                    i += 2
                }
                continue
            }
            switch b {
            case 0x09:
                let pad = 8 - (cur.count % 8)
                cur.append(contentsOf: repeatElement(0x20, count: pad))
            case 0x08:
                if !cur.isEmpty { cur.removeLast() }
            case 0x0C:
                if !cur.isEmpty { out.append(cur); cur = [] }
            case 0x00..<0x20, 0x7F:
                break
            default:
                cur.append(b)
            }
            i += 1
        }
        if !cur.isEmpty || out.isEmpty { out.append(cur) }
        return out
    }

    /// True when a sample of bytes does not look like text (NULs or many control bytes or
    /// invalid UTF-8).
    static func looksBinary(_ sample: ArraySlice<UInt8>) -> Bool {
        if sample.isEmpty { return false }
        var ctrl = 0
        for b in sample {
            if b == 0 { return true }
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x1B && b != 0x08 { ctrl += 1 }
        }
        // Invalid UTF-8 alone is not binary: such text is read as Windows-1252 (LineStream).
        return ctrl * 20 > sample.count
    }
}

/// Windows-1252 → UTF-8 (WHATWG table: 0x80–0x9F are the typographic characters, the five
/// unassigned bytes map to the C1 controls of the same value; 0xA0–0xFF are Latin-1).
enum Windows1252 {
    static let high: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        var s = String.UnicodeScalarView()
        for b in bytes {
            let v: UInt32 = (0x80...0x9F).contains(b) ? high[Int(b) - 0x80] : UInt32(b)
            if let u = Unicode.Scalar(v) { s.append(u) }
        }
        return Array(String(s).utf8)
    }
}

/// Small byte-level helpers used by the readers' hot loops.
enum Bytes {
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
    }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b + 32 : b }

    /// Text of a byte range with runs of blanks collapsed to one space and ends trimmed.
    static func collapsed(_ s: ArraySlice<UInt8>) -> String { normalized(s, lower: false) }

    static func collapsed(_ s: [UInt8]) -> String { collapsed(s[...]) }

    /// Lower-cased, blank-collapsed key for dictionary lookups.
    static func key(_ s: ArraySlice<UInt8>) -> String { normalized(s, lower: true) }

    /// `collapsed`/`key`: normalised into a temporary stack buffer, then one `String` of the
    /// exact length (no intermediate array on the heap; the strings end up in the model, so they
    /// must not keep the padding's capacity). Invalid UTF-8 is repaired as before
    /// (`String(decoding:as:)`).
    @inline(__always)
    private static func normalized(_ s: ArraySlice<UInt8>, lower: Bool) -> String {
        if s.isEmpty { return "" }
        return s.withUnsafeBufferPointer { src -> String in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: src.count) { out -> String in
                var k = 0
                var pendingSpace = false
                for b in src {
                    if isSpace(b) { pendingSpace = k > 0; continue }
                    if pendingSpace { out[k] = 0x20; k += 1; pendingSpace = false }
                    out[k] = lower ? Bytes.lower(b) : b
                    k += 1
                }
                return String(decoding: UnsafeBufferPointer(rebasing: out[..<k]), as: UTF8.self)
            }
        }
    }

    /// `key(s).hasPrefix(p)` without building the key: `s` with leading blanks skipped, runs
    /// of blanks read as one space, ASCII lower-cased, compared with `p` (lower-case, single
    /// blanks). Runs on every line of a capture, so it allocates nothing.
    static func keyHasPrefix(_ s: ArraySlice<UInt8>, _ p: [UInt8]) -> Bool {
        var i = s.startIndex
        let e = s.endIndex
        while i < e, isSpace(s[i]) { i += 1 }
        var k = 0
        let n = p.count
        while k < n {
            guard i < e else { return false }
            let b = s[i]
            if isSpace(b) {
                var j = i
                while j < e, isSpace(s[j]) { j += 1 }
                // Trailing blanks are not part of the key.
                if j == e || p[k] != 0x20 { return false }
                k += 1; i = j; continue
            }
            if lower(b) != p[k] { return false }
            k += 1; i += 1
        }
        return true
    }

    /// `key(s).hasSuffix(w)` for a word without blanks, without building the key.
    static func keyHasSuffix(_ s: [UInt8], _ w: [UInt8]) -> Bool {
        var e = s.count
        while e > 0, isSpace(s[e - 1]) { e -= 1 }
        guard e >= w.count else { return false }
        var k = w.count - 1, i = e - 1
        while k >= 0 { if lower(s[i]) != w[k] { return false }; k -= 1; i -= 1 }
        return true
    }

    /// The first word of `s` (from its first non-blank byte to the next blank), or nil.
    static func firstWord(_ s: [UInt8]) -> Range<Int>? { nextWord(s, from: 0) }

    /// The next word of `s` at or after `from`, or nil.
    static func nextWord(_ s: [UInt8], from: Int) -> Range<Int>? {
        var i = from
        let n = s.count
        while i < n, isSpace(s[i]) { i += 1 }
        guard i < n else { return nil }
        var j = i
        while j < n, !isSpace(s[j]) { j += 1 }
        return i..<j
    }

    /// ASCII case-insensitive equality of a byte range with a lower-case word.
    static func equalsLower(_ s: [UInt8], _ r: Range<Int>, _ w: [UInt8]) -> Bool {
        guard r.count == w.count else { return false }
        var k = 0
        for i in r { if lower(s[i]) != w[k] { return false }; k += 1 }
        return true
    }

    /// Splits on blanks; returns (start, end) byte ranges of each token.
    static func tokens(_ s: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = s.count
        while i < n {
            while i < n, isSpace(s[i]) { i += 1 }
            let st = i
            while i < n, !isSpace(s[i]) { i += 1 }
            if i > st { out.append(st..<i) }
        }
        return out
    }

    /// Splits on runs of two or more blanks (the SAT column separator).
    static func segments(_ s: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = s.count
        while i < n, isSpace(s[i]) { i += 1 }
        var st = i
        while i < n {
            if isSpace(s[i]) {
                var j = i
                while j < n, isSpace(s[j]) { j += 1 }
                if j - i >= 2 || j == n { if i > st { out.append(st..<i) }; st = j }
                i = j
            } else { i += 1 }
        }
        if st < n { out.append(st..<n) }
        return out
    }

    static func string(_ s: [UInt8], _ r: Range<Int>) -> String { String(decoding: s[r], as: UTF8.self) }

    /// `s` contains the ASCII bytes `needle` (a byte search: Foundation's `String.contains`
    /// is slow on Linux, and for an ASCII needle in the readers' text the result is the same).
    static func contains(_ s: String, _ needle: [UInt8]) -> Bool {
        guard let f = needle.first else { return true }
        let u = Array(s.utf8)
        let n = needle.count
        guard u.count >= n else { return false }
        var i = 0
        while i + n <= u.count {
            if u[i] == f {
                var k = 1
                while k < n, u[i + k] == needle[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }

    /// Fewer than `limit` bytes equal to `b` in `s` (counting stops at the limit; no array).
    static func count(_ b: UInt8, in s: ArraySlice<UInt8>, below limit: Int) -> Bool {
        var n = 0
        for c in s where c == b { n += 1; if n >= limit { return false } }
        return true
    }
}

// Byte-level string helpers: Foundation's trimming and searching dominated profiles of 100k-record
// reads, so the hot paths work on UTF-8 directly.
extension String {
    /// Removes the punctuation CM allows inside extensions (`.` and `-`), per the SMGR pattern.
    var normalizedExtension: String {
        guard utf8.contains(where: { $0 == 0x2D || $0 == 0x2E }) else { return self }
        return String(decoding: utf8.filter { $0 != 0x2D && $0 != 0x2E }, as: UTF8.self)
    }

    /// Trims blanks (space, tab).
    var trimmedBlanks: String { Bytes.trim(self, newlines: false) }
    /// Trims blanks and line breaks (XML text nodes).
    var trimmedWhitespace: String { Bytes.trim(self, newlines: true) }
}

extension Bytes {
    static func trim(_ s: String, newlines: Bool) -> String {
        @inline(__always) func ws(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || (newlines && (b == 0x0A || b == 0x0D)) }
        let u = s.utf8
        guard let f = u.first, let l = u.last else { return s }
        if !ws(f) && !ws(l) { return s }
        let a = Array(u)
        var i = 0, j = a.count
        while i < j, ws(a[i]) { i += 1 }
        while j > i, ws(a[j - 1]) { j -= 1 }
        return String(decoding: a[i..<j], as: UTF8.self)
    }
}

/// Known form labels (lower-case, blank-collapsed, as `Bytes.key` makes them) looked up by the
/// bytes of a capture line: the key is hashed while it is normalised, so a lookup builds no
/// String and hashes no String (a `[String: String]` lookup per label candidate was a large
/// share of reading a big capture). `value` is the canonical field name; a name starting with
/// `x.` marks a label that is known (so collapsed captures split correctly) but not typed.
struct LabelTable: ExpressibleByDictionaryLiteral, Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var hash: UInt64
        var value: String
        /// `value` does not start with `x.`: a typed field.
        var typed: Bool
    }
    private(set) var entries: [Entry] = []
    /// Open addressing: index + 1 into `entries`, 0 = empty.
    private var slots: [Int32]
    private var mask: Int
    private var maxLength = 0

    init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    init(_ pairs: [(String, String)]) {
        var size = 8
        while size < pairs.count * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for (k, v) in pairs {
            let b = Array(k.utf8)
            if let i = index(b[...], normalise: false) { entries[i].value = v; entries[i].typed = !v.hasPrefix("x."); continue }
            let h = LabelTable.hash(b)
            entries.append(Entry(bytes: b, hash: h, value: v, typed: !v.hasPrefix("x.")))
            var j = Int(truncatingIfNeeded: h) & mask
            while slots[j] != 0 { j = (j + 1) & mask }
            slots[j] = Int32(entries.count)
            maxLength = max(maxLength, b.count)
        }
    }

    private static func hash(_ b: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h
    }

    /// The value for the key of `s` (`Bytes.key(s)`), or nil.
    func value(_ s: ArraySlice<UInt8>) -> String? { index(s).map { entries[$0].value } }

    /// Index in `entries` of the key of `s` (`Bytes.key(s)`), or nil. Allocates nothing.
    func index(_ s: ArraySlice<UInt8>) -> Int? { index(s, normalise: true) }

    private func index(_ s: ArraySlice<UInt8>, normalise: Bool) -> Int? {
        if entries.isEmpty { return nil }
        // FNV-1a over the normalised bytes (leading/trailing blanks dropped, runs of blanks one
        // space, ASCII lower-cased), as they are produced.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var len = 0
        var pendingSpace = false
        for b in s {
            if normalise, Bytes.isSpace(b) { pendingSpace = len > 0; continue }
            if pendingSpace { h = (h ^ 0x20) &* 0x100_0000_01b3; len += 1; pendingSpace = false }
            h = (h ^ UInt64(normalise ? Bytes.lower(b) : b)) &* 0x100_0000_01b3
            len += 1
            if len > maxLength { return nil }
        }
        var j = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[j])
            if e == 0 { return nil }
            let cand = entries[e - 1]
            if cand.hash == h, cand.bytes.count == len, LabelTable.equal(s, cand.bytes, normalise: normalise) { return e - 1 }
            j = (j + 1) & mask
        }
    }

    private static func equal(_ s: ArraySlice<UInt8>, _ key: [UInt8], normalise: Bool) -> Bool {
        var k = 0
        var pendingSpace = false
        for b in s {
            if normalise, Bytes.isSpace(b) { pendingSpace = k > 0; continue }
            if pendingSpace {
                guard k < key.count, key[k] == 0x20 else { return false }
                k += 1; pendingSpace = false
            }
            guard k < key.count, key[k] == (normalise ? Bytes.lower(b) : b) else { return false }
            k += 1
        }
        return k == key.count
    }
}
