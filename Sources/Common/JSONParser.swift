import Foundation

/// A strict recursive-descent JSON parser over bytes. Errors carry the byte offset.
///
/// One grammar, two uses: `JSONValue.parse` builds the tree; `validate` (the review page's lazy
/// reader, `Review.JSONView`) checks a document with the same rules and builds nothing, so that the
/// two accept and refuse the same documents by construction (RFC 8259, a leading BOM, depth ≤ 512,
/// no duplicate keys, strings of valid UTF-8 without raw control characters). The one difference:
/// building compares duplicate keys as Swift strings (canonically equivalent keys collide in the
/// dictionary), validation compares their unescaped bytes.
/// What `JSONParser` makes: the tree, or nothing (a type parameter, so that the checking-only
/// parser is compiled without the tree code: it must stay as fast as the validator it replaced).
package protocol JSONParseMode {
    static var buildsTree: Bool { get }
}

package enum JSONBuildTree: JSONParseMode {
    package static var buildsTree: Bool { true }
}

package enum JSONValidateOnly: JSONParseMode {
    package static var buildsTree: Bool { false }
}

package struct JSONParser<Mode: JSONParseMode> {
    let b: UnsafeRawBufferPointer
    /// false: check only (every value comes back as `.null`, nothing is allocated for the usual document).
    @inline(__always) var buildsTree: Bool { Mode.buildsTree }
    var i = 0
    var depth = 0
    /// Validation: key ranges of the objects being checked (a stack: nested objects push above
    /// their parent's), for duplicate keys without decoding them.
    var keys: [(start: Int, end: Int, escaped: Bool)] = []
    static var maxDepth: Int { 512 }

    init(_ b: UnsafeRawBufferPointer) {
        self.b = b
    }

    mutating func parseDocument() throws -> JSONValue {
        try document().value
    }

    /// The document's root: where it starts, and its value when building.
    fileprivate mutating func document() throws -> (root: Int, value: JSONValue) {
        // Tolerate a UTF-8 byte order mark.
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        skipWS()
        let root = i
        let v = try parseValue()
        skipWS()
        guard i == b.count else { throw fail("unexpected data after the JSON value") }
        return (root, v)
    }

    func fail(_ m: String) -> JSONError { .invalid("\(m) at byte \(i)") }

    mutating func skipWS() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func parseValue() throws -> JSONValue {
        guard i < b.count else { throw fail("unexpected end of input") }
        switch b[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return try parseString().map(JSONValue.string) ?? .null
        case UInt8(ascii: "t"): try literal("true"); return buildsTree ? .bool(true) : .null
        case UInt8(ascii: "f"): try literal("false"); return buildsTree ? .bool(false) : .null
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ s: StaticString) throws {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("invalid literal") }
        let p = s.utf8Start
        for j in 0..<n where b[i + j] != p[j] { throw fail("invalid literal") }
        i += n
    }

    mutating func parseObject() throws -> JSONValue {
        depth += 1; defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
        i += 1
        var o: [String: JSONValue] = [:]
        let base = keys.count
        var large: Set<[UInt8]>?
        defer { if !buildsTree { keys.removeLast(keys.count - base) } }
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return buildsTree ? .object(o) : .null }
        while true {
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let start = i + 1
            let k = try parseString()
            if !buildsTree {
                // Duplicate keys by bytes: pairwise while the object is small, by set once it is not.
                let key = (start: start, end: i - 1, escaped: scannedEscape)
                if var seen = large {
                    large = nil
                    guard seen.insert(JSONBytes.unescape(b, key.start, key.end)).inserted else { throw fail("duplicate key") }
                    large = seen
                } else {
                    for j in base..<keys.count where same(keys[j], key) { throw fail("duplicate key") }
                    keys.append(key)
                    if keys.count - base > 32 {
                        large = Set(keys[base...].map { JSONBytes.unescape(b, $0.start, $0.end) })
                    }
                }
            }
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipWS()
            let v = try parseValue()
            if let k {
                if o[k] != nil { throw fail("duplicate key \"\(k)\"") }
                o[k] = v
            }
            skipWS()
            guard i < b.count else { throw fail("unterminated object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return buildsTree ? .object(o) : .null }
            throw fail("expected ',' or '}'")
        }
    }

    /// Whether two unescaped-or-not key ranges hold the same key.
    func same(_ x: (start: Int, end: Int, escaped: Bool), _ y: (start: Int, end: Int, escaped: Bool)) -> Bool {
        if !x.escaped && !y.escaped {
            guard x.end - x.start == y.end - y.start else { return false }
            guard let base = b.baseAddress else { return true }
            return memcmp(base + x.start, base + y.start, x.end - x.start) == 0
        }
        return JSONBytes.unescape(b, x.start, x.end) == JSONBytes.unescape(b, y.start, y.end)
    }

    mutating func parseArray() throws -> JSONValue {
        depth += 1; defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nesting too deep") }
        i += 1
        var a: [JSONValue] = []
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return buildsTree ? .array(a) : .null }
        while true {
            skipWS()
            let v = try parseValue()
            if buildsTree { a.append(v) }
            skipWS()
            guard i < b.count else { throw fail("unterminated array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return buildsTree ? .array(a) : .null }
            throw fail("expected ',' or ']'")
        }
    }

    /// Set by `parseString`: whether the string just read had escapes.
    private(set) var scannedEscape = false

    /// Checks the string at `i` and moves past it; the string when building, else nil.
    mutating func parseString() throws -> String? {
        i += 1
        let start = i
        var escaped = false, ascii = true
        while true {
            i = JSONBytes.plainRun(b, i, stopAtHighBytes: true)
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in string") }
            if c >= 0x80 { ascii = false }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            escaped = true
            i += 1
            guard i < b.count else { throw fail("unterminated escape") }
            let e = b[i]; i += 1
            if JSONEscape.simple(e) != nil { continue }
            guard e == UInt8(ascii: "u") else { throw fail("bad escape") }
            let scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                    throw fail("lone surrogate")
                }
                i += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad surrogate pair") }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("lone surrogate")
            }
        }
        let end = i
        i += 1
        scannedEscape = escaped
        // Escapes are ASCII and stand for whole scalars, so the raw bytes are valid UTF-8 exactly
        // when the decoded ones are.
        let raw = UnsafeRawBufferPointer(rebasing: b[start..<end])
        if !ascii, String(validating: raw, as: UTF8.self) == nil { throw fail("invalid UTF-8 in string") }
        guard buildsTree else { return nil }
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: JSONBytes.unescape(b, start, end), as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count else { throw fail("short unicode escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]; i += 1
            guard let d = JSONBytes.hexDigit(c) else { throw fail("bad hex digit") }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = i
        var isInt = true
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { throw fail("bad number") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { while i < b.count, (48...57).contains(b[i]) { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            isInt = false; i += 1
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("bad fraction") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            isInt = false; i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("bad exponent") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        guard buildsTree else { return .null }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        if isInt, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw fail("bad number") }
        return .double(d)
    }
}

extension JSONParser where Mode == JSONValidateOnly {
    /// Index of the root value when `raw` is exactly one valid document (what `JSONValue.parse`
    /// accepts), else nil. Builds nothing.
    package static func validate(_ raw: UnsafeRawBufferPointer) -> Int? {
        var p = JSONParser(raw)
        return try? p.document().root
    }
}

/// Byte helpers of the JSON scanners, shared by `JSONParser` and the review page's lazy reader
/// (`Review.JSONView`).
package enum JSONBytes {

    /// Skips 8 bytes at a time while none is a quote, a backslash or a control character (nor, when
    /// asked, a byte ≥ 0x80): most of a document is such string text.
    @inline(__always)
    package static func plainRun(_ b: UnsafeRawBufferPointer, _ i: Int, stopAtHighBytes: Bool) -> Int {
        guard let base = b.baseAddress else { return i }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var i = i
        while i + 8 <= b.count {
            let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let q = v ^ (ones &* 0x22), bs = v ^ (ones &* 0x5C)
            var hit = ((q &- ones) & ~q) | ((bs &- ones) & ~bs) | ((v &- ones &* 0x20) & ~v)
            if stopAtHighBytes { hit |= v }
            if hit & highs != 0 { break }
            i += 8
        }
        return i
    }

    /// The bytes of a checked string's contents between `start` and `end` (quotes excluded),
    /// escapes resolved.
    package static func unescape(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            let c = b[i]
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            let e = b[i + 1]
            i += 2
            if let byte = JSONEscape.simple(e) { out.append(byte); continue }
            switch e {
            case UInt8(ascii: "u"):
                var scalar = hex4(b, i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hex4(b, i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                if let u = Unicode.Scalar(scalar) { out.append(contentsOf: String(Character(u)).utf8) }
            default: out.append(e)  // a checked string has no other escape
            }
        }
        return out
    }

    /// Four hex digits at `i` of a checked string.
    package static func hex4(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for j in i..<i + 4 { v = v << 4 | UInt32(hexDigit(b[j]) ?? 0) }
        return v
    }

    @inline(__always)
    package static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The one-letter JSON escapes (RFC 8259 §7), shared by every JSON reader in the product.
public enum JSONEscape {
    /// The byte `\e` stands for (`\n` → 0x0A, `\"` → 0x22 …), or nil for `\u` and invalid escapes.
    @inline(__always)
    public static func simple(_ e: UInt8) -> UInt8? {
        switch e {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        default: return nil
        }
    }
}
