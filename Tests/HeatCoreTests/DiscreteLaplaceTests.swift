import Foundation
import Testing
@testable import HeatCore

/// The noise has the documented distribution: P(X = x) = (1 - α)/(1 + α) · α^|x|, α = exp(-ε/Δ).
@Suite struct DiscreteLaplaceTests {
    @Test(arguments: [(0.5, 1.0), (1.0, 1.0), (0.2, 1.0), (1.0, 10.0)])
    func chiSquareAndMoments(epsilon: Double, sensitivity: Double) throws {
        let noise = DiscreteLaplace(epsilon: epsilon, sensitivity: sensitivity)
        // The documented distribution, computed here independently of the implementation.
        let alpha = exp(-epsilon / sensitivity)
        func probability(_ x: Int) -> Double { (1 - alpha) / (1 + alpha) * pow(alpha, Double(abs(x))) }
        let documentedVariance = 2 * alpha / ((1 - alpha) * (1 - alpha))
        var generator = SeededGenerator(seed: 2026)
        let draws = 100_000
        var counts: [Int: Int] = [:]
        var sum = 0.0
        var squares = 0.0
        for _ in 0..<draws {
            let x = noise.sample(using: &generator)
            counts[x, default: 0] += 1
            sum += Double(x)
            squares += Double(x) * Double(x)
        }
        // Mean 0 and variance 2α/(1-α)², within 5 standard errors.
        let mean = sum / Double(draws)
        #expect(abs(mean) < 5 * (documentedVariance / Double(draws)).squareRoot(), "mean \(mean)")
        let variance = squares / Double(draws) - mean * mean
        #expect(abs(variance - documentedVariance) / documentedVariance < 0.05, "variance \(variance) vs \(documentedVariance)")
        #expect(abs(noise.variance - documentedVariance) < 1e-9 * documentedVariance)
        // Chi-square goodness of fit over cells with an expected count of at least 20, tails pooled.
        var cells: [(observed: Int, expected: Double)] = []
        var bound = 0
        while Double(draws) * probability(bound + 1) >= 20 { bound += 1 }
        for x in -bound...bound {
            cells.append((counts[x] ?? 0, Double(draws) * probability(x)))
        }
        let inner = cells.reduce(0.0) { $0 + $1.expected }
        let tail = counts.filter { abs($0.key) > bound }.values.reduce(0, +)
        cells.append((tail, Double(draws) - inner))
        let chiSquare = cells.reduce(0.0) { $0 + pow(Double($1.observed) - $1.expected, 2) / $1.expected }
        let degrees = Double(cells.count - 1)
        // The chi-square 99.9% quantile is below degrees + 3.3·sqrt(2·degrees) + 10 for these sizes.
        #expect(chiSquare < degrees + 3.3 * (2 * degrees).squareRoot() + 10, "chi-square \(chiSquare) with \(degrees) degrees of freedom")
        #expect(abs(noise.expectedAbsoluteNoise - counts.reduce(0.0) { $0 + Double(abs($1.key) * $1.value) } / Double(draws))
                < 0.05 * noise.expectedAbsoluteNoise)
    }

    @Test func scaleAndProbabilitiesAreConsistent() {
        let noise = DiscreteLaplace(epsilon: 0.5, sensitivity: 4)
        #expect(noise.scale == 8)
        #expect(abs(noise.alpha - exp(-0.125)) < 1e-15)
        let total = (-2_000...2_000).reduce(0.0) { $0 + noise.probability(of: $1) }
        #expect(abs(total - 1) < 1e-9)
        // A wrong distribution (a Laplace scale of half the size) fails the same check.
        let narrow = DiscreteLaplace(epsilon: 1, sensitivity: 4)
        var generator = SeededGenerator(seed: 1)
        let draws = 20_000
        var squares = 0.0
        for _ in 0..<draws { let x = Double(narrow.sample(using: &generator)); squares += x * x }
        #expect(abs(squares / Double(draws) - noise.variance) / noise.variance > 0.5)
    }
}
