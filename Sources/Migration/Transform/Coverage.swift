import AvayaCM
import Common
import Foundation
import GenesysCloud

extension Context {
    /// Node names of the overflow graph: `station:<ext>`, `cov:<n>`, `hunt:<n>`.
    func pointNode(_ raw: String) -> String? {
        let p = Self.canonicalExtension(raw)
        let s = p.lowercased()
        if s.hasPrefix("h"), let n = Int(s.dropFirst()) { return "hunt:\(n)" }
        if s.allSatisfy(\.isNumber), !s.isEmpty {
            if let hg = index.huntGroupByExtension[p] { return "hunt:\(hg.number)" }
            return model.stations[p] != nil ? "station:\(p)" : nil
        }
        return nil
    }

    /// [hunt.overflow]: coverage paths, next paths, hunt-to stations and hunt-group night service
    /// form a graph; each elementary cycle is one exception and is broken once, at its closing
    /// edge, which is where the default overflow destination goes.
    func overflowGraph() -> Digraph {
        var g = Digraph()
        for (ext, st) in model.stations {
            if let c = st.coveragePath1.flatMap({ Int($0) }) { g.addEdge("station:\(ext)", "cov:\(c)") }
            if let h = st.huntToStation, model.stations[h] != nil { g.addEdge("station:\(ext)", "station:\(h)") }
        }
        for (_, c) in model.coveragePaths {
            for p in c.points { if let n = pointNode(p.point) { g.addEdge("cov:\(c.number)", n) } }
            if let next = c.nextPath { g.addEdge("cov:\(c.number)", "cov:\(next)") }
        }
        for (_, h) in model.huntGroups {
            if let c = h.coveragePath.flatMap({ Int($0) }) { g.addEdge("hunt:\(h.number)", "cov:\(c)") }
            if let n = h.nightServiceDestination.flatMap(pointNode) { g.addEdge("hunt:\(h.number)", n) }
        }
        return g
    }

    /// `41-005` and `41.005` are how CM may display extension 41005 (dial-plan punctuation).
    static func canonicalExtension(_ p: String) -> String {
        let t = ASCIIName.trimmingSpaces(p)
        let digits = t.filter { $0 != "-" && $0 != "." }
        return !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? digits : t
    }

    /// What one coverage point is in Genesys [coverage.forwarding].
    enum PointTarget {
        /// A voicemail (messaging) hunt group: the user's own voicemail.
        case voicemail(String)
        /// A forwarding target: the number (E.164, else the extension) and what it is.
        case number(String, String)
        /// No Genesys equivalent, and why.
        case unmapped(String)
    }

    func resolvePoint(_ raw: String) -> PointTarget {
        let p = Self.canonicalExtension(raw)
        let s = p.lowercased()
        if s.hasPrefix("h"), let n = Int(s.dropFirst()) { return huntTarget(n) }
        if s.hasPrefix("v"), s.count > 1, s.dropFirst().allSatisfy(\.isNumber) { return vdnTarget(String(p.dropFirst())) }
        if s == "attd" { return .unmapped("the attendant has no Genesys equivalent") }
        if s.hasPrefix("c"), Int(s.dropFirst()) != nil { return .unmapped("coverage answer group \(s.dropFirst()) has no Genesys equivalent") }
        if s.hasPrefix("r"), Int(s.dropFirst()) != nil { return .unmapped("remote coverage entry \(s.dropFirst()) names a number the export does not carry") }
        guard !p.isEmpty, p.allSatisfy(\.isNumber) else { return .unmapped("\(raw) is not a coverage point this tool understands") }
        if model.stations[p] != nil {
            guard userForStation[p] != nil else { return .unmapped("station \(p) is not migrated") }
            if let e = stationNumber(p) { return .number(e, "user at \(p)") }
            return .number(p, "user at \(p) (extension: no DID)")
        }
        if let h = index.huntGroupByExtension[p] { return huntTarget(h.number) }
        if model.vdns[p] != nil { return vdnTarget(p) }
        return .unmapped("extension \(p) is not a station, hunt group or VDN in the inputs")
    }

