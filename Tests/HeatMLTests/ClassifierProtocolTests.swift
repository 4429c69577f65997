import Foundation
import Testing
@testable import HeatML

/// `Classifier` (issue 25, item 1): both model kinds fit, predict and explain through one generic
/// function; `ModelSpecification` is only the tag; `CrossValidation.outOfFold` over a `Matrix`
/// reproduces the hand-written fold loops it replaced, number for number.
@Suite struct ClassifierProtocolTests {
    /// 120 rows, 3 features, a noisy linear signal; the third feature has missing values in the
    /// tree data (`withMissing`).
    static func data(withMissing: Bool = false) throws -> (x: Matrix, labels: [Int]) {
        var generator = SeededGenerator(seed: 2_025)
        var rows: [[Double]] = [], labels: [Int] = []
        for i in 0..<120 {
            let a = generator.nextUnit() * 4 - 2, b = generator.nextUnit() * 10, c = generator.nextUnit()
            let margin = 1.5 * a - 0.3 * b + 2 * c + (generator.nextUnit() - 0.5) * 2
            rows.append([a, b, withMissing && i % 7 == 0 ? .nan : c])
            labels.append(margin > -0.5 ? 1 : 0)
        }
        return (try Matrix(rows: rows), labels)
    }

    /// What a caller writes once for every classifier.
    struct Outcome {
        var kind: ModelSpecification.Kind
        var probabilities: [Double]
        var margins: [Double]
        var explanation: Explanation
        var specification: ModelSpecification
    }

    func fitPredictExplain<C: Classifier>(_ hyperparameters: C, _ x: Matrix, _ labels: [Int]) throws(HeatMLError) -> Outcome {
        let model = try hyperparameters.fitted(to: x, labels: labels)
        return Outcome(kind: model.kind, probabilities: try model.predictProbabilities(x), margins: try model.predictMargins(x),
                       explanation: try model.explain(x, featureNames: ["a", "b", "c"]), specification: model.specification)
    }

    @Test(arguments: [false, true]) func oneGenericFunctionFitsPredictsAndExplainsBothKinds(boosted: Bool) throws {
        let (x, y) = try Self.data()
        let outcome = boosted
            ? try fitPredictExplain(GradientBoostedTrees(rounds: 20, maxDepth: 3), x, y)
            : try fitPredictExplain(LogisticRegression(c: 1), x, y)
        #expect(outcome.kind == (boosted ? .gbdt : .logistic))
        #expect(outcome.specification.kind == outcome.kind.rawValue)
        // Probabilities are the logistic of the margins, and the explanation adds up to them.
        for i in 0..<x.rows {
            #expect(abs(outcome.probabilities[i] - 1 / (1 + exp(-outcome.margins[i]))) < 1e-12)
            let total = outcome.explanation.contributions[i].reduce(outcome.explanation.expectedValue, +)
            #expect(abs(total - outcome.margins[i]) < 1e-9, "row \(i): \(total) vs \(outcome.margins[i])")
        }
        #expect(outcome.explanation.margins == outcome.margins)
        #expect(outcome.explanation.featureNames == ["a", "b", "c"])
        // The model learned the signal (accuracy well above the base rate).
        let accuracy = Double(zip(outcome.probabilities, y).filter { ($0 >= 0.5 ? 1 : 0) == $1 }.count) / Double(y.count)
        #expect(accuracy > 0.8, "accuracy \(accuracy)")
        // The tag wraps and unwraps the fitted model unchanged.
        #expect(outcome.specification.classifier.specification == outcome.specification)
        #expect(try outcome.specification.classifier.predictMargins(x) == outcome.margins)
    }

