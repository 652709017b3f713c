import AvayaCM
import BundleKit
import Common
import Testing
import TestSupport
@testable import Migration

/// The byte paths added for speed must give exactly what the Foundation paths gave (bundles stay
/// byte-identical): compared on fixed tricky names and on many generated ASCII strings.
@Suite struct ASCIINameTests {
    static let tricky = [
        "", " ", ",", ", ", " ,", ",,", "a,", ",a", "a,,b", "Lovelace, Ada", "  Lovelace ,  Ada  ", "Lovelace,Ada",
        "O'Brien, Sean", "de la Cruz, Maria Jose", "Front Desk", "Front  Desk\t2", "Lobby\r\nPhone", "a\u{0B}b", "a\u{0C}b",
        "\tTab, Lead\t", "Smith, ", " , Smith", "A.-B, C-.D", "x..y, z", "...", "-", "Room 101 (West)", "UPPER, lower",
        "a\rb", "a\nb,c", "{first}", "{last}, {first}", "q@r, s@t", "1234", "J. R. R., Tolkien",
    ]
    static let templates = ["{first}.{last}@{domain}", "{last}{extension}@{domain}", "{first}..{last}@{domain}",
                            ".{first}-{last}.@{domain}", "{extension}", "no-at-{first}", "{first}{first}@x@{domain}", ""]

    /// Deterministic pseudo-random ASCII names over the characters the rules treat specially.
    static func generated(count: Int) -> [String] {
        pseudoRandomStrings(over: Array("aZ09 ,.-'\t\r\n\u{0B}\u{0C}@{}()_xyQ"), count: count, lengthShift: 59,
                            seed: 0x9E37_79B9_7F4A_7C15)
    }

    @Test func bytePathsMatchFoundationForASCII() throws {
        for name in Self.tricky + Self.generated(count: 3000) {
            #expect(ASCIIName.display(name) == PersonName.foundationDisplay(name), "display \(name.debugDescription)")
            let split = try #require(ASCIIName.split(name))
            let ref = PersonName.foundationSplit(name)
            #expect(split.first == ref.first && split.last == ref.last, "split \(name.debugDescription)")
            #expect(ASCIIName.emailPart(name) == PersonName.foundationEmailPart(name), "emailPart \(name.debugDescription)")
            for t in Self.templates {
                #expect(ASCIIName.email(template: t, name: name, extension: "4001", domain: "ex.com")
                        == PersonName.foundationEmail(template: t, name: name, extension: "4001", domain: "ex.com"),
                        "email \(t) \(name.debugDescription)")
            }
        }
    }

    @Test func nonASCIITakesTheFoundationPath() {
        #expect(ASCIIName.display("Müller, Jürgen") == nil)
        #expect(ASCIIName.email(template: "{first}@{domain}", name: "Seán", extension: "1", domain: "ex.com") == nil)
        #expect(PersonName.email(template: "{first}.{last}@{domain}", name: "Müller, Jürgen", extension: "4001", domain: "ex.com")
                == "jurgen.muller@ex.com")
        #expect(PersonName.display("  Müller ,  Jürgen  ") == "Jürgen Müller")
    }
}

/// The field-by-field station writer must give the generic encoder's canonical bytes.
@Suite struct RecordBytesTests {
    static func stations() throws -> [Station] {
        let model = try AvayaReaderFacade.model(sources: ["samples/sat"].map(SampleBuildTests.path))
        var out = Array(model.stations.values)
        // Every optional set and unset, escapes, non-ASCII, empty and non-empty maps and buttons.
        out.append(Station(extension: "4001"))
        out.append(Station(extension: "40\"0\\2", name: "Ünïcode, \u{1F600} \t\n\r\u{08}\u{0C}\u{01}\u{1F}", setType: "9641SIP",
                           port: "X", cor: -3, cos: 0, tenant: 12, coveragePath1: "c1", coveragePath2: "", huntToStation: "5000",
                           hasSecurityCode: true,
                           buttons: [Button(number: 1, type: "call-appr"),
                                     Button(number: 2, module: 1, type: "brdg-appr", parameters: ["extension": "4002", "button": "1", "Z": "", "a": "é"])],
                           ec500State: "enabled", extra: ["location": "2", "zeta": "\"q\"", "Alpha": "x", "": "empty key", "é": "u"]))
        out.append(Station(extension: "4003", hasSecurityCode: false, extra: ["a": "b"]))
        return out
    }

    @Test func stationBytesMatchTheGenericEncoder() throws {
        let stations = try Self.stations()
        #expect(stations.count > 5)
        for st in stations {
            let generic = try CanonicalJSON.data(st)
            #expect(RecordBytes.canonical(st) == Array(generic), "station \(st.extension)")
            #expect(RecordBytes.digest(st) == SHA256Digest.hex(generic))
        }
    }
}

