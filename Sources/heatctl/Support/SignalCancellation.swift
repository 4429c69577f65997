import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into cancellation of a command's work (issue 14, review s34
/// MEDIUM 2): the streaming stages stop at their next cancellation point with
/// `PipelineError.cancelled` (exit 75), and their one transaction rolls back, so nothing is
/// half-written. A stage with no cancellation point (for example `evaluate --merge`, scoring, the
/// final commit) runs to its end. A second signal ends the process at once with status
/// 128 + the signal's number (130 for SIGINT, 143 for SIGTERM); SQLite rolls back the open
/// transaction when the store is next opened, so the store still holds exactly the old state.
/// A signal the process inherited as ignored (`nohup`, a script's background job) stays ignored,
/// and each signal's previous disposition is restored when the work ends.
///
/// ```swift
/// func execute() async throws {
///     try await SignalCancellation.run { try await self.ingestNow() }
/// }
/// ```
enum SignalCancellation {
    /// Runs `work` in a task that SIGINT and SIGTERM cancel, and returns or throws what it does.
    ///
    /// - Parameter work: the command's work.
    /// - Throws: what `work` throws (a cancelled stage throws its cancellation error).
    static func run(_ work: @escaping () async throws -> Void) async throws {
        nonisolated(unsafe) let body = work
        let state = State()
        let signals: [(number: Int32, name: String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")]
        var installed: [(number: Int32, previous: sighandler_t?, source: any DispatchSourceSignal)] = []
        // The handlers are in place before the work starts, so no signal falls between the two.
        for (number, name) in signals {
            let previous = signal(number, SIG_IGN)
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard state.firstSignal() else {
                    // The second signal: stop now (the open transaction is rolled back by SQLite).
                    _exit(128 + number)
                }
                Console.writeError("\(name) received: stopping at the next cancellation point (send it again to stop at once)\n")
                state.cancel()
            }
            source.resume()
            installed.append((number, previous, source))
        }
        defer {
            for entry in installed {
                entry.source.cancel()
                signal(entry.number, entry.previous)
            }
        }
        let task = Task { try await body() }
        state.attach(task)
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// The signals seen so far and the task they cancel.
    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var signals = 0
        private var cancelled = false
        private var task: Task<Void, any Error>?

        /// Counts a signal; true for the first.
        func firstSignal() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            signals += 1
            return signals == 1
        }

        /// Cancels the task, now or as soon as it is attached.
        func cancel() {
            lock.lock()
            cancelled = true
            let task = self.task
            lock.unlock()
            task?.cancel()
        }

        func attach(_ task: Task<Void, any Error>) {
            lock.lock()
            self.task = task
            let cancelled = self.cancelled
            lock.unlock()
            if cancelled { task.cancel() }
        }
    }
}
