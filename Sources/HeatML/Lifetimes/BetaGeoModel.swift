import Foundation

/// The BG/NBD ("beta-geometric / negative binomial") model of repeat purchases (Fader, Hardie &
/// Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)), as `lifetimes`'
/// `BetaGeoFitter`.
///
/// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after every
/// purchase they drop out for good with probability p ~ Beta(a, b). ``fit(_:)`` maximises the
/// likelihood over log-parameters (so the parameters stay positive) with ``LBFGSMinimizer`` and
/// analytic gradients, grouping identical histories and the terms that depend only on the
/// frequency, so a fit of 23,570 customers takes milliseconds.
///
/// ```swift
/// let model = try BetaGeoModel.fit(summary.customers.map(\.rfm))
/// let history = RFM(frequency: 2, recency: 30.43, age: 38.86)
/// model.expectedPurchases(in: 39, given: history)   // purchases expected in the next 39 weeks
/// model.probabilityAlive(given: history)
/// ```
public struct BetaGeoModel: Sendable, Codable, Equatable {
    /// Shape of the purchase-rate gamma distribution.
    public var r: Double
    /// Scale (in time units) of the purchase-rate gamma distribution.
    public var alpha: Double
    /// First shape of the dropout-probability beta distribution.
    public var a: Double
    /// Second shape of the dropout-probability beta distribution.
    public var b: Double
    /// The maximised log-likelihood (sum over customers), or 0 for a model built from parameters.
    public var logLikelihood: Double
    /// Customers the model was fitted on.
    public var customers: Int
    /// Optimizer iterations.
    public var iterations: Int

