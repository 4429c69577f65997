import Foundation
import HeatEnvelope
import Testing
@testable import HeatML

@Suite("Pipelines, persistence and bad input")
struct PipelineTests {
    static let csv = """
        customer_id,tenure,plan,monthly,churn
        00001,1,basic,20.5,Yes
        00002,30,gold,80.0,No
        00003,2,basic,25.0,Yes
        00004,40,gold,,No
        00005,5,silver,30.0,Yes
        00006,50,silver,90.0,No
        00007,3,basic,22.0,No
        00008,45,gold,85.0,Yes
        """

    static func table() throws -> DataTable { try DataTable(csv: Array(csv.utf8), source: "small.csv") }

    @Test(arguments: ["logistic", "gbdt"])
    func savedPipelineRoundTripsAndPredictsRawCSV(kind: String) throws {
        let table = try Self.table()
        let spec: ModelSpecification = kind == "logistic" ? .logistic(LogisticRegression()) : .gbdt(GradientBoostedTrees(rounds: 5, minChildWeight: 0.1))
        let pipeline = try ModelPipeline.fit(spec, on: table, target: "churn", positiveLabel: "Yes")
        #expect(pipeline.transformer.steps.map(\.column) == ["tenure", "plan", "monthly"])
        let directory = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appending(path: "m.model")
        try pipeline.save(to: url)
        let loaded = try ModelPipeline.load(from: url)
        #expect(loaded == pipeline)
        // A raw file with columns in another order, an unknown category and no target.
        let raw = "plan,monthly,tenure\nplatinum,50,10\nbasic,20,1\n"
        let rawURL = directory.appending(path: "new.csv")
        try Data(raw.utf8).write(to: rawURL)
        let probabilities = try loaded.predictProbabilities(try loaded.loadTable(from: rawURL))
        #expect(probabilities.count == 2)
        #expect(probabilities.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(try loaded.predictProbabilities(table) == pipeline.predictProbabilities(table))
    }

