import Foundation

/// Canonical JSON, as bundle-spec.md defines it (close to RFC 8785 for the values we write):
/// UTF-8; no whitespace outside strings; object keys sorted by their UTF-8 bytes; strings escaped
/// only where JSON requires it (`"`, `\`, control characters); integers in plain decimal; other
/// numbers in the shortest form that round-trips. `pretty` adds two-space indentation and newlines
/// for files meant for people, with the same ordering.
extension JSONValue {
    public func canonicalText(pretty: Bool = false) -> String {
        var w = CanonicalWriter(pretty: pretty)
        w.write(self)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public func canonicalData(pretty: Bool = false) -> Data {
        var w = CanonicalWriter(pretty: pretty)
        w.write(self)
        if pretty { w.bytes.append(0x0A) }
        return Data(w.bytes)
    }

    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }  // JSON has no NaN/Infinity; validators reject earlier
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"  // Swift prints the shortest round-tripping representation
    }

    static func escape(_ s: String, into out: inout String) {
        var w = CanonicalWriter(pretty: false)
        w.string(s)
        out += String(decoding: w.bytes, as: UTF8.self)
    }
}

/// Byte order of UTF-8, the order of every sorted key and path in a bundle. memcmp over
/// contiguous storage (native strings); the generic element-wise comparison was a top cost.
public enum UTF8Order {
    @inline(__always)
    public static func precedes(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    /// Three-way: negative, zero or positive as `a` sorts before, equal to or after `b` by bytes.
    /// One memcmp answers both "equal?" and "before?" (sorting object keys asked both, and the
    /// String `==` it used is Unicode-aware, slower and not the byte order).
    @inline(__always)
    public static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Int in
                let n = min(pa.count, pb.count)
                if n > 0, let x = pa.baseAddress, let y = pb.baseAddress {
                    let c = memcmp(x, y, n)
                    if c != 0 { return Int(c) }
                }
                return pa.count - pb.count
            }
        }
        if let r = fast ?? nil { return r }
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}

/// A value that writes its own canonical JSON: the same bytes as its `Encodable` form through
/// `CanonicalJSON.data`, without an encoder tree (the diff log, exceptions and plan steps are
/// hundreds of thousands of records at 100,000 stations; the tree was most of their cost).
/// Implementations list their members in byte order of the keys; tests compare them with the
/// tree encoding (`CanonicalJSON.treeData`).
package protocol CanonicalJSONWritable {
    func writeCanonical(to w: inout CanonicalWriter)
}

/// Writes canonical JSON straight to UTF-8 bytes (no intermediate String per value).
package struct CanonicalWriter {
    package var bytes: [UInt8] = []
    package let pretty: Bool
    package var indent = 0

    package init(pretty: Bool) {
        self.pretty = pretty
        bytes.reserveCapacity(256)
    }

    package mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func newline(_ level: Int) {
        bytes.append(0x0A)
        for _ in 0..<(level * 2) { bytes.append(0x20) }
    }

    // Hand-written objects (`CanonicalJSONWritable`): `beginObject`, then `key` before each member
    // in key byte order, then `endObject`. Same layout as the tree writer, compact or pretty.
    package mutating func beginObject() {
        bytes.append(0x7B)
        indent += 1
    }

    /// Comma (after the first member), indentation when pretty, the key and the colon.
    package mutating func key(_ k: StaticString, first: inout Bool) {
        if !first { bytes.append(0x2C) }
        first = false
        if pretty { newline(indent) }
        bytes.append(0x22)
        raw(k)  // keys are fixed ASCII names that need no escaping
        pretty ? raw("\": ") : raw("\":")
    }

    package mutating func endObject() {
        indent -= 1
        if pretty { newline(indent) }
        bytes.append(0x7D)
    }

    package mutating func int<I: BinaryInteger>(_ i: I) {
        if i >= 0, i < 10 {
            bytes.append(0x30 + UInt8(i))
        } else {
            bytes.append(contentsOf: String(i).utf8)
        }
    }

    /// An array of strings, laid out like the tree writer's arrays.
    package mutating func strings(_ a: [String]) { elements(a) { $0.string($1) } }

    /// An array of hand-written values.
    package mutating func array<T: CanonicalJSONWritable>(_ a: [T]) { elements(a) { w, e in e.writeCanonical(to: &w) } }

    /// `[…]` with one element per line when pretty: the one array layout of every writer here.
    @inline(__always)
    mutating func elements<T>(_ a: [T], _ write: (inout CanonicalWriter, T) -> Void) {
        if a.isEmpty { raw("[]"); return }
        bytes.append(0x5B)
        indent += 1
        for (n, e) in a.enumerated() {
            if n > 0 { bytes.append(0x2C) }
            if pretty { newline(indent) }
            write(&self, e)
        }
        indent -= 1
        if pretty { newline(indent) }
        bytes.append(0x5D)
    }

    package mutating func write(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): int(i)
        case .double(let d): bytes.append(contentsOf: JSONValue.format(d).utf8)
        case .string(let s): string(s)
        case .array(let a):
            elements(a) { $0.write($1) }
        case .object(let o):
            if o.isEmpty { raw("{}"); return }
            bytes.append(0x7B)
            indent += 1
            var n = 0
            for (k, e) in o.sorted(by: { UTF8Order.precedes($0.key, $1.key) }) {
                if n > 0 { bytes.append(0x2C) }
                n += 1
                if pretty { newline(indent) }
                string(k)
                pretty ? raw(": ") : raw(":")
                write(e)
            }
            indent -= 1
            if pretty { newline(indent) }
            bytes.append(0x7D)
        }
    }

    /// Escapes only what JSON requires (`"`, `\`, control characters); everything else, multi-byte
    /// UTF-8 included, is copied as is.
    package mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { buf in
            var start = 0
            for (i, b) in buf.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                if i > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i])) }
                start = i + 1
                switch b {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    raw("\\u00")
                    // b < 0x20: the high digit is 0 or 1; no table to allocate per call.
                    bytes.append(0x30 + (b >> 4))
                    let lo = b & 0xF
                    bytes.append(lo < 10 ? 0x30 + lo : 0x57 + lo)
                }
            }
            if start < buf.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...])) }
        }
        bytes.append(0x22)
    }
}

