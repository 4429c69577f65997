import Foundation
import HeatCLITesting
import Testing

/// Runs the built `heatctl ml import-xgboost | export-xgboost | quantize | personas` end to end:
/// outputs, refusals and exit codes (DESIGN.md section 8: 64 usage, 65 bad data, 78 bad rules).
@Suite(.enabled(if: MLBuiltHeatctl.url != nil, "heatctl is not built"))
struct MLInteropCommandTests {
    typealias H = MLBuiltHeatctl

    static var xgboost: URL { H.root.appending(path: "Tests/HeatMLTests/Fixtures/xgboost") }

    /// The `probability` column of a CSV written by `ml predict`.
    static func probabilities(_ url: URL) throws -> [Double] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let column = try #require(header.firstIndex(of: "probability"))
        return lines.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[column]) ?? .nan }
    }

    @Test func importedModelsPredictAsXGBoostAndExportBack() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appending(path: "xgb.model").path
        let imported = try H.run(["ml", "import-xgboost", Self.xgboost.appending(path: "binary.json").path, "--out", model])
        #expect(imported.status == 0, "\(imported.stderr)")
        let scored = folder.appending(path: "scored.csv")
        let predicted = try H.run(["ml", "predict", "--model", model, "--data", Self.xgboost.appending(path: "binary_data.csv").path,
                                   "--out", scored.path, "--quiet"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: Self.xgboost.appending(path: "binary_predictions.json"))) as? [String: Any])
        let expected = try #require(reference["predictions"] as? [Double])
        let ours = try Self.probabilities(scored)
        #expect(ours.count == expected.count)
        // The CSV carries the probability to its printed precision; XGBoost's are float32.
        #expect(zip(ours, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        let exported = folder.appending(path: "back.json")
        let export = try H.run(["ml", "export-xgboost", model, "--out", exported.path])
        #expect(export.status == 0, "\(export.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: exported)) as? [String: Any])
        #expect(json["learner"] != nil)
    }

    @Test func refusalsAndMissingFeatureNamesHaveTheirExitCodes() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appending(path: "m.model").path
        let multiclass = try H.run(["ml", "import-xgboost", Self.xgboost.appending(path: "multiclass.json").path, "--out", out])
        #expect(multiclass.status == 65)
        #expect(multiclass.stderr.contains("multi"), "\(multiclass.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for a refused model")
        let nonames = Self.xgboost.appending(path: "nonames.json").path
        let unnamed = try H.run(["ml", "import-xgboost", nonames, "--out", out])
        #expect(unnamed.status == 64, "\(unnamed.stderr)")
        let named = try H.run(["ml", "import-xgboost", nonames, "--features", "a,b,c", "--out", out])
        #expect(named.status == 0, "\(named.stderr)")
    }

    @Test func quantizeNeedsDataForLogisticModels() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "churn.model").path
        let train = try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--positive", "Yes",
                               "--model", "logistic", "--out", model, "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        let q = folder.appending(path: "churn.q8").path
        let withoutData = try H.run(["ml", "quantize", model, "--bits", "8", "--out", q])
        #expect(withoutData.status == 64, "\(withoutData.stderr)")
        #expect(!FileManager.default.fileExists(atPath: q))
        let quantized = try H.run(["ml", "quantize", model, "--bits", "8", "--data", data.path, "--out", q])
        #expect(quantized.status == 0, "\(quantized.stderr)")
        #expect(FileManager.default.fileExists(atPath: q))
    }

    @Test func personasNameTheRuleThatFiredAndRefuseBadRuleFiles() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shoppers = H.root.appending(path: "Examples/personas/retail_shoppers.csv").path
        let out = folder.appending(path: "personas.csv")
        let run = try H.run(["ml", "personas", "--data", shoppers, "--rules", "retail", "--out", out.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let header = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix(",persona,persona_rule"))
        // Run on its own output: no two columns share a name.
        let again = folder.appending(path: "again.csv")
        let rerun = try H.run(["ml", "personas", "--data", out.path, "--rules", "retail", "--out", again.path, "--quiet"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let columns = try String(contentsOf: again, encoding: .utf8).split(separator: "\n").first.map { $0.split(separator: ",").map(String.init) } ?? []
        #expect(Set(columns).count == columns.count, "\(columns)")
        let rules = folder.appending(path: "bad.json")
        try #"{"rules": [{"id": "big", "label": "Big", "when": [{"feature": "spend", "op": "=>", "value": 1}]}]}"#
            .write(to: rules, atomically: true, encoding: .utf8)
        let bad = try H.run(["ml", "personas", "--data", shoppers, "--rules", rules.path, "--out", folder.appending(path: "x.csv").path])
        #expect(bad.status == 78, "\(bad.stderr)")
        #expect(bad.stderr.contains("big") && bad.stderr.contains("when[0].op"), "\(bad.stderr)")
    }
}
