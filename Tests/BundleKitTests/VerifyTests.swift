import Common
import Foundation
import Testing
@testable import BundleKit

@Suite struct VerifyTests {
    @Test func sampleBundleIsValid() throws {
        let dir = try makeTempDir()
        let url = try writeSample(to: dir)
        let result = try BundleOperations.verify(bundleAt: url, trustedKeysDirectory: nil, requiredApprovals: 0)
        #expect(result.integrity.problems == [])
        #expect(result.exitCode == 0)
        #expect(result.integrity.membersVerified == 11)
    }

    /// Flip one byte (or, for an empty member, add one) in every member in turn: verify must fail and
    /// name that member.
    @Test func changingAnyByteOfAnyMemberIsDetected() throws {
        let dir = try makeTempDir()
        let files = try sampleBuilder().build().files
        for path in files.paths {
            var members = files.members
            var data = try #require(members[path])
            if data.isEmpty { data = Data("x".utf8) } else { data[data.count / 2] ^= 0x01 }
            members[path] = data
            let url = dir.appendingPathComponent("t-\(path.replacingOccurrences(of: "/", with: "_")).tar")
            try writeMembers(members, to: url)
            let result = try BundleOperations.verify(bundleAt: url, trustedKeysDirectory: nil, requiredApprovals: 0)
            #expect(result.exitCode == 1, "\(path)")
            if path == BundleFormat.tagManifestPath {
                // The tag manifest is the digest itself: a change shows as a mismatch or bad line in it.
                #expect(!result.integrity.problems.isEmpty)
            } else {
                #expect(result.integrity.problems.contains { $0.member == path }, "\(path): \(result.integrity.problems)")
            }
        }
    }

    @Test func tamperedPayloadManifestAndMetadataAreNamed() throws {
        let dir = try makeTempDir()
        let files = try sampleBuilder().build().files
        for (path, needle) in [("payloads/queue/sales.json", "payloads/queue/sales.json: content does not match manifest-sha256.txt"),
                               ("manifest-sha256.txt", "manifest-sha256.txt: content does not match tagmanifest-sha256.txt"),
                               ("bundle.json", "bundle.json: content does not match tagmanifest-sha256.txt")] {
            var members = files.members
            var d = try #require(members[path])
            d[10] ^= 0x02
            members[path] = d
            let url = dir.appendingPathComponent(path.replacingOccurrences(of: "/", with: "_") + ".tar")
            try writeMembers(members, to: url)
            let result = try BundleOperations.verify(bundleAt: url, trustedKeysDirectory: nil, requiredApprovals: 0)
            #expect(result.exitCode == 1)
            #expect(result.text.contains(needle), "\(result.text)")
            #expect(result.text.contains("result:    INVALID"))
        }
    }

    @Test func missingAndExtraMembersAreReported() throws {
        let files = try sampleBuilder().build().files
        var m = files.members
        m.removeValue(forKey: "payloads/skill/billing.json")
        m["extra.txt"] = Data("sneaked in".utf8)
        let problems = try BundleVerifier.verify(BundleFiles(m)).problems
        #expect(problems.contains(BundleProblem(member: "payloads/skill/billing.json", message: "listed in manifest-sha256.txt but missing from the bundle")))
        #expect(problems.contains(BundleProblem(member: "extra.txt", message: "not listed in tagmanifest-sha256.txt")))
    }