/// Encodes any Encodable as canonical JSON bytes.
public enum CanonicalJSON {
    public static func data<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        if let v = value as? any CanonicalJSONWritable {
            var w = CanonicalWriter(pretty: pretty)
            v.writeCanonical(to: &w)
            if pretty { w.bytes.append(0x0A) }
            return Data(w.bytes)
        }
        return try treeData(value, pretty: pretty)
    }

    /// Through the encoder tree, even for a `CanonicalJSONWritable` value: the reference that the
    /// hand-written writers are tested against.
    package static func treeData<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let node: DirectJSONEncoder.Node
        do {
            node = try DirectJSONEncoder.box(value, codingPath: [])
        } catch is DirectJSONEncoder.Unsupported {
            return try JSONValue.from(value).canonicalData(pretty: pretty)
        }
        var w = CanonicalWriter(pretty: pretty)
        node.write(&w)
        if pretty { w.bytes.append(0x0A) }
        return Data(w.bytes)
    }

    /// `{"<key>": [elements…]}` in the pretty form, the same bytes as `data(_:pretty: true)` of a
    /// value whose only member is that array, but each element encoded on its own (on every core):
    /// never one encoder tree for a whole plan of 240,000 steps.
    public static func prettyObject<T: Encodable & Sendable>(key: String, array elements: [T]) throws -> Data {
        var out = Data()
        try prettyObject(key: key, array: elements) { out.append(contentsOf: $0) }
        return out
    }

    /// The same bytes handed to `write` in order, a window of elements at a time: a plan of
    /// 240,000 steps (65 MB) is never one buffer (`cm2gc build` writes it to its spill file).
    public static func prettyObject<T: Encodable & Sendable>(key: String, array elements: [T],
                                                           write: ([UInt8]) throws -> Void) throws {
        var head = CanonicalWriter(pretty: true)
        head.raw("{")
        head.newline(1)
        head.string(key)
        head.raw(": ")
        guard !elements.isEmpty else {
            head.raw("[]")
            head.newline(0)
            head.raw("}\n")
            try write(head.bytes)
            return
        }
        head.raw("[")
        try write(head.bytes)
        let chunk = 1024
        let starts = Array(stride(from: 0, to: elements.count, by: chunk))
        // 16 chunks of 1,024 steps at a time.
        try Parallel.map(starts, window: 16, minChunk: 1, { start -> [UInt8] in
            var w = CanonicalWriter(pretty: true)
            for i in start..<min(start + chunk, elements.count) {
                if i > 0 { w.raw(",") }
                w.newline(2)
                w.indent = 2
                if let v = elements[i] as? any CanonicalJSONWritable {
                    v.writeCanonical(to: &w)
                    continue
                }
                do {
                    try DirectJSONEncoder.box(elements[i], codingPath: []).write(&w)
                } catch is DirectJSONEncoder.Unsupported {
                    w.write(try JSONValue.from(elements[i]))
                }
            }
            return w.bytes
        }, then: write)
        var tail = CanonicalWriter(pretty: true)
        tail.newline(1)
        tail.raw("]")
        tail.newline(0)
        tail.raw("}\n")
        try write(tail.bytes)
    }

    /// The value as JSON, built directly from `Encodable` (no JSON text written and parsed
    /// again); types JSONEncoder treats specially (Data, URL, Decimal, Date, Float) and
    /// integers beyond Int64 fall back to `JSONValue.from`. Same canonical bytes either way.
    public static func jsonValue<T: Encodable>(of value: T) throws -> JSONValue {
        do {
            return try DirectJSONEncoder.box(value, codingPath: []).resolve()
        } catch is DirectJSONEncoder.Unsupported {
            return try JSONValue.from(value)
        }
    }
}

extension JSONValue {
    /// An upper bound of `canonicalData().count` (compact form), worked out without encoding: a
    /// string costs at most its quotes plus 6 bytes per UTF-8 byte (`\u00XX`), an integer 20, a
    /// double 32. Lets a size limit skip the encoding whenever the bound is already within it.
    public var canonicalSizeBound: Int {
        switch self {
        case .null: return 4
        case .bool: return 5
        case .int: return 20
        case .double: return 32
        case .string(let s): return 2 + 6 * s.utf8.count
        case .array(let a): return a.reduce(2 + a.count) { $0 + $1.canonicalSizeBound }
        case .object(let o): return o.reduce(2 + o.count) { $0 + 3 + 6 * $1.key.utf8.count + $1.value.canonicalSizeBound }
        }
    }
}
