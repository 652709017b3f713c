import ArgumentParser
import BundleKit
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a bundle's format, digest, counts, approvals and summary without extracting it.")

    @Option(name: .long, help: "Directory of trusted approver public keys (*.pub), to mark approvals trusted.")
    var trustedKeys: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Argument(help: "The bundle (.tar or .tar.gz).")
    var bundle: String

    func run() throws {
        let result: InspectResult
        do {
            result = try BundleOperations.inspect(bundleAt: BundleCLI.url(bundle), trustedKeysDirectory: trustedKeys.map(BundleCLI.url))
        } catch {
            throw BundleCLI.fail(error, json: json)
        }
        print(json ? result.json.canonicalText(pretty: true) : result.text, terminator: json ? "\n" : "")
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
