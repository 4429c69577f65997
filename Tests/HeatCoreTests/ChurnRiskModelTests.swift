import Foundation
import Testing
import HeatML
@testable import HeatCore

@Suite struct ChurnRiskModelTests {
    @Test func featuresFollowTheDocumentedDefinitions() {
        let score = HeatScore(clientID: "A", heat: 999, trend: -2_000, level: .cool, cooling: true)
        let features = ChurnRiskModel.features(of: score)
        #expect(features.count == ChurnRiskModel.featureNames.count)
        #expect(abs(features[0] - log(1_000.0)) < 1e-12)
        #expect(features[1] == -2)  // -2000 / 1000
        #expect(features[2] == 1)
        #expect(features[3] == 1)  // cool
        #expect(ChurnRiskModel.features(of: HeatScore(clientID: "B", heat: 0, trend: 50, level: .cold, cooling: false))[1] == 4)  // clipped
    }

    @Test func evaluatesOutOfFoldOnTheSyntheticBankAndFillsEveryPart() throws {
        let dataset = SyntheticBank(clients: 600, managers: 10, branches: 3, weeks: 40, seed: 11).generate()
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: HeatConfiguration())
        let churned = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned) })
        let section = try ChurnRiskModel().evaluate(scores: run.scores, churned: churned)
        let again = try ChurnRiskModel().evaluate(scores: run.scores, churned: churned)
        #expect(section == again)  // deterministic for a seed
        #expect(section.kind == "logistic-churn-risk")
        let auc = try #require(section.metrics["rocAuc"])
        #expect(auc > 0.7 && auc <= 1)  // heat carries a real churn signal in the generator
        let confusion = try #require(section.confusion)
        #expect(confusion.flatMap { $0 }.reduce(0, +) == 600)
        #expect(confusion[1][0] + confusion[1][1] == dataset.labels.filter(\.churned).count)
        #expect(section.importances?.count == 4)
        #expect(section.importances?.map(\.value) == section.importances?.map(\.value).sorted(by: >))
        #expect((section.calibration ?? []).reduce(0) { $0 + $1.count } == 600)
        #expect(section.roc?.first == [0, 0] && section.roc?.last == [1, 1])
    }

    @Test func outOfFoldMetricsEqualHeatMLsMetricsOnTheSameProbabilities() throws {
        // The mapping from HeatML's report keeps every number.
        let labels = [0, 0, 1, 1, 0, 1, 0, 1]
        let probabilities = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7]
        let report = try ModelReport(kind: "k", labels: labels, probabilities: probabilities, importances: [])
        let section = ModelSection(report: report)
        #expect(section.metrics["rocAuc"] == (try rocAUC(labels: labels, scores: probabilities)))
        #expect(section.confusion == report.confusion)
        #expect(section.roc == report.roc && section.pr == report.pr)
        #expect(section.calibration?.map(\.count) == report.calibration.map(\.count))
    }

    @Test func refusesTooFewLabelledClients() {
        let scores = (0..<6).map { HeatScore(clientID: "C\($0)", heat: $0 * 100, trend: 0, level: .cold, cooling: false) }
        let churned = Dictionary(uniqueKeysWithValues: scores.map { ($0.clientID, $0.heat > 300) })
        #expect(throws: HeatMLError.self) { try ChurnRiskModel().evaluate(scores: scores, churned: churned) }
    }
}
