import BundleKit
import Common
import Foundation

/// `review.html`: one self-contained page a change board reads (bundle-spec.md section 13).
/// Rendered from the bundle's members only, so `cm2gc build` (which stores it in the bundle) and
/// `cm2gc review` (which adds verification and approvals) show the same content. Inline CSS and SVG,
/// a Content-Security-Policy that forbids every fetch, and a little script that only adds search and
/// sorting: with scripts off everything is still there. Large sites are aggregated and paged: never
/// one element per exception.
public enum ReviewPage {
    /// The section element ids, in page order.
    public static let sections = ["summary", "exceptions", "people", "routing", "plan", "changes"]
    /// Rows per page of the people table.
    static let peoplePageSize = 250
    /// Items drawn or listed in full before the rest is summarised.
    static let routeGraphs = 400, listedMembers = 60, drawnMembers = 16, listedChanges = 100

    public struct Context: Sendable {
        /// Verification and approvals (from `cm2gc review`); nil when `cm2gc build` writes the page.
        public var verification: VerifyResult?
        /// A bundle to compare with (create / update / delete with field diffs).
        public var previous: BundleFiles?
        public var previousName: String?

        public init(verification: VerifyResult? = nil, previous: BundleFiles? = nil, previousName: String? = nil) {
            self.verification = verification
            self.previous = previous
            self.previousName = previousName
        }
    }

    public static func render(_ files: BundleFiles, context: Context = Context()) -> Data {
        var h = HTML()
        render(files, context: context, into: &h)
        return Data(h.finish().utf8)
    }

    /// The same bytes, handed to `write` in pieces of about 1 MiB as they are made (what
    /// `cm2gc build` stores: the page is never held whole).
    public static func render(_ files: BundleFiles, context: Context = Context(), write: @escaping (String) -> Void) {
        render(files, context: context, piece: 1 << 20, write: write)
    }

    /// `piece`: bytes handed on at a time (tests use small pieces).
    static func render(_ files: BundleFiles, context: Context = Context(), piece: Int, write: @escaping (String) -> Void) {
        var h = HTML(flush: write, piece: piece)
        render(files, context: context, into: &h)
        _ = h.finish()
    }

    static func render(_ files: BundleFiles, context: Context, into h: inout HTML) {
        var view = BundleView(files)
        let meta = view.metadata
        let id = meta?.bundleID ?? "(no bundle.json)"
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        // No request of any kind may leave the page: a file opened on an air-gapped machine.
        h.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.el("title", "", "cm2gc review: bundle \(id)")
        h.raw("<style>\(Assets.css)</style></head><body>")
        h.raw(Assets.svgDefs)
        header(&h, view: view, context: context)
        h.raw("<main>")
        summary(&h, view: &view, context: context)
        exceptions(&h, view: view)
        people(&h, view: &view)
        routing(&h, view: &view)
        plan(&h, view: view)
        changes(&h, view: &view, context: context)
        h.raw("</main><footer>Rendered by cm2gc \(esc(ToolVersion.current)) from the bundle's own members. ")
        h.raw("The page fetches nothing and needs no script: search and sorting are extras.</footer>")
        h.raw("<script>\(Assets.script)</script></body></html>\n")
    }

    // MARK: header and summary

    static func header(_ h: inout HTML, view: BundleView, context: Context) {
        let meta = view.metadata
        h.raw("<header><div class=\"wrap\"><div class=\"brand\">cm2gc · Avaya CM → Genesys Cloud</div>")
        h.el("h1", "", "Migration bundle review")
        h.raw("<div class=\"sub\">bundle <code>\(esc(meta?.bundleID ?? "?"))</code> · created \(esc(meta?.created ?? "?")) · format \(esc(meta?.formatVersion ?? "?"))</div>")
        let (cls, label) = statusPill(context.verification)
        h.raw("<div class=\"pill \(cls)\">\(esc(label))</div></div>")
        h.raw("<nav class=\"wrap\">")
        let titles = ["Summary", "Exceptions", "People", "Routing", "Plan", "Changes"]
        for (s, t) in zip(sections, titles) { h.raw("<a href=\"#\(s)\">\(t)</a>") }
        h.raw("</nav></header>")
    }

    static func statusPill(_ v: VerifyResult?) -> (String, String) {
        guard let v else { return ("info", "As written by cm2gc build: not yet approved") }
        if !v.integrity.isValid { return ("bad", "INVALID: do not approve") }
        if v.approvals.required > 0 {
            return v.approvals.satisfied ? ("ok", "Valid · approved (\(v.approvals.counted) of \(v.approvals.required))")
                : ("warn", "Valid · \(v.approvals.counted) of \(v.approvals.required) approvals")
        }
        return ("ok", "Valid · \(plural(v.approvals.checks.filter(\.valid).count, "valid approval"))")
    }

