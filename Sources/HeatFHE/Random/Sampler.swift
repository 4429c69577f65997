/// The distributions BFV draws from, all fed by a ``SecureRandom``.
///
/// - **Secret** (``ternary(count:using:)``): each coefficient uniform in `{-1, 0, 1}` (probability
///   1/3 each), the "ternary secret" of the HomomorphicEncryption.org security standard.
/// - **Error** (``centeredBinomial(count:using:)``): the centred binomial distribution with
///   parameter `eta = 21`: `sum of 21 bits - sum of 21 bits`, mean 0, variance `eta / 2 = 10.5`,
///   so `sigma = 3.24`, which matches the standard's discrete Gaussian width (3.2) while being
///   bounded (`|e| <= 21`) and constant-time to sample.
/// - **Uniform** masks: ``uniform(modulus:count:using:)``, rejection-sampled per residue on
///   `bitWidth(q)` random bits (no division).
///
/// ```swift
/// var random = SecureRandom()
/// let s = Sampler.ternary(count: 4096, using: &random)   // values -1, 0, 1
/// ```
public enum Sampler {
    /// The centred binomial parameter `eta`.
    public static let binomialEta = 21
    /// The standard deviation of the error distribution, `sqrt(eta / 2)`.
    public static let errorStandardDeviation = (Double(binomialEta) / 2).squareRoot()
    /// The largest absolute value an error coefficient can take (`eta`).
    public static let errorBound = binomialEta

    /// Draws `count` coefficients uniform in `{-1, 0, 1}`.
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - random: the generator.
    /// - Returns: the coefficients.
    public static func ternary(count: Int, using random: inout SecureRandom) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        var index = 0
        while index < count {
            let byte = random.nextByte()
            guard byte < 255 else { continue }  // 255 = 3 * 85: reject to stay uniform
            out[index] = Int8(byte % 3) - 1
            index += 1
        }
        return out
    }

    /// Draws `count` coefficients from the centred binomial distribution with `eta = 21`.
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - random: the generator.
    /// - Returns: the coefficients, each in `[-21, 21]`.
    public static func centeredBinomial(count: Int, using random: inout SecureRandom) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        let mask: UInt64 = (1 << UInt64(binomialEta)) - 1
        for index in 0..<count {
            let word = random.next()
            let positive = (word & mask).nonzeroBitCount
            let negative = ((word >> UInt64(binomialEta)) & mask).nonzeroBitCount
            out[index] = Int8(positive - negative)
        }
        return out
    }

    /// Draws `count` residues uniform in `[0, q)`.
    ///
    /// - Parameters:
    ///   - modulus: the modulus.
    ///   - count: how many.
    ///   - random: the generator.
    /// - Returns: the residues.
    public static func uniform<T: ScalarType>(modulus: Modulus<T>, count: Int, using random: inout SecureRandom) -> [T] {
        // Rejection sampling on bitWidth(q) random bits: a candidate below q is uniform in [0, q),
        // accepted with probability q / 2^bits > 1/2, with no division. Moduli of at most 32 bits
        // take two candidates from each 64-bit word.
        let q = UInt64(modulus.value)
        let bits = modulus.bitWidth
        let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        var out = [T](repeating: 0, count: count)
        var index = 0
        while index < count {
            let word = random.next()
            let low = word & mask
            if low < q {
                out[index] = T(truncatingIfNeeded: low)
                index += 1
            }
            if bits <= 32, index < count {
                let high = (word >> 32) & mask
                if high < q {
                    out[index] = T(truncatingIfNeeded: high)
                    index += 1
                }
            }
        }
        return out
    }
}
