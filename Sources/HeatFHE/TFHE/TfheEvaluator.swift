import Foundation

/// The server (evaluation) key: the bootstrapping key and the key-switching key.
///
/// ```swift
/// let serverKey = TfheServerKey(secretKey: clientKey)
/// let evaluator = TfheEvaluator(serverKey: serverKey)
/// ```
public struct TfheServerKey: Sendable {
    /// The bootstrapping key (GGSW encryptions of the small key under the GLWE key).
    public let bootstrappingKey: TfheBootstrappingKey
    /// The key-switching key (big key to small key).
    public let keySwitchingKey: TfheKeySwitchingKey

    /// Generates both keys.
    ///
    /// - Parameters:
    ///   - secretKey: the client key.
    ///   - random: the CSPRNG.
    public init(secretKey: TfheSecretKey, using random: inout SecureRandom) {
        bootstrappingKey = TfheBootstrappingKey(secretKey: secretKey, using: &random)
        keySwitchingKey = TfheKeySwitchingKey(secretKey: secretKey, using: &random)
    }

    /// Generates both keys from a fresh system-keyed generator.
    ///
    /// - Parameter secretKey: the client key.
    public init(secretKey: TfheSecretKey) {
        var random = SecureRandom()
        self.init(secretKey: secretKey, using: &random)
    }

    /// Assembles a server key from loaded parts.
    package init(bootstrappingKey: TfheBootstrappingKey, keySwitchingKey: TfheKeySwitchingKey) {
        self.bootstrappingKey = bootstrappingKey
        self.keySwitchingKey = keySwitchingKey
    }

    /// The context.
    public var context: TfheContext { bootstrappingKey.context }

    /// The size of the seed-compressed file payload in bytes (seeds and bodies; key-switching
    /// bodies are 4 bytes each with a 32-bit key switch, else 8).
    public var compressedByteCount: Int {
        8 * bootstrappingKey.bodies.count + keySwitchingKey.bodies.count * context.parameters.keySwitchModulusLog2 / 8 + 64
    }
    /// The size of the expanded keys in memory in bytes (rows, Shoup companions, entries).
    public var expandedByteCount: Int {
        16 * bootstrappingKey.rows.count + keySwitchingKey.expandedByteCount
    }
}

/// Programmable bootstrapping and the integer operations built on it, for messages of
/// ``TfheParameters/messageBits`` bits with a padding bit.
///
/// **PBS** (key switch, then bootstrap, the "KS-PBS" order of TFHE-rs): the big-key input is key
/// switched to the small key, its `n + 1` words are modulus-switched from `2^64` to `2N`, the
/// test polynomial of the table is blind-rotated, and the constant coefficient is sample-extracted
/// and moved back to `2^64`: a big-key ciphertext of `f(m)` with fresh noise.
///
/// ```swift
/// let evaluator = TfheEvaluator(serverKey: serverKey)
/// let isHot = evaluator.compare(heat, .greaterOrEqual, 12)   // Enc(1) when heat >= 12
/// ```
public struct TfheEvaluator: Sendable {
    /// The server key.
    public let serverKey: TfheServerKey

    /// Creates an evaluator.
    ///
    /// - Parameter serverKey: the server key.
    public init(serverKey: TfheServerKey) { self.serverKey = serverKey }

    /// The context.
    public var context: TfheContext { serverKey.context }
    /// The parameters.
    public var parameters: TfheParameters { context.parameters }

    /// Modulus switching from `2^64` to `2N`: every word rounded to its top `log2(2N)` bits.
    ///
    /// - Parameter ciphertext: a small-key ciphertext.
    /// - Returns: the `n + 1` values in `[0, 2N)`.
    public func modulusSwitch(_ ciphertext: LweCiphertext) -> [Int] {
        let logTwoN = UInt64((2 * parameters.polynomialSize).trailingZeroBitCount)
        let mask = UInt64(2 * parameters.polynomialSize - 1)
        return ciphertext.data.map { word in Int((((word >> (63 - logTwoN)) &+ 1) >> 1) & mask) }
    }

    /// The programmable bootstrap of a big-key ciphertext through a table.
    ///
    /// - Parameters:
    ///   - ciphertext: a big-key ciphertext whose padding bit is clear.
    ///   - table: the table.
    /// - Returns: a big-key ciphertext of the table's value, with fresh noise.
    public func bootstrap(_ ciphertext: LweCiphertext, table: TfheLookupTable) -> LweCiphertext {
        let small = serverKey.keySwitchingKey.keySwitch(ciphertext)
        return bootstrapSmall(small, table: table)
    }

    /// The bootstrap of a small-key ciphertext (no key switch first).
    ///
    /// - Parameters:
    ///   - small: a ciphertext of dimension `n`.
    ///   - table: the table.
    /// - Returns: a big-key ciphertext.
    public func bootstrapSmall(_ small: LweCiphertext, table: TfheLookupTable) -> LweCiphertext {
        let switched = modulusSwitch(small)
        let accumulator = serverKey.bootstrappingKey.blindRotate(switched: switched, testPolynomial: table.testPolynomial)
        return accumulator.sampleExtract(context: context)
    }

