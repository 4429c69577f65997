import Foundation

/// The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005b, "RFM and CLV: using
/// iso-value curves for customer base analysis"; `lifetimes`' `GammaGammaFitter`).
///
/// Each purchase's value is Gamma(p, ν) around the customer's mean p/ν, with ν ~ Gamma(q, γ)
/// across customers (``v`` is γ). It assumes spend is independent of purchase frequency: check
/// that the correlation between frequency and monetary value is weak before relying on it. It
/// is fitted on customers with at least one repeat purchase and a positive mean amount.
///
/// ```swift
/// let repeaters = summary.customers.map(\.rfm).filter { $0.frequency > 0 && $0.monetary > 0 }
/// let spend = try GammaGammaModel.fit(repeaters)
/// spend.expectedAverageValue(given: repeaters[0])
/// ```
public struct GammaGammaModel: Sendable, Codable, Equatable {
    /// Shape of the per-purchase gamma distribution.
    public var p: Double
    /// Shape of the gamma distribution of the rate across customers.
    public var q: Double
    /// Scale of the gamma distribution of the rate across customers (γ).
    public var v: Double
    /// The maximised log-likelihood (sum over customers), or 0 for a model built from parameters.
    public var logLikelihood: Double
    /// Customers the model was fitted on.
    public var customers: Int
    /// Optimizer iterations.
    public var iterations: Int

    /// Creates a model from known parameters.
    public init(p: Double, q: Double, v: Double, logLikelihood: Double = 0, customers: Int = 0, iterations: Int = 0) {
        self.p = p
        self.q = q
        self.v = v
        self.logLikelihood = logLikelihood
        self.customers = customers
        self.iterations = iterations
    }

    /// Distinct (frequency, mean amount) pairs with their multiplicities, and the sums that do
    /// not depend on the parameters.
    struct Groups {
        var x: [Double] = []
        var m: [Double] = []
        var w: [Double] = []
        /// Distinct frequencies with their total weights.
        var distinctFrequency: [(x: Double, weight: Double)] = []
        var total = 0.0
        /// Σ w·x·log m and Σ w·log m.
        var sumXLogM = 0.0
        var sumLogM = 0.0
    }

    /// The mean negative log-likelihood and its gradient with respect to (log p, log q, log v).
    ///
    /// The gamma-function terms depend on the customer only through x, so they are summed once
    /// per distinct frequency; each customer adds one logarithm and one division.
    static func objective(_ logParameters: [Double], _ groups: Groups) -> (value: Double, gradient: [Double]) {
        let p = exp(logParameters[0]), q = exp(logParameters[1]), v = exp(logParameters[2])
        guard [p, q, v].allSatisfy({ $0.isFinite && $0 > 0 }) else { return (.infinity, [0, 0, 0]) }
        typealias S = SpecialFunctions
        let lgQ = S.logGamma(q), psiQ = S.digamma(q), logV = log(v)
        var ll = 0.0, dp = 0.0, dq = 0.0, dv = 0.0
        for (x, weight) in groups.distinctFrequency {
            let px = p * x
            let psiPXQ = S.digamma(px + q)
            ll += weight * (S.logGamma(px + q) - S.logGamma(px) - lgQ + q * logV + px * log(x))
            dp += weight * x * (psiPXQ - S.digamma(px) + log(x))
            dq += weight * (psiPXQ - psiQ + logV)
            dv += weight * q / v
        }
        ll += p * groups.sumXLogM - groups.sumLogM
        dp += groups.sumXLogM
        for i in groups.x.indices {
            let xi = groups.x[i], wi = groups.w[i]
            let denominator = xi * groups.m[i] + v
            let logXMV = log(denominator)
            ll -= wi * (p * xi + q) * logXMV
            dp -= wi * xi * logXMV
            dq -= wi * logXMV
            dv -= wi * (p * xi + q) / denominator
        }
        let total = groups.total
        return (-ll / total, [-dp * p / total, -dq * q / total, -dv * v / total])
    }

    /// Fits the model by maximum likelihood on customers with repeat purchases.
    ///
    /// - Parameters:
    ///   - histories: histories; those with frequency 0 or a non-positive monetary value are
    ///     skipped (they carry no spend information for the model).
    ///   - minimizer: the optimizer settings.
    /// - Returns: the fitted model.
    /// - Throws: ``LifetimesError`` when no history has a repeat purchase with a positive amount,
    ///   or the optimizer fails.
    public static func fit(_ histories: [RFM], minimizer: LBFGSMinimizer = LBFGSMinimizer()) throws(LifetimesError) -> GammaGammaModel {
        struct Key: Hashable { var x: Int; var m: UInt64 }
        var positions: [Key: Int] = [:]
        var groups = Groups()
        var byFrequency: [Int: Double] = [:]
        for (index, history) in histories.enumerated() {
            try history.validate(index: index)
            guard history.frequency > 0, history.monetary > 0 else { continue }
            let key = Key(x: history.frequency, m: history.monetary.bitPattern)
            if let position = positions[key] {
                groups.w[position] += 1
            } else {
                positions[key] = groups.w.count
                groups.x.append(Double(history.frequency))
                groups.m.append(history.monetary)
                groups.w.append(1)
            }
            byFrequency[history.frequency, default: 0] += 1
            groups.sumXLogM += Double(history.frequency) * log(history.monetary)
            groups.sumLogM += log(history.monetary)
        }
        groups.distinctFrequency = byFrequency.keys.sorted().map { (x: Double($0), weight: byFrequency[$0] ?? 0) }
        let total = groups.w.reduce(0, +)
        groups.total = total
        guard total > 0 else {
            throw .nothingToFit(model: "Gamma-Gamma", reason: "no customer has a repeat purchase with a positive amount")
        }
        // Start at p = q = 1 and v = the mean amount (method-of-moments scale).
        let meanAmount = zip(groups.m, groups.w).reduce(0) { $0 + $1.0 * $1.1 } / total
        let result = minimizer.minimize(start: [0, 0, log(meanAmount)]) { objective($0, groups) }
        guard result.converged, result.value.isFinite else { throw .notConverged(model: "Gamma-Gamma", iterations: result.iterations) }
        let parameters = result.point.map { exp($0) }
        return GammaGammaModel(p: parameters[0], q: parameters[1], v: parameters[2], logLikelihood: -result.value * total,
                               customers: Int(total), iterations: result.iterations)
    }

    /// The expected mean value of a customer's future purchases, given their history
    /// (`lifetimes`' `conditional_expected_average_profit`): p(ν + x·m)/(p·x + q − 1). Without
    /// repeat purchases this is the population mean p·v/(q − 1). `nan` when q ≤ 1 (the mean is
    /// then infinite).
    public func expectedAverageValue(given history: RFM) -> Double {
        guard q > 1 else { return .nan }
        let x = Double(history.frequency)
        return p * (v + x * history.monetary) / (p * x + q - 1)
    }

    /// The population mean value per purchase, p·v/(q − 1) (`nan` when q ≤ 1).
    public var populationMeanValue: Double { q > 1 ? p * v / (q - 1) : .nan }
}