    static func summary(_ h: inout HTML, view: inout BundleView, context: Context) {
        let meta = view.metadata
        h.raw("<section id=\"summary\"><h2>Summary</h2>")
        // Verification first: it decides whether anything below can be trusted.
        h.raw("<div class=\"card\"><h3>Verification and approvals</h3>")
        if let v = context.verification {
            h.raw("<p>\(v.integrity.isValid ? "<span class=\"badge ok\">valid</span> every member matches its manifest (\(num(v.integrity.membersVerified)) members checked)." : "<span class=\"badge error\">invalid</span> \(plural(v.integrity.problems.count, "problem")): this bundle must not be approved or uploaded.")</p>")
            if !v.integrity.problems.isEmpty {
                h.raw("<ul class=\"problems\">")
                for p in v.integrity.problems.prefix(30) { h.raw("<li><code>\(esc(p.member))</code>: \(esc(p.message))</li>") }
                if v.integrity.problems.count > 30 { h.raw("<li>… \(num(v.integrity.problems.count - 30)) more (cm2gc verify)</li>") }
                h.raw("</ul>")
            }
            h.raw("<p>Bundle digest (what approvers sign): <code class=\"hash\">\(esc(v.integrity.digest ?? "none"))</code></p>")
            let a = v.approvals
            if a.checks.isEmpty {
                h.raw("<p>No approvals in <code>\(esc(a.directory))/</code>.</p>")
            } else {
                h.raw("<table class=\"t\"><thead><tr><th>approver</th><th>key</th><th>approved at</th><th>status</th><th>comment</th></tr></thead><tbody>")
                for c in a.checks {
                    let status = c.counted ? "<span class=\"badge ok\">counted</span>" : c.trusted ? "<span class=\"badge review\">trusted, not counted</span>"
                        : c.valid ? "<span class=\"badge warning\">valid, untrusted</span>" : "<span class=\"badge error\">invalid</span>"
                    h.raw("<tr><td>\(esc(c.approverName.map { "\($0) (\(c.approver ?? "?"))" } ?? c.approver ?? "?"))</td><td><code>\(esc(c.keyID ?? "?"))</code></td><td>\(esc(c.approvedAt ?? "?"))</td><td>\(status)\(c.problem.map { " " + esc($0) } ?? "")</td><td>\(esc(c.comment ?? ""))</td></tr>")
                }
                h.raw("</tbody></table>")
            }
            if !a.trustedKeysGiven { h.raw("<p class=\"muted\">No trusted keys given: signatures were checked, but no approval counts. Use <code>--trusted-keys DIR</code>.</p>") }
            if a.required > 0 {
                h.raw("<p>Policy: \(a.required) approvals from distinct trusted approvers: <b>\(a.satisfied ? "met" : "NOT met") (\(a.counted) of \(a.required))</b>.</p>")
            }
        } else {
            h.raw("<p>This page was written by <code>cm2gc build</code> into the bundle, so the bundle digest covers it: approvers sign the page they read. ")
            h.raw("It cannot show that digest or the approvals (they come after). <code>cm2gc review BUNDLE --trusted-keys DIR -o page.html</code> renders the same page with verification and approvals.</p>")
        }
        h.raw("</div>")

        let payloadTotal = meta?.counts.values.reduce(0, +) ?? 0
        let needDecision = view.exceptionGroups.filter(\.needsDecision).reduce(0) { $0 + $1.count }
        h.raw("<div class=\"tiles\">")
        tile(&h, num(payloadTotal), "payloads", "")
        tile(&h, num(meta?.flowCount ?? 0), "Architect flows", "")
        tile(&h, num(view.plan.steps), "plan steps", "in \(plural(view.plan.phases.count, "phase"))")
        tile(&h, num(view.exceptionTotal), "exceptions", "\(num(view.exceptionGroups.count)) groups")
        tile(&h, num(needDecision), "need a decision", "", cls: needDecision > 0 ? "warn" : "ok")
        tile(&h, num(view.facts?.brokenCycles.count ?? 0), "cycles broken", "")
        h.raw("</div>")

        h.raw("<div class=\"cols\"><div class=\"stack\"><div class=\"card\"><h3>Bundle</h3><dl class=\"kv\">")
        func kv(_ k: String, _ v: String, code: Bool = false) {
            h.raw("<dt>\(esc(k))</dt><dd>\(code ? "<code class=\"hash\">\(esc(v))</code>" : esc(v))</dd>")
        }
        kv("bundle id", meta?.bundleID ?? "?", code: true)
        kv("created", meta?.created ?? "?")
        kv("format", "\(meta?.format ?? "?") \(meta?.formatVersion ?? "?")")
        kv("tool version", meta?.toolVersion ?? "?")
        kv("target API", meta?.targetAPIModel ?? "?")
        kv("source fingerprint", meta?.sourceFingerprint ?? "?", code: true)
        kv("mapping config", meta?.mappingConfigDigest ?? "?", code: true)
        kv("payload bytes", num(Int(meta?.payloadBytes ?? 0)))
        h.raw("</dl></div>")
        h.raw("<div class=\"card\"><h3>Exceptions by severity</h3><p>")
        for s in ["error", "warning", "note"] {
            h.raw("<span class=\"badge \(s)\">\(s)</span> \(num(view.exceptionsBySeverity[s] ?? 0)) &nbsp; ")
        }
        h.raw("</p><p>\(plural(view.diffCount, "decision")) in difflog.jsonl; <a href=\"#exceptions\">exceptions by rule</a> below.</p></div></div>")

        h.raw("<div class=\"card\"><h3>Payloads by type</h3><table class=\"t bars\"><tbody>")
        var counts = (meta?.counts ?? [:]).map { ($0.key, $0.value) }
        if let f = meta?.flowCount, f > 0 { counts.append(("flows", f)) }
        let top = counts.map(\.1).max() ?? 1
        for (t, n) in counts.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) {
            h.raw("<tr><td>\(esc(t))</td><td class=\"n\">\(num(n))</td><td class=\"bar\"><span style=\"width:\(max(1, n * 100 / max(top, 1)))%\"></span></td></tr>")
        }
        h.raw("</tbody></table></div></div>")

