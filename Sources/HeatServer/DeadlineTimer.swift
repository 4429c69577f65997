import Foundation
import Synchronization

/// One thread that runs callbacks at their deadlines, for request time limits
/// (`RouteHandlers.withDeadline`): unlike `Task.sleep`, it fires on time even while every thread
/// of the cooperative pool is held by synchronous work.
///
/// ```swift
/// DeadlineTimer.shared.schedule(after: .seconds(10)) { race.settle(.expired) }
/// ```
final class DeadlineTimer: @unchecked Sendable {
    /// The server's timer.
    static let shared = DeadlineTimer()

    private let condition = NSCondition()
    private var entries: [(due: Date, action: @Sendable () -> Void)] = []

    init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "heat-deadlines"
        thread.start()
    }

    /// Runs `action` on the timer's thread once `delay` has passed.
    func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) {
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        condition.lock()
        entries.append((Date().addingTimeInterval(max(0, seconds)), action))
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while entries.isEmpty { condition.wait() }
            let now = Date()
            var due: [@Sendable () -> Void] = []
            entries.removeAll { entry in
                guard entry.due <= now else { return false }
                due.append(entry.action)
                return true
            }
            if due.isEmpty, let next = entries.map(\.due).min() {
                _ = condition.wait(until: next)
            }
            condition.unlock()
            for action in due { action() }
        }
    }
}

/// The race between a piece of work and its deadline: the first to ``settle(_:)`` decides, later
/// settlements are ignored, and ``outcome()`` returns the decision.
final class DeadlineRace<T: Sendable>: Sendable {
    /// How the race ended.
    enum Outcome: Sendable {
        /// The work returned or threw first.
        case finished(Result<T, any Error>)
        /// The deadline passed first.
        case expired
    }

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = Mutex(State())

    /// Settles the race with `outcome` unless it is already settled.
    func settle(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Waits for the race to be settled.
    func outcome() async -> Outcome {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { state -> Outcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let settled { continuation.resume(returning: settled) }
        }
    }
}
