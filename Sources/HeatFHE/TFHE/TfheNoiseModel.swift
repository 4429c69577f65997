import Foundation

/// The noise model of the KS-PBS pipeline: variances as fractions of the modulus squared
/// (torus units), following the standard TFHE analysis (Chillotti, Gama, Georgieva, Izabachène,
/// "TFHE: fast fully homomorphic encryption over the torus", 2020, theorems 4.1 and 6.1) with
/// uniform binary keys (`E[s^2] = 1/2`) and TUniform noise.
///
/// - TUniform(`b`): variance `(2^(2b+1) + 1) / 6` on `2^64`.
/// - PBS output: `n * [(k+1) l N (B^2 + 2)/12 * var_GLWE + (1 + kN/2) / (24 B^(2l))]` (the second
///   term is the gadget rounding, present when the key bit is 1, probability 1/2).
/// - Key switching adds `kN l_ks (B_ks^2 + 2)/12 * var_LWE + kN / (24 * 2^(2 beta l_ks))`; with
///   a 32-bit key switch (``TfheParameters/keySwitchModulusLog2`` = 32) `var_LWE` is that of
///   TUniform(`b - 32`) on `2^32`, and rounding the input from `2^64` to `2^32` adds
///   `(1 + kN/2) / (12 * 2^64)` (one uniform rounding error per word, the mask's weighted by the
///   binary key).
/// - Modulus switching to `2N` adds `(1 + n/2) / (12 (2N)^2)`.
/// - A table lookup fails when the total error passes half a box, `Delta / 2 = 2^-(messageBits+2)`:
///   `p_fail = erfc(margin / (sqrt(2) sigma))`.
///
/// ```swift
/// let model = TfheNoiseModel(parameters: .default4Bit)
/// print(model.log2FailureProbability)   // about -60
/// ```
public struct TfheNoiseModel: Sendable {
    /// The parameters.
    public let parameters: TfheParameters

    /// Creates the model.
    ///
    /// - Parameter parameters: the set.
    public init(parameters: TfheParameters) { self.parameters = parameters }

    /// The TUniform(`b`) variance in torus units.
    ///
    /// - Parameter bound: `b` on `2^64`.
    /// - Returns: the variance divided by `2^128`.
    public static func tUniformVariance(bound: Int) -> Double {
        tUniformVariance(bound: bound, modulusLog2: 64)
    }

    /// The TUniform(`b`) variance in torus units on the modulus `2^modulusLog2`.
    ///
    /// - Parameters:
    ///   - bound: `b` on `2^modulusLog2`.
    ///   - modulusLog2: `log2` of the modulus.
    /// - Returns: the variance divided by `2^(2 modulusLog2)`.
    public static func tUniformVariance(bound: Int, modulusLog2: Int) -> Double {
        (pow(2, Double(2 * bound + 1)) + 1) / 6 / pow(2, Double(2 * modulusLog2))
    }

    /// The variance of a fresh big-key encryption.
    public var freshVariance: Double { Self.tUniformVariance(bound: parameters.glweNoiseLog2) }

    /// The variance of a PBS output.
    public var bootstrapVariance: Double {
        let n = Double(parameters.lweDimension)
        let k = Double(parameters.glweDimension)
        let bigN = Double(parameters.polynomialSize)
        let levels = Double(parameters.pbsLevels)
        let base = pow(2, Double(parameters.pbsBaseLog))
        let keyTerm = (k + 1) * levels * bigN * (base * base + 2) / 12 * freshVariance
        let roundingTerm = (1 + k * bigN / 2) / (24 * pow(base, 2 * levels))
        return n * (keyTerm + roundingTerm)
    }

    /// The variance key switching adds: the key's noise, the decomposition's rounding, and with a
    /// 32-bit key switch the rounding of the input from `2^64` to `2^32`.
    public var keySwitchVariance: Double {
        let bigDimension = Double(parameters.bigLweDimension)
        let base = pow(2, Double(parameters.ksBaseLog))
        let levels = Double(parameters.ksLevels)
        let modulusLog2 = parameters.keySwitchModulusLog2
        let keyNoise = Self.tUniformVariance(bound: parameters.lweNoiseLog2 - (64 - modulusLog2), modulusLog2: modulusLog2)
        return bigDimension * levels * (base * base + 2) / 12 * keyNoise
            + bigDimension / (24 * pow(base, 2 * levels)) + keySwitchInputRoundingVariance
    }

    /// The variance of rounding a big-key input from `2^64` to the key-switching modulus `2^w`:
    /// `(1 + kN/2) / (12 * 2^(2w))` for `w = 32` (uniform rounding errors of the body and of the
    /// mask, weighted by the binary key), 0 for `w = 64`.
    public var keySwitchInputRoundingVariance: Double {
        guard parameters.keySwitchModulusLog2 < 64 else { return 0 }
        return (1 + Double(parameters.bigLweDimension) / 2) / (12 * pow(2, Double(2 * parameters.keySwitchModulusLog2)))
    }

    /// The variance modulus switching to `2N` adds.
    public var modulusSwitchVariance: Double {
        let twoN = 2 * Double(parameters.polynomialSize)
        return (1 + Double(parameters.lweDimension) / 2) / (12 * twoN * twoN)
    }

