import Foundation

/// An `Encoder` that builds a `JSONValue` tree directly. It mirrors JSONEncoder's default
/// strategies for the types it accepts (strings, booleans, integers that fit in Int64, finite
/// doubles, nil, keyed and unkeyed containers); anything JSONEncoder formats in its own way
/// throws `Unsupported` so that the caller can fall back to the JSONEncoder round trip.
final class DirectJSONEncoder: Encoder {
    struct Unsupported: Error {}

    /// A node under construction: containers stay mutable until the whole value is encoded.
    final class Node {
        enum Kind {
            case value(JSONValue)
            /// Members in encoding order; a key encoded twice keeps its last value (as a
            /// dictionary would). A list, not a dictionary: hashing every key was a top cost.
            case object([(key: String, node: Node)])
            case array([Node])
            /// A super-encoder's result, read when the tree is resolved.
            case deferred(DirectJSONEncoder)
        }
        var kind: Kind
        init(_ kind: Kind) { self.kind = kind }

        func resolve() -> JSONValue {
            switch kind {
            case .value(let v): return v
            case .object(let o): return .object(Dictionary(o.map { ($0.key, $0.node.resolve()) }, uniquingKeysWith: { _, last in last }))
            case .array(let a): return .array(a.map { $0.resolve() })
            case .deferred(let e): return e.root?.resolve() ?? .object([:])
            }
        }

        func set(_ key: String, _ node: Node) {
            guard case .object(var o) = kind else { return }
            kind = .value(.null)  // drop the reference so the list is mutated in place
            o.append((key, node))
            kind = .object(o)
        }

        func append(_ node: Node) {
            guard case .array(var a) = kind else { return }
            kind = .value(.null)
            a.append(node)
            kind = .array(a)
        }

        /// Canonical bytes straight from the tree (no JSONValue in between).
        func write(_ w: inout CanonicalWriter) {
            switch kind {
            case .value(let v): w.write(v)
            case .array(let a):
                if a.isEmpty { w.raw("[]"); return }
                w.bytes.append(0x5B)
                w.indent += 1
                for (n, e) in a.enumerated() {
                    if n > 0 { w.bytes.append(0x2C) }
                    if w.pretty { w.newline(w.indent) }
                    e.write(&w)
                }
                w.indent -= 1
                if w.pretty { w.newline(w.indent) }
                w.bytes.append(0x5D)
            case .object(let o):
                if o.isEmpty { w.raw("{}"); return }
                // Member order by key bytes, stable (of equal keys the last encoded wins): an
                // insertion sort of positions with one memcmp per comparison (objects are small;
                // already sorted members cost one pass). The stdlib sort of (offset, key, node)
                // tuples with String `==` per comparison was a top cost of every encoding.
                var order = Array(0..<o.count)
                if o.count > 32 {
                    // Large objects (dictionaries keyed by data): O(n log n), position breaks ties.
                    order.sort { a, b in
                        let c = UTF8Order.compare(o[a].key, o[b].key)
                        return c != 0 ? c < 0 : a < b
                    }
                } else if o.count > 1 {
                    for i in 1..<o.count {
                        let p = order[i]
                        var j = i
                        while j > 0, UTF8Order.compare(o[order[j - 1]].key, o[p].key) > 0 {
                            order[j] = order[j - 1]
                            j -= 1
                        }
                        order[j] = p
                    }
                }
                w.bytes.append(0x7B)
                w.indent += 1
                var n = 0
                for (i, p) in order.enumerated() {
                    let e = o[p]
                    if i + 1 < order.count, UTF8Order.compare(o[order[i + 1]].key, e.key) == 0 { continue }
                    if n > 0 { w.bytes.append(0x2C) }
                    n += 1
                    if w.pretty { w.newline(w.indent) }
                    w.string(e.key)
                    w.pretty ? w.raw(": ") : w.raw(":")
                    e.node.write(&w)
                }
                w.indent -= 1
                if w.pretty { w.newline(w.indent) }
                w.bytes.append(0x7D)
            case .deferred(let e):
                if let r = e.root { r.write(&w) } else { w.raw("{}") }
            }
        }

        var count: Int {
            if case .array(let a) = kind { return a.count }
            return 0
        }
    }

    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// What the value asked for: nil when it encoded nothing (JSONEncoder writes `{}` then).
    var root: Node?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    static func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> Node {
        // The common exact types first, by metadata comparison: the dynamic casts below are
        // runtime calls, up to eleven per value (arrays and dictionaries of strings pass here).
        if T.self == String.self, let s = value as? String { return Node(.value(.string(s))) }
        if T.self == Int.self, let i = value as? Int { return Node(.value(.int(Int64(i)))) }
        if T.self == Bool.self, let b = value as? Bool { return Node(.value(.bool(b))) }
        switch value {
        case is Data, is URL, is Decimal, is Date, is Float: throw Unsupported()
        case let j as JSONValue: return Node(.value(j))  // same canonical text as its JSONEncoder round trip
        case let s as String: return Node(.value(.string(s)))
        case let b as Bool: return Node(.value(.bool(b)))
        case let i as Int: return Node(.value(.int(Int64(i))))
        case let i as Int64: return Node(.value(.int(i)))
        case let d as Double: return try double(d)
        default: break
        }
        let e = DirectJSONEncoder(codingPath: codingPath)
        try value.encode(to: e)
        return e.root ?? Node(.value(.object([:])))
    }

