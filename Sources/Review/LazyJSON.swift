import Foundation
import Common

/// Read-only access to JSON bytes without building a tree: the page reads a few fields of each of
/// hundreds of thousands of members, and a `JSONValue` tree per member (dictionaries, arrays,
/// strings) cost most of the rendering time and memory at 100,000 stations (#16).
///
/// A document is first checked to be exactly what `JSONValue.parse` accepts (same grammar, nesting
/// limit, duplicate keys, UTF-8, BOM), so a member that the old code skipped as malformed is still
/// skipped; then values are found by scanning bytes. The accessors mirror `JSONValue`'s
/// (`subscript`, `stringValue`, `intValue`, `doubleValue`, `arrayValue`) and give the same answers.
/// A `JSONView` points into memory that lives only inside `JSONView.with`: never let one escape.
struct JSONView {
    let b: UnsafeRawBufferPointer
    /// Index of the value's first byte.
    let at: Int

    /// Calls `body` with the document's root when `data` is valid JSON, else returns nil.
    static func with<R>(_ data: Data, _ body: (JSONView) -> R) -> R? {
        data.withUnsafeBytes { raw in with(raw, body) }
    }

    static func with<R>(_ raw: UnsafeRawBufferPointer, _ body: (JSONView) -> R) -> R? {
        var v = JSONValidator(b: raw)
        guard let root = v.document() else { return nil }
        return body(JSONView(b: raw, at: root))
    }

    // MARK: accessors (same results as JSONValue's)

    subscript(key: String) -> JSONView? {
        guard b[at] == UInt8(ascii: "{") else { return nil }
        var key = key
        return key.withUTF8 { k -> JSONView? in
            var found: JSONView?
            forEachMember { name, value in
                if keyEquals(name, k) { found = value; return false }
                return true
            }
            return found
        }
    }

    var stringValue: String? {
        guard b[at] == UInt8(ascii: "\"") else { return nil }
        let end = Self.stringEnd(b, at)
        return Self.decodeString(b, at + 1, end - 1)
    }

    var isNull: Bool { b[at] == UInt8(ascii: "n") }

