import Foundation

/// The special functions the buy-till-you-die models need: log-gamma, digamma, log-beta and the
/// Gauss hypergeometric function, each in double precision.
///
/// Internal: the models call them in their likelihoods, gradients and predictions.
enum SpecialFunctions {
    /// log Γ(x) for x > 0 (the C library's `lgamma`).
    @inline(__always)
    static func logGamma(_ x: Double) -> Double { lgamma(x) }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
    static func logBeta(_ a: Double, _ b: Double) -> Double { logGamma(a) + logGamma(b) - logGamma(a + b) }

    /// The digamma function ψ(x) = d/dx log Γ(x) for x > 0.
    ///
    /// Shifts x up to at least 10 with ψ(x) = ψ(x + 1) − 1/x, then uses the asymptotic series
    /// ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) to the x⁻¹² term (truncation error below 1e-15 there).
    static func digamma(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return .nan }
        var x = value
        var result = 0.0
        while x < 10 {
            result -= 1 / x
            x += 1
        }
        let inverse = 1 / x
        let inverse2 = inverse * inverse
        // Bernoulli terms: 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760
        let series = inverse2 * (1.0 / 12 - inverse2 * (1.0 / 120 - inverse2 * (1.0 / 252 - inverse2
            * (1.0 / 240 - inverse2 * (1.0 / 132 - inverse2 * 691.0 / 32760)))))
        return result + log(x) - 0.5 * inverse - series
    }

    /// log ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, summing the hypergeometric series.
    ///
    /// Every term is positive for these arguments, so the sum has no cancellation; the running
    /// sum is rescaled when it grows large so that the result stays finite in log space. The
    /// series stops when a term adds less than 1e-17 of the sum after the terms have started to
    /// shrink, or after `maximumTerms` terms (then the result is `nan`).
    static func logHypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maximumTerms: Int = 1_000_000) -> Double {
        guard z >= 0, z < 1, a > 0, b > 0, c > 0 else { return .nan }
        if z == 0 { return 0 }
        var term = 1.0
        var sum = 1.0
        var logScale = 0.0
        var n = 0.0
        for _ in 0..<maximumTerms {
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            term *= ratio
            sum += term
            n += 1
            if ratio < 1, term < sum * 1e-17 { return logScale + log(sum) }
            if sum > 1e250 {
                sum *= 1e-250
                term *= 1e-250
                logScale += 250 * log(10.0)
            }
        }
        return .nan
    }

    /// ₂F₁(a, b; c; z) for 0 ≤ z < 1 and any real c that is not 0 or a negative integer, by the
    /// hypergeometric series with signed terms (the first terms change sign while c + n < 0).
    ///
    /// Used where ``logHypergeometric2F1(_:_:_:_:maximumTerms:)`` cannot be (c ≤ 0, which BG/NBD
    /// meets for customers without repeat purchases when a + b < 1); `nan` when c is a
    /// non-positive integer or the series does not settle.
    static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maximumTerms: Int = 1_000_000) -> Double {
        guard z >= 0, z < 1 else { return .nan }
        if c <= 0, c == c.rounded() { return .nan }
        if z == 0 { return 1 }
        var term = 1.0
        var sum = 1.0
        var n = 0.0
        for _ in 0..<maximumTerms {
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            term *= ratio
            sum += term
            n += 1
            if !sum.isFinite { return .nan }
            if c + n > 0, abs(ratio) < 1, abs(term) <= abs(sum) * 1e-17 { return sum }
        }
        return .nan
    }

    /// log(eᵃ + eᵇ) without overflow.
    @inline(__always)
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let high = Swift.max(a, b)
        return high + log1p(exp(-Swift.abs(a - b)))
    }
}
