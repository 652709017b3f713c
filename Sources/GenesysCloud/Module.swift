import Common

/// The GenesysCloud module. See README.md for where it sits in the pipeline.
public enum GenesysCloudModule {
    public static let name = "GenesysCloud"
}
