import Foundation

/// A synthetic transaction log with labelled fraud (issue 19), so the fraud models can be
/// measured; **metrics on it are metrics on this generator, not real-world performance**.
///
/// The model (documented in `Docs/Analytics.md`, "The synthetic fraud model"). It is deliberately
/// not separable: ordinary customers also do what fraud does, fraud often looks ordinary, and the
/// labels are noisy, as chargeback labels are.
/// - **Ordinary behaviour**: a daily rate of 0.3-3 transactions over `days` days; amounts
///   log-normal (sigma 0.8) around a customer scale (median 20-200); mostly daytime hours
///   (07:00-22:59 UTC), but 6% of a customer's transactions at night and, for one customer in ten
///   (night owls), 30%; 2-3 usual channels (5% of transactions on another); 3-12 regular
///   counterparties, with 15% of transactions to one-off new ones; 2% **legitimate spikes**
///   (3-10 times the scale);
/// - **legitimate bursts**: 6% of customers have a shopping spree (travel, a move): 3-8
///   transactions within about an hour, to new counterparties, on any day (the last weeks included);
/// - **fraud**: a share `fraudShare` of customers is compromised once in their last 14 days: a
///   burst of 2-10 transactions 1-30 minutes apart, at **odd hours** (00:00-05:59) with probability
///   0.4, each to a **new counterparty** with probability 0.75 (else a regular one), with amounts
///   0.5-8 times the customer's scale (log-uniform: many are ordinary amounts), online, by
///   transfer or by card;
/// - **label noise**: a share `missedShare` (default 8%) of fraud episodes is never reported (its
///   rows are labelled 0), and a share `falseReportShare` (default 0.5%) of ordinary customers has
///   one ordinary transaction wrongly reported (labelled 1), as disputed chargebacks are.
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
    /// Share of fraud episodes never reported (labelled 0).
    public var missedShare: Double
    /// Share of ordinary customers with one transaction wrongly reported as fraud.
    public var falseReportShare: Double
    /// The seed.
    public var seed: UInt64

    /// Creates a simulator.
    ///
    /// - Parameters:
    ///   - customers: number of customers.
    ///   - days: days covered.
    ///   - fraudShare: share of compromised customers (default 0.03).
    ///   - missedShare: share of fraud episodes left unlabelled (default 0.08).
    ///   - falseReportShare: share of ordinary customers with a wrong fraud label (default 0.005).
    ///   - seed: the seed.
    public init(customers: Int, days: Int = 60, fraudShare: Double = 0.03, missedShare: Double = 0.08,
                falseReportShare: Double = 0.005, seed: UInt64 = 7) {
        self.customers = customers
        self.days = days
        self.fraudShare = fraudShare
        self.missedShare = missedShare
        self.falseReportShare = falseReportShare
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
        var oneOff = 0
        for c in 0..<customers {
            let id = "CUST\(String(format: "%06d", c))"
            let rate = 0.3 + 2.7 * rng.unitInterval()
            let scale = 20 * pow(10, rng.unitInterval())
            let regulars = 3 + rng.below(10)
            let nightShare = rng.chance(0.1) ? 0.3 : 0.06
            let usual = (0..<2 + rng.below(2)).map { _ in Self.channels[rng.below(Self.channels.count)] }
            func newCounterparty() -> String {
                oneOff += 1
                return "N\(oneOff)"
            }
            func hour() -> Int64 { rng.chance(nightShare) ? Int64(rng.below(6)) : Int64(7 + rng.below(16)) }
            var rows: [CardTransaction] = []
            for day in 0..<days {
                var count = 0
                var budget = rate
                while budget > 0 { if rng.unitInterval() < min(budget, 1) { count += 1 }; budget -= 1 }
                for _ in 0..<count {
                    let time = start + Int64(day) * 86_400 + hour() * 3_600 + Int64(rng.below(3_600))
                    let spike = rng.chance(0.02)
                    let amount = spike ? (scale * (3 + 7 * rng.unitInterval()) * 100).rounded() / 100 : Self.logNormal(scale, 0.8, &rng)
                    let channel = rng.chance(0.05) ? Self.channels[rng.below(Self.channels.count)] : usual[rng.below(usual.count)]
                    let counterparty = rng.chance(0.15) ? newCounterparty() : "P\(c % 997)-\(rng.below(regulars))"
                    rows.append(CardTransaction(customerID: id, occurredAt: time, amount: max(amount, 0.01), channel: channel,
                                                counterparty: counterparty, isFraud: false))
                }
            }
            if rng.chance(0.06) {
                // A legitimate burst: a shopping spree to new counterparties.
                let begin = start + Int64(rng.below(days)) * 86_400 + hour() * 3_600
                for k in 0..<(3 + rng.below(6)) {
                    rows.append(CardTransaction(customerID: id, occurredAt: begin + Int64(k * (120 + rng.below(900))),
                                                amount: Self.logNormal(scale * 1.5, 0.8, &rng), channel: usual[rng.below(usual.count)],
                                                counterparty: newCounterparty(), isFraud: false))
                }
            }
            if rng.chance(fraudShare) {
                let reported = !rng.chance(missedShare)
                let day = Int64(days - 1 - rng.below(min(14, days)))
                let hour: Int64 = rng.chance(0.4) ? Int64(rng.below(6)) : Int64(7 + rng.below(16))
                let begin = start + day * 86_400 + hour * 3_600
                let fraudChannels = ["online", "transfer", "card"]
                for k in 0..<(2 + rng.below(9)) {
                    let time = begin + Int64(k * (60 + rng.below(1_740)))
                    let factor = 0.5 * pow(16, rng.unitInterval())   // 0.5-8, log-uniform
                    let counterparty = rng.chance(0.75) ? "X\(rng.below(1_000_000))" : "P\(c % 997)-\(rng.below(regulars))"
                    rows.append(CardTransaction(customerID: id, occurredAt: time, amount: max((scale * factor * 100).rounded() / 100, 0.01),
                                                channel: fraudChannels[rng.below(fraudChannels.count)], counterparty: counterparty,
                                                isFraud: reported))
                }
            } else if rng.chance(falseReportShare), !rows.isEmpty {
                rows[rng.below(rows.count)].isFraud = true
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