    func huntTarget(_ n: Int) -> PointTarget {
        if let why = voicemailGroups[n] { return .voicemail("hunt group \(n) is voicemail (\(why))") }
        guard let h = model.huntGroups[String(n)] else { return .unmapped("hunt group \(n) is not in the inputs") }
        let key = huntKey(n)
        if let g = sink.payload(.groups, key) {
            let name = g["name"]?.stringValue ?? "Hunt Group \(n)"
            if let a = g["addresses"]?.arrayValue?.first?["address"]?.stringValue { return .number(a, "group \(name)") }
            if let e = h.extension { return .number(Self.canonicalExtension(e), "group \(name) (extension: no DID)") }
            return .unmapped("group \(name) has no number")
        }
        if let q = sink.payload(.queues, key) {
            return .unmapped("queue \(q["name"]?.stringValue ?? "Hunt Group \(n)") has no phone number in Genesys (calls reach queues through flows)")
        }
        return .unmapped("hunt group \(n) is not migrated as a queue or group")
    }

    func vdnTarget(_ ext: String) -> PointTarget {
        guard let v = model.vdns[ext], !excluded.contains(ext) else { return .unmapped("VDN \(ext) is not migrated") }
        // A call route exists only for a VDN whose vector becomes a flow (vdn.callroute).
        guard config.callFlows, let n = v.vectorNumber, model.vectors[String(n)] != nil else {
            return .unmapped("VDN \(ext) gets no call route (its vector is not translated), so there is no number to forward to")
        }
        if case .success(let e)? = did(for: ext, location: nil) { return .number(e, "call route of VDN \(ext)") }
        return .unmapped("VDN \(ext) has no public number, so no call route to forward to")
    }

    /// A coverage path and the paths it continues into (`Next Path Number`), worked out once:
    /// points in order, each with its Genesys equivalent.
    struct CoveragePlan {
        var paths: [Int] = []
        /// "point 2" or "path 3 point 1" (for continued paths), raw point, target.
        var points: [(label: String, raw: String, target: PointTarget)] = []
        /// `All?` is y: CM covers every call at once, as enabled Genesys forwarding does.
        var all = false
        var rings = 2
        /// The first voicemail point's label.
        var voicemail: String? {
            for p in points { if case .voicemail = p.target { return p.label } }
            return nil
        }
        var targets: [(label: String, raw: String, value: String, what: String)] {
            var out: [(label: String, raw: String, value: String, what: String)] = []
            for p in points { if case .number(let v, let w) = p.target { out.append((p.label, p.raw, v, w)) } }
            return out
        }
        var missing: [(label: String, raw: String, why: String)] {
            var out: [(label: String, raw: String, why: String)] = []
            for p in points { if case .unmapped(let w) = p.target { out.append((p.label, p.raw, w)) } }
            return out
        }
    }