        h.raw("<div class=\"card\"><h3>Reconciliation</h3>")
        if let facts = view.facts {
            h.raw("<p>Every source record ends in a payload, a deliberate exclusion or an exception: read = producing + excluded + exceptions (+ rejected by the readers).</p>")
            h.raw("<table class=\"t\"><thead><tr><th>source type</th><th class=\"n\">read</th><th class=\"n\">producing payloads</th><th class=\"n\">excluded</th><th class=\"n\">exceptions only</th><th class=\"n\">rejected by readers</th><th>holds</th></tr></thead><tbody>")
            for (k, r) in facts.reconciliation.sorted(by: { $0.key < $1.key }) {
                h.raw("<tr><td>\(esc(k))</td><td class=\"n\">\(num(r.read))</td><td class=\"n\">\(num(r.producing))</td><td class=\"n\">\(num(r.excluded))</td><td class=\"n\">\(num(r.exceptions))</td><td class=\"n\">\(num(r.rejected))</td><td>\(r.holds ? "<span class=\"badge ok\">yes</span>" : "<span class=\"badge error\">NO</span>")</td></tr>")
            }
            h.raw("</tbody></table>")
            if !facts.unaccounted.isEmpty {
                h.raw("<p class=\"alert\">Unaccounted source records (a defect): \(esc(facts.unaccounted.prefix(50).joined(separator: ", ")))</p>")
            }
        } else {
            h.raw("<p class=\"muted\">This bundle has no <code>reports/review.json</code> (written since format 1.1); see summary.md.</p>")
        }
        h.raw("</div>")
        h.raw("</section>")
    }

    static func tile(_ h: inout HTML, _ value: String, _ label: String, _ detail: String, cls: String = "") {
        h.raw("<div class=\"tile \(cls)\"><div class=\"v\">\(esc(value))</div><div class=\"l\">\(esc(label))</div>\(detail.isEmpty ? "" : "<div class=\"s\">\(esc(detail))</div>")</div>")
    }

    // MARK: exceptions

    static func exceptions(_ h: inout HTML, view: BundleView) {
        h.raw("<section id=\"exceptions\"><h2>Exceptions</h2>")
        h.raw("<p>\(plural(view.exceptionTotal, "record")) in <code>exceptions.jsonl</code>, grouped by rule and severity. Open a group for its records with their source <code>file:line</code>; a group lists its first \(BundleView.exceptionSamples), the file keeps every one.</p>")
        let decide = view.exceptionGroups.filter(\.needsDecision)
        let rest = view.exceptionGroups.filter { !$0.needsDecision }
        let top = view.exceptionGroups.map(\.count).max() ?? 1
        h.raw("<h3>Needs a decision <span class=\"count\">\(plural(decide.reduce(0) { $0 + $1.count }, "record"))</span></h3>")
        if decide.isEmpty { h.raw("<p class=\"muted\">Nothing needs a decision.</p>") }
        for g in decide { group(&h, g, top: top, open: g.count <= 5) }
        h.raw("<h3>For information <span class=\"count\">\(plural(rest.reduce(0) { $0 + $1.count }, "record"))</span></h3>")
        if rest.isEmpty { h.raw("<p class=\"muted\">None.</p>") }
        for g in rest { group(&h, g, top: top, open: false) }
        h.raw("</section>")
    }

    static func group(_ h: inout HTML, _ g: ExceptionGroup, top: Int, open: Bool) {
        h.raw("<details class=\"xg\"\(open ? " open" : "")><summary><span class=\"badge \(esc(g.severity))\">\(esc(g.severity))</span> ")
        h.raw("<code>\(esc(g.code))</code> <span class=\"n\">\(num(g.count))</span><span class=\"mini\"><span style=\"width:\(max(1, g.count * 100 / max(top, 1)))%\"></span></span>")
        h.raw("<span class=\"sample\">\(esc(clip(g.samples.first?.message ?? "", 140)))</span></summary>")
        if let hint = g.samples.first?.hint { h.raw("<p class=\"hint\">What to do: \(esc(hint))</p>") }
        h.raw("<table class=\"t\"><thead><tr><th>source</th><th>record</th><th>message</th></tr></thead><tbody>")
        for r in g.samples {
            let rec = [r.type, r.key].compactMap { $0 }.joined(separator: " ")
            h.raw("<tr><td><code>\(esc(r.source ?? "—"))</code></td><td>\(esc(rec))</td><td>\(esc(r.message))</td></tr>")
        }
        h.raw("</tbody></table>")
        if g.count > g.samples.count {
            h.raw("<p class=\"muted\">… \(num(g.count - g.samples.count)) more: <code>grep '\"code\":\"\(esc(g.code))\"' exceptions.jsonl</code></p>")
        }
        h.raw("</details>")
    }

    // MARK: people

    static func people(_ h: inout HTML, view: inout BundleView) {
        let users = view.payloads("users")
        var skillName: [String: String] = [:]
        view.forEach("routing-skills") { k, v in skillName[k] = v["name"]?.stringValue ?? k }
        var queueName: [String: String] = [:]
        view.forEach("queues") { k, v in queueName[k] = v["name"]?.stringValue ?? k }
        var groupName: [String: String] = [:]
        view.forEach("groups") { k, v in groupName[k] = v["name"]?.stringValue ?? k }
        var memberships: [String: [String]] = [:]
        view.forEach("queue-members") { k, v in
            v["body"]?.forEachElement { m in
                if let u = BundleView.refKey(m["id"], type: "users") { memberships[u, default: []].append("queue " + (queueName[k] ?? k)) }
                return true
            }
        }
        view.forEach("group-members") { k, v in
            v["body"]?["memberIds"]?.forEachElement { m in
                if let u = BundleView.refKey(m, type: "users") { memberships[u, default: []].append("group " + (groupName[k] ?? k)) }
                return true
            }
        }
        var skills: [String: [(String, Double)]] = [:]
        view.forEach("user-routing-skills") { k, v in
            let user = BundleView.refKey(v["parent"], type: "users") ?? k
            v["body"]?.forEachElement { s in
                guard let sk = BundleView.refKey(s["id"], type: "routing-skills") else { return true }
                skills[user, default: []].append((skillName[sk] ?? sk, s["proficiency"]?.doubleValue ?? 0))
                return true
            }
        }
        var phones: [String: [String]] = [:]
        let userKeys = Set(users.map(\.key))
        view.forEach("phones") { k, v in
            // Phone keys are `<user>-<n>`; WebRTC phones also name their user.
            var owner = BundleView.refKey(v["webRtcUser"]?["id"], type: "users")
            if owner == nil, let dash = k.lastIndex(of: "-"), userKeys.contains(String(k[..<dash])) { owner = String(k[..<dash]) }
            guard let u = owner else { return }
            let lines = v["lines"]?.arrayCount ?? 0
            let base = BundleView.refKey(v["phoneBaseSettings"]?["id"], type: "phone-base-settings") ?? ""
            phones[u, default: []].append("\(base)\(lines > 1 ? " · \(lines) lines" : "")")
        }

        h.raw("<section id=\"people\"><h2>People</h2>")
        h.raw("<p>Each CM station or agent and the Genesys user it becomes: phone, numbers, queue and group memberships, skills with proficiency (0–5). \(plural(users.count, "user")), \(users.count > peoplePageSize ? "in pages of \(peoplePageSize)" : "one page").</p>")
        h.raw("<div class=\"tools\" hidden><input id=\"people-filter\" type=\"search\" placeholder=\"Search name, extension, number, queue, skill…\" aria-label=\"Search people\"> <span id=\"people-count\"></span> <span class=\"muted\">Click a column heading to sort.</span></div>")
        let head = "<table class=\"t people\"><thead><tr><th>CM source</th><th>Genesys user</th><th>extension</th><th>DID</th><th>phone</th><th>queues and groups</th><th>skills (proficiency)</th></tr></thead><tbody>"
        let pages = max((users.count + peoplePageSize - 1) / peoplePageSize, 1)
        for p in 0..<pages {
            let slice = users.dropFirst(p * peoplePageSize).prefix(peoplePageSize)
            if pages > 1 {
                h.raw("<details class=\"page\"\(p == 0 ? " open" : "")><summary>Users \(num(p * peoplePageSize + 1))–\(num(p * peoplePageSize + slice.count)) of \(num(users.count))</summary>")
            }
            h.raw(head)
            for (key, member) in slice {
                _ = BundleView.read(member) { u in
                    personRow(&h, key: key, u, view: view, phones: phones[key], memberships: memberships[key], skills: skills[key])
                }
            }
            h.raw("</tbody></table>")
            if pages > 1 { h.raw("</details>") }
        }
        h.raw("</section>")
    }

    /// One row of the people table, written piece by piece (100,000 of them at 100,000 stations).
    static func personRow(_ h: inout HTML, key: String, _ u: JSONView, view: BundleView, phones: [String]?, memberships: [String]?,
                          skills: [(String, Double)]?) {
        let rec = view.firstRecord[BundleFormat.payloadPath(type: "users", key: key)]
        let addr = u["addresses"]?.firstElement
        h.raw("<tr><td title=\"")
        h.text(rec?.source ?? "")
        h.raw("\">")
        if let rec {
            h.text(rec.sourceType ?? "")
            h.raw(" ")
            h.text(rec.sourceID ?? "")
        } else {
            h.text(key)
        }
        if let a = view.firstRecord[BundleFormat.payloadPath(type: "user-routing-skills", key: key)],
           a.sourceType == "agent", rec?.sourceType != "agent", let login = a.sourceID {
            h.raw(" · agent ")
            h.text(login)
        }
        if let s = rec?.source {
            h.raw("<div class=\"loc\">")
            h.text(s)
            h.raw("</div>")
        }
        h.raw("</td><td><b>")
        h.text(u["name"]?.stringValue ?? key)
        h.raw("</b><div class=\"loc\">")
        h.text(u["email"]?.stringValue ?? "")
        h.raw("</div></td><td>")
        h.text(addr?["extension"]?.stringValue ?? "")
        h.raw("</td><td>")
        h.text(addr?["address"]?.stringValue ?? "")
        h.raw("</td><td>")
        for (i, p) in (phones ?? []).enumerated() {
            if i > 0 { h.raw("; ") }
            h.text(p)
        }
        h.raw("</td><td>")
        for (i, m) in (memberships ?? []).enumerated() {
            h.raw(i > 0 ? " <span class=\"chip m\">" : "<span class=\"chip m\">")
            h.text(m)
            h.raw("</span>")
        }
        h.raw("</td><td>")
        for (i, s) in (skills ?? []).enumerated() {
            h.raw(i > 0 ? " <span class=\"chip\">" : "<span class=\"chip\">")
            h.text(s.0)
            h.raw(" <b>")
            h.raw(fmt(s.1))
            h.raw("</b></span>")
        }
        h.raw("</td></tr>")
    }

    // MARK: routing

    static func routing(_ h: inout HTML, view: inout BundleView) {
        h.raw("<section id=\"routing\"><h2>Routing</h2>")
        var queueName: [String: String] = [:]
        view.forEach("queues") { k, v in queueName[k] = v["name"]?.stringValue ?? k }
        var flowName: [String: String] = [:]
        for f in view.flowNames { flowName[f] = view.flowText(f).flatMap(flowDisplayName) ?? f }
        let deps = view.plan.flowDependencies
        var scheduleName: [String: String] = [:]
        view.forEach("schedule-groups") { k, v in scheduleName[k] = v["name"]?.stringValue ?? k }

        // Call routes: DNIS → flow → what the flow sends calls to.
        let routes = view.payloads("ivrs")
        h.raw("<h3>Call routes <span class=\"count\">\(plural(routes.count, "number route", "number routes"))</span></h3>")
        h.raw("<p>Per VDN: the public numbers (DNIS) that reach it, the Architect flow built from its vector, and the queues and flows that flow sends calls to.</p>")
        if routes.isEmpty { h.raw("<p class=\"muted\">No call routes in this bundle.</p>") }
        for (i, (key, member)) in routes.enumerated() {
          _ = BundleView.read(member) { r in
            let name = r["name"]?.stringValue ?? key
            let dnis = r["dnis"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let flow = BundleView.refKey(r["openHoursFlow"]?["id"], type: "flows")
            var targets: [Diagram.Node] = []
            for d in flow.flatMap({ deps[$0] }) ?? [] {
                if d.hasPrefix("create:queues/") {
                    let q = String(d.dropFirst("create:queues/".count))
                    targets.append(Diagram.Node(label: queueName[q] ?? q, detail: "queue", kind: "queue"))
                } else if d.hasPrefix("create:flows/") {
                    let f = String(d.dropFirst("create:flows/".count))
                    targets.append(Diagram.Node(label: flowName[f] ?? f, detail: f.hasSuffix("-inqueue") ? "in-queue flow" : "transfer to flow", kind: "flow"))
                }
            }
            let hours = BundleView.refKey(r["scheduleGroup"]?["id"], type: "schedule-groups").map { "hours: " + (scheduleName[$0] ?? $0) }
            h.raw("<figure class=\"route\"><figcaption><b>\(esc(name))</b> <span class=\"muted\">\(esc(r["description"]?.stringValue ?? ""))</span></figcaption>")
            if i < routeGraphs {
                let cols: [[Diagram.Node]] = [
                    dnis.map { Diagram.Node(label: $0, detail: "DNIS", kind: "dnis") },
                    flow.map { [Diagram.Node(label: flowName[$0] ?? $0, detail: hours ?? "inbound call flow", kind: "flow", title: "flows/\($0).yaml")] } ?? [],
                    targets.isEmpty ? [Diagram.Node(label: "no queue named", detail: "see the flow", kind: "external")] : targets,
                ]
                h.raw(Diagram.columns(cols, label: "\(name): numbers to flow to queues", caps: ["number", "flow", "sends calls to"]))
            } else {
                h.raw("<p>\(esc(dnis.joined(separator: ", "))) → \(esc(flow.map { flowName[$0] ?? $0 } ?? "?")) → \(esc(targets.map(\.label).joined(separator: ", ")))</p>")
            }
            h.raw("</figure>")
          }
        }

        vectors(&h, view: view, flowName: flowName)
        huntGroups(&h, view: &view)
        queues(&h, view: &view, queueName: queueName)
        coverage(&h, view: &view)
        h.raw("</section>")
    }

    /// The `name:` of the flow (second line of the Archy YAML).
    static func flowDisplayName(_ yaml: String) -> String? {
        for line in yaml.split(separator: "\n", maxSplits: 6) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("name: ") { return unquote(String(t.dropFirst(6))) }
        }
        return nil
    }

    static func unquote(_ s: String) -> String {
        guard s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") else { return s }
        return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// Architect actions per vector step, from the action names the translator writes
    /// (`name: "Vector 3 step 4: …"` under `- transferToAcd:`).
    static func actionsByStep(_ yaml: String, vector: Int) -> [Int: [String]] {
        var out: [Int: [String]] = [:]
        var pending: String?
        let prefix = "name: \"Vector \(vector) step "
        for line in yaml.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- "), t.hasSuffix(":"), !t.dropFirst(2).contains(" ") {
                pending = String(t.dropFirst(2).dropLast())
                continue
            }
            // Tasks group actions (`- task:` named "Vector N step K"); only actions are listed.
            if let action = pending, action != "task", t.hasPrefix(prefix) {
                let rest = t.dropFirst(prefix.count)
                let digits = rest.prefix { $0.isNumber }
                if let n = Int(digits) {
                    let what = rest.dropFirst(digits.count).drop { $0 == ":" || $0 == " " }
                    out[n, default: []].append(action + (what.isEmpty ? "" : " — " + unquote("\"" + what)))
                }
            }
            pending = nil
        }
        return out
    }

    static func vectors(_ h: inout HTML, view: BundleView, flowName: [String: String]) {
        let vectors = view.facts?.vectors ?? []
        h.raw("<h3>Vectors and their flows <span class=\"count\">\(plural(vectors.count, "vector"))</span></h3>")
        if vectors.isEmpty {
            h.raw("<p class=\"muted\">No vectors were translated\(view.facts == nil ? " (no reports/review.json in this bundle)" : "").</p>")
            return
        }
        h.raw("<p>Each CM vector step beside the Architect actions it became and how faithful that is. <span class=\"badge ok\">translated</span> same behaviour · <span class=\"badge warning\">approximated</span> close, check it · <span class=\"badge error\">unsupported</span> rebuild by hand · <span class=\"badge note\">unreachable</span> dead in CM too.</p>")
        for v in vectors {
            var actions: [Int: [String]] = [:]
            for f in v.flows {
                for (n, a) in actionsByStep(view.flowText(f) ?? "", vector: v.vector) { actions[n, default: []] += a }
            }
            // Steps after a queue step run while the call waits: they live in that step's in-queue
            // flow (`vector-N-step-K-inqueue`), whose actions do not name vector steps.
            let inQueue: [(step: Int, flow: String)] = view.flowNames.compactMap { f in
                let prefix = "vector-\(v.vector)-step-"
                guard f.hasPrefix(prefix), f.hasSuffix("-inqueue"), let k = Int(f.dropFirst(prefix.count).dropLast("-inqueue".count)) else { return nil }
                return (k, f)
            }.sorted { $0.step < $1.step }
            let bad = v.steps.filter { $0.outcome == "approximated" || $0.outcome == "unsupported" }.count
            h.raw("<details class=\"vec\"\(bad > 0 ? " open" : "")><summary><b>Vector \(v.vector)</b> \(esc(v.name ?? "")) ")
            h.raw(bad == 0 ? "<span class=\"badge ok\">faithful</span>" : "<span class=\"badge warning\">\(bad) step\(bad == 1 ? "" : "s") to check</span>")
            h.raw(" <span class=\"muted\">→ \(esc(v.flows.map { flowName[$0] ?? $0 }.joined(separator: ", ")))</span></summary>")
            h.raw("<table class=\"t steps\"><thead><tr><th class=\"n\">step</th><th>CM vector step</th><th>Architect actions</th><th>outcome</th></tr></thead><tbody>")
            for s in v.steps {
                let cls = s.outcome == "translated" ? "ok" : s.outcome == "approximated" ? "warning" : s.outcome == "unsupported" ? "error" : "note"
                h.raw("<tr class=\"o-\(cls)\"><td class=\"n\">\(s.number)</td><td><code>\(esc(s.text))</code></td><td>")
                let a = actions[s.number] ?? []
                if !a.isEmpty {
                    h.raw(a.map { "<div>\(esc($0))</div>" }.joined())
                } else if let q = inQueue.last(where: { $0.step < s.number }), s.outcome != "unreachable" {
                    h.raw("<div class=\"muted\">in the in-queue flow \(esc(flowName[q.flow] ?? q.flow))</div>")
                } else {
                    h.raw("<span class=\"muted\">—</span>")
                }
                h.raw("</td><td><span class=\"badge \(cls)\">\(esc(s.outcome))</span>\(s.reason.map { "<div class=\"loc\">\(esc($0))</div>" } ?? "")</td></tr>")
            }
            h.raw("</tbody></table></details>")
        }
    }

    static func huntGroups(_ h: inout HTML, view: inout BundleView) {
        let groups = view.payloads("groups")
        let names = view.userNames()
        var members: [String: [String]] = [:]
        view.forEach("group-members") { k, v in
            members[BundleView.refKey(v["parent"], type: "groups") ?? k] = v["body"]?["memberIds"]?.arrayValue?.compactMap { BundleView.refKey($0, type: "users") } ?? []
        }
        var policy: [String: String] = [:]
        view.forEach("group-ring-policies") { k, v in
            policy[BundleView.refKey(v["parent"], type: "groups") ?? k] = v["body"]?["groupAlertType"]?.stringValue
        }
        h.raw("<h3>Hunt groups as group ring <span class=\"count\">\(plural(groups.count, "group"))</span></h3>")
        if groups.isEmpty { h.raw("<p class=\"muted\">None.</p>"); return }
        h.raw("<p>Members in ring order, exactly as administered in CM.</p><div class=\"grid\">")
        for (k, member) in groups {
          _ = BundleView.read(member) { g in
            let m = members[k] ?? []
            let p = policy[k] ?? "?"
            let mode = p == "SEQUENTIAL" ? "sequential" : p == "ROUND_ROBIN" ? "circular" : "parallel"
            h.raw("<figure class=\"card\"><figcaption><b>\(esc(g["name"]?.stringValue ?? k))</b> <span class=\"badge review\">\(esc(p))</span> <span class=\"muted\">\(esc(g["description"]?.stringValue ?? "")) · \(plural(m.count, "member"))</span></figcaption>")
            let drawn = m.prefix(drawnMembers).map { Diagram.Node(label: names[$0] ?? $0, kind: "user", title: "users/\($0)") }
            if !drawn.isEmpty {
                h.raw(Diagram.membership(Array(drawn), more: m.count - drawn.count, mode: mode, label: "members of \(g["name"]?.stringValue ?? k) in ring order"))
            }
            if m.count > drawnMembers { memberList(&h, m, names: names) }
            h.raw("</figure>")
          }
        }
        h.raw("</div>")
    }

    static func memberList(_ h: inout HTML, _ m: [String], names: [String: String]) {
        h.raw("<ol class=\"members\">")
        for u in m.prefix(listedMembers) { h.raw("<li>\(esc(names[u] ?? u))</li>") }
        h.raw("</ol>")
        if m.count > listedMembers { h.raw("<p class=\"muted\">… \(num(m.count - listedMembers)) more (the payload lists them all).</p>") }
    }

    static func queues(_ h: inout HTML, view: inout BundleView, queueName: [String: String]) {
        let queues = view.payloads("queues")
        let names = view.userNames()
        var members: [String: [String]] = [:]
        view.forEach("queue-members") { k, v in
            members[BundleView.refKey(v["parent"], type: "queues") ?? k] = v["body"]?.arrayValue?.compactMap { BundleView.refKey($0["id"], type: "users") } ?? []
        }
        var ring: [String: [String: Int]] = [:]
        view.forEach("queue-member-rings") { _, v in
            guard let q = BundleView.refKey(v["parent"], type: "queues"), let u = BundleView.refKey(v["body"]?["id"], type: "users") else { return }
            ring[q, default: [:]][u] = Int(v["body"]?["ringNumber"]?.intValue ?? 1)
        }
        h.raw("<h3>Queues and their bullseye rings <span class=\"count\">\(plural(queues.count, "queue"))</span></h3>")
        if queues.isEmpty { h.raw("<p class=\"muted\">None.</p>"); return }
        h.raw("<p>Ring 1 is the middle; reserve agents answer from outer rings after the ring's timeout.</p><div class=\"grid\">")
        for (k, member) in queues {
          _ = BundleView.read(member) { q in
            let m = members[k] ?? []
            let rings = q["bullseye"]?["rings"]?.arrayValue ?? []
            let ringCount = max(rings.count, (ring[k]?.values.max() ?? 1), 1)
            var perRing = Array(repeating: 0, count: ringCount)
            for u in m { perRing[min(max((ring[k]?[u] ?? 1), 1), ringCount) - 1] += 1 }
            let spec: [(members: Int, timeout: String?)] = (0..<ringCount).map { i in
                let t = i < rings.count ? rings[i]["expansionCriteria"]?.arrayValue?.first?["threshold"]?.doubleValue : nil
                return (perRing[i], t.map { i == ringCount - 1 ? "last ring" : "widens after \(fmt($0)) s" })
            }
            h.raw("<figure class=\"card\"><figcaption><b>\(esc(q["name"]?.stringValue ?? k))</b> <span class=\"muted\">\(esc(q["description"]?.stringValue ?? "")) · \(plural(m.count, "member"))</span></figcaption>")
            h.raw(Diagram.bullseye(rings: spec, label: "bullseye of \(q["name"]?.stringValue ?? k)"))
            if ringCount > 1 {
                let outer = m.filter { (ring[k]?[$0] ?? 1) > 1 }
                h.raw("<p class=\"loc\">outer rings: \(esc(outer.prefix(20).map { "\(names[$0] ?? $0) (ring \(ring[k]?[$0] ?? 1))" }.joined(separator: ", ")))</p>")
            }
            if !m.isEmpty {
                h.raw("<details><summary>members in order</summary>")
                memberList(&h, m, names: names)
                h.raw("</details>")
            }
            h.raw("</figure>")
          }
        }
        h.raw("</div>")
    }

    static func coverage(_ h: inout HTML, view: inout BundleView) {
        // Coverage paths as the diff log tells them: path → the users whose forwarding it sets.
        let paths = view.coveragePaths
        var targets: [String: [String]] = [:]
        var voicemail: [String: String] = [:]
        view.forEach("call-forwarding") { k, v in
            let user = BundleView.refKey(v["parent"], type: "users") ?? k
            targets[user] = v["body"]?["calls"]?.firstElement?["targets"]?.arrayValue?.compactMap { $0["value"]?.stringValue } ?? []
        }
        view.forEach("voicemail-policies") { k, v in
            let user = BundleView.refKey(v["parent"], type: "users") ?? k
            voicemail[user] = v["body"]?["alertTimeoutSeconds"]?.intValue.map { "voicemail after \($0) s" } ?? "voicemail"
        }
        let names = view.userNames()
        h.raw("<h3>Coverage chains <span class=\"count\">\(plural(paths.count, "coverage path"))</span></h3>")
        if paths.isEmpty { h.raw("<p class=\"muted\">No coverage path became forwarding.</p>") }
        let sorted = paths.keys.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
        if !sorted.isEmpty {
            h.raw("<p>Where an unanswered call goes: CM coverage points became call forwarding and voicemail of each user that had the path.</p><div class=\"grid\">")
        }
        for id in sorted.prefix(routeGraphs) {
            guard let p = paths[id] else { continue }
            let users = p.users.sorted()
            let first = users.first ?? ""
            var chain: [Diagram.Node] = [.init(label: users.count == 1 ? (names[first] ?? first) : "\(users.count) users", detail: "station", kind: "user")]
            chain += (targets[first] ?? []).map { Diagram.Node(label: $0, detail: "forward to", kind: "dnis") }
            if let vm = voicemail[first] { chain.append(Diagram.Node(label: vm, kind: "external")) }
            h.raw("<figure class=\"card\"><figcaption><b>Coverage path \(esc(id))</b> <span class=\"muted\">\(esc(p.source ?? "")) · \(plural(users.count, "user"))</span></figcaption>")
            h.raw(Diagram.membership(Array(chain.prefix(8)), more: 0, mode: "sequential", label: "coverage path \(id)", numbered: false))
            h.raw("<p class=\"loc\">\(esc(users.prefix(12).map { names[$0] ?? $0 }.joined(separator: ", ")))\(users.count > 12 ? " …" : "")</p></figure>")
        }
        if !sorted.isEmpty { h.raw("</div>") }
        if sorted.count > routeGraphs { h.raw("<p class=\"muted\">… \(num(sorted.count - routeGraphs)) more coverage paths (difflog.jsonl, rule coverage.forwarding).</p>") }

        let cycles = view.facts?.brokenCycles ?? []
        h.raw("<h3>Broken cycles <span class=\"count\">\(plural(cycles.count, "cycle"))</span></h3>")
        if cycles.isEmpty { h.raw("<p class=\"muted\">No coverage, hunt or night-service loops.</p>") }
        else { h.raw("<p>Calls could loop forever through these coverage / overflow / night-service hops. The build cut each loop at its last hop (red): decide where those calls should go instead.</p>") }
        if !cycles.isEmpty { h.raw("<div class=\"grid\">") }
        for c in cycles.prefix(routeGraphs) {
            h.raw("<figure class=\"card\">\(Diagram.cycle(c, label: "cycle " + (c + [c.first ?? ""]).joined(separator: " → ")))<figcaption>\(esc((c + [c.first ?? ""]).joined(separator: " → ")))</figcaption></figure>")
        }
        if !cycles.isEmpty { h.raw("</div>") }
        if cycles.count > routeGraphs { h.raw("<p class=\"muted\">… \(num(cycles.count - routeGraphs)) more in summary.md.</p>") }
    }

    // MARK: plan

    static func plan(_ h: inout HTML, view: BundleView) {
        let plan = view.plan
        h.raw("<section id=\"plan\"><h2>Plan</h2>")
        let edges = plan.dependencies
        let deferred = plan.deferred
        h.raw("<p>Stage two runs \(plural(plan.steps, "step")) in \(plural(plan.phases.count, "phase")); a step starts once the \(plural(edges, "dependency", "dependencies")) it names are done (steps of one phase may run in parallel). \(deferred > 0 ? "\(plural(deferred, "create")) leave fields out until a later patch step (reference cycles)." : "") Full list: <code>plan/plan.txt</code>.</p>")
        let byPhase = plan.phases
        let top = byPhase.values.map(\.steps).max() ?? 1
        h.raw("<table class=\"t bars\"><thead><tr><th class=\"n\">phase</th><th class=\"n\">steps</th><th></th><th>actions</th><th class=\"n\">dependencies</th><th>resource types</th></tr></thead><tbody>")
        for p in byPhase.keys.sorted() {
            let s = byPhase[p] ?? .init()
            let types = s.types.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            h.raw("<tr><td class=\"n\">\(p)</td><td class=\"n\">\(num(s.steps))</td><td class=\"bar\"><span style=\"width:\(max(1, s.steps * 100 / max(top, 1)))%\"></span></td>")
            h.raw("<td class=\"nw\">\(esc(s.actions.sorted { $0.key < $1.key }.map { "\($0.key) \(num($0.value))" }.joined(separator: ", ")))</td>")
            h.raw("<td class=\"n\">\(num(s.dependencies))</td>")
            h.raw("<td>\(esc(types.prefix(6).map { "\($0.key) \(num($0.value))" }.joined(separator: ", ")))\(types.count > 6 ? " …" : "")</td></tr>")
        }
        h.raw("</tbody></table></section>")
    }

    // MARK: changes

    struct Change {
        var id: String
        var action: String
        var changes: [FieldChange]
        var name: String?
    }

    /// The first line that differs between two texts, as a change at `line N`.
    static func firstDifference(_ a: String, _ b: String) -> FieldChange {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        while i < min(x.count, y.count), x[i] == y[i] { i += 1 }
        return FieldChange(path: "line \(i + 1)", before: i < x.count ? .string(String(x[i])) : nil, after: i < y.count ? .string(String(y[i])) : nil)
    }

    static func changes(_ h: inout HTML, view: inout BundleView, context: Context) {
        h.raw("<section id=\"changes\"><h2>Changes</h2>")
        var list: [Change] = []
        var unchanged = 0
        var origin: String
        if let prev = context.previous {
            origin = "against the previous bundle \(context.previousName ?? prev.metadata?.bundleID ?? "")"
            func contents(_ f: BundleFiles) -> [String: JSONValue] {
                var out: [String: JSONValue] = [:]
                // Member by member: a bundle built by `cm2gc build` reads them from its spill file.
                for path in f.paths {
                    guard (path.hasPrefix("payloads/") && path.hasSuffix(".json")) || (path.hasPrefix("flows/") && path.hasSuffix(".yaml")),
                          let data = f[path] else { continue }
                    if path.hasPrefix("payloads/"), path.hasSuffix(".json") {
                        out[String(path.dropFirst(9).dropLast(5))] = (try? JSONValue.parse(data)) ?? .string(String(decoding: data, as: UTF8.self))
                    } else if path.hasPrefix("flows/"), path.hasSuffix(".yaml") {
                        out[String(path.dropLast(5))] = .string(String(decoding: data, as: UTF8.self))
                    }
                }
                return out
            }
            let now = contents(view.files), before = contents(prev)
            for id in Set(now.keys).union(before.keys).sorted() {
                switch (before[id], now[id]) {
                case (nil, let n?): list.append(Change(id: id, action: "create", changes: [], name: n["name"]?.stringValue))
                case (let b?, nil): list.append(Change(id: id, action: "delete", changes: [], name: b["name"]?.stringValue))
                case (let b?, let n?):
                    if b.canonicalText() == n.canonicalText() { unchanged += 1; continue }
                    var c = FieldChange.diff(b, n)
                    if case .string(let new) = n, case .string(let old) = b { c = [firstDifference(old, new)] }  // flows: YAML text
                    list.append(Change(id: id, action: "update", changes: c, name: n["name"]?.stringValue))
                default: break
                }
            }
        } else if !view.deltaRecords.isEmpty {
            origin = "recorded by the build against its --previous bundle (difflog.jsonl)"
            for r in view.deltaRecords {
                if r.action == .unchanged { unchanged += 1; continue }
                list.append(Change(id: "\(r.type)/\(r.key)", action: r.action.rawValue, changes: r.changes ?? [], name: nil))
            }
        } else {
            let total = (view.metadata?.counts.values.reduce(0, +) ?? 0) + (view.metadata?.flowCount ?? 0)
            h.raw("<p>No previous bundle to compare with: this is a first migration, all \(num(total)) payloads and flows are new. ")
            h.raw("Build with <code>--previous OLD.tar</code>, or run <code>cm2gc review BUNDLE --previous OLD.tar</code>, to see creates, updates and deletes with field diffs.</p></section>")
            return
        }
        let byAction = Dictionary(grouping: list, by: \.action)
        h.raw("<p>Changes \(esc(origin)).</p><div class=\"tiles\">")
        tile(&h, num(byAction["create"]?.count ?? 0), "create", "", cls: "ok")
        tile(&h, num(byAction["update"]?.count ?? 0), "update", "", cls: "warn")
        tile(&h, num(byAction["delete"]?.count ?? 0), "delete", "", cls: (byAction["delete"]?.isEmpty ?? true) ? "" : "bad")
        tile(&h, num(unchanged), "unchanged", "")
        h.raw("</div>")
        for action in ["delete", "update", "create"] {
            let items = byAction[action] ?? []
            guard !items.isEmpty else { continue }
            let byType = Dictionary(grouping: items, by: { String($0.id.prefix { $0 != "/" }) })
            for type in byType.keys.sorted() {
                let group = byType[type] ?? []
                h.raw("<details class=\"xg\"\(action != "create" && group.count <= 20 ? " open" : "")><summary><span class=\"badge \(action == "delete" ? "error" : action == "update" ? "warning" : "ok")\">\(action)</span> <code>\(esc(type))</code> <span class=\"n\">\(num(group.count))</span></summary><ul class=\"changes\">")
                for c in group.prefix(listedChanges) {
                    h.raw("<li><code>\(esc(c.id))</code>\(c.name.map { " " + esc($0) } ?? "")")
                    if !c.changes.isEmpty {
                        h.raw("<table class=\"t diff\"><tbody>")
                        for f in c.changes.prefix(30) {
                            h.raw("<tr><td><code>\(esc(f.path))</code></td><td class=\"before\">\(esc(clip(f.before?.canonicalText() ?? "(absent)", 160)))</td><td class=\"after\">\(esc(clip(f.after?.canonicalText() ?? "(absent)", 160)))</td></tr>")
                        }
                        h.raw("</tbody></table>")
                    }
                    h.raw("</li>")
                }
                h.raw("</ul>")
                if group.count > listedChanges { h.raw("<p class=\"muted\">… \(num(group.count - listedChanges)) more in plan/plan.txt.</p>") }
                h.raw("</details>")
            }
        }
        h.raw("</section>")
    }
}
