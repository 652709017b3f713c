import AvayaCM
import Common
import Foundation

/// Canonical JSON of a station written field by field, for its source digest. The same bytes as
/// `CanonicalJSON.data(station)` (synthesised `Codable`: nil optionals left out, keys sorted by
/// their UTF-8 bytes, the same string escapes; `RecordBytesTests` compares the two), without the
/// generic encoder's containers and tree, which cost about 2 CPU s for 100,000 stations.
enum RecordBytes {
    static func digest(_ st: Station) -> String {
        var w = ByteWriter()
        w.station(st)
        return SHA256Digest.hex(Data(w.bytes))
    }

    static func canonical(_ st: Station) -> [UInt8] {
        var w = ByteWriter()
        w.station(st)
        return w.bytes
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Key (already in sorted position) and the separator before it.
    mutating func key(_ k: StaticString, first: inout Bool) {
        if !first { bytes.append(0x2C) }
        first = false
        bytes.append(0x22)
        raw(k)
        raw("\":")
    }

    mutating func int(_ i: Int) { bytes.append(contentsOf: String(i).utf8) }

    /// JSON string: escapes only `"`, `\` and control characters, as the canonical writer does.
    mutating func string(_ s: String) {
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
                    bytes.append(Self.hex[Int(b >> 4)])
                    bytes.append(Self.hex[Int(b & 0xF)])
                }
            }
            if start < buf.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...])) }
        }
        bytes.append(0x22)
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A `[String: String]` as an object, keys in UTF-8 byte order.
    mutating func stringMap(_ m: [String: String]) {
        if m.isEmpty { raw("{}"); return }
        bytes.append(0x7B)
        var first = true
        for (k, v) in m.count == 1 ? Array(m) : m.sorted(by: { UTF8Order.precedes($0.key, $1.key) }) {
            if !first { bytes.append(0x2C) }
            first = false
            string(k)
            bytes.append(0x3A)
            string(v)
        }
        bytes.append(0x7D)
    }

    mutating func button(_ b: Button) {
        // Keys in byte order: module, number, parameters, type.
        var first = true
        bytes.append(0x7B)
        key("module", first: &first); int(b.module)
        key("number", first: &first); int(b.number)
        key("parameters", first: &first); stringMap(b.parameters)
        key("type", first: &first); string(b.type)
        bytes.append(0x7D)
    }

    mutating func station(_ s: Station) {
        // Keys in byte order: buttons, cor, cos, coveragePath1, coveragePath2, ec500State,
        // extension, extra, hasSecurityCode, huntToStation, name, port, setType, tenant.
        var first = true
        bytes.append(0x7B)
        key("buttons", first: &first)
        if s.buttons.isEmpty {
            raw("[]")
        } else {
            bytes.append(0x5B)
            for (n, b) in s.buttons.enumerated() {
                if n > 0 { bytes.append(0x2C) }
                button(b)
            }
            bytes.append(0x5D)
        }
        if let v = s.cor { key("cor", first: &first); int(v) }
        if let v = s.cos { key("cos", first: &first); int(v) }
        if let v = s.coveragePath1 { key("coveragePath1", first: &first); string(v) }
        if let v = s.coveragePath2 { key("coveragePath2", first: &first); string(v) }
        if let v = s.ec500State { key("ec500State", first: &first); string(v) }
        key("extension", first: &first); string(s.extension)
        key("extra", first: &first); stringMap(s.extra)
        if let v = s.hasSecurityCode { key("hasSecurityCode", first: &first); v ? raw("true") : raw("false") }
        if let v = s.huntToStation { key("huntToStation", first: &first); string(v) }
        if let v = s.name { key("name", first: &first); string(v) }
        if let v = s.port { key("port", first: &first); string(v) }
        if let v = s.setType { key("setType", first: &first); string(v) }
        if let v = s.tenant { key("tenant", first: &first); int(v) }
        bytes.append(0x7D)
    }
}

/// Stations take the field-by-field writer (the same digest as the generic one).
func recordDigest(_ st: Station) -> String? { RecordBytes.digest(st) }
