import Foundation

/// Structured concurrency with a bounded width: a throwing task group that keeps at most `tasks`
/// child tasks running and returns the results **in the items' order**, whatever order they
/// finish in, so a computation made of independent items gives the same result for any task
/// count (the encrypted tree circuit relies on it: 1 task and N tasks give the same bytes).
///
/// The first error cancels the remaining children and is rethrown.
///
/// ```swift
/// let squares = try await BoundedTaskGroup.map([1, 2, 3], tasks: 2) { $0 * $0 }   // [1, 4, 9]
/// ```
enum BoundedTaskGroup {
    /// The default width: one task per active processor.
    static var defaultTasks: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs CPU-bound `work` on a Dispatch worker thread while the calling task is suspended, so
    /// seconds of FHE arithmetic never hold a thread of Swift's cooperative pool (whose width is
    /// the number of cores): timers, streams and servers sharing the process keep running.
    static func offPool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Swift.Result { try work() })
            }
        }
    }

    /// Applies `transform` to every item in child tasks, at most `tasks` at a time (each item's
    /// work runs off the cooperative pool, ``offPool(_:)``).
    ///
    /// - Parameters:
    ///   - items: the independent work items.
    ///   - tasks: the most child tasks running at once (values below 1 count as 1).
    ///   - transform: the work of one item.
    /// - Returns: the results, in the order of `items`.
    /// - Throws: the first error a child throws.
    static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], tasks: Int, _ transform: @escaping @Sendable (Item) throws -> Result
    ) async throws -> [Result] {
        guard !items.isEmpty else { return [] }
        let width = min(max(1, tasks), items.count)
        return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            for index in 0..<width {
                let item = items[index]
                group.addTask { (index, try await offPool { try transform(item) }) }
            }
            var next = width
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < items.count {
                    let started = next
                    let item = items[started]
                    group.addTask { (started, try await offPool { try transform(item) }) }
                    next += 1
                }
            }
            let done = results.compactMap { $0 }
            guard done.count == items.count else {
                throw PipelineError.malformed(source: "parallel evaluation", reason: "\(items.count - done.count) items produced no result")
            }
            return done
        }
    }
}
