import Foundation
import Synchronization

/// A task executor with a fixed pool of threads of its own, for the synchronous scoring and
/// analyst work of a request: that work never occupies the cooperative pool (nor, on Linux, the
/// dispatch worker threads the pool is built on), so a request's deadline fires on time even
/// while the work is still computing (`RouteHandlers.withTimeout`).
///
/// The pool has ``threadCount`` threads (the core count, at least 2) and admits at most
/// ``capacity`` pieces of work at once (running or queued): ``admit()`` refuses beyond that, and
/// the server answers 503 `busy`, so a flood of slow requests cannot start an unbounded number of
/// OS threads. A slot is given back with ``release()`` when the work ends (also after its
/// request timed out, since synchronous work keeps its thread until it returns).
///
/// ```swift
/// guard OffPoolExecutor.shared.admit() else { throw APIError.busy }
/// let task = Task(executorPreference: OffPoolExecutor.shared) {
///     defer { OffPoolExecutor.shared.release() }
///     return heavyWork()
/// }
/// ```
public final class OffPoolExecutor: TaskExecutor, Sendable {
    /// The server's executor.
    public static let shared = OffPoolExecutor()

    /// The number of threads.
    public let threadCount: Int
    /// The number of admitted pieces of work that may wait for a thread.
    public let queueLimit: Int
    /// The most pieces of work admitted at once: ``threadCount`` + ``queueLimit``.
    public var capacity: Int { threadCount + queueLimit }

    private let queue = JobQueue()
    private let admitted = Mutex(0)

    /// Creates a pool and starts its threads.
    ///
    /// - Parameters:
    ///   - threads: the number of threads (default: the core count), at least 2.
    ///   - queueLimit: admitted work that may wait for a thread (default: 8 per thread), at least 0.
    public init(threads: Int? = nil, queueLimit: Int? = nil) {
        let count = max(2, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        threadCount = count
        self.queueLimit = max(0, queueLimit ?? 8 * count)
        for index in 0..<count {
            let jobs = self.queue
            let thread = Thread {
                while true { jobs.next()() }
            }
            thread.name = "heat-offpool-\(index)"
            thread.start()
        }
    }

    /// Reserves a slot for one piece of work.
    ///
    /// - Returns: `false` when ``capacity`` pieces are already running or waiting.
    public func admit() -> Bool {
        admitted.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
    }

    /// Gives back a slot reserved by ``admit()``.
    public func release() {
        admitted.withLock { $0 = max(0, $0 - 1) }
    }

    /// The pieces of work admitted now (running or waiting).
    public var admittedCount: Int { admitted.withLock { $0 } }

    /// Queues `job` for the pool's threads.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.push { unowned.runSynchronously(on: executor) }
    }
}

/// The pool's queue of jobs, waited on by its threads.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0

    func push(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func next() -> @Sendable () -> Void {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count { condition.wait() }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }
}
