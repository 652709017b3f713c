import AvayaCM
import BundleKit
import Common
import Foundation
import Review

/// `plan/plan.txt`, read like a Terraform plan.
enum PlanText {
    static func render(steps: [BundleKit.PlanStep], actions: [String: DiffRecord.Action], changes: [String: [FieldChange]],
                       deleted: [String]) -> String {
        // Bytes, not String `+=` of interpolations: 240,000 steps at 100,000 stations.
        var out: [UInt8] = []
        out.reserveCapacity(steps.count * 96)
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        var counts: [String: Int] = [:]
        let byPhase = Dictionary(grouping: steps, by: \.phase)  // each group keeps the steps' order
        for phase in byPhase.keys.sorted() {
            put("# phase \(phase)\n")
            for s in byPhase[phase] ?? [] {
                let id = "\(s.type)/\(s.key)"
                let sym: String
                switch s.action {
                case .create: sym = actions[id] == .unchanged ? "=" : "+"
                case .update, .patch: sym = "~"
                case .delete: sym = "-"
                }
                let word = sym == "=" ? "unchanged" : s.action.rawValue
                counts[word, default: 0] += 1
                put("  ")
                put(sym)
                out.append(0x20)
                put(s.action.rawValue)
                out.append(0x20)
                put(id)
                if let f = s.deferredFields { put("  (without \(f.joined(separator: ", ")) until the patch step)") }
                if !s.dependsOn.isEmpty {
                    put("  after ")
                    for (n, d) in s.dependsOn.enumerated() {
                        if n > 0 { out.append(0x2C); out.append(0x20) }
                        put(d)
                    }
                }
                out.append(0x0A)
                if s.action == .update, let c = changes[id] {
                    for ch in c {
                        put("      ~ \(ch.path): \(ch.before.map { $0.canonicalText() } ?? "(absent)") → \(ch.after.map { $0.canonicalText() } ?? "(absent)")\n")
                    }
                }
            }
        }
        let order = ["create", "update", "patch", "unchanged", "delete"]
        let parts = order.compactMap { k in counts[k].map { "\($0) to \(k)" } }
        put("\nPlan: " + (parts.isEmpty ? "nothing to do" : parts.joined(separator: ", ")) + ".\n")
        return String(decoding: out, as: UTF8.self)
    }
}

/// `mapping.csv`: one row per decision, for spreadsheet reviewers.
enum MappingCSV {
    static func render(_ decisions: [Decision]) -> String {
        String(decoding: data(decisions), as: UTF8.self)
    }

    /// The same bytes, written byte by byte: 400,000 decisions at 100,000 stations, and the
    /// Foundation string operations per field were seconds on one core.
    static func data(_ decisions: [Decision]) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(64 + decisions.count * 160)
        out.append(contentsOf: "source_type,source_id,rule,action,target_type,target_key,reason\n".utf8)
        for d in decisions {
            field(d.sourceKind, to: &out)
            out.append(0x2C)
            field(d.sourceID, to: &out)
            out.append(0x2C)
            field(d.rule, to: &out)
            out.append(0x2C)
            field(d.action.rawValue, to: &out)
            out.append(0x2C)
            field(d.targetType ?? "", to: &out)
            out.append(0x2C)
            field(d.targetKey ?? "", to: &out)
            out.append(0x2C)
            field(d.reason, to: &out)
            out.append(0x0A)
        }
        return Data(out)
    }

    /// One CSV field. Leading =, +, -, @ would run as a formula in a spreadsheet: they are
    /// neutralised with a `'`, and the field quoted. The rule is defined on characters
    /// (`quoted(_:)`, grapheme clusters). On bytes it gives the same answer wherever each byte it
    /// looks for (`,` `"` LF CR) stands between ASCII bytes and is not part of a CR LF: such a
    /// byte is a character of its own (only non-ASCII scalars and LF after CR join a cluster).
    /// Anything else (rare) takes the character path.
    static func field(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { buf in
            guard let first = buf.first else { return }
            var formula = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40
            if formula, buf.count > 1, buf[1] >= 0x80 {
                formula = "=+-@".contains(String(decoding: buf, as: UTF8.self).first ?? " ")
            }
            var special = false, byBytes = true
            let n = buf.count
            for i in 0..<n {
                let b = buf[i]
                guard b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D else { continue }
                special = true
                let before: UInt8 = i > 0 ? buf[i - 1] : 0
                let after: UInt8 = i + 1 < n ? buf[i + 1] : 0
                if before >= 0x80 || after >= 0x80 || (b == 0x0D && after == 0x0A) || (b == 0x0A && before == 0x0D) {
                    byBytes = false
                    break
                }
            }
            if !special && !formula {
                out.append(contentsOf: buf)
            } else if byBytes {
                out.append(0x22)
                if formula { out.append(0x27) }
                for b in buf {
                    if b == 0x22 { out.append(0x22) }
                    out.append(b)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: quoted(String(decoding: buf, as: UTF8.self)).utf8)
            }
        }
    }

    /// The field rule on characters (grapheme clusters), as first written.
    static func quoted(_ s: String) -> String {
        var v = s
        if let f = v.first, "=+-@".contains(f) { v = "'" + v }
        return v.contains(where: { ",\"\n\r".contains($0) }) || v != s ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
    }
}

