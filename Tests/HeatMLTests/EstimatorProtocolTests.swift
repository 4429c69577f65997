import Testing
@testable import HeatML

/// `Clusterer` and `OutlierDetector` (issue 25, item 1): fitted by a static `fit`, usable
/// generically, and equal to the mutating `fit` they wrap.
@Suite struct EstimatorProtocolTests {
    static let points: [[Double]] = [
        [0, 0], [10, 11], [0, 1], [10, 10], [0.5, 0.5], [9.5, 10.5], [0.2, 0.1], [40, -30],
    ]

    func clusterLabels<C: Clusterer>(_ clusterer: C, _ x: Matrix) throws(HeatMLError) -> [Int] {
        try clusterer.fitted(to: x).labels
    }

    func flags<D: OutlierDetector>(_ detector: D, _ x: Matrix) throws(HeatMLError) -> [Bool] {
        try detector.fitted(to: x).predict(x)
    }

    @Test func kMeansFitsStaticallyAndGenerically() throws {
        let x = try Matrix(rows: Self.points)
        let model = try KMeans.fit(x, k: 2, seed: 3)
        var mutating = KMeans(k: 2, seed: 3)
        try mutating.fit(x)
        #expect(model == mutating)
        #expect(try clusterLabels(KMeans(k: 2, seed: 3), x) == mutating.labels)
        #expect(try model.predict(x) == model.labels)
        // The static fit validates like the mutating one.
        #expect(throws: HeatMLError.self) { _ = try KMeans.fit(x, k: 0) }
    }

    @Test func isolationForestFitsStaticallyAndGenerically() throws {
        let x = try Matrix(rows: Self.points)
        let forest = try IsolationForest.fit(x, estimators: 50, maxSamples: 8, contamination: .share(0.125), seed: 7)
        var mutating = IsolationForest(estimators: 50, maxSamples: 8, contamination: .share(0.125), seed: 7)
        try mutating.fit(x)
        #expect(forest == mutating)
        let generic = try flags(IsolationForest(estimators: 50, maxSamples: 8, contamination: .share(0.125), seed: 7), x)
        #expect(generic == (try mutating.predict(x)))
        // The far point is the one outlier.
        #expect(generic == [false, false, false, false, false, false, false, true])
        #expect(throws: HeatMLError.self) { _ = try IsolationForest.fit(x, estimators: 0) }
    }
}
