import Dispatch

/// The in-process sandboxes run on threads of their own, never on Swift's cooperative pool. The
/// pool has one thread per core (two on the CI machine); a caller that blocks pool threads (a test
/// waiting for a child process that talks to the sandbox, or a long synchronous build) would
/// otherwise starve the server that must answer, and the request times out after minutes.
/// Task executor preference is inherited by child tasks, so every connection handler Hummingbird
/// starts under `group.run()` (task groups all the way down) and the default actors it calls run here.
final class SandboxExecutor: TaskExecutor {
    static let shared = SandboxExecutor()
    private let queue = DispatchQueue(label: "cm2gc.sandbox", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
