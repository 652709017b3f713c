import BundleKit
import Common
import Foundation

/// `cm2gc review`: verify a bundle and its approvals, then render the page with that status.
public enum ReviewOperations {
    public struct Result: Sendable {
        public var verification: VerifyResult
        public var bytes: Int
        /// 0 when the bundle is valid (approval counts are shown, not judged: the page is for the
        /// people who are about to approve); 1 when it is invalid (the page says so in red).
        public var exitCode: Int32 { verification.integrity.isValid ? 0 : 1 }
    }

    public static func review(bundleAt url: URL, output: URL, trustedKeysDirectory: URL?, requiredApprovals: Int = 0,
                              previous: URL? = nil) throws -> Result {
        let (files, verification) = try BundleOperations.verifyAndRead(bundleAt: url, trustedKeysDirectory: trustedKeysDirectory,
                                                                       requiredApprovals: requiredApprovals)
        let prev = try previous.map { try BundleFiles.read(contentsOf: $0) }
        let page = ReviewPage.render(files, context: .init(verification: verification, previous: prev,
                                                           previousName: previous?.lastPathComponent))
        do {
            try page.write(to: output, options: .atomic)
        } catch {
            throw BundleError.io(path: output.path, reason: error.localizedDescription)
        }
        return Result(verification: verification, bytes: page.count)
    }
}
