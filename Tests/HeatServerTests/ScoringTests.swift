import Foundation
import HeatCore
import HeatML
import Testing
@testable import HeatServer

/// `POST /v1/score` answers exactly what `RiskScorer` computes on the same rows.
@Suite(.serialized) struct ScoringTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func scoresEqualTheLibraryAndLimitsHold() async throws {
        let csv = try String(contentsOf: Self.root.appending(path: "Examples/data/telco_churn.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let table = try DataTable(csv: Array((lines.prefix(301).joined(separator: "\n") + "\n").utf8), source: "telco")
        let labels = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Yes", table: table).labels
        let folds = try Folds.stratified(labels: labels, count: 3, seed: 5)
        let model = try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes", folds: folds)
        let fixture = try ServerFixture.make()
        let modelPath = "\(fixture.root)/churn.model"
        try model.save(to: URL(filePath: modelPath))
        var configuration = fixture.configuration()
        configuration.model = modelPath
        configuration.limits.maxScoreRows = 5
        let live = try await LiveServer.start(configuration)

        // Three rows as JSON objects with the CSV's own cells (the target column left out).
        let sample = lines[1...3].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let rows: [[String: String]] = sample.map { cells in
            Dictionary(uniqueKeysWithValues: zip(header, cells).filter { $0.0 != "churn" })
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["rows": rows, "reasons": 2] as [String: Any], options: [.sortedKeys]), as: UTF8.self)
        let executive = try await fixture.token(role: "executive")
        let answer = try await live.post("/v1/score", token: executive, body: body)
        #expect(answer.status == 200, "\(answer.text)")
        let scored = try #require(answer.json?["rows"] as? [[String: Any]])
        let expected = try RiskScorer(model: model).score(table.selectingRows([0, 1, 2]), reasons: 2).rows
        #expect(scored.count == 3)
        for (row, assessment) in zip(scored, expected) {
            // The same model on the same cells; the server's table has only the model's columns, so
            // floating-point sums may differ in the last place.
            #expect(abs((row["probability"] as? Double ?? -1) - assessment.probability) < 1e-12)
            #expect(row["score"] as? Int == assessment.score)
            #expect(row["band"] as? String == assessment.band.rawValue)
            #expect((row["reasons"] as? [Any])?.count == 2)
        }

        // Limits and refusals.
        let many = String(decoding: try JSONSerialization.data(withJSONObject: ["rows": Array(repeating: rows[0], count: 6)]), as: UTF8.self)
        let tooMany = try await live.post("/v1/score", token: executive, body: many)
        #expect(tooMany.status == 413)
        #expect(tooMany.errorCode == "too_many_rows")
        let unknown = try await live.post("/v1/score", token: executive, body: #"{"rows": [{"tenure": 3, "clientName": "x"}]}"#)
        #expect(unknown.errorCode == "unknown_field")
        let empty = try await live.post("/v1/score", token: executive, body: #"{"rows": []}"#)
        #expect(empty.errorCode == "invalid_field")
        let manager = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        let forbidden = try await live.post("/v1/score", token: manager, body: body)
        #expect(forbidden.status == 403)
        try await live.stop()
    }
}
