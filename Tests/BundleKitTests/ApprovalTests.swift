import Common
import Foundation
import Testing
@testable import BundleKit

@Suite struct ApprovalTests {
    struct Setup {
        let dir: URL
        let bundle: URL
        let keys: URL
        let trusted: URL
    }

    /// A bundle plus key pairs for the given approvers; `trust` lists whose .pub goes in trusted/.
    func setup(_ label: String, approvers: [String], trust: [String]) throws -> Setup {
        let dir = try makeTempDir(label)
        let bundle = try writeSample(to: dir)
        let keys = dir.appendingPathComponent("keys")
        let trusted = dir.appendingPathComponent("trusted")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        for a in approvers {
            let pair = try ApproverKeys.generate(approver: a, name: a.capitalized, directory: keys)
            if trust.contains(a) {
                try FileManager.default.copyItem(at: pair.publicKeyFile, to: trusted.appendingPathComponent("\(a).pub"))
            }
        }
        return Setup(dir: dir, bundle: bundle, keys: keys, trusted: trusted)
    }

    func key(_ s: Setup, _ name: String) -> URL { s.keys.appendingPathComponent("\(name).key") }

    func verify(_ s: Setup, require n: Int) throws -> VerifyResult {
        try BundleOperations.verify(bundleAt: s.bundle, trustedKeysDirectory: s.trusted, requiredApprovals: n)
    }

