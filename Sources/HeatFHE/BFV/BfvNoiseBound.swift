import Foundation

/// Worst-case (deterministic) bounds on BFV noise, per operation, for planning a computation
/// before running it (issue 14: the aggregates' flooding margin is checked per run).
///
/// The bounds are on the **invariant noise** `v = [t * x]_Q` (centred), where `x = c0 + c1*s`
/// is the phase: decryption is correct while `||v||_inf < Q/2`, and
/// ``BfvDecryptor/invariantNoiseBudget(_:)`` reports `bits(Q) - bits(max |v|) - 1`. `v` is exactly
/// linear: adding ciphertexts adds their `v`, a product with an integer `c` multiplies it by `c`,
/// and a product with a plaintext polynomial `p` gives `v * p`, with no wrap-around term
/// (`t * Q * k = 0 mod Q`). Every bound below holds for **every** draw of the randomness (the
/// error distribution is bounded by `eta = 21`, secrets and `u` are ternary), not only with high
/// probability:
///
/// | operation | bound on the result's `v` |
/// | --- | --- |
/// | fresh public-key encryption (``freshPublicKeyEncryption``) | `t * ((2 N eta + eta) / P + 1/2 + N/2) + t/2` (`P` the special prime) |
/// | sum / integer product `c` | `v_1 + v_2` / `abs(c) * v` |
/// | product with a batch-encoded plaintext (``plaintextProductFactor``) | `N * (t - 1)/2 * v` (centred coefficients, `l1` norm) |
/// | rotation or row swap: one key switch (``keySwitch(level:)``) | `v + t * (N eta sum_j (q_j - 1) / P + (1 + N)/2)` |
/// | modulus switch dropping `q` (``switchingDown(_:from:to:)``) | `v / q + t * (1 + N)/2` |
/// | flooding with width `b` (``flooding(bits:)``) | `v + t * 2^b + (fresh encryption of zero)` |
///
/// The worst case is far above what a run measures (the `N/2` of a fresh encryption, for
/// example, needs every rounding error to line up with the secret's signs), which is the point:
/// a margin computed from these bounds holds for every run.
///
/// ```swift
/// let bound = BfvNoiseBound(parameters: try BfvParameters(preset: "n16384-logq434-logt60"))
/// var v = bound.freshPublicKeyEncryption * 928       // a decayed sum of 52 weekly ciphertexts
/// v *= bound.plaintextProductFactor                  // one 0/1 mask
/// BfvNoiseBound.log2(v) < BfvNoiseBound.log2(bound.decryptionLimit(level: 6))   // true
/// ```
public struct BfvNoiseBound: Sendable {
    /// The parameters.
    public let parameters: BfvParameters

    /// Bounds for a parameter set.
    ///
    /// - Parameter parameters: the parameters.
    public init(parameters: BfvParameters) { self.parameters = parameters }

    /// The ring degree `N`.
    var n: Double { Double(parameters.degree) }
    /// The plaintext modulus `t`.
    var t: Double { Double(parameters.plaintextModulus) }
    /// The error bound `eta`.
    var eta: Double { Double(Sampler.errorBound) }
    /// The top level (number of ciphertext moduli).
    public var topLevel: Int { parameters.ciphertextModuli.count }

    /// `Q` at `level` (the product of the first `level` ciphertext moduli), as a `Double`.
    ///
    /// - Parameter level: the number of moduli (clamped to `1 ... topLevel`).
    /// - Returns: `Q_level`.
    public func modulusProduct(level: Int) -> Double {
        parameters.ciphertextModuli.prefix(max(1, min(level, topLevel))).reduce(1.0) { $0 * Double($1) }
    }

    /// The largest invariant noise that still decrypts at `level`: `Q_level / 2`.
    ///
    /// - Parameter level: the number of moduli.
    /// - Returns: `Q_level / 2`.
    public func decryptionLimit(level: Int) -> Double { modulusProduct(level: level) / 2 }

