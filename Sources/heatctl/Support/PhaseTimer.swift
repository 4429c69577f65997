import Foundation

/// Wall-clock time per phase of a command (for `heatctl demo`'s phase report).
struct PhaseTimer {
    /// The finished phases in order.
    private(set) var laps: [(name: String, seconds: Double)] = []
    private var last = Date()

    /// Ends the current phase under `name` and starts the next.
    mutating func lap(_ name: String) {
        let now = Date()
        laps.append((name, now.timeIntervalSince(last)))
        last = now
    }
}