    func coveragePlan(_ c: CoveragePath, brokenEdges: Set<String>) -> CoveragePlan {
        var plan = CoveragePlan()
        plan.all = (c.inside.all ?? false) || (c.outside.all ?? false)
        plan.rings = c.dontAnswerRings ?? 2
        var path: CoveragePath? = c
        while let cur = path, !plan.paths.contains(cur.number) {
            plan.paths.append(cur.number)
            for (i, p) in cur.points.enumerated() {
                let label = cur.number == c.number ? "point \(i + 1)" : "path \(cur.number) point \(i + 1)"
                if let n = pointNode(p.point), brokenEdges.contains("cov:\(cur.number)>\(n)") {
                    plan.points.append((label, p.point, .unmapped("this point closes a coverage loop (see hunt.overflow)")))
                    continue
                }
                plan.points.append((label, p.point, resolvePoint(p.point)))
            }
            guard let next = cur.nextPath, !brokenEdges.contains("cov:\(cur.number)>cov:\(next)") else { break }
            path = model.coveragePaths[String(next)]
        }
        return plan
    }
    mutating func coverage() {
        let g = overflowGraph()
        let (cycles, truncated) = g.elementaryCycles()
        var brokenEdges: Set<String> = []
        for cycle in cycles {
            guard let first = cycle.first, let last = cycle.last else { continue }
            brokenEdges.insert("\(last)>\(first)")
            let (kind, id) = Self.sourceOf(node: first)
            let dest = config.defaultOverflow.map { "\($0.kind.rawValue) \($0.target)" } ?? "nowhere (no defaultOverflow configured)"
            sink.exception(rule: "hunt.overflow", kind: kind, id: id, .review,
                           "coverage/overflow cycle \((cycle + [first]).joined(separator: " → ")); broken at \(last) → \(first), which goes to \(dest)",
                           hint: "decide where calls should end up; set defaultOverflow in the mapping configuration")
            sinkBroken(cycle)
        }
        if truncated {
            sink.exception(rule: "hunt.overflow", kind: .coveragePath, id: "*", .review,
                           "the coverage graph has more cycles than are listed (limit reached)", hint: "simplify coverage chains")
        }

        // Stations by the path they use; what a station names that is no path is its own exception.
        // Each station classified on every core, then gathered (and its exceptions replayed) in
        // station order.
        let ctx = self
        let classified = everyCore(index.stations) { ext, st -> (path: String?, ops: [SinkOp]) in
            guard ctx.userForStation[ext] != nil else { return (nil, []) }
            var path: String?
            var ops: [SinkOp] = []
            if let raw = st.coveragePath1.map(ASCIIName.trimmingSpaces), !raw.isEmpty {
                if let n = Int(raw), ctx.model.coveragePaths[String(n)] != nil {
                    path = String(n)
                } else {
                    let what = raw.lowercased().hasPrefix("t") ? "time-of-day coverage table \(raw.dropFirst()) (the path changes by time of day)"
                        : "coverage path \(raw), which is not in the inputs"
                    ops.append(ctx.exceptionOp(rule: "coverage.forwarding", kind: .station, id: ext, .manual,
                                               "station \(ext) covers through \(what): no call forwarding or voicemail is set",
                                               hint: raw.lowercased().hasPrefix("t") ? "set the user's forwarding by hand, or a schedule in a flow"
                                                   : "export the coverage path and rebuild"))
                }
            }
            if let p2 = st.coveragePath2.map(ASCIIName.trimmingSpaces), !p2.isEmpty {
                ops.append(ctx.exceptionOp(rule: "coverage.forwarding", kind: .station, id: ext, .manual,
                                           "station \(ext) has a second coverage path \(p2); a Genesys user has one forwarding setting, so only path \(st.coveragePath1 ?? "1") is migrated",
                                           hint: "decide whether path \(p2)'s points matter and set them by hand"))
            }
            return (path, ops)
        }
        var stationsByPath: [String: [String]] = [:]
        for i in classified.indices {
            if let p = classified[i].path { stationsByPath[p, default: []].append(index.stations[i].0) }
            for op in classified[i].ops { sink.apply(op) }
        }

        // Per path on every core (plans, payloads, contract checks); the sink gets the calls in
        // path order, as from the serial loop this replaces (no path reads what another adds).
        let paths = Self.sorted(model.coveragePaths)
        everyCore(paths, window: 2048, minChunk: 32, { k, c in
            ctx.coverageOps(k, c, users: stationsByPath[k] ?? [], brokenEdges: brokenEdges)
        }) { ops in for op in ops { sink.apply(op) } }
    }

