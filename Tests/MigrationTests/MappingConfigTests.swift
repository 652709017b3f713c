import Foundation
import Testing
import Common
@testable import Migration

@Suite struct MappingConfigTests {
    @Test func emptyDocumentGivesDefaults() throws {
        let c = try MappingConfig.parse(yaml: "")
        #expect(c == MappingConfig())
        #expect(c.digest.count == 64)
    }

    @Test func readsSitesAndOverrides() throws {
        let c = try MappingConfig.parse(yaml: """
        sites:
          berlin: { countryCode: "49", trunkPrefix: "0", internationalPrefix: "00", nationalNumberLengths: [10, 11], timeZone: Europe/Berlin, country: DE }
        defaultSite: berlin
        email: { domain: corp.example }
        secondsPerRing: 5
        divisions: { tenants: { "2": Support } }
        huntGroups:
          ucd-loa: { target: queue, skillEvaluation: ALL }
        """)
        #expect(c.site(forLocation: nil).timeZone == "Europe/Berlin")
        #expect(c.email.domain == "corp.example")
        #expect(c.secondsPerRing == 5)
        #expect(c.divisions.tenants["2"] == "Support")
        #expect(c.huntGroups["circ"]?.ringPolicy == "ROUND_ROBIN")  // untouched default stays
        #expect(c.digest != MappingConfig().digest)
    }

    @Test func readsCallWorkCodesAndCPNFormat() throws {
        let c = try MappingConfig.parse(yaml: """
        sites:
          fra: { countryCode: "49", timeZone: Europe/Berlin, cpnFormat: international }
        defaultSite: fra
        callWorkCodes:
          codes: { "11": Order placed, "7": Other }
          queues: [1, 4]
        """)
        #expect(c.site(forLocation: nil).cpnFormat == .international)
        #expect(c.callWorkCodes.codes == ["11": "Order placed", "7": "Other"])
        #expect(c.callWorkCodes.queues == .huntGroups([1, 4]))
        #expect(try MappingConfig.parse(yaml: "callWorkCodes: { queues: none }").callWorkCodes.queues == .none)
        #expect(MappingConfig().site(forLocation: nil).cpnFormat == .auto)
        #expect(try MappingConfig.parse(yaml: "cpnFormats: { \"4/3\": national, \"5/\": international }").cpnFormats == ["4/3": .national, "5/": .international])
    }

    @Test func unknownKeyNamesPathLineAndSuggestion() {
        do {
            _ = try MappingConfig.parse(yaml: "email:\n  domian: x.com\n", file: "m.yaml")
            Issue.record("expected an error")
        } catch let MappingConfigError.invalid(ds) {
            let d = ds.first
            #expect(d?.location?.file == "m.yaml")
            #expect(d?.location?.line == 2)
            #expect(d?.location?.record == "email.domian")
            #expect(d?.hint?.contains("did you mean domain") == true)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test(arguments: [
        "secondsPerRing: fast",
        "secondsPerRing: 99",
        "sites: { x: { countryCode: \"+1\", timeZone: UTC } }\ndefaultSite: x",
        "sites: { x: { countryCode: \"1\", timeZone: Mars/Olympus } }\ndefaultSite: x",
        "defaultSite: nowhere",
        "skillLevels: { mode: table, table: { \"1\": 1, \"2\": 4 } }",
        "huntGroups: { circ: { target: group, ringPolicy: RING_ALL } }",
        "exclude: [\"5000-49\"]",
        "didOverrides: { \"4001\": \"2025550123\" }",
        "version: 2",
        "presence: { keywords: { lunch: Napping } }",
        "phones: { setTypes: { \"9611\": { kind: sip } } }",
        "email: { template: \"{first}.{last}\" }",
        "[1, 2]",
        "a: [",
        "sites: { x: { countryCode: \"49\", timeZone: UTC, cpnFormat: e164 } }\ndefaultSite: x",
        "callWorkCodes: { codes: { \"1a\": Sale } }",
        "callWorkCodes: { codes: { \"11\": \"\" } }",
        "callWorkCodes: { queues: some }",
        "callWorkCodes: { code: { \"11\": Sale } }",
    ])
    func badValuesAreErrors(yaml: String) {
        #expect(throws: MappingConfigError.self) { try MappingConfig.parse(yaml: yaml) }
    }
}

@Suite struct MappingSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func schemaAndLoaderAgreeOnTopLevelKeys() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("docs/mapping.schema.json"))
        let schema = try JSONValue.parse(data)
        let keys = Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? [])
        #expect(keys == MappingConfig.topLevelKeys)
    }
}
