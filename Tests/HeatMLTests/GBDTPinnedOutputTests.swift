import Foundation
import Testing
@testable import HeatML

/// Pins the exact output of the boosted-tree builder (issue 17, speed work): the trees (every
/// node's feature, threshold, default direction, children, value and cover, bit for bit) and the
/// predicted margins of small models, as they were before the builder was optimised (taking each
/// row's leaf from the final partition, radix-sorted binning, compact `UInt8` bins, row-wise
/// histograms, predicting from a flattened node array). The algorithm is unchanged, so the trees
/// must be the same: any difference in summation order, cut or tie-breaking shows up here.
@Suite("Boosted trees: pinned output")
struct GBDTPinnedOutputTests {
    /// 3,000 rows: a continuous feature (> 256 distinct values), one with 10% missing, a feature
    /// with 7 distinct values, a feature with a single present value (the rest missing), a
    /// constant-free integer feature with more than 256 values, and a negative-heavy feature.
    static func data(rows n: Int = 3000, seed: UInt64 = 1717) throws -> (Matrix, [Int]) {
        var g = SeededGenerator(seed: seed)
        var columns = [[Double]](repeating: [], count: 6)
        var labels: [Int] = []
        for _ in 0..<n {
            let a = g.unitInterval() * 4 - 2
            let b = g.unitInterval() < 0.1 ? Double.nan : (g.unitInterval() * 10).rounded(.down) / 3
            let c = Double(g.below(7))
            let d = g.unitInterval() < 0.3 ? 1.0 : Double.nan
            let e = Double(g.below(1000))
            let f = -g.unitInterval() * g.unitInterval() * 50
            columns[0].append(a); columns[1].append(b); columns[2].append(c)
            columns[3].append(d); columns[4].append(e); columns[5].append(f)
            var logit = 1.2 * a - 0.4 * c + (d.isNaN ? -0.7 : 0.6) + (b.isNaN ? 0.8 : -0.2 * b) + e / 1000 + f / 50
            logit += g.unitInterval() - 0.5
            labels.append(g.unitInterval() < 1 / (1 + exp(-logit)) ? 1 : 0)
        }
        return (try Matrix(columns: columns), labels)
    }

    /// FNV-1a over 64-bit words.
    static func hash(_ words: [UInt64]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words {
            for shift in stride(from: 0, to: 64, by: 8) {
                h ^= (word >> UInt64(shift)) & 0xff
                h = h &* 0x100_0000_01b3
            }
        }
        return h
    }

    static func treeHash(_ model: GradientBoostedTrees) -> UInt64 {
        var words: [UInt64] = []
        for tree in model.trees {
            for node in tree.nodes {
                words += [UInt64(bitPattern: Int64(node.feature)), node.threshold.bitPattern, node.defaultLeft ? 1 : 0,
                          UInt64(bitPattern: Int64(node.left)), UInt64(bitPattern: Int64(node.right)),
                          node.value.bitPattern, node.cover.bitPattern, node.gain.bitPattern]
            }
        }
        return hash(words)
    }

    static func marginHash(_ margins: [Double]) -> UInt64 { hash(margins.map(\.bitPattern)) }

    struct Setting: Sendable, CustomStringConvertible {
        let name: String
        let parameters: GradientBoostedTrees
        let trees: UInt64
        let margins: UInt64
        var description: String { name }
    }

    static let settings: [Setting] = [
        Setting(name: "hist 256, depth 4, 20 rounds",
                parameters: GradientBoostedTrees(rounds: 20, maxDepth: 4, treeMethod: .hist(maxBins: 256)),
                trees: 0x735f_a106_35a7_1377, margins: 0x3485_d942_7c57_dddc),
        Setting(name: "hist 16, subsample 0.7, colsample 0.67, depth 5",
                parameters: GradientBoostedTrees(rounds: 15, maxDepth: 5, minChildWeight: 2, subsample: 0.7, columnSubsample: 0.67,
                                                 treeMethod: .hist(maxBins: 16), seed: 3),
                trees: 0xba0d_4d92_0132_489e, margins: 0xc67f_c800_9f83_568f),
        Setting(name: "exact, gamma 0.5, depth 3",
                parameters: GradientBoostedTrees(rounds: 10, maxDepth: 3, gamma: 0.5, treeMethod: .exact),
                trees: 0xbfb1_dc7e_274e_1275, margins: 0xe2c3_01eb_8895_562b),
    ]

    @Test(arguments: settings)
    func sameTreesAndMargins(_ setting: Setting) throws {
        let (x, y) = try Self.data()
        let model = try GradientBoostedTrees.fit(x, labels: y, parameters: setting.parameters)
        let (testX, _) = try Self.data(rows: 500, seed: 99)
        let margins = try model.predictMargins(testX)
        let trainMargins = try model.predictMargins(x)
        let treeHash = Self.treeHash(model)
        let marginHash = Self.marginHash(margins + trainMargins)
        #expect(treeHash == setting.trees, "trees of \(setting.name): \(String(treeHash, radix: 16))")
        #expect(marginHash == setting.margins, "margins of \(setting.name): \(String(marginHash, radix: 16))")
    }
}
