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
    /// Five coefficients per keystream byte: a byte below `243 = 3^5` is uniform over the
    /// `3^5` five-digit base-3 strings, so its digits are five independent uniform values
    /// (bytes 243-255 are rejected, probability 13/256), against one coefficient per byte before.
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - random: the generator.
    /// - Returns: the coefficients.
    public static func ternary(count: Int, using random: inout SecureRandom) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { out in
            var index = 0
            while index < count {
                var byte = random.nextByte()
                guard byte < 243 else { continue }  // 243 = 3^5: reject to stay uniform
                for _ in 0..<Swift.min(5, count - index) {
                    let quotient = byte / 3
                    out[index] = Int8(byte &- quotient &* 3) - 1
                    byte = quotient
                    index += 1
                }
            }
        }
        return out
    }

    /// Draws `count` coefficients from the centred binomial distribution with `eta = 21`.
    ///
    /// Each coefficient is the difference of the bit counts of two 21-bit strings (42 keystream
    /// bits); three coefficients come from every two 64-bit words (126 of their 128 bits) instead
    /// of one per word.
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - random: the generator.
    /// - Returns: the coefficients, each in `[-21, 21]`.
    public static func centeredBinomial(count: Int, using random: inout SecureRandom) -> [Int8] {
        var out = [Int8](repeating: 0, count: count)
        let eta = UInt64(binomialEta)
        let mask: UInt64 = (1 << eta) - 1
        @inline(__always) func sample(_ bits: UInt64) -> Int8 {
            Int8((bits & mask).nonzeroBitCount - ((bits >> eta) & mask).nonzeroBitCount)
        }
        out.withUnsafeMutableBufferPointer { out in
            var index = 0
            while index < count {
                let first = random.next()
                let second = random.next()
                // Bits 0-41 of the first word; bits 42-63 of the first and 0-19 of the second;
                // bits 20-61 of the second.
                out[index] = sample(first)
                if index + 1 < count { out[index + 1] = sample((first >> 42) | (second << 22)) }
                if index + 2 < count { out[index + 2] = sample(second >> 20) }
                index += 3
            }
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
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public static func uniform<T: ScalarType>(modulus: Modulus<T>, count: Int, using random: inout SecureRandom) -> [T] {
        FHESpecialization.note(T.self, "Sampler.uniform")
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