    @Test func wrongKindAndCorruptModelFilesAreRejected() throws {
        let directory = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appending(path: "key.bin")
        try Envelope(kind: .signingKey, payload: Data("{}".utf8)).write(to: url)
        #expect(throws: HeatMLError.self) { try ModelPipeline.load(from: url) }
        let garbage = directory.appending(path: "garbage.model")
        try Envelope(kind: .model, payload: Data("{\"nope\": 1}".utf8)).write(to: garbage)
        let error = #expect(throws: HeatMLError.self) { try ModelPipeline.load(from: garbage) }
        #expect(error?.category == .dataError)
        #expect(throws: HeatMLError.missingFile(path: directory.appending(path: "none.model").path)) {
            try ModelPipeline.load(from: directory.appending(path: "none.model"))
        }
    }

    @Test func missingTargetColumnIsAClearError() throws {
        let error = #expect(throws: HeatMLError.self) {
            try ModelPipeline.fit(.logistic(LogisticRegression()), on: Self.table(), target: "churned")
        }
        #expect(error == .missingColumn(source: "small.csv", column: "churned"))
        #expect(error?.description == "small.csv: no column named 'churned'")
    }

    @Test func singleClassTargetIsAClearError() throws {
        let table = try DataTable(csv: Array("x,y\n1,No\n2,No\n".utf8), source: "one.csv")
        let error = #expect(throws: HeatMLError.self) {
            try ModelPipeline.fit(.gbdt(GradientBoostedTrees()), on: table, target: "y")
        }
        #expect(error == .singleClass(context: "one.csv: target column 'y'", label: "No"))
    }

    @Test func nonNumericCellInANumericColumnIsAClearError() throws {
        let table = try Self.table()
        let pipeline = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: "churn")
        let directory = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appending(path: "bad.csv")
        try Data("tenure,plan,monthly\n3,basic,twenty\n".utf8).write(to: url)
        let error = #expect(throws: HeatMLError.self) { try pipeline.loadTable(from: url) }
        #expect(error == .badCell(source: url.path, line: 2, column: "monthly", value: "twenty", expected: .numeric))
    }

    @Test func emptyTableIsAClearError() throws {
        let directory = try FixtureLoader.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appending(path: "empty.csv")
        try Data("tenure,churn\n".utf8).write(to: url)
        let error = #expect(throws: HeatMLError.self) { try DataTable(contentsOf: url) }
        #expect(error == .emptyTable(source: url.path))
        #expect(error?.description.contains("no data rows") == true)
    }

    @Test func positiveLabelIsInferredOnlyFromAYesNoPair() throws {
        func target(_ labels: [String], positive: String? = nil) throws -> BinaryTarget {
            let column = try DataColumn(name: "outcome", type: .categorical, raw: labels)
            let table = try DataTable(columns: [column], source: "t.csv")
            return try BinaryTarget(column: column, positiveLabel: positive, table: table)
        }
        #expect(try target(["No", "Yes", "No"]).positiveLabel == "Yes")
        #expect(try target(["TRUE", "false"]).positiveLabel == "TRUE")
        #expect(try target(["0", "1"]).positiveLabel == "1")
        #expect(try target(["y", "N"]).positiveLabel == "y")
        let error = #expect(throws: HeatMLError.ambiguousPositiveLabel(column: "outcome", classes: ["Left", "Stayed"])) {
            try target(["Stayed", "Left", "Stayed"])
        }
        #expect(error?.category == .usage)
        #expect(error?.hint?.contains("--positive") == true)
        #expect(error?.description.contains("'Left' and 'Stayed'") == true)
        #expect(try target(["Stayed", "Left"], positive: "Left").positiveLabel == "Left")
        #expect(throws: HeatMLError.ambiguousPositiveLabel(column: "outcome", classes: ["1", "2"])) { try target(["1", "2"]) }
    }

    @Test func defaultPositiveLabelFollowsScikitLearn() throws {
        let table = try Self.table()
        let target = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: nil, table: table)
        #expect(target.positiveLabel == "Yes")
        #expect(throws: HeatMLError.unknownPositiveLabel(column: "churn", label: "Maybe", classes: ["No", "Yes"])) {
            try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Maybe", table: table)
        }
    }

    @Test func trainingRunReportsCrossValidationAndModelSection() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let run = try TrainingRun(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes", validation: .stratified(count: 3, seed: 1))
        let cv = try #require(run.cv)
        #expect(cv.folds.count == 3)
        #expect(cv.outOfFold.allSatisfy { !$0.isNaN })
        let object = try #require(try JSONSerialization.jsonObject(with: run.jsonData()) as? [String: Any])
        let mean = try #require((object["cv"] as? [String: Any])?["mean"] as? [String: Any])
        for key in ["rocAuc", "prAuc", "logLoss", "accuracy", "f1"] { #expect(mean[key] is Double, "cv.mean.\(key)") }
        let report = try #require(object["report"] as? [String: Any])
        #expect((report["confusion"] as? [[Int]])?.flatMap { $0 }.reduce(0, +) == 7043)
        #expect((report["roc"] as? [[Double]])?.first == [0, 0])
        #expect(run.report.importances.count == run.data.features)
    }

    @Test func trainingRunReportsOneStepPerFoldPlusTheFinalFit() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        final class Recorder: @unchecked Sendable { var calls: [[Int]] = [] }
        let recorder = Recorder()
        let run = try TrainingRun(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes",
                                  validation: .stratified(count: 3, seed: 1), progress: { recorder.calls.append([$0, $1]) })
        #expect(recorder.calls == [[0, 4], [1, 4], [2, 4], [3, 4], [4, 4]])
        let plain = try TrainingRun(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes",
                                    validation: .stratified(count: 3, seed: 1))
        #expect(run.cv?.pooled == plain.cv?.pooled)
        let single = Recorder()
        _ = try TrainingRun(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes",
                            progress: { single.calls.append([$0, $1]) })
        #expect(single.calls == [[0, 1], [1, 1]])
    }
}
