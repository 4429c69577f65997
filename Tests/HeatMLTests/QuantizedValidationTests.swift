import Foundation
import HeatEnvelope
import Testing
@testable import HeatML

/// A corrupted or crafted integer model file is a clear error (exit 65), never a crash or a hang
/// (issue 18 review finding; the same checks as `ModelPipeline.validate` for float models).
struct QuantizedValidationTests {
    static func pipelines() throws -> (trees: QuantizedPipeline, logistic: QuantizedPipeline) {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let trees = try ModelPipeline.fit(
            .gbdt(GradientBoostedTrees(rounds: 4, maxDepth: 3)), on: table, target: "churn", positiveLabel: "Yes")
        let logistic = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes")
        return (try trees.quantized(bits: 6), try logistic.quantized(bits: 6, calibration: table))
    }

    /// Saves `pipeline` with one edit applied to its JSON payload and returns the load error.
    static func loadError(_ pipeline: QuantizedPipeline, _ edit: (inout [String: Any]) -> Void) throws -> String? {
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(pipeline)) as? [String: Any])
        edit(&object)
        let folder = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "m.q6")
        try Envelope(kind: .quantizedModel, payload: JSONSerialization.data(withJSONObject: object)).write(to: url)
        do {
            _ = try QuantizedPipeline.load(from: url)
            return nil
        } catch {
            guard case let .badModel(_, reason) = error else { return "unexpected error \(error)" }
            #expect(error.category.exitCode == 65)
            return reason
        }
    }

    /// Applies `edit` to the model body (`model.trees._0` or `model.logistic._0`).
    static func body(_ object: inout [String: Any], _ kind: String, _ edit: (inout [String: Any]) -> Void) {
        var model = object["model"] as! [String: Any]
        var wrapper = model[kind] as! [String: Any]
        var body = wrapper["_0"] as! [String: Any]
        edit(&body)
        wrapper["_0"] = body
        model[kind] = wrapper
        object["model"] = model
    }

    static func node(_ body: inout [String: Any], tree: Int, node: Int, _ edit: (inout [String: Any]) -> Void) {
        var trees = body["trees"] as! [[[String: Any]]]
        edit(&trees[tree][node])
        body["trees"] = trees
    }

    @Test func tamperedTreeModelsAreRefusedWithTheirReason() throws {
        let q = try Self.pipelines().trees
        #expect(try Self.loadError(q) { _ in } == nil)
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("reached twice", { o in Self.body(&o, "trees") { b in Self.node(&b, tree: 0, node: 0) { $0["right"] = 0 } } }),
            ("out of range", { o in Self.body(&o, "trees") { b in Self.node(&b, tree: 1, node: 0) { $0["left"] = 9_999 } } }),
            ("feature 9999", { o in Self.body(&o, "trees") { b in Self.node(&b, tree: 0, node: 0) { $0["feature"] = 9_999 } } }),
            ("bin lists", { o in Self.body(&o, "trees") { b in b["cuts"] = Array((b["cuts"] as! [[Double]]).dropLast()) } }),
            ("strictly increasing", { o in Self.body(&o, "trees") { b in
                var cuts = b["cuts"] as! [[Double]]
                let f = cuts.firstIndex { $0.count >= 2 }!
                cuts[f].reverse()
                b["cuts"] = cuts
            } }),
            ("differs from the recomputed", { o in Self.body(&o, "trees") { b in b["maximumAbsoluteScore"] = 1 } }),
            ("does not fit", { o in Self.body(&o, "trees") { b in Self.node(&b, tree: 0, node: 1) { n in
                n["feature"] = -1; n["left"] = -1; n["right"] = -1; n["value"] = 1 << 40
            } } }),
            ("format version 99", { o in o["formatVersion"] = 99 }),
        ]
        for (reason, edit) in cases {
            let error = try Self.loadError(q, edit)
            #expect(error?.contains(reason) == true, "expected \(reason), got \(error ?? "no error")")
        }
    }

    @Test func tamperedLogisticModelsAreRefusedWithTheirReason() throws {
        let q = try Self.pipelines().logistic
        #expect(try Self.loadError(q) { _ in } == nil)
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("finite positive step", { o in Self.body(&o, "logistic") { b in
                var features = b["features"] as! [[String: Any]]
                features[0]["step"] = 0
                b["features"] = features
            } }),
            ("weights for", { o in Self.body(&o, "logistic") { b in b["weights"] = Array((b["weights"] as! [Int]).dropLast()) } }),
            ("levels where bits", { o in Self.body(&o, "logistic") { b in b["bits"] = 7 } }),
            ("differs from the recomputed", { o in Self.body(&o, "logistic") { b in b["maximumAbsoluteScore"] = 3 } }),
            ("bits 40", { o in Self.body(&o, "logistic") { b in b["bits"] = 40 } }),
        ]
        for (reason, edit) in cases {
            let error = try Self.loadError(q, edit)
            #expect(error?.contains(reason) == true, "expected \(reason), got \(error ?? "no error")")
        }
    }
}
