import Common
import Foundation
import Testing
@testable import BundleKit

/// The hand-written canonical writers of the records (diff log, exceptions, plan steps), the
/// manifest sort and the reference walk must give exactly what the generic paths give.
@Suite struct RecordWriterTests {
    static let texts = ["", "a", "x\"\\\n\r\t\u{01}\u{1F}", "Müller", "Łódź 👩‍👩‍👧", "e\u{301}", "=1+2", "a,b", "@ref:users/u1"]

    static func text(_ g: inout SplitMix64) -> String { texts[Int(g.next() % UInt64(texts.count))] }
    static func maybe(_ g: inout SplitMix64) -> String? { g.next() % 3 == 0 ? nil : text(&g) }
    static func list(_ g: inout SplitMix64) -> [String]? {
        g.next() % 3 == 0 ? nil : (0..<Int(g.next() % 4)).map { _ in text(&g) }
    }

    static func json(_ g: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch g.next() % (depth > 2 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(g.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: g.next()) >> Int64(g.next() % 60))
        case 3: return .double(Double(Int64(g.next() % 100_000)) / 7)
        case 4: return .string(text(&g))
        case 5: return .array((0..<Int(g.next() % 4)).map { _ in json(&g, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<Int(g.next() % 5) { o[text(&g) + String(g.next() % 9)] = json(&g, depth: depth + 1) }
            return .object(o)
        }
    }

    static func diffRecord(_ g: inout SplitMix64) -> DiffRecord {
        let actions: [DiffRecord.Action] = [.create, .update, .patch, .delete, .unchanged, .exclude, .manual]
        var r = DiffRecord(type: text(&g), key: text(&g), action: actions[Int(g.next() % 7)], source: maybe(&g),
                           changes: g.next() % 2 == 0 ? nil : (0..<Int(g.next() % 3)).map { _ in
                               FieldChange(path: text(&g), before: g.next() % 3 == 0 ? nil : json(&g),
                                           after: g.next() % 3 == 0 ? nil : json(&g))
                           }, note: maybe(&g))
        r.seq = g.next() % 4 == 0 ? nil : Int(g.next() % 1_000_000)
        r.bundleID = maybe(&g)
        r.rule = maybe(&g)
        r.sourceSystem = maybe(&g)
        r.sourceType = maybe(&g)
        r.sourceID = maybe(&g)
        r.sourceDigest = maybe(&g)
        r.reason = maybe(&g)
        r.payload = maybe(&g)
        r.payloadDigest = maybe(&g)
        r.dependsOn = list(&g)
        r.warnings = list(&g)
        return r
    }

    @Test func diffRecordsAndFieldChangesMatchTheEncoderTree() throws {
        var g = SplitMix64(seed: 16)
        for _ in 0..<2000 {
            let r = Self.diffRecord(&g)
            #expect(try CanonicalJSON.data(r) == CanonicalJSON.treeData(r))
            #expect(try CanonicalJSON.data(r, pretty: true) == CanonicalJSON.treeData(r, pretty: true))
        }
    }

    @Test func exceptionRecordsMatchTheEncoderTree() throws {
        var g = SplitMix64(seed: 17)
        let severities: [Diagnostic.Severity] = [.note, .warning, .error]
        for _ in 0..<2000 {
            let e = ExceptionRecord(severity: severities[Int(g.next() % 3)], code: Self.text(&g), message: Self.text(&g),
                                    source: Self.maybe(&g), type: Self.maybe(&g), key: Self.maybe(&g), hint: Self.maybe(&g))
            #expect(try CanonicalJSON.data(e) == CanonicalJSON.treeData(e))
            #expect(try CanonicalJSON.data(e, pretty: true) == CanonicalJSON.treeData(e, pretty: true))
        }
    }

    @Test func planStepsMatchTheEncoderTreeAlsoInsidePlanOrder() throws {
        var g = SplitMix64(seed: 18)
        let actions = PlanAction.allCases
        let steps = (0..<3000).map { i in
            PlanStep(id: "s\(i)" + Self.text(&g), type: Self.text(&g), key: Self.text(&g), action: actions[Int(g.next() % 4)],
                     dependsOn: Self.list(&g) ?? [], phase: Int(g.next() % 30), payload: Self.maybe(&g), note: Self.maybe(&g),
                     deferredFields: Self.list(&g))
        }
        for s in steps.prefix(500) {
            #expect(try CanonicalJSON.data(s) == CanonicalJSON.treeData(s))
            #expect(try CanonicalJSON.data(s, pretty: true) == CanonicalJSON.treeData(s, pretty: true))
        }
        // plan/order.json: step by step (hand-written) against one tree for the whole plan.
        #expect(try CanonicalJSON.prettyObject(key: "steps", array: steps) == CanonicalJSON.treeData(BundlePlan(steps: steps), pretty: true))
    }

    @Test func manifestLinesAreInPathByteOrder() {
        var g = SplitMix64(seed: 19)
        let segments = ["a", "b", "a-b", "a.b", "a_b", "ab", "z", "0", "a0", "payloads", "flows"]
        var paths = Set<String>()
        while paths.count < 3000 {
            paths.insert((0..<Int(1 + g.next() % 3)).map { _ in segments[Int(g.next() % UInt64(segments.count))] }.joined(separator: "/")
                         + String(g.next() % 50))
        }
        let entries = paths.map { ($0, SHA256Digest.hex($0)) }
        let expected = entries.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            .map { "\($0.1)  \($0.0)\n" }.joined()
        #expect(Manifest.render(digests: entries) == Data(expected.utf8))
        #expect(Manifest.render(digests: []) == Data())
    }

    /// The walk as first written: every object's keys sorted, strings tested with `hasPrefix`.
    static func referenceCollect(_ value: JSONValue) -> [PayloadReference] {
        var out: [PayloadReference] = []
        var seen = Set<PayloadReference>()
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s):
                if s.hasPrefix("@ref:"), let r = referenceParse(String(s.dropFirst(5))), seen.insert(r).inserted { out.append(r) }
            case .object(let o): for k in o.keys.sorted(by: BundlePath.precedes) { if let c = o[k] { walk(c) } }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(value)
        return out
    }

    static func referenceParse(_ s: String) -> PayloadReference? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, BundlePath.isValidSegment(parts[0]), BundlePath.isValidSegment(parts[1]) else { return nil }
        return PayloadReference(type: parts[0], key: parts[1])
    }

