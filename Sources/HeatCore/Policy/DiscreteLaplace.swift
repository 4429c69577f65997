import Foundation

/// The discrete Laplace (two-sided geometric) distribution: `P(X = x) = (1 - α) / (1 + α) · α^|x|`
/// over all integers, with `α = exp(-ε / Δ)` for a query of sensitivity `Δ` answered with privacy
/// loss `ε` (Ghosh, Roughgarden and Sundararajan, "Universally utility-maximizing privacy
/// mechanisms", 2009). Adding `X` to an integer query whose value changes by at most `Δ` when one
/// client is added or removed is `ε`-differentially private.
///
/// A draw is the difference of two independent geometric variables on `{0, 1, …}` with success
/// probability `1 - α`, each drawn by inversion from a uniform double of 53 random bits. Production
/// code draws from `SystemRandomNumberGenerator` (the operating system's CSPRNG); tests pass a
/// seeded generator of their own. The noise is never logged.
///
/// ```swift
/// let noise = DiscreteLaplace(epsilon: 0.5, sensitivity: 1)
/// var rng = SystemRandomNumberGenerator()
/// let released = 42 + noise.sample(using: &rng)
/// ```
public struct DiscreteLaplace: Sendable, Equatable {
    /// The privacy loss of one query.
    public let epsilon: Double
    /// The query's sensitivity (1 for counts, the clipping bound for clipped sums).
    public let sensitivity: Double
    /// The distribution's parameter `α = exp(-ε / Δ)`, in (0, 1).
    public let alpha: Double

    /// The mechanism's name as recorded in results documents and the audit log.
    public static let mechanismName = "two-sided-geometric"

    /// Creates the distribution for a query.
    ///
    /// - Parameters:
    ///   - epsilon: the privacy loss (positive).
    ///   - sensitivity: the sensitivity (positive; default 1).
    public init(epsilon: Double, sensitivity: Double = 1) {
        self.epsilon = epsilon
        self.sensitivity = sensitivity
        self.alpha = Foundation.exp(-epsilon / sensitivity)
    }

    /// The equivalent Laplace scale `Δ / ε`.
    public var scale: Double { sensitivity / epsilon }

    /// The variance `2α / (1 - α)²`.
    public var variance: Double { 2 * alpha / ((1 - alpha) * (1 - alpha)) }

    /// The expected absolute noise `2α / (1 - α²)`.
    public var expectedAbsoluteNoise: Double { 2 * alpha / (1 - alpha * alpha) }

    /// `P(X = x)`.
    ///
    /// - Parameter x: an integer.
    /// - Returns: its probability.
    public func probability(of x: Int) -> Double {
        (1 - alpha) / (1 + alpha) * Foundation.pow(alpha, Double(abs(x)))
    }

    /// Draws one noise value.
    ///
    /// - Parameter generator: the random source (the system CSPRNG outside tests).
    /// - Returns: an integer from the distribution.
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        geometric(using: &generator) - geometric(using: &generator)
    }

    /// A geometric draw on `{0, 1, …}` with `P(G = g) = (1 - α) α^g`, by inversion.
    private func geometric<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        guard alpha > 0 else { return 0 }
        // u in (0, 1]: 53 random bits, never zero.
        let u = Double((generator.next() >> 11) + 1) * 0x1p-53
        let value = (Foundation.log(u) / Foundation.log(alpha)).rounded(.down)
        return value < 1e15 ? Int(value) : Int(1e15)
    }
}
