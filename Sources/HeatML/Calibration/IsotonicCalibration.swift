import Foundation

/// Isotonic calibration: the non-decreasing step function of a model's margins that best fits
/// the labels in squared error (pool-adjacent-violators), read with linear interpolation between
/// its points and clipped outside them, as scikit-learn's `IsotonicRegression(out_of_bounds="clip")`
/// inside `CalibratedClassifierCV(method="isotonic")`.
///
/// Equal margins are pooled first (their labels averaged, weighted by count), as scikit-learn does.
///
/// ```swift
/// let iso = try IsotonicCalibration.fit(margins: [-2, -1, 0.5, 2], labels: [0, 1, 0, 1])
/// let p = iso.probability(margin: 0)
/// ```
public struct IsotonicCalibration: Sendable, Codable, Equatable {
    /// The fitted points' margins, strictly increasing.
    public var thresholds: [Double]
    /// The fitted probabilities at ``thresholds``, non-decreasing, in [0, 1].
    public var values: [Double]

    /// Creates a fitted function from its points.
    ///
    /// - Parameters:
    ///   - thresholds: strictly increasing margins.
    ///   - values: the probability at each.
    public init(thresholds: [Double], values: [Double]) {
        self.thresholds = thresholds
        self.values = values
    }

    /// The calibrated probability of one margin (linear between points, clipped outside).
    ///
    /// - Parameter margin: the model's log-odds.
    /// - Returns: a probability in [0, 1] (0.5 for an empty function).
    public func probability(margin: Double) -> Double {
        guard let first = thresholds.first, let last = thresholds.last, !values.isEmpty else { return 0.5 }
        if margin.isNaN { return values[values.count / 2] }
        if margin <= first { return values[0] }
        if margin >= last { return values[values.count - 1] }
        var low = 0, high = thresholds.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if thresholds[mid] <= margin { low = mid } else { high = mid }
        }
        let span = thresholds[high] - thresholds[low]
        let w = span > 0 ? (margin - thresholds[low]) / span : 0
        return values[low] + w * (values[high] - values[low])
    }

    /// Fits the function by pool-adjacent-violators.
    ///
    /// - Parameters:
    ///   - margins: the model's margins (no `nan`).
    ///   - labels: 0 / 1 labels, as many as margins.
    /// - Returns: the fitted function.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` for different lengths or no rows.
    public static func fit(margins: [Double], labels: [Int]) throws(HeatMLError) -> IsotonicCalibration {
        guard margins.count == labels.count, !margins.isEmpty else {
            throw .shapeMismatch(context: "IsotonicCalibration.fit", expected: "\(labels.count) margins (at least one)", found: "\(margins.count)")
        }
        let order = margins.indices.sorted { margins[$0] < margins[$1] }
        // Pool equal margins.
        var xs: [Double] = [], sums: [Double] = [], weights: [Double] = []
        for i in order {
            if let last = xs.last, last == margins[i] {
                sums[sums.count - 1] += Double(labels[i]); weights[weights.count - 1] += 1
            } else {
                xs.append(margins[i]); sums.append(Double(labels[i])); weights.append(1)
            }
        }
        // Pool adjacent violators over blocks (mean, weight, count of points).
        var means: [Double] = [], blockWeights: [Double] = [], counts: [Int] = []
        for k in xs.indices {
            means.append(sums[k] / weights[k]); blockWeights.append(weights[k]); counts.append(1)
            while means.count > 1 && means[means.count - 2] > means[means.count - 1] {
                let w = blockWeights[blockWeights.count - 2] + blockWeights[blockWeights.count - 1]
                let m = (means[means.count - 2] * blockWeights[blockWeights.count - 2] + means[means.count - 1] * blockWeights[blockWeights.count - 1]) / w
                let c = counts[counts.count - 2] + counts[counts.count - 1]
                means.removeLast(2); blockWeights.removeLast(2); counts.removeLast(2)
                means.append(m); blockWeights.append(w); counts.append(c)
            }
        }
        var values: [Double] = []
        values.reserveCapacity(xs.count)
        for (m, c) in zip(means, counts) { values.append(contentsOf: repeatElement(min(max(m, 0), 1), count: c)) }
        return IsotonicCalibration(thresholds: xs, values: values)
    }
}
