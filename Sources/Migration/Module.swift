import Common

/// The Migration module. See README.md for where it sits in the pipeline.
public enum MigrationModule {
    public static let name = "Migration"
}
