import Foundation
import Testing
@testable import HeatML

/// Review fixes of the boosted trees (issue 17): finite thresholds for extreme values, leaf
/// weights when `H + lambda` is 0, decoded models validated before the unchecked flat predictor,
/// the blocked Newton system against a plain loop, and the 16-bit / narrowed 32-bit bin paths.
@Suite("Boosted trees: review fixes")
struct GBDTReviewFixTests {
    /// Fits, checks every threshold and value is finite, and round-trips through JSON (whose
    /// decoder now validates, as `ml predict` does) to the same margins.
    static func trainThenPredict(_ x: Matrix, _ y: [Int], _ parameters: GradientBoostedTrees) throws -> GradientBoostedTrees {
        let model = try GradientBoostedTrees.fit(x, labels: y, parameters: parameters)
        for tree in model.trees {
            for node in tree.nodes {
                #expect(node.value.isFinite)
                if !node.isLeaf { #expect(node.threshold.isFinite, "threshold \(node.threshold)") }
            }
        }
        try model.validate(featureCount: x.columns, source: "test")
        let decoded = try JSONDecoder().decode(GradientBoostedTrees.self, from: JSONEncoder().encode(model))
        #expect(try decoded.predictMargins(x) == model.predictMargins(x))
        return model
    }

    /// Exact mode: the midpoint of -1e308 and 1e308 (`a + (b - a) / 2` overflowed to +inf).
    @Test func exactMidpointOfOppositeExtremesIsFinite() throws {
        let values = (0..<40).map { $0 % 2 == 0 ? -1e308 : 1e308 }
        let x = try Matrix(columns: [values])
        let y = values.map { $0 > 0 ? 1 : 0 }
        let model = try Self.trainThenPredict(x, y, GradientBoostedTrees(rounds: 2, maxDepth: 1, treeMethod: .exact))
        #expect(model.trees[0].nodes[0].threshold == 0)
        #expect(try model.predictMargins(x)[1] > model.predictMargins(x)[0])
    }

    /// Histogram and exact mode: "present left, missing right" above a maximum of 1e308
    /// (`max + |max| + 1e-5` overflowed), and above `greatestFiniteMagnitude`, where no finite
    /// threshold exists and the candidate is skipped.
    @Test(arguments: [GradientBoostedTrees.TreeMethod.hist(maxBins: 256), .exact])
    func missingSplitAboveAHugeMaximumIsFinite(_ method: GradientBoostedTrees.TreeMethod) throws {
        let present = (0..<40).map { $0 % 3 != 0 }
        let y = present.map { $0 ? 1 : 0 }
        let huge = try Matrix(columns: [present.map { $0 ? 1e308 : .nan }])
        let model = try Self.trainThenPredict(huge, y, GradientBoostedTrees(rounds: 2, maxDepth: 1, treeMethod: method))
        let root = model.trees[0].nodes[0]
        #expect(!root.isLeaf && root.threshold > 1e308 && !root.defaultLeft)
        let largest = try Matrix(columns: [present.map { $0 ? Double.greatestFiniteMagnitude : .nan }])
        let unsplit = try Self.trainThenPredict(largest, y, GradientBoostedTrees(rounds: 2, maxDepth: 1, treeMethod: method))
        #expect(unsplit.trees.allSatisfy { $0.nodes.count == 1 })
    }

    @Test func upperCutIsFiniteAndAbove() {
        #expect(FeatureBinner.upperCut(above: 3) == 3 + 3 + 1e-5)
        #expect(FeatureBinner.upperCut(above: 9.5e307) == 9.5e307.nextUp)
        #expect(FeatureBinner.upperCut(above: -1e308) > -1e308)
        #expect(FeatureBinner.upperCut(above: .greatestFiniteMagnitude) == .infinity)
    }

    /// `-G / (H + lambda)` with lambda 0 and no hessian is 0 (XGBoost), not NaN.
    @Test func emptyNodeWithLambdaZeroHasWeightZero() throws {
        let x = try Matrix(columns: [[1, 2, 3, 4]])
        let builder = TreeBuilder(binner: FeatureBinner(x, maxBins: 256), maxDepth: 3, lambda: 0, gamma: 0, minChildWeight: 0, learningRate: 0.3)
        #expect(builder.weight(0, 0) == 0)
        #expect(builder.weight(1.5, 0) == 0)
        #expect(builder.weight(1, 2) == -0.5)
        var gains = [0.0], margins = [Double](repeating: 0, count: 4)
        let empty = builder.grow(rows: [], features: [0], gradientPairs: [Double](repeating: 0, count: 8), gains: &gains, margins: &margins)
        #expect(empty.nodes.count == 1 && empty.nodes[0].value == 0)
        // Rows whose weight is 0 carry no hessian either.
        let weightless = builder.grow(rows: [0, 1, 2, 3], features: [0], gradientPairs: [0.5, 0, -0.5, 0, 0.5, 0, -0.5, 0], gains: &gains, margins: &margins)
        #expect(weightless.nodes.allSatisfy { $0.value == 0 })
        #expect(margins == [0, 0, 0, 0])
    }

    /// Through the API: lambda 0, minChildWeight 0, zero-weight rows and a subsample that leaves
    /// some trees no row at all: every leaf is finite and the model loads again.
    @Test func lambdaZeroWithEmptySubsamplesFitsAFiniteModel() throws {
        let n = 12
        let x = try Matrix(columns: [(0..<n).map(Double.init)])
        let y = (0..<n).map { $0 % 2 }
        let weights = (0..<n).map { $0 < 6 ? 0.0 : 1.0 }
        let parameters = GradientBoostedTrees(rounds: 20, maxDepth: 2, lambda: 0, minChildWeight: 0, subsample: 0.05, seed: 4)
        let model = try GradientBoostedTrees.fit(x, labels: y, weights: weights, parameters: parameters)
        #expect(model.trees.contains { $0.nodes.count == 1 && $0.nodes[0].value == 0 }, "some tree saw no row (or only weightless ones)")
        #expect(model.trees.allSatisfy { $0.nodes.allSatisfy(\.value.isFinite) })
        try model.validate(featureCount: 1, source: "test")
        #expect(try model.predictMargins(x).allSatisfy(\.isFinite))
    }

    /// A decoded model with a child out of range, a cycle, a feature out of range or a feature
    /// count beyond Int32 is a typed `badModel` from `init(from:)`, before any prediction.
    @Test func craftedModelJSONIsATypedError() throws {
        let (x, y) = try GBDTPinnedOutputTests.data(rows: 300)
        let model = try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 2, maxDepth: 2))
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as? [String: Any])
        func decode(_ edit: (inout [String: Any]) -> Void) -> HeatMLError? {
            var object = json
            edit(&object)
            do {
                _ = try JSONDecoder().decode(GradientBoostedTrees.self, from: JSONSerialization.data(withJSONObject: object))
                return nil
            } catch {
                return error as? HeatMLError
            }
        }
        func node(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
            { object in
                var trees = object["trees"] as! [[String: Any]]
                var nodes = trees[0]["nodes"] as! [[String: Any]]
                nodes[0][key] = value
                trees[0]["nodes"] = nodes
                object["trees"] = trees
            }
        }
        #expect(decode { _ in } == nil)
        for (edit, reason) in [(node("left", 999), "child index 999 is out of range"), (node("right", 0), "reached twice"),
                               (node("feature", 1 << 40), "is out of range 0..<6"),
                               ({ (o: inout [String: Any]) in o["featureCount"] = 1 << 40; node("feature", 1 << 35)(&o) }, "feature count")] {
            let error = decode(edit)
            guard case let .badModel(_, message) = error else { Issue.record("expected badModel for \(reason), got \(String(describing: error))"); continue }
            #expect(message.contains(reason), "\(message)")
            #expect(error?.category.exitCode == 65)
        }
        // An unfitted model (no trees) still decodes.
        _ = try JSONDecoder().decode(GradientBoostedTrees.self, from: JSONEncoder().encode(GradientBoostedTrees()))
    }

    /// The blocked Newton accumulation equals a plain triple loop on 1,000 rows (3 full blocks of
    /// 256 and a partial one), to 1e-12 relative to the sum of the absolute terms.
    @Test func blockedNewtonSystemEqualsPlainLoop() throws {
        var g = SeededGenerator(seed: 21)
        let n = 1000, p = 5, dim = p + 1
        let columns = (0..<p).map { _ in (0..<n).map { _ in g.unitInterval() * 4 - 2 } }
        let x = try Matrix(columns: columns)
        let residual = (0..<n).map { _ in g.unitInterval() - 0.5 }
        let curvature = (0..<n).map { _ in g.unitInterval() * 0.25 }
        var gradient = [Double](repeating: 0, count: dim), hessian = [Double](repeating: 0, count: dim * dim)
        LogisticRegression.accumulateNewtonSystem(x, residual: residual, curvature: curvature, gradient: &gradient, hessian: &hessian)
        func close(_ got: Double, _ terms: [Double], _ what: String) {
            let expected = terms.reduce(0, +), scale = terms.reduce(0) { $0 + abs($1) }
            #expect(abs(got - expected) <= 1e-12 * scale, "\(what): \(got) vs \(expected)")
        }
        let ones = [Double](repeating: 1, count: n)
        let extended = columns + [ones]
        for j in 0..<p { close(gradient[j], (0..<n).map { columns[j][$0] * residual[$0] }, "gradient \(j)") }
        for j in 0..<dim {
            for k in 0..<dim where !(j == p && k == p) {
                close(hessian[j * dim + k], (0..<n).map { extended[j][$0] * curvature[$0] * extended[k][$0] }, "hessian \(j),\(k)")
            }
        }
    }

    /// 70,000 rows with 40 distinct values: exact mode writes 32-bit codes (more than 65,535 rows)
    /// and narrows them to bytes; the codes of the first 60,000 rows equal those of a binner of
    /// those rows alone (16-bit codes narrowed), since both see the same 40 values.
    @Test func narrowedWideCodesEqualNarrowedMediumCodes() throws {
        var g = SeededGenerator(seed: 8)
        let n = 70_000
        var columns: [[Double]] = []
        for c in 0..<3 {
            var column: [Double] = []
            for i in 0..<n {
                let missing: Bool = i >= 200 && g.unitInterval() < 0.05 * Double(c)
                let value: Double = Double(i % 40) / 4 - 3
                column.append(missing ? Double.nan : value)
            }
            columns.append(column)
        }
        let all = FeatureBinner(try Matrix(columns: columns), maxBins: nil)
        let head = FeatureBinner(try Matrix(columns: columns.map { Array($0.prefix(60_000)) }), maxBins: nil)
        #expect(all.storage.width == 1 && head.storage.width == 1)
        #expect(all.cuts == head.cuts)
        #expect(Array(FeatureBinnerTests.codes(all).prefix(60_000 * 3)) == FeatureBinnerTests.codes(head))
    }
}
