/// Counts of a binary classifier's outcomes at one threshold, with the rates derived from them.
///
/// Rates with an empty denominator are 0 (scikit-learn's `zero_division=0`).
///
/// ```swift
/// let cm = try confusionMatrix(labels: [0, 1, 1], scores: [0.2, 0.6, 0.4], threshold: 0.5)
/// // cm.truePositives == 1, cm.falseNegatives == 1, cm.recall == 0.5
/// ```
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    /// Negatives predicted negative.
    public var trueNegatives: Int
    /// Negatives predicted positive.
    public var falsePositives: Int
    /// Positives predicted negative.
    public var falseNegatives: Int
    /// Positives predicted positive.
    public var truePositives: Int

    /// Creates a confusion matrix from counts.
    ///
    /// - Parameters:
    ///   - trueNegatives: negatives predicted negative.
    ///   - falsePositives: negatives predicted positive.
    ///   - falseNegatives: positives predicted negative.
    ///   - truePositives: positives predicted positive.
    public init(trueNegatives: Int, falsePositives: Int, falseNegatives: Int, truePositives: Int) {
        self.trueNegatives = trueNegatives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        self.truePositives = truePositives
    }

    /// All rows.
    public var total: Int { trueNegatives + falsePositives + falseNegatives + truePositives }
    /// The share of rows predicted correctly.
    public var accuracy: Double { ratio(trueNegatives + truePositives, total) }
    /// The share of predicted positives that are positive.
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// The share of positives predicted positive.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// The harmonic mean of precision and recall.
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// The matrix as rows `[[tn, fp], [fn, tp]]`, as in the results document.
    public var rows: [[Int]] { [[trueNegatives, falsePositives], [falseNegatives, truePositives]] }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
