import Foundation

/// Minimal HTML writing: text is always escaped on the way in, markup is written as is.
/// With a `flush` sink, the text is handed on in pieces of about `piece` bytes: a 100,000-station
/// page (tens of MiB) is never one `String`.
struct HTML {
    private(set) var out = ""
    private let flush: ((String) -> Void)?
    private let piece: Int

    init(flush: ((String) -> Void)? = nil, piece: Int = 1 << 20) {
        self.flush = flush
        self.piece = piece
        out.reserveCapacity(flush == nil ? 1 << 16 : piece + (1 << 16))
    }

    mutating func raw(_ s: String) { out += s; spill() }
    mutating func text(_ s: String) { out += esc(s); spill() }
    /// `<tag attrs>text</tag>`.
    mutating func el(_ tag: String, _ attrs: String = "", _ text: String) {
        out += "<\(tag)\(attrs.isEmpty ? "" : " " + attrs)>\(esc(text))</\(tag)>"
        spill()
    }

    private mutating func spill() {
        guard let flush, out.utf8.count >= piece else { return }
        flush(out)
        out.removeAll(keepingCapacity: true)
    }

    /// Hands on what is left (with a sink); the text so far otherwise.
    mutating func finish() -> String {
        guard let flush else { return out }
        if !out.isEmpty { flush(out) }
        out = ""
        return ""
    }
}

/// Escapes `& < > " '` for text and attribute values.
func esc(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 16)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// `1234567` → `1,234,567` (fixed grouping: no locale in a reproducible page).
func num(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

func plural(_ n: Int, _ word: String, _ plural: String? = nil) -> String {
    "\(num(n)) \(n == 1 ? word : plural ?? word + "s")"
}

/// Shortens a label for a diagram box (the full text is in the box's tooltip and the tables).
func clip(_ s: String, _ max: Int) -> String {
    s.count <= max ? s : String(s.prefix(max - 1)) + "…"
}

/// A number for display: integral doubles without a fraction, others to two decimals.
func fmt(_ d: Double) -> String {
    if d.rounded() == d && abs(d) < 1e15 { return String(Int64(d)) }
    let hundredths = Int64((d * 100).rounded())
    let whole = String(hundredths / 100), frac = String(abs(hundredths % 100))
    return (d < 0 && hundredths / 100 == 0 ? "-" : "") + whole + "." + (frac.count == 1 ? "0" + frac : frac)
}
