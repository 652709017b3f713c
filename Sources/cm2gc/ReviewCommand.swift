import ArgumentParser
import BundleKit
import Foundation
import Review

/// `cm2gc review`: the bundle's review page with verification and approval status.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Render a bundle's review page (one self-contained HTML file) with verification and approvals.",
        discussion: """
        Exit codes: 0 page written for a valid bundle (approvals are shown, not required); 1 page written \
        but the bundle is invalid (the page says why); 2 usage, key file or I/O error.
        """)

    @Option(name: [.short, .long], help: "The HTML file to write.")
    var output: String

    @Option(name: .long, help: "Directory of trusted approver public keys (*.pub), to mark approvals trusted.")
    var trustedKeys: String?

    @Option(name: .long, help: "Approvals the policy needs from distinct trusted approvers (shown on the page; needs --trusted-keys).")
    var requireApprovals: Int = 0

    @Option(name: .long, help: "An earlier bundle: show creates, updates and deletes with field diffs.")
    var previous: String?

    @Argument(help: "The bundle (.tar or .tar.gz).")
    var bundle: String

    func run() throws {
        let result: ReviewOperations.Result
        do {
            result = try ReviewOperations.review(bundleAt: BundleCLI.url(bundle), output: BundleCLI.url(output),
                                                 trustedKeysDirectory: trustedKeys.map(BundleCLI.url),
                                                 requiredApprovals: requireApprovals, previous: previous.map(BundleCLI.url))
        } catch {
            throw BundleCLI.fail(error, json: false)
        }
        let v = result.verification
        print("wrote \(output) (\(result.bytes) bytes)")
        print("bundle \(v.integrity.metadata?.bundleID ?? "?"): \(v.integrity.isValid ? "valid" : "INVALID"), " +
              "\(v.approvals.checks.filter(\.valid).count) valid approval(s)" +
              (v.approvals.required > 0 ? ", \(v.approvals.counted) of \(v.approvals.required) counted" : ""))
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
