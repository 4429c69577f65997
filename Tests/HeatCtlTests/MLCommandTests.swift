import Foundation
import HeatCLITesting
import Testing

/// The `heatctl` executable built next to the tests, run through the test targets' one shared
/// runner (`HeatCLITesting.HeatctlRunner`) with `NO_COLOR=1`.
enum MLBuiltHeatctl {
    /// The built `heatctl`, or `nil`.
    static var url: URL? { HeatctlRunner.url }

    /// The repository root (for `Examples/data`).
    static var root: URL { HeatctlRunner.root }

    /// What one run produced (`status`, `stdout`, `stderr`, `text`).
    typealias Outcome = HeatctlRunner.Outcome

    /// Runs `heatctl` with arguments and collects its exit status and output.
    static func run(_ arguments: [String]) throws -> Outcome {
        try HeatctlRunner.run(arguments, environment: ["NO_COLOR": "1"])
    }

    /// A fresh temporary folder.
    static func makeFolder() throws -> URL {
        try HeatctlRunner.makeFolder(prefix: "heat-ml-cli")
    }

    /// A small labelled table: an identifier, two numeric columns (one with a gap), a categorical
    /// column and a `churn` target that depends on them (with some noise, so both classes mix).
    static func churnCSV(rows: Int = 80) -> String {
        var lines = ["customer_id,age,spend,plan,churn"]
        for i in 0..<rows {
            let age = 20 + (i * 7) % 50
            let spend = i % 11 == 0 ? "" : String(format: "%.2f", Double((i * 37) % 100) + 0.5)
            let plan = ["basic", "plus", "premium"][i % 3]
            let score = Double(age) / 70 + (plan == "basic" ? 0.4 : 0) + (i % 5 == 0 ? 0.5 : 0)
            lines.append(String(format: "%05d", i + 1) + ",\(age),\(spend),\(plan),\(score > 0.9 ? "Yes" : "No")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Runs the built `heatctl ml train | evaluate | predict`: outputs, JSON shape, and the exit code
/// and message of each error (DESIGN.md section 8: 64 usage, 65 bad data, 66 missing input).
@Suite(.enabled(if: MLBuiltHeatctl.url != nil, "heatctl is not built"))
struct MLCommandTests {
    typealias H = MLBuiltHeatctl

    @Test func trainJSONHasTheDocumentedShapeAndPredictKeepsRowsInOrder() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "churn.model").path
        let train = try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--positive", "Yes",
                               "--model", "logistic", "--cv", "3", "--out", model, "--json", "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: train.stdout) as? [String: Any])
        #expect(Set(object.keys) == ["model", "data", "cv", "report"], "the fitted pipeline goes to --out, not stdout")
        #expect(object["model"] as? String == "logistic")
        let summary = try #require(object["data"] as? [String: Any])
        #expect(summary["rows"] as? Int == 80)
        #expect(summary["positiveLabel"] as? String == "Yes")
        #expect(summary["featureColumns"] as? [String] == ["age", "spend", "plan"], "the zero-padded id is not a feature")
        let cv = try #require(object["cv"] as? [String: Any])
        #expect((cv["folds"] as? [Any])?.count == 3)
        let report = try #require(object["report"] as? [String: Any])
        #expect(report["metrics"] is [String: Any])

        let scored = folder.appending(path: "scored.csv").path
        let predict = try H.run(["ml", "predict", "--model", model, "--data", data.path, "--out", scored])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.isEmpty, "predict writes a file, nothing on stdout")
        let input = H.churnCSV().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let output = try String(contentsOfFile: scored, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(output.first == input[0] + ",probability")
        #expect(output.count == 81)
        for (index, line) in output.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.prefix(5).joined(separator: ",") == input[index + 1], "row \(index) kept verbatim and in order")
            let probability = try #require(Double(String(fields[5])))
            #expect(probability > 0 && probability < 1)
        }

        let evaluate = try H.run(["ml", "evaluate", "--model", model, "--data", data.path, "--target", "churn", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let evaluation = try #require(try JSONSerialization.jsonObject(with: evaluate.stdout) as? [String: Any])
        let metrics = try #require(evaluation["metrics"] as? [String: Any])
        let auc = try #require(metrics["rocAuc"] as? Double)
        #expect(auc > 0.7, "the target is learnable: ROC-AUC \(auc)")
    }

    @Test func missingDataFileExits66AndNamesThePath() throws {
        let result = try H.run(["ml", "train", "--data", "/nonexistent/heat-ml.csv", "--target", "churn", "--model", "gbdt"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("/nonexistent/heat-ml.csv: no such file"), "\(result.stderr)")
        let predict = try H.run(["ml", "predict", "--model", "/nonexistent/m.model", "--data", "x.csv", "--out", "/tmp/never.csv"])
        #expect(predict.status == 66)
        #expect(predict.stderr.contains("/nonexistent/m.model: no such file"), "\(predict.stderr)")
    }

    @Test func missingTargetColumnExits65AndNamesTheColumn() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let result = try H.run(["ml", "train", "--data", data.path, "--target", "churned", "--model", "logistic"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("no column named 'churned'"), "\(result.stderr)")
    }

    @Test func singleClassTargetExits65() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "one.csv")
        try "age,churn\n30,No\n40,No\n50,No\n".write(to: data, atomically: true, encoding: .utf8)
        let result = try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--model", "gbdt"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("target column 'churn'"), "\(result.stderr)")
        #expect(result.stderr.contains("only the class 'No'"), "\(result.stderr)")
    }

    @Test func badModelOptionExits64() throws {
        let result = try H.run(["ml", "train", "--data", "x.csv", "--target", "churn", "--model", "forest"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--model must be logistic or gbdt, not 'forest'"), "\(result.stderr)")
    }

    @Test func corruptModelFileExits65() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "churn.model")
        let train = try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--model", "gbdt", "--rounds", "5", "--out", model.path, "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        var bytes = try Data(contentsOf: model)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: model)
        let result = try H.run(["ml", "predict", "--model", model.path, "--data", data.path, "--out", folder.appending(path: "p.csv").path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(model.path): not a usable HeatML model"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "p.csv").path))

        let text = folder.appending(path: "text.model")
        try "not an envelope".write(to: text, atomically: true, encoding: .utf8)
        let garbage = try H.run(["ml", "evaluate", "--model", text.path, "--data", data.path, "--target", "churn"])
        #expect(garbage.status == 65)
    }

    @Test(arguments: ["logistic", "gbdt"])
    func predictExplainAddsRankedContributionsThatSumToTheLogOdds(model kind: String) throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "m.model").path
        #expect(try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--model", kind, "--rounds", "10", "--out", model, "--quiet"]).status == 0)
        let out = folder.appending(path: "explained.csv").path
        // 3 input columns (age, spend, plan; plan one-hot encoded as 3 features): 10 is clamped to 3,
        // and plan's levels are summed into one contribution named by the row's own plan.
        let result = try H.run(["ml", "predict", "--model", model, "--data", data.path, "--explain", "10", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        #expect(Array(header.suffix(11)) == ["probability", "expected_log_odds", "feature_1", "contribution_1", "effect_1",
                                             "feature_2", "contribution_2", "effect_2", "feature_3", "contribution_3", "effect_3"])
        let planColumn = try #require(header.firstIndex(of: "plan"))
        let ageColumn = try #require(header.firstIndex(of: "age"))
        for fields in lines.dropFirst() {
            let p = try #require(Double(fields[5]))
            let base = try #require(Double(fields[6]))
            let contributions = try stride(from: 8, to: 15, by: 3).map { try #require(Double(fields[$0])) }
            let named = Set(stride(from: 7, to: 15, by: 3).map { fields[$0] })
            #expect(named.contains("plan = \(fields[planColumn])"), "the row's own plan, not another level: \(named)")
            #expect(named.contains("age = \(fields[ageColumn])"))
            #expect(named.filter { $0.hasPrefix("plan") }.count == 1)
            for (contribution, effect) in zip(contributions, stride(from: 9, to: 16, by: 3).map { fields[$0] }) {
                #expect(effect == (contribution > 0 ? "raises" : contribution < 0 ? "lowers" : "none"))
            }
            #expect(abs(base + contributions.reduce(0, +) - log(p / (1 - p))) < 1e-8, "exact to rounding of p")
            #expect(zip(contributions, contributions.dropFirst()).allSatisfy { abs($0) >= abs($1) }, "largest first")
        }
        let bad = try H.run(["ml", "predict", "--model", model, "--data", data.path, "--explain", "0", "--out", out])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--explain must be at least 1"), "\(bad.stderr)")
    }
}