    var intValue: Int64? {
        switch number {
        case .int(let i)?: return i
        case .double(let d)? where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }

    var doubleValue: Double? {
        switch number {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    var arrayValue: [JSONView]? {
        guard b[at] == UInt8(ascii: "[") else { return nil }
        var out: [JSONView] = []
        forEachElement { out.append($0); return true }
        return out
    }

    /// The number of elements when this is an array.
    var arrayCount: Int? {
        guard b[at] == UInt8(ascii: "[") else { return nil }
        var n = 0
        forEachElement { _ in n += 1; return true }
        return n
    }

    /// The first element when this is a non-empty array.
    var firstElement: JSONView? {
        guard b[at] == UInt8(ascii: "[") else { return nil }
        var first: JSONView?
        forEachElement { first = $0; return false }
        return first
    }

    enum Number { case int(Int64), double(Double) }

    /// As `JSONParser.parseNumber`: an integer when it has no fraction or exponent and fits Int64.
    var number: Number? {
        let c = b[at]
        guard c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else { return nil }
        var i = at, isInt = true
        while i < b.count {
            let d = b[i]
            if d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E") { isInt = false }
            else if !(d == UInt8(ascii: "-") || d == UInt8(ascii: "+") || (d >= 0x30 && d <= 0x39)) { break }
            i += 1
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<i]), as: UTF8.self)
        if isInt, let v = Int64(text) { return .int(v) }
        return Double(text).map { .double($0) }
    }

    /// The values of several keys of an object in one pass (nil where absent or not an object):
    /// a JSON Lines record is read once, not once per field.
    func fields(_ keys: JSONKeys) -> [JSONView?] {
        var out = [JSONView?](repeating: nil, count: keys.bounds.count)
        var left = keys.bounds.count
        keys.flat.withUnsafeBytes { flat in
            keys.bounds.withUnsafeBufferPointer { bounds in
                forEachMember { name, value in
                    var matched = false
                    for j in 0..<bounds.count where out[j] == nil {
                        let k = bounds[j]
                        if k.count == name.count, memcmp(b.baseAddress! + name.lowerBound, flat.baseAddress! + k.lowerBound, k.count) == 0 {
                            out[j] = value
                            matched = true
                            break
                        }
                    }
                    // An escaped key can still name one of them.
                    if !matched, name.contains(where: { b[$0] == UInt8(ascii: "\\") }) {
                        for j in 0..<bounds.count where out[j] == nil
                            && keyEquals(name, UnsafeRawBufferPointer(rebasing: flat[bounds[j]]).bindMemory(to: UInt8.self)) {
                            out[j] = value
                            matched = true
                            break
                        }
                    }
                    if matched { left -= 1 }
                    return left > 0
                }
            }
        }
        return out
    }

    /// Members in document order; `body` returns false to stop.
    func forEachMember(_ body: (_ key: Range<Int>, _ value: JSONView) -> Bool) {
        guard b[at] == UInt8(ascii: "{") else { return }
        var i = Self.skipWS(b, at + 1)
        if b[i] == UInt8(ascii: "}") { return }
        while true {
            let keyStart = i
            let keyEnd = Self.stringEnd(b, i)
            i = Self.skipWS(b, keyEnd) + 1  // ':'
            i = Self.skipWS(b, i)
            if !body(keyStart + 1..<keyEnd - 1, JSONView(b: b, at: i)) { return }
            i = Self.skipWS(b, Self.valueEnd(b, i))
            if b[i] != UInt8(ascii: ",") { return }
            i = Self.skipWS(b, i + 1)
        }
    }

    /// Elements in order; `body` returns false to stop.
    func forEachElement(_ body: (JSONView) -> Bool) {
        guard b[at] == UInt8(ascii: "[") else { return }
        var i = Self.skipWS(b, at + 1)
        if b[i] == UInt8(ascii: "]") { return }
        while true {
            if !body(JSONView(b: b, at: i)) { return }
            i = Self.skipWS(b, Self.valueEnd(b, i))
            if b[i] != UInt8(ascii: ",") { return }
            i = Self.skipWS(b, i + 1)
        }
    }

    /// Whether the raw key bytes (between the quotes) decode to `k`.
    func keyEquals<K: RandomAccessCollection>(_ raw: Range<Int>, _ k: K) -> Bool where K.Element == UInt8, K.Index == Int {
        if raw.count == k.count {
            var same = true
            for (j, i) in raw.enumerated() where b[i] != k[j] { same = false; break }
            if same { return true }
        }
        // Only an escaped key can differ in raw bytes and still be equal.
        guard raw.contains(where: { b[$0] == UInt8(ascii: "\\") }) else { return false }
        return Self.unescape(b, raw.lowerBound, raw.upperBound).elementsEqual(k)
    }

    // MARK: scanning a validated document

    static func skipWS(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        var i = i
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i += 1
        }
        return i
    }

    /// Index after the closing quote of the string starting at `i`.
    static func stringEnd(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        var i = plainRun(b, i + 1, stopAtHighBytes: false)
        while true {
            let c = b[i]
            if c == UInt8(ascii: "\\") { i += 2 } else if c == UInt8(ascii: "\"") { return i + 1 } else { i += 1 }
        }
    }

    /// Skips 8 bytes at a time while none is a quote, a backslash or a control character (nor, when
    /// asked, a byte ≥ 0x80): most of a document is such string text.
    @inline(__always)
    static func plainRun(_ b: UnsafeRawBufferPointer, _ i: Int, stopAtHighBytes: Bool) -> Int {
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

    /// Index after the value starting at `i`.
    static func valueEnd(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        switch b[i] {
        case UInt8(ascii: "\""): return stringEnd(b, i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0, i = i
            while true {
                let c = b[i]
                if c == UInt8(ascii: "\"") { i = stringEnd(b, i); continue }
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
                else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { return i + 1 }
                }
                i += 1
            }
        default:
            var i = i
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                i += 1
            }
            return i
        }
    }

