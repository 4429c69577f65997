/// One customer's purchase history in the buy-till-you-die form (as in `lifetimes`).
///
/// Time is in model units (weeks for ``RFMSummary`` built with the default 7-day unit):
/// - ``frequency``: repeat purchase occasions (purchase days − 1);
/// - ``recency``: time from the first to the last purchase (0 when ``frequency`` is 0);
/// - ``age``: time from the first purchase to the end of the observation period (`T`);
/// - ``monetary``: the mean amount of the repeat purchase occasions (0 without repeats).
///
/// ```swift
/// let history = RFM(frequency: 2, recency: 30.43, age: 38.86, monetary: 22.35)
/// ```
public struct RFM: Sendable, Hashable, Codable {
    /// Repeat purchase occasions.
    public var frequency: Int
    /// Time between the first and the last purchase.
    public var recency: Double
    /// Time between the first purchase and the end of observation (`T`).
    public var age: Double
    /// Mean amount of the repeat purchase occasions (0 without repeats or amounts).
    public var monetary: Double

    /// Creates a history.
    public init(frequency: Int, recency: Double, age: Double, monetary: Double = 0) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetary = monetary
    }

    /// Checks that the history is possible: frequency ≥ 0, 0 ≤ recency ≤ age, recency 0 when
    /// frequency is 0, monetary ≥ 0, all finite.
    ///
    /// - Parameter index: the row index used in the error.
    /// - Throws: ``LifetimesError/invalidSummary(index:reason:)``.
    public func validate(index: Int) throws(LifetimesError) {
        guard recency.isFinite, age.isFinite, monetary.isFinite else { throw .invalidSummary(index: index, reason: "a value is not finite") }
        guard frequency >= 0 else { throw .invalidSummary(index: index, reason: "frequency \(frequency) is negative") }
        guard recency >= 0, age >= 0 else { throw .invalidSummary(index: index, reason: "recency and T must be at least 0") }
        guard recency <= age + 1e-9 else { throw .invalidSummary(index: index, reason: "recency \(recency) exceeds T \(age)") }
        guard frequency > 0 || recency == 0 else { throw .invalidSummary(index: index, reason: "recency is not 0 although frequency is 0") }
        guard monetary >= 0 else { throw .invalidSummary(index: index, reason: "monetary value is negative") }
    }
}

/// A customer's calibration history and, when a holdout period exists, what they did in it.
public struct CustomerSummary: Sendable, Hashable, Codable {
    /// The customer's identifier as written in the log.
    public var customerID: String
    /// The history up to the calibration end.
    public var rfm: RFM
    /// Purchase occasions in the holdout period, when there is one.
    public var holdoutFrequency: Int?
    /// Mean amount per holdout purchase occasion (0 without), when there is a holdout period.
    public var holdoutMonetary: Double?

    /// Creates a summary row.
    public init(customerID: String, rfm: RFM, holdoutFrequency: Int? = nil, holdoutMonetary: Double? = nil) {
        self.customerID = customerID
        self.rfm = rfm
        self.holdoutFrequency = holdoutFrequency
        self.holdoutMonetary = holdoutMonetary
    }
}

/// The recency / frequency / T / monetary summary of a transaction log, with an optional
/// calibration / holdout split (`lifetimes`' `summary_data_from_transaction_data` and
/// `calibration_and_holdout_data` with `freq="D", freq_multiplier=7`).
///
/// Several transactions of one customer on one day are one purchase occasion, their amounts
/// summed. Customers whose first purchase falls after the calibration end are left out.
///
/// ```swift
/// let log = try TransactionLogReader(amountColumn: "dollar_value").read(contentsOf: url)
/// let summary = try RFMSummary(log: log, calibrationEnd: TransactionDay.parse("1997-09-30"))
/// let model = try BetaGeoModel.fit(summary.customers.map(\.rfm))
/// ```
public struct RFMSummary: Sendable {
    /// One row per customer, in order of first appearance in the log.
    public var customers: [CustomerSummary]
    /// The last day of the calibration period (days since 1970-01-01).
    public var calibrationEnd: Int
    /// The last day of the holdout period, or `nil` without one.
    public var holdoutEnd: Int?
    /// Days per model time unit (7: weeks).
    public var unitDays: Double