    static func double(_ d: Double) throws -> Node {
        guard d.isFinite else { throw Unsupported() }  // JSONEncoder refuses it; let it say so
        return Node(.value(.double(d)))
    }

    static func integer<I: BinaryInteger>(_ i: I) throws -> Node {
        guard let v = Int64(exactly: i) else { throw Unsupported() }
        return Node(.value(.int(v)))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let node: Node
        if let r = root, case .object = r.kind { node = r } else { node = Node(.object([])); root = node }
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let node: Node
        if let r = root, case .array = r.kind { node = r } else { node = Node(.array([])); root = node }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(encoder: self)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, Node(.value(.null))) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, Node(.value(.bool(value)))) }
        mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, Node(.value(.string(value)))) }
        mutating func encode(_ value: Double, forKey key: Key) throws { node.set(key.stringValue, try double(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw Unsupported() }
        mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, try integer(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            node.set(key.stringValue, try box(value, codingPath: codingPath + [key]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                            forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = Node(.object([]))
            node.set(key.stringValue, child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Node(.array([]))
            node.set(key.stringValue, child)
            return Unkeyed(node: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { superEncoder(named: "super", key: nil) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue, key: key) }

        private func superEncoder(named name: String, key: Key?) -> any Encoder {
            let e = DirectJSONEncoder(codingPath: codingPath + [key.map { $0 as any CodingKey } ?? IndexKey(name)])
            node.set(name, Node(.deferred(e)))
            return e
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]
        var count: Int { node.count }

        mutating func encodeNil() throws { node.append(Node(.value(.null))) }
        mutating func encode(_ value: Bool) throws { node.append(Node(.value(.bool(value)))) }
        mutating func encode(_ value: String) throws { node.append(Node(.value(.string(value)))) }
        mutating func encode(_ value: Double) throws { node.append(try double(value)) }
        mutating func encode(_ value: Float) throws { throw Unsupported() }
        mutating func encode(_ value: Int) throws { node.append(try integer(value)) }
        mutating func encode(_ value: Int8) throws { node.append(try integer(value)) }
        mutating func encode(_ value: Int16) throws { node.append(try integer(value)) }
        mutating func encode(_ value: Int32) throws { node.append(try integer(value)) }
        mutating func encode(_ value: Int64) throws { node.append(try integer(value)) }
        mutating func encode(_ value: UInt) throws { node.append(try integer(value)) }
        mutating func encode(_ value: UInt8) throws { node.append(try integer(value)) }
        mutating func encode(_ value: UInt16) throws { node.append(try integer(value)) }
        mutating func encode(_ value: UInt32) throws { node.append(try integer(value)) }
        mutating func encode(_ value: UInt64) throws { node.append(try integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            node.append(try box(value, codingPath: codingPath + [IndexKey(count)]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Node(.object([]))
            let path = codingPath + [IndexKey(count)]
            node.append(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Node(.array([]))
            let path = codingPath + [IndexKey(count)]
            node.append(child)
            return Unkeyed(node: child, codingPath: path)
        }

        mutating func superEncoder() -> any Encoder {
            let e = DirectJSONEncoder(codingPath: codingPath + [IndexKey(count)])
            node.append(Node(.deferred(e)))
            return e
        }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: DirectJSONEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func put(_ n: Node) { encoder.root = n }
        mutating func encodeNil() throws { put(Node(.value(.null))) }
        mutating func encode(_ value: Bool) throws { put(Node(.value(.bool(value)))) }
        mutating func encode(_ value: String) throws { put(Node(.value(.string(value)))) }
        mutating func encode(_ value: Double) throws { put(try double(value)) }
        mutating func encode(_ value: Float) throws { throw Unsupported() }
        mutating func encode(_ value: Int) throws { put(try integer(value)) }
        mutating func encode(_ value: Int8) throws { put(try integer(value)) }
        mutating func encode(_ value: Int16) throws { put(try integer(value)) }
        mutating func encode(_ value: Int32) throws { put(try integer(value)) }
        mutating func encode(_ value: Int64) throws { put(try integer(value)) }
        mutating func encode(_ value: UInt) throws { put(try integer(value)) }
        mutating func encode(_ value: UInt8) throws { put(try integer(value)) }
        mutating func encode(_ value: UInt16) throws { put(try integer(value)) }
        mutating func encode(_ value: UInt32) throws { put(try integer(value)) }
        mutating func encode(_ value: UInt64) throws { put(try integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { put(try box(value, codingPath: codingPath)) }
    }

    struct IndexKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ i: Int) { stringValue = "Index \(i)"; intValue = i }
        init(_ s: String) { stringValue = s; intValue = nil }
        init?(stringValue: String) { self.stringValue = stringValue; intValue = nil }
        init?(intValue: Int) { self.init(intValue) }
    }
}
