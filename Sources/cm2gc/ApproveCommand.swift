import ArgumentParser
import BundleKit
import Foundation

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Verify a bundle and sign its digest: writes <bundle>.approvals/<key id>.json; the bundle is unchanged.")

    @Option(name: .long, help: "Private key file from keygen (must not be readable by group or others).")
    var key: String

    @Option(name: .long, help: "Comment recorded in the signed approval.")
    var comment: String?

    @Argument(help: "The bundle (.tar or .tar.gz).")
    var bundle: String

    func run() throws {
        do {
            let (approval, file) = try Approvals.approve(bundleAt: BundleCLI.url(bundle), keyFile: BundleCLI.url(key), comment: comment)
            print("approved:  \(bundle)")
            print("digest:    \(approval.bundleDigest)")
            print("approver:  \(approval.approver) (key \(approval.keyID)) at \(approval.approvedAt)")
            print("approval:  \(file.path)")
        } catch {
            throw BundleCLI.fail(error, json: false)
        }
    }
}
