import Foundation

/// One customer's behaviour over a transaction log: the features the fraud models use.
///
/// Times are UTC. "Recent" is the last ``BehaviourProfiler/recentDays`` days before the customer's
/// last transaction; a counterparty is "new" when the customer had not paid it before that window.
public struct BehaviourProfile: Sendable, Equatable, Codable {
    /// The customer's own identifier (written to the profile file, never to messages).
    public var customerID: String
    /// Number of transactions.
    public var transactions: Int
    /// Mean amount.
    public var meanAmount: Double
    /// Population standard deviation of the amounts.
    public var amountStd: Double
    /// Largest amount.
    public var maxAmount: Double
    /// Median amount.
    public var medianAmount: Double
    /// Transactions per active day (days with at least one transaction).
    public var perActiveDay: Double
    /// Share of transactions between 00:00 and 05:59 UTC.
    public var nightShare: Double
    /// Share of transactions on Saturday or Sunday (UTC).
    public var weekendShare: Double
    /// Number of distinct channels or merchant categories.
    public var channels: Int
    /// Number of distinct counterparties.
    public var counterparties: Int
    /// Share of recent transactions that went to a new counterparty.
    public var newCounterpartyShare: Double
    /// The most transactions within any one hour.
    public var maxPerHour: Int
    /// Whether any transaction of the customer is labelled fraud (`nil` when the log has no labels).
    public var label: Bool?

    /// The names of ``features``, in order.
    public static let featureNames = [
        "log_transactions", "log_mean_amount", "amount_cv", "log_spike", "per_active_day",
        "night_share", "weekend_share", "channels", "counterparty_share", "new_counterparty_share", "max_per_hour",
    ]

    /// The model features: log(1 + count), log(1 + mean amount), coefficient of variation,
    /// log(1 + max / median) (the amount spike), transactions per active day, night and weekend
    /// shares, channels, distinct counterparties / transactions, new-counterparty share, max per hour.
    public var features: [Double] {
        [log1p(Double(transactions)), log1p(meanAmount), meanAmount > 0 ? amountStd / meanAmount : 0,
         log1p(medianAmount > 0 ? maxAmount / medianAmount : 0), perActiveDay, nightShare, weekendShare, Double(channels),
         transactions > 0 ? Double(counterparties) / Double(transactions) : 0, newCounterpartyShare, Double(maxPerHour)]
    }
}

/// Groups a transaction log by customer and computes each customer's ``BehaviourProfile``.
///
/// ```swift
/// let profiles = BehaviourProfiler().profiles(of: report.records)
/// ```
public struct BehaviourProfiler: Sendable {
    /// The recent window for new counterparties, in days (default 7).
    public var recentDays: Int

    /// Creates a profiler.
    ///
    /// - Parameter recentDays: the recent window in days.
    public init(recentDays: Int = 7) {
        self.recentDays = recentDays
    }

    /// The profiles of every customer, sorted by customer id.
    ///
    /// - Parameter transactions: the log.
    /// - Returns: one profile per customer.
    public func profiles(of transactions: [CardTransaction]) -> [BehaviourProfile] {
        var index: [String: Int] = [:]
        var groups: [[Int]] = []
        for (i, t) in transactions.enumerated() {
            if let g = index[t.customerID] { groups[g].append(i) } else { index[t.customerID] = groups.count; groups.append([i]) }
        }
        let window = Int64(recentDays) * 86_400
        var profiles: [BehaviourProfile] = []
        profiles.reserveCapacity(groups.count)
        for rows in groups {
            let sorted = rows.sorted { transactions[$0].occurredAt < transactions[$1].occurredAt }
            let items = sorted.map { transactions[$0] }
            let n = Double(items.count)
            let amounts = items.map(\.amount)
            let mean = amounts.reduce(0, +) / n
            let variance = amounts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let ordered = amounts.sorted()
            let median = ordered.count % 2 == 1 ? ordered[ordered.count / 2] : (ordered[ordered.count / 2 - 1] + ordered[ordered.count / 2]) / 2
            var days = Set<Int64>(), night = 0, weekend = 0
            var channels = Set<String>(), counterparties = Set<String>()
            for t in items {
                let day = t.occurredAt >= 0 ? t.occurredAt / 86_400 : (t.occurredAt - 86_399) / 86_400
                days.insert(day)
                let hour = (t.occurredAt - day * 86_400) / 3_600
                if hour < 6 { night += 1 }
                let weekday = ((day % 7) + 7 + 3) % 7   // 1970-01-01 was a Thursday: 0 = Monday
                if weekday >= 5 { weekend += 1 }
                channels.insert(t.channel)
                if !t.counterparty.isEmpty { counterparties.insert(t.counterparty) }
            }
            let last = items[items.count - 1].occurredAt
            let cutoff = last - window
            var before = Set<String>(), recent = 0, recentNew = 0
            for t in items where t.occurredAt <= cutoff && !t.counterparty.isEmpty { before.insert(t.counterparty) }
            for t in items where t.occurredAt > cutoff {
                recent += 1
                if !t.counterparty.isEmpty && !before.contains(t.counterparty) { recentNew += 1 }
            }
            var maxPerHour = 0, start = 0
            for end in items.indices {
                while items[end].occurredAt - items[start].occurredAt >= 3_600 { start += 1 }
                maxPerHour = max(maxPerHour, end - start + 1)
            }
            let labels = items.compactMap(\.isFraud)
            profiles.append(BehaviourProfile(
                customerID: items[0].customerID, transactions: items.count, meanAmount: mean, amountStd: variance.squareRoot(),
                maxAmount: ordered[ordered.count - 1], medianAmount: median, perActiveDay: n / Double(days.count),
                nightShare: Double(night) / n, weekendShare: Double(weekend) / n, channels: channels.count, counterparties: counterparties.count,
                newCounterpartyShare: recent > 0 ? Double(recentNew) / Double(recent) : 0, maxPerHour: maxPerHour,
                label: labels.isEmpty ? nil : labels.contains(true)))
        }
        return profiles.sorted { $0.customerID < $1.customerID }
    }
}
