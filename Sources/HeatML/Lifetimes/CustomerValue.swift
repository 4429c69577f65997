import Foundation

/// Customer lifetime value from a purchase model and a spend model, discounted month by month
/// (`lifetimes`' `customer_lifetime_value`).
///
/// CLV = Σ over months i = 1…M of E[value per purchase] · (E[X(i·k)] − E[X((i−1)·k)]) / (1 + d)^i,
/// where k is the number of model time units per month (4.345 for weeks) and d the monthly
/// discount rate.
///
/// ```swift
/// let clv = CustomerValue(purchases: bgnbd, spend: gammaGamma)
/// clv.lifetimeValue(given: history, months: 12, monthlyDiscountRate: 0.01)
/// ```
public struct CustomerValue: Sendable {
    /// The purchase model.
    public var purchases: BetaGeoModel
    /// The spend model.
    public var spend: GammaGammaModel
    /// Model time units per month (default 4.345 weeks, as `lifetimes` with `freq="W"`).
    public var unitsPerMonth: Double

    /// Creates a valuation.
    ///
    /// - Parameters:
    ///   - purchases: the BG/NBD model.
    ///   - spend: the Gamma-Gamma model.
    ///   - unitsPerMonth: model time units per month.
    public init(purchases: BetaGeoModel, spend: GammaGammaModel, unitsPerMonth: Double = 4.345) {
        self.purchases = purchases
        self.spend = spend
        self.unitsPerMonth = unitsPerMonth
    }

    /// The discounted expected value of a customer's purchases over the next `months` months.
    ///
    /// - Parameters:
    ///   - history: the customer's history.
    ///   - months: the horizon in months (default 12).
    ///   - monthlyDiscountRate: the discount rate per month (default 0.01).
    /// - Returns: the lifetime value in the log's currency.
    public func lifetimeValue(given history: RFM, months: Int = 12, monthlyDiscountRate: Double = 0.01) -> Double {
        let value = spend.expectedAverageValue(given: history)
        var total = 0.0
        var previous = 0.0
        for month in stride(from: 1, through: max(months, 0), by: 1) {
            let cumulative = purchases.expectedPurchases(in: Double(month) * unitsPerMonth, given: history)
            total += value * (cumulative - previous) / pow(1 + monthlyDiscountRate, Double(month))
            previous = cumulative
        }
        return total
    }
}

/// How well a fitted purchase model forecasts the holdout period, per calibration frequency
/// (the table behind `lifetimes`' `plot_calibration_purchases_vs_holdout_purchases`).
///
/// ```swift
/// let evaluation = try HoldoutEvaluation(model: model, summary: summary)
/// for group in evaluation.groups { print(group.label, group.actualMean, group.predictedMean) }
/// ```
public struct HoldoutEvaluation: Sendable, Codable, Equatable {
    /// One calibration-frequency group.
    public struct Group: Sendable, Codable, Equatable {
        /// `0`, `1`, …, or `7+` for the last, open group.
        public var label: String
        /// Customers in the group.
        public var customers: Int
        /// Mean actual holdout purchases.
        public var actualMean: Double
        /// Mean predicted holdout purchases.
        public var predictedMean: Double
        /// Predicted minus actual mean.
        public var error: Double
    }

    /// The holdout length in model units.
    public var holdoutLength: Double
    /// Groups by calibration frequency, the last one open-ended.
    public var groups: [Group]
    /// Customers evaluated.
    public var customers: Int
    /// Total actual holdout purchases.
    public var actualTotal: Int
    /// Total predicted holdout purchases.
    public var predictedTotal: Double
    /// Mean absolute error per customer.
    public var meanAbsoluteError: Double
    /// Root mean squared error per customer.
    public var rootMeanSquaredError: Double

    /// Evaluates a model on a summary's holdout period.
    ///
    /// - Parameters:
    ///   - model: the fitted purchase model.
    ///   - summary: a summary with a holdout period.
    ///   - openGroup: the first frequency pooled into the last group (default 7, `7+`).
    /// - Throws: ``LifetimesError/noHoldout`` when the summary has no holdout.
    public init(model: BetaGeoModel, summary: RFMSummary, openGroup: Int = 7) throws(LifetimesError) {
        guard let length = summary.holdoutLength else { throw .noHoldout }
        let cap = max(openGroup, 1)
        var count = [Int](repeating: 0, count: cap + 1)
        var actual = [Double](repeating: 0, count: cap + 1)
        var predicted = [Double](repeating: 0, count: cap + 1)
        var absolute = 0.0, squared = 0.0, actualTotal = 0, predictedTotal = 0.0
        for customer in summary.customers {
            let observed = customer.holdoutFrequency ?? 0
            let expected = model.expectedPurchases(in: length, given: customer.rfm)
            let group = min(customer.rfm.frequency, cap)
            count[group] += 1
            actual[group] += Double(observed)
            predicted[group] += expected
            absolute += abs(expected - Double(observed))
            squared += (expected - Double(observed)) * (expected - Double(observed))
            actualTotal += observed
            predictedTotal += expected
        }
        holdoutLength = length
        groups = (0...cap).compactMap { index in
            guard count[index] > 0 else { return nil }
            let n = Double(count[index])
            return Group(label: index == cap ? "\(cap)+" : String(index), customers: count[index], actualMean: actual[index] / n,
                         predictedMean: predicted[index] / n, error: (predicted[index] - actual[index]) / n)
        }
        customers = summary.customers.count
        self.actualTotal = actualTotal
        self.predictedTotal = predictedTotal
        let n = Double(max(customers, 1))
        meanAbsoluteError = absolute / n
        rootMeanSquaredError = (squared / n).squareRoot()
    }
}
