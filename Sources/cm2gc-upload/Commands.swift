import ArgumentParser
import BundleKit
import Common
import Foundation
import Upload

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's integrity, format version and approvals. No network. Exit 0 accepted, 1 not, 2 usage/I-O.")

    @OptionGroup var bundle: BundleArguments
    @Flag(name: .long, help: "Print a JSON report.") var json = false

    func run() async throws {
        let result: VerifyResult
        do { result = try UploadOperations.verify(bundle: bundle.url, policy: bundle.policy) } catch { throw CLI.fail(error, json: json) }
        try CLI.finish(text: result.text, json: result.json, asJSON: json, exitCode: result.exitCode)
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Read-only preflight against the org: per step create (+), adopt (=), update (~), delete (-) or conflict (!). Exit 1 on conflicts.")

    @OptionGroup var bundle: BundleArguments
    @OptionGroup var connection: ConnectionArguments
    @OptionGroup var run: RunArguments
    @OptionGroup var output: OutputArguments

    func run() async throws {
        let report: PlanReport
        do {
            let (b, p, c, r, mode) = (bundle.url, bundle.policy, connection.options, run.options, output.mode)
            report = try await CLI.cancellable {
                try await UploadOperations.plan(bundle: b, policy: p, connection: c, options: r, progress: ProgressReporter(mode: mode == .json ? .json : .quiet))
            }
        } catch { throw CLI.fail(error, json: output.json) }
        try CLI.finish(text: report.text, json: report.json, asJSON: output.json, exitCode: report.exitCode)
    }
}

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Verify, preflight, then run or resume the bundle's plan. A finished bundle makes no mutating call. Exit 0 complete, 1 refused/conflict/incomplete, 2 usage/I-O.")

    @OptionGroup var bundle: BundleArguments
    @OptionGroup var connection: ConnectionArguments
    @OptionGroup var run: RunArguments
    @OptionGroup var output: OutputArguments

    @Flag(name: .long, help: "Adopt existing objects with the same natural key even when they differ (instead of a conflict).")
    var adopt = false

    @Flag(name: .long, help: "Leave conflicting objects untouched, skip the steps that depend on them, apply the rest.")
    var allowConflicts = false

    func run() async throws {
        let report: ApplyReport
        do {
            var r = run.options
            r.adopt = adopt
            r.allowConflicts = allowConflicts
            let (b, p, c, mode, opts) = (bundle.url, bundle.policy, connection.options, output.mode, r)
            report = try await CLI.cancellable {
                try await UploadOperations.apply(bundle: b, policy: p, connection: c, options: opts, progress: ProgressReporter(mode: mode))
            }
        } catch { throw CLI.fail(error, json: output.json) }
        try CLI.finish(text: report.text, json: report.json, asJSON: output.json, exitCode: report.exitCode)
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the ledger's progress per phase. No network, no verification. Exit 0, or 2 if the ledger cannot be read.")

    @Option(name: .long, help: "Ledger file (default BUNDLE.ledger.sqlite).") var ledger: String?
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "The bundle whose ledger to read.") var bundle: String

    func run() async throws {
        let report: StatusReport
        do { report = try UploadOperations.status(bundle: URL(fileURLWithPath: bundle), ledgerPath: ledger) } catch {
            throw CLI.fail(error, json: json)
        }
        try CLI.finish(text: report.text, json: report.json, asJSON: json, exitCode: report.exitCode)
    }
}

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Delete what this bundle created (never adopted objects), children before parents, from the ledger. Resumable. Exit 0 done, 1 some deletes failed.")

    @OptionGroup var bundle: BundleArguments
    @OptionGroup var connection: ConnectionArguments
    @OptionGroup var run: RunArguments
    @OptionGroup var output: OutputArguments

    func run() async throws {
        let report: RollbackReport
        do {
            let (b, p, c, r, mode) = (bundle.url, bundle.policy, connection.options, run.options, output.mode)
            report = try await CLI.cancellable {
                try await UploadOperations.rollback(bundle: b, policy: p, connection: c, options: r, progress: ProgressReporter(mode: mode))
            }
        } catch { throw CLI.fail(error, json: output.json) }
        try CLI.finish(text: report.text, json: report.json, asJSON: output.json, exitCode: report.exitCode)
    }
}

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Read every created or adopted object back and compare it with its payload. Read-only. Exit 0 no drift, 1 drift or missing objects.")

    @OptionGroup var bundle: BundleArguments
    @OptionGroup var connection: ConnectionArguments
    @OptionGroup var run: RunArguments
    @OptionGroup var output: OutputArguments

    func run() async throws {
        let report: ReconcileReport
        do {
            let (b, p, c, r, mode) = (bundle.url, bundle.policy, connection.options, run.options, output.mode)
            report = try await CLI.cancellable {
                try await UploadOperations.reconcile(bundle: b, policy: p, connection: c, options: r, progress: ProgressReporter(mode: mode == .json ? .json : .quiet))
            }
        } catch { throw CLI.fail(error, json: output.json) }
        try CLI.finish(text: report.text, json: report.json, asJSON: output.json, exitCode: report.exitCode)
    }
}
