import Foundation
import Testing
@testable import HeatML

/// The acceptance targets of issue 4 on the shared datasets' reference folds
/// (reference numbers: scikit-learn 1.9.1 / XGBoost 3.2.0, `shared/datasets/REFERENCE.md`).
@Suite("Reference targets on the shared datasets")
struct ReferenceTargetTests {
    struct Dataset: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let target: String
        let positive: String
        let foldsFile: String?
        let foldsColumn: String?
        let logisticReference: Double
        let xgboostHistReference: Double
        var description: String { name }
    }

    static let datasets = [
        Dataset(name: "telco_churn", file: "telco_churn.csv", target: "churn", positive: "Yes", foldsFile: "telco_churn_folds.csv", foldsColumn: nil,
                logisticReference: 0.845035, xgboostHistReference: 0.832044),
        Dataset(name: "cdnow_transactions", file: "cdnow_customers.csv", target: "repeat_in_holdout", positive: "1", foldsFile: nil, foldsColumn: "cv_fold",
                logisticReference: 0.770945, xgboostHistReference: 0.764414),
    ]

    static func load(_ dataset: Dataset) throws -> (DataTable, Folds, Set<String>) {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData(dataset.file))
        if let foldsColumn = dataset.foldsColumn {
            return (table, try Folds(column: table.column(named: foldsColumn), table: table), [foldsColumn])
        }
        return (table, try Folds.load(from: FixtureLoader.exampleData(dataset.foldsFile ?? "")), [])
    }

    @Test(arguments: datasets)
    func logisticRegressionMeetsTheReference(dataset: Dataset) throws {
        let (table, folds, excluding) = try Self.load(dataset)
        let result = try CrossValidation.run(.logistic(LogisticRegression(c: 1)), on: table, target: dataset.target, positiveLabel: dataset.positive, folds: folds, excluding: excluding)
        // Two-sided: not worse than the reference, and not suspiciously better (leakage).
        #expect(result.mean.rocAuc >= dataset.logisticReference - 0.003, "\(dataset.name) logistic mean ROC-AUC \(result.mean.rocAuc)")
        #expect(result.mean.rocAuc <= dataset.logisticReference + 0.003, "\(dataset.name) logistic mean ROC-AUC \(result.mean.rocAuc)")
    }

    @Test(arguments: datasets)
    func boostedTreesMeetTheReference(dataset: Dataset) throws {
        let (table, folds, excluding) = try Self.load(dataset)
        // The reference used base_score 0.5 (XGBoost's default before 3.0).
        let model = GradientBoostedTrees(rounds: 100, maxDepth: 4, learningRate: 0.3, lambda: 1, treeMethod: .hist(maxBins: 256), baseScore: 0.5)
        let result = try CrossValidation.run(.gbdt(model), on: table, target: dataset.target, positiveLabel: dataset.positive, folds: folds, excluding: excluding)
        #expect(result.mean.rocAuc >= dataset.xgboostHistReference - 0.005, "\(dataset.name) gbdt mean ROC-AUC \(result.mean.rocAuc)")
        // Never more than 0.01 above XGBoost (issue 17): a larger gain would need an explanation.
        #expect(result.mean.rocAuc <= dataset.xgboostHistReference + 0.01, "\(dataset.name) gbdt mean ROC-AUC \(result.mean.rocAuc)")
    }
}