    /// The sink calls for one coverage path and the stations using it, in the serial loop's order.
    func coverageOps(_ k: String, _ c: CoveragePath, users: [String], brokenEdges: Set<String>) -> [SinkOp] {
        var ops: [SinkOp] = []
        let digest = recordDigest(c)
        if users.isEmpty {
            return [.exclude(rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                             reason: "coverage path \(k) is used by no migrated station")]
        }
        let plan = coveragePlan(c, brokenEdges: brokenEdges)
        let seconds = min(max(plan.rings * config.secondsPerRing, 1), 300)
        let pathTargets = plan.targets
        let pathText = plan.paths.count > 1 ? "coverage path \(k) (continuing into \(plan.paths.dropFirst().map(String.init).joined(separator: ", ")))" : "coverage path \(k)"
        // Genesys forwarding (CallForwarding) sends every call to its targets once enabled; CM
        // coverage on busy / don't answer is conditional, so such forwarding is prepared but off.
        let forwardingOn = plan.all
        if plan.voicemail == nil {
            // Once per path: a user's voicemail cannot be switched off through the API.
            ops.append(exceptionOp(rule: "coverage.forwarding", kind: .coveragePath, id: k, .review,
                           "\(pathText) never reaches voicemail in CM, but its \(users.count) station(s) get Genesys voicemail as the org's voicemail policy sets it (a user's voicemail policy 'enabled' is read-only)",
                           hint: "if these people must not have voicemail, change it per user in Genesys after upload"))
        }
        // Once per path, not per station: the points' extensions and what has no equivalent.
        let targetExtensions = pathTargets.map { Self.canonicalExtension($0.raw) }
        let missingGaps = plan.missing.map { "\($0.label) \($0.raw): \($0.why)" }
        for ext in users {
            guard let user = userForStation[ext] else { continue }
            // A station that is a point of its own path (a supervisor on the team's shared
            // path) is left out of its own forwarding, which would otherwise call itself.
            let targets = zip(pathTargets, targetExtensions).filter { $0.1 != ext }.map(\.0)
            let calls: [JSONValue] = targets.map { ["targets": [["type": "PHONENUMBER", "value": .string($0.value)]]] }
            // Voicemail user policy: the don't-answer timer when a point is voicemail. Its
            // `enabled` is read-only (research/genesys-readonly.json), so it is never sent.
            if let vm = plan.voicemail {
                ops.append(.add(.init(type: .voicemailPolicies, key: user,
                         payload: ["parent": .string(ref(.users, user)), "body": ["alertTimeoutSeconds": .int(Int64(seconds))]],
                         rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                         reason: "\(pathText) \(vm) is voicemail: \(ext) rings \(plan.rings) × \(config.secondsPerRing) s = \(seconds) s, then voicemail",
                         sink: sink)))
            }
            if !targets.isEmpty {
                let list = targets.map { "\($0.label) → \($0.value) (\($0.what))" }.joined(separator: ", ")
                ops.append(.add(.init(type: .callForwarding, key: user,
                         payload: ["parent": .string(ref(.users, user)),
                                   "body": ["enabled": .bool(forwardingOn), "calls": .array(calls),
                                            "voicemail": .string(plan.voicemail != nil ? "PURECLOUD" : "NONE")]],
                         rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                         reason: "\(pathText) forwards \(ext) in order: \(list)" + (forwardingOn ? " (all calls: enabled)" : " (conditional: prepared, disabled)"),
                         sink: sink)))
            }
            // What has no equivalent: one exception per station naming the path and the points.
            var gaps = missingGaps
            if !forwardingOn, !targets.isEmpty {
                gaps.append("\(targets.map { "\($0.label) \($0.value)" }.joined(separator: ", ")): CM covers only on busy/don't answer, Genesys forwarding takes every call, so it is prepared but disabled")
            }
            if forwardingOn, plan.voicemail != nil, targets.isEmpty {
                gaps.append("all calls went straight to voicemail in CM; Genesys rings the user \(seconds) s first")
            }
            guard !gaps.isEmpty else { continue }
            ops.append(exceptionOp(rule: "coverage.forwarding", kind: .station, id: ext, targets.isEmpty && plan.voicemail == nil ? .manual : .approximated,
                           "station \(ext) \(pathText): " + gaps.joined(separator: "; "),
                           hint: "use a group ring or a flow for conditional coverage; enable forwarding by hand where it fits"))
        }
        return ops
    }

    func sinkBroken(_ cycle: [String]) {
        // Recorded on the output for the build summary.
        sink.recordCycle(cycle)
    }

    static func sourceOf(node: String) -> (ObjectKind, String) {
        let parts = node.split(separator: ":", maxSplits: 1).map(String.init)
        let id = parts.count == 2 ? parts[1] : node
        switch parts.first {
        case "station": return (.station, id)
        case "hunt": return (.huntGroup, id)
        default: return (.coveragePath, id)
        }
    }

    /// A station's E.164 number, if it has one.
    func stationNumber(_ ext: String) -> String? {
        if case .success(let e)? = did(for: ext, location: model.stations[ext]?.extra["location"]) { return e }
        return nil
    }
}

extension TransformSink {
    func recordCycle(_ c: [String]) { appendCycle(c) }
}
