import Foundation
import Testing
@testable import HeatML

/// Issue 17 part 4: the prediction walk (branch-free steps, children adjacent, `Float`
/// thresholds where exact, row-by-row walks of deep trees, a block buffer of the used features
/// only), the compact path of whole pipelines (boosted trees and logistic regression), the
/// imputation and scaling read on the fly, and model files written before these changes.
@Suite("HeatML data path: prediction walk, compact pipelines, old model files")
struct DataPathTests {
    /// Bitwise equality (`.nan` equal to `.nan`).
    static func sameBits(_ a: [Double], _ b: [Double]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

    static let leaf = -1

    /// A leaf node with an output.
    static func leaf(_ value: Double) -> RegressionTree.Node {
        RegressionTree.Node(feature: leaf, threshold: 0, defaultLeft: true, left: -1, right: -1, value: value, gain: 0, cover: 1)
    }

    /// An internal node.
    static func split(_ feature: Int, _ threshold: Double, defaultLeft: Bool, left: Int, right: Int) -> RegressionTree.Node {
        RegressionTree.Node(feature: feature, threshold: threshold, defaultLeft: defaultLeft, left: left, right: right, value: 0, gain: 1, cover: 1)
    }

    /// A chain: `depth` splits, each with a leaf on the left and the next split on the right
    /// (XGBoost's lossguide or `max_depth=0` can make such trees). Split `l` tests feature
    /// `l % features` against `threshold(l)`; its children are stored in the order right, left
    /// (not adjacent in the source numbering), so the flattening must renumber.
    static func chain(depth: Int, features: Int, threshold: (Int) -> Double) -> RegressionTree {
        // Split l at index l, its left leaf at depth + l, the last split's right leaf at 2 * depth:
        // a node's two children are not adjacent in this numbering.
        var nodes: [RegressionTree.Node] = []
        for l in 0..<depth {
            nodes.append(split(l % features, threshold(l), defaultLeft: l % 2 == 0, left: depth + l, right: l == depth - 1 ? 2 * depth : l + 1))
        }
        for l in 0..<depth { nodes.append(leaf(Double(l) * 0.125 + 0.0625)) }
        nodes.append(leaf(-0.3))
        return RegressionTree(nodes: nodes)
    }

    /// A full tree of `depth` (every split on feature `(level * 7 + position) % features`).
    static func balanced(depth: Int, features: Int, seed: UInt64, threshold: (Double) -> Double) -> RegressionTree {
        var g = SeededGenerator(seed: seed)
        var nodes: [RegressionTree.Node] = []
        func build(_ level: Int) -> Int {
            let me = nodes.count
            if level == depth { nodes.append(leaf(g.unitInterval() - 0.5)); return me }
            nodes.append(leaf(0))
            let feature = (level * 7 + me) % features
            let t = threshold(g.unitInterval() * 4 - 1)
            let right = build(level + 1), left = build(level + 1)    // right first: children not adjacent in the source
            nodes[me] = split(feature, t, defaultLeft: g.unitInterval() < 0.5, left: left, right: right)
            return me
        }
        _ = build(0)
        return RegressionTree(nodes: nodes)
    }

    /// Rows of `features` values in [-1, 3] with missing, infinite and threshold-equal cells.
    static func rows(_ n: Int, features: Int, seed: UInt64, thresholds: [Double]) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var values: [Double] = []
        for _ in 0..<(n * features) {
            let u = g.unitInterval()
            values.append(u < 0.05 ? .nan : u < 0.07 ? .infinity : u < 0.09 ? -.infinity
                          : u < 0.2 && !thresholds.isEmpty ? thresholds[Int(g.next() % UInt64(thresholds.count))]
                          : g.unitInterval() * 4 - 1)
        }
        return Matrix(rows: n, columns: features, values: values)
    }

    /// The reference: the base margin plus each tree's walk, in tree order.
    static func reference(_ trees: [RegressionTree], base: Double, _ x: Matrix) -> [Double] {
        (0..<x.rows).map { i in
            var margin = base
            for tree in trees { margin += tree.predict { x[i, $0] } }
            return margin
        }
    }

    static func thresholds(_ trees: [RegressionTree]) -> [Double] {
        trees.flatMap { $0.nodes.filter { !$0.isLeaf }.map(\.threshold) }
    }

