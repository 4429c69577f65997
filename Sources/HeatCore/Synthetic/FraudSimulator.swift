import Foundation

/// A synthetic transaction log with labelled fraud (issue 19), so the fraud models can be
/// measured; **metrics on it are metrics on this generator, not real-world performance**.
///
/// The model (documented in `Docs/Analytics.md`, "The synthetic fraud model"):
/// - each customer has a home rhythm: a daily rate of 0.5-3 transactions over `days` days, an
///   amount scale (log-normal, median 20-200), mostly daytime hours (07:00-22:59 UTC), a few
///   channels and 3-12 regular counterparties;
/// - a share `fraudShare` of customers is compromised once, in their last week: an
///   account-takeover **burst** of 4-12 transactions within about an hour, at **odd hours**
///   (00:00-05:59 UTC) with probability 0.7, to **new counterparties**, with **amount spikes**
///   of 3-15 times the customer's scale; those transactions are labelled `is_fraud = 1`.
///
/// ```swift
/// let log = FraudSimulator(customers: 1_000, days: 60, seed: 7).transactions()
/// ```
public struct FraudSimulator: Sendable {
    /// Number of customers.
    public var customers: Int
    /// Days covered (ending 2026-06-30).
    public var days: Int
    /// Share of customers with a fraud episode.
    public var fraudShare: Double
    /// The seed.
    public var seed: UInt64

    /// Creates a simulator.
    ///
    /// - Parameters:
    ///   - customers: number of customers.
    ///   - days: days covered.
    ///   - fraudShare: share of compromised customers (default 0.03).
    ///   - seed: the seed.
    public init(customers: Int, days: Int = 60, fraudShare: Double = 0.03, seed: UInt64 = 7) {
        self.customers = customers
        self.days = days
        self.fraudShare = fraudShare
        self.seed = seed
    }

    /// The channels used.
    public static let channels = ["card", "online", "transfer", "atm", "contactless"]

    /// Generates the log (customers in order, each customer's rows in time order).
    ///
    /// - Returns: the labelled transactions.
    public func transactions() -> [CardTransaction] {
        var rng = SplitMix64(seed: seed)
        let end: Int64 = 1_782_864_000   // 2026-07-01T00:00:00Z
        let start = end - Int64(days) * 86_400
        var out: [CardTransaction] = []
        out.reserveCapacity(customers * days * 2)
        for c in 0..<customers {
            let id = "CUST\(String(format: "%06d", c))"
            let rate = 0.5 + 2.5 * rng.unitInterval()
            let scale = 20 * pow(10, rng.unitInterval())
            let regulars = 3 + rng.below(10)
            let usual = (0..<2 + rng.below(2)).map { _ in Self.channels[rng.below(Self.channels.count)] }
            var rows: [CardTransaction] = []
            for day in 0..<days {
                var count = 0
                var budget = rate
                while budget > 0 { if rng.unitInterval() < min(budget, 1) { count += 1 }; budget -= 1 }
                for _ in 0..<count {
                    let hour = Int64(7 + rng.below(16))
                    let time = start + Int64(day) * 86_400 + hour * 3_600 + Int64(rng.below(3_600))
                    rows.append(CardTransaction(customerID: id, occurredAt: time, amount: Self.logNormal(scale, 0.6, &rng),
                                                channel: usual[rng.below(usual.count)], counterparty: "P\(c % 997)-\(rng.below(regulars))", isFraud: false))
                }
            }
            if rng.chance(fraudShare) {
                let day = Int64(days - 1 - rng.below(min(7, days)))
                let hour: Int64 = rng.chance(0.7) ? Int64(rng.below(6)) : Int64(7 + rng.below(16))
                let begin = start + day * 86_400 + hour * 3_600
                for k in 0..<(4 + rng.below(9)) {
                    let time = begin + Int64(k * (60 + rng.below(400)))
                    rows.append(CardTransaction(customerID: id, occurredAt: time, amount: (scale * (3 + 12 * rng.unitInterval()) * 100).rounded() / 100,
                                                channel: rng.chance(0.6) ? "online" : "transfer", counterparty: "X\(rng.below(1_000_000))", isFraud: true))
                }
            }
            rows.sort { $0.occurredAt < $1.occurredAt }
            out.append(contentsOf: rows)
        }
        return out
    }

    static func logNormal(_ median: Double, _ sigma: Double, _ rng: inout SplitMix64) -> Double {
        let u1 = max(rng.unitInterval(), 1e-12), u2 = rng.unitInterval()
        let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return (median * exp(sigma * z) * 100).rounded() / 100
    }

    /// The log as CSV in the documented format (`customer_id,occurred_at,amount,channel,counterparty,is_fraud`).
    ///
    /// - Parameter transactions: the log.
    /// - Returns: the CSV text.
    public static func csv(_ transactions: [CardTransaction]) -> String {
        var out = "customer_id,occurred_at,amount,channel,counterparty,is_fraud\n"
        out.reserveCapacity(transactions.count * 64)
        for t in transactions {
            out += t.customerID
            out += ","
            out += UTCTimestamp(secondsSinceEpoch: t.occurredAt).iso8601
            out += ","
            out += String(format: "%.2f", t.amount)
            out += ","
            out += t.channel
            out += ","
            out += t.counterparty
            out += t.isFraud == true ? ",1\n" : (t.isFraud == false ? ",0\n" : ",\n")
        }
        return out
    }
}
