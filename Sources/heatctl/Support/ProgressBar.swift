import Foundation

/// A progress bar with rate and ETA, drawn on stderr only when stderr is a terminal.
///
/// Use it for any step that can take over a second. Nothing is drawn during the first
/// ``defaultShowAfter`` seconds, so a step that turns out quick (a small input) leaves no bar
/// behind. It redraws one line (`\r`) at most every
/// ``minimumRedrawInterval`` (throttled, so a hot loop can call ``advance(by:)`` per item), and
/// draws nothing at all when stderr is not a terminal or `--quiet` is set, so logs and pipes stay
/// clean. Thread-safe: tasks of a task group may advance the same bar.
///
/// ```swift
/// let progress = ProgressBar(title: "Encrypting", total: buckets.count, unit: "buckets")
/// for bucket in buckets {
///     try encrypt(bucket)
///     progress.advance()
/// }
/// progress.finish()
/// ```
final class ProgressBar: @unchecked Sendable {
    /// The shortest time between two redraws.
    static let minimumRedrawInterval: TimeInterval = 0.1

    /// How long a step runs before its bar appears (a quicker step draws nothing).
    static let defaultShowAfter: TimeInterval = 0.5

    let title: String
    /// The number of units, or `nil` when unknown; set again by ``update(completed:total:)``.
    private(set) var total: Int?
    let unit: String
    let enabled: Bool
    let showAfter: TimeInterval
    private let now: @Sendable () -> TimeInterval
    private let draw: @Sendable (String) -> Void
    private let lock = NSLock()
    private let start: TimeInterval
    private var completed = 0
    private var lastDraw: TimeInterval = -.infinity
    private var finished = false
    private var shown = false

    /// Creates a bar; nothing is drawn until the first update.
    ///
    /// - Parameters:
    ///   - title: what is being done ("Encrypting").
    ///   - total: the number of units, or `nil` when unknown (then a count and rate are shown).
    ///   - unit: the unit's plural name ("rows").
    ///   - enabled: whether to draw (default: stderr is a terminal and `--quiet` is off).
    ///   - showAfter: seconds before the first draw (default ``defaultShowAfter``); a bar finished
    ///     sooner draws nothing at all.
    ///   - now: the clock in seconds (injectable for tests).
    ///   - draw: where the line goes (default: stderr).
    init(
        title: String, total: Int?, unit: String = "items", enabled: Bool = Console.progressEnabled,
        showAfter: TimeInterval = ProgressBar.defaultShowAfter,
        now: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
        draw: @escaping @Sendable (String) -> Void = { Console.writeError($0) }
    ) {
        self.title = title
        self.total = total.map { max(0, $0) }
        self.unit = unit
        self.enabled = enabled
        self.showAfter = max(0, showAfter)
        self.now = now
        self.draw = draw
        self.start = now()
    }

    /// Adds `count` completed units and redraws if the throttle allows.
    func advance(by count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        completed += count
        redraw(force: false)
    }

    /// Sets the number of completed units and redraws if the throttle allows.
    func update(completed value: Int) {
        lock.lock()
        defer { lock.unlock() }
        completed = value
        redraw(force: false)
    }

    /// Sets the number of completed units and the total (for a library callback that reports
    /// both, or a total known only once work has started), and redraws if the throttle allows.
    func update(completed value: Int, total newTotal: Int) {
        lock.lock()
        defer { lock.unlock() }
        completed = value
        total = max(0, newTotal)
        redraw(force: false)
    }

    /// Draws the final state and ends the line; later calls do nothing.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        redraw(force: true)
        finished = true
        if enabled, shown { draw("\n") }
    }

    private func redraw(force: Bool) {
        guard enabled, !finished else { return }
        let time = now()
        guard shown || time - start >= showAfter else { return }
        guard force || time - lastDraw >= Self.minimumRedrawInterval else { return }
        shown = true
        lastDraw = time
        let line = Self.line(
            title: title, completed: completed, total: total, unit: unit, elapsed: time - start,
            width: Console.terminalColumns)
        draw("\r" + line + "\u{1B}[K")
    }

    /// The text of the bar: `title [#####-----]  45%  4 500/10 000 rows  1 234 rows/s  ETA 0:04`,
    /// or without bar, percentage and ETA when the total is unknown. Trimmed to `width` columns.
    ///
    /// - Parameters:
    ///   - title: the step's name.
    ///   - completed: units done.
    ///   - total: units in all, or `nil`.
    ///   - unit: the unit's plural name.
    ///   - elapsed: seconds since the start.
    ///   - width: the terminal width in columns.
    /// - Returns: the line, without carriage return.
    static func line(title: String, completed: Int, total: Int?, unit: String, elapsed: TimeInterval, width: Int) -> String {
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let rateText = elapsed > 0.05 ? "\(count(Int(rate.rounded()))) \(unit)/s" : "– \(unit)/s"
        guard let total, total > 0 else {
            return String("\(title)  \(count(completed)) \(unit)  \(rateText)  \(duration(elapsed))".prefix(max(width - 1, 10)))
        }
        let fraction = min(1, Double(completed) / Double(total))
        let percent = "\(Int((fraction * 100).rounded(.down)))%"
        let eta: String
        if completed >= total {
            eta = "done in \(duration(elapsed))"
        } else if rate > 0 {
            eta = "ETA \(duration(Double(total - completed) / rate))"
        } else {
            eta = "ETA –"
        }
        let tail = " \(percent.leftPadded(to: 4))  \(count(completed))/\(count(total)) \(unit)  \(rateText)  \(eta)"
        let barWidth = min(30, width - 1 - title.count - 3 - tail.count)
        guard barWidth >= 5 else { return String((title + tail).prefix(max(width - 1, 10))) }
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
        return "\(title) [\(bar)]\(tail)"
    }

    /// `1234567` as `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// Seconds as `m:ss` or `h:mm:ss`.
    static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, rest = total % 60
        let ss = rest < 10 ? "0\(rest)" : "\(rest)"
        if hours > 0 { return "\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(ss)" }
        return "\(minutes):\(ss)"
    }
}

extension String {
    /// The string padded on the left with spaces to at least `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