    /// The holdout period's length in model units, or `nil` without one.
    public var holdoutLength: Double? { holdoutEnd.map { Double($0 - calibrationEnd) / unitDays } }

    /// Summarises a transaction log.
    ///
    /// - Parameters:
    ///   - log: the transactions.
    ///   - calibrationEnd: the last calibration day; `nil` for the last day of the log (no holdout).
    ///   - holdoutEnd: the last holdout day; `nil` for the last day of the log. Ignored without a
    ///     holdout (when it is not after `calibrationEnd`).
    ///   - unitDays: days per model time unit (default 7).
    /// - Throws: ``LifetimesError`` for an empty log or when no customer bought before the calibration end.
    public init(log: TransactionLog, calibrationEnd: Int? = nil, holdoutEnd: Int? = nil, unitDays: Double = 7) throws(LifetimesError) {
        guard unitDays > 0, unitDays.isFinite else { throw .invalidParameter(name: "unitDays", value: "\(unitDays)", reason: "must be positive") }
        guard let range = log.dayRange else { throw .noTransactions(source: log.source, rejectedRows: log.rejects.count) }
        let calibration = calibrationEnd ?? range.upperBound
        let holdout = holdoutEnd ?? range.upperBound
        self.calibrationEnd = calibration
        self.holdoutEnd = holdout > calibration ? holdout : nil
        self.unitDays = unitDays
        // Customer index in order of first appearance; purchase occasions per (customer, day).
        var index: [String: Int] = [:]
        var ids: [String] = []
        var occasions: [[Int: Double]] = []
        for transaction in log.transactions {
            let position: Int
            if let found = index[transaction.customerID] {
                position = found
            } else {
                position = ids.count
                index[transaction.customerID] = position
                ids.append(transaction.customerID)
                occasions.append([:])
            }
            occasions[position][transaction.day, default: 0] += transaction.amount ?? 0
        }
        var rows: [CustomerSummary] = []
        rows.reserveCapacity(ids.count)
        for (position, id) in ids.enumerated() {
            let days = occasions[position].keys.sorted()
            let calibrationDays = days.filter { $0 <= calibration }
            guard let first = calibrationDays.first, let last = calibrationDays.last else { continue }
            let repeats = calibrationDays.dropFirst()
            let monetary = repeats.isEmpty ? 0 : repeats.reduce(0.0) { $0 + (occasions[position][$1] ?? 0) } / Double(repeats.count)
            let rfm = RFM(frequency: calibrationDays.count - 1, recency: Double(last - first) / unitDays,
                          age: Double(calibration - first) / unitDays, monetary: monetary)
            var row = CustomerSummary(customerID: id, rfm: rfm)
            if let holdoutEnd = self.holdoutEnd {
                let later = days.filter { $0 > calibration && $0 <= holdoutEnd }
                row.holdoutFrequency = later.count
                row.holdoutMonetary = later.isEmpty ? 0 : later.reduce(0.0) { $0 + (occasions[position][$1] ?? 0) } / Double(later.count)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else {
            throw .nothingToFit(model: "summary", reason: "no customer bought on or before the calibration end \(TransactionDay.format(calibration))")
        }
        customers = rows
    }

    /// Builds a summary from rows already summarised (for example the `lifetimes` CDNOW sample).
    ///
    /// - Parameters:
    ///   - customers: the rows.
    ///   - calibrationEnd: the calibration end day, when known (default 0).
    ///   - holdoutEnd: the holdout end day, or `nil`.
    ///   - unitDays: days per model time unit.
    public init(customers: [CustomerSummary], calibrationEnd: Int = 0, holdoutEnd: Int? = nil, unitDays: Double = 7) {
        self.customers = customers
        self.calibrationEnd = calibrationEnd
        self.holdoutEnd = holdoutEnd
        self.unitDays = unitDays
    }
}