    @Test func twoApproversPassAndTheBundleIsUnchanged() throws {
        let s = try setup("two", approvers: ["alice", "bob"], trust: ["alice", "bob"])
        let before = try Data(contentsOf: s.bundle)
        #expect(try verify(s, require: 2).exitCode == 1)  // nothing approved yet
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: "queues checked")
        #expect(try verify(s, require: 2).exitCode == 1)
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "bob"), comment: nil)
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 0, "\(result.text)")
        #expect(result.approvals.counted == 2)
        #expect(result.text.contains("\"queues checked\""))
        #expect(try Data(contentsOf: s.bundle) == before)
        let files = try FileManager.default.contentsOfDirectory(atPath: Approvals.directory(forBundleAt: s.bundle).path)
        #expect(files.count == 2)
    }

    @Test func sameKeyTwiceCountsOnce() throws {
        let s = try setup("samekey", approvers: ["alice", "bob"], trust: ["alice", "bob"])
        let (_, file) = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: "first")
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: "again")
        // And a copy under another name, as someone trying to pad the count would do.
        try FileManager.default.copyItem(at: file, to: file.deletingLastPathComponent().appendingPathComponent("copy.json"))
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 1)
        #expect(result.approvals.counted == 1)
        #expect(result.approvals.checks.contains { $0.problem == "same key as an approval already counted" })
    }

    @Test func twoKeysOfOneApproverCountOnce() throws {
        let s = try setup("oneperson", approvers: ["alice"], trust: ["alice"])
        let second = s.dir.appendingPathComponent("keys2")
        let pair = try ApproverKeys.generate(approver: "alice", name: nil, directory: second)
        try FileManager.default.copyItem(at: pair.publicKeyFile, to: s.trusted.appendingPathComponent("alice-2.pub"))
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: nil)
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: pair.privateKeyFile, comment: nil)
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 1)
        #expect(result.approvals.checks.contains { $0.problem?.contains("two-person rule") == true })
    }

    @Test func untrustedKeyDoesNotCount() throws {
        let s = try setup("untrusted", approvers: ["alice", "mallory"], trust: ["alice"])
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: nil)
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "mallory"), comment: nil)
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 1)
        let m = try #require(result.approvals.checks.first { $0.approver == "mallory" })
        #expect(m.valid && !m.trusted)
        #expect(m.problem?.contains("not among the trusted keys") == true)
        // Without trusted keys nothing counts, but signatures are still shown as valid.
        let listed = try BundleOperations.verify(bundleAt: s.bundle, trustedKeysDirectory: nil, requiredApprovals: 0)
        #expect(listed.exitCode == 0)
        #expect(listed.approvals.checks.allSatisfy { $0.valid && !$0.counted })
    }

    @Test func signatureOverAnotherDigestDoesNotCount() throws {
        let s = try setup("otherdigest", approvers: ["alice", "bob"], trust: ["alice", "bob"])
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: nil)
        // Bob approves a different bundle; his approval file is then copied next to this one.
        var other = BundleBuilder(fixedInputs)
        try other.addPayload(type: "skill", key: "other", json: ["name": "Other"])
        let otherURL = s.dir.appendingPathComponent("other.tar")
        try other.write(to: otherURL)
        let (_, bobFile) = try Approvals.approve(bundleAt: otherURL, keyFile: key(s, "bob"), comment: nil)
        try FileManager.default.copyItem(at: bobFile, to: Approvals.directory(forBundleAt: s.bundle).appendingPathComponent(bobFile.lastPathComponent))
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 1)
        let bob = try #require(result.approvals.checks.first { $0.approver == "bob" })
        #expect(!bob.valid)
        #expect(bob.problem?.hasPrefix("approves digest") == true)
    }

    @Test func editedOrForgedApprovalFailsTheSignature() throws {
        let s = try setup("forged", approvers: ["alice", "bob"], trust: ["alice", "bob"])
        _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: "ok")
        let (_, bobFile) = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "bob"), comment: "fine")
        var o = try #require(JSONValue.parse(try Data(contentsOf: bobFile)).objectValue)
        o["comment"] = "fine, and also approve the next one"
        try JSONValue.object(o).canonicalData(pretty: true).write(to: bobFile)
        let result = try verify(s, require: 2)
        #expect(result.exitCode == 1)
        #expect(result.approvals.checks.contains { $0.problem?.contains("signature does not verify") == true })
    }

    @Test func signatureInputIsCompactCanonicalWithoutSignature() throws {
        let s = try setup("siginput", approvers: ["alice"], trust: ["alice"])
        let (approval, _) = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: "c",
                                                  at: Date(timeIntervalSince1970: 1_704_153_600))
        #expect(approval.approvedAt == "2024-01-02T00:00:00Z")
        let o = try #require(JSONValue.from(approval).objectValue)
        let input = String(decoding: Approvals.signatureInput(o), as: UTF8.self)
        #expect(input.hasPrefix(#"{"approved_at":"2024-01-02T00:00:00Z","approver":"alice","approver_name":"Alice","bundle_digest":""#))
        #expect(!input.contains("signature"))
        #expect(!input.contains("\n"))
    }

    @Test func privateKeyReadableByOthersIsRefused() throws {
        let s = try setup("perms", approvers: ["alice"], trust: ["alice"])
        let k = key(s, "alice")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: k.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: k.path)
        do {
            _ = try Approvals.approve(bundleAt: s.bundle, keyFile: k, comment: nil)
            Issue.record("a group-readable key was used")
        } catch let e as BundleError {
            guard case .insecureKeyFile = e else { Issue.record("unexpected \(e)"); return }
            #expect(e.exitCode == 2)
            #expect(!e.localizedDescription.contains("private_key"))
        }
    }

    @Test func keygenRefusesToOverwriteAndPublicFilesCarryNoSecret() throws {
        let dir = try makeTempDir()
        let pair = try ApproverKeys.generate(approver: "alice", name: "Alice", directory: dir)
        #expect(throws: BundleError.keyFileExists(path: pair.privateKeyFile.path)) {
            _ = try ApproverKeys.generate(approver: "alice", name: nil, directory: dir)
        }
        let pub = String(decoding: try Data(contentsOf: pair.publicKeyFile), as: UTF8.self)
        #expect(!pub.contains("private_key"))
        #expect(try ApproverKeys.loadPublicKey(at: pair.publicKeyFile).keyID == pair.keyID)
        #expect(pair.keyID.count == 16)
        // A .pub that contains the private key is refused (and the mistake named).
        let leaked = dir.appendingPathComponent("leaked.pub")
        try FileManager.default.copyItem(at: pair.privateKeyFile, to: leaked)
        #expect(throws: BundleError.self) { _ = try ApproverKeys.loadPublicKey(at: leaked) }
        #expect(throws: BundleError.self) { _ = try ApproverKeys.generate(approver: "Bad Name", name: nil, directory: dir) }
        let key = try ApproverKeys.loadPrivateKey(at: pair.privateKeyFile)
        let secret = try #require(JSONValue.parse(try Data(contentsOf: pair.privateKeyFile))["private_key"]?.stringValue)
        #expect(!"\(key)".contains(secret))
    }

    @Test func approvingAnInvalidBundleIsRefused() throws {
        let s = try setup("invalid", approvers: ["alice"], trust: ["alice"])
        var members = try BundleFiles.read(contentsOf: s.bundle).members
        members["summary.md"] = Data("# all good, trust me\n".utf8)
        try writeMembers(members, to: s.bundle)
        #expect(throws: BundleError.self) { _ = try Approvals.approve(bundleAt: s.bundle, keyFile: key(s, "alice"), comment: nil) }
        #expect(!FileManager.default.fileExists(atPath: Approvals.directory(forBundleAt: s.bundle).path))
    }

    @Test func cliKeygenApproveVerify() throws {
        let cm2gc = try cm2gcPath()
        let dir = try makeTempDir()
        let bundle = try writeSample(to: dir)
        let keys = dir.appendingPathComponent("keys").path
        let trusted = dir.appendingPathComponent("trusted")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        for a in ["alice", "bob"] {
            let r = try run(cm2gc, ["keygen", "--approver", a, "--out", keys])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stdout.contains("private_key"))
            try FileManager.default.copyItem(atPath: "\(keys)/\(a).pub", toPath: trusted.appendingPathComponent("\(a).pub").path)
        }
        #expect(try run(cm2gc, ["keygen", "--approver", "alice", "--out", keys]).status == 2)
        #expect(try run(cm2gc, ["approve", "--key", "\(keys)/alice.key", "--comment", "ok", bundle.path]).status == 0)
        let one = try run(cm2gc, ["verify", "--trusted-keys", trusted.path, "--require-approvals", "2", bundle.path])
        #expect(one.status == 1)
        #expect(one.stdout.contains("NOT APPROVED (1 of 2"))
        #expect(try run(cm2gc, ["approve", "--key", "\(keys)/bob.key", bundle.path]).status == 0)
        let two = try run(cm2gc, ["verify", "--trusted-keys", trusted.path, "--require-approvals", "2", bundle.path])
        #expect(two.status == 0, "\(two.stdout)")
        let json = try JSONValue.parse(try run(cm2gc, ["verify", "--json", "--trusted-keys", trusted.path, "--require-approvals", "2", bundle.path]).stdout)
        #expect(json["accepted"] == true)
        #expect(json["approvals"]?["counted"] == 2)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(keys)/alice.key")
        let insecure = try run(cm2gc, ["approve", "--key", "\(keys)/alice.key", bundle.path])
        #expect(insecure.status == 2)
        #expect(insecure.stderr.contains("readable by group or others"))
    }
}
