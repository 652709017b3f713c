import Common

/// The BundleKit module. See README.md for where it sits in the pipeline.
public enum BundleKitModule {
    public static let name = "BundleKit"
}