    @Test("the block walk equals each tree's own walk: balanced and 60-deep chain trees, Float and Double thresholds, missing and infinite values")
    func blockWalkEqualsTreeWalk() throws {
        let p = 6
        // Thresholds exactly Float (quarters), and thresholds one ulp above a Float (not exact).
        let asFloat: (Double) -> Double = { (($0 * 4).rounded()) / 4 }
        let aboveFloat: (Double) -> Double = { Double(Float($0)).nextUp }
        for (name, rounding, floatExpected) in [("Float-exact", asFloat, true), ("not Float-exact", aboveFloat, false)] {
            var trees = (0..<5).map { Self.balanced(depth: 4, features: p, seed: UInt64($0) + 1, threshold: rounding) }
            // 60 splits deep (imports refuse trees deeper than 64).
            trees.append(Self.chain(depth: 60, features: p, threshold: { rounding(Double($0 % 13) * 0.3 - 1) }))
            trees.append(RegressionTree(nodes: [Self.leaf(0.25)]))
            let flat = FlatForest(trees)
            #expect(flat.usesFloatThresholds == floatExpected, "\(name)")
            #expect(flat.stopsAtLeaf == [false, false, false, false, false, true, false], "only the chain is walked to its leaf, row by row")
            let model = try GradientBoostedTrees(importedTrees: trees, featureCount: p, baseScore: 0.5, objective: .logistic, source: "test")
            // 64 x 3 + 7 rows: full blocks and a partial one.
            let x = Self.rows(199, features: p, seed: 9, thresholds: Self.thresholds(trees))
            let expected = Self.reference(trees, base: 0, x)
            #expect(Self.sameBits(try model.predictMargins(x), expected), "\(name): matrix")
            #expect(Self.sameBits(try model.predictMargins(FeatureColumns(x)), expected), "\(name): FeatureColumns of a matrix")
            let columns = try FeatureColumns(rows: x.rows, denseColumns: (0..<p).map { Array(x.column($0)) }, groups: [], sources: (0..<p).map { .dense($0) })
            #expect(Self.sameBits(try model.predictMargins(columns), expected), "\(name): dense columns")
        }
    }

    @Test("a value equal to a Double threshold that is not a Float goes left (the Double path is kept)")
    func thresholdOneUlpAboveAFloat() throws {
        let t = Double(Float(0.3)).nextUp
        let tree = RegressionTree(nodes: [Self.split(0, t, defaultLeft: false, left: 1, right: 2), Self.leaf(-1), Self.leaf(1)])
        let model = try GradientBoostedTrees(importedTrees: [tree], featureCount: 1, baseScore: 0.5, objective: .logistic, source: "test")
        let margins = try model.predictMargins(Matrix(rows: 3, columns: 1, values: [Double(Float(0.3)), t, .nan]))
        #expect(margins == [-1, 1, 1], "below the threshold goes left, equal goes right, missing goes right (defaultLeft false)")
    }

    @Test("depth-limited trees are walked a fixed number of steps, deep unbalanced ones row by row")
    func fixedDepthRule() {
        #expect(FlatForest.walksFixedDepth(depth: 4, nodeCount: 31))
        #expect(FlatForest.walksFixedDepth(depth: 6, nodeCount: 13), "a lopsided but shallow tree")
        #expect(FlatForest.walksFixedDepth(depth: 10, nodeCount: 21), "at twice the bit width of the node count (2 x 5)")
        #expect(FlatForest.walksFixedDepth(depth: 11, nodeCount: 23) == false, "a chain of 11 splits")
        #expect(FlatForest.walksFixedDepth(depth: 300, nodeCount: 601) == false)
    }

    @Test("the block buffer holds only the features the forest splits on, whatever the feature count")
    func blockBufferIndependentOfFeatureCount() throws {
        let rows = 130, categories = 20_000
        // Feature 0: a number; features 1...20,000: one-hot features of one group.
        let tree = RegressionTree(nodes: [
            Self.split(0, 0.5, defaultLeft: true, left: 1, right: 2),
            Self.split(777, 0.5, defaultLeft: false, left: 3, right: 4),
            Self.leaf(-0.5), Self.leaf(0.1), Self.leaf(0.9),
        ])
        let flat = FlatForest([tree])
        #expect(flat.usedFeatures == [0, 777])
        #expect(flat.blockBufferCount == 2 * FlatForest.blockSize)
        var g = SeededGenerator(seed: 3)
        let numbers = (0..<rows).map { _ in g.unitInterval() }
        var codes: [Int32] = []
        for i in 0..<rows {
            let code: Int32 = i % 5 == 0 ? FeatureColumns.OneHotGroup.missing : i % 2 == 0 ? 776 : Int32(i % 3)
            codes.append(code)
        }
        let x = try FeatureColumns(rows: rows, denseColumns: [numbers], groups: [FeatureColumns.OneHotGroup(codes: codes, featureCount: categories)],
                                   sources: [.dense(0)] + (0..<categories).map { .oneHot(group: 0, feature: Int32($0)) })
        let model = try GradientBoostedTrees(importedTrees: [tree], featureCount: categories + 1, baseScore: 0.5, objective: .logistic, source: "test")
        let margins = try model.predictMargins(x)
        let expected = (0..<rows).map { i in tree.predict { x[i, $0] } }
        #expect(Self.sameBits(margins, expected))
        #expect(Set(margins) == [-0.5, 0.1, 0.9], "every leaf is reached (missing right at the one-hot split)")
    }
}

