import ArgumentParser
import CLISupport
import BundleKit
import Common
import Foundation

/// Shared plumbing for the bundle subcommands: error reporting and exit codes
/// (0 ok, 1 bundle invalid or not approved enough, 2 usage, key file or I/O error).
enum BundleCLI {
    /// Prints the error (and a JSON object on stdout when `json`), returns the exit code to throw.
    static func fail(_ error: any Error, json: Bool) -> ExitCode {
        let code: Int32
        let message: String
        if let e = error as? BundleError {
            code = e.exitCode
            message = e.localizedDescription
        } else {
            code = 2
            message = error.localizedDescription
        }
        if json {
            let o: JSONValue = ["error": .string(message), "exit_code": .int(Int64(code))]
            print(o.canonicalText(pretty: true))
        }
        FileHandle.standardError.write(Data("cm2gc: error: \(message)\n".utf8))
        return ExitCode(code)
    }

    static func url(_ path: String) -> URL { URL(fileURLWithPath: path) }
}

extension CM2GC {
    /// Usage errors exit with 2 (the product's documented code) instead of 64.
    static func main() async { await main(usageExitCode: 2) }
}
