import Common

/// The AvayaCM module. See README.md for where it sits in the pipeline.
public enum AvayaCMModule {
    public static let name = "AvayaCM"
}
