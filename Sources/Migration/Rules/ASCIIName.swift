/// `PersonName` for all-ASCII input, on bytes. Each function returns nil when any input is not
/// ASCII; the caller then takes the Foundation path. For ASCII the two paths agree:
/// - `CharacterSet.whitespaces` is Unicode Zs plus TAB, which in ASCII is SPACE and TAB;
/// - `Character.isWhitespace` in ASCII is TAB, LF, VT, FF, CR and SPACE (CR LF, one `Character`,
///   is two such bytes);
/// - folding ASCII (diacritics, width, case) only lower-cases A–Z;
/// - `replacingOccurrences` replaces left to right without overlap, as `replace` does.
enum ASCIIName {
    static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in b.allSatisfy { $0 < 0x80 } }
    }

    @inline(__always) static func isSpaceOrTab(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi, isSpaceOrTab(s[lo]) { lo += 1 }
        while hi > lo, isSpaceOrTab(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
    }

    /// Words separated by whitespace, joined by one space.
    static func squeezed(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for w in s.split(whereSeparator: isWhitespace) {
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: w)
        }
        return out
    }

    /// `Last, First` split at the first comma, each side trimmed (the same `split` as the
    /// Foundation path, on bytes: empty pieces omitted).
    static func commaParts(_ u: [UInt8]) -> [ArraySlice<UInt8>] {
        u.split(separator: UInt8(ascii: ","), maxSplits: 1).map(trimmed)
    }

    static func display(_ cm: String) -> String? {
        guard isASCII(cm) else { return nil }
        let u = Array(cm.utf8)
        let parts = commaParts(u)
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty {
            return String(decoding: squeezed(ArraySlice(Array(parts[1]) + [0x20] + Array(parts[0]))), as: UTF8.self)
        }
        return String(decoding: squeezed(u[...]), as: UTF8.self)
    }

    static func split(_ cm: String) -> (first: String, last: String)? {
        guard isASCII(cm) else { return nil }
        let u = Array(cm.utf8)
        let parts = commaParts(u)
        if parts.count == 2 {
            return (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[0], as: UTF8.self))
        }
        let words = u.split(whereSeparator: isWhitespace)
        guard let last = words.last else { return ("", "") }
        return (String(decoding: Array(words.dropLast().joined(separator: [0x20])), as: UTF8.self),
                String(decoding: last, as: UTF8.self))
    }

    static func emailPart(_ s: String) -> String? {
        guard isASCII(s) else { return nil }
        return String(decoding: emailPartBytes(Array(s.utf8)), as: UTF8.self)
    }

    static func emailPartBytes(_ u: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        for var b in u {
            if (0x41...0x5A).contains(b) { b += 0x20 }
            switch b {
            case 0x61...0x7A, 0x30...0x39: out.append(b)
            case 0x20, 0x2D, 0x27, 0x2E: if let last = out.last, last != 0x2D { out.append(0x2D) }
            default: continue
            }
        }
        while out.last == 0x2D { out.removeLast() }
        return out
    }

    static func replace(_ u: [UInt8], _ pattern: [UInt8], with r: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, u.count >= pattern.count else { return u }
        var out: [UInt8] = []
        out.reserveCapacity(u.count + r.count)
        var i = 0
        while i < u.count {
            if u[i] == pattern[0], i + pattern.count <= u.count, u[i..<(i + pattern.count)].elementsEqual(pattern) {
                out.append(contentsOf: r)
                i += pattern.count
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }

    static func email(template: String, name cm: String, extension ext: String, domain: String) -> String? {
        guard isASCII(template), isASCII(cm), isASCII(ext), isASCII(domain), let (first, last) = split(cm) else { return nil }
        var s = Array(template.utf8)
        s = replace(s, Array("{first}".utf8), with: emailPartBytes(Array(first.utf8)))
        s = replace(s, Array("{last}".utf8), with: emailPartBytes(Array(last.utf8)))
        s = replace(s, Array("{extension}".utf8), with: Array(ext.utf8))
        s = replace(s, Array("{domain}".utf8), with: Array(domain.utf8))
        // Empty name parts leave stray dots: `.smith@` or `john.@`. Runs of dots become one dot
        // (what repeating `..` → `.` until none is left does), then dots and hyphens are trimmed.
        let at = s.firstIndex(of: UInt8(ascii: "@")) ?? s.endIndex
        var local: [UInt8] = []
        local.reserveCapacity(at)
        for b in s[..<at] where !(b == 0x2E && local.last == 0x2E) { local.append(b) }
        var lo = 0, hi = local.count
        while lo < hi, local[lo] == 0x2E || local[lo] == 0x2D { lo += 1 }
        while hi > lo, local[hi - 1] == 0x2E || local[hi - 1] == 0x2D { hi -= 1 }
        var out = lo < hi ? Array(local[lo..<hi]) : Array("ext\(ext)".utf8)
        out.append(contentsOf: s[at...])
        return String(decoding: out, as: UTF8.self)
    }
}
