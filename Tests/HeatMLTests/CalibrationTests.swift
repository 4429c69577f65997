import Foundation
import Testing
@testable import HeatML

/// Probability calibration (issue 19): Platt scaling, isotonic regression, the method choice, and
/// the out-of-fold Brier score on the shared telco dataset against scikit-learn's
/// `CalibratedClassifierCV(ensemble=False)` on the same folds (Fixtures/make_calibration.py).
struct CalibrationTests {
    @Test func isotonicPoolsAdjacentViolators() throws {
        // margins sorted: labels 0 1 0 1 1 0 -> pooled means 0, 0.5, 0.5, 2/3, 2/3, 2/3
        let iso = try IsotonicCalibration.fit(margins: [1, 2, 3, 4, 5, 6], labels: [0, 1, 0, 1, 1, 0])
        let twoThirds = 2.0 / 3
        let expected: [Double] = [0, 0.5, 0.5, twoThirds, twoThirds, twoThirds]
        #expect(iso.values == expected)
        #expect(iso.probability(margin: 1.5) == 0.25)          // linear between points
        #expect(iso.probability(margin: -10) == 0)             // clipped below
        #expect(iso.probability(margin: 10) == twoThirds)      // clipped above
        // Equal margins are pooled before PAVA.
        let tied = try IsotonicCalibration.fit(margins: [1, 1, 2], labels: [0, 1, 1])
        #expect(tied.thresholds == [1, 2] && tied.values == [0.5, 1])
    }

    @Test func plattFitsTheSmoothedTargetsOptimum() throws {
        let margins: [Double] = [-3, -2, -1.5, -1, -0.2, 0.1, 0.4, 1, 2, 2.5]
        let labels = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1]
        let platt = try PlattScaling.fit(margins: margins, labels: labels)
        // Gradient of the loss against Platt's targets vanishes at the optimum.
        let high = 6.0 / 7, low = 1.0 / 7
        var ga = 0.0, gb = 0.0
        for (m, y) in zip(margins, labels) {
            let t = y == 1 ? high : low, p = platt.probability(margin: m)
            ga += (t - p) * m; gb += t - p
        }
        #expect(abs(ga) < 1e-8 && abs(gb) < 1e-8)
        #expect(platt.a < 0)   // larger margin, higher probability
    }

    @Test func chooseReportsBothMethodsAndKeepsTheBetter() throws {
        var generator = SeededGenerator(seed: 7)
        let margins = (0..<400).map { _ in Double.random(in: -4...4, using: &generator) }
        // True probability is a steep step: isotonic should beat the sigmoid on log loss or be close.
        let labels = margins.map { m in Double.random(in: 0..<1, using: &generator) < (m > 0 ? 0.9 : 0.1) ? 1 : 0 }
        let folds = margins.indices.map { $0 % 4 }
        let choice = try ProbabilityCalibrator.choose(margins: margins, labels: labels, folds: folds)
        let platt = try #require(choice.crossValidatedLogLoss[.platt]), iso = try #require(choice.crossValidatedLogLoss[.isotonic])
        #expect(choice.calibrator.method == (iso < platt ? .isotonic : .platt))
    }

    @Test func telcoOutOfFoldBrierMatchesScikitLearn() throws {
        let fixture = try FixtureLoader.json("calibration")
        let methods = try #require(fixture["methods"] as? [String: [String: Any]])
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let folds = try Folds.load(from: FixtureLoader.exampleData("telco_churn_folds.csv"))
        var measured: [String: Double] = [:]
        for method in ProbabilityCalibrator.Method.allCases {
            let model = try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes",
                                                folds: folds, methods: [method], evaluate: true)
            let evaluation = try #require(model.evaluation)
            let reference = try #require(methods[method.rawValue]?["brier"] as? Double)
            measured[method.rawValue] = evaluation.brier
            // Two-sided: a much better Brier than scikit-learn would mean a leak.
            #expect(abs(evaluation.brier - reference) <= 0.002, "\(method): HeatML \(evaluation.brier) vs scikit-learn \(reference)")
            #expect(evaluation.methodPerFold == Array(repeating: method.rawValue, count: 5))
            #expect(evaluation.reliability.reduce(0) { $0 + $1.count } == table.rowCount)
        }
        // Platt on a logistic model barely moves it; both land near the uncalibrated Brier.
        let auto = try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes", folds: folds, evaluate: true)
        let chosen = try #require(auto.evaluation)
        let references = try ProbabilityCalibrator.Method.allCases.map { try #require(methods[$0.rawValue]?["brier"] as? Double) }
        #expect(abs(chosen.brier - references.min()!) <= 0.002, "auto: \(chosen.brier) (per method \(measured))")
        #expect(chosen.methodPerFold.count == 5)
        #expect(Set(auto.methodLogLoss.keys) == ["platt", "isotonic"])
    }

    @Test func riskModelRoundTripsThroughItsEnvelope() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let sample = table.selectingRows(Array(0..<600))
        let labels = try BinaryTarget(column: sample.column(named: "churn"), positiveLabel: "Yes", table: sample).labels
        let folds = try Folds.stratified(labels: labels, count: 3, seed: 1)
        let model = try CalibratedModel.fit(.logistic(LogisticRegression()), on: sample, target: "churn", positiveLabel: "Yes", folds: folds)
        let url = FileManager.default.temporaryDirectory.appending(path: "risk-\(UUID().uuidString).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try CalibratedModel.load(from: url)
        #expect(try loaded.probabilities(sample) == model.probabilities(sample))
        // A plain model file is the wrong kind.
        try model.pipeline.save(to: url)
        #expect(throws: HeatMLError.self) { try CalibratedModel.load(from: url) }
    }
}
