import Foundation
import HeatML
import Testing
@testable import HeatCore

/// Issue 19 follow-up: the synthetic fraud is not separable by construction, and the
/// cross-validated comparison scales features inside each fold.
struct FraudRealismTests {
    /// Ordinary customers also burst, spike, buy at night and pay new counterparties; fraud often
    /// looks ordinary; labels are noisy. No single profile feature separates the classes, and the
    /// cross-validated models are good but far from perfect.
    @Test func theGeneratorOverlapsAndItsMetricsAreHonest() throws {
        let log = FraudSimulator(customers: 1_500, days: 30, fraudShare: 0.06, seed: 11).transactions()
        let profiles = BehaviourProfiler().profiles(of: log)
        let fraud = profiles.filter { $0.label == true }, ordinary = profiles.filter { $0.label == false }
        #expect(fraud.count > 40 && ordinary.count > 1_000)
        // Overlap feature by feature: some ordinary customers exceed the median fraud customer.
        for j in BehaviourProfile.featureNames.indices {
            let fraudMedian = fraud.map { $0.features[j] }.sorted()[fraud.count / 2]
            let above = ordinary.filter { $0.features[j] >= fraudMedian }.count
            #expect(above > 0, "feature \(BehaviourProfile.featureNames[j]) separates the classes")
        }
        // Ordinary bursts and night transactions exist; some fraud is unlabelled (label noise).
        #expect(ordinary.contains { $0.features[10] >= 3 })
        #expect(log.contains { $0.isFraud == false && $0.counterparty.hasPrefix("X") })
        let model = try FraudModel.fit(profiles, k: 3, folds: 3, seed: 1, measuredOn: "synthetic FraudSimulator seed 11")
        let e = try #require(model.evaluation)
        #expect(e.supervised.rocAuc > 0.7 && e.hybrid.rocAuc > 0.7, "\(e)")
        #expect(e.supervised.rocAuc < 0.99 && e.hybrid.rocAuc < 0.99 && e.anomalyOnly.rocAuc < 0.99, "near-perfect separation: \(e)")
        #expect(e.supervised.prAuc < 0.95, "\(e)")
    }

    /// The scaling of a fold comes from its training rows only: the training matrix is centred
    /// exactly, and changing a test row does not change the training matrix.
    @Test func foldScalingIsFittedOnTheTrainingRowsOnly() throws {
        let raw = try Matrix(rows: (0..<10).map { i in [Double(i), Double(i * i)] })
        let train = [0, 1, 2, 3, 4, 5, 6], test = [7, 8, 9]
        let (xTrain, xTest) = try FraudEvaluation.foldMatrices(raw: raw, train: train, test: test)
        for j in 0..<2 {
            #expect(abs(xTrain.column(j).reduce(0, +)) < 1e-9, "column \(j) of the training rows is not centred")
        }
        let mean = 3.0, sd = (28.0 / 7).squareRoot()   // 0...6: mean 3, population variance 4
        #expect(abs(xTest.row(0)[0] - (7 - mean) / sd) < 1e-12)
        var changed = (0..<10).map { raw.row($0) }
        changed[9] = [1_000, 1_000_000]
        let (again, _) = try FraudEvaluation.foldMatrices(raw: try Matrix(rows: changed), train: train, test: test)
        #expect(again == xTrain)
    }
}