    @Test func unknownMajorIsRejectedUnknownFieldsOfKnownMajorIgnored() throws {
        let files = try sampleBuilder().build().files
        var meta = try metadataObject(files)
        meta["format_version"] = "1.7"
        meta["future_field"] = ["x": 1]
        var m = files.members
        m["bundle.json"] = JSONValue.object(meta).canonicalData(pretty: true)
        #expect(try BundleVerifier.verify(BundleFiles(resealed(m))).isValid)

        meta["format_version"] = "2.0"
        m["bundle.json"] = JSONValue.object(meta).canonicalData(pretty: true)
        #expect(throws: BundleError.unsupportedFormatVersion(member: "bundle.json", found: "2.0")) {
            _ = try BundleVerifier.verify(BundleFiles(resealed(m)))
        }
    }

    @Test func tamperedFormatVersionIsReportedAsTampering() throws {
        let files = try sampleBuilder().build().files
        var m = files.members
        let text = String(decoding: try #require(m["bundle.json"]), as: UTF8.self)
        m["bundle.json"] = Data(text.replacingOccurrences(of: "\"format_version\": \"\(BundleFormat.version)\"", with: "\"format_version\": \"9.0\"").utf8)
        #expect(m["bundle.json"] != files["bundle.json"])
        let problems = try BundleVerifier.verify(BundleFiles(m)).problems
        #expect(problems.contains { $0.member == "bundle.json" && $0.message.hasPrefix("content does not match tagmanifest-sha256.txt") })
    }

    @Test func rulesBehindTheDigestsAreChecked() throws {
        // Resealed edits pass the digests, so the deeper rules must catch them.
        let files = try sampleBuilder().build().files
        var meta = try metadataObject(files)
        meta["bundle_id"] = "00000000000000000000000000000000"
        meta["counts"] = ["queue": 5]
        var m = files.members
        m["bundle.json"] = JSONValue.object(meta).canonicalData(pretty: true)
        let messages = try BundleVerifier.verify(BundleFiles(resealed(m))).problems.map(\.message)
        #expect(messages.contains { $0.hasPrefix("bundle_id 00000000000000000000000000000000 does not match") })
        #expect(messages.contains { $0.hasPrefix("counts {queue: 5} do not match") })

        // A plan that depends on a later step.
        var m2 = files.members
        m2["plan/order.json"] = try CanonicalJSON.data(BundlePlan(steps: [
            PlanStep(id: "a", type: "skill", key: "billing", action: .create, dependsOn: ["b"], phase: 1, payload: "payloads/skill/billing.json"),
            PlanStep(id: "b", type: "queue", key: "sales", action: .create, phase: 2, payload: "payloads/queue/sales.json"),
        ]), pretty: true)
        let planProblems = try BundleVerifier.verify(BundleFiles(resealed(m2))).problems
        #expect(planProblems.contains { $0.member == "plan/order.json" && $0.message.contains("not an earlier step") })
    }

    @Test func cliVerifyExitCodes() throws {
        let cm2gc = try cm2gcPath()
        let dir = try makeTempDir()
        let url = try writeSample(to: dir)
        let ok = try run(cm2gc, ["verify", url.path])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")

        var members = try BundleFiles.read(contentsOf: url).members
        var d = try #require(members["payloads/skill/billing.json"])
        d[2] ^= 0x01
        members["payloads/skill/billing.json"] = d
        let bad = dir.appendingPathComponent("bad.tar")
        try writeMembers(members, to: bad)
        let invalid = try run(cm2gc, ["verify", bad.path])
        #expect(invalid.status == 1)
        #expect(invalid.stdout.contains("payloads/skill/billing.json: content does not match"))
        let json = try run(cm2gc, ["verify", "--json", bad.path])
        #expect(json.status == 1)
        let report = try JSONValue.parse(json.stdout)
        #expect(report["valid"] == false)
        #expect(report["problems"]?.arrayValue?.first?["member"] == "payloads/skill/billing.json")

        let evil = dir.appendingPathComponent("evil.tar")
        try rawTar([RawEntry(path: "../../etc/cron.d/x", data: Data("x".utf8))]).write(to: evil)
        let refused = try run(cm2gc, ["verify", evil.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("../../etc/cron.d/x: refused"))

        let truncated = dir.appendingPathComponent("cut.tar")
        try Data(contentsOf: url).prefix(1_000).write(to: truncated)
        let cut = try run(cm2gc, ["verify", truncated.path])
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("not a readable bundle archive"))

        #expect(try run(cm2gc, ["verify", dir.appendingPathComponent("nope.tar").path]).status == 2)
        #expect(try run(cm2gc, ["verify"]).status == 2)
        #expect(try run(cm2gc, ["verify", "--require-approvals", "2", url.path]).status == 2)
    }

    @Test func cliInspect() throws {
        let cm2gc = try cm2gcPath()
        let dir = try makeTempDir()
        let url = try writeSample(to: dir)
        let built = try sampleBuilder().build()
        let text = try run(cm2gc, ["inspect", url.path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("digest:          \(built.digest)"))
        #expect(text.stdout.contains("resources:       queue 1, skill 1"))
        #expect(text.stdout.contains("# cm2gc bundle summary"))
        let json = try JSONValue.parse(try run(cm2gc, ["inspect", "--json", url.path]).stdout)
        #expect(json["digest"]?.stringValue == built.digest)
        #expect(json["metadata"]?["format_version"] == "1.1")
        #expect(json["metadata"]?["counts"]?["queue"] == 1)
        #expect(json["summary"]?.stringValue?.hasPrefix("# cm2gc bundle summary") == true)
    }
}
