import Dispatch

/// The in-process sandboxes run on threads of their own, never on Swift's cooperative pool. The
/// pool has one thread per core (two on the CI machine); a caller that blocks pool threads (a test
/// waiting for a child process that talks to the sandbox, or a long synchronous build) would
/// otherwise starve the server that must answer, and the request times out after minutes.
/// Task executor preference is inherited by child tasks, so every connection handler Hummingbird
/// starts under `group.run()` (task groups all the way down) and the default actors it calls run here.
/// Public for tests that must react to the sandbox in time (kill a client after N requests): their
/// own polling, run here, is not delayed by a starved pool either.
public final class SandboxExecutor: TaskExecutor {
    public static let shared = SandboxExecutor()
    private let queue = DispatchQueue(label: "cm2gc.sandbox", attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
