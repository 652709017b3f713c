import ArgumentParser
import Common

@main
struct CM2GCSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cm2gc-sandbox",
        abstract: "Local, loopback-only stand-ins for Genesys Cloud and CM REST interfaces.",
        version: ToolVersion.current,
        subcommands: []
    )
}
