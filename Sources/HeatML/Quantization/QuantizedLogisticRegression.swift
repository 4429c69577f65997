import Foundation

/// An integer form of a ``LogisticRegression`` for encrypted scoring: integer features, integer
/// weights and an integer bias, so the score is an exact integer sum.
///
/// Each feature `x_j` becomes a code `q_j` in `0 ..< 2^bits` (``FeatureQuantizer``, over the
/// feature's calibration range), so `x_j ≈ lowerBound_j + step_j * q_j`. The margin
/// `b + Σ w_j x_j` is then `(b + Σ w_j lowerBound_j) + Σ (w_j step_j) q_j`; multiplying by
/// ``scale`` and rounding gives the integer ``weights`` (at most `2^(weightBits-1) - 1` in
/// absolute value) and ``bias``:
///
///     score = bias + Σ weights[j] * q_j   ≈ scale * margin
///
/// A row is positive when `score >= decisionScore(threshold:)` (for the probability threshold
/// 0.5, `score >= 0`). ``maximumAbsoluteScore`` bounds `|score|` over every possible input, so a
/// caller can pick a plaintext modulus `t > 2 * maximumAbsoluteScore`.
///
/// ```swift
/// var model = LogisticRegression()
/// try model.fit(x, labels: y)
/// let q = try model.quantized(bits: 8, calibration: x)
/// let codes = q.codes(x)                       // [[Int]], one row of codes per row
/// let scores = codes.map(q.score(codes:))       // exact integers
/// let positive = scores.map { $0 >= q.decisionScore(threshold: 0.5) }
/// print(q.maximumAbsoluteScore)                 // bound for the plaintext modulus
/// ```
public struct QuantizedLogisticRegression: Sendable, Codable, Equatable {
    /// The bits of each feature code (codes in `0 ..< 2^bits`).
    public let bits: Int
    /// The bits of each integer weight (signed: at most `2^(weightBits-1) - 1` in absolute value).
    public let weightBits: Int
    /// How each feature becomes its code.
    public let features: [FeatureQuantizer]
    /// The integer weight of each feature code.
    public let weights: [Int]
    /// The integer bias.
    public let bias: Int
    /// Integer scores are `scale` times the model's margin (log-odds), up to rounding.
    public let scale: Double
    /// The largest `|score|` any input can produce: `|bias| + Σ |weights[j]| * (2^bits - 1)`.
    public let maximumAbsoluteScore: Int

    /// Creates the integer form of fitted weights.
    ///
    /// - Parameters:
    ///   - coefficients: the float weights.
    ///   - intercept: the float intercept.
    ///   - ranges: each feature's calibration range (values outside are clamped).
    ///   - bits: feature code bits (1 ... 16).
    ///   - weightBits: integer weight bits (2 ... 30; default `bits`).
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for bad bits, ranges or weights.
    public init(coefficients: [Double], intercept: Double, ranges: [ClosedRange<Double>], bits: Int, weightBits: Int? = nil) throws(HeatMLError) {
        let weightBits = weightBits ?? max(bits, 2)
        guard (1...16).contains(bits) else { throw .invalidParameter(name: "bits", value: "\(bits)", reason: "must be in 1 ... 16") }
        guard (2...30).contains(weightBits) else { throw .invalidParameter(name: "weightBits", value: "\(weightBits)", reason: "must be in 2 ... 30") }
        guard !coefficients.isEmpty, ranges.count == coefficients.count else {
            throw .invalidParameter(name: "ranges", value: "\(ranges.count)", reason: "need one calibration range per coefficient (\(coefficients.count)) of a fitted model")
        }
        guard coefficients.allSatisfy(\.isFinite), intercept.isFinite, ranges.allSatisfy({ $0.lowerBound.isFinite && $0.upperBound.isFinite }) else {
            throw .invalidParameter(name: "coefficients", value: "non-finite", reason: "weights and ranges must be finite numbers")
        }
        let levels = 1 << bits
        let quantizers = ranges.map { FeatureQuantizer(lowerBound: $0.lowerBound, upperBound: $0.upperBound, levels: levels) }
        let effective = zip(coefficients, quantizers).map { $0 * $1.step }
        let largest = effective.map(abs).max() ?? 0
        let limit = Double((1 << (weightBits - 1)) - 1)
        let scale = largest > 0 ? limit / largest : 1
        let offset = intercept + zip(coefficients, quantizers).reduce(0) { $0 + $1.0 * $1.1.lowerBound }
        self.bits = bits
        self.weightBits = weightBits
        self.features = quantizers
        self.scale = scale
        self.weights = effective.map { Int(($0 * scale).rounded()) }
        let scaledBias = (offset * scale).rounded()
        guard abs(scaledBias) < Double(1 << 52) else {
            throw .invalidParameter(name: "intercept", value: "\(offset)", reason: "the scaled bias does not fit an integer; use fewer weight bits")
        }
        self.bias = Int(scaledBias)
        self.maximumAbsoluteScore = abs(bias) + weights.reduce(0) { $0 + abs($1) * (levels - 1) }
    }

