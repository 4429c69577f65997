import Foundation

/// A task executor that runs each job on a thread of its own, for the synchronous scoring and
/// analyst work of a request: that work never occupies the cooperative pool (nor, on Linux, the
/// dispatch worker threads the pool is built on), so a request's deadline fires on time even
/// while the work is still computing (`RouteHandlers.withTimeout`).
///
/// ```swift
/// let task = Task(executorPreference: OffPoolExecutor.shared) { heavyWork() }
/// ```
public final class OffPoolExecutor: TaskExecutor {
    /// The server's executor.
    public static let shared = OffPoolExecutor()

    /// Runs `job` on a new thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { unowned.runSynchronously(on: executor) }
        thread.start()
    }
}
