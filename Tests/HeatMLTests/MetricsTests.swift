import Foundation
import Testing
@testable import HeatML

@Suite("Metrics against scikit-learn")
struct MetricsTests {
    struct Case {
        let name: String
        let labels: [Int]
        let scores: [Double]
        let raw: [String: Any]
    }

    static func cases() throws -> [Case] {
        let root = try FixtureLoader.json("metrics")
        guard let cases = root["cases"] as? [[String: Any]] else { throw FixtureLoader.FixtureError(description: "no cases") }
        return try cases.map { Case(name: $0["name"] as? String ?? "?", labels: try FixtureLoader.ints($0["labels"]), scores: try FixtureLoader.doubles($0["scores"]), raw: $0) }
    }

    @Test func fixtureHasCases() throws {
        #expect(try Self.cases().count == 5)
    }

    @Test func aucAveragePrecisionAndLogLossMatchTo1e9() throws {
        for c in try Self.cases() {
            let auc = try rocAUC(labels: c.labels, scores: c.scores)
            let ap = try averagePrecision(labels: c.labels, scores: c.scores)
            #expect(abs(auc - ((c.raw["rocAuc"] as? Double) ?? .nan)) < 1e-9, "\(c.name) roc-auc \(auc)")
            #expect(abs(ap - ((c.raw["averagePrecision"] as? Double) ?? .nan)) < 1e-9, "\(c.name) average precision \(ap)")
            if let expected = c.raw["logLoss"] as? Double {
                #expect(abs(try logLoss(labels: c.labels, probabilities: c.scores) - expected) < 1e-9, "\(c.name) log loss")
            }
        }
    }

    @Test func thresholdMetricsAndConfusionMatch() throws {
        for c in try Self.cases() {
            guard let items = c.raw["atThreshold"] as? [[String: Any]] else { throw FixtureLoader.FixtureError(description: "no thresholds") }
            for item in items {
                let t = (item["threshold"] as? Double) ?? .nan
                let cm = try confusionMatrix(labels: c.labels, scores: c.scores, threshold: t)
                #expect(cm.rows == (item["confusion"] as? [[Int]]), "\(c.name) confusion at \(t)")
                #expect(abs(try accuracy(labels: c.labels, scores: c.scores, threshold: t) - ((item["accuracy"] as? Double) ?? .nan)) < 1e-9)
                #expect(abs(try precision(labels: c.labels, scores: c.scores, threshold: t) - ((item["precision"] as? Double) ?? .nan)) < 1e-9)
                #expect(abs(try recall(labels: c.labels, scores: c.scores, threshold: t) - ((item["recall"] as? Double) ?? .nan)) < 1e-9)
                #expect(abs(try f1Score(labels: c.labels, scores: c.scores, threshold: t) - ((item["f1"] as? Double) ?? .nan)) < 1e-9)
            }
        }
    }

    @Test func curvesMatchScikitLearnPoints() throws {
        for c in try Self.cases() {
            let roc = try rocCurve(labels: c.labels, scores: c.scores).map { [$0.x, $0.y] }
            let expectedROC = (c.raw["roc"] as? [[Double]]) ?? []
            #expect(roc.count == expectedROC.count, "\(c.name) roc points")
            for (a, b) in zip(roc, expectedROC) { #expect(abs(a[0] - b[0]) < 1e-12 && abs(a[1] - b[1]) < 1e-12) }
            let pr = try precisionRecallCurve(labels: c.labels, scores: c.scores).map { [$0.x, $0.y] }
            let expectedPR = (c.raw["pr"] as? [[Double]]) ?? []
            #expect(pr.count == expectedPR.count, "\(c.name) pr points")
            for (a, b) in zip(pr, expectedPR) { #expect(abs(a[0] - b[0]) < 1e-12 && abs(a[1] - b[1]) < 1e-12) }
        }
    }

    @Test func calibrationTableBinsRows() throws {
        let table = try calibrationTable(labels: [0, 0, 1, 1, 1], probabilities: [0.05, 0.15, 0.12, 0.95, 1.0], bins: 10)
        #expect(table.map(\.count) == [1, 2, 2])
        #expect(abs(table[1].meanPredicted - 0.135) < 1e-12)
        #expect(table[1].observedRate == 0.5)
        #expect(table[2].observedRate == 1)
        #expect(table.last?.upper == 1)
    }

    @Test func metricsRejectBadInput() {
        #expect(throws: HeatMLError.self) { try rocAUC(labels: [1, 1], scores: [0.2, 0.3]) }
        #expect(throws: HeatMLError.self) { try rocAUC(labels: [0, 1], scores: [0.2]) }
        #expect(throws: HeatMLError.self) { try logLoss(labels: [0, 1], probabilities: [0.2, 1.3]) }
        #expect(throws: HeatMLError.self) { try averagePrecision(labels: [0, 2], scores: [0.2, 0.3]) }
    }

    @Test func summaryMeanAndPopulationStandardDeviation() {
        let a = MetricSummary(rocAuc: 0.8, prAuc: 0.5, logLoss: 0.4, accuracy: 0.7, f1: 0.6, precision: 0.5, recall: 0.4)
        let b = MetricSummary(rocAuc: 0.6, prAuc: 0.3, logLoss: 0.6, accuracy: 0.9, f1: 0.4, precision: 0.7, recall: 0.2)
        let mean = MetricSummary.mean(of: [a, b])
        let std = MetricSummary.standardDeviation(of: [a, b])
        #expect(abs(mean.rocAuc - 0.7) < 1e-12)
        #expect(abs(std.rocAuc - 0.1) < 1e-12)
        #expect(abs(std.accuracy - 0.1) < 1e-12)
    }
}
