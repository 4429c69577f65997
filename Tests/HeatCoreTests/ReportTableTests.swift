import Foundation
import Testing
@testable import HeatCore

@Suite struct ReportTableTests {
    @Test func csvQuotesCommasQuotesAndLineBreaksAndNeutralisesFormulas() {
        let table = ReportTable(
            name: "t", title: "T", columns: ["label", "n", "x", "flag", "none"],
            rows: [
                [.text("plain"), .integer(3), .number(0.5), .boolean(true), .empty],
                [.text("a,b"), .integer(-4), .number(2), .boolean(false), .empty],
                [.text("say \"hi\""), .integer(0), .number(1.0 / 3), .boolean(false), .empty],
                [.text("two\nlines"), .integer(1), .number(-0.25), .boolean(true), .empty],
                [.text("=SUM(A1)"), .integer(1), .number(1e-9), .boolean(true), .empty],
            ])
        let lines = table.csv().components(separatedBy: "\r\n")
        #expect(lines[0] == "label,n,x,flag,none")
        #expect(lines[1] == "plain,3,0.5,true,")
        #expect(lines[2] == "\"a,b\",-4,2,false,")
        #expect(lines[3] == "\"say \"\"hi\"\"\",0,0.333333,false,")
        #expect(lines[4] == "\"two\nlines\",1,-0.25,true,")
        #expect(lines[5] == "'=SUM(A1),1,0,true,")
        #expect(table.csv().hasSuffix("\r\n"))
    }

    @Test(arguments: [
        (0.5, 6, "0.5"), (12.0, 6, "12"), (1.0 / 3, 3, "0.333"), (-0.0001, 2, "0"), (2.675, 1, "2.7"),
        (1_234_567.0, 2, "1234567"), (Double.nan, 2, "NaN"), (-Double.infinity, 2, "-inf"),
    ])
    func plainNumbers(value: Double, decimals: Int, expected: String) {
        #expect(ReportNumberFormat.plain(value, decimals: decimals) == expected)
    }

    @Test func groupedAndPercent() {
        #expect(ReportNumberFormat.grouped(1_234_567) == "1\u{202F}234\u{202F}567")
        #expect(ReportNumberFormat.grouped(-999) == "-999")
        #expect(ReportNumberFormat.percent(1, of: 8) == "12.5\u{202F}%")
        #expect(ReportNumberFormat.percent(1, of: 0) == "–")
    }

    @Test func tablesFollowTheDocumentsSections() throws {
        let full = try ReportFixtures.full()
        let names = ReportTables.make(from: full).map(\.name)
        #expect(names == [
            "run", "population-summary", "population-levels", "heat-histogram", "weekly-engagement", "groups",
            "clients", "personas", "model-metrics", "model-roc", "model-pr", "model-confusion",
            "model-calibration", "model-importances", "scenario-summary", "scenario-transitions", "scenario-groups",
            "risk-portfolio-groups", "risk-concentration",
        ])
        let executive = try ReportFixtures.executive()
        let executiveNames = ReportTables.make(from: executive).map(\.name)
        #expect(!executiveNames.contains("clients"))
        #expect(!executiveNames.contains { $0.hasPrefix("model") })
    }

    @Test func everyRowHasOneCellPerColumnAndValuesMatchTheDocument() throws {
        let document = try ReportFixtures.full()
        let tables = Dictionary(uniqueKeysWithValues: ReportTables.make(from: document).map { ($0.name, $0) })
        for table in tables.values {
            for row in table.rows { #expect(row.count == table.columns.count, "\(table.name)") }
        }
        let clients = try #require(tables["clients"])
        #expect(clients.rows.count == document.clients?.count)
        #expect(clients.columns == ["ref", "attention", "reasons", "heat", "trend", "level", "cooling", "churnRisk", "persona"])
        let attention = clients.rows.map { $0[1] == .boolean(true) }
        #expect(attention.contains(true) && attention.contains(false))
        #expect(attention == attention.sorted { $0 && !$1 }, "clients who need attention come first")
        let levels = try #require(tables["population-levels"])
        let population = try #require(document.population)
        #expect(levels.rows.map { $0[1] } == HeatLevel.allCases.map { .integer(population.levels[$0] ?? 0) })
        let confusion = try #require(tables["model-confusion"])
        #expect(confusion.rows[1] == [.text("positive"), .integer(20), .integer(36)])
        let run = try #require(tables["run"])
        #expect(run.rows.contains([.text("auditRun"), .text("run-000042-7f3a9c2e")]))
        #expect(run.rows.contains([.text("policy.epsilon"), .empty]))
    }

    @Test func shortCurvePointsArePaddedNotDropped() {
        var document = ReportFixtures.minimal()
        document.model = ModelSection(kind: "gbdt", metrics: [:], roc: [[0.1]], confusion: [[1], [2, 3]])
        let tables = Dictionary(uniqueKeysWithValues: ReportTables.make(from: document).map { ($0.name, $0) })
        #expect(tables["model-roc"]?.rows == [[.number(0.1), .empty]])
        #expect(tables["model-confusion"]?.rows == [[.text("negative"), .integer(1), .empty],
                                                    [.text("positive"), .integer(2), .integer(3)]])
    }

    @Test func configurationsOfAnyShapeAreFlattened() {
        struct Sample: Encodable {
            var halfLifeWeeks = 10
            var cap = 63
            var strict = true
            var name = "default"
            var ratio = 0.15
            var weights = ["call": ["inbound": 4, "outbound": 3]]
            var thresholds = [100, 1000]
            var optional: Int? = nil
        }
        let pairs = ReportTables.flattenedParameters(of: Sample())
        let map = Dictionary(uniqueKeysWithValues: pairs)
        #expect(pairs.map(\.0) == pairs.map(\.0).sorted())
        #expect(map["halfLifeWeeks"] == .integer(10))
        #expect(map["strict"] == .boolean(true))
        #expect(map["name"] == .text("default"))
        #expect(map["ratio"] == .number(0.15))
        #expect(map["weights.call.inbound"] == .integer(4))
        #expect(map["thresholds[1]"] == .integer(1000))
        #expect(ReportTables.flattenedParameters(of: Optional<Sample>.none).isEmpty)
    }
}
