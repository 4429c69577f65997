import Foundation
import Testing
@testable import HeatML

@Suite("Preprocessing and folds")
struct PreprocessingTests {
    @Test func imputersAndScalerMatchScikitLearnDefinitions() {
        #expect(MedianImputer.fit([1, .nan, 3, 10]).median == 3)
        #expect(MedianImputer.fit([1, 2, 3, 10]).median == 2.5)
        #expect(MostFrequentImputer.fit(["b", "a", nil, "a", "b"]).mostFrequent == "a")
        let scaler = StandardScaler.fit([1, 2, 3, 4])
        #expect(scaler.mean == 2.5)
        #expect(abs(scaler.scale - 1.25.squareRoot()) < 1e-15)
        #expect(StandardScaler.fit([5, 5, 5]).scale == 1)
    }

    @Test func oneHotEncodesUnknownCategoriesAsZeros() {
        let encoder = OneHotEncoder.fit(["red", "blue", "red", nil])
        #expect(encoder.categories == ["blue", "red"])
        #expect(encoder.transform(["red", "green", "blue"]) == [[0, 0, 1], [1, 0, 0]])
    }

    @Test func columnTransformerFitsPerTypeAndRoundTrips() throws {
        let text = "id,tenure,plan,churn\n00001,1,basic,No\n00002,,gold,Yes\n00003,5,,No\n"
        let table = try DataTable(csv: Array(text.utf8), source: "t.csv")
        let transformer = try ColumnTransformer.fit(table, features: ModelPipeline.featureColumns(of: table, target: "churn"))
        #expect(transformer.featureNames == ["tenure", "plan=basic", "plan=gold"])
        let x = try transformer.transform(table)
        #expect(x.rows == 3 && x.columns == 3)
        // tenure imputed with the median 3, then standardised over [1, 3, 5].
        #expect(abs(x[1, 0]) < 1e-12)
        // plan imputed with the most frequent value ("basic": ties go to the smallest).
        #expect(x.row(2)[1...] == [1, 0])
        let decoded = try JSONDecoder().decode(ColumnTransformer.self, from: JSONEncoder().encode(transformer))
        #expect(decoded == transformer)
        #expect(try decoded.transform(table) == x)
    }

    @Test func textInANumericColumnAtTransformTimeIsABadCell() throws {
        let train = try DataTable(csv: Array("n,y\n1,a\n2,b\n".utf8), source: "train.csv")
        let transformer = try ColumnTransformer.fit(train, features: ["n"])
        let later = try DataTable(csv: Array("n,y\n1,a\nabc,b\n".utf8), source: "later.csv")
        #expect(throws: HeatMLError.badCell(source: "later.csv", line: 3, column: "n", value: "abc", expected: .numeric)) {
            try transformer.transform(later)
        }
    }

    @Test func stratifiedFoldsKeepClassProportionsAndAreSeeded() throws {
        let labels = (0..<1000).map { $0 % 4 == 0 ? 1 : 0 }
        let folds = try Folds.stratified(labels: labels, count: 5, seed: 42)
        for fold in 0..<5 {
            let test = folds.split(fold).test
            #expect(test.count == 200)
            #expect(test.filter { labels[$0] == 1 }.count == 50)
        }
        #expect(try Folds.stratified(labels: labels, count: 5, seed: 42) == folds)
        #expect(try Folds.stratified(labels: labels, count: 5, seed: 43) != folds)
        let split = try Folds.stratifiedTrainTestSplit(labels: labels, testFraction: 0.2, seed: 1)
        #expect(split.test.count == 200)
        #expect(split.test.filter { labels[$0] == 1 }.count == 50)
        #expect(Set(split.train).isDisjoint(with: split.test))
    }

    @Test func foldsFromAColumnAreValidated() throws {
        let table = try DataTable(csv: Array("x,fold\n1,0\n2,1\n3,x\n".utf8), source: "f.csv", overrides: ["fold": .categorical])
        #expect(throws: HeatMLError.badCell(source: "f.csv", line: 4, column: "fold", value: "x", expected: .numeric)) {
            try Folds(column: table.column(named: "fold"), table: table)
        }
        #expect(throws: HeatMLError.self) { try Folds(assignment: [0, 2, 2]) }
        let folds = try Folds.load(from: FixtureLoader.exampleData("telco_churn_folds.csv"))
        #expect(folds.count == 5)
        #expect(folds.assignment.count == 7043)
    }
}
