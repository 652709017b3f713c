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
        // The product's JSON grammar in its tree-free mode: exactly what `JSONValue.parse` accepts.
        guard let root = JSONParser<JSONValidateOnly>.validate(raw) else { return nil }
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

    @inline(__always)
    static func plainRun(_ b: UnsafeRawBufferPointer, _ i: Int, stopAtHighBytes: Bool) -> Int {
        JSONBytes.plainRun(b, i, stopAtHighBytes: stopAtHighBytes)
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
        JSONBytes.unescape(b, start, end)
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