    @Test func staticFitsEqualTheMutatingFitsAndTheSpecificationIsATag() throws {
        let (x, y) = try Self.data(withMissing: true)
        var linear = LogisticRegression(c: 0.5, classWeight: .balanced)
        let complete = try Matrix(columns: (0..<x.columns).map { j in x.column(j).map { $0.isNaN ? 0.5 : $0 } })
        try linear.fit(complete, labels: y)
        #expect(try LogisticRegression.fit(complete, labels: y, c: 0.5, classWeight: .balanced) == linear)
        var trees = GradientBoostedTrees(rounds: 15, maxDepth: 2, seed: 3)
        try trees.fit(x, labels: y)
        #expect(try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 15, maxDepth: 2, seed: 3)) == trees)
        #expect(try GradientBoostedTrees(rounds: 15, maxDepth: 2, seed: 3).fitted(to: x, labels: y) == trees)
        // Kind and preprocessing live on the model types; the specification forwards.
        #expect(LogisticRegression.kind == .logistic && GradientBoostedTrees.kind == .gbdt)
        #expect(ModelSpecification(trees) == .gbdt(trees) && ModelSpecification(linear) == .logistic(linear))
        #expect(ModelSpecification(trees).kind == "gbdt" && ModelSpecification(linear).kind == "logistic")
        #expect(LogisticRegression.preprocessing == ColumnTransformer.Options(scaleNumeric: true, imputeNumeric: true))
        #expect(GradientBoostedTrees.preprocessing.imputeNumeric == false && GradientBoostedTrees.preprocessing.scaleNumeric == false)
        #expect(ModelSpecification.Kind.allCases.map(\.rawValue) == ["logistic", "gbdt"])
        // An unfitted model never predicts: the error says so.
        #expect(throws: HeatMLError.shapeMismatch(context: "LogisticRegression.predict", expected: "a fitted model", found: "3")) {
            _ = try LogisticRegression().predictMargins(x)
        }
        // Validation is on the model: a fitted model of the wrong width is refused by name.
        #expect(throws: HeatMLError.badModel(source: "m.model", reason: "3 coefficients for 4 features")) {
            try linear.validate(featureCount: 4, source: "m.model")
        }
        try trees.validate(featureCount: 3, source: "m.model")
    }

    /// The fold loop `CrossValidation.outOfFold` replaced in `ChurnRiskModel` and `FraudEvaluation`,
    /// written out by hand: per fold, scalers fitted on the training rows, a fresh model.
    static func handWrittenOutOfFold(x: Matrix, labels: [Int], folds: Folds, scale: Bool, fit: (Matrix, [Int]) throws -> any Classifier) throws -> [Double] {
        var outOfFold = [Double](repeating: 0, count: labels.count)
        for fold in 0..<folds.count {
            let (train, test) = folds.split(fold)
            let trainRows = train.map { x.row($0) }, testRows = test.map { x.row($0) }
            let scalers = (0..<x.columns).map { j in StandardScaler.fit(trainRows.map { $0[j] }) }
            func scaled(_ row: [Double]) -> [Double] { scale ? zip(scalers, row).map { $0.transform([$1])[0] } : row }
            let model = try fit(try Matrix(rows: trainRows.map(scaled)), train.map { labels[$0] })
            let probabilities = try model.predictProbabilities(try Matrix(rows: testRows.map(scaled)))
            for (row, p) in zip(test, probabilities) { outOfFold[row] = p }
        }
        return outOfFold
    }

    @Test func outOfFoldScoresEqualTheHandWrittenLoopExactly() throws {
        let (x, y) = try Self.data()
        let folds = try Folds.stratified(labels: y, count: 5, seed: 42)
        let linear = try CrossValidation.outOfFold(LogisticRegression(c: 0.7), x: x, labels: y, folds: folds,
                                                   preparing: CrossValidation.standardised)
        #expect(linear.probabilities == (try Self.handWrittenOutOfFold(x: x, labels: y, folds: folds, scale: true) {
            try LogisticRegression.fit($0, labels: $1, c: 0.7)
        }))
        let trees = try CrossValidation.outOfFold(GradientBoostedTrees(rounds: 10, maxDepth: 2), x: x, labels: y, folds: folds)
        #expect(trees.probabilities == (try Self.handWrittenOutOfFold(x: x, labels: y, folds: folds, scale: false) {
            try GradientBoostedTrees.fit($0, labels: $1, parameters: GradientBoostedTrees(rounds: 10, maxDepth: 2))
        }))
        // Every row is scored once, by the fold that left it out.
        #expect(linear.testRows.count == 5 && linear.testRows.flatMap { $0 }.sorted() == Array(0..<x.rows))
        #expect(!linear.probabilities.contains { $0.isNaN })
        #expect(linear.probabilities(ofFold: 2) == linear.testRows[2].map { linear.probabilities[$0] })
        #expect(linear.probabilities(ofFold: 9).isEmpty)
        // Mismatched folds or labels are refused, naming the counts.
        #expect(throws: HeatMLError.badFolds(source: "CrossValidation.outOfFold", reason: "3 fold indices for 120 rows")) {
            _ = try CrossValidation.outOfFold(LogisticRegression(), x: x, labels: y, folds: try Folds(assignment: [0, 1, 0]))
        }
        #expect(throws: HeatMLError.self) {
            _ = try CrossValidation.outOfFold(LogisticRegression(), x: x, labels: Array(y.dropLast()), folds: folds)
        }
    }

    /// The one out-of-fold loop: folds in ascending order, positions ascending, every value placed
    /// at its row; a scorer returning the wrong count is refused.
    @Test func theOneOutOfFoldLoopPlacesEveryValueAtItsRow() throws {
        let folds = [7, 3, 7, 3, 5, 7]
        var calls: [(Int, [Int], [Int])] = []
        let placed = try CrossValidation.outOfFold(folds: folds, placeholder: -1) {
            (fold: Int, train: [Int], test: [Int]) throws(HeatMLError) -> [Int] in
            calls.append((fold, train, test))
            return test.map { 100 * fold + $0 }
        }
        #expect(placed == [700, 301, 702, 303, 504, 705])
        #expect(calls.map(\.0) == [3, 5, 7])
        #expect(calls[0].1 == [0, 2, 4, 5] && calls[0].2 == [1, 3])
        #expect(throws: HeatMLError.shapeMismatch(context: "CrossValidation.outOfFold fold 3", expected: "2 values (one per test row)", found: "0")) {
            _ = try CrossValidation.outOfFold(folds: folds, placeholder: 0) { (_: Int, _: [Int], _: [Int]) throws(HeatMLError) -> [Int] in [] }
        }
    }

    /// One name for the number of trees a fitted model holds.
    @Test func bothTreeModelsCountTheirTreesWithOneName() throws {
        let (x, y) = try Self.data()
        #expect(try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 7)).treeCount == 7)
        #expect(try IsolationForest.fit(x, estimators: 9, maxSamples: 32).treeCount == 9)
        #expect(GradientBoostedTrees().treeCount == 0)
    }

    /// The renamed members forward to the one name (kept so older callers compile).
    @available(*, deprecated)
    @Test func deprecatedNamesForwardToTheOneName() throws {
        let (x, y) = try Self.data()
        let linear = try LogisticRegression.fit(x, labels: y)
        #expect(try linear.decisionFunction(x) == linear.predictMargins(x))
        let trees = try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 5))
        let (base, rows) = try trees.shapValues(x)
        let (base2, rows2) = try trees.contributions(x)
        #expect(base == base2 && rows == rows2)
        let spec = ModelSpecification.logistic(LogisticRegression())
        #expect(spec.preprocessing == LogisticRegression.preprocessing)
        #expect(try spec.fitted(x, labels: y) == .logistic(linear))
    }
}
