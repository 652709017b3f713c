import ArgumentParser
import AvayaCM
import Common
import Foundation
import Migration

/// `cm2gc build`: thin wrapper over `StageOne.build`.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Read Avaya exports, transform, validate, plan, and write a bundle.",
        discussion: """
        Exit codes: 0 bundle written and every source record accounted for; 1 bundle written but \
        some record is unaccounted for (a defect: see summary.md); 2 usage, configuration or I/O error.
        The creation time comes from --created, else SOURCE_DATE_EPOCH, else the newest input file.
        """)

    @Argument(help: "Input files or directories (SAT captures, OSSI output, SMGR XML; mixed), or one staging store: STAGE.sqlite or postgres://USER@HOST:PORT/DB?pbx=NAME (password from PGPASSWORD or a 0600 passfile).")
    var sources: [String]

    @Option(name: .long, help: "Mapping configuration (YAML). Default: built-in defaults.")
    var config: String?

    @Option(name: [.short, .long], help: "Output bundle (.tar or .tar.gz).")
    var output: String

    @Option(name: .long, help: "An earlier bundle: mark payloads create, update, unchanged or delete.")
    var previous: String?

    @Option(name: .long, help: "Creation time, seconds since 1970.")
    var created: Int64?

    @Option(name: .customLong("ossi-dictionary"), help: "JSON file with OSSI field ids per form, merged over (and winning against) the dictionary of each capture's CM release (as for `cm2gc read`).")
    var ossiDictionary: String?

    @Flag(name: .customLong("no-call-flows"), help: "Do not translate vectors/VDNs into flows and call routes (overrides callFlows in the configuration).")
    var noCallFlows = false

    @Flag(name: .long, help: "Print a JSON summary on stdout; no progress.")
    var json = false

    @Flag(name: .long, help: "No progress lines.")
    var quiet = false

    func run() throws {
        let showProgress = !json && !quiet && isatty(2) == 1
        let result: StageOne.Result
        do {
            var options = StageOne.Options(sources: sources, configPath: config, output: URL(fileURLWithPath: output),
                                           previous: previous.map { URL(fileURLWithPath: $0) }, created: created).with(callFlows: noCallFlows ? false : nil)
            if let p = ossiDictionary { options.ossiOverride = try OSSIDictionary.load(p) }
            result = try StageOne.build(
                options,
                progress: { stage in
                    if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[2K\(stage.rawValue)…".utf8)) }
                })
        } catch {
            if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
            FileHandle.standardError.write(Data("cm2gc: error: \(error.localizedDescription)\n".utf8))
            // Orchestrators parse stdout: an object for failures too.
            if json { print(JSONValue.object(["status": "failed", "error": .string(error.localizedDescription), "exit_code": 2]).canonicalText(pretty: true)) }
            throw ExitCode(2)
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        let t = result.transform
        if json {
            var recon: [String: JSONValue] = [:]
            for (k, r) in t.reconciliation {
                recon[k] = ["read": .int(Int64(r.read)), "producing": .int(Int64(r.producing)), "excluded": .int(Int64(r.excluded)),
                            "exceptions": .int(Int64(r.exceptions)), "holds": .bool(r.holds)]
            }
            let o: JSONValue = [
                "bundle": .string(output), "bundle_id": .string(result.bundle.metadata.bundleID), "digest": .string(result.bundle.digest),
                "payloads": .object(result.bundle.metadata.counts.mapValues { .int(Int64($0)) }),
                "steps": .int(Int64(result.steps.count)), "exceptions": .int(Int64(t.exceptions.count)),
                "exceptions_by_rule": .array(result.exceptionGroups.map(\.json)),
                "read_rejects": .int(Int64(result.read.rejects.count)), "cycles_broken": .int(Int64(t.brokenCycles.count)),
                "reconciliation": .object(recon), "unaccounted": .array(t.unaccounted.map { .string($0) }),
                "delta": .object(result.delta.mapValues { .int(Int64($0)) }), "exit_code": .int(Int64(result.exitCode)),
                "flows": .int(Int64(t.flows.count)),
                "fidelity": .array(t.fidelity.map { v in
                    ["vector": .int(Int64(v.vector)), "translated": .int(Int64(v.translated)), "approximated": .int(Int64(v.approximated)),
                     "unsupported": .int(Int64(v.unsupported)), "faithful": .bool(v.faithful), "flows": .array(v.flows.map { .string($0) })]
                }),
            ]
            print(o.canonicalText(pretty: true))
        } else {
            for d in result.readDiagnostics where d.severity != .note { FileHandle.standardError.write(Data("\(d)\n".utf8)) }
            print("wrote \(output)")
            print("bundle id \(result.bundle.metadata.bundleID)")
            print("digest    \(result.bundle.digest)")
            print("")
            print("payloads: " + result.bundle.metadata.counts.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("plan:     \(result.steps.count) steps in \(Set(result.steps.map(\.phase)).count) phases")
            let byRule = Dictionary(grouping: t.exceptions, by: \.rule).mapValues(\.count).sorted(by: { $0.key < $1.key })
            print("exceptions: \(t.exceptions.count)" + (byRule.isEmpty ? "" : " (" + byRule.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"))
            print("cycles broken: \(t.brokenCycles.count)")
            if !result.delta.isEmpty, previous != nil {
                print("delta: " + result.delta.sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            }
            print("")
            print("reconciliation (read = payload-producing + excluded + exceptions):")
            for (k, r) in t.reconciliation.sorted(by: { $0.key < $1.key }) {
                print("  \(k.padding(toLength: 26, withPad: " ", startingAt: 0)) \(r.read) = \(r.producing) + \(r.excluded) + \(r.exceptions)\(r.holds ? "" : "  MISMATCH")")
            }
            if !result.read.rejects.isEmpty { print("  rejected by readers: \(result.read.rejects.count) (in exceptions.jsonl)") }
            if !t.unaccounted.isEmpty { print("UNACCOUNTED: \(t.unaccounted.joined(separator: ", "))") }
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