    /// The worst-case `v` of a fresh public-key encryption at the top level (the collector's
    /// ciphertexts, ``BfvEncryptor`` at the key level divided by the special prime `P`):
    /// `t * ((2 N eta + eta) / P + 1/2 + N/2) + t/2`; without a special prime
    /// `t * (2 N eta + eta) + t/2`. The `t/2` is the rounding of `round(Q m / t)`.
    public var freshPublicKeyEncryption: Double {
        let encryption = 2 * n * eta + eta
        guard let special = parameters.specialModulus else { return t * encryption + t / 2 }
        return t * (encryption / Double(special) + 0.5 + n / 2) + t / 2
    }

    /// The factor a product with a batch-encoded plaintext multiplies `v` by in the worst case:
    /// the `l1` norm bound `N * (t - 1) / 2` of a polynomial with centred coefficients
    /// (``BfvPreparedPlaintext`` lifts centred).
    public var plaintextProductFactor: Double { n * (t - 1) / 2 }

    /// The noise one key switch adds at `level` (a rotation, the row swap or a relinearization):
    /// `t * (N eta sum_(j < level) (q_j - 1) / P + (1 + N) / 2)` (the digits `[c]_(q_j)` are in
    /// `[0, q_j)`, the division by `P` rounds). Infinite without a special prime (no key switching).
    ///
    /// - Parameter level: the ciphertext's level.
    /// - Returns: the added `v`.
    public func keySwitch(level: Int) -> Double {
        guard let special = parameters.specialModulus else { return .infinity }
        let digits = parameters.ciphertextModuli.prefix(max(1, min(level, topLevel))).reduce(0.0) { $0 + Double($1 - 1) }
        return t * (n * eta * digits / Double(special) + (1 + n) / 2)
    }

    /// `v` after switching down from `level` to `target` (each dropped prime `q`:
    /// `v / q + t * (1 + N) / 2`).
    ///
    /// - Parameters:
    ///   - v: the bound before.
    ///   - level: the ciphertext's level.
    ///   - target: the level after (at most `level`).
    /// - Returns: the bound after.
    public func switchingDown(_ v: Double, from level: Int, to target: Int) -> Double {
        var bound = v
        var current = min(level, topLevel)
        while current > max(target, 1) {
            bound = bound / Double(parameters.ciphertextModuli[current - 1]) + t * (1 + n) / 2
            current -= 1
        }
        return bound
    }

    /// The `v` flooding adds (``Bfv64/flood(_:publicKey:bits:using:)``): `t * 2^b` for the
    /// uniform term plus a fresh public-key encryption of zero.
    ///
    /// - Parameter bits: the flooding width `b`.
    /// - Returns: the added `v`.
    public func flooding(bits: Int) -> Double { t * Double.pow2(bits) + freshPublicKeyEncryption }

    /// The flooding term alone, `t * 2^b`: what hides the computed noise.
    ///
    /// - Parameter bits: the flooding width `b`.
    /// - Returns: `t * 2^b`.
    public func floodingWidth(bits: Int) -> Double { t * Double.pow2(bits) }

    /// The flooding width ``Bfv64/floodingBits(context:level:)`` computes, from the parameters
    /// alone (exact big-integer `Δ = floor(Q_level / t)`): `bits(Δ) - 1 - margin`, at least 1.
    ///
    /// - Parameter level: the level (default the top level).
    /// - Returns: `b`.
    public func floodingBits(level: Int? = nil) -> Int {
        let count = max(1, min(level ?? topLevel, topLevel))
        var q = BigInt(1)
        for modulus in parameters.ciphertextModuli.prefix(count) { q = q * BigInt(modulus) }
        let delta = q / BigInt(parameters.plaintextModulus)
        return max(1, delta.bitWidth - 1 - Bfv64.floodingMarginBits)
    }

    /// `log2(v)` (minus infinity for 0).
    ///
    /// - Parameter v: a non-negative bound.
    /// - Returns: its base-2 logarithm.
    public static func log2(_ v: Double) -> Double { v > 0 ? Foundation.log2(v) : -.infinity }
}

extension Double {
    /// `2^k` for an integer `k` (exact).
    static func pow2(_ k: Int) -> Double { Double(sign: .plus, exponent: k, significand: 1) }
}
