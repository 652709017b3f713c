import Common

/// Human summary of a read: counts per object kind with the reconciliation, rejects with
/// file:line and reason, then warnings and errors (notes with `verbose`).
public enum ReadSummary {
    public static func render(_ r: ReadResult, verbose: Bool = false) -> String {
        var o = ""
        let formats = Dictionary(grouping: r.report.files.values, by: { $0 }).mapValues(\.count)
        o += "files: \(r.report.files.count)"
        if !formats.isEmpty { o += " (" + formats.keys.sorted().map { "\($0): \(formats[$0] ?? 0)" }.joined(separator: ", ") + ")" }
        o += "\n\n"
        o += pad("object", 26) + lpad("read", 9) + lpad("merged", 9) + lpad("rejected", 10) + lpad("in model", 10) + "\n"
        for k in ObjectKind.allCases {
            guard let c = r.report.counts[k] else { continue }
            o += pad(k.rawValue, 26) + lpad(String(c.read), 9) + lpad(String(c.merged), 9) + lpad(String(c.rejected), 10)
                + lpad(String(c.inModel), 10) + (c.reconciles ? "" : "  MISMATCH") + "\n"
        }
        let unkeyed = r.report.rejects.filter { $0.kind == nil }.count
        if unkeyed > 0 { o += pad("(unrecognised input)", 26) + lpad("", 9) + lpad("", 9) + lpad(String(unkeyed), 10) + "\n" }
        if let u = r.model.untyped, !u.isEmpty {
            let byKind = Dictionary(grouping: u.values, by: \.kind).mapValues(\.count)
            o += "in model, untyped (OSSI rows without a dictionary for their form): "
                + byKind.keys.sorted().map { "\($0.rawValue) \(byKind[$0] ?? 0)" }.joined(separator: ", ") + "\n"
        }
        o += r.report.reconciles ? "counts reconcile: read = in model + merged + rejected\n" : "COUNTS DO NOT RECONCILE\n"
        if !r.report.rejects.isEmpty {
            o += "\nrejected (\(r.report.rejects.count)):\n"
            for j in r.report.rejects { o += "  \(j.location): \(j.kind?.rawValue ?? "input"): \(j.reason)\n" }
        }
        let shown = r.diagnostics.filter { verbose || $0.severity != .note }
        let w = r.diagnostics.filter { $0.severity == .warning }.count
        let e = r.diagnostics.filter { $0.severity == .error }.count
        o += "\ndiagnostics: \(e) error(s), \(w) warning(s)\n"
        for d in shown { o += "\(d)\n" }
        return o
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}
