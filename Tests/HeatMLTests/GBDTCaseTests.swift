import Foundation
import Testing
@testable import HeatML

/// HeatML's boosted trees against XGBoost 3 on the cases of `Fixtures/gbdt_cases.json`
/// (produced by `Fixtures/make_gbdt_cases.py`): missing-value splits with learned default
/// directions (including a feature with a single present value), the mean-label base score,
/// gamma, min_child_weight, sample weights, scale_pos_weight, subsampling, more than 256
/// distinct values, and a feature whose missingness is predictive.
@Suite("Boosted trees against XGBoost 3 cases")
struct GBDTCaseTests {
    struct Case: Sendable, CustomStringConvertible {
        let index: Int
        let name: String
        var description: String { name }
    }

    static let cases: [Case] = {
        guard let root = try? FixtureLoader.json("gbdt_cases"), let items = root["cases"] as? [[String: Any]] else { return [] }
        return items.enumerated().map { Case(index: $0.offset, name: ($0.element["name"] as? String) ?? "case \($0.offset)") }
    }()

    static func model(_ params: [String: Any]) -> GradientBoostedTrees {
        func number(_ key: String, _ fallback: Double) -> Double { (params[key] as? NSNumber)?.doubleValue ?? fallback }
        return GradientBoostedTrees(
            rounds: Int(number("n_estimators", 100)), maxDepth: Int(number("max_depth", 6)), learningRate: number("learning_rate", 0.3),
            lambda: number("reg_lambda", 1), gamma: number("gamma", 0), minChildWeight: number("min_child_weight", 1),
            subsample: number("subsample", 1), columnSubsample: number("colsample_bytree", 1),
            treeMethod: (params["tree_method"] as? String) == "exact" ? .exact : .hist(maxBins: Int(number("max_bin", 256))),
            baseScore: (params["base_score"] as? NSNumber)?.doubleValue, seed: 7,
            scalePositiveWeight: number("scale_pos_weight", 1))
    }

    @Test(arguments: cases)
    func matchesXGBoost(_ item: Case) throws {
        let root = try FixtureLoader.json("gbdt_cases")
        let reference = try #require((root["cases"] as? [[String: Any]])?[item.index])
        let x = try FixtureLoader.matrix(reference["x"])
        let y = try FixtureLoader.ints(reference["labels"])
        let testX = try FixtureLoader.matrix(reference["testX"])
        let testY = try FixtureLoader.ints(reference["testLabels"])
        let weights = reference["weights"].flatMap { try? FixtureLoader.doubles($0) }
        var model = Self.model(try #require(reference["params"] as? [String: Any]))
        try model.fit(x, labels: y, weights: weights, validation: nil)
        let expectedBase = try #require((reference["baseScore"] as? NSNumber)?.doubleValue)
        #expect(abs((model.fittedBaseScore ?? .nan) - expectedBase) < 1e-6, "\(item.name): base score \(model.fittedBaseScore ?? .nan) vs \(expectedBase)")
        switch reference["compare"] as? String {
        case "exact":
            let expected = try FixtureLoader.doubles(reference["probabilities"]) + FixtureLoader.doubles(reference["testProbabilities"])
            let got = try model.predictProbabilities(x) + model.predictProbabilities(testX)
            let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            // XGBoost computes in float32.
            #expect(worst < 1e-5, "\(item.name): max probability difference \(worst)")
        default:
            let tolerance = (reference["aucTolerance"] as? NSNumber)?.doubleValue ?? 0.01
            let expectedAUC = try #require((reference["testRocAuc"] as? NSNumber)?.doubleValue)
            let auc = try rocAUC(labels: testY, scores: model.predictProbabilities(testX))
            #expect(abs(auc - expectedAUC) <= tolerance, "\(item.name): test ROC-AUC \(auc) vs XGBoost \(expectedAUC)")
        }
    }

    @Test func aFeatureWithOneValueSplitsOnItsMissingness() throws {
        // Feature 0 is 1.0 or missing; the label is exactly "missing". Without the
        // present-versus-missing candidate no split exists and every row gets the base score.
        let values: [Double] = (0..<40).map { $0 % 2 == 0 ? 1 : .nan }
        let x = try Matrix(columns: [values])
        let y = values.map { $0.isNaN ? 1 : 0 }
        var model = GradientBoostedTrees(rounds: 20, maxDepth: 1)
        try model.fit(x, labels: y)
        let p = try model.predictProbabilities(x)
        #expect(p[1] > 0.9 && p[0] < 0.1, "probabilities \(p[0]) \(p[1])")
        #expect(model.trees[0].nodes[0].feature == 0)
    }

    @Test func missingValuesAreNotImputedBeforeBoosting() throws {
        let specification = ModelSpecification.gbdt(GradientBoostedTrees())
        #expect(specification.classifier.preprocessing.imputeNumeric == false)
        #expect(specification.classifier.preprocessing.imputeCategorical == false)
    }

    @Test func balancedMeansTheSameForBothModels() throws {
        let (x, y) = try ModelTests.syntheticData(rows: 300, seed: 3)
        let imbalanced = y.enumerated().map { $0.offset % 4 == 0 ? $0.element : 0 }
        var plain = GradientBoostedTrees(rounds: 5, maxDepth: 2)
        var balanced = GradientBoostedTrees(rounds: 5, maxDepth: 2, classWeight: .balanced)
        try plain.fit(x, labels: imbalanced)
        try balanced.fit(x, labels: imbalanced)
        // Balanced weights make the weighted mean label 0.5.
        #expect(abs((balanced.fittedBaseScore ?? 0) - 0.5) < 1e-12)
        let meanPlain = try plain.predictProbabilities(x).reduce(0, +) / 300
        let meanBalanced = try balanced.predictProbabilities(x).reduce(0, +) / 300
        #expect(meanBalanced > meanPlain + 0.1)
    }

    @Test func earlyStoppingOnAValidationFraction() throws {
        let (x, y) = try ModelTests.syntheticData(rows: 400, seed: 5)
        var model = GradientBoostedTrees(rounds: 200, maxDepth: 3, learningRate: 0.5, earlyStoppingRounds: 5, validationFraction: 0.25)
        try model.fit(x, labels: y)
        let best = try #require(model.bestRound)
        #expect(model.trees.count == best + 1)
        #expect(model.trees.count < 200)
        #expect(model.validationLosses.count < 200)
        var missingPatience = GradientBoostedTrees(validationFraction: 0.25)
        #expect(throws: HeatMLError.self) { try missingPatience.fit(x, labels: y) }
    }
}