    /// Creates a model from known parameters.
    public init(r: Double, alpha: Double, a: Double, b: Double, logLikelihood: Double = 0, customers: Int = 0, iterations: Int = 0) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.logLikelihood = logLikelihood
        self.customers = customers
        self.iterations = iterations
    }

    // MARK: Fitting

    /// Distinct histories with their multiplicities.
    struct Groups {
        var frequency: [Int] = []
        var recency: [Double] = []
        var age: [Double] = []
        var weight: [Double] = []
        /// Distinct frequencies with their total weights.
        var distinctFrequency: [(x: Double, weight: Double)] = []
        var total = 0.0
    }

    static func group(_ histories: [RFM]) throws(LifetimesError) -> Groups {
        struct Key: Hashable { var x: Int; var recency: UInt64; var age: UInt64 }
        var positions: [Key: Int] = [:]
        var groups = Groups()
        var byFrequency: [Int: Double] = [:]
        for (index, history) in histories.enumerated() {
            try history.validate(index: index)
            let key = Key(x: history.frequency, recency: history.recency.bitPattern, age: history.age.bitPattern)
            if let position = positions[key] {
                groups.weight[position] += 1
            } else {
                positions[key] = groups.weight.count
                groups.frequency.append(history.frequency)
                groups.recency.append(history.recency)
                groups.age.append(history.age)
                groups.weight.append(1)
            }
            byFrequency[history.frequency, default: 0] += 1
        }
        groups.distinctFrequency = byFrequency.keys.sorted().map { (x: Double($0), weight: byFrequency[$0] ?? 0) }
        groups.total = Double(histories.count)
        return groups
    }

    /// The mean negative log-likelihood and its gradient with respect to the log-parameters
    /// (log r, log α, log a, log b).
    static func objective(_ logParameters: [Double], _ groups: Groups) -> (value: Double, gradient: [Double]) {
        let r = exp(logParameters[0]), alpha = exp(logParameters[1]), a = exp(logParameters[2]), b = exp(logParameters[3])
        guard [r, alpha, a, b].allSatisfy({ $0.isFinite && $0 > 0 }) else { return (.infinity, [0, 0, 0, 0]) }
        typealias S = SpecialFunctions
        // Terms that depend only on x: A1 without r log α, and A2.
        var ll = 0.0
        var dr = 0.0, dalpha = 0.0, da = 0.0, db = 0.0
        let lgR = S.logGamma(r), lgB = S.logGamma(b), lgAB = S.logGamma(a + b)
        let psiR = S.digamma(r), psiB = S.digamma(b), psiAB = S.digamma(a + b)
        for (x, w) in groups.distinctFrequency {
            ll += w * (S.logGamma(r + x) - lgR + lgAB + S.logGamma(b + x) - lgB - S.logGamma(a + b + x))
            let psiABX = S.digamma(a + b + x)
            dr += w * (S.digamma(r + x) - psiR)
            da += w * (psiAB - psiABX)
            db += w * (psiAB + S.digamma(b + x) - psiB - psiABX)
        }
        let logAlpha = log(alpha)
        ll += groups.total * r * logAlpha
        dr += groups.total * logAlpha
        dalpha += groups.total * r / alpha
        let logA = log(a)
        for i in groups.weight.indices {
            let w = groups.weight[i]
            let x = Double(groups.frequency[i])
            let logT = log(alpha + groups.age[i])
            let a3 = -(r + x) * logT
            guard groups.frequency[i] > 0 else {
                ll += w * a3
                dr -= w * logT
                dalpha -= w * (r + x) / (alpha + groups.age[i])
                continue
            }
            let logTx = log(alpha + groups.recency[i])
            let a4 = logA - log(b + x - 1) - (r + x) * logTx
            let combined = S.logAddExp(a3, a4)
            let w3 = exp(a3 - combined), w4 = exp(a4 - combined)
            ll += w * combined
            dr += w * (-w3 * logT - w4 * logTx)
            dalpha += w * (-w3 * (r + x) / (alpha + groups.age[i]) - w4 * (r + x) / (alpha + groups.recency[i]))
            da += w * w4 / a
            db -= w * w4 / (b + x - 1)
        }
        let n = groups.total
        return (-ll / n, [-dr * r / n, -dalpha * alpha / n, -da * a / n, -db * b / n])
    }

    /// Fits the model by maximum likelihood.
    ///
    /// - Parameters:
    ///   - histories: one history per customer (time in a consistent unit, usually weeks).
    ///   - minimizer: the optimizer settings.
    /// - Returns: the fitted model.
    /// - Throws: ``LifetimesError`` for no customers, an impossible history, or no convergence.
    public static func fit(_ histories: [RFM], minimizer: LBFGSMinimizer = LBFGSMinimizer()) throws(LifetimesError) -> BetaGeoModel {
        guard !histories.isEmpty else { throw .nothingToFit(model: "BG/NBD", reason: "no customers to fit") }
        let groups = try group(histories)
        guard groups.frequency.contains(where: { $0 > 0 }) else {
            throw .nothingToFit(model: "BG/NBD", reason: "no customer has a repeat purchase")
        }
        // Start at r = a = b = 1 and α = the mean age (a rate of about one purchase per period).
        let meanAge = max(histories.reduce(0) { $0 + $1.age } / Double(histories.count), 1e-3)
        let result = minimizer.minimize(start: [0, log(meanAge), 0, 0]) { objective($0, groups) }
        guard result.converged, result.value.isFinite else { throw .notConverged(model: "BG/NBD", iterations: result.iterations) }
        let p = result.point.map { exp($0) }
        return BetaGeoModel(r: p[0], alpha: p[1], a: p[2], b: p[3], logLikelihood: -result.value * groups.total,
                            customers: histories.count, iterations: result.iterations)
    }

    /// The log-likelihood of histories under this model (sum over customers).
    ///
    /// - Throws: ``LifetimesError/invalidSummary(index:reason:)`` for an impossible history.
    public func logLikelihood(of histories: [RFM]) throws(LifetimesError) -> Double {
        guard !histories.isEmpty else { return 0 }
        let groups = try Self.group(histories)
        return -Self.objective([log(r), log(alpha), log(a), log(b)], groups).value * groups.total
    }

    // MARK: Predictions

    /// The probability that a customer with this history is still alive at the end of
    /// observation (`lifetimes`' `conditional_probability_alive`); 1 without repeat purchases.
    public func probabilityAlive(given history: RFM) -> Double {
        guard history.frequency > 0 else { return 1 }
        let x = Double(history.frequency)
        let logOdds = (r + x) * log((alpha + history.age) / (alpha + history.recency)) + log(a / (b + x - 1))
        return 1 / (1 + exp(logOdds))
    }

    /// Expected purchases in the next `horizon` time units for a customer with this history
    /// (`lifetimes`' `conditional_expected_number_of_purchases_up_to_time`).
    ///
    /// - Parameters:
    ///   - horizon: the time span after the end of observation (same unit as the fit).
    ///   - history: the customer's history.
    /// - Returns: the expected number of purchase occasions, or `nan` when a ≤ 1 (the
    ///   expectation is then infinite).
    public func expectedPurchases(in horizon: Double, given history: RFM) -> Double {
        guard horizon > 0 else { return 0 }
        let x = Double(history.frequency)
        let t = horizon
        let z = t / (alpha + history.age + t)
        let first = (a + b + x - 1) / (a - 1)
        let second = 1 - Self.hypergeometricTimesPower(r + x, b + x, a + b + x - 1, z, logPower: (r + x) * log((alpha + history.age) / (alpha + t + history.age)))
        let denominator = 1 + (history.frequency > 0 ? a / (b + x - 1) * pow((alpha + history.age) / (alpha + history.recency), r + x) : 0)
        return first * second / denominator
    }

    /// The probability of at least one purchase in the next `horizon` time units.
    ///
    /// A customer makes no purchase in the horizon either because they dropped out, or because
    /// they are alive and their Poisson process made none; alive, their rate's posterior is
    /// Gamma(r + x, α + T), so P(purchase) = P(alive) · (1 − ((α + T)/(α + T + t))^(r + x)).
    public func probabilityOfPurchase(in horizon: Double, given history: RFM) -> Double {
        guard horizon > 0 else { return 0 }
        let x = Double(history.frequency)
        let none = exp((r + x) * log((alpha + history.age) / (alpha + history.age + horizon)))
        return probabilityAlive(given: history) * (1 - none)
    }

    /// Expected purchases of a new customer in their first `time` units (the unconditional
    /// E[X(t)] of Fader, Hardie & Lee, equation 9; `lifetimes`' `expected_number_of_purchases_up_to_time`).
    public func expectedPurchases(in time: Double) -> Double {
        guard time > 0 else { return 0 }
        let product = Self.hypergeometricTimesPower(r, b, a + b - 1, time / (alpha + time), logPower: r * log(alpha / (alpha + time)))
        return (a + b - 1) / (a - 1) * (1 - product)
    }

    /// ₂F₁(a, b; c; z) · e^logPower: in log space when c > 0 (every term positive, no overflow),
    /// with the signed series otherwise.
    static func hypergeometricTimesPower(_ a: Double, _ b: Double, _ c: Double, _ z: Double, logPower: Double) -> Double {
        if c > 0 { return exp(SpecialFunctions.logHypergeometric2F1(a, b, c, z) + logPower) }
        return SpecialFunctions.hypergeometric2F1(a, b, c, z) * exp(logPower)
    }
}
