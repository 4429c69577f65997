import Foundation
import Testing
@testable import HeatML

/// BG/NBD and Gamma-Gamma against `lifetimes` 0.11.3 (Fixtures/lifetimes/make_references.py).
@Suite struct LifetimesTests {
    static func references() throws -> [String: Any] {
        guard let url = Bundle.module.url(forResource: "references", withExtension: "json", subdirectory: "Fixtures/lifetimes") else {
            throw FixtureLoader.FixtureError(description: "Fixtures/lifetimes/references.json is missing")
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    static func sampleSummary() throws -> [RFM] {
        guard let url = Bundle.module.url(forResource: "cdnow_sample_summary", withExtension: "csv", subdirectory: "Fixtures/lifetimes") else {
            throw FixtureLoader.FixtureError(description: "Fixtures/lifetimes/cdnow_sample_summary.csv is missing")
        }
        let records = try CSVParser.parse([UInt8](Data(contentsOf: url)), source: "cdnow_sample_summary.csv")
        return records.dropFirst().compactMap { record in
            guard record.fields.count == 4, let x = Int(record.fields[1]), let recency = Double(record.fields[2]),
                  let age = Double(record.fields[3]) else { return nil }
            return RFM(frequency: x, recency: recency, age: age)
        }
    }

    static func number(_ object: Any?, _ path: String...) -> Double {
        var current = object
        for key in path { current = (current as? [String: Any])?[key] }
        return (current as? NSNumber)?.doubleValue ?? .nan
    }

    /// Agreement to `digits` significant figures: |a − b| ≤ 0.5 · 10^(e − digits + 1) with e the exponent of b.
    static func agrees(_ value: Double, _ reference: Double, digits: Int = 3) -> Bool {
        let exponent = floor(log10(abs(reference)))
        return abs(value - reference) <= 0.5 * pow(10, exponent - Double(digits) + 1)
    }

    @Test func specialFunctionsMatchKnownValues() {
        // scipy.special.digamma / hyp2f1
        #expect(abs(SpecialFunctions.digamma(1) - -0.5772156649015329) < 1e-14)
        #expect(abs(SpecialFunctions.digamma(0.25) - -4.2274535333762655) < 1e-13)
        #expect(abs(SpecialFunctions.digamma(37.5) - 3.6109483445963386) < 1e-13)
        #expect(abs(SpecialFunctions.hypergeometric2F1(1.2, 0.64, -0.35, 0.3) - -0.6848007841924587) < 1e-12)
        #expect(abs(SpecialFunctions.hypergeometric2F1(0.5, 0.3, -1.7, 0.6) - 2.428177489057863) < 1e-12)
        #expect(SpecialFunctions.hypergeometric2F1(0.5, 0.3, -2, 0.6).isNaN)
        // 2F1(1, 1; 2; z) = -log(1 - z) / z
        let z = 0.7
        #expect(abs(exp(SpecialFunctions.logHypergeometric2F1(1, 1, 2, z)) - (-log(1 - z) / z)) < 1e-12)
        // 2F1(a, b; b; z) = (1 - z)^-a
        #expect(abs(SpecialFunctions.logHypergeometric2F1(2.5, 3, 3, 0.4) - (-2.5 * log(0.6))) < 1e-12)
    }

    @Test func lbfgsFindsTheRosenbrockMinimum() {
        let result = LBFGSMinimizer(gradientTolerance: 1e-9, maximumIterations: 2000).minimize(start: [-1.2, 1]) { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
        }
        #expect(result.converged)
        #expect(abs(result.point[0] - 1) < 1e-6 && abs(result.point[1] - 1) < 1e-6)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let histories = try Self.sampleSummary()
        let groups = try BetaGeoModel.group(histories)
        let point = [log(0.3), log(5.0), log(0.8), log(2.5)]
        let (_, gradient) = BetaGeoModel.objective(point, groups)
        for k in 0..<4 {
            var up = point, down = point
            up[k] += 1e-6
            down[k] -= 1e-6
            let numeric = (BetaGeoModel.objective(up, groups).value - BetaGeoModel.objective(down, groups).value) / 2e-6
            #expect(abs(numeric - gradient[k]) < 1e-6, "BG/NBD gradient \(k): \(gradient[k]) vs \(numeric)")
        }
        var spend = GammaGammaModel.Groups()
        spend.x = [1, 2, 5, 3, 2]
        spend.m = [20, 35.5, 12, 80, 17]
        spend.w = [3, 1, 2, 1, 1]
        spend.distinctFrequency = [(1, 3), (2, 2), (3, 1), (5, 2)]
        spend.total = 8
        for i in spend.x.indices {
            spend.sumXLogM += spend.w[i] * spend.x[i] * log(spend.m[i])
            spend.sumLogM += spend.w[i] * log(spend.m[i])
        }
        let ggPoint = [log(6.0), log(3.5), log(15.0)]
        let gg = GammaGammaModel.objective(ggPoint, spend)
        for k in 0..<3 {
            var up = ggPoint, down = ggPoint
            up[k] += 1e-6
            down[k] -= 1e-6
            let numeric = (GammaGammaModel.objective(up, spend).value - GammaGammaModel.objective(down, spend).value) / 2e-6
            #expect(abs(numeric - gg.gradient[k]) < 1e-6, "Gamma-Gamma gradient \(k)")
        }
    }

    /// Done-when: the CDNOW sample shipped in lifetimes reproduces the published r = 0.2426,
    /// α = 4.414, a = 0.793, b = 2.426 (FHL 2005, LL = -9582.4) to three significant figures.
    @Test func cdnowSampleReproducesPublishedParameters() throws {
        let model = try BetaGeoModel.fit(try Self.sampleSummary())
        #expect(model.customers == 2357)
        #expect(Self.agrees(model.r, 0.2426))
        #expect(Self.agrees(model.alpha, 4.414))
        #expect(Self.agrees(model.a, 0.793))
        #expect(Self.agrees(model.b, 2.426))
        #expect(abs(model.logLikelihood - -9582.4) < 0.05)
        let references = try Self.references()
        for (name, value) in [("r", model.r), ("alpha", model.alpha), ("a", model.a), ("b", model.b)] {
            #expect(Self.agrees(value, Self.number(references, "sample", "params", name), digits: 4), "\(name)")
        }
        // Predictions for the first customers, against lifetimes.
        let predictions = (references["sample"] as? [String: Any])?["predictions"] as? [[String: Any]] ?? []
        #expect(predictions.count == 12)
        for row in predictions {
            let history = RFM(frequency: Int(Self.number(row, "frequency")), recency: Self.number(row, "recency"), age: Self.number(row, "T"))
            #expect(Self.agrees(model.expectedPurchases(in: 39, given: history), Self.number(row, "expected_39")))
            #expect(Self.agrees(model.probabilityAlive(given: history), Self.number(row, "p_alive")))
        }
        #expect(Self.agrees(model.expectedPurchases(in: 39), Self.number(references, "sample", "unconditional_expected_39")))
    }

    static func fullSummary() throws -> RFMSummary {
        let log = try TransactionLogReader(amountColumn: "dollar_value").read(contentsOf: FixtureLoader.exampleData("cdnow_transactions.csv"))
        #expect(log.isClean)
        return try RFMSummary(log: log, calibrationEnd: TransactionDay.parse("1997-09-30"), holdoutEnd: TransactionDay.parse("1998-06-30"))
    }

    /// Done-when: the full CDNOW log (weeks, calibration to 1997-09-30) matches lifetimes'
    /// BetaGeoFitter and GammaGammaFitter on the same summary to three significant figures.
    @Test func fullCdnowLogMatchesLifetimes() throws {
        let references = try Self.references()
        let full = references["full"] as? [String: Any]
        let summary = try Self.fullSummary()
        let rfm = summary.customers.map(\.rfm)
        // The summary itself equals lifetimes' calibration_and_holdout_data.
        #expect(summary.customers.count == 23570)
        #expect(rfm.reduce(0) { $0 + $1.frequency } == Int(Self.number(full, "sum_frequency")))
        #expect(abs(rfm.reduce(0) { $0 + $1.recency } - Self.number(full, "sum_recency")) < 1e-4)
        #expect(abs(rfm.reduce(0) { $0 + $1.age } - Self.number(full, "sum_T")) < 1e-4)
        #expect(abs(rfm.reduce(0) { $0 + $1.monetary } - Self.number(full, "sum_monetary")) < 1e-3)
        #expect(summary.customers.reduce(0) { $0 + ($1.holdoutFrequency ?? 0) } == Int(Self.number(full, "sum_frequency_holdout")))
        #expect(summary.holdoutLength == 39)

        let model = try BetaGeoModel.fit(rfm)
        for (name, value) in [("r", model.r), ("alpha", model.alpha), ("a", model.a), ("b", model.b)] {
            #expect(Self.agrees(value, Self.number(full, "bgnbd", "params", name)), "BG/NBD \(name) = \(value)")
        }
        #expect(abs(model.logLikelihood - -95368.4439) < 0.01)  // shared/datasets/REFERENCE.md
        let spend = try GammaGammaModel.fit(rfm)
        #expect(spend.customers == Int(Self.number(full, "gamma_gamma", "customers")))
        for (name, value) in [("p", spend.p), ("q", spend.q), ("v", spend.v)] {
            #expect(Self.agrees(value, Self.number(full, "gamma_gamma", "params", name)), "Gamma-Gamma \(name) = \(value)")
        }

        let evaluation = try HoldoutEvaluation(model: model, summary: summary)
        #expect(Self.agrees(evaluation.predictedTotal, Self.number(full, "holdout_expected_total")))
        #expect(evaluation.actualTotal == 19684)
        let groups = full?["holdout_groups"] as? [[String: Any]] ?? []
        #expect(evaluation.groups.map(\.label) == groups.map { $0["label"] as? String ?? "" })
        for (group, reference) in zip(evaluation.groups, groups) {
            #expect(group.customers == Int(Self.number(reference, "customers")))
            #expect(abs(group.actualMean - Self.number(reference, "actual_mean")) < 1e-9)
            #expect(Self.agrees(group.predictedMean, Self.number(reference, "predicted_mean")))
        }

        let value = CustomerValue(purchases: model, spend: spend)
        let head = full?["customers_head"] as? [[String: Any]] ?? []
        #expect(head.count == 12)
        let byID = Dictionary(summary.customers.map { ($0.customerID, $0) }, uniquingKeysWith: { a, _ in a })
        for row in head {
            let id = row["customer_id"] as? String ?? ""
            let customer = try #require(byID[id])
            #expect(customer.rfm.frequency == Int(Self.number(row, "frequency")))
            #expect(abs(customer.rfm.monetary - Self.number(row, "monetary")) < 1e-9)
            #expect(Self.agrees(model.expectedPurchases(in: 39, given: customer.rfm), Self.number(row, "expected_holdout")))
            #expect(Self.agrees(model.probabilityAlive(given: customer.rfm), Self.number(row, "p_alive")))
            #expect(Self.agrees(spend.expectedAverageValue(given: customer.rfm), Self.number(row, "expected_average_value")))
            #expect(Self.agrees(value.lifetimeValue(given: customer.rfm), Self.number(row, "clv_12_months")))
        }
    }

    @Test func purchaseProbabilityIsBoundedByProbabilityAlive() throws {
        let model = BetaGeoModel(r: 0.25, alpha: 4.4, a: 0.79, b: 2.43)
        let history = RFM(frequency: 3, recency: 20, age: 38)
        let alive = model.probabilityAlive(given: history)
        let short = model.probabilityOfPurchase(in: 4, given: history)
        let long = model.probabilityOfPurchase(in: 200, given: history)
        #expect(short > 0 && short < long && long < alive)
        #expect(model.probabilityOfPurchase(in: 0, given: history) == 0)
        // Monte Carlo check of P(X(t) > 0 | history) would need the posterior; check the
        // limiting case instead: a customer with no repeat purchases is alive, and the
        // probability is 1 − E[e^(−λt)] with λ ~ Gamma(r, α + T).
        let new = RFM(frequency: 0, recency: 0, age: 10)
        let expected = 1 - pow((4.4 + 10) / (4.4 + 10 + 13), 0.25)
        #expect(abs(model.probabilityOfPurchase(in: 13, given: new) - expected) < 1e-12)
    }

    @Test func readerRejectsBadRowsWithLineAndColumn() throws {
        let csv = "customer_id,date,amount\n1,1997-01-01,10\n2,1997-13-01,5\n,1997-01-02,3\n3,1997-01-03,abc\n4,19970104,-2\n5,1997-01-05T10:00:00Z,7\n"
        let log = try TransactionLogReader().read(bytes: Array(csv.utf8), source: "t.csv")
        #expect(log.transactions.count == 2)
        #expect(log.rejects.map(\.line) == [3, 4, 5, 6])
        #expect(log.rejects.map(\.column) == ["date", "customer_id", "amount", "amount"])
        #expect(log.rejectReport().contains("t.csv:3: column 'date'"))
        #expect(throws: LifetimesError.rejectedRow(source: "t.csv", line: 3, column: "date",
                                                    reason: "'1997-13-01' is not a date (expected YYYY-MM-DD)")) {
            try TransactionLogReader(strict: true).read(bytes: Array(csv.utf8), source: "t.csv")
        }
        #expect(throws: LifetimesError.self) { try TransactionLogReader(dateColumn: "when").read(bytes: Array(csv.utf8), source: "t.csv") }
        #expect(LifetimesError.rejectedRow(source: "t", line: 1, column: "c", reason: "r").category.exitCode == 65)
        #expect(TransactionDay.format(try TransactionDay.parse("1997-09-30")) == "1997-09-30")
    }

    @Test func summaryCountsOnePurchaseOccasionPerDay() throws {
        let csv = "customer_id,date,amount\nA,2020-01-01,10\nA,2020-01-01,5\nA,2020-01-15,20\nA,2020-01-29,40\nB,2020-01-08,7\nC,2020-02-20,9\n"
        let log = try TransactionLogReader().read(bytes: Array(csv.utf8), source: "t.csv")
        let summary = try RFMSummary(log: log, calibrationEnd: TransactionDay.parse("2020-01-29"), holdoutEnd: TransactionDay.parse("2020-02-26"))
        #expect(summary.customers.map(\.customerID) == ["A", "B"])  // C first bought after the calibration end
        let a = summary.customers[0]
        #expect(a.rfm == RFM(frequency: 2, recency: 4, age: 4, monetary: 30))
        #expect(a.holdoutFrequency == 0)
        #expect(summary.customers[1].rfm == RFM(frequency: 0, recency: 0, age: 3, monetary: 0))
        #expect(summary.holdoutLength == 4)
    }
}