    /// The string between `start` and `end` (its quotes excluded), escapes resolved.
    static func decodeString(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        var plain = true
        for i in start..<end where b[i] == UInt8(ascii: "\\") { plain = false; break }
        if plain { return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self) }
        return String(decoding: unescape(b, start, end), as: UTF8.self)
    }

    static func unescape(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> [UInt8] {
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
            default: out.append(e)  // the validator admits no other escape
            }
        }
        return out
    }

    /// Four hex digits at `i`, nil-free: the validator has checked them.
    static func hex4(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for j in i..<i + 4 { v = v << 4 | UInt32(hexDigit(b[j]) ?? 0) }
        return v
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Keys looked up together with `JSONView.fields` (their UTF-8 laid out once, back to back).
struct JSONKeys {
    let flat: [UInt8]
    let bounds: [Range<Int>]
    init(_ keys: String...) {
        var flat: [UInt8] = [], bounds: [Range<Int>] = []
        for k in keys {
            bounds.append(flat.count..<flat.count + k.utf8.count)
            flat += k.utf8
        }
        self.flat = flat
        self.bounds = bounds
    }
}

/// Accepts exactly what `Common.JSONParser` accepts (RFC 8259, a leading BOM, depth ≤ 512, no
/// duplicate keys, strings of valid UTF-8 without raw control characters), allocating nothing for
/// the usual document.
struct JSONValidator {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0
    /// Key ranges of the objects being checked (a stack: nested objects push above their parent's).
    var keys: [(start: Int, end: Int, escaped: Bool)] = []

    init(b: UnsafeRawBufferPointer) { self.b = b }

    /// Index of the root value when the whole buffer is one valid document.
    mutating func document() -> Int? {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        skipWS()
        let root = i
        guard value() else { return nil }
        skipWS()
        return i == b.count ? root : nil
    }

    mutating func skipWS() { i = JSONView.skipWS(b, i) }

    mutating func value() -> Bool {
        guard i < b.count else { return false }
        switch b[i] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    mutating func literal(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let p = s.utf8Start
        for j in 0..<n where b[i + j] != p[j] { return false }
        i += n
        return true
    }

    mutating func object() -> Bool {
        depth += 1; defer { depth -= 1 }
        guard depth <= 512 else { return false }
        i += 1
        let base = keys.count
        var large: Set<[UInt8]>?
        defer { keys.removeLast(keys.count - base) }
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return true }
        while true {
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
            let start = i + 1
            guard let escaped = string() else { return false }
            let key = (start: start, end: i - 1, escaped: escaped)
            // Duplicate keys: pairwise while the object is small, by set once it is not.
            if var seen = large {
                large = nil
                guard seen.insert(JSONView.unescape(b, key.start, key.end)).inserted else { return false }
                large = seen
            } else {
                for j in base..<keys.count where same(keys[j], key) { return false }
                keys.append(key)
                if keys.count - base > 32 {
                    large = Set(keys[base...].map { JSONView.unescape(b, $0.start, $0.end) })
                }
            }
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
            i += 1
            skipWS()
            guard value() else { return false }
            skipWS()
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return true }
            return false
        }
    }

    func same(_ x: (start: Int, end: Int, escaped: Bool), _ y: (start: Int, end: Int, escaped: Bool)) -> Bool {
        if !x.escaped && !y.escaped {
            guard x.end - x.start == y.end - y.start else { return false }
            return memcmp(b.baseAddress! + x.start, b.baseAddress! + y.start, x.end - x.start) == 0
        }
        return JSONView.unescape(b, x.start, x.end) == JSONView.unescape(b, y.start, y.end)
    }

    mutating func array() -> Bool {
        depth += 1; defer { depth -= 1 }
        guard depth <= 512 else { return false }
        i += 1
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return true }
        while true {
            skipWS()
            guard value() else { return false }
            skipWS()
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return true }
            return false
        }
    }

    /// Checks the string at `i` and moves past it; returns whether it has escapes, nil if invalid.
    mutating func string() -> Bool? {
        i += 1
        let start = i
        var escaped = false, ascii = true
        while true {
            i = JSONView.plainRun(b, i, stopAtHighBytes: true)
            guard i < b.count else { return nil }
            let c = b[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { return nil }
            if c >= 0x80 { ascii = false }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            escaped = true
            i += 1
            guard i < b.count else { return nil }
            let e = b[i]; i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                guard let scalar = hex4() else { return nil }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { return nil }
                    i += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    return nil
                }
            default: return nil
            }
        }
        // Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when the decoded ones are.
        if !ascii, String(validating: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self) == nil { return nil }
        i += 1
        return escaped
    }

    mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = JSONView.hexDigit(b[i]) else { return nil }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    mutating func number() -> Bool {
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, isDigit(b[i]) else { return false }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { while i < b.count, isDigit(b[i]) { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, isDigit(b[i]) else { return false }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, isDigit(b[i]) else { return false }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        return true
    }

    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}

/// The non-empty lines of a JSON Lines member, as byte ranges (no copy per line).
func forEachLine(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
    var start = 0
    let n = raw.count
    while start < n {
        var end = start
        if let base = raw.baseAddress, let hit = memchr(base + start, 0x0A, n - start) {
            end = base.distance(to: UnsafeRawPointer(hit))
        } else {
            end = n
        }
        if end > start { body(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
        start = end + 1
    }
}
