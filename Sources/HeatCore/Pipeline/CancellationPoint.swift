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
/// the task is cancelled, so a test can send the signal at a known point of the run. With
/// ``holdStageEnvironmentVariable`` set to `STAGE:N` the hold is the `N`-th point of that stage
/// instead (for example `encryption:2`: after the collector's first chunk was appended), and the
/// file records the stage and its `done` / `total` counts (and, for the collector, how many
/// sealed runs the ingestion spilled: `ready encryption 2048/12000 spill-runs=3`).
///
/// For the periodicity tests only: a ``Counter`` bound with `CancellationPoint.$counter.withValue`
/// records every point the calling task reaches (stage and `done`), after the point's check, so
/// a test can count the checks and cancel the task at a chosen one (the cancellation then takes
/// effect at the next point).
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

    /// For the signal tests only: `STAGE:N` holds at the `N`-th point of `STAGE` (from 1) rather
    /// than at the first point of the process.
    static let holdStageEnvironmentVariable = "HEAT_TEST_HOLD_AT_CANCELLATION_STAGE"

    private static let held = HoldOnce()

    /// The points reached by the current task (tests only; `nil` in normal use).
    @TaskLocal static var counter: Counter?

    /// Counts the cancellation points a task reaches, by stage, in order (tests only).
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var reached: [(stage: String, done: Int)] = []
        private var reachedByStage: [String: Int] = [:]
        /// Called after each check that passed, with the stage, its `done` and the number of
        /// points of that stage reached so far (from 1).
        let onCheck: (@Sendable (_ stage: String, _ done: Int, _ number: Int) -> Void)?

        init(onCheck: (@Sendable (_ stage: String, _ done: Int, _ number: Int) -> Void)? = nil) { self.onCheck = onCheck }

        /// Records a point and returns how many points of its stage were reached.
        func record(stage: String, done: Int) -> Int {
            lock.lock()
            defer { lock.unlock() }
            reached.append((stage, done))
            reachedByStage[stage, default: 0] += 1
            return reachedByStage[stage] ?? 0
        }

        /// The `done` counts of every point of `stage` reached, in order.
        func done(at stage: String) -> [Int] {
            lock.lock()
            defer { lock.unlock() }
            return reached.filter { $0.stage == stage }.map(\.done)
        }
    }

    /// Throws when the current task is cancelled.
    ///
    /// - Parameters:
    ///   - stage: the stage's name in the error.
    ///   - done: the items done.
    ///   - total: the items in all (0 when unknown, as for the rows of an export).
    ///   - detail: for the signal tests' hold file only, what else the test must know about the
    ///     point (the collector's `spill-runs=R`); evaluated only when a hold is set.
    /// - Throws: ``PipelineError/cancelled(stage:done:total:)``.
    static func check(stage: String, done: Int, total: Int, detail: @autoclosure () -> String? = nil) throws(PipelineError) {
        holdForTestSignal(stage: stage, done: done, total: total, detail: detail)
        if Task.isCancelled {
            throw .cancelled(stage: stage, done: done, total: total)
        }
        if let counter {
            let number = counter.record(stage: stage, done: done)
            counter.onCheck?(stage, done, number)
        }
    }

    private static func holdForTestSignal(stage: String, done: Int, total: Int, detail: () -> String?) {
        guard let value = getenv(holdEnvironmentVariable), case let path = String(cString: value), !path.isEmpty else { return }
        if let selector = getenv(holdStageEnvironmentVariable).map({ String(cString: $0) }), !selector.isEmpty {
            // `STAGE:N`: hold at the N-th point of STAGE only.
            guard let colon = selector.lastIndex(of: ":"), let wanted = Int(selector[selector.index(after: colon)...]),
                  selector[..<colon] == stage, held.count(stage: stage) == wanted else { return }
        }
        guard held.claim() else { return }
        let suffix = detail().map { " \($0)" } ?? ""
        _ = FileManager.default.createFile(atPath: path, contents: Data("ready \(stage) \(done)/\(total)\(suffix)\n".utf8))
        let ignoresCancellation = getenv(holdIgnoringCancellationEnvironmentVariable).map { String(cString: $0) == "1" } ?? false
        for _ in 0..<2400 where ignoresCancellation || !Task.isCancelled { usleep(50_000) }
    }

    private final class HoldOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        private var points: [String: Int] = [:]

        /// Counts a point of `stage` and returns its number (from 1).
        func count(stage: String) -> Int {
            lock.lock()
            defer { lock.unlock() }
            points[stage, default: 0] += 1
            return points[stage] ?? 0
        }

        func claim() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if done { return false }
            done = true
            return true
        }
    }
}
