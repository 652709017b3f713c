import Common

/// The Upload module. See README.md for where it sits in the pipeline.
public enum UploadModule {
    public static let name = "Upload"
}
