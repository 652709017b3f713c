import Foundation

/// Inline SVG pictures: small, deterministic layouts (no script, no external font or file). The
/// arrow head is defined once in the page (`#arrow`, `#arrow-cut`).
enum Diagram {
    struct Node {
        var label: String
        var detail: String?
        var kind: String  // CSS class suffix: dnis, flow, queue, group, user, point, external
        var title: String?
    }

    static let boxW = 220, boxH = 40, gapY = 12, colGap = 70

    private static func box(_ n: Node, x: Int, y: Int, w: Int = boxW) -> String {
        let chars = w / 7
        var s = "<g class=\"n n-\(n.kind)\"><title>\(esc(n.title ?? n.label))</title>"
        s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(boxH)\" rx=\"6\"/>"
        if let d = n.detail {
            s += "<text x=\"\(x + 10)\" y=\"\(y + 17)\">\(esc(clip(n.label, chars)))</text>"
            s += "<text class=\"d\" x=\"\(x + 10)\" y=\"\(y + 32)\">\(esc(clip(d, chars + 4)))</text>"
        } else {
            s += "<text x=\"\(x + 10)\" y=\"\(y + 25)\">\(esc(clip(n.label, chars)))</text>"
        }
        return s + "</g>"
    }

    private static func edge(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, cls: String = "e") -> String {
        let mx = (x1 + x2) / 2
        return "<path class=\"\(cls)\" d=\"M\(x1) \(y1) C\(mx) \(y1) \(mx) \(y2) \(x2 - 2) \(y2)\" marker-end=\"url(#arrow)\"/>"
    }

    /// Left to right columns; every node of a column links to every node of the next one
    /// (DNIS → flow → queues and flows).
    static func columns(_ cols: [[Node]], label: String, caps: [String] = []) -> String {
        let cols = cols.filter { !$0.isEmpty }
        let rows = cols.map(\.count).max() ?? 1
        let height = rows * (boxH + gapY) + gapY + 18
        let width = cols.count * boxW + (cols.count - 1) * colGap + 4
        var s = "<svg class=\"graph\" role=\"img\" aria-label=\"\(esc(label))\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
        func y(_ col: Int, _ i: Int) -> Int {
            let n = cols[col].count
            let top = 18 + gapY + (rows - n) * (boxH + gapY) / 2
            return top + i * (boxH + gapY)
        }
        for (c, cap) in caps.prefix(cols.count).enumerated() {
            s += "<text class=\"cap\" x=\"\(2 + c * (boxW + colGap))\" y=\"12\">\(esc(cap))</text>"
        }
        for c in 0..<max(cols.count - 1, 0) {
            for i in cols[c].indices {
                for j in cols[c + 1].indices {
                    s += edge(2 + c * (boxW + colGap) + boxW, y(c, i) + boxH / 2, 2 + (c + 1) * (boxW + colGap), y(c + 1, j) + boxH / 2)
                }
            }
        }
        for (c, col) in cols.enumerated() {
            for (i, n) in col.enumerated() { s += box(n, x: 2 + c * (boxW + colGap), y: y(c, i)) }
        }
        return s + "</svg>"
    }

    /// Members in ring order: a chain for sequential hunting, a loop back for circular (round robin),
    /// a fan from the group for simultaneous ringing.
    static func membership(_ members: [Node], more: Int, mode: String, label: String, numbered: Bool = true) -> String {
        let perRow = 3, w = 160, gapX = 30, rowGap = 30, ox = 18
        let rows = max((members.count + perRow - 1) / perRow, 1)
        let loop = mode == "circular" && members.count > 1
        let height = rows * (boxH + rowGap) - rowGap + 16 + (loop ? 16 : 0) + (more > 0 ? 18 : 0)
        let width = ox + perRow * w + (perRow - 1) * gapX + 4
        var s = "<svg class=\"graph\" role=\"img\" aria-label=\"\(esc(label))\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
        func pos(_ i: Int) -> (Int, Int) { (ox + (i % perRow) * (w + gapX), 8 + (i / perRow) * (boxH + rowGap)) }
        if mode != "parallel" {
            for i in members.indices.dropLast() {
                let (x1, y1) = pos(i), (x2, y2) = pos(i + 1)
                if y1 == y2 {
                    s += "<path class=\"e\" d=\"M\(x1 + w) \(y1 + boxH / 2) L\(x2 - 2) \(y2 + boxH / 2)\" marker-end=\"url(#arrow)\"/>"
                } else {
                    // Next row: down from the row's last box, back to the left, into the next box's top.
                    let mid = y1 + boxH + rowGap / 2
                    s += "<path class=\"e\" d=\"M\(x1 + w / 2) \(y1 + boxH) L\(x1 + w / 2) \(mid) L\(x2 + w / 2) \(mid) L\(x2 + w / 2) \(y2 - 2)\" marker-end=\"url(#arrow)\"/>"
                }
            }
            if loop {
                // Round robin: after the last member the hunt starts again at the first.
                let (xl, yl) = pos(members.count - 1), (xf, yf) = pos(0)
                let below = yl + boxH + 10
                s += "<path class=\"e loop\" d=\"M\(xl + w / 2) \(yl + boxH) L\(xl + w / 2) \(below) L6 \(below) L6 \(yf + boxH / 2) L\(xf - 2) \(yf + boxH / 2)\" marker-end=\"url(#arrow)\"/>"
            }
        }
        for (i, m) in members.enumerated() {
            let (x, y) = pos(i)
            var n = m
            if numbered { n.label = "\(i + 1). \(m.label)" }
            s += box(n, x: x, y: y, w: w)
        }
        if more > 0 {
            s += "<text class=\"d\" x=\"\(ox)\" y=\"\(height - 4)\">… and \(more) more (see the list)</text>"
        }
        return s + "</svg>"
    }

