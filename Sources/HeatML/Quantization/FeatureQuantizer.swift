/// The integer code of one feature for a quantized linear model: `levels` equal steps from
/// `lowerBound`, so `code(x) = clamp(round((x - lowerBound) / step), 0, levels - 1)` and the value
/// a code stands for is `lowerBound + step * code`.
///
/// ```swift
/// let q = FeatureQuantizer(lowerBound: -2, upperBound: 3, levels: 256)
/// q.code(0.5)          // 128
/// q.value(of: 128)     // ~0.5
/// ```
public struct FeatureQuantizer: Sendable, Codable, Equatable {
    /// The value of code 0.
    public let lowerBound: Double
    /// The value between two consecutive codes (1 for a constant feature).
    public let step: Double
    /// The number of codes (`2^bits`).
    public let levels: Int

    /// Creates a quantizer spreading `levels` codes evenly over `lowerBound ... upperBound`.
    ///
    /// - Parameters:
    ///   - lowerBound: the value of code 0.
    ///   - upperBound: the value of the last code (at least `lowerBound`).
    ///   - levels: the number of codes (at least 2).
    public init(lowerBound: Double, upperBound: Double, levels: Int) {
        self.lowerBound = lowerBound
        self.levels = max(levels, 2)
        let width = upperBound - lowerBound
        self.step = width > 0 && width.isFinite ? width / Double(self.levels - 1) : 1
    }

    /// The code of a value (clamped to the range; a missing value gets code 0).
    ///
    /// - Parameter x: the feature value.
    /// - Returns: the code in `0 ..< levels`.
    public func code(_ x: Double) -> Int {
        guard !x.isNaN else { return 0 }
        let raw = ((x - lowerBound) / step).rounded()
        return Int(min(max(raw, 0), Double(levels - 1)))
    }

    /// The value a code stands for.
    ///
    /// - Parameter code: a code in `0 ..< levels`.
    /// - Returns: `lowerBound + step * code`.
    public func value(of code: Int) -> Double { lowerBound + step * Double(code) }
}
