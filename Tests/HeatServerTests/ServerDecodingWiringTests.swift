import Foundation
import HeatCore
import HeatML
import Testing
@testable import HeatServer

/// The fixes found by fuzzing the request decoders (`HeatAPI`), checked through the real server on
/// a loopback port: what a client sends reaches the model row for row, and the query and header
/// decoding the routes use is `HeatAPI`'s.
@Suite(.serialized) struct ServerDecodingWiringTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The telco example's first `count` data rows as a table and as JSON row objects (without `churn`).
    static func telco(rows count: Int) throws -> (table: DataTable, rows: [[String: String]]) {
        let csv = try String(contentsOf: root.appending(path: "Examples/data/telco_churn.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let table = try DataTable(csv: Array((lines.prefix(count + 1).joined(separator: "\n") + "\n").utf8), source: "telco")
        let rows = lines[1...count].map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
                .filter { $0.0 != "churn" })
        }
        return (table, rows)
    }

    static func fit(_ table: DataTable) throws -> CalibratedModel {
        let labels = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Yes", table: table).labels
        let folds = try Folds.stratified(labels: labels, count: 3, seed: 5)
        return try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes", folds: folds)
    }

    static func start(_ model: CalibratedModel) async throws -> (ServerFixture, LiveServer) {
        let fixture = try ServerFixture.make()
        let path = "\(fixture.root)/churn.model"
        try model.save(to: URL(filePath: path))
        var configuration = fixture.configuration()
        configuration.model = path
        return (fixture, try await LiveServer.start(configuration))
    }

    static func body(_ rows: [[String: String]]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["rows": rows, "reasons": 1] as [String: Any], options: [.sortedKeys]),
               as: UTF8.self)
    }

    /// Runs `body` against `live` and stops the server whether or not `body` throws (a failed
    /// `#require` must not leave a server on a loopback port for the rest of the run).
    static func running(_ live: LiveServer, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try? await live.stop()
            throw error
        }
        try await live.stop()
    }

    /// A text cell holding CR LF (one Swift `Character`) is one cell of one row: the server answers
    /// 200 with one row per request row (before the fix the cell was written unquoted, split its
    /// row, and the request was refused as a ragged table).
    @Test func aCRLFCellStaysInItsRow() async throws {
        let (table, rows) = try Self.telco(rows: 300)
        let (fixture, live) = try await Self.start(try Self.fit(table))
        try await Self.running(live) {
            var crlf = rows[0]
            crlf["contract"] = "two\r\nlines"
            let executive = try await fixture.token(role: "executive")
            let answer = try await live.post("/v1/score", token: executive, body: try Self.body([crlf, rows[1]]))
            #expect(answer.status == 200, "\(answer.text)")
            let scored = try #require(answer.json?["rows"] as? [[String: Any]])
            #expect(scored.count == 2)
            // The second row is answered as itself: the library's score of the same cells.
            let expected = try RiskScorer(model: try Self.fit(table)).score(table.selectingRows([1]), reasons: 1).rows
            #expect(scored.count == 2 && abs((scored[1]["probability"] as? Double ?? -1) - expected[0].probability) < 1e-12)
        }
    }

    /// For a model of one input column, a row with the cell missing keeps its place: three request
    /// rows get three answers, each for its own row (before the fix the missing row became a blank
    /// CSV line the reader skipped, so the answers were one fewer and shifted).
    @Test func aMissingOnlyRowOfAOneColumnModelKeepsItsPlace() async throws {
        let (full, _) = try Self.telco(rows: 300)
        let table = full.droppingColumns(Set(full.columns.map(\.name)).subtracting(["contract", "churn"]))
        let model = try Self.fit(table)
        let (fixture, live) = try await Self.start(model)
        try await Self.running(live) {
            let executive = try await fixture.token(role: "executive")
            let answer = try await live.post("/v1/score", token: executive, body: #"{"rows": [{}, {"contract": "Two year"}, {"contract": null}], "reasons": 0}"#)
            #expect(answer.status == 200, "\(answer.text)")
            let scored = try #require(answer.json?["rows"] as? [[String: Any]])
            #expect(scored.count == 3)
            let probabilities = scored.map { $0["probability"] as? Double ?? -1 }
            let twoYear = try DataTable(data: Data("contract\nTwo year\n".utf8), source: "row",
                                        options: .init(overrides: ["contract": .categorical], allowEmpty: true, categoryLimit: nil))
            let expected = try RiskScorer(model: model).score(twoYear, reasons: 0).rows[0].probability
            #expect(probabilities.count == 3)
            if probabilities.count == 3 {
                #expect(abs(probabilities[1] - expected) < 1e-12)
                #expect(probabilities[0] == probabilities[2])
                #expect(probabilities[0] != probabilities[1])
            }
        }
    }

    /// The routes decode their query with `HeatAPI` (`ClientsQuery`, `GroupsQuery`): a repeated
    /// parameter is refused, and the documented errors name the parameter, never the value.
    @Test func queryParametersAreDecodedByHeatAPI() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        try await Self.running(live) {
            let manager = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
            let repeated = try await live.get("/v1/clients?limit=1&limit=5000", token: manager)
            #expect(repeated.status == 400)
            #expect(repeated.errorCode == "invalid_field")
            #expect(repeated.text.contains("given more than once"))
            let kind = try await live.get("/v1/groups?kind=branch&kind=segment", token: manager)
            #expect(kind.status == 400 && kind.errorCode == "invalid_field")
            let level = try await live.get("/v1/clients?level=C-a0000001", token: manager)
            #expect(level.errorCode == "invalid_field")
            #expect(!level.text.contains("C-a0000001"))
            let limited = try await live.get("/v1/clients?limit=1", token: manager)
            #expect(((limited.data as? [[String: Any]]) ?? []).count == 1)
            let upper = try await live.get("/v1/clients?search=c-a0000002", token: manager)
            #expect(((upper.data as? [[String: Any]]) ?? []).count == 1)
            let noQuery = try await live.get("/v1/dashboard?x=1&x=1", token: manager)
            #expect(noQuery.errorCode == "unknown_field")
        }
    }

    /// The question limit the server is started with reaches `AskRequest.decode`.
    @Test func theConfiguredQuestionLimitReachesTheDecoder() async throws {
        let fixture = try ServerFixture.make()
        var limits = ServerLimits()
        limits.maxQuestionLength = 20
        let live = try await LiveServer.start(fixture.configuration(limits: limits))
        try await Self.running(live) {
            let token = try await fixture.token(role: "executive")
            let long = try await live.post("/v1/ask", token: token, body: #"{"question": "how many clients are there?"}"#)
            #expect(long.status == 400)
            #expect(long.text.contains("at most 20 characters"))
            let short = try await live.post("/v1/ask", token: token, body: #"{"question": "how many clients?"}"#)
            #expect(short.status == 200, "\(short.text)")
        }
    }
}
