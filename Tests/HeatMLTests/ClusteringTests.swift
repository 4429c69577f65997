import Foundation
import Testing
@testable import HeatML

/// K-means and the silhouette: a hand-computed example, invariants, and the scikit-learn
/// reference on telco_churn (shared/datasets/REFERENCE.md: k=4 inertia 37961.59, silhouette
/// 0.2213, sizes [2920, 1964, 1477, 682]).
@Suite struct ClusteringTests {
    @Test func twoObviousClustersByHand() throws {
        let x = try Matrix(rows: [[0, 0], [10, 11], [0, 1], [10, 10], [0.5, 0.5]])
        var model = KMeans(k: 2, seed: 1)
        try model.fit(x)
        #expect(model.sizes == [3, 2], "cluster 0 is the largest")
        #expect(model.labels == [0, 1, 0, 1, 0])
        let small = try #require(model.centroids.last)
        #expect(small == [10, 10.5])
        let big = try #require(model.centroids.first)
        #expect(abs(big[0] - 0.5 / 3) < 1e-12 && abs(big[1] - 1.5 / 3) < 1e-12)
        // inertia: cluster 1 contributes 0.25 + 0.25; cluster 0 the squared distances to (1/6, 1/2).
        let points: [[Double]] = [[0, 0], [0, 1], [0.5, 0.5]]
        let expected = 0.5 + points.reduce(0.0) { total, p in total + (p[0] - 1.0 / 6) * (p[0] - 1.0 / 6) + (p[1] - 0.5) * (p[1] - 0.5) }
        #expect(abs(model.inertia - expected) < 1e-12)
        #expect(try model.predict(try Matrix(rows: [[9, 9], [1, 0]])) == [1, 0])
    }

    @Test func silhouetteByHand() throws {
        let x = try Matrix(rows: [[0], [1], [10], [12]])
        // row 0: a = 1, b = (10 + 12) / 2 = 11 -> 10/11; row 1: a = 1, b = 10 -> 0.9;
        // row 2: a = 2, b = (10 + 9) / 2 = 9.5 -> 7.5/9.5; row 3: a = 2, b = 11.5 -> 9.5/11.5.
        let expected = (10.0 / 11 + 0.9 + 7.5 / 9.5 + 9.5 / 11.5) / 4
        #expect(abs(try silhouetteScore(x, labels: [0, 0, 1, 1]) - expected) < 1e-12)
        // [0, 1, 10] vs [12]: row 0: a = 5.5, b = 12; row 1: a = 5, b = 11; row 2: a = 9.5, b = 2; the singleton adds 0.
        let withSingleton = (6.5 / 12 + 6.0 / 11 - 7.5 / 9.5 + 0) / 4
        #expect(abs(try silhouetteScore(x, labels: [0, 0, 0, 1]) - withSingleton) < 1e-12)
        #expect(throws: HeatMLError.self) { try silhouetteScore(x, labels: [0, 0, 0, 0]) }
        #expect(throws: HeatMLError.self) { try silhouetteScore(x, labels: [0, 1]) }
    }

    @Test func rejectsBadParametersAndMissingValues() throws {
        let x = try Matrix(rows: [[0, 1], [2, .nan]])
        var model = KMeans(k: 2)
        #expect(throws: HeatMLError.invalidParameter(name: "x", value: "column 1", reason: "holds a missing or infinite value; impute it first")) { try model.fit(x) }
        model = KMeans(k: 3)
        #expect(throws: HeatMLError.self) { try model.fit(try Matrix(rows: [[0], [1]])) }
        #expect(throws: HeatMLError.self) { try KMeans(k: 2).predict(try Matrix(rows: [[0]])) }
    }

    @Test func isDeterministicForASeedAndNeverWorseWithMoreStarts() throws {
        var generator = SeededGenerator(seed: 8)
        let rows = (0..<300).map { i in [Double(i % 3) * 4 + generator.nextUnit(), generator.nextUnit() * 3, Double(i % 5)] }
        let x = try Matrix(rows: rows)
        var a = KMeans(k: 5, initializations: 1, seed: 3), b = KMeans(k: 5, initializations: 1, seed: 3), c = KMeans(k: 5, initializations: 8, seed: 3)
        try a.fit(x); try b.fit(x); try c.fit(x)
        #expect(a == b)
        #expect(c.inertia <= a.inertia + 1e-9, "the first start of c is a's start")
        #expect(a.sizes.reduce(0, +) == 300)
        // Lloyd's fixed point: each centre is the mean of its rows.
        for cluster in 0..<5 {
            let members = rows.indices.filter { c.labels[$0] == cluster }
            for j in 0..<3 {
                let mean = members.reduce(0) { $0 + rows[$1][j] } / Double(members.count)
                #expect(abs(mean - c.centroids[cluster][j]) < 1e-9)
            }
        }
    }

    @Test func telcoChurnMatchesTheScikitLearnReference() throws {
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("telco_churn.csv"))
        let features = try NumericFeatures(table)
        #expect(features.columns == ["female", "senior_citizen", "partner", "dependents", "tenure", "phone_service", "paperless_billing", "monthly_charges", "total_charges"])
        var model = KMeans(k: 4, seed: 42)
        try model.fit(features.matrix)
        #expect(model.inertia <= 37961.59 * 1.01, "inertia \(model.inertia) vs scikit-learn 37961.59")
        #expect(model.inertia >= 37961.59 * 0.95, "a much lower inertia would mean different features")
        let reference = [2920, 1964, 1477, 682]
        for (size, expected) in zip(model.sizes, reference) {
            #expect(abs(size - expected) <= 20, "sizes \(model.sizes) vs \(reference)")
        }
        let silhouette = try silhouetteScore(features.matrix, labels: model.labels)
        #expect(abs(silhouette - 0.2213) < 0.002, "silhouette \(silhouette) vs 0.2213")
    }

    @Test func cdnowMatchesTheScikitLearnReference() throws {
        // REFERENCE.md: inertia 125269.75, sizes [16318, 5415, 1405, 432] (silhouette 0.4641 is not
        // recomputed here: quadratic in 23,570 rows, about 6 s; `heatctl ml cluster` prints it).
        let table = try DataTable(contentsOf: FixtureLoader.exampleData("cdnow_customers.csv"))
        let features = try NumericFeatures(table, excluding: ["repeat_in_holdout", "cv_fold"])
        var model = KMeans(k: 4, seed: 42)
        try model.fit(features.matrix)
        #expect(model.inertia <= 125269.75 * 1.01, "inertia \(model.inertia)")
        #expect(model.inertia >= 125269.75 * 0.95)
        for (size, expected) in zip(model.sizes, [16318, 5415, 1405, 432]) {
            #expect(abs(size - expected) <= 50, "sizes \(model.sizes)")
        }
    }

    @Test func fitReportsOneStepPerStart() throws {
        let x = try Matrix(rows: [[0, 0], [10, 11], [0, 1], [10, 10], [0.5, 0.5]])
        final class Recorder: @unchecked Sendable { var calls: [[Int]] = [] }
        let recorder = Recorder()
        var model = KMeans(k: 2, initializations: 4, seed: 1)
        try model.fit(x, progress: { recorder.calls.append([$0, $1]) })
        #expect(recorder.calls == (0...4).map { [$0, 4] })
        var plain = KMeans(k: 2, initializations: 4, seed: 1)
        try plain.fit(x)
        #expect(model.labels == plain.labels && model.inertia == plain.inertia)
    }
}
