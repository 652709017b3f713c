import Common
import Foundation
import Testing
@testable import BundleKit

@Suite struct WriteTests {
    @Test func twoWritesFromTheSameInputsAreByteIdentical() throws {
        for gzip in [false, true] {
            let a = try sampleBuilder().build().tarData(gzip: gzip)
            let b = try sampleBuilder().build().tarData(gzip: gzip)
            #expect(a == b, "gzip: \(gzip)")
            #expect(a.count > 0)
        }
    }

    @Test func oneDifferentPayloadByteChangesBytesDigestAndID() throws {
        let a = try sampleBuilder(queueName: "Sales").build()
        let b = try sampleBuilder(queueName: "Salez").build()
        #expect(try a.tarData() != b.tarData())
        #expect(a.digest != b.digest)
        #expect(a.metadata.bundleID != b.metadata.bundleID)
    }

    @Test func insertionOrderDoesNotMatter() throws {
        var b = BundleBuilder(fixedInputs)
        try b.addPayload(type: "skill", key: "b", json: ["name": "B"])
        try b.addPayload(type: "skill", key: "a", json: ["name": "A"])
        var c = BundleBuilder(fixedInputs)
        try c.addPayload(type: "skill", key: "a", json: ["name": "A"])
        try c.addPayload(type: "skill", key: "b", json: ["name": "B"])
        #expect(try b.build().tarData() == c.build().tarData())
    }

    @Test func digestDoesNotDependOnCompressionButOnCreated() throws {
        let dir = try makeTempDir()
        let plain = try writeSample(to: dir, name: "b.tar")
        let gz = try writeSample(to: dir, name: "b.tar.gz", gzip: true)
        let r1 = try BundleVerifier.verify(contentsOf: plain)
        let r2 = try BundleVerifier.verify(contentsOf: gz)
        #expect(r1.isValid && r2.isValid)
        #expect(r1.digest == r2.digest)
        #expect(try Data(contentsOf: gz).prefix(2) == Data([0x1F, 0x8B]))

        var later = fixedInputs
        later.created += 1
        var b = BundleBuilder(later)
        try b.addPayload(type: "skill", key: "billing", json: ["name": "Billing"])
        var c = BundleBuilder(fixedInputs)
        try c.addPayload(type: "skill", key: "billing", json: ["name": "Billing"])
        let (x, y) = (try b.build(), try c.build())
        #expect(x.digest != y.digest)  // created is in bundle.json
        #expect(x.metadata.bundleID == y.metadata.bundleID)  // the id names content only
    }

