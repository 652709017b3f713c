import ArgumentParser
import AvayaCM
import Common
import Foundation

/// `cm2gc read`: reads SAT/OSSI/SMGR files or directories into one model and prints a summary.
struct Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read Avaya CM exports (SAT captures, OSSI responses, SMGR XML/zip) and summarise the source model.")

    @Argument(help: "Files or directories (read recursively; format is detected from content).")
    var paths: [String]

    @Flag(name: .long, help: "Print the source model as canonical JSON instead of the summary.")
    var json = false

    @Option(name: .customLong("ossi-dictionary"), help: "JSON file with OSSI field ids per form, merged over (and winning against) the dictionary of the capture's CM release.")
    var ossiDictionary: String?

    @Flag(name: .long, help: "Also print notes (skipped screens, identical duplicates).")
    var verbose = false

    func run() async throws {
        var options = ReadOptions()
        if let p = ossiDictionary { options.ossiOverride = try OSSIDictionary.load(p) }
        let result = try AvayaReader.read(paths: paths, options: options)
        if json {
            FileHandle.standardOutput.write(try CanonicalJSON.data(result.model, pretty: true))
        } else {
            print(ReadSummary.render(result, verbose: verbose), terminator: "")
        }
        if !result.report.reconciles { throw ExitCode(3) }
        if result.diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
    }
}
