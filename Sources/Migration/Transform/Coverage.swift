import AvayaCM
import Common
import Foundation
import GenesysCloud

extension Context {
    /// Node names of the overflow graph: `station:<ext>`, `cov:<n>`, `hunt:<n>`.
    func pointNode(_ p: String) -> String? {
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

    func isVoicemailPoint(_ p: String) -> Bool {
        let s = p.lowercased()
        if s.hasPrefix("h"), let n = Int(s.dropFirst()) { return config.voicemailGroups.contains(n) }
        if let hg = index.huntGroupByExtension[p] { return config.voicemailGroups.contains(hg.number) }
        return false
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

        var stationsByPath: [String: [String: Int]] = [:]
        for st in model.stations.values where userForStation[st.extension] != nil {
            if let p = st.coveragePath1 { stationsByPath[p, default: [:]][st.extension] = 0 }
        }
        for (k, c) in Self.sorted(model.coveragePaths) {
            let users = SiteModel.sortedKeys(stationsByPath[k] ?? [:])
            let digest = recordDigest(c)
            if users.isEmpty {
                sink.exclude(rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                             reason: "coverage path \(k) is used by no migrated station")
                continue
            }
            let dontAnswer = (c.inside.dontAnswer ?? false) || (c.outside.dontAnswer ?? false)
            let all = (c.inside.all ?? false) || (c.outside.all ?? false)
            let rings = c.dontAnswerRings ?? 2
            let voicemailIdx = c.points.firstIndex { isVoicemailPoint($0.point) }
            // Non-voicemail points: Genesys forwarding is unconditional when enabled, CM coverage
            // is conditional, so forwarding is prepared but only enabled for "all calls". The
            // targets depend on the path only: worked out once, not once per station using it.
            var targets: [JSONValue] = []
            for p in c.points where !isVoicemailPoint(p.point) {
                if let n = pointNode(p.point), brokenEdges.contains("cov:\(c.number)>\(n)") { continue }
                if model.stations[p.point] != nil, let e164 = stationNumber(p.point) {
                    targets.append(["type": "PHONENUMBER", "value": .string(e164)])
                }
            }
            var produced = false
            for ext in users {
                guard let user = userForStation[ext] else { continue }
                if voicemailIdx != nil {
                    let seconds = min(max(rings * config.secondsPerRing, 1), 300)
                    if sink.add(type: .voicemailPolicies, key: user,
                                payload: ["parent": .string(ref(.users, user)), "body": ["alertTimeoutSeconds": .int(Int64(seconds))]],
                                rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                                reason: "coverage path \(k) ends in voicemail after \(rings) rings → voicemail after \(seconds) s for \(ext)") {
                        produced = true
                    }
                }
                if !targets.isEmpty {
                    if sink.add(type: .callForwarding, key: user,
                                payload: ["parent": .string(ref(.users, user)),
                                          "body": ["enabled": .bool(all), "calls": [["targets": .array(targets)]],
                                                   "voicemail": .string(voicemailIdx != nil ? "PURECLOUD" : "NONE")]],
                                rule: "coverage.forwarding", kind: .coveragePath, id: k, digest: digest,
                                reason: "coverage path \(k) points become forwarding targets for \(ext)" + (all ? " (all calls: enabled)" : " (conditional: prepared, disabled)")) {
                        produced = true
                    }
                    if !all, dontAnswer || (c.inside.busy ?? false) || (c.outside.busy ?? false) {
                        sink.exception(rule: "coverage.forwarding", kind: .coveragePath, id: k, .approximated,
                                       "coverage path \(k) covers on busy/don't answer; Genesys forwarding is unconditional, so it is disabled for \(ext)",
                                       hint: "use a group ring or a flow for conditional coverage")
                    }
                }
            }
            if !produced {
                sink.exception(rule: "coverage.forwarding", kind: .coveragePath, id: k, .manual,
                               "coverage path \(k) (points \(c.points.map(\.point).joined(separator: ", "))) has no Genesys forwarding equivalent",
                               hint: "hunt groups, remote and attendant points need a flow or group ring")
            }
        }
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