    @Test func payloadsAreCompactCanonicalJSON() throws {
        var b = BundleBuilder(fixedInputs)
        try b.addPayload(type: "queue", key: "q", data: Data(#"{ "z": 1, "a": {"y": [true, null], "b": 0.5} }"#.utf8))
        let files = try b.build().files
        #expect(files["payloads/queue/q.json"] == Data(#"{"a":{"b":0.5,"y":[true,null]},"z":1}"#.utf8))
    }

    @Test func builderRejectsBadInput() throws {
        var b = BundleBuilder(fixedInputs)
        #expect(throws: BundleError.self) { try b.addPayload(type: "Queue", key: "x", json: [:]) }
        #expect(throws: BundleError.self) { try b.addPayload(type: "queue", key: "../x", json: [:]) }
        #expect(throws: BundleError.self) { try b.addPayload(type: "queue", key: "ü", json: [:]) }
        #expect(throws: BundleError.self) { try b.addPayload(type: "queue", key: "x", json: .array([])) }
        #expect(throws: BundleError.self) { try b.addPayload(type: "queue", key: "x", json: ["skill": "@ref:nope"]) }
        #expect(throws: BundleError.self) { try b.addFile(path: "payloads/x/y.json", data: Data()) }
        #expect(throws: BundleError.self) { try b.addFile(path: "bundle.json", data: Data()) }
        #expect(throws: BundleError.self) { try b.addFile(path: "/etc/passwd", data: Data()) }
        try b.addPayload(type: "queue", key: "x", json: [:])
        #expect(throws: BundleError.duplicateMember("payloads/queue/x.json")) { try b.addPayload(type: "queue", key: "x", json: [:]) }
    }

    @Test func payloadSizeLimitIsEnforcedOnWrite() throws {
        var b = BundleBuilder(fixedInputs)
        try b.addPayload(type: "q", key: "ok", json: ["s": .string(String(repeating: "a", count: 511_990))])
        #expect(throws: BundleError.self) {
            try b.addPayload(type: "q", key: "big", json: ["s": .string(String(repeating: "a", count: 512_000))])
        }
    }

    @Test func danglingReferenceAndBadPlanAreRefused() throws {
        var b = BundleBuilder(fixedInputs)
        try b.addPayload(type: "queue", key: "q", json: ["skills": [PayloadReference(type: "skill", key: "gone").json]])
        #expect(throws: BundleError.self) { try b.build() }

        var c = BundleBuilder(fixedInputs)
        try c.addPayload(type: "skill", key: "s", json: [:])
        c.setPlan([PlanStep(id: "a", type: "skill", key: "s", action: .create, dependsOn: ["b"], phase: 1, payload: "payloads/skill/s.json"),
                   PlanStep(id: "b", type: "skill", key: "s", action: .delete, phase: 1)])
        #expect(throws: BundleError.self) { try c.build() }
        c.setPlan([PlanStep(id: "a", type: "skill", key: "s", action: .create, phase: 1, payload: "payloads/skill/missing.json")])
        #expect(throws: BundleError.self) { try c.build() }
        c.setPlan([PlanStep(id: "a", type: "skill", key: "s", action: .create, phase: 1, payload: "payloads/skill/s.json")])
        _ = try c.build()
    }

    @Test func metadataFieldsAreChecked() throws {
        var bad = fixedInputs
        bad.sourceFingerprint = "has space"
        #expect(throws: BundleError.self) { try BundleBuilder(bad).build() }
        bad = fixedInputs
        bad.created = -1
        #expect(throws: BundleError.self) { try BundleBuilder(bad).build() }
    }

    @Test func emptyBundleIsValid() throws {
        let files = try BundleBuilder(fixedInputs).build().files
        let report = try BundleVerifier.verify(files)
        #expect(report.isValid, "\(report.problems)")
        #expect(files[BundleFormat.manifestPath] == Data())
    }

    @Test func slugAndPathRules() {
        #expect(BundlePath.slug("Tech Support (EMEA)") == "tech-support-emea")
        #expect(BundlePath.slug("  ..Müller__x ") == "m-ller__x")
        #expect(BundlePath.slug("***") == "x")
        #expect(BundlePath.isValid("payloads/queue/a.json"))
        for bad in ["", "/a", "a/", "a//b", "a/../b", "./a", ".hidden", "A", "a b", "ü", String(repeating: "a", count: 201)] {
            #expect(!BundlePath.isValid(bad), "\(bad)")
        }
    }

    @Test func rfc3339() {
        #expect(BundleTime.rfc3339(epochSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(BundleTime.rfc3339(epochSeconds: 1_704_067_200) == "2024-01-01T00:00:00Z")
        #expect(BundleTime.rfc3339(epochSeconds: 951_825_599) == "2000-02-29T11:59:59Z")
        #expect(BundleTime.rfc3339(epochSeconds: 4_102_444_800) == "2100-01-01T00:00:00Z")
        #expect(BundleTime.sourceDateEpoch(["SOURCE_DATE_EPOCH": "12"]) == 12)
        #expect(BundleTime.sourceDateEpoch(["SOURCE_DATE_EPOCH": "x"]) == nil)
    }

    @Test func planFromReferencesOrdersDependenciesFirst() throws {
        let steps = try BundleOperations.planFromReferences([
            ("queue", "q", ["s": [PayloadReference(type: "skill", key: "s").json]]),
            ("skill", "s", [:]),
        ])
        #expect(steps.map(\.id) == ["skill/s", "queue/q"])
        #expect(steps.map(\.phase) == [1, 2])
        #expect(steps[1].dependsOn == ["skill/s"])
        #expect(throws: BundleError.self) {
            try BundleOperations.planFromReferences([
                ("a", "x", ["r": PayloadReference(type: "b", key: "y").json]),
                ("b", "y", ["r": PayloadReference(type: "a", key: "x").json]),
            ])
        }
    }
}

/// The writer refuses more members than readers accept (bundle-spec.md section 19).
@Suite struct MemberLimitTests {
    @Test func builderRefusesMoreMembersThanTheLimit() throws {
        var b = BundleBuilder(BundleInputs(sourceFingerprint: "a", mappingConfigDigest: "b", targetAPIModel: "t", created: 0))
        b.limits.maxMembers = 12
        for i in 0..<5 { try b.addPayload(type: "skill", key: "s\(i)", json: ["name": .string("S\(i)")]) }
        b.setPlan(try BundleOperations.planFromReferences((0..<5).map { ("skill", "s\($0)", ["name": .string("S\($0)")]) }))
        #expect(throws: BundleError.self) { try b.build() }
        b.limits.maxMembers = 13  // 5 payloads + 8 required members
        #expect(try b.build().files.paths.count == 13)
    }
}
