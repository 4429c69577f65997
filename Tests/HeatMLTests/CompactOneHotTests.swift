import Foundation
import Testing
@testable import HeatML

/// Compact one-hot storage (issue 17, item 2): `ColumnTransformer.features(_:)` keeps each
/// categorical column as one code per row (`FeatureColumns`), and the boosted trees bin, grow
/// and predict on it without expanding it. The models must be the ones of the dense matrix, bit
/// for bit, and the storage must grow with the rows, not with rows x categories.
@Suite("Compact one-hot features")
struct CompactOneHotTests {
    static func fixture(_ name: String) -> URL {
        FixtureLoader.repositoryRoot.appending(path: "Tests/HeatMLTests/Fixtures/compact-onehot/\(name)")
    }

    static func table(_ name: String) throws -> DataTable {
        try DataTable(contentsOf: fixture(name), options: DataTable.LoadOptions(categoryLimit: nil))
    }

    /// Bitwise equality of two matrices (`.nan` equal to `.nan`).
    static func sameBits(_ a: Matrix, _ b: Matrix) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }

    static func sameBits(_ a: [Double], _ b: [Double]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

    @Test("features(_:) holds the same cells as transform(_:): missing, unknown, grouped and imputed categories")
    func sameCellsAsTheDenseMatrix() throws {
        let train = try Self.table("train.csv"), score = try Self.table("score.csv")
        let features = ["region", "shop", "spend", "visits"]
        for options in [GradientBoostedTrees().preprocessing, LogisticRegression().preprocessing] {
            for maxCategories in [nil, 8] {
                var options = options
                options.maxCategories = maxCategories
                let transformer = try ColumnTransformer.fit(train, features: features, options: options)
                for table in [train, score] {
                    let compact = try transformer.features(table)
                    let dense = try transformer.transform(table)
                    #expect(compact.columns == dense.columns && compact.rows == dense.rows)
                    #expect(Self.sameBits(compact.denseMatrix(), dense), "options \(options)")
                    #expect(compact.groups.count == 2, "region and shop are one code per row each")
                    for (row, feature) in [(0, 0), (3, 5), (table.rowCount - 1, compact.columns - 1)] {
                        #expect(compact[row, feature].bitPattern == dense[row, feature].bitPattern)
                    }
                }
            }
        }
    }

    struct Setting: Sendable, CustomStringConvertible {
        let name: String
        let parameters: GradientBoostedTrees
        var maxCategories: Int?
        var description: String { name }
    }

    static let settings: [Setting] = [
        Setting(name: "hist 256, depth 4", parameters: GradientBoostedTrees(rounds: 12, maxDepth: 4)),
        Setting(name: "exact, gamma 0.2, depth 3", parameters: GradientBoostedTrees(rounds: 8, maxDepth: 3, gamma: 0.2, treeMethod: .exact)),
        Setting(name: "hist 16, subsample 0.7, colsample 0.6, max categories 8",
                parameters: GradientBoostedTrees(rounds: 10, maxDepth: 5, subsample: 0.7, columnSubsample: 0.6, treeMethod: .hist(maxBins: 16), seed: 5),
                maxCategories: 8),
        Setting(name: "early stopping on a validation fraction",
                parameters: GradientBoostedTrees(rounds: 40, maxDepth: 3, earlyStoppingRounds: 3, validationFraction: 0.25)),
    ]

    @Test("the boosted trees fitted on codes are the dense matrix's trees, bit for bit", arguments: settings)
    func sameModelsAsTheDenseMatrix(_ setting: Setting) throws {
        let train = try Self.table("train.csv"), score = try Self.table("score.csv")
        var options = setting.parameters.preprocessing
        options.maxCategories = setting.maxCategories
        let transformer = try ColumnTransformer.fit(train, features: ["region", "shop", "spend", "visits"], options: options)
        let labels = try BinaryTarget(column: train.column(named: "bought"), positiveLabel: "1", table: train).labels
        let compact = try transformer.features(train)
        let dense = try transformer.transform(train)
        let fromCodes = try GradientBoostedTrees.fit(compact, labels: labels, parameters: setting.parameters)
        let fromDense = try GradientBoostedTrees.fit(dense, labels: labels, parameters: setting.parameters)
        #expect(fromCodes.trees.count > 1)
        #expect(fromCodes.trees == fromDense.trees, "trees of \(setting.name)")
        #expect(fromCodes.bestRound == fromDense.bestRound)
        #expect(fromCodes.trees.contains { tree in tree.nodes.contains { node in
            !node.isLeaf && transformer.featureNames[node.feature].contains("=")
        } }, "some split is on a one-hot feature")
        for table in [train, score] {
            let margins = try fromCodes.predictMargins(try transformer.features(table))
            #expect(Self.sameBits(margins, try fromDense.predictMargins(try transformer.transform(table))))
        }
    }

    /// FNV-1a of the probabilities' bit patterns (as `GBDTPinnedOutputTests.hash`).
    static func hash(_ values: [Double]) -> UInt64 { GBDTPinnedOutputTests.hash(values.map(\.bitPattern)) }

    /// The probabilities of whole pipelines, pinned from the `heatctl` built from `main` (479937f)
    /// before the compact storage: `ml train` (defaults but the options named) then `ml predict`,
    /// the predicted probabilities read back from its CSV (printed with round-trip precision).
    @Test("pipeline probabilities are the ones of before the compact storage (telco, missing and grouped categories)")
    func pinnedPipelineProbabilities() throws {
        let telco = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"), options: DataTable.LoadOptions())
        let churn = try ModelPipeline.fit(.gbdt(GradientBoostedTrees(seed: 42)), on: telco, target: "churn", positiveLabel: "Yes")
        let telcoProbabilities = try churn.predictProbabilities(telco)
        // `--rounds 20 --subsample 0.8 --colsample 0.7 --max-categories 8`, and `--rounds 10 --tree-method exact`.
        let train = try Self.table("train.csv"), score = try Self.table("score.csv")
        let grouped = try ModelPipeline.fit(.gbdt(GradientBoostedTrees(rounds: 20, subsample: 0.8, columnSubsample: 0.7, seed: 42)),
                                            on: train, target: "bought", positiveLabel: "1", excluding: [],
                                            settings: .init(maxCategories: 8))
        let exact = try ModelPipeline.fit(.gbdt(GradientBoostedTrees(rounds: 10, treeMethod: .exact, seed: 42)),
                                          on: train, target: "bought", positiveLabel: "1")
        let groupedProbabilities = try grouped.predictProbabilities(train) + grouped.predictProbabilities(score)
        let exactProbabilities = try exact.predictProbabilities(train) + exact.predictProbabilities(score)
        #expect(telcoProbabilities.count == 7043 && groupedProbabilities.count == 1800)
        // Bit for bit on Linux only (glibc's `exp` in the sigmoid; see GBDTPinnedOutputTests).
        #if os(Linux)
        #expect(Self.hash(telcoProbabilities) == 0xae91_d6d9_d356_ac9a, "telco: \(String(Self.hash(telcoProbabilities), radix: 16))")
        #expect(Self.hash(groupedProbabilities) == 0xd6b2_25c2_d5d3_77ab, "grouped: \(String(Self.hash(groupedProbabilities), radix: 16))")
        #expect(Self.hash(exactProbabilities) == 0x974d_578c_8ff1_31cb, "exact: \(String(Self.hash(exactProbabilities), radix: 16))")
        #endif
    }

    @Test("a 10,000-category column takes 4 bytes per row, and the boosted trees fit and predict on it")
    func tenThousandCategories() throws {
        let rows = 15_000, categories = 10_000
        var g = SeededGenerator(seed: 11)
        var code: [String?] = [], amount: [String?] = [], label: [String?] = []
        for i in 0..<rows {
            let category = i % categories
            let x = g.unitInterval() * 10
            // The label depends on the amount and on whether the category is one of the first 50.
            let logit = (x - 5) / 2 + (category < 50 ? 2 : 0)
            code.append("c\(category)")
            amount.append(String(x))
            label.append(g.unitInterval() < 1 / (1 + exp(-logit)) ? "1" : "0")
        }
        // `--type code=categorical` (a nearly unique text column is otherwise an identifier) with
        // no category limit (`--category-limit 0`).
        let table = try DataTable(columns: [
            DataColumn(name: "code", type: .categorical, raw: code),
            DataColumn(name: "amount", type: .numeric, raw: amount),
            DataColumn(name: "y", type: .categorical, raw: label),
        ])
        let parameters = GradientBoostedTrees(rounds: 3, maxDepth: 3)
        let transformer = try ColumnTransformer.fit(table, features: ["code", "amount"], options: parameters.preprocessing)
        let features = try transformer.features(table)
        #expect(features.columns == categories + 1)
        // One Int32 per row for the categorical column plus one Double per row for the number:
        // 12 bytes a row, where the dense matrix holds (10,000 + 1) * 8 bytes a row.
        #expect(features.storageBytes == rows * (4 + 8))
        #expect(features.storageBytes * 1000 < rows * features.columns * 8)
        let binner = FeatureBinner(features, maxBins: 256)
        #expect(binner.storageBytes == rows * 1, "only the numeric feature's bins are stored, one byte a row")
        #expect(binner.binCounts.count == categories + 1 && binner.binCounts[0] == 2)

        let pipeline = try ModelPipeline.fit(.gbdt(parameters), on: table, target: "y", positiveLabel: "1")
        let probabilities = try pipeline.predictProbabilities(table)
        #expect(probabilities.count == rows && probabilities.allSatisfy { $0 > 0 && $0 < 1 })
        let labels = label.map { $0 == "1" ? 1 : 0 }
        #expect(try rocAUC(labels: labels, scores: probabilities) > 0.7)
        guard case let .gbdt(model) = pipeline.model else { Issue.record("not a gbdt model"); return }
        // The trees use a one-hot feature of a frequent-label category, or the amount.
        #expect(model.trees.allSatisfy { $0.nodes.count > 1 })
    }
}
