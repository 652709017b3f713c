import Common
import Dispatch

/// Threads of their own for async work that synchronous code waits for (`cm2gc build` reading a
/// PostgreSQL store: the build is synchronous, PostgresNIO is async). The waiting thread may be
/// one of the cooperative pool's (a test calling the build from an async test); if the work ran on
/// that pool too, a blocked pool could never finish it.
enum StagingExecutor {
    static let shared = ThreadExecutor(label: "cm2gc.staging")
}

enum Blocking {
    /// Runs `body` on `StagingExecutor` and waits for it. Only for synchronous callers; async code awaits directly.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: StagingExecutor.shared) {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        guard let r = box.result else { throw CancellationError() }  // unreachable: set before the signal
        return try r.get()
    }
}

/// Written once by the task before it signals, read by the waiter after: the semaphore orders them.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
