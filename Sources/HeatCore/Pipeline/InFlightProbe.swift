import Foundation

/// Counts the work items alive at once and remembers the largest count: the streaming tests'
/// proof (issue 14 item 3) that the collector and the evaluator hold a bounded number of slot
/// batches, whatever the size of the store or the export.
///
/// The collector and the evaluator call ``enter()`` when they start holding a batch's buffers
/// (its new totals and plaintexts, or its decoded weekly ciphertexts) and ``leave()`` when they
/// drop them; tests read ``maximum``.
///
/// ```swift
/// let probe = InFlightProbe()
/// var evaluator = try Evaluator(folder: folder)
/// evaluator.batchesInFlight = 2
/// evaluator.batchProbe = probe
/// _ = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
/// #expect(probe.maximum <= 2)
/// ```
final class InFlightProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var live = 0
    private var peak = 0
    private var entered = 0
    /// Called after each ``enter()`` with the number of items entered so far (the streaming
    /// tests' hook: cancel the running task, or throw, in the middle of a stream).
    private let onEnter: (@Sendable (_ entered: Int) throws -> Void)?

    /// A probe.
    ///
    /// - Parameter onEnter: called after each ``enter()`` with the items entered so far; what it
    ///   throws is thrown by ``enter()``.
    init(onEnter: (@Sendable (_ entered: Int) throws -> Void)? = nil) {
        self.onEnter = onEnter
    }

    /// Records one more item held.
    ///
    /// - Throws: what the `onEnter` hook throws.
    func enter() throws {
        lock.lock()
        live += 1
        entered += 1
        peak = max(peak, live)
        let count = entered
        lock.unlock()
        try onEnter?(count)
    }

    /// Records one item dropped.
    func leave() {
        lock.lock()
        live -= 1
        lock.unlock()
    }

    /// Records `count` items dropped at once.
    ///
    /// - Parameter count: the items dropped.
    func leave(count: Int) {
        lock.lock()
        live -= count
        lock.unlock()
    }

    /// The most items held at once so far.
    var maximum: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    /// Items entered so far.
    var total: Int {
        lock.lock()
        defer { lock.unlock() }
        return entered
    }

    /// Items held now.
    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return live
    }
}
