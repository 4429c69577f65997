import Foundation
import Testing
@testable import HeatML

/// XGBoost JSON import and export (issue 18 item 1) against models and predictions written by
/// XGBoost 3.2 itself (`Fixtures/xgboost/make_xgboost_fixtures.py`).
struct XGBoostInteropTests {
    static func fixture(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/xgboost") else {
            throw FixtureLoader.FixtureError(description: "fixture xgboost/\(name) is missing")
        }
        return url
    }

    static func predictions(_ name: String) throws -> (predictions: [Double], margins: [Double]) {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("\(name)_predictions.json"))) as? [String: Any]
        return (try FixtureLoader.doubles(object?["predictions"]), try FixtureLoader.doubles(object?["margins"]))
    }

    @Test(arguments: ["binary", "reglogistic", "regression"])
    func importedModelsPredictAsXGBoostDoes(name: String) throws {
        let pipeline = try ModelPipeline.importXGBoost(from: Self.fixture("\(name).json"))
        guard case let .gbdt(model) = pipeline.model else { Issue.record("not a gbdt"); return }
        #expect(model.trees.count >= 50)
        let table = try pipeline.loadTable(from: Self.fixture("\(name)_data.csv"))
        let expected = try Self.predictions(name)
        let x = try pipeline.transformer.transform(table)
        #expect((0..<x.columns).contains { x.column($0).contains(where: \.isNaN) }, "the fixture has missing values")
        let got = try pipeline.predictProbabilities(table)
        try #require(got.count == expected.predictions.count)
        let worst = zip(got, expected.predictions).map { abs($0 - $1) }.max() ?? 1
        // Regression outputs are values around 10: XGBoost sums Float leaves, so allow its Float ulp there.
        #expect(worst <= (name == "regression" ? 1e-5 : 1e-6), "max |HeatML - XGBoost| = \(worst)")
        let margins = try model.predictMargins(x)
        let worstMargin = zip(margins, expected.margins).map { abs($0 - $1) }.max() ?? 1
        #expect(worstMargin <= 2e-5, "max margin difference \(worstMargin)")
    }

    @Test func float32ComparisonRoutesRowsNearThresholdsAsXGBoost() throws {
        // The fixture's last rows sit on, one Float below, 1e-9 below and one Float above split
        // thresholds; a plain double comparison routes some of them differently.
        let pipeline = try ModelPipeline.importXGBoost(from: Self.fixture("binary.json"))
        let table = try pipeline.loadTable(from: Self.fixture("binary_data.csv"))
        let expected = try Self.predictions("binary").predictions
        let got = try pipeline.predictProbabilities(table)
        let near = (300..<got.count)
        #expect(near.count > 100)
        #expect(near.allSatisfy { abs(got[$0] - expected[$0]) <= 1e-6 })
    }

    @Test func doubleThresholdIsEquivalentToFloatComparison() {
        var generator = SeededGenerator(seed: 18)
        for _ in 0..<20_000 {
            let t = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0x7F7F_FFFF) * (generator.nextUnit() < 0.5 ? -1 : 1)
            guard t.isFinite, t.nextDown.isFinite else { continue }
            let d = XGBoostJSON.doubleThreshold(equivalentTo: t)
            let m = (Double(t.nextDown) + Double(t)) / 2
            for x in [m, m.nextDown, m.nextUp, Double(t), Double(t).nextDown, Double(t.nextDown), Double(t).nextUp] {
                #expect((x < d) == (Float(x) < t), "t \(t) x \(x)")
            }
            #expect(XGBoostJSON.floatThreshold(equivalentTo: d) == t)
        }
    }

    /// Histogram cuts are training values such as 170.49 (not a Float): a row equal to the cut
    /// goes right in HeatML and must go right in XGBoost too (rounding the threshold up instead
    /// sent it left and moved exported probabilities by 0.15 in Scripts/check-xgboost-export.sh).
    @Test func exportedThresholdsSendValuesEqualToTheCutRight() throws {
        var rows: [[Double]] = [], labels: [Int] = []
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<600 {
            let a = (generator.nextUnit() * 36_500).rounded() / 100   // two decimals, as in a CSV
            rows.append([a])
            labels.append(a + generator.nextUnit() * 120 > 240 ? 1 : 0)
        }
        var model = GradientBoostedTrees(rounds: 10, maxDepth: 3)
        try model.fit(try Matrix(rows: rows), labels: labels)
        let thresholds = model.trees.flatMap { $0.nodes.filter { !$0.isLeaf }.map(\.threshold) }
        #expect(thresholds.contains { Double(Float($0)) != $0 })
        for t in thresholds {
            #expect(!(Float(t) < XGBoostJSON.floatThreshold(equivalentTo: t)), "a value equal to \(t) would go left in XGBoost")
        }
    }

    @Test func modelsWithoutFeatureNamesNeedThem() throws {
        let url = try Self.fixture("nonames.json")
        #expect(throws: XGBoostInteropError.featureNames(source: url.path, expected: 3, given: 0)) {
            try ModelPipeline.importXGBoost(from: url)
        }
        #expect(throws: XGBoostInteropError.featureNames(source: url.path, expected: 3, given: 2)) {
            try ModelPipeline.importXGBoost(from: url, featureNames: ["a", "b"])
        }
        let pipeline = try ModelPipeline.importXGBoost(from: url, featureNames: ["a", "b", "c"])
        let table = try pipeline.loadTable(from: Self.fixture("nonames_data.csv"))
        let got = try pipeline.predictProbabilities(table)
        let expected = try Self.predictions("nonames").predictions
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test func unsupportedModelsAreRefusedWithANamedReason() throws {
        func refusal(_ name: String) throws -> XGBoostInteropError? {
            do { _ = try ModelPipeline.importXGBoost(from: Self.fixture(name)) } catch let error as XGBoostInteropError { return error }
            return nil
        }
        let multi = try refusal("multiclass.json")
        if case .multiClass(_, 3) = multi {} else { Issue.record("multiclass: \(String(describing: multi))") }
        let categorical = try refusal("categorical.json")
        if case .categoricalSplit(_, 0, 0) = categorical {} else { Issue.record("categorical: \(String(describing: categorical))") }
        #expect(try refusal("poisson.json") == .unsupportedObjective(source: Self.fixture("poisson.json").path, objective: "count:poisson"))
        #expect(try refusal("dart.json") == .unsupportedBooster(source: Self.fixture("dart.json").path, booster: "dart"))
        #expect(multi?.category.exitCode == 65)
        let garbage = XGBoostInteropError.malformed(source: "x", reason: "invalid JSON")
        #expect(throws: garbage) { try XGBoostJSON.importModel(from: Data("{".utf8), source: "x") }
    }

    @Test func exportedModelsImportBackToTheSamePredictions() throws {
        // An imported model exports to its own thresholds; a HeatML-trained model round-trips too.
        let pipeline = try ModelPipeline.importXGBoost(from: Self.fixture("binary.json"))
        let table = try pipeline.loadTable(from: Self.fixture("binary_data.csv"))
        let folder = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exported = folder.appending(path: "binary.json")
        try pipeline.xgboostJSON().write(to: exported)
        let again = try ModelPipeline.importXGBoost(from: exported)
        // Routing and leaves are identical (gains and covers went through Float, which routing ignores).
        if case let .gbdt(a) = again.model, case let .gbdt(b) = pipeline.model {
            #expect(a.trees.count == b.trees.count && a.fittedBaseScore == b.fittedBaseScore)
            let same = zip(a.trees, b.trees).allSatisfy { x, y in
                x.nodes.count == y.nodes.count && zip(x.nodes, y.nodes).allSatisfy { n, m in
                    n.feature == m.feature && n.threshold == m.threshold && n.defaultLeft == m.defaultLeft
                        && n.left == m.left && n.right == m.right && (!n.isLeaf || n.value == m.value)
                }
            }
            #expect(same, "an exported and re-imported tree differs")
        } else {
            Issue.record("not boosted trees")
        }
        #expect(try again.predictProbabilities(table) == pipeline.predictProbabilities(table))

        var x: [[Double]] = []
        var labels: [Int] = []
        var generator = SeededGenerator(seed: 7)
        for i in 0..<400 {
            let a = Double(Float(generator.nextUnit() * 10)), b = i % 7 == 0 ? Double.nan : Double(Float(generator.nextUnit()))
            x.append([a, b])
            labels.append(a + (b.isNaN ? 3 : b * 4) + generator.nextUnit() * 3 > 8 ? 1 : 0)
        }
        var trained = GradientBoostedTrees(rounds: 20, maxDepth: 3)
        try trained.fit(try Matrix(rows: x), labels: labels)
        let data = try XGBoostJSON.exportModel(trained, featureNames: ["a", "b"])
        let back = try XGBoostJSON.importModel(from: data, source: "trained")
        let p0 = try trained.predictProbabilities(try Matrix(rows: x)), p1 = try back.model.predictProbabilities(try Matrix(rows: x))
        #expect(zip(p0, p1).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(throws: XGBoostInteropError.self) { try XGBoostJSON.exportModel(trained, featureNames: ["a"]) }
    }
}