    /// Applies a function of the message (`f(m)` taken modulo `2p`; keep it below `p` to chain).
    ///
    /// - Parameters:
    ///   - ciphertext: `Enc(m)`, `m` in `[0, p)`.
    ///   - function: `f`.
    /// - Returns: `Enc(f(m))`.
    public func apply(_ ciphertext: LweCiphertext, _ function: (Int) -> Int) -> LweCiphertext {
        bootstrap(ciphertext, table: TfheLookupTable(context: context, function: function))
    }

    /// A comparison of a message with a plaintext constant.
    public enum Comparison: String, Sendable, CaseIterable {
        /// `m < c`.
        case less
        /// `m <= c`.
        case lessOrEqual
        /// `m == c`.
        case equal
        /// `m != c`.
        case notEqual
        /// `m >= c`.
        case greaterOrEqual
        /// `m > c`.
        case greater

        /// The plaintext truth value.
        ///
        /// - Parameters:
        ///   - a: the left value.
        ///   - b: the right value.
        /// - Returns: whether `a` compares to `b` this way.
        public func holds(_ a: Int, _ b: Int) -> Bool {
            switch self {
            case .less: a < b
            case .lessOrEqual: a <= b
            case .equal: a == b
            case .notEqual: a != b
            case .greaterOrEqual: a >= b
            case .greater: a > b
            }
        }
    }

    /// Compares with a constant in one PBS.
    ///
    /// - Parameters:
    ///   - ciphertext: `Enc(m)`.
    ///   - comparison: the relation.
    ///   - constant: `c`.
    /// - Returns: `Enc(1)` when `m` relates to `c`, else `Enc(0)`.
    public func compare(_ ciphertext: LweCiphertext, _ comparison: Comparison, _ constant: Int) -> LweCiphertext {
        apply(ciphertext) { comparison.holds($0, constant) ? 1 : 0 }
    }

    /// `Enc([x >= y])` in one PBS: the sign of `(x - y) * Delta + Delta / 2`, whose phase lies in
    /// the padding half of the torus exactly when `x < y`, read by a constant test polynomial. The
    /// phase is `Delta / 2` away from both edges of the half torus: the full margin of a table.
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(1)` when `x >= y`, else `Enc(0)`.
    public func greaterOrEqual(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        greaterOrEqual(x, y, outputTorus: parameters.delta)
    }

    /// `[x >= y]` at an output scale: `outputTorus` when `x >= y`, else 0 (one PBS; the constant
    /// test polynomial holds `outputTorus / 2`, which the padding half reads negated, and
    /// `outputTorus / 2` is added after).
    private func greaterOrEqual(_ x: LweCiphertext, _ y: LweCiphertext, outputTorus: UInt64) -> LweCiphertext {
        let halfDelta = parameters.delta >> 1
        let halfOutput = outputTorus >> 1
        let difference = (x - y).adding(torus: halfDelta)
        return bootstrap(difference, table: .sign(context: context, torus: halfOutput)).adding(torus: halfOutput)
    }

    /// Compares two ciphertexts (``greaterOrEqual(_:_:)`` for the orders, three PBS for equality).
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - comparison: the relation.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(1)` when `x` relates to `y`, else `Enc(0)`.
    public func compare(_ x: LweCiphertext, _ comparison: Comparison, _ y: LweCiphertext) -> LweCiphertext {
        let one = LweCiphertext.trivial(parameters.delta, dimension: x.dimension)
        switch comparison {
        case .greaterOrEqual: return greaterOrEqual(x, y)
        case .less: return one - greaterOrEqual(x, y)
        case .lessOrEqual: return greaterOrEqual(y, x)
        case .greater: return one - greaterOrEqual(y, x)
        case .equal, .notEqual:
            let both = greaterOrEqual(x, y) + greaterOrEqual(y, x)  // 2 when equal, else 1
            let equalValue = comparison == .equal ? 1 : 0
            return apply(both) { $0 == 2 ? equalValue : 1 - equalValue }
        }
    }

    /// `min(x, y)` in five full-margin PBS: `b = [x >= y]` made at scale `p Delta` (the half
    /// torus), then `min = x (1 - b) + y b` from the negacyclic half-scale table
    /// `T(m) = m Delta / 2`: the phase `(x + p b) Delta` reads `+T(x)` when `b = 0` and `-T(x)`
    /// when `b = 1`, so `T(x) + T(x + p b) = x (1 - b) Delta` and `T(y) - T(y + p b) = y b Delta`
    /// exactly. Every lookup reads boxes of the full size (margin `Delta / 2`); the inputs
    /// `x + p b` carry the noise of `x` plus one PBS output (see
    /// ``TfheNoiseModel/log2FailureProbability(of:)``). The result is the sum of four PBS outputs
    /// (twice a PBS output's standard deviation).
    ///
    /// ```swift
    /// let low = evaluator.minimum(key.encrypt(9), key.encrypt(4))   // Enc(4)
    /// ```
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(min(x, y))`.
    public func minimum(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        let parts = selectedHalves(x, y)
        return parts.x + parts.xSelected + parts.y - parts.ySelected
    }

    /// `max(x, y) = x b + y (1 - b)` with `b = [x >= y]`, five full-margin PBS as in
    /// ``minimum(_:_:)``.
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(max(x, y))`.
    public func maximum(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        let parts = selectedHalves(x, y)
        return parts.x - parts.xSelected + parts.y + parts.ySelected
    }

