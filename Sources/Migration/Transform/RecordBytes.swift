import AvayaCM
import Common
import Foundation

/// Canonical JSON of a station written field by field, for its source digest. The same bytes as
/// `CanonicalJSON.data(station)` (synthesised `Codable`: nil optionals left out, keys sorted by
/// their UTF-8 bytes, the same string escapes; `RecordBytesTests` compares the two), without the
/// generic encoder's containers and tree, which cost about 2 CPU s for 100,000 stations.
enum RecordBytes {
    static func digest(_ st: Station) -> String {
        SHA256Digest.hex(Data(canonical(st)))
    }

    static func canonical(_ st: Station) -> [UInt8] {
        var w = CanonicalWriter(pretty: false)
        w.station(st)
        return w.bytes
    }
}

/// The station's fields on the shared canonical writer (compact), so escaping and key layout
/// have one implementation.
extension CanonicalWriter {
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
