import Foundation
import HeatML
import Testing
@testable import HeatCore

/// Issue 19 follow-up: the risk model's calibration (reliability table) and the fraud metrics in
/// the results document and `heatctl report` (HTML, CSV / JSON tables), under the policy.
struct RiskReportTests {
    static func document() throws -> (ResultsDocument, CalibratedModel) {
        let table = try DataTable(contentsOf: RiskTests.example("data/telco_churn.csv")).selectingRows(Array(0..<800))
        let labels = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Yes", table: table).labels
        let folds = try Folds.stratified(labels: labels, count: 3, seed: 5)
        let model = try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn", positiveLabel: "Yes", folds: folds, evaluate: true)
        var document = ResultsDocument(generatedAt: UTCTimestamp(secondsSinceEpoch: 0), mode: .plaintext, asOf: CalendarDate(daysSinceEpoch: 0),
                                       role: "executive", policy: RiskPortfolioTests.policy.summary(epsilon: nil))
        document.riskModel = try RiskModelSection(model: model, source: "churn.risk", minGroupSize: 5)
        let log = FraudSimulator(customers: 400, days: 20, fraudShare: 0.08, seed: 3).transactions()
        document.fraudMetrics = try FraudModel.fit(BehaviourProfiler().profiles(of: log), k: 3, folds: 3, seed: 1,
                                                   measuredOn: "synthetic FraudSimulator seed 3").evaluation
        return (document, model)
    }

    @Test func calibrationAndFraudMetricsAreInTheReportAndTheExports() throws {
        let (document, model) = try Self.document()
        let section = try #require(document.riskModel)
        let evaluation = try #require(model.evaluation)
        #expect(section.brier == evaluation.brier && section.uncalibratedLogLoss == evaluation.uncalibratedLogLoss)
        #expect(section.rows == 800)
        // Each released bin is the evaluation's bin, and only bins of at least k rows are released.
        let nonEmpty = evaluation.reliability.filter { $0.count > 0 }
        #expect(section.reliability.count + section.withheldBins == nonEmpty.count)
        for row in section.reliability {
            let bin = try #require(nonEmpty.first { $0.lower == row.lower })
            #expect(row.rows == bin.count && row.rows >= 5 && row.observedRate == bin.observedRate && row.meanPredicted == bin.meanPredicted)
        }
        let html = HTMLReport(document: document, palette: .standard).render()
        for id in ["section-riskModel", "chart-risk-reliability", "section-fraudMetrics"] { #expect(html.contains("id=\"\(id)\""), "\(id)") }
        #expect(html.contains("Measured on synthetic FraudSimulator seed 3"))
        #expect(html.contains(ReportNumberFormat.plain(section.brier, decimals: 6)))
        // The footer stays last.
        #expect(ReportSection.present(in: document).last == .parameters)
        let tables = ReportTables.make(from: document)
        let reliability = try #require(tables.first { $0.name == "risk-reliability" })
        #expect(reliability.rows.count == section.reliability.count)
        let fraud = try #require(tables.first { $0.name == "fraud-metrics" })
        #expect(fraud.rows.count == 3)
        let decoded = try ResultsDocument.decode(try document.jsonData())
        #expect(decoded.riskModel == document.riskModel && decoded.fraudMetrics == document.fraudMetrics)
    }

    @Test func thePolicyNarrowsOrWithholdsModelStatistics() throws {
        let (document, model) = try Self.document()
        let engine = ReleaseEngine(policy: RiskPortfolioTests.policy)
        // The manager may not receive model statistics.
        let manager = try engine.restrict(document, to: "manager")
        #expect(manager.document.riskModel == nil && manager.document.fraudMetrics == nil)
        #expect(manager.withheld.contains { $0.item == "riskModel" && $0.rule == "roles.manager.model" })
        // A larger k withholds more reliability bins.
        let strict = try RiskModelSection(model: model, source: "m", minGroupSize: 5).narrowed(to: 150)
        #expect(strict.reliability.allSatisfy { $0.rows >= 150 })
        #expect(strict.reliability.count + strict.withheldBins == (document.riskModel?.reliability.count ?? 0) + (document.riskModel?.withheldBins ?? 0))
        #expect(strict.reliability.count < (document.riskModel?.reliability.count ?? 0))
        // A model fitted without its evaluation cannot fill the section.
        var bare = model
        bare.evaluation = nil
        #expect(throws: RiskError.self) { try RiskModelSection(model: bare, source: "bare.risk", minGroupSize: 5) }
    }
}
