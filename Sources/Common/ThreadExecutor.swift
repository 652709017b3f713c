import Dispatch

/// A task executor on threads of its own (a concurrent dispatch queue), never on Swift's
/// cooperative pool. The pool has one thread per core (two on the CI machine): work that someone
/// waits for while blocking pool threads (a test waiting for a child process that talks to an
/// in-process sandbox, a synchronous build waiting for an async PostgreSQL read) would otherwise
/// never run. Task executor preference is inherited by child tasks and the default actors they call.
public final class ThreadExecutor: TaskExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
