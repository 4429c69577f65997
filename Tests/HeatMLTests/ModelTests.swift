import Foundation
import Testing
@testable import HeatML

@Suite("Estimators against scikit-learn and XGBoost")
struct ModelTests {
    @Test func logisticRegressionMatchesScikitLearn() throws {
        let root = try FixtureLoader.json("logistic")
        let x = try FixtureLoader.matrix(root["x"])
        let y = try FixtureLoader.ints(root["labels"])
        let models = (root["models"] as? [[String: Any]]) ?? []
        #expect(models.count == 3)
        for reference in models {
            let c = (reference["c"] as? Double) ?? .nan
            let weight: ClassWeight = (reference["classWeight"] as? String) == "balanced" ? .balanced : .none
            var model = LogisticRegression(c: c, classWeight: weight)
            try model.fit(x, labels: y)
            #expect(model.convergence?.converged == true)
            let expected = try FixtureLoader.doubles(reference["probabilities"])
            let probabilities = try model.predictProbabilities(x)
            let worst = zip(probabilities, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-4, "C=\(c) \(weight): max probability difference \(worst)")
            let coefficients = try FixtureLoader.doubles(reference["coefficients"])
            for (a, b) in zip(model.coefficients, coefficients) { #expect(abs(a - b) < 1e-4) }
            #expect(abs(model.intercept - ((reference["intercept"] as? Double) ?? .nan)) < 1e-4)
        }
    }

    @Test(arguments: ["exact", "hist"])
    func boostedTreesMatchXGBoost(method: String) throws {
        let root = try FixtureLoader.json("gbdt")
        let x = try FixtureLoader.matrix(root["x"])
        let y = try FixtureLoader.ints(root["labels"])
        let reference = try #require((root["models"] as? [[String: Any]])?.first { ($0["treeMethod"] as? String) == method })
        var model = GradientBoostedTrees(rounds: 10, maxDepth: 3, learningRate: 0.3, treeMethod: method == "exact" ? .exact : .hist(maxBins: 256), baseScore: 0.5)
        try model.fit(x, labels: y)
        let expected = try FixtureLoader.doubles(reference["probabilities"])
        let probabilities = try model.predictProbabilities(x)
        let worst = zip(probabilities, expected).map { abs($0 - $1) }.max() ?? .infinity
        // XGBoost computes in float32.
        #expect(worst < 1e-5, "\(method): max probability difference \(worst)")
    }

    static func syntheticData(rows: Int, seed: UInt64) throws -> (Matrix, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var columns = [[Double]](repeating: [], count: 4)
        var labels: [Int] = []
        for _ in 0..<rows {
            let values = (0..<4).map { _ in generator.nextUnit() * 2 - 1 }
            for j in 0..<4 { columns[j].append(values[j]) }
            let logit = 3 * values[0] - 2 * values[1] + values[2] * values[3]
            labels.append(generator.nextUnit() < sigmoid(logit) ? 1 : 0)
        }
        return (try Matrix(columns: columns), labels)
    }

    @Test func boostedTreesAreDeterministicPerSeed() throws {
        let (x, y) = try Self.syntheticData(rows: 400, seed: 7)
        var a = GradientBoostedTrees(rounds: 20, subsample: 0.7, columnSubsample: 0.5, seed: 11)
        var b = a
        var c = a
        c.seed = 12
        try a.fit(x, labels: y)
        try b.fit(x, labels: y)
        try c.fit(x, labels: y)
        #expect(a == b)
        #expect(try a.predictProbabilities(x) == b.predictProbabilities(x))
        #expect(a.trees != c.trees)
    }

    @Test func missingValuesFollowTheLearnedDefaultSide() throws {
        // Missing feature values behave like large values: the tree should send them right.
        var column: [Double] = [], labels: [Int] = []
        for i in 0..<200 {
            let value = Double(i % 100)
            if i % 5 == 0 { column.append(.nan); labels.append(1) }
            else { column.append(value); labels.append(value >= 50 ? 1 : 0) }
        }
        var model = GradientBoostedTrees(rounds: 5, maxDepth: 1)
        try model.fit(try Matrix(columns: [column]), labels: labels)
        let root = try #require(model.trees.first?.nodes.first)
        #expect(root.feature == 0)
        #expect(root.defaultLeft == false)
        let p = try model.predictProbabilities(try Matrix(columns: [[.nan, 10, 90]]))
        #expect(p[0] > 0.5 && p[1] < 0.5 && p[2] > 0.5)
    }

    @Test func earlyStoppingKeepsTheBestRound() throws {
        let (x, y) = try Self.syntheticData(rows: 300, seed: 3)
        let (vx, vy) = try Self.syntheticData(rows: 300, seed: 4)
        var model = GradientBoostedTrees(rounds: 300, maxDepth: 6, learningRate: 0.5, earlyStoppingRounds: 10)
        try model.fit(x, labels: y, validation: (vx, vy))
        let best = try #require(model.bestRound)
        #expect(model.trees.count == best + 1)
        #expect(model.trees.count < 300)
        #expect(model.validationLosses[best] == model.validationLosses.min())
    }

    @Test func squaredErrorRegressionFitsAStepFunction() throws {
        let xs = (0..<100).map(Double.init)
        var model = GradientBoostedTrees(objective: .squaredError, rounds: 50, maxDepth: 2, baseScore: 0)
        try model.fitRegression(try Matrix(columns: [xs]), targets: xs.map { $0 < 50 ? 1 : 5 })
        let p = try model.predictProbabilities(try Matrix(columns: [[10, 90]]))
        #expect(abs(p[0] - 1) < 0.01 && abs(p[1] - 5) < 0.01)
    }

    @Test func invalidHyperParametersAreNamed() throws {
        let (x, y) = try Self.syntheticData(rows: 50, seed: 1)
        var trees = GradientBoostedTrees(learningRate: 0)
        #expect(throws: HeatMLError.invalidParameter(name: "learningRate", value: "0.0", reason: "must be positive")) { try trees.fit(x, labels: y) }
        var logistic = LogisticRegression(c: -1)
        #expect(throws: HeatMLError.self) { try logistic.fit(x, labels: y) }
        var single = LogisticRegression()
        #expect(throws: HeatMLError.singleClass(context: "LogisticRegression.fit", label: "1")) {
            try single.fit(x, labels: [Int](repeating: 1, count: 50))
        }
    }

    @Test func modelsRoundTripThroughJSON() throws {
        let (x, y) = try Self.syntheticData(rows: 200, seed: 5)
        var trees = GradientBoostedTrees(rounds: 10, treeMethod: .exact)
        try trees.fit(x, labels: y)
        var logistic = LogisticRegression(c: 0.5)
        try logistic.fit(x, labels: y)
        let decodedTrees = try JSONDecoder().decode(GradientBoostedTrees.self, from: JSONEncoder().encode(trees))
        let decodedLogistic = try JSONDecoder().decode(LogisticRegression.self, from: JSONEncoder().encode(logistic))
        #expect(decodedTrees == trees)
        #expect(decodedLogistic == logistic)
        #expect(try decodedTrees.predictProbabilities(x) == trees.predictProbabilities(x))
        #expect(try decodedLogistic.predictProbabilities(x) == logistic.predictProbabilities(x))
    }
}