    /// The variance the blind rotation reads for an input of variance `inputVariance`.
    ///
    /// - Parameter inputVariance: the big-key input's variance.
    /// - Returns: input + key switching + modulus switching.
    public func decisionVariance(inputVariance: Double) -> Double {
        inputVariance + keySwitchVariance + modulusSwitchVariance
    }

    /// The failure probability of a lookup whose margin is `margin` (torus units).
    ///
    /// - Parameters:
    ///   - inputVariance: the input's variance.
    ///   - margin: the distance to the box edge (default `Delta / 2`).
    /// - Returns: `erfc(margin / (sqrt(2) sigma))`.
    public func failureProbability(inputVariance: Double, margin: Double? = nil) -> Double {
        let edge = margin ?? pow(2, -Double(parameters.messageBits + 2))
        return erfc(edge / (2 * decisionVariance(inputVariance: inputVariance)).squareRoot())
    }

    /// `log2 p_fail` of one table lookup on a PBS output (the steady state of a circuit).
    public var log2FailureProbability: Double {
        Self.log2FailureProbability(
            margin: pow(2, -Double(parameters.messageBits + 2)),
            sigma: decisionVariance(inputVariance: bootstrapVariance).squareRoot())
    }

    /// `log2 p_fail` of one full-margin lookup whose input is the sum or difference of two PBS
    /// outputs (twice the PBS variance, `sqrt(2)` the standard deviation): the lookups of
    /// ``TfheEvaluator/greaterOrEqual(_:_:)`` on `x - y`, of ``TfheEvaluator/minimum(_:_:)`` on
    /// `x + p b`, of the equality table on `[x >= y] + [y >= x]` and of `classify` on `a + b`.
    public var log2SumInputFailureProbability: Double {
        Self.log2FailureProbability(
            margin: pow(2, -Double(parameters.messageBits + 2)),
            sigma: decisionVariance(inputVariance: 2 * bootstrapVariance).squareRoot())
    }

    /// An integer operation of ``TfheEvaluator``, by the lookups it makes.
    public enum IntegerOperation: Sendable, Hashable {
        /// A table, a comparison with a constant, ``TfheEvaluator/sigmoid(_:)``: one lookup.
        case lookup
        /// ``TfheEvaluator/greaterOrEqual(_:_:)`` and the orders between two ciphertexts: one lookup on `x - y`.
        case order
        /// Equality or inequality of two ciphertexts: two orders and a table on their sum.
        case equality
        /// ``TfheEvaluator/minimum(_:_:)`` or ``TfheEvaluator/maximum(_:_:)``: an order, two
        /// lookups on `x`, `y` and two on `x + p b`, `y + p b`.
        case minimumOrMaximum
        /// ``TfheEvaluator/sign(_:_:)``: two orders.
        case sign
        /// ``TfheEvaluator/classify(high:low:thresholds:)`` with this many thresholds: per
        /// threshold two lookups on the digits and one on their sum (a count below 1 makes no
        /// lookup, so its failure probability is 0, `log2` of it `-infinity`).
        case classify(thresholds: Int)

        /// The lookups on a PBS output and on the sum of two.
        public var lookups: (plain: Int, sumInput: Int) {
            switch self {
            case .lookup: (1, 0)
            case .order: (0, 1)
            case .equality: (0, 3)
            case .minimumOrMaximum: (2, 3)
            case .sign: (0, 2)
            case .classify(let thresholds): (2 * thresholds, thresholds)
            }
        }
    }

    /// `log2 p_fail` of an integer operation, the union bound over its lookups, with its inputs
    /// PBS outputs (the steady state of a circuit; a fresh encryption has far less noise).
    ///
    /// ```swift
    /// let model = TfheNoiseModel(parameters: .fast4Bit)
    /// print(model.log2FailureProbability(of: .minimumOrMaximum))   // about -15.4
    /// ```
    ///
    /// - Parameter operation: the operation.
    /// - Returns: `log2` of the sum of its lookups' failure probabilities.
    public func log2FailureProbability(of operation: IntegerOperation) -> Double {
        let (plain, sumInput) = operation.lookups
        var terms: [Double] = []
        if plain > 0 { terms.append(log2(Double(plain)) + log2FailureProbability) }
        if sumInput > 0 { terms.append(log2(Double(sumInput)) + log2SumInputFailureProbability) }
        guard let largest = terms.max() else { return -Double.infinity }
        return largest + log2(terms.reduce(0) { $0 + pow(2, $1 - largest) })
    }

    /// `log2 erfc(margin / (sqrt(2) sigma))`, with the asymptotic form where `erfc` underflows.
    static func log2FailureProbability(margin edge: Double, sigma: Double) -> Double {
        let z = edge / sigma
        let p = erfc(z / 2.squareRoot())
        if p > 0 { return log2(p) }
        // erfc underflows: asymptotic erfc(x) ~ exp(-x^2) / (x sqrt(pi)).
        let x = z / 2.squareRoot()
        return (-x * x - log(x * Double.pi.squareRoot())) / log(2)
    }
}
