import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The places where a streaming stage stops when its task is cancelled (issue 14): between
/// windows of the evaluator, chunks of the collector, groups of the aggregates and every few
/// thousand rows of the ingestor's read loop. `heatctl ingest` and `heatctl evaluate` cancel
/// their task on SIGINT or SIGTERM, so the error (``PipelineError/cancelled(stage:done:total:)``,
/// exit 75) reaches the command line with nothing half-written.
///
/// For the signal tests only: when the environment variable ``holdEnvironmentVariable`` names a
/// file, the first point reached in the process creates that file and waits (up to 120 s) until
/// the task is cancelled, so a test can send the signal at a known point of the run.
///
/// ```swift
/// try CancellationPoint.check(stage: "heat evaluation", done: windowStart, total: batches)
/// ```
enum CancellationPoint {
    /// The test hook's environment variable (a file path; unset in normal use).
    static let holdEnvironmentVariable = "HEAT_TEST_HOLD_AT_CANCELLATION_POINT"

    /// For the signal tests only: when set to `1` with ``holdEnvironmentVariable``, the hold waits
    /// its full time even after the task is cancelled, as a stage without a cancellation point
    /// would, so a test can send a second signal.
    static let holdIgnoringCancellationEnvironmentVariable = "HEAT_TEST_HOLD_IGNORING_CANCELLATION"

    private static let held = HoldOnce()

    /// Throws when the current task is cancelled.
    ///
    /// - Parameters:
    ///   - stage: the stage's name in the error.
    ///   - done: the items done.
    ///   - total: the items in all (0 when unknown, as for the rows of an export).
    /// - Throws: ``PipelineError/cancelled(stage:done:total:)``.
    static func check(stage: String, done: Int, total: Int) throws(PipelineError) {
        holdForTestSignal()
        if Task.isCancelled {
            throw .cancelled(stage: stage, done: done, total: total)
        }
    }

    private static func holdForTestSignal() {
        guard let value = getenv(holdEnvironmentVariable), case let path = String(cString: value), !path.isEmpty,
              held.claim() else { return }
        FileManager.default.createFile(atPath: path, contents: Data("ready\n".utf8))
        let ignoresCancellation = getenv(holdIgnoringCancellationEnvironmentVariable).map { String(cString: $0) == "1" } ?? false
        for _ in 0..<2400 where ignoresCancellation || !Task.isCancelled { usleep(50_000) }
    }

    private final class HoldOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false

        func claim() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if done { return false }
            done = true
            return true
        }
    }
}
