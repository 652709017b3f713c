import ArgumentParser
import BundleKit
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every digest of a bundle and its approvals. Exit 0 valid (and approved enough), 1 not, 2 usage or I/O error.")

    @Option(name: .long, help: "Directory of trusted approver public keys (*.pub).")
    var trustedKeys: String?

    @Option(name: .long, help: "Approvals needed from distinct trusted approvers (needs --trusted-keys).")
    var requireApprovals: Int = 0

    @Flag(name: .long, help: "Print a JSON report.")
    var json = false

    @Argument(help: "The bundle (.tar or .tar.gz).")
    var bundle: String

    func run() throws {
        let result: VerifyResult
        do {
            result = try BundleOperations.verify(bundleAt: BundleCLI.url(bundle),
                                                 trustedKeysDirectory: trustedKeys.map(BundleCLI.url),
                                                 requiredApprovals: requireApprovals)
        } catch {
            throw BundleCLI.fail(error, json: json)
        }
        print(json ? result.json.canonicalText(pretty: true) : result.text, terminator: json ? "\n" : "")
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
