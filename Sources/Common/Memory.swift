#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap pages back to the system. glibc keeps what a program frees for its own later
/// use; after stage one drops its large transient structures (payload trees, records already
/// encoded: hundreds of thousands of small blocks scattered among live ones), the big buffers made
/// next (logs, the review page) cannot reuse those holes, so without this the peak RSS is the
/// live heap plus much of what was freed before.
public enum Memory {
    /// glibc's `malloc_trim` (malloc.h, which the Glibc module does not export), looked up once;
    /// nil on other C libraries, where this does nothing.
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(f, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    public static func releaseFreed() {
        _ = trim?(0)
    }
}
