import Testing
@testable import HeatFHE

/// Several samples per keystream word (issue 16 item 2): the packed samplers keep the marginal
/// distributions and produce independent neighbours (a digit or bit range reused twice would show
/// up as a correlation between consecutive samples).
@Suite struct SamplerPackingTests {
    @Test func ternaryNeighboursAreIndependentAndUniform() {
        var random = SecureRandom()
        let count = 300_000
        let values = Sampler.ternary(count: count, using: &random)
        var pairs = [Int](repeating: 0, count: 9)
        for index in stride(from: 0, to: count - 1, by: 2) {
            pairs[Int(values[index] + 1) * 3 + Int(values[index + 1] + 1)] += 1
        }
        let total = Double(count / 2)
        for cell in 0..<9 {
            #expect(abs(Double(pairs[cell]) / total - 1.0 / 9.0) < 0.006, "pair cell \(cell)")
        }
        // Every position within a byte's five digits is uniform too.
        for position in 0..<5 {
            let slice = stride(from: position, to: count, by: 5).map { values[$0] }
            let zeros = Double(slice.filter { $0 == 0 }.count) / Double(slice.count)
            #expect(abs(zeros - 1.0 / 3.0) < 0.01, "digit \(position)")
        }
        // Short and odd counts are filled completely.
        for small in [1, 4, 5, 6, 11] {
            #expect(Sampler.ternary(count: small, using: &random).count == small)
        }
    }

    @Test func binomialNeighboursAreIndependentWithTheDocumentedVariance() {
        var random = SecureRandom()
        let count = 300_000
        let values = Sampler.centeredBinomial(count: count, using: &random).map { Double($0) }
        // Each of the three positions per word pair has variance eta / 2 = 10.5.
        for position in 0..<3 {
            let slice = stride(from: position, to: count, by: 3).map { values[$0] }
            let mean = slice.reduce(0, +) / Double(slice.count)
            let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(slice.count)
            #expect(abs(variance - 10.5) < 0.35, "position \(position): variance \(variance)")
        }
        // Consecutive samples are uncorrelated (shared bits would correlate them).
        var covariance = 0.0
        for index in 0..<(count - 1) { covariance += values[index] * values[index + 1] }
        let correlation = covariance / Double(count - 1) / 10.5
        #expect(abs(correlation) < 0.02, "correlation \(correlation)")
        for small in [1, 2, 3, 4, 7] {
            #expect(Sampler.centeredBinomial(count: small, using: &random).count == small)
        }
    }
}
