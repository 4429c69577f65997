import Foundation
import Testing
@testable import HeatML

/// TreeSHAP local accuracy, agreement with brute-force Shapley values, and exact linear
/// contributions for logistic regression.
@Suite struct ExplanationTests {
    /// Random rows with a non-linear target (interactions, missing values).
    static func data(rows: Int, features: Int, seed: UInt64) throws -> (Matrix, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var columns = [[Double]](repeating: [], count: features)
        var labels: [Int] = []
        for _ in 0..<rows {
            let values = (0..<features).map { _ in generator.nextUnit() * 4 - 2 }
            for j in 0..<features { columns[j].append(generator.nextUnit() < 0.05 ? .nan : values[j]) }
            let signal = values[0] * values[1] + (values[2] > 0 ? 1 : -1) + 0.5 * values[3 % features]
            labels.append(signal + generator.nextUnit() - 0.5 > 0 ? 1 : 0)
        }
        return (try Matrix(columns: columns), labels)
    }

    @Test(arguments: [GradientBoostedTrees.TreeMethod.hist(maxBins: 32), .exact])
    func treeSHAPPlusExpectedValueEqualsTheMarginOnRandomRows(method: GradientBoostedTrees.TreeMethod) throws {
        let (x, labels) = try Self.data(rows: 400, features: 6, seed: 3)
        var model = GradientBoostedTrees(rounds: 30, maxDepth: 5, treeMethod: method, baseScore: 0.3)
        try model.fit(x, labels: labels)
        let (probe, _) = try Self.data(rows: 60, features: 6, seed: 99)
        let (base, rows) = try model.contributions(probe)
        let margins = try model.predictMargins(probe)
        #expect(rows.count == 60)
        for (i, phi) in rows.enumerated() {
            #expect(abs(base + phi.reduce(0, +) - margins[i]) < 1e-9, "row \(i)")
        }
        #expect(abs(base - model.initialMargin) > 1e-6, "the trees move the base value away from the prior")
        #expect(rows.contains { $0[0] != 0 } && rows.contains { $0[2] != 0 }, "the informative features get contributions")
    }

    /// The cover-weighted conditional expectation of a tree given the features in `coalition`.
    static func conditional(_ tree: RegressionTree, row: [Double], coalition: Set<Int>, node index: Int = 0) -> Double {
        let node = tree.nodes[index]
        if node.isLeaf { return node.value }
        if coalition.contains(node.feature) {
            let x = row[node.feature]
            let left = x.isNaN ? node.defaultLeft : x < node.threshold
            return conditional(tree, row: row, coalition: coalition, node: left ? node.left : node.right)
        }
        let l = tree.nodes[node.left].cover, r = tree.nodes[node.right].cover
        return (l * conditional(tree, row: row, coalition: coalition, node: node.left)
            + r * conditional(tree, row: row, coalition: coalition, node: node.right)) / (l + r)
    }

    @Test func treeSHAPMatchesBruteForceShapleyValues() throws {
        let (x, labels) = try Self.data(rows: 300, features: 5, seed: 11)
        var model = GradientBoostedTrees(rounds: 3, maxDepth: 4, treeMethod: .exact)
        try model.fit(x, labels: labels)
        let p = 5
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        for i in 0..<8 {
            let row = x.row(i)
            var expected = [Double](repeating: 0, count: p)
            for tree in model.trees {
                for feature in 0..<p {
                    let others = (0..<p).filter { $0 != feature }
                    for mask in 0..<(1 << others.count) {
                        let coalition = Set(others.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
                        let weight = factorial(coalition.count) * factorial(p - coalition.count - 1) / factorial(p)
                        expected[feature] += weight * (Self.conditional(tree, row: row, coalition: coalition.union([feature]))
                            - Self.conditional(tree, row: row, coalition: coalition))
                    }
                }
            }
            var phi = [Double](repeating: 0, count: p)
            for tree in model.trees { TreeSHAP.accumulate(tree, row: row, into: &phi) }
            for j in 0..<p { #expect(abs(phi[j] - expected[j]) < 1e-9, "row \(i) feature \(j): \(phi[j]) vs \(expected[j])") }
        }
    }

    @Test func singleSplitTreeByHand() {
        // x0 < 1 -> 2 (cover 3), else -> 6 (cover 1): E = (3*2 + 1*6)/4 = 3.
        let tree = RegressionTree(nodes: [
            .init(feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 2, value: 0, gain: 1, cover: 4),
            .init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: 2, gain: 0, cover: 3),
            .init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: 6, gain: 0, cover: 1),
        ])
        #expect(TreeSHAP.expectedValue(of: tree) == 3)
        var phi = [0.0, 0.0]
        TreeSHAP.accumulate(tree, row: [5, 7], into: &phi)
        #expect(phi == [3, 0])
        phi = [0, 0]
        TreeSHAP.accumulate(tree, row: [.nan, 7], into: &phi)
        #expect(phi == [-1, 0], "missing follows the default (left) side")
    }

    @Test func logisticContributionsAreExactLinearTermsAroundTheMeanRow() throws {
        let (x, labels) = try Self.data(rows: 300, features: 4, seed: 5)
        let filled = try Matrix(columns: (0..<4).map { j in x.column(j).map { $0.isNaN ? 0 : $0 } })
        var model = LogisticRegression()
        try model.fit(filled, labels: labels)
        let (base, rows) = try model.contributions(filled)
        let margins = try model.predictMargins(filled)
        let means = try #require(model.featureMeans)
        #expect(base == model.intercept + zip(model.coefficients, means).reduce(0) { $0 + $1.0 * $1.1 })
        for i in 0..<filled.rows {
            for j in 0..<4 { #expect(rows[i][j] == model.coefficients[j] * (filled[i, j] - means[j])) }
            #expect(abs(base + rows[i].reduce(0, +) - margins[i]) < 1e-12)
        }
    }

    @Test func pipelineExplainRanksLargestContributionsAndSumsToTheLogOdds() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let sample = table.selectingRows(Array(0..<1500))
        for specification in [ModelSpecification.logistic(LogisticRegression()), .gbdt(GradientBoostedTrees(rounds: 20))] {
            let pipeline = try ModelPipeline.fit(specification, on: sample, target: "churn", positiveLabel: "Yes")
            let probe = table.selectingRows(Array(1500..<1560))
            let explanation = try pipeline.explain(probe)
            let probabilities = try pipeline.predictProbabilities(probe)
            #expect(explanation.featureNames == pipeline.transformer.featureNames)
            for row in 0..<probe.rowCount {
                let total = explanation.expectedValue + explanation.contributions[row].reduce(0, +)
                #expect(abs(total - explanation.margins[row]) < 1e-9)
                #expect(abs(1 / (1 + exp(-total)) - probabilities[row]) < 1e-9)
                let top = explanation.largest(3, row: row)
                #expect(top.count == 3)
                #expect(abs(top[0].contribution) >= abs(top[1].contribution) && abs(top[1].contribution) >= abs(top[2].contribution))
                let largest = explanation.contributions[row].map(abs).max() ?? 0
                #expect(abs(top[0].contribution) == largest)
            }
        }
    }
}
