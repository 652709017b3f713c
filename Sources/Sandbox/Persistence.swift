import Foundation

/// The state file: the whole store as JSON, replaced atomically (write to a temporary file in
/// the same directory, then rename) so a crash mid-write never leaves half a file.
struct Persistence: Sendable {
    let path: String

    func load() throws(SandboxError) -> Store? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            var s = try JSONDecoder().decode(Store.self, from: data)
            guard s.format == Store.formatVersion else {
                throw SandboxError.stateUnreadable(path, "format \(s.format), expected \(Store.formatVersion)")
            }
            s.rebuildLookups()
            return s
        } catch let e as SandboxError {
            throw e
        } catch {
            throw .stateUnreadable(path, error.localizedDescription)
        }
    }

    func save(_ store: Store) throws(SandboxError) {
        do {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let data = try enc.encode(store)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .stateUnwritable(path, error.localizedDescription)
        }
    }
}

extension GenesysEngine {
    /// Debounced: a burst of writes costs one file write.
    func scheduleSave() {
        guard let persistence else { dirty = false; return }
        if config.stateWriteDebounceSeconds <= 0 {
            try? persistence.save(store)
            dirty = false
            return
        }
        guard !saveScheduled else { return }
        saveScheduled = true
        let delay = config.stateWriteDebounceSeconds
        Task {
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            try? self.flush()
        }
    }

    /// Writes pending state now (also called on shutdown).
    public func flush() throws(SandboxError) {
        saveScheduled = false
        guard let persistence, dirty else { return }
        dirty = false
        try persistence.save(store)
    }
}
