import ArgumentParser
import Foundation

extension AsyncParsableCommand {
    /// ArgumentParser's `main`, except that command-line usage errors exit with `usageCode` (the
    /// products document 2) instead of ArgumentParser's 64.
    public static func main(usageExitCode usageCode: Int32) async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(usageCode)
            }
            exit(withError: error)
        }
    }
}
