import Foundation
import HeatML
import Testing
@testable import HeatCore

/// Issue 25, item 1 in HeatCore: the churn-risk and fraud models score out of fold through
/// HeatML's `CrossValidation` (the same numbers as the loops they replaced), HeatCore's model
/// section uses HeatML's `FeatureImportance`.
@Suite struct ArchitectureRefreshTests {
    /// 200 labelled clients with deterministic heat features and a churn signal.
    static func clients() -> (scores: [HeatScore], churned: [String: Bool]) {
        var generator = HeatML.SeededGenerator(seed: 77)
        var scores: [HeatScore] = [], churned: [String: Bool] = [:]
        let levels: [HeatLevel] = [.cold, .cool, .warm, .hot]
        for i in 0..<200 {
            let heat: Int = generator.below(1_000)
            let trend: Int = generator.below(400) - 200
            let level: HeatLevel = levels[generator.below(4)]
            let score = HeatScore(clientID: "C\(i)", heat: heat, trend: trend, level: level, cooling: trend < -50)
            scores.append(score)
            let noise: Double = generator.nextUnit() * 0.6
            let signal: Double = Double(heat) / 1_000
            churned[score.clientID] = signal + noise < 0.55
        }
        return (scores, churned)
    }

    /// `ChurnRiskModel.evaluateWithRisks`'s former hand-written loop, kept here as the reference.
    static func formerChurnRisks(_ scores: [HeatScore], _ churned: [String: Bool], model: ChurnRiskModel) throws -> [String: Double] {
        let labelled = scores.filter { churned[$0.clientID] != nil }
        let rows = labelled.map(ChurnRiskModel.features(of:))
        let labels = labelled.map { churned[$0.clientID] == true ? 1 : 0 }
        let assignment = try Folds.stratified(labels: labels, count: model.folds, seed: model.seed)
        var outOfFold = [Double](repeating: 0, count: labels.count)
        for fold in 0..<assignment.count {
            let (train, test) = assignment.split(fold)
            let trainRows = train.map { rows[$0] }
            let scalers = (0..<ChurnRiskModel.featureNames.count).map { column in StandardScaler.fit(trainRows.map { $0[column] }) }
            func scaled(_ row: [Double]) -> [Double] { zip(scalers, row).map { $0.transform([$1])[0] } }
            var regression = LogisticRegression(c: model.c)
            try regression.fit(try Matrix(rows: trainRows.map(scaled)), labels: train.map { labels[$0] })
            let probabilities = try regression.predictProbabilities(try Matrix(rows: test.map { scaled(rows[$0]) }))
            for (index, probability) in zip(test, probabilities) { outOfFold[index] = probability }
        }
        return Dictionary(uniqueKeysWithValues: zip(labelled.map(\.clientID), outOfFold))
    }

    @Test func churnRiskOutOfFoldScoresEqualTheFormerLoopExactly() throws {
        let (scores, churned) = Self.clients()
        let model = ChurnRiskModel(folds: 5, seed: 42, c: 0.8)
        let (section, risks) = try model.evaluateWithRisks(scores: scores, churned: churned)
        let former = try Self.formerChurnRisks(scores, churned, model: model)
        #expect(risks.count == 200)
        #expect(risks == former)
        // Importances are HeatML's type (no HeatCore copy): one list, largest first.
        let importances: [HeatML.FeatureImportance] = try #require(section.importances)
        #expect(importances.map(\.feature).sorted() == ChurnRiskModel.featureNames.sorted())
        #expect(importances.map(\.value) == importances.map(\.value).sorted(by: >))
    }

    /// `FraudEvaluation.run`'s former loop: per fold, scaling, a forest, the supervised and
    /// hybrid regressions, and the per-fold mean ROC-AUC / PR-AUC of the three scores.
    static func formerFraudPairs(raw: Matrix, labels: [Int], folds count: Int, seed: UInt64) throws -> [FraudEvaluation.Pair] {
        let folds = try Folds.stratified(labels: labels, count: count, seed: seed)
        var sums = [[Double]](repeating: [0, 0], count: 3)
        for fold in 0..<folds.count {
            let (train, test) = folds.split(fold)
            let (xTrain, xTest) = try FraudEvaluation.foldMatrices(raw: raw, train: train, test: test)
            let yTrain = train.map { labels[$0] }, yTest = test.map { labels[$0] }
            var forest = IsolationForest(contamination: .share(0.02), seed: seed &+ UInt64(fold))
            try forest.fit(xTrain)
            let aTrain = try forest.scores(xTrain), aTest = try forest.scores(xTest)
            var supervised = LogisticRegression()
            try supervised.fit(xTrain, labels: yTrain)
            var hybrid = LogisticRegression()
            try hybrid.fit(try FraudModel.appending(aTrain, to: xTrain), labels: yTrain)
            let scores = [aTest, try supervised.predictProbabilities(xTest),
                          try hybrid.predictProbabilities(try FraudModel.appending(aTest, to: xTest))]
            for (k, s) in scores.enumerated() {
                sums[k][0] += try rocAUC(labels: yTest, scores: s)
                sums[k][1] += try averagePrecision(labels: yTest, scores: s)
            }
        }
        return sums.map { FraudEvaluation.Pair(rocAuc: $0[0] / Double(count), prAuc: $0[1] / Double(count)) }
    }

    @Test func fraudEvaluationEqualsTheFormerLoopExactly() throws {
        var generator = HeatML.SeededGenerator(seed: 5)
        var rows: [[Double]] = [], labels: [Int] = []
        for _ in 0..<160 {
            let fraud: Bool = generator.chance(0.15)
            var row: [Double] = []
            for j in 0..<4 {
                let shift: Double = fraud && j < 2 ? 4 : 0
                row.append(generator.nextUnit() * 10 + shift)
            }
            rows.append(row)
            labels.append(fraud ? 1 : 0)
        }
        let raw = try Matrix(rows: rows)
        let evaluation = try FraudEvaluation.run(raw: raw, labels: labels, folds: 4, seed: 9, measuredOn: "test")
        let former = try Self.formerFraudPairs(raw: raw, labels: labels, folds: 4, seed: 9)
        #expect([evaluation.anomalyOnly, evaluation.supervised, evaluation.hybrid] == former)
        #expect(evaluation.folds == 4 && evaluation.customers == 160)
    }
}
