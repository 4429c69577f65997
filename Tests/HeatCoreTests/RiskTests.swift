import Foundation
import HeatEnvelope
import HeatML
import Testing
@testable import HeatCore

/// Risk scores, bands, reasons and next-action rules (issue 19).
struct RiskTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func example(_ path: String) -> URL { root.appending(path: "Examples/\(path)") }

    /// A small calibrated model on the first 800 telco rows (fast).
    static func model(_ specification: ModelSpecification) throws -> (CalibratedModel, DataTable) {
        let table = try DataTable(contentsOf: example("data/telco_churn.csv")).selectingRows(Array(0..<800))
        let labels = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Yes", table: table).labels
        let folds = try Folds.stratified(labels: labels, count: 3, seed: 5)
        return (try CalibratedModel.fit(specification, on: table, target: "churn", positiveLabel: "Yes", folds: folds), table)
    }

    @Test(arguments: ["logistic", "gbdt"])
    func reasonsSumWithTheBaseValueToTheMargin(kind: String) throws {
        let spec: ModelSpecification = kind == "logistic" ? .logistic(LogisticRegression()) : .gbdt(GradientBoostedTrees(rounds: 20, maxDepth: 3))
        let (model, table) = try Self.model(spec)
        let result = try RiskScorer(model: model, phrasebook: try ReasonPhrasebook.load(from: Self.example("risk/telco-phrasing.json"))).score(table, reasons: 3)
        let margins = try model.pipeline.explain(table).margins
        let probabilities = try model.pipeline.predictProbabilities(table)
        for row in 0..<table.rowCount {
            let total = result.baseMargin + result.contributions[row].reduce(0, +)
            #expect(abs(total - margins[row]) < 1e-9, "row \(row): base + reasons \(total) vs margin \(margins[row])")
            #expect(abs(result.rows[row].margin - CalibratedModel.logit(probabilities[row])) < 1e-6)
            // Points of all columns add up to the score minus the base score.
            let assessment = result.rows[row]
            #expect(assessment.score == Int((100 * assessment.probability).rounded()))
            #expect(assessment.reasons.count == 3)
            let magnitudes = assessment.reasons.map { abs($0.logOdds) }
            #expect(magnitudes == magnitudes.sorted(by: >))
        }
    }

    @Test func pointsAddUpToScoreMinusBaseScore() throws {
        let (model, table) = try Self.model(.logistic(LogisticRegression()))
        let result = try RiskScorer(model: model).score(table, reasons: 100)
        for row in result.rows.prefix(50) {
            let points = row.reasons.reduce(0) { $0 + $1.points }
            #expect(abs(points - (100 * row.probability - result.baseScore)) < 1e-6)
        }
    }

    @Test func bandsFollowTheirThresholdsExactly() throws {
        let bands = RiskBands.standard
        #expect(bands.band(for: 100) == .high)
        #expect(bands.band(for: 70) == .high)
        #expect(bands.band(for: 69) == .medium)
        #expect(bands.band(for: 40) == .medium)
        #expect(bands.band(for: 39) == .low)
        #expect(bands.band(for: 0) == .low)
        let custom = try RiskBands.parse(["high": .number(80), "medium": .number(20)], file: "b.json")
        #expect(custom.band(for: 79) == .medium)
        #expect(custom.band(for: 80) == .high)
        #expect(custom.band(for: 19) == .low)
        let (model, table) = try Self.model(.logistic(LogisticRegression()))
        let result = try RiskScorer(model: model, bands: custom).score(table, reasons: 0)
        for row in result.rows { #expect(row.band == (row.score >= 80 ? .high : (row.score >= 20 ? .medium : .low))) }
    }

    @Test(arguments: [
        (#"{"high": 70, "medium": 70}"#, "medium"),
        (#"{"high": 101}"#, "high"),
        (#"{"high": 0}"#, "high"),
        (#"{"high": 65.5}"#, "high"),
        (#"{"high": "70"}"#, "high"),
        (#"{"hihg": 70}"#, "hihg"),
    ])
    func badBandFilesNameTheField(json: String, field: String) throws {
        let object = try RiskConfigFile.object(Data(json.utf8), file: "bands.json")
        let error = #expect(throws: RiskError.self) { try RiskBands.parse(object, file: "bands.json") }
        guard let error, case .invalidField(_, _, let f, _) = error else { Issue.record("expected invalidField"); return }
        #expect(f == field && error.category.exitCode == 78)
    }

    @Test func phrasesFollowTheFile() throws {
        let book = try ReasonPhrasebook.load(from: Self.example("risk/telco-phrasing.json"))
        #expect(book.phrase(column: "tenure", value: "2", raises: true) == "only 2 months as a customer")
        #expect(book.phrase(column: "tenure", value: "60", raises: false) == "60 months as a customer")
        #expect(book.phrase(column: "contract", value: "Month-to-month", raises: true) == "no long-term contract")
        #expect(book.phrase(column: "contract", value: "Two year", raises: false) == "Two year contract")
        #expect(book.phrase(column: "gender", value: "x", raises: true) == "gender is x")
        #expect(throws: RiskError.self) { try ReasonPhrasebook.parse(["features": .object(["tenure": .object(["rises": .string("x")])])], file: "p.json") }
    }

    // MARK: next actions

    static let rowHighCooling: [String: String] = ["risk_band": "High", "cooling": "true", "weeks_since_meeting": "3"]

    @Test func theFirstRuleByPriorityFires() throws {
        let rules = try ActionRules.load(from: Self.example("risk/bank-actions.json"))
        func fire(_ row: [String: String]) -> String? { rules.evaluate { row[$0] }?.id }
        #expect(fire(Self.rowHighCooling) == "call-48h")
        #expect(fire(["risk_band": "High", "cooling": "false", "weeks_since_meeting": "13"]) == "senior-visit")
        #expect(fire(["risk_band": "High", "cooling": "false", "weeks_since_meeting": "12"]) == "check-in")
        #expect(fire(["risk_band": "Medium", "cooling": "false", "weeks_since_meeting": "13"]) == "review-meeting")
        #expect(fire(["risk_band": "Low", "cooling": "true", "weeks_since_meeting": "40"]) == "keep-warm")
        #expect(fire(["risk_band": "", "cooling": "true"]) == "none")
        // Priority beats file order: a low rule listed first does not shadow a high one.
        let data = Data(#"{"schema": "customerheat.actions/1", "rules": [{"id": "a", "priority": "low", "action": "x", "when": [{"field": "f", "atLeast": 1}]}, {"id": "b", "priority": "high", "action": "y", "when": [{"field": "f", "above": 1}]}]}"#.utf8)
        let ordered = try ActionRules.parse(data, file: "r.json")
        #expect(ordered.evaluate { _ in "2" }?.id == "b")
        #expect(ordered.evaluate { _ in "1" }?.id == "a")
        #expect(ordered.evaluate { _ in "0" } == nil)
    }

    @Test func defaultRuleFilesLoad() throws {
        #expect(try ActionRules.load(from: Self.example("risk/bank-actions.json")).rules.count == 5)
        #expect(try ActionRules.load(from: Self.example("risk/retail-actions.json")).rules.count == 5)
    }

    static let base = #"{"schema": "customerheat.actions/1", "rules": [RULES]}"#
    static let good = #"{"id": "r1", "priority": "high", "action": "Call", "when": [{"field": "risk_band", "equals": "High"}]}"#

    /// Every rule-file error: (file text, expected rule, expected field).
    static let ruleFileErrors: [(String, String?, String)] = [
        (#"{"rules": [GOOD]}"#, nil, "schema"),
        (#"{"schema": "customerheat.actions/2", "rules": [GOOD]}"#, nil, "schema"),
        (#"{"schema": "customerheat.actions/1", "rules": [GOOD], "extra": 1}"#, nil, "extra"),
        (#"{"schema": "customerheat.actions/1", "name": 3, "rules": [GOOD]}"#, nil, "name"),
        (#"{"schema": "customerheat.actions/1"}"#, nil, "rules"),
        (#"{"schema": "customerheat.actions/1", "rules": {}}"#, nil, "rules"),
        (#"{"schema": "customerheat.actions/1", "rules": []}"#, nil, "rules"),
        (base.replacingOccurrences(of: "RULES", with: "7"), "#1", "rule"),
        (base.replacingOccurrences(of: "RULES", with: #"{"priority": "high", "action": "x", "when": []}"#), "#1", "id"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "", "priority": "high", "action": "x"}"#), "#1", "id"),
        (base.replacingOccurrences(of: "RULES", with: "GOOD, GOOD"), "r1", "id"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "equals": 1}], "colour": "red"}"#), "r1", "colour"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "action": "x", "when": [{"field": "a", "equals": 1}]}"#), "r1", "priority"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "urgent", "action": "x", "when": [{"field": "a", "equals": 1}]}"#), "r1", "priority"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "when": [{"field": "a", "equals": 1}]}"#), "r1", "action"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": " ", "when": [{"field": "a", "equals": 1}]}"#), "r1", "action"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "note": 5, "when": [{"field": "a", "equals": 1}]}"#), "r1", "note"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x"}"#), "r1", "when"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": {}}"#), "r1", "when"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": []}"#), "r1", "when"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": ["a"]}"#), "r1", "when[0]"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"equals": 1}]}"#), "r1", "when[0].field"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": 2, "equals": 1}]}"#), "r1", "when[0].field"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "like": 1}]}"#), "r1", "when[0].like"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a"}]}"#), "r1", "when[0]"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "equals": 1, "atLeast": 2}]}"#), "r1", "when[0]"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "equals": [1]}]}"#), "r1", "when[0].equals"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "in": []}]}"#), "r1", "when[0].in"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "in": "High"}]}"#), "r1", "when[0].in"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "atLeast": "13"}]}"#), "r1", "when[0].atLeast"),
        (base.replacingOccurrences(of: "RULES", with: #"{"id": "r1", "priority": "high", "action": "x", "when": [{"field": "a", "below": true}]}"#), "r1", "when[0].below"),
        (#"{"schema": "customerheat.actions/1", "rules": [GOOD], "otherwise": {"id": "o", "priority": "low", "action": "x", "when": [{"field": "a", "equals": 1}]}}"#, "o", "when"),
        (#"{"schema": "customerheat.actions/1", "rules": [GOOD], "otherwise": {"id": "r1", "priority": "low", "action": "x"}}"#, "r1", "id"),
    ]

    @Test(arguments: ruleFileErrors.indices)
    func everyRuleFileErrorNamesRuleAndField(index: Int) throws {
        let (text, rule, field) = Self.ruleFileErrors[index]
        let data = Data(text.replacingOccurrences(of: "GOOD", with: Self.good).utf8)
        let error = #expect(throws: RiskError.self) { try ActionRules.parse(data, file: "actions.json") }
        guard let error, case .invalidField(let file, let r, let f, _) = error else { Issue.record("expected invalidField, got \(String(describing: error))"); return }
        #expect(file == "actions.json")
        #expect(r == rule)
        #expect(f == field)
        #expect(error.category.exitCode == 78, "\(error)")
        #expect(error.description.contains("\"\(field)\"") && (rule == nil || error.description.contains("rule \"\(rule ?? "")\"")))
    }

    @Test func notJSONAndUnknownDataFieldsAreConfigurationErrors() throws {
        #expect(throws: RiskError.notJSONObject(file: "a.json")) { try ActionRules.parse(Data("[1]".utf8), file: "a.json") }
        let rules = try ActionRules.parse(Data(Self.base.replacingOccurrences(of: "RULES", with: Self.good).utf8), file: "a.json")
        let error = #expect(throws: RiskError.self) { try rules.check(columns: ["tenure"], source: "data.csv") }
        #expect(error == .unknownDataField(file: "a.json", rule: "r1", field: "risk_band", source: "data.csv") && error?.category.exitCode == 78)
    }

    @Test func csvCellsThatLookLikeFormulasAreNeutralised() {
        #expect(CSVCell.neutralised("=1+1") == "'=1+1" && CSVCell.neutralised("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSVCell.neutralised("+x") == "'+x" && CSVCell.neutralised("-x: -3") == "'-x: -3")
        #expect(CSVCell.neutralised("-3.5") == "-3.5" && CSVCell.neutralised("plain") == "plain")
    }
}
