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
/// half-written. A second signal ends the process at once (the default action; SQLite still
/// leaves the store as it was).
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
        let task = Task { try await body() }
        let signals: [(number: Int32, name: String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")]
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // A second signal takes the default action (the process ends; the store stays as it was).
                for (other, _) in signals { signal(other, SIG_DFL) }
                Console.writeError("\(name) received: stopping at the next safe point; nothing will be committed (send it again to stop at once)\n")
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources { source.cancel() }
            for (number, _) in signals { signal(number, SIG_DFL) }
        }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
