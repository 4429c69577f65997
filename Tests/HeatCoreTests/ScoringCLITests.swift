import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 15 through the built `heatctl`: features with feature streams, masked labels, training,
/// `evaluate --model`, `scores release`, and the refusals.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct ScoringCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func scoringCommands() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = { (name: String) in folder.appending(path: name).path }
        let db = path("heat.db"), keys = path("keys")
        #expect(try run(["generate", "--clients", "80", "--managers", "4", "--branches", "2", "--weeks", "12", "--out", path("i.csv"),
                         "--clients-out", path("c.csv"), "--labels-out", path("labels.csv")]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--preset", "n8192-logq217-logt41"]).status == 0)
        #expect(try run(["ingest", path("i.csv"), "--store", db, "--keys", "\(keys)/collector", "--clients", path("c.csv"), "--features"]).status == 0)

        // Labels: raw ids in, masked references out (collector).
        let masked = try run(["labels", "pseudonymise", "--keys", "\(keys)/collector", "--labels", path("labels.csv"), "--out", path("masked.csv")])
        #expect(masked.status == 0)
        let maskedText = try String(contentsOf: URL(filePath: path("masked.csv")), encoding: .utf8)
        let rawIDs = try String(contentsOf: URL(filePath: path("labels.csv")), encoding: .utf8).split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: ",").first.map(String.init) }
        #expect(maskedText.hasPrefix("client_ref,churned,churn_week\n"))
        #expect(rawIDs.allSatisfy { !maskedText.contains($0 + ",") })

        // Features in the vault, joined with the masked labels.
        let features = try run(["features", "--store", db, "--keys", "\(keys)/keyholder", "--labels", path("masked.csv"), "--out", path("train.csv")])
        #expect(features.status == 0)
        let train = try String(contentsOf: URL(filePath: path("train.csv")), encoding: .utf8)
        let header = train.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header == (["client_ref"] + ChurnFeatureSet().names + ["churned", "churn_week"]).joined(separator: ","))
        #expect(train.split(separator: "\n").count == 81)
        // The evaluator's folder cannot decrypt features.
        #expect([64, 66].contains(try run(["features", "--store", db, "--keys", "\(keys)/evaluator", "--out", path("x.csv")]).status))
        #expect(!FileManager.default.fileExists(atPath: path("x.csv")))

        #expect(try run(["ml", "train", "--data", path("train.csv"), "--target", "churned", "--positive", "true", "--model", "logistic",
                         "--ignore", "churn_week", "--out", path("churn.model")]).status == 0)
        let evaluated = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", path("run.heat"),
                                 "--model", path("churn.model"), "--scores-out", path("scores.heat")])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdoutText.contains("scored"))

        let released = try run(["scores", "release", "--store", db, "--keys", "\(keys)/keyholder", "--scores", path("scores.heat"),
                                "--role", "executive", "--out", path("scores.json")])
        #expect(released.status == 0)
        let release = try JSONDecoder().decode(ScoreRelease.self, from: Data(contentsOf: URL(filePath: path("scores.json"))))
        #expect(release.clients == nil && !release.groups.isEmpty)
        #expect(release.features.count == 42)
        // The auditor may receive no scores (exit 77); the scores file is not a heat run (exit 65).
        #expect(try run(["scores", "release", "--store", db, "--keys", "\(keys)/keyholder", "--scores", path("scores.heat"),
                         "--role", "auditor", "--out", path("a.json")]).status == 77)
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", path("scores.heat"),
                         "--role", "executive", "--out", path("r.json")]).status == 65)
        // A gradient-boosted model scores the collector's encrypted split bits: without --tree-inputs
        // it is refused as a usage error (exit 64) before anything is evaluated.
        #expect(try run(["ml", "train", "--data", path("train.csv"), "--target", "churned", "--positive", "true", "--model", "gbdt",
                         "--ignore", "churn_week", "--rounds", "5", "--out", path("trees.model")]).status == 0)
        let runsBefore = try ComputationLog.runs(in: HeatStore(path: db)).count
        #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", path("run2.heat"),
                         "--model", path("trees.model"), "--scores-out", path("scores2.heat")]).status == 64)
        // The refused model is checked before evaluating: no run file, no scores, no computation-log entry.
        #expect(!FileManager.default.fileExists(atPath: path("run2.heat")))
        #expect(!FileManager.default.fileExists(atPath: path("scores2.heat")))
        #expect(try ComputationLog.runs(in: HeatStore(path: db)).count == runsBefore)

        // Labels with a column other than the label columns are refused (exit 65), naming the column only.
        try "client_id,churned,email\nC1,true,someone@example.com\n".write(toFile: path("leaky.csv"), atomically: true, encoding: .utf8)
        let leaky = try run(["labels", "pseudonymise", "--keys", "\(keys)/collector", "--labels", path("leaky.csv"), "--out", path("leaky-out.csv")])
        #expect(leaky.status == 65)
        #expect(leaky.stderr.contains("email") && !leaky.stderr.contains("someone@"))
        #expect(!FileManager.default.fileExists(atPath: path("leaky-out.csv")))
    }

    @Test("a corrupt quantized model is reported as corrupt (exit 65), not as \"not a gbdt model\"")
    func corruptQuantizedModelIsNotHidden() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appending(path: "broken.q8")
        try Envelope(kind: .quantizedModel, fingerprint: .none, payload: Data("{\"trees\": [".utf8)).write(to: model)
        let outcome = try run(["trees", "plan", "--model", model.path, "--out", folder.appending(path: "plan.json").path])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains(model.path), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("not a gbdt model"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "plan.json").path))
        // A missing model file is exit 66.
        #expect(try run(["trees", "plan", "--model", folder.appending(path: "absent.q8").path, "--out", folder.appending(path: "p.json").path]).status == 66)
    }
}
