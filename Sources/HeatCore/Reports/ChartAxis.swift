import Foundation

/// Axis arithmetic for the report's SVG charts: "nice" tick values (steps of 1, 2 or 5 times a
/// power of ten) covering a data range, and the linear map from data to pixels.
struct ChartAxis: Sendable, Equatable {
    /// The smallest value of the axis (the first tick).
    let lower: Double
    /// The largest value of the axis (the last tick).
    let upper: Double
    /// The tick values, from `lower` to `upper`.
    let ticks: [Double]

    /// An axis from `lower` to `upper` with the given ticks.
    init(lower: Double, upper: Double, ticks: [Double]) {
        self.lower = lower
        self.upper = upper
        self.ticks = ticks
    }

    /// A nice axis covering `minimum...maximum` with about `count` intervals.
    ///
    /// A degenerate or non-finite range becomes `0...1` (or `value...value+1`).
    static func nice(minimum: Double, maximum: Double, count: Int = 5) -> ChartAxis {
        var low = minimum.isFinite ? minimum : 0
        var high = maximum.isFinite ? maximum : 1
        if high < low { swap(&low, &high) }
        if high == low { high = low + 1 }
        let rough = (high - low) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(rough)))
        let fraction = rough / magnitude
        let step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
        let first = floor(low / step) * step
        let last = ceil(high / step) * step
        var ticks: [Double] = []
        var value = first
        while value <= last + step / 2, ticks.count < 50 {
            ticks.append(abs(value) < step / 1e9 ? 0 : value)
            value += step
        }
        return ChartAxis(lower: first, upper: ticks.last ?? last, ticks: ticks)
    }

    /// The fixed unit axis `0...1` with ticks every 0.2 (probabilities and rates).
    static let unit = ChartAxis(lower: 0, upper: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1])

    /// Maps `value` into `start...end` (pixels); `end` may be smaller than `start` (y axes).
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        guard upper > lower, value.isFinite else { return start }
        let clamped = min(max(value, lower), upper)
        return start + (clamped - lower) / (upper - lower) * (end - start)
    }

    /// A tick label: integers plainly, fractions with up to 2 decimals, thousands as `k`.
    func label(_ value: Double) -> String {
        if abs(value) >= 10_000, value == value.rounded() {
            return ReportNumberFormat.plain(value / 1000, decimals: 1) + "k"
        }
        return ReportNumberFormat.plain(value, decimals: 2)
    }
}
