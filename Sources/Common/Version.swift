/// The product version, written into every bundle (`tool_version`). Bump on release.
public enum ToolVersion {
    public static let current = "0.1.0"
}