extension DataPathTests {
    @Test("bin codes are written in their final width when no feature can need a wider one")
    func binsWrittenInFinalWidth() {
        var g = SeededGenerator(seed: 21)
        let n = 2_000
        let many = (0..<n).map { _ in g.unitInterval() }                 // 2,000 distinct values: 256 bins
        let few = (0..<n).map { Double($0 % 10) }                        // 10 values
        let fewMissing = (0..<n).map { $0 % 7 == 0 ? Double.nan : Double($0 % 10) }
        let manyMissing = (0..<n).map { $0 % 7 == 0 ? Double.nan : many[$0] }
        func binner(_ columns: [[Double]], maxBins: Int?) -> FeatureBinner {
            FeatureBinner(Matrix(rows: n, columns: columns.count, values: columns.flatMap { $0 }), maxBins: maxBins)
        }
        // 256 bins, no missing value: at most 256 codes, written as bytes directly.
        let plain = binner([many, few], maxBins: 256)
        #expect(plain.writtenWidth == 1 && plain.storage.width == 1)
        // A missing value could need code 256: written in 16 bits, narrowed when it did not.
        let narrowed = binner([many, fewMissing], maxBins: 256)
        #expect(narrowed.writtenWidth == 2 && narrowed.storage.width == 1)
        let wide = binner([manyMissing], maxBins: 256)
        #expect(wide.writtenWidth == 2 && wide.storage.width == 2, "256 bins and a missing code: 257 codes")
        // Exact mode: one bin per distinct value.
        let exact = binner([many], maxBins: nil)
        #expect(exact.writtenWidth == 2 && exact.storage.width == 2)
        // The same codes whatever the width they were written in.
        for (a, b) in [(plain, 0), (narrowed, 0)] {
            #expect(a.binCounts[b] == 256)
        }
        let reference = binner([many], maxBins: 256)
        #expect(reference.writtenWidth == 1)
        if case let .narrow(x) = reference.storage, case let .narrow(y) = narrowed.storage {
            #expect((0..<n).allSatisfy { x[$0] == y[$0 * 2] }, "the first feature's codes do not depend on the other feature's width")
        } else {
            Issue.record("expected one-byte storage")
        }
    }
}

/// Counts the dense expansions made inside a task (see `ColumnTransformer.expansionCounter`).
@Suite("HeatML pipelines stay compact")
struct CompactPipelineTests {
    static func fixture(_ name: String) -> URL { CompactOneHotTests.fixture(name) }

    @Test("fitting and predicting gbdt and logistic pipelines never builds the dense matrix", arguments: ["gbdt", "logistic"])
    func noDenseMatrix(_ kind: String) throws {
        let train = try CompactOneHotTests.table("train.csv"), score = try CompactOneHotTests.table("score.csv")
        let specification: ModelSpecification = kind == "gbdt" ? .gbdt(GradientBoostedTrees(rounds: 5, maxDepth: 3)) : .logistic(LogisticRegression())
        let counter = DenseExpansionCounter()
        let probabilities = try ColumnTransformer.$expansionCounter.withValue(counter) {
            let pipeline = try ModelPipeline.fit(specification, on: train, target: "bought", positiveLabel: "1")
            return try pipeline.predictProbabilities(score)
        }
        #expect(probabilities.count == score.rowCount)
        #expect(counter.count == 0, "\(kind): \(counter.count) dense expansions")
        // The counter does count: a transform inside the task is seen.
        let transformer = try ColumnTransformer.fit(train, features: ["region", "spend"])
        try ColumnTransformer.$expansionCounter.withValue(counter) {
            _ = try transformer.transform(train)
            _ = try transformer.features(train).denseMatrix()
        }
        #expect(counter.count == 2)
    }

