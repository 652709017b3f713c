import Dispatch
import Foundation

/// Work spread over the machine's cores with results in input order, so that parallel stages stay
/// deterministic (same inputs, same bytes) whatever the scheduling.
public enum Parallel {
    /// Worker count: the active processors, at most 8 (stage one's work splits into few stages).
    public static let width = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// `items.map(transform)` in `width` contiguous chunks run concurrently; the first error in
    /// input order is thrown. Small inputs (under `minChunk` per worker) run inline.
    public static func map<T, R>(_ items: [T], minChunk: Int = 512, _ transform: (T) throws -> R) throws -> [R] {
        let n = items.count
        let chunks = min(width, n / max(1, minChunk))
        if chunks <= 1 { return try items.map(transform) }
        let parts = UnsafeMutableBufferPointer<Result<[R], any Error>?>.allocate(capacity: chunks)
        parts.initialize(repeating: nil)
        defer { parts.deinitialize(); parts.deallocate() }
        withoutActuallyEscaping(transform) { transform in
            let box = Unchecked((items, transform, parts))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let (items, transform, parts) = box.value
                let lo = n * c / chunks, hi = n * (c + 1) / chunks
                parts[c] = Result { try items[lo..<hi].map(transform) }
            }
        }
        var out: [R] = []
        out.reserveCapacity(n)
        for p in parts { out += try p?.get() ?? [] }
        return out
    }

    /// `map`, `window` items at a time: each window's results are handed to `then` in input order
    /// before the next window is made, so that the results of a large input never all exist at
    /// once (stage one's memory peak at 100,000 stations). An error stops at once.
    public static func map<T, R>(_ items: [T], window: Int, minChunk: Int = 512, _ transform: (T) throws -> R,
                                 then: (R) throws -> Void) throws {
        var start = 0
        while start < items.count {
            let end = min(start + max(1, window), items.count)
            for r in try map(Array(items[start..<end]), minChunk: minChunk, transform) { try then(r) }
            start = end
        }
    }

    /// Runs `a` and `b` at the same time and returns both results (errors: `a`'s first).
    public static func both<A, B>(_ a: () throws -> A, _ b: () throws -> B) throws -> (A, B) {
        if width < 2 { return (try a(), try b()) }
        var ra: Result<A, any Error>?
        var rb: Result<B, any Error>?
        withoutActuallyEscaping(a) { a in
            withoutActuallyEscaping(b) { b in
                let box = Unchecked((a, b))
                let results = UnsafeMutablePointer<(Result<A, any Error>?, Result<B, any Error>?)>.allocate(capacity: 1)
                results.initialize(to: (nil, nil))
                defer { results.deinitialize(count: 1); results.deallocate() }
                let out = Unchecked(results)
                DispatchQueue.concurrentPerform(iterations: 2) { i in
                    if i == 0 { out.value.pointee.0 = Result { try box.value.0() } } else { out.value.pointee.1 = Result { try box.value.1() } }
                }
                (ra, rb) = results.pointee
            }
        }
        // concurrentPerform returns after every iteration ran, so both are set.
        guard let ra, let rb else { preconditionFailure("concurrentPerform skipped an iteration") }
        return (try ra.get(), try rb.get())
    }
}

/// A value handed to concurrentPerform's workers. Safe here because every worker touches its own
/// slot of the result storage and only reads the shared inputs, and the call returns only after
/// all workers have finished.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
