import Foundation
import Testing
@testable import HeatML

/// The compact binning of the boosted trees (issue 17): radix-sorted cuts, the bin of every cell
/// equal to "the number of cuts <= value" (the binary search it replaced), missing cells coded
/// one past the last bin, and the narrowest storage width that holds every code.
@Suite("Feature binner: sorted binning and compact storage")
struct FeatureBinnerTests {
    /// The codes of a binner as `Int`, row-major.
    static func codes(_ binner: FeatureBinner) -> [Int] {
        switch binner.storage {
        case let .narrow(bins): bins.map(Int.init)
        case let .medium(bins): bins.map(Int.init)
        case let .wide(bins): bins.map(Int.init)
        }
    }

    /// Columns with negatives, duplicates, signed zeros, missing cells and huge magnitudes.
    static func matrix(rows n: Int, seed: UInt64) throws -> Matrix {
        var g = SeededGenerator(seed: seed)
        var columns = [[Double]](repeating: [], count: 4)
        for _ in 0..<n {
            columns[0].append(g.unitInterval() * 200 - 100)
            columns[1].append(g.unitInterval() < 0.2 ? .nan : Double(g.below(9)) - 4)
            columns[2].append([-0.0, 0.0, 1e300, -1e300, 2.5, -2.5][g.below(6)])
            columns[3].append(g.unitInterval() < 0.5 ? .nan : (g.unitInterval() - 0.5) * 1e-3)
        }
        return try Matrix(columns: columns)
    }

    @Test(arguments: [Optional(256), 16, 1024, nil])
    func binsCountCutsBelowEachValue(maxBins: Int?) throws {
        let x = try Self.matrix(rows: 1500, seed: 5)
        let binner = FeatureBinner(x, maxBins: maxBins)
        let codes = Self.codes(binner)
        for j in 0..<x.columns {
            let cuts = binner.cuts[j]
            #expect(zip(cuts, cuts.dropFirst()).allSatisfy { $0 < $1 }, "cuts of feature \(j) ascending")
            #expect(binner.binCounts[j] == cuts.count + 1)
            if let maxBins { #expect(binner.binCounts[j] <= maxBins) }
            for i in 0..<x.rows {
                let value = x[i, j]
                let expected = value.isNaN ? binner.binCounts[j] : cuts.filter { $0 <= value }.count
                #expect(codes[i * x.columns + j] == expected, "row \(i), feature \(j), value \(value)")
                if codes[i * x.columns + j] != expected { return }
            }
        }
        // Distinct values of feature 1 (9 integers) are all kept as bins in histogram mode.
        if maxBins != nil { #expect(binner.cuts[1] == [-3, -2, -1, 0, 1, 2, 3, 4]) }
    }

    @Test func narrowestWidthThatHoldsEveryCode() throws {
        // 256 bins and no missing value: codes 0...255 fit in a byte.
        let full = try Matrix(columns: [(0..<1000).map { Double($0) }])
        let narrow = FeatureBinner(full, maxBins: 256)
        #expect(narrow.binCounts == [256])
        #expect(narrow.storage.width == 1)
        // 256 bins and a missing value: 257 codes need two bytes.
        let withMissing = try Matrix(columns: [(0..<1000).map { $0 == 7 ? .nan : Double($0) }])
        let medium = FeatureBinner(withMissing, maxBins: 256)
        #expect(medium.binCounts == [256])
        #expect(medium.storage.width == 2)
        #expect(Self.codes(medium)[7] == 256)
        // 255 bins and a missing value: 256 codes, one byte.
        let smaller = FeatureBinner(withMissing, maxBins: 255)
        #expect(smaller.storage.width == 1)
        #expect(Self.codes(smaller)[7] == 255)
        // Exact mode with more than 65,535 distinct values: four bytes.
        let many = try Matrix(columns: [(0..<70_000).map { Double($0) * 0.5 }])
        let wide = FeatureBinner(many, maxBins: nil)
        #expect(wide.storage.width == 4)
        #expect(Self.codes(wide)[69_999] == 69_999)
    }

    @Test func medianBySelectionEqualsSortedMedian() {
        var g = SeededGenerator(seed: 11)
        for size in [1, 2, 3, 4, 5, 10, 11, 100, 101, 1000, 1001] {
            for _ in 0..<5 {
                let values = (0..<size).map { _ in g.unitInterval() < 0.1 ? Double.nan : Double(g.below(size / 2 + 1)) + (g.chance(0.5) ? 0.25 : 0) }
                let present = values.filter { !$0.isNaN }.sorted()
                let expected = present.isEmpty ? 0 : present.count % 2 == 1 ? present[present.count / 2] : (present[present.count / 2 - 1] + present[present.count / 2]) / 2
                #expect(MedianImputer.fit(values).median == expected, "size \(size)")
            }
        }
    }
}
