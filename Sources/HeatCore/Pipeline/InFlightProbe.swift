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

    /// Records one more item held.
    func enter() {
        lock.lock()
        live += 1
        entered += 1
        peak = max(peak, live)
        lock.unlock()
    }

    /// Records one item dropped.
    func leave() {
        lock.lock()
        live -= 1
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
