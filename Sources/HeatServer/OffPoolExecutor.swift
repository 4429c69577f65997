import Dispatch

/// A task executor on threads of its own (a concurrent dispatch queue), for the synchronous
/// scoring and analyst work of a request: that work never occupies the cooperative pool the
/// server's connections, timers and other requests run on, so a request's deadline fires on
/// time even while the work is still computing (`RouteHandlers.withTimeout`).
///
/// ```swift
/// let task = Task(executorPreference: OffPoolExecutor.shared) { heavyWork() }
/// ```
public final class OffPoolExecutor: TaskExecutor {
    /// The server's executor.
    public static let shared = OffPoolExecutor()

    private let queue = DispatchQueue(label: "customerheat.server.work", attributes: .concurrent)

    /// Runs `job` on the executor's queue.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { unowned.runSynchronously(on: executor) }
    }
}