    /// Concentric bullseye rings: ring 1 in the middle; dots are members, the label says how many
    /// and when the ring opens.
    static func bullseye(rings: [(members: Int, timeout: String?)], label: String) -> String {
        let n = max(rings.count, 1)
        let step = 26, inner = 24
        let r = inner + (n - 1) * step
        let size = 2 * r + 12
        let width = size + 300
        var s = "<svg class=\"graph\" role=\"img\" aria-label=\"\(esc(label))\" width=\"\(width)\" height=\"\(size)\" viewBox=\"0 0 \(width) \(size)\">"
        let c = size / 2
        for i in stride(from: n - 1, through: 0, by: -1) {
            s += "<circle class=\"ring ring\(min(i + 1, 6))\" cx=\"\(c)\" cy=\"\(c)\" r=\"\(inner + i * step)\"/>"
        }
        for (i, ring) in rings.enumerated() {
            // Dots on the ring's middle circle, at most 24 (the count is written beside).
            let radius = Double(i == 0 ? inner / 2 : inner + (i - 1) * step + step / 2)
            let dots = min(ring.members, i == 0 ? 8 : 24)
            for d in 0..<dots {
                let a = Double(d) / Double(max(dots, 1)) * 2 * Double.pi - Double.pi / 2
                let x = Double(c) + (dots == 1 && i == 0 ? 0 : radius * cos(a))
                let y = Double(c) + (dots == 1 && i == 0 ? 0 : radius * sin(a))
                s += "<circle class=\"dot\" cx=\"\(Int(x.rounded()))\" cy=\"\(Int(y.rounded()))\" r=\"3.5\"/>"
            }
            let ly = 16 + i * 18
            s += "<text x=\"\(size + 14)\" y=\"\(ly)\"><tspan class=\"b\">ring \(i + 1)</tspan>: \(plural(ring.members, "member"))\(ring.timeout.map { ", \($0)" } ?? "")</text>"
        }
        return s + "</svg>"
    }

    /// A cycle drawn as a loop; the edge from the last node back to the first (the one the build
    /// cut) is dashed red.
    static func cycle(_ nodes: [String], label: String) -> String {
        let n = max(nodes.count, 1)
        let w = 150, gap = 46
        let width = n * w + (n - 1) * gap + 8
        let height = boxH + 62
        var s = "<svg class=\"graph\" role=\"img\" aria-label=\"\(esc(label))\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
        for i in nodes.indices.dropLast() {
            let x1 = 4 + i * (w + gap) + w, x2 = 4 + (i + 1) * (w + gap)
            s += "<path class=\"e\" d=\"M\(x1) \(8 + boxH / 2) L\(x2 - 2) \(8 + boxH / 2)\" marker-end=\"url(#arrow)\"/>"
        }
        let last = 4 + (n - 1) * (w + gap) + w / 2
        s += "<path class=\"cut\" d=\"M\(last) \(8 + boxH) L\(last) \(8 + boxH + 26) L\(4 + w / 2) \(8 + boxH + 26) L\(4 + w / 2) \(8 + boxH + 2)\" marker-end=\"url(#arrow-cut)\"/>"
        s += "<text class=\"cutl\" x=\"\((last + 4 + w / 2) / 2 - 40)\" y=\"\(8 + boxH + 42)\">cut here: not migrated</text>"
        for (i, node) in nodes.enumerated() {
            s += box(Node(label: node, kind: "point"), x: 4 + i * (w + gap), y: 8, w: w)
        }
        return s + "</svg>"
    }
}
