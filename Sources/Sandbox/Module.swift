import Common

/// The Sandbox module. See README.md for where it sits in the pipeline.
public enum SandboxModule {
    public static let name = "Sandbox"
}
