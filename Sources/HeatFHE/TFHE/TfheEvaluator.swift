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
    /// the padding half of the torus exactly when `x < y`, read by a constant test polynomial.
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(1)` when `x >= y`, else `Enc(0)`.
    public func greaterOrEqual(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        let halfDelta = parameters.delta >> 1
        let difference = (x - y).adding(torus: halfDelta)
        return bootstrap(difference, table: .sign(context: context, torus: halfDelta)).adding(torus: halfDelta)
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

    /// Re-encodes `Enc(m)` at half scale (`m * Delta / 2`) so that differences of two such
    /// ciphertexts keep their sign below the padding bit.
    ///
    /// - Parameter ciphertext: `Enc(m)`.
    /// - Returns: the half-scale ciphertext.
    public func halfScale(_ ciphertext: LweCiphertext) -> LweCiphertext {
        let halfDelta = parameters.delta >> 1
        return bootstrap(
            ciphertext,
            table: TfheLookupTable(context: context, boxes: parameters.messageModulus) { UInt64($0) &* halfDelta })
    }

    /// The signed difference `x - y` at half scale (two PBS), the input of signed tables.
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc_(Delta/2)(x - y)`.
    public func halfScaleDifference(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        halfScale(x) - halfScale(y)
    }

    /// `min(x, y) = x - relu(x - y)` (three PBS; the signed table has half the usual margin).
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(min(x, y))`.
    public func minimum(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        x - relu(halfScaleDifference(x, y))
    }

    /// `max(x, y) = y + relu(x - y)` (three PBS).
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(max(x, y))`.
    public func maximum(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        y + relu(halfScaleDifference(x, y))
    }

    private func relu(_ difference: LweCiphertext) -> LweCiphertext {
        bootstrap(difference, table: .signedDomain(context: context, outputDelta: parameters.delta) { Swift.max($0, 0) })
    }

    /// The sign of `x - y` as a message: 0 when `x < y`, 1 when equal, 2 when `x > y` (three PBS).
    ///
    /// - Parameters:
    ///   - x: `Enc(x)`.
    ///   - y: `Enc(y)`.
    /// - Returns: `Enc(sign(x - y) + 1)`.
    public func sign(_ x: LweCiphertext, _ y: LweCiphertext) -> LweCiphertext {
        bootstrap(
            halfScaleDifference(x, y),
            table: .signedDomain(context: context, outputDelta: parameters.delta) { $0 < 0 ? 0 : ($0 == 0 ? 1 : 2) })
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
