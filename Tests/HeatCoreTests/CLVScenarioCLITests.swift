import Crypto
import Foundation
import Testing
@testable import HeatCore

/// Runs the built `heatctl` for `clv` and `scenario`: JSON output, reject reports and exit codes,
/// and the store's bytes before and after a scenario run.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct CLVScenarioCLITests {
    typealias Outcome = BuiltHeatctl.Outcome

    func run(_ arguments: [String]) throws -> Outcome { try BuiltHeatctl.run(arguments) }

    static var root: URL { URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    @Test func clvCommandsFitEvaluateAndRejectBadRows() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = Self.root.appending(path: "Examples/data/cdnow_sample_transactions.csv").path
        let evaluate = try run(["clv", "evaluate", "--transactions", sample, "--amount-column", "dollar_value",
                                "--calibration-end", "1997-09-30", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let report = try JSONSerialization.jsonObject(with: evaluate.stdout) as? [String: Any]
        let evaluation = report?["evaluation"] as? [String: Any]
        #expect((evaluation?["groups"] as? [Any])?.count == 8)
        #expect((evaluation?["customers"] as? Int) == 2357)

        let predictions = folder.appending(path: "clv.csv").path
        let predict = try run(["clv", "predict", "--transactions", sample, "--amount-column", "dollar_value",
                               "--calibration-end", "1997-09-30", "--horizon", "39", "--out", predictions, "--quiet"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let lines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2358)
        #expect(lines.first == "customer_id,frequency,recency,T,monetary,expected_purchases,p_alive,p_purchase,expected_average_value,clv")
        #expect(lines.dropFirst().first?.hasPrefix("00004,") == true)  // ids keep their leading zeros

        let bad = folder.appending(path: "bad.csv").path
        // The sample log with one bad row appended (line 6921).
        try (Data(contentsOf: URL(filePath: sample)) + Data("SECRET-ID,not-a-date,1,3.0\n".utf8)).write(to: URL(filePath: bad))
        let rejected = try run(["clv", "fit", "--transactions", bad, "--amount-column", "dollar_value", "--json"])
        #expect(rejected.status == 65)
        #expect(rejected.stderr.contains("bad.csv:6921: column 'date'"))
        #expect(!rejected.stderr.contains("SECRET-ID"))
        #expect(try JSONSerialization.jsonObject(with: rejected.stdout) is [String: Any])  // the good rows were still fitted
        #expect(try run(["clv", "fit", "--transactions", bad, "--amount-column", "dollar_value", "--strict"]).status == 65)
        #expect(try run(["clv", "fit", "--transactions", folder.appending(path: "none.csv").path]).status == 66)
        #expect(try run(["clv", "evaluate", "--transactions", bad]).status == 64)
    }

    static func sha256(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(filePath: path))).map { String(format: "%02x", $0) }.joined()
    }

    @Test func scenarioRunsFromTheStoreWithoutChangingItAndFromAnExport() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appending(path: "in.csv").path, clients = folder.appending(path: "clients.csv").path
        let db = folder.appending(path: "heat.db").path, keys = folder.appending(path: "keys").path
        #expect(try run(["generate", "--clients", "60", "--managers", "6", "--branches", "2", "--weeks", "20", "--seed", "3",
                         "--out", input, "--clients-out", clients, "--quiet"]).status == 0)
        #expect(try run(["init", "--store", db, "--quiet"]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--quiet"]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clients, "--plaintext", "--quiet"]).status == 0)
        let files = [db, db + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        let before = try files.map(Self.sha256)

        let first = folder.appending(path: "r1.json").path, second = folder.appending(path: "r2.json").path
        for out in [first, second] {
            let outcome = try run(["scenario", "run", "attrition-wave", "--store", db, "--keys", "\(keys)/keyholder", "--seed", "7",
                                   "--out", out, "--quiet"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        #expect(try files.map(Self.sha256) == before)
        let a = try ResultsDocument.decode(Data(contentsOf: URL(filePath: first)))
        let b = try ResultsDocument.decode(Data(contentsOf: URL(filePath: second)))
        #expect(a.scenario != nil && a.scenario == b.scenario)
        #expect(a.scenario?.source == "store")

        // The wrong role's folder is refused.
        #expect(try run(["scenario", "run", "recession", "--store", db, "--keys", "\(keys)/collector", "--json"]).status == 64)

        let export = try run(["scenario", "run", "recession", "--data", input, "--clients", clients, "--seed", "7", "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let document = try ResultsDocument.decode(export.stdout)
        #expect(document.scenario?.source == "export")
        #expect(document.scenario?.before.clients == 60)

        let shock = folder.appending(path: "shock.json").path
        try Data(#"{"name": "closure", "weeks": 4, "channels": {"meetng": 0.1}}"#.utf8).write(to: URL(filePath: shock))
        let bad = try run(["scenario", "run", "--file", shock, "--data", input, "--json"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("channels.meetng"))
        #expect(try run(["scenario", "run", "no-such", "--data", input, "--json"]).status == 64)
        #expect(try run(["scenario", "list"]).stdoutText.contains("health-crisis"))
    }
}
