import Foundation
import Testing
@testable import HeatML

/// Isolation Forest: the path-length normaliser, an obvious outlier, determinism, the
/// contamination threshold, and the scikit-learn reference on cdnow (REFERENCE.md:
/// fit-all/score-all ROC-AUC 0.7320 against `repeat_in_holdout`).
@Suite struct AnomalyTests {
    @Test func averagePathLengthMatchesTheFormula() {
        #expect(IsolationForest.averagePathLength(1) == 0)
        #expect(IsolationForest.averagePathLength(2) == 1)
        #expect(abs(IsolationForest.averagePathLength(256) - (2 * (log(255.0) + 0.5772156649015329) - 2 * 255.0 / 256)) < 1e-12)
    }

    static func cloudWithOutlier() throws -> Matrix {
        var generator = SeededGenerator(seed: 4)
        var rows = (0..<500).map { _ in [generator.nextUnit(), generator.nextUnit(), generator.nextUnit()] }
        rows.append([8, -6, 9])
        return try Matrix(rows: rows)
    }

    @Test func theOutlierScoresHighestAndAboveOneHalf() throws {
        let x = try Self.cloudWithOutlier()
        var forest = IsolationForest(seed: 1)
        try forest.fit(x)
        let scores = try forest.scores(x)
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        let top = try #require(scores.indices.max { scores[$0] < scores[$1] })
        #expect(top == 500)
        #expect(scores[500] > 0.6, "score \(scores[500])")
        let median = scores.sorted()[250]
        #expect(median < 0.5, "typical rows are not anomalies: median \(median)")
        #expect(forest.sampleSize == 256)
        #expect(forest.trees.allSatisfy { tree in tree.nodes.count > 1 })
    }

    @Test func isDeterministicForASeedAndSeedsDiffer() throws {
        let x = try Self.cloudWithOutlier()
        var a = IsolationForest(estimators: 20, seed: 9), b = IsolationForest(estimators: 20, seed: 9), c = IsolationForest(estimators: 20, seed: 10)
        try a.fit(x); try b.fit(x); try c.fit(x)
        #expect(try a.scores(x) == b.scores(x))
        #expect(try a.scores(x) != c.scores(x))
    }

    @Test func contaminationFlagsThatShareOfRows() throws {
        let x = try Self.cloudWithOutlier()
        var forest = IsolationForest(contamination: .share(0.1), seed: 2)
        try forest.fit(x)
        let flagged = try forest.predict(x).filter { $0 }.count
        #expect(abs(flagged - 50) <= 1, "flagged \(flagged) of 501")
        var bad = IsolationForest(contamination: .share(0.7))
        #expect(throws: HeatMLError.invalidParameter(name: "contamination", value: "0.7", reason: "must be in (0, 0.5] or auto")) { try bad.fit(x) }
        var missing = IsolationForest()
        #expect(throws: HeatMLError.self) { try missing.fit(try Matrix(rows: [[1], [.nan]])) }
    }

    @Test func cdnowROCAUCMatchesTheScikitLearnReference() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("cdnow_customers.csv"))
        let features = try NumericFeatures(table, excluding: ["repeat_in_holdout", "cv_fold"])
        #expect(features.columns.count == 11)
        #expect(!features.columns.contains("customer_id"))
        let labels = try table.column(named: "repeat_in_holdout").numbers.map { Int($0) }
        var forest = IsolationForest(seed: 42)
        try forest.fit(features.matrix)
        let auc = try rocAUC(labels: labels, scores: try forest.scores(features.matrix))
        // scikit-learn 0.7320 with its own random stream; tolerance 0.01 (seeds 1, 2, 3, 7, 42 gave
        // 0.7407, 0.7345, 0.7362, 0.7368, 0.7353 when this test was written).
        #expect(abs(auc - 0.7320) < 0.01, "ROC-AUC \(auc) vs scikit-learn 0.7320")
    }

    @Test func scoringReportsOneStepPerTree() throws {
        let x = try Self.cloudWithOutlier()
        var forest = IsolationForest(estimators: 7, seed: 9)
        try forest.fit(x)
        final class Recorder: @unchecked Sendable { var calls: [[Int]] = [] }
        let recorder = Recorder()
        let scores = try forest.scores(x, progress: { recorder.calls.append([$0, $1]) })
        #expect(recorder.calls == (0...7).map { [$0, 7] })
        #expect(scores == (try forest.scores(x)))
    }
}