    /// The codes of every row of a feature matrix.
    ///
    /// - Parameter x: features as the float model sees them (after preprocessing).
    /// - Returns: one array of codes per row.
    public func codes(_ x: Matrix) -> [[Int]] {
        (0..<x.rows).map { i in features.indices.map { j in features[j].code(x[i, j]) } }
    }

    /// The integer score of one row of codes: `bias + Σ weights[j] * codes[j]`.
    ///
    /// - Parameter codes: one code per feature.
    /// - Returns: the exact integer score.
    public func score(codes: [Int]) -> Int {
        zip(weights, codes).reduce(bias) { $0 + $1.0 * $1.1 }
    }

    /// The smallest integer score that counts as positive for a probability threshold:
    /// `ceil(scale * logit(threshold))` (0 for 0.5).
    ///
    /// - Parameter threshold: a probability in (0, 1).
    /// - Returns: the integer decision threshold.
    public func decisionScore(threshold: Double = 0.5) -> Int {
        Int((scale * log(threshold / (1 - threshold))).rounded(.up))
    }

    /// The positive decision of every row (`score >= decisionScore(threshold:)`).
    ///
    /// - Parameters:
    ///   - x: features after preprocessing.
    ///   - threshold: the probability threshold (default 0.5).
    /// - Returns: one decision per row.
    public func decisions(_ x: Matrix, threshold: Double = 0.5) -> [Bool] {
        let cut = decisionScore(threshold: threshold)
        return codes(x).map { score(codes: $0) >= cut }
    }
}

extension LogisticRegression {
    /// The integer form of the fitted model (``QuantizedLogisticRegression``), each feature's code
    /// range taken from calibration rows (their minimum and maximum).
    ///
    /// ```swift
    /// let q = try model.quantized(bits: 8, calibration: xTrain)
    /// ```
    ///
    /// - Parameters:
    ///   - bits: feature code bits (and weight bits unless given).
    ///   - calibration: rows whose per-feature minimum and maximum set the code ranges (the training rows).
    ///   - weightBits: integer weight bits (default `bits`).
    /// - Returns: the integer model.
    /// - Throws: ``HeatMLError`` for an unfitted model, a column count mismatch or bad bits.
    public func quantized(bits: Int, calibration: Matrix, weightBits: Int? = nil) throws(HeatMLError) -> QuantizedLogisticRegression {
        guard calibration.columns == coefficients.count, calibration.rows > 0 else {
            throw .shapeMismatch(context: "LogisticRegression.quantized", expected: "\(coefficients.count) feature columns and at least one row", found: "\(calibration.columns) columns, \(calibration.rows) rows")
        }
        let ranges = (0..<calibration.columns).map { j -> ClosedRange<Double> in
            let present = calibration.column(j).filter(\.isFinite)
            guard let low = present.min(), let high = present.max() else { return 0...0 }
            return low...high
        }
        return try QuantizedLogisticRegression(coefficients: coefficients, intercept: intercept, ranges: ranges, bits: bits, weightBits: weightBits)
    }
}
