import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// `heatctl risk` and `heatctl fraud` as a user runs them (issue 19): outputs, exit codes 65 / 77 / 78.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct RiskCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { root.appending(path: p).path }

    @Test func fitScoreRecommendAndPortfolio() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "sample.csv").path
        let lines = try String(contentsOfFile: Self.path("Examples/data/telco_churn.csv"), encoding: .utf8).split(separator: "\n")
        try (lines.prefix(601).joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "m.risk").path
        let fit = try run(["risk", "fit", "--data", data, "--target", "churn", "--positive", "Yes", "--cv", "3", "--out", model, "--json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdoutText.contains("\"brier\""))
        let scores = folder.appending(path: "scores.csv").path
        let score = try run(["risk", "score", "--model", model, "--data", data, "--phrasing", Self.path("Examples/risk/telco-phrasing.json"), "--out", scores])
        #expect(score.status == 0, "\(score.stderr)")
        let header = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n")[0]
        #expect(header.hasSuffix("risk_probability,risk_score,risk_band,log_odds,base_log_odds,reason_1,reason_1_column,reason_1_log_odds,reason_2,reason_2_column,reason_2_log_odds,reason_3,reason_3_column,reason_3_log_odds"))
        // explain: one row's reasons, all columns, summing with the base to its log-odds.
        let explain = try run(["risk", "explain", "--model", model, "--data", data, "--row", "3", "--json"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdoutText.contains("\"baseMargin\"") && explain.stdoutText.contains("\"ref\" : \"row 3\""))
        #expect(try run(["risk", "explain", "--model", model, "--data", data, "--client", "C-12345678"]).status == 64)
        #expect(try run(["risk", "explain", "--model", model, "--data", data, "--row", "100000"]).status == 64)
        // Bad bands file: exit 78 naming the field.
        let bands = folder.appending(path: "bands.json").path
        try #"{"high": 30, "medium": 40}"#.write(toFile: bands, atomically: true, encoding: .utf8)
        let badBands = try run(["risk", "score", "--model", model, "--data", data, "--bands", bands, "--out", scores])
        #expect(badBands.status == 78 && badBands.stderr.contains("\"medium\""))
        // Recommend from the scored file; a rule on a missing column is exit 78 naming rule and field.
        let actions = folder.appending(path: "actions.csv").path
        let recommend = try run(["risk", "recommend", "--rules", Self.path("Examples/risk/retail-actions.json"), "--data", scores, "--out", actions])
        #expect(recommend.status == 0, "\(recommend.stderr)")
        #expect(try String(contentsOfFile: actions, encoding: .utf8).split(separator: "\n")[0].hasSuffix(",action,action_priority,action_rule"))
        let bank = try run(["risk", "recommend", "--rules", Self.path("Examples/risk/bank-actions.json"), "--data", scores, "--out", actions])
        #expect(bank.status == 78 && bank.stderr.contains("rule \"call-48h\": field \"cooling\""))
        // Portfolio: executive released, auditor refused (77).
        let portfolio = folder.appending(path: "p.json").path
        let released = try run(["risk", "portfolio", "--scores", scores, "--policy", Self.path("Examples/policy.json"), "--role", "executive",
                                "--group", "segment=contract", "--out", portfolio])
        #expect(released.status == 0, "\(released.stderr)")
        #expect(try ResultsDocument.decode(Data(contentsOf: URL(filePath: portfolio))).riskPortfolio?.groups.count == 3)
        let refused = try run(["risk", "portfolio", "--scores", scores, "--policy", Self.path("Examples/policy.json"), "--role", "auditor", "--out", portfolio])
        #expect(refused.status == 77)
    }

    @Test func fraudCommandsRejectBadRowsWithExit65() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appending(path: "tx.csv").path
        #expect(try run(["fraud", "generate", "--customers", "300", "--days", "20", "--fraud-share", "0.1", "--out", log]).status == 0)
        let alerts = folder.appending(path: "alerts.csv").path
        let saved = folder.appending(path: "fraud.model")
        let scored = try run(["fraud", "score", "--transactions", log, "--save-model", saved.path, "--out", alerts])
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdoutText.contains("measured on the synthetic"))
        // A crafted model whose first forest node is its own child used to hang `fraud score`.
        let envelope = try Envelope.read(from: saved, expecting: .fraudModel)
        let text0 = try #require(String(data: envelope.payload, encoding: .utf8))
        let looped = try #require(text0.range(of: #""left":1,"#))
        let crafted = folder.appending(path: "crafted.model")
        try Envelope(kind: .fraudModel, payload: Data(text0.replacingCharacters(in: looped, with: #""left":0,"#).utf8)).write(to: crafted)
        let refused = try run(["fraud", "score", "--transactions", log, "--model", crafted.path, "--out", alerts])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("reached twice"), "\(refused.stderr)")
        var text = try String(contentsOfFile: log, encoding: .utf8)
        text += "PRIVATE-CUSTOMER,2026-13-01T00:00:00Z,5,card,P1,0\n"
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let profile = try run(["fraud", "profile", "--transactions", log, "--out", folder.appending(path: "p.csv").path])
        #expect(profile.status == 65)
        #expect(profile.stderr.contains("occurred_at") && !profile.stderr.contains("PRIVATE-CUSTOMER"))
    }

    /// Issue 19 follow-up: raw branch labels are refused (exit 65, not echoed), masked with
    /// --keys; --store records the release in the ledger and needs --id-column.
    @Test func portfolioBranchLabelsAndTheLedger() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scores = folder.appending(path: "scores.csv").path
        var csv = "client_id,branch,risk_score,risk_band\n"
        for i in 0..<24 { csv += "c\(i),\(i < 12 ? "BRANCH-NORTH-9" : "BRANCH-SOUTH-2"),\(i % 3 == 0 ? 80 : 20),\(i % 3 == 0 ? "High" : "Low")\n" }
        try csv.write(toFile: scores, atomically: true, encoding: .utf8)
        let out = folder.appending(path: "p.json").path
        let policy = Self.path("Examples/policy.json")
        let raw = try run(["risk", "portfolio", "--scores", scores, "--policy", policy, "--role", "executive", "--group", "branch=branch", "--out", out])
        #expect(raw.status == 65)
        #expect(raw.stderr.contains("line 2") && raw.stderr.contains("\"branch\"") && !raw.stderr.contains("NORTH"), "\(raw.stderr)")
        let keys = folder.appending(path: "keys").path
        #expect(try run(["keys", "generate", "--out", keys]).status == 0)
        let db = folder.appending(path: "heat.db").path
        #expect(try run(["init", "--store", db]).status == 0)
        let noID = try run(["risk", "portfolio", "--scores", scores, "--policy", policy, "--role", "executive", "--group", "branch=branch",
                            "--keys", "\(keys)/collector", "--store", db, "--out", out])
        #expect(noID.status == 64)
        let masked = try run(["risk", "portfolio", "--scores", scores, "--policy", policy, "--role", "executive", "--group", "branch=branch",
                              "--keys", "\(keys)/collector", "--store", db, "--id-column", "client_id", "--out", out])
        #expect(masked.status == 0, "\(masked.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains("NORTH") && !text.contains("SOUTH"))
        let groups = try #require(try ResultsDocument.decode(Data(contentsOf: URL(filePath: out))).riskPortfolio?.groups)
        #expect(groups.count == 2 && groups.allSatisfy { PortfolioScoresReader.isMaskedBranchRef($0.ref) })
        let log = try run(["audit", "log", "--store", db, "--kind", "release", "--json"])
        #expect(log.stdoutText.contains("riskPortfolio"))
    }
}
