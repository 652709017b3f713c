import Foundation

/// Minimal HTML writing: text is always escaped on the way in, markup is written as is.
struct HTML {
    private(set) var out = ""

    init() { out.reserveCapacity(1 << 16) }

    mutating func raw(_ s: String) { out += s }
    mutating func text(_ s: String) { out += esc(s) }
    /// `<tag attrs>text</tag>`.
    mutating func el(_ tag: String, _ attrs: String = "", _ text: String) {
        out += "<\(tag)\(attrs.isEmpty ? "" : " " + attrs)>\(esc(text))</\(tag)>"
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