    @Test func referenceTextsParseAsBeforeOnBytes() {
        let texts = ["users/u1", "users/", "/u1", "users/u1/x", "Users/u1", "users/.", "users/..", "users/.x", "users/a.b_c-d",
                     "é/u", "users/u\u{301}", "users", "", "/", "a/b", "0/9", String(repeating: "a", count: 100) + "/b",
                     String(repeating: "a", count: 101) + "/b", "a//b", "a b/c"]
        for t in texts {
            #expect(PayloadReferences.parse(t) == Self.referenceParse(t), "\(t.debugDescription)")
        }
    }

    @Test func pathChecksOnBytesAgreeWithTheSegmentRules() {
        var g = SplitMix64(seed: 21)
        let pieces = ["a", "z9", "-", ".", "..", "_", "/", "A", "é", " ", "payloads", "x.json", String(repeating: "b", count: 99)]
        for _ in 0..<5000 {
            let s = (0..<Int(g.next() % 5)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
            let bytes = Array(s.utf8)
            let reference: String? = {
                if bytes.isEmpty { return "empty path" }
                if bytes.count > BundlePath.maxPathBytes { return "long" }
                if bytes.first == UInt8(ascii: "/") { return "absolute" }
                for seg in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
                    if let r = BundlePath.segmentProblem(Array(seg)) { return r }
                }
                return nil
            }()
            #expect((BundlePath.problem(with: s) == nil) == (reference == nil), "\(s.debugDescription)")
            #expect(BundlePath.isValidSegment(s) == (!s.contains("/") && BundlePath.segmentProblem(bytes) == nil), "\(s.debugDescription)")
        }
    }

    @Test func referencesAreCollectedInDocumentOrder() {
        var g = SplitMix64(seed: 20)
        let strings = ["@ref:users/u1", "@ref:users/u2", "@ref:queues/q", "@ref:bad", "@ref:a/b/c", "@ext:x/y", "@ext:x",
                       "@ext:/y", "@ref:\u{301}users/u1", "@re", "x@ref:users/u1", "plain"]
        func value(_ depth: Int) -> JSONValue {
            switch g.next() % (depth > 3 ? 1 : 3) {
            case 0: return .string(strings[Int(g.next() % UInt64(strings.count))])
            case 1: return .array((0..<Int(g.next() % 4)).map { _ in value(depth + 1) })
            default:
                var o: [String: JSONValue] = [:]
                for _ in 0..<Int(g.next() % 6) { o[["a", "b", "B", "é", "a0", "ab"][Int(g.next() % 6)] + String(g.next() % 5)] = value(depth + 1) }
                return .object(o)
            }
        }
        for _ in 0..<1000 {
            let v = value(0)
            #expect(PayloadReferences.collect(in: v) == Self.referenceCollect(v))
        }
        let problems = PayloadReferences.shapeProblems(.object(["b": .string("@ref:bad"), "a": .array([.string("@ext:x"), .string("@ref:users/u")])]))
        #expect(problems == ["external reference \"@ext:x\" must be \"@ext:<type>/<name>\"",
                             "reference \"@ref:bad\" must be \"@ref:<type>/<key>\" of segment names"])
        #expect(PayloadReferences.shapeProblems(.string("@ref:\u{301}users/u1")).isEmpty)  // not a reference: the prefix's ":" takes the accent
    }
}