/// `summary.md`: what a reviewer reads first.
enum Summary {
    static func render(out: TransformOutput, read: ReadReport, steps: [BundleKit.PlanStep], actions: [String: DiffRecord.Action],
                       deleted: [String], fingerprint: String, config: MappingConfig, exceptionGroups: [ExceptionGroup]) -> String {
        var s = "# cm2gc bundle summary\n\n"
        s += "Tool \(ToolVersion.current); source fingerprint `\(fingerprint)`; mapping config digest `\(config.digest)`.\n\n"
        s += "## Reconciliation\n\nEvery source record ends in a payload, a deliberate exclusion or an exception.\n\n"
        s += "| source type | read | producing payloads | excluded | exceptions only | rejected by readers | holds |\n|---|---:|---:|---:|---:|---:|---|\n"
        let rejectsByKind = Dictionary(grouping: read.rejects, by: { $0.kind?.rawValue ?? "unknown" }).mapValues(\.count)
        for kind in Set(out.reconciliation.keys).union(rejectsByKind.keys).sorted() {
            let r = out.reconciliation[kind] ?? Reconciliation()
            s += "| \(kind) | \(r.read) | \(r.producing) | \(r.excluded) | \(r.exceptions) | \(rejectsByKind[kind] ?? 0) | \(r.holds ? "yes" : "**NO**") |\n"
        }
        if !out.unaccounted.isEmpty {
            s += "\n**Unaccounted records (a defect):** \(out.unaccounted.joined(separator: ", "))\n"
        }
        s += "\n## Payloads\n\n| type | count |\n|---|---:|\n"
        for (t, n) in Dictionary(grouping: out.resources, by: \.type).mapValues(\.count).sorted(by: { $0.key < $1.key }) {
            s += "| \(t) | \(n) |\n"
        }
        if !out.flows.isEmpty { s += "| flows | \(out.flows.count) |\n" }
        s += fidelity(out.fidelity)
        s += "\n## Plan\n\n\(steps.count) steps in \(Set(steps.map(\.phase)).count) phases; see plan/plan.txt.\n"
        if !actions.isEmpty, actions.values.contains(where: { $0 != .create }) || !deleted.isEmpty {
            let c = Dictionary(grouping: actions.values, by: \.rawValue).mapValues(\.count)
            s += "Delta against the previous bundle: " + c.sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            s += deleted.isEmpty ? ".\n" : ", \(deleted.count) delete.\n"
        }
        s += "\n## Exceptions by rule\n\n"
        if exceptionGroups.isEmpty { s += "None.\n" } else {
            // Aggregated (a large site has hundreds of thousands); exceptions.jsonl keeps every record.
            let total = exceptionGroups.reduce(0) { $0 + $1.count }
            s += "\(total) records in exceptions.jsonl; review.html lists them by group with their sources. Groups that need a decision come first.\n\n"
            s += "| rule | code | severity | count | decide | sample |\n|---|---|---|---:|---|---|\n"
            for g in exceptionGroups {
                let sample = g.samples.first.map { ($0.source.map { "`\($0)` " } ?? "") + $0.message } ?? ""
                s += "| \(g.rule) | \(g.code) | \(g.severity) | \(g.count) | \(g.needsDecision ? "**yes**" : "") | \(Self.cell(sample)) |\n"
            }
        }
        s += "\n## Cycles broken\n\n"
        if out.brokenCycles.isEmpty { s += "None.\n" }
        for c in out.brokenCycles { s += "- \((c + [c.first ?? ""]).joined(separator: " → "))\n" }
        return s
    }

    /// A Markdown table cell: one line, pipes escaped, at most 160 characters.
    static func cell(_ text: String) -> String {
        let one = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        return one.count <= 160 ? one : String(one.prefix(159)) + "…"
    }

    /// [vdn.flow] per vector: steps translated / approximated / unsupported, then each step that
    /// is not faithful with its text and why.
    static func fidelity(_ f: [VectorFidelity]) -> String {
        guard !f.isEmpty else { return "" }
        var s = "\n## Call flow fidelity\n\nPer vector, how its steps became Architect flow actions (unreachable steps count as translated).\n\n"
        s += "| vector | name | flows | steps | translated | approximated | unsupported | faithful |\n|---:|---|---|---:|---:|---:|---:|---|\n"
        for v in f {
            s += "| \(v.vector) | \(v.name ?? "") | \(v.flows.joined(separator: ", ")) | \(v.steps.count) | \(v.translated) | \(v.approximated) | \(v.unsupported) | \(v.faithful ? "yes" : "no") |\n"
        }
        let unverified = f.filter { !$0.unverifiedKeys.isEmpty }
        if !unverified.isEmpty {
            s += "\nUnverified Archy keys (written, but no Genesys-owned YAML shows them; see docs/archy.md):\n\n"
            for v in unverified { s += "- vector \(v.vector): \(v.unverifiedKeys.map { "`\($0)`" }.joined(separator: ", "))\n" }
        }
        let notes = f.flatMap { v in v.steps.filter { $0.outcome != "translated" }.map { (v.vector, $0) } }
        if !notes.isEmpty {
            s += "\n| vector | step | text | outcome | reason |\n|---:|---:|---|---|---|\n"
            for (v, st) in notes {
                s += "| \(v) | \(st.number) | `\(st.text)` | \(st.outcome) | \((st.reason ?? "").replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
        }
        return s
    }
}
