/// Centres a feature to mean 0 and scales it to unit variance.
///
/// Matches scikit-learn's `StandardScaler`: population standard deviation (ddof 0), and a
/// constant feature keeps scale 1 (it is only centred).
///
/// ```swift
/// let scaler = StandardScaler.fit([1, 2, 3])
/// scaler.transform([2])   // [0]
/// ```
public struct StandardScaler: Sendable, Codable, Equatable {
    /// The fitted mean.
    public let mean: Double
    /// The fitted standard deviation (1 for a constant feature).
    public let scale: Double

    /// Creates a scaler with known statistics.
    ///
    /// - Parameters:
    ///   - mean: the value subtracted.
    ///   - scale: the divisor (must be non-zero).
    public init(mean: Double, scale: Double) {
        self.mean = mean
        self.scale = scale == 0 ? 1 : scale
    }

    /// Fits mean and standard deviation, ignoring `.nan`.
    ///
    /// - Parameter values: the training values.
    /// - Returns: the fitted scaler.
    public static func fit<C: Collection>(_ values: C) -> StandardScaler where C.Element == Double {
        var count = 0.0, mean = 0.0, m2 = 0.0
        for value in values where !value.isNaN {
            count += 1
            let delta = value - mean
            mean += delta / count
            m2 += delta * (value - mean)
        }
        guard count > 0 else { return StandardScaler(mean: 0, scale: 1) }
        let std = (m2 / count).squareRoot()
        return StandardScaler(mean: mean, scale: std < 10 * Double.ulpOfOne * max(abs(mean), 1) ? 1 : std)
    }

    /// Scales values.
    ///
    /// - Parameter values: the values.
    /// - Returns: `(x - mean) / scale` for each value (`.nan` stays `.nan`).
    public func transform<C: Collection>(_ values: C) -> [Double] where C.Element == Double {
        values.map { ($0 - mean) / scale }
    }
}