    /// The four half-scale lookups of ``minimum(_:_:)`` and ``maximum(_:_:)``: `T(x)`,
    /// `T(x + p b)`, `T(y)`, `T(y + p b)` with `b = [x >= y]` (five PBS in all).
    private func selectedHalves(_ x: LweCiphertext, _ y: LweCiphertext)
        -> (x: LweCiphertext, xSelected: LweCiphertext, y: LweCiphertext, ySelected: LweCiphertext)
    {
        let halfTorus = UInt64(parameters.messageModulus) &* parameters.delta
        let selector = greaterOrEqual(x, y, outputTorus: halfTorus)  // Enc(p b)
        let halfDelta = parameters.delta >> 1
        let halfScale = TfheLookupTable(context: context, boxes: parameters.messageModulus) { UInt64($0) &* halfDelta }
        return (
            bootstrap(x, table: halfScale), bootstrap(x + selector, table: halfScale),
            bootstrap(y, table: halfScale), bootstrap(y + selector, table: halfScale)
        )
    }

    /// The sign of `x - y` as a message: 0 when `x < y`, 1 when equal, 2 when `x > y`, as
    /// `[x >= y] + 1 - [y >= x]` (two full-margin PBS and a linear combination).
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(sign(x - y) + 1)`.
    public func sign(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        let one = LweCiphertext.trivial(parameters.delta, dimension: x.dimension)
        return greaterOrEqual(x, y) + (one - greaterOrEqual(y, x))
    }

    /// A quantized logistic sigmoid: input `m` stands for `z = (m - p/2) / 2`, the output is
    /// `round((p - 1) * sigmoid(z))`.
    ///
    /// - Parameter ciphertext: `Enc(m)`.
    /// - Returns: `Enc(sigmoid_q(m))`.
    public func sigmoid(_ ciphertext: LweCiphertext) -> LweCiphertext {
        let table = Self.sigmoidTable(messageModulus: parameters.messageModulus)
        return bootstrap(ciphertext, table: TfheLookupTable(context: context, values: table))
    }

    /// The plaintext quantized sigmoid table of ``sigmoid(_:)``.
    ///
    /// - Parameter messageModulus: `p`.
    /// - Returns: `p` values in `[0, p)`.
    public static func sigmoidTable(messageModulus p: Int) -> [Int] {
        (0..<p).map { m in
            let z = Double(m - p / 2) / 2
            return Int((Double(p - 1) / (1 + exp(-z))).rounded())
        }
    }

    /// Classifies a score given as two digits (`score = high * p + low`, both in `[0, p)`) into
    /// levels `0...thresholds.count` (for example cold, cool, warm, hot): the number of
    /// thresholds the score reaches. Each threshold `T = T_h * p + T_l` costs three PBS:
    /// `a = 2 [high > T_h] + [high == T_h]`, `b = [low >= T_l]`, then `[a + b >= 2]`.
    ///
    /// - Parameters:
    ///   - high: `Enc(score / p)`.
    ///   - low: `Enc(score % p)`.
    ///   - thresholds: ascending thresholds in `[0, p^2)`, at most `p - 1` of them.
    /// - Returns: `Enc(level)`.
    public func classify(high: LweCiphertext, low: LweCiphertext, thresholds: [Int]) -> LweCiphertext {
        let p = parameters.messageModulus
        var level = LweCiphertext.trivial(0, dimension: high.dimension)
        for threshold in thresholds {
            let thresholdHigh = threshold / p
            let thresholdLow = threshold % p
            let a = apply(high) { $0 > thresholdHigh ? 2 : ($0 == thresholdHigh ? 1 : 0) }
            let b = apply(low) { $0 >= thresholdLow ? 1 : 0 }
            level = level + apply(a + b) { $0 >= 2 ? 1 : 0 }
        }
        return level
    }

    /// The plaintext level of ``classify(high:low:thresholds:)``.
    ///
    /// - Parameters:
    ///   - score: the score.
    ///   - thresholds: the thresholds.
    /// - Returns: how many thresholds the score reaches.
    public static func level(of score: Int, thresholds: [Int]) -> Int {
        thresholds.filter { score >= $0 }.count
    }

    /// The default heat-level thresholds on a 0-100 score: cold < 25 <= cool < 50 <= warm < 75 <= hot.
    public static let heatLevelThresholds = [25, 50, 75]
}