@Suite struct PlannerFastPathTests {
    @Test func referencesAreSortedAndUnique() {
        let v: JSONValue = ["b": "@ref:users/b", "a": ["@ref:users/a", "@ref:users/b", "x"], "c": ["d": "@ref:groups/g", "e": "@ext:sites/s"]]
        #expect(Planner.references(in: v) == ["groups/g", "users/a", "users/b"])
        #expect(Planner.references(in: "@ref:users/a") == ["users/a"])
        #expect(Planner.references(in: ["x": 1]) == [])
    }

    /// The bucketed order equals the plain sort by (phase, id), with creates, patches and a cycle.
    @Test func stepsComeInPhaseThenIDOrder() {
        let resources: [PlannedResource] = [
            .init(type: "users", key: "u1", payload: ["name": "U1"]),
            .init(type: "groups", key: "g1", payload: ["owner": "@ref:users/u1", "peer": "@ref:groups/g2"]),
            .init(type: "groups", key: "g2", payload: ["peer": "@ref:groups/g1"]),
            .init(type: "queues", key: "q1", payload: ["group": "@ref:groups/g1", "members": ["@ref:users/u1", "@ref:users/u1"]]),
            .init(type: "flows", key: "f1", payload: ["requires": ["@ref:queues/q1"]]),
        ]
        let plan = Planner.plan(resources)
        let sorted = plan.steps.sorted { ($0.phase, $0.id) < ($1.phase, $1.id) }
        #expect(plan.steps.map(\.id) == sorted.map(\.id))
        #expect(plan.steps.contains { $0.action == .patch })
        #expect(plan.brokenCycles == [["groups/g1", "groups/g2"]])
        // Out-of-order input gives the same plan.
        #expect(Planner.plan(resources.reversed()).steps.map(\.id) == plan.steps.map(\.id))
    }
}

/// Payloads encoded on the transform's workers (what `cm2gc build` asks for) must be exactly what
/// encoding the trees afterwards gave: same resources, bytes, digests, references, decisions and plan.
@Suite struct EncodedPayloadTests {
    @Test func encodedTransformMatchesTheTreeTransform() throws {
        let model = try AvayaReaderFacade.model(sources: ["samples/sat", "samples/smgr"].map(SampleBuildTests.path))
        let config = try MappingConfig.load(path: SampleBuildTests.path("samples/mapping.yaml"))
        let transformer = Transformer(config: config, createdEpoch: 1_735_689_600)
        let trees = transformer.run(model)
        let encoded = transformer.run(model, encodingPayloads: true)
        #expect(encoded.resources.map(\.id) == trees.resources.map(\.id))
        #expect(encoded.resources.filter { $0.encoded != nil }.count >= model.stations.count / 2, "the workers' path ran")
        #expect(trees.resources.allSatisfy { $0.encoded == nil })
        #expect(encoded.decisions == trees.decisions)
        #expect(encoded.exceptions == trees.exceptions)
        for (e, t) in zip(encoded.resources, trees.resources) {
            #expect(e.payload.canonicalData() == t.payload.canonicalData(), "\(e.id)")
            #expect(e.references == t.references, "\(e.id)")
            if let p = e.encoded {
                #expect(p == (try BundleBuilder.prepare(type: t.type, key: t.key, json: t.payload)), "\(e.id)")
            }
        }
        let lean = Planner.plan(encoded.resources, withPayloads: false)
        var full = Planner.plan(trees.resources)
        #expect(full.steps.contains { !$0.payload.isNull })
        for i in full.steps.indices { full.steps[i].payload = .null }
        #expect(lean.steps == full.steps)
        #expect(lean.brokenCycles == full.brokenCycles)
    }

    @Test func anEncodedResourceReadsAndChangesLikeATree() throws {
        let value: JSONValue = ["name": "Q", "members": ["@ref:users/u2", "@ref:users/u1", "@ref:users/u2"], "n": 3]
        var r = PlannedResource(type: "queues", key: "q1", payload: value)
        r.encode()
        let p = try #require(r.encoded)
        #expect(p.data == value.canonicalData())
        #expect(p.digest == SHA256Digest.hex(value.canonicalData()))
        #expect(r.payload == value)
        #expect(r.references == ["users/u1", "users/u2"])
        #expect(r.references == Planner.references(in: value))
        // Setting the payload (what `amend` does) drops the stale bytes.
        r.payload = ["name": "R"]
        #expect(r.encoded == nil)
        #expect(r.references == [])
        // What cannot be prepared stays a tree, so building the bundle reports it as before.
        var bad = PlannedResource(type: "queues", key: "a/b", payload: value)
        bad.encode()
        #expect(bad.encoded == nil)
        #expect(bad.payload == value)
    }
}
