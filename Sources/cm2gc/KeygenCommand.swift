import ArgumentParser
import BundleKit
import Foundation

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 approver key pair: <approver>.key (mode 0600, keep secret) and <approver>.pub (share).")

    @Option(name: .long, help: "Approver id, [a-z0-9._-], e.g. a user name. Names the key files.")
    var approver: String

    @Option(name: .long, help: "Approver display name, recorded in the key and approvals.")
    var name: String?

    @Option(name: .long, help: "Directory for the key files (created if missing).")
    var out: String = "."

    func run() throws {
        do {
            let pair = try ApproverKeys.generate(approver: approver, name: name, directory: BundleCLI.url(out))
            print("key id:      \(pair.keyID)")
            print("private key: \(pair.privateKeyFile.path)  (mode 0600; never share or copy it off this machine)")
            print("public key:  \(pair.publicKeyFile.path)  (give to whoever checks approvals: verify --trusted-keys)")
        } catch {
            throw BundleCLI.fail(error, json: false)
        }
    }
}
