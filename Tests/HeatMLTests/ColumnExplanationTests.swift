import Foundation
import Testing
@testable import HeatML

/// Explanations per input column name the row's own value ("contract = One year") and keep the
/// sums exact.
@Suite struct ColumnExplanationTests {
    @Test func contributionsArePerColumnWithTheRowsOwnValue() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let sample = table.selectingRows(Array(0..<1500))
        let probe = table.selectingRows(Array(1500..<1540))
        let contract = try probe.column(named: "contract").raw
        for specification in [ModelSpecification.logistic(LogisticRegression()), .gbdt(GradientBoostedTrees(rounds: 20))] {
            let pipeline = try ModelPipeline.fit(specification, on: sample, target: "churn", positiveLabel: "Yes")
            let features = try pipeline.explain(probe)
            let columns = try pipeline.explainByColumn(probe)
            #expect(columns.columns == pipeline.transformer.steps.map(\.column))
            for row in 0..<probe.rowCount {
                #expect(abs(columns.expectedValue + columns.contributions[row].reduce(0, +) - features.margins[row]) < 1e-9)
                let all = columns.largest(columns.columns.count, row: row)
                let item = try #require(all.first { $0.column == "contract" })
                #expect(item.label == "contract = \(contract[row] ?? "missing")", "the client's own contract, not another level")
                #expect(item.effect == (item.contribution > 0 ? .raises : item.contribution < 0 ? .lowers : ColumnExplanation.Effect.none))
                // The column's contribution is the sum over its one-hot levels.
                let levels = features.featureNames.indices.filter { features.featureNames[$0].hasPrefix("contract=") }
                #expect(abs(item.contribution - levels.map { features.contributions[row][$0] }.reduce(0, +)) < 1e-12)
                #expect(!all.contains { $0.label.contains("=") && !$0.label.contains(" = ") })
            }
        }
    }
}
