import Foundation

/// Platt scaling: a logistic curve `p = 1 / (1 + exp(a * m + b))` fitted to a model's margins
/// (log-odds), as scikit-learn's `CalibratedClassifierCV(method="sigmoid")`.
///
/// The fit minimises the log loss against Platt's smoothed targets (`(n₊ + 1) / (n₊ + 2)` for
/// positives, `1 / (n₋ + 2)` for negatives; Platt 1999), by Newton's method on the two parameters
/// with a backtracking line search, so the optimum is reached to machine precision (scikit-learn
/// stops its L-BFGS earlier; the two agree to about 1e-6 in probability).
///
/// ```swift
/// let platt = try PlattScaling.fit(margins: [-2, -1, 0.5, 2], labels: [0, 0, 1, 1])
/// let p = platt.probability(margin: 0.3)
/// ```
public struct PlattScaling: Sendable, Codable, Equatable {
    /// The slope on the margin (negative for a model whose margin rises with the positive class).
    public var a: Double
    /// The offset.
    public var b: Double

    /// Creates a fitted curve from its parameters.
    ///
    /// - Parameters:
    ///   - a: the slope.
    ///   - b: the offset.
    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    /// The calibrated probability of one margin.
    ///
    /// - Parameter margin: the model's log-odds.
    /// - Returns: a probability in (0, 1).
    public func probability(margin: Double) -> Double {
        let z = a * margin + b
        return z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
    }

    /// Fits the curve.
    ///
    /// - Parameters:
    ///   - margins: the model's margins.
    ///   - labels: 0 / 1 labels, as many as margins.
    /// - Returns: the fitted curve.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` for different lengths or no rows.
    public static func fit(margins: [Double], labels: [Int]) throws(HeatMLError) -> PlattScaling {
        guard margins.count == labels.count, !margins.isEmpty else {
            throw .shapeMismatch(context: "PlattScaling.fit", expected: "\(labels.count) margins (at least one)", found: "\(margins.count)")
        }
        let positives = Double(labels.filter { $0 == 1 }.count)
        let negatives = Double(labels.count) - positives
        let high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2)
        let targets = labels.map { $0 == 1 ? high : low }
        func loss(_ a: Double, _ b: Double) -> Double {
            var total = 0.0
            for (m, t) in zip(margins, targets) {
                let z = a * m + b
                // -[t log p + (1-t) log(1-p)] with p = 1 / (1 + e^z): log p = -softplus(z), log(1-p) = z - softplus(z)
                let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
                total += softplus - (1 - t) * z
            }
            return total
        }
        var a = 0.0, b = log((negatives + 1) / (positives + 1))
        var current = loss(a, b)
        for _ in 0..<100 {
            var ga = 0.0, gb = 0.0, haa = 0.0, hab = 0.0, hbb = 0.0
            for (m, t) in zip(margins, targets) {
                let p = PlattScaling(a: a, b: b).probability(margin: m)
                // d loss / dz = (1 - p) - (1 - t) = t - p
                let g = t - p, h = p * (1 - p)
                ga += g * m; gb += g
                haa += h * m * m; hab += h * m; hbb += h
            }
            if max(abs(ga), abs(gb)) < 1e-10 { break }
            let det = haa * hbb - hab * hab
            var da: Double, db: Double
            if det > 1e-300 {
                da = -(hbb * ga - hab * gb) / det
                db = -(haa * gb - hab * ga) / det
            } else {
                da = -ga; db = -gb
            }
            var step = 1.0, accepted = false
            for _ in 0..<60 {
                let trial = loss(a + step * da, b + step * db)
                if trial <= current { a += step * da; b += step * db; current = trial; accepted = true; break }
                step /= 2
            }
            if !accepted { break }
        }
        return PlattScaling(a: a, b: b)
    }
}
