import Foundation
import Testing
@testable import HeatML

/// Integer forms of the models (issue 18 item 2): bins and codes within 2^bits, exact integer
/// scores under the stated bound, and at 8 bits decisions agreeing with the float model's on at
/// least 99% of the rows of both shared datasets.
struct QuantizationTests {
    static func dataset(_ name: String) throws -> (table: DataTable, target: String, positive: String, excluding: Set<String>) {
        switch name {
        case "telco_churn":
            return (try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv")), "churn", "Yes", [])
        default:
            return (try DataTable(contentsOf: FixtureLoader.exampleData("cdnow_customers.csv")), "repeat_in_holdout", "1", ["cv_fold"])
        }
    }

    @Test(arguments: ["telco_churn", "cdnow_transactions"], ["logistic", "gbdt"])
    func eightBitDecisionsAgreeWithTheFloatModel(dataset: String, kind: String) throws {
        let (table, target, positive, excluding) = try Self.dataset(dataset)
        let specification: ModelSpecification = kind == "gbdt" ? .gbdt(GradientBoostedTrees(rounds: 100, maxDepth: 4)) : .logistic(LogisticRegression())
        let pipeline = try ModelPipeline.fit(specification, on: table, target: target, positiveLabel: positive, excluding: excluding)
        let quantized = try pipeline.quantized(bits: 8, calibration: table)
        let agreement = try quantized.agreement(with: pipeline, on: table)
        #expect(agreement.rows == table.rowCount)
        #expect(agreement.share >= 0.99, "\(dataset) \(kind): \(agreement.agreeing) of \(agreement.rows)")
        // Every score is an exact integer within the advertised bound.
        let x = try pipeline.transformer.transform(table)
        switch quantized.model {
        case let .trees(trees):
            #expect(trees.cuts.allSatisfy { $0.count <= 255 })
            let bins = trees.bins(x)
            #expect(bins.allSatisfy { $0.allSatisfy { (-1...255).contains($0) } })
            #expect(bins.allSatisfy { abs(trees.score(bins: $0)) <= trees.maximumAbsoluteScore })
        case let .logistic(linear):
            let codes = linear.codes(x)
            #expect(codes.allSatisfy { $0.allSatisfy { (0...255).contains($0) } })
            #expect(linear.weights.allSatisfy { abs($0) <= 127 })
            #expect(codes.allSatisfy { abs(linear.score(codes: $0)) <= linear.maximumAbsoluteScore })
        }
    }

    /// A small model whose split values fit the bins: the integer trees route every row as the
    /// float trees, and the score is the float margin times the scale up to leaf rounding.
    @Test func treesWithFewSplitValuesAreRoutedExactly() throws {
        var generator = SeededGenerator(seed: 3)
        var rows: [[Double]] = [], labels: [Int] = []
        for i in 0..<300 {
            let a = Double(i % 13), b = i % 9 == 0 ? Double.nan : generator.nextUnit()
            rows.append([a, b])
            labels.append(a + (b.isNaN ? 6 : b * 5) + generator.nextUnit() * 4 > 10 ? 1 : 0)
        }
        let x = try Matrix(rows: rows)
        var model = GradientBoostedTrees(rounds: 10, maxDepth: 3, treeMethod: .exact)
        try model.fit(x, labels: labels)
        let q = try model.quantized(bits: 8, leafBits: 20)
        #expect(q.isExact)
        let margins = try model.predictMargins(x)
        let bins = q.bins(x)
        for (margin, row) in zip(margins, bins) {
            // 10 leaves each rounded by at most 1/2, plus the base.
            #expect(abs(Double(q.score(bins: row)) - margin * q.scale) <= 5.5)
        }
        #expect(bins.contains { $0[1] == QuantizedTreeEnsemble.missingBin })
    }

    @Test func fewBitsMergeSplitValuesIntoAtMostTwoToTheBitsBins() throws {
        let (table, target, positive, excluding) = try Self.dataset("cdnow_transactions")
        let pipeline = try ModelPipeline.fit(.gbdt(GradientBoostedTrees(rounds: 30, maxDepth: 4)), on: table, target: target, positiveLabel: positive, excluding: excluding)
        let q = try pipeline.quantized(bits: 2)
        guard case let .trees(trees) = q.model else { Issue.record("not trees"); return }
        #expect(!trees.isExact)
        #expect(trees.cuts.allSatisfy { $0.count <= 3 })
        #expect(trees.trees.allSatisfy { $0.allSatisfy { $0.feature < 0 || (1...3).contains($0.threshold) } })
        #expect(trees.trees.allSatisfy { $0.allSatisfy { abs($0.value) <= 1 } })
        #expect(throws: HeatMLError.self) { try pipeline.quantized(bits: 0) }
        #expect(throws: HeatMLError.self) { try pipeline.quantized(bits: 17) }
    }

    @Test func logisticIntegerScoreFollowsTheMarginAndBoundIsReached() throws {
        let q = try QuantizedLogisticRegression(coefficients: [3, -1], intercept: 0.5, ranges: [0...1, -2...2], bits: 4)
        // codes: x1 step 1/15, x2 step 4/15; effective weights 3/15 and -4/15; scale = 7 / (4/15).
        #expect(q.weights == [5, -7])
        #expect(abs(q.scale - 7 * 15 / 4.0) < 1e-12)
        #expect(q.bias == Int(((0.5 + 2) * q.scale).rounded()))
        #expect(q.maximumAbsoluteScore == abs(q.bias) + (5 + 7) * 15)
        #expect(q.features[0].code(0.5) == 8 && q.features[0].code(-3) == 0 && q.features[0].code(9) == 15)
        let worst = q.score(codes: [15, 0])
        #expect(worst <= q.maximumAbsoluteScore)
        #expect(q.decisionScore(threshold: 0.5) == 0)
        #expect(throws: HeatMLError.self) { try QuantizedLogisticRegression(coefficients: [1], intercept: 0, ranges: [], bits: 8) }
    }

    @Test func quantizedPipelinesRoundTripThroughTheirEnvelope() throws {
        let (table, target, positive, excluding) = try Self.dataset("telco_churn")
        let pipeline = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: target, positiveLabel: positive, excluding: excluding)
        #expect(throws: HeatMLError.self) { try pipeline.quantized(bits: 8) }
        let q = try pipeline.quantized(bits: 6, calibration: table)
        let folder = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "m.q6")
        try q.save(to: url)
        #expect(try QuantizedPipeline.load(from: url) == q)
        #expect(throws: HeatMLError.self) { try ModelPipeline.load(from: url) }
    }
}