    @Test("logistic regression on compact features is the dense matrix's model, bit for bit")
    func logisticSameAsDense() throws {
        let train = try CompactOneHotTests.table("train.csv"), score = try CompactOneHotTests.table("score.csv")
        for maxCategories in [nil, 8] {
            var options = LogisticRegression.preprocessing
            options.maxCategories = maxCategories
            let transformer = try ColumnTransformer.fit(train, features: ["region", "shop", "spend", "visits"], options: options)
            let labels = try BinaryTarget(column: train.column(named: "bought"), positiveLabel: "1", table: train).labels
            for weight in [ClassWeight.none, .balanced] {
                var compact = LogisticRegression(classWeight: weight), dense = LogisticRegression(classWeight: weight)
                let features = try transformer.features(train)
                #expect(features.hasAdjustments, "spend is imputed and scaled on the fly")
                try compact.fit(features, labels: labels)
                try dense.fit(try transformer.transform(train), labels: labels)
                #expect(compact == dense, "max categories \(String(describing: maxCategories)), \(weight)")
                #expect(DataPathTests.sameBits(compact.coefficients + [compact.intercept], dense.coefficients + [dense.intercept]))
                for table in [train, score] {
                    #expect(DataPathTests.sameBits(try compact.predictMargins(try transformer.features(table)),
                                                   try dense.predictMargins(try transformer.transform(table))))
                }
            }
        }
    }

    @Test("a missing value reaching logistic regression through compact features names its column")
    func logisticRefusesMissing() throws {
        let x = try FeatureColumns(rows: 300, denseColumns: [(0..<300).map(Double.init), (0..<300).map { $0 == 290 ? .nan : Double($0 % 7) }],
                                   groups: [], sources: [.dense(0), .dense(1)])
        var model = LogisticRegression()
        #expect(throws: HeatMLError.invalidParameter(name: "x", value: "column 1", reason: "holds a missing or infinite value; impute it first")) {
            try model.fit(x, labels: (0..<300).map { $0 % 2 })
        }
    }

    @Test("features(_:) reads imputed and scaled columns as transform(_:) writes them: all four numeric steps")
    func numericStepBranches() throws {
        let raw: [String?] = ["1.5", nil, "-3", "NA", "8.25", "0", nil, "2"]
        let table = try DataTable(columns: [DataColumn(name: "a", type: .numeric, raw: raw), DataColumn(name: "b", type: .numeric, raw: raw.reversed())])
        let imputer = MedianImputer(median: 0.75), scaler = StandardScaler(mean: 1.25, scale: 3.5)
        let cases: [(MedianImputer?, StandardScaler?)] = [(nil, nil), (imputer, nil), (nil, scaler), (imputer, scaler)]
        for (i, (imp, sc)) in cases.enumerated() {
            let transformer = ColumnTransformer(steps: [.numeric(column: "a", type: .numeric, imputer: imp, scaler: sc),
                                                        .numeric(column: "b", type: .numeric, imputer: nil, scaler: nil)],
                                                options: .init(scaleNumeric: sc != nil, imputeNumeric: imp != nil))
            let dense = try transformer.transform(table)
            let compact = try transformer.features(table)
            #expect(compact.hasAdjustments == (i > 0), "case \(i)")
            #expect(DataPathTests.sameBits(compact.denseMatrix().values, dense.values), "case \(i)")
            // Per cell, per block, and after a row selection.
            for row in 0..<table.rowCount { #expect(compact[row, 0].bitPattern == dense[row, 0].bitPattern, "case \(i), row \(row)") }
            var block = [Double](repeating: 0, count: 5)
            block.withUnsafeMutableBufferPointer { compact.gather(feature: 0, start: 2, count: 5, into: $0.baseAddress!) }
            #expect(DataPathTests.sameBits(block, Array(dense.column(0)[2..<7])), "case \(i): gather")
            let picked = compact.selectingRows([6, 1, 3])
            #expect(DataPathTests.sameBits(picked.denseMatrix().values, dense.selectingRows([6, 1, 3]).values), "case \(i): selected rows")
            // Expected values written out for the imputed and scaled case.
            if i == 3 { #expect(compact[1, 0] == (0.75 - 1.25) / 3.5 && compact[0, 0] == (1.5 - 1.25) / 3.5) }
            if i == 1 { #expect(compact[3, 0] == 0.75 && compact[3, 1].isNaN == false) }
        }
    }

    /// The probability column of a predictions CSV written by `heatctl ml predict`.
    static func probabilities(_ url: URL) throws -> [Double] {
        let table = try DataTable(contentsOf: url, options: .init(categoryLimit: nil))
        return try table.column(named: "probability").numbers
    }

    @Test("model files written by main before this change load and predict the same probabilities, bit for bit", arguments: ["gbdt", "logistic"])
    func preChangeModelFiles(_ kind: String) throws {
        let pipeline = try ModelPipeline.load(from: Self.fixture("pre-change/\(kind).model"))
        let expected = try Self.probabilities(Self.fixture("pre-change/\(kind)-predictions.csv"))
        let score = try CompactOneHotTests.table("score.csv")
        let counter = DenseExpansionCounter()
        let probabilities = try ColumnTransformer.$expansionCounter.withValue(counter) { try pipeline.predictProbabilities(score) }
        #expect(expected.count == 300)
        #expect(DataPathTests.sameBits(probabilities, expected), "\(kind)")
        #expect(counter.count == 0, "\(kind) predicts through the compact path")
    }
}
