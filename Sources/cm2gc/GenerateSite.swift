import ArgumentParser
import AvayaCM
import Foundation

/// `cm2gc generate-site`: writes a consistent synthetic CM site for scale tests and benchmarks.
struct GenerateSite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-site",
        abstract: "Write a synthetic, internally consistent Avaya CM site as SAT captures, OSSI responses and/or SMGR XML.")

    @Option(help: "Number of stations.") var stations = SiteProfile.sample.stations
    @Option(help: "Number of EAS agent login IDs.") var agents = SiteProfile.sample.agents
    @Option(name: .customLong("hunt-groups"), help: "Number of hunt groups.") var huntGroups = SiteProfile.sample.huntGroups
    @Option(help: "Number of vectors.") var vectors = SiteProfile.sample.vectors
    @Option(help: "Number of VDNs.") var vdns = SiteProfile.sample.vdns
    @Option(help: "Random seed (same seed, same site).") var seed: UInt64 = SiteProfile.sample.seed
    @Option(help: "sat, ossi, smgr or all.") var format = "all"
    @Option(name: .shortAndLong, help: "Output directory.") var output: String

    func run() async throws {
        let formats: [SiteWriter.Format]
        if format == "all" { formats = SiteWriter.Format.allCases }
        else if let f = SiteWriter.Format(rawValue: format) { formats = [f] }
        else { throw ValidationError("--format must be sat, ossi, smgr or all") }
        let profile = SiteProfile(stations: stations, agents: agents, huntGroups: huntGroups, vectors: vectors, vdns: vdns, seed: seed)
        let files = try SiteWriter.write(SiteGenerator.generate(profile), formats: formats, to: output)
        for f in files { print((output as NSString).appendingPathComponent(f)) }
    }
}
