import Foundation
import Testing
@testable import HeatML

/// Model files are validated on load (issue 17 item 4), reports state what they were computed on
/// (item 5), and logistic explanations are centred on the mean margin (item 3).
@Suite("Model validation, evaluation source, centred explanations")
struct ModelValidationTests {
    static func table() throws -> DataTable {
        var text = "tenure,plan,churn\n"
        var generator = SeededGenerator(seed: 11)
        for i in 0..<200 {
            let tenure = Int(generator.nextUnit() * 60)
            let plan = ["basic", "pro", "team"][i % 3]
            let churn = generator.nextUnit() < (tenure < 20 ? 0.7 : 0.2) ? "Yes" : "No"
            text += "\(i % 17 == 0 ? "" : String(tenure)),\(plan),\(churn)\n"
        }
        return try DataTable(csv: Array(text.utf8), source: "churn.csv")
    }

    static func payload(_ pipeline: ModelPipeline) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: pipeline.jsonData()) as? [String: Any])
    }

    static func decode(_ object: [String: Any]) throws(HeatMLError) -> ModelPipeline {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return try ModelPipeline.decode(data, source: "edited.model")
    }

    /// Applies `edit` to the first tree's node list of a gbdt pipeline's JSON.
    static func editingNodes(_ pipeline: ModelPipeline, _ edit: (inout [[String: Any]]) -> Void) throws -> [String: Any] {
        var root = try payload(pipeline)
        var model = try #require(root["model"] as? [String: Any])
        var gbdt = try #require(model["gbdt"] as? [String: Any])
        var inner = try #require(gbdt["_0"] as? [String: Any])
        var trees = try #require(inner["trees"] as? [[String: Any]])
        var nodes = try #require(trees[0]["nodes"] as? [[String: Any]])
        edit(&nodes)
        trees[0]["nodes"] = nodes
        inner["trees"] = trees
        gbdt["_0"] = inner
        model["gbdt"] = gbdt
        root["model"] = model
        return root
    }

    @Test func aCyclicTreeIsRefusedOnLoad() throws {
        let pipeline = try ModelPipeline.fit(.gbdt(GradientBoostedTrees(rounds: 3, maxDepth: 2)), on: Self.table(), target: "churn", positiveLabel: "Yes")
        // Untouched, it loads.
        _ = try Self.decode(try Self.payload(pipeline))
        // The left child of the root's left child points back to the root: predicting would loop forever.
        let cyclic = try Self.editingNodes(pipeline) { nodes in
            let child = nodes[0]["left"] as? Int ?? 1
            nodes[child]["feature"] = 0
            nodes[child]["threshold"] = 1.0
            nodes[child]["left"] = 0
            nodes[child]["right"] = 0
        }
        let error = #expect(throws: HeatMLError.self) { try Self.decode(cyclic) }
        #expect(error?.category == .dataError)
        #expect(error?.description.contains("reached twice") == true)
        let outOfRange = try Self.editingNodes(pipeline) { nodes in nodes[0]["right"] = 999 }
        #expect(throws: HeatMLError.self) { try Self.decode(outOfRange) }
        let badFeature = try Self.editingNodes(pipeline) { nodes in nodes[0]["feature"] = 42 }
        #expect(throws: HeatMLError.self) { try Self.decode(badFeature) }
    }

    @Test func logisticCoefficientCountMustMatchTheSchema() throws {
        let pipeline = try ModelPipeline.fit(.logistic(LogisticRegression()), on: Self.table(), target: "churn", positiveLabel: "Yes")
        var root = try Self.payload(pipeline)
        var model = try #require(root["model"] as? [String: Any])
        var logistic = try #require(model["logistic"] as? [String: Any])
        var inner = try #require(logistic["_0"] as? [String: Any])
        inner["coefficients"] = [0.5]
        logistic["_0"] = inner
        model["logistic"] = logistic
        root["model"] = model
        let error = #expect(throws: HeatMLError.self) { try Self.decode(root) }
        #expect(error?.description.contains("coefficients") == true)
    }

    @Test func reportsSayWhatTheyWereComputedOn() throws {
        let table = try Self.table()
        let spec = ModelSpecification.logistic(LogisticRegression())
        let training = try TrainingRun(spec, on: table, target: "churn", positiveLabel: "Yes")
        #expect(training.report.evaluatedOn == .training)
        let crossValidated = try TrainingRun(spec, on: table, target: "churn", positiveLabel: "Yes", validation: .stratified(count: 3, seed: 1))
        #expect(crossValidated.report.evaluatedOn == .crossValidation)
        #expect(try training.pipeline.evaluate(table).evaluatedOn == .holdout)
        let json = String(decoding: try training.jsonData(), as: UTF8.self)
        #expect(json.contains("\"evaluatedOn\" : \"training\""))
    }

    @Test func logisticExplanationsAreCentredOnTheMeanMargin() throws {
        let table = try Self.table()
        let pipeline = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes")
        let explanation = try pipeline.explain(table)
        guard case let .logistic(model) = pipeline.model else { Issue.record("not logistic"); return }
        // The base value is the mean training margin (the margin is linear in the features).
        let meanMargin = explanation.margins.reduce(0, +) / Double(explanation.margins.count)
        #expect(abs(explanation.expectedValue - meanMargin) < 1e-9)
        #expect(abs(explanation.expectedValue - model.intercept) > 1e-6, "not the intercept")
        // Each feature's contributions average to zero over the training rows.
        for j in explanation.featureNames.indices {
            let mean = explanation.contributions.map { $0[j] }.reduce(0, +) / Double(explanation.contributions.count)
            #expect(abs(mean) < 1e-9, "\(explanation.featureNames[j]) mean contribution \(mean)")
        }
        for (row, margin) in explanation.margins.enumerated() {
            #expect(abs(explanation.expectedValue + explanation.contributions[row].reduce(0, +) - margin) < 1e-9)
        }
    }
}
