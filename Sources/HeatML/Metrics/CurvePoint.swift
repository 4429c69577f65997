/// One point of a ROC or precision-recall curve, with the threshold that produces it.
///
/// For ROC curves `x` is the false-positive rate and `y` the true-positive rate; for PR curves `x`
/// is recall and `y` precision. A row is predicted positive when its score is `>= threshold`.
///
/// ```swift
/// let roc = try rocCurve(labels: y, scores: s)
/// let pairs = roc.map { [$0.x, $0.y] }
/// ```
public struct CurvePoint: Sendable, Codable, Equatable {
    /// False-positive rate (ROC) or recall (PR).
    public var x: Double
    /// True-positive rate (ROC) or precision (PR).
    public var y: Double
    /// The score threshold (`+infinity` for the ROC origin).
    public var threshold: Double

    /// Creates a point.
    ///
    /// - Parameters:
    ///   - x: the horizontal coordinate.
    ///   - y: the vertical coordinate.
    ///   - threshold: the threshold producing it.
    public init(x: Double, y: Double, threshold: Double) {
        self.x = x
        self.y = y
        self.threshold = threshold
    }

    private enum CodingKeys: String, CodingKey { case x, y, threshold }

    /// Encodes the point; an infinite threshold is written as `null` (JSON has no infinity).
    ///
    /// - Parameter encoder: the encoder.
    /// - Throws: encoder errors.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(x, forKey: .x)
        try container.encode(y, forKey: .y)
        try container.encode(threshold.isFinite ? threshold : nil, forKey: .threshold)
    }

    /// Decodes a point; a `null` threshold is `+infinity`.
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: decoding errors.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        x = try container.decode(Double.self, forKey: .x)
        y = try container.decode(Double.self, forKey: .y)
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? .infinity
    }
}

/// One bin of a calibration table: predicted probability against the observed positive rate.
///
/// ```swift
/// for bin in try calibrationTable(labels: y, probabilities: p, bins: 10) {
///     print(bin.lower, bin.meanPredicted, bin.observedRate, bin.count)
/// }
/// ```
public struct CalibrationBin: Sendable, Codable, Equatable {
    /// The bin's lower edge (inclusive).
    public var lower: Double
    /// The bin's upper edge (exclusive, inclusive for the last bin).
    public var upper: Double
    /// Rows whose probability falls in the bin.
    public var count: Int
    /// The mean predicted probability of those rows.
    public var meanPredicted: Double
    /// The share of those rows that are positive.
    public var observedRate: Double

    /// Creates a bin.
    ///
    /// - Parameters:
    ///   - lower: lower edge.
    ///   - upper: upper edge.
    ///   - count: rows in the bin.
    ///   - meanPredicted: mean probability.
    ///   - observedRate: positive share.
    public init(lower: Double, upper: Double, count: Int, meanPredicted: Double, observedRate: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.meanPredicted = meanPredicted
        self.observedRate = observedRate
    }
}
