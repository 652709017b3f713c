import ArgumentParser
import Common

@main
struct CM2GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm2gc",
        abstract: "Stage one: read Avaya CM exports and write a versioned, verifiable Genesys Cloud bundle.",
        version: ToolVersion.current,
        subcommands: [Read.self, BuildCommand.self, KeygenCommand.self, ApproveCommand.self, VerifyCommand.self,
                      InspectCommand.self, ReviewCommand.self, GenerateSite.self, BundleFilesCommand.self, ExtractCommand.self]
    )
}
