import ArgumentParser
import BundleKit
import Foundation

/// Development path: bundles ready-made payloads so the bundle, approval and upload stages can be
/// exercised before the Avaya transform exists. Hidden from help; documented in docs/bundle-operations.md.
struct BundleFilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle-files",
        abstract: "(development) Bundle a directory of <type>/<key>.json payloads with a plan derived from their @ref: references.",
        shouldDisplay: false)

    @Argument(help: "Directory with <type>/<key>.json payloads and optional flows/<name>.yaml.")
    var directory: String

    @Option(name: [.short, .long], help: "Output bundle path (.tar or .tar.gz).")
    var output: String

    @Option(name: .long, help: "Creation time in seconds since 1970 (default: SOURCE_DATE_EPOCH, else 0).")
    var created: Int64?

    @Option(name: .long, help: "Target API model version recorded in bundle.json.")
    var targetApiModel: String = "genesys-cloud-api-v2"

    func run() throws {
        do {
            let when = created ?? BundleTime.sourceDateEpoch() ?? 0
            let built = try BundleOperations.bundleDirectory(BundleCLI.url(directory), to: BundleCLI.url(output), created: when,
                                                             targetAPIModel: targetApiModel, gzip: output.hasSuffix(".gz"))
            print("wrote:     \(output)")
            print("bundle id: \(built.metadata.bundleID)")
            print("digest:    \(built.digest)")
            print("members:   \(built.files.count)")
        } catch {
            throw BundleCLI.fail(error, json: false)
        }
    }
}
