import AvayaCM

/// Reads sources into a model (tests and tools that need the model without building).
public enum AvayaReaderFacade {
    public static func model(sources: [String]) throws -> SiteModel {
        try AvayaReader.read(paths: sources).model
    }
}
