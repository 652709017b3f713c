import ArgumentParser
import Common

@main
struct CM2GCUpload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm2gc-upload",
        abstract: "Stage two: verify an approved bundle and ingest it into a Genesys Cloud org.",
        version: ToolVersion.current,
        subcommands: []
    )
}
