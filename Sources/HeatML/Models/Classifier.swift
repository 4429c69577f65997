import Foundation

/// The shape every HeatML binary classifier shares, after scikit-learn's estimators.
///
/// Hyper-parameters are plain stored properties with documented defaults, set before ``fit(_:labels:)``;
/// the fitted state is stored in the same value, so a fitted model is `Codable` as a whole.
/// Labels are 0 (negative) and 1 (positive); probabilities are of the positive class.
///
/// ```swift
/// var model = LogisticRegression(c: 1)
/// try model.fit(x, labels: y)
/// let p = try model.predictProbabilities(x)
/// let classes = try model.predict(x)          // threshold 0.5
/// ```
public protocol Classifier: Sendable, Codable {
    /// Fits the model to training rows.
    ///
    /// - Parameters:
    ///   - x: the features, one row per sample (`.nan` allowed only where the model says so).
    ///   - labels: 0 or 1 per row.
    /// - Throws: ``HeatMLError`` for mismatched shapes, a single class, or invalid hyper-parameters.
    mutating func fit(_ x: Matrix, labels: [Int]) throws(HeatMLError)

    /// The probability of the positive class per row.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one probability in [0, 1] per row.
    /// - Throws: ``HeatMLError`` if the model is not fitted or the columns do not match.
    func predictProbabilities(_ x: Matrix) throws(HeatMLError) -> [Double]

    /// The importance of each feature (non-negative, summing to 1 when any is non-zero).
    var featureImportances: [Double] { get }
}

extension Classifier {
    /// The predicted class per row: 1 where the probability is at least `threshold`.
    ///
    /// - Parameters:
    ///   - x: features.
    ///   - threshold: the decision threshold (default 0.5).
    /// - Returns: 0 or 1 per row.
    /// - Throws: as ``predictProbabilities(_:)``.
    public func predict(_ x: Matrix, threshold: Double = 0.5) throws(HeatMLError) -> [Int] {
        try predictProbabilities(x).map { $0 >= threshold ? 1 : 0 }
    }
}

/// Checks shared by every `fit`: shapes agree, labels are 0 / 1 and both classes occur.
func validateTrainingData(_ x: Matrix, labels: [Int], model: String) throws(HeatMLError) {
    guard x.rows == labels.count else {
        throw .shapeMismatch(context: "\(model).fit labels", expected: "\(x.rows) labels (one per row)", found: "\(labels.count)")
    }
    guard x.rows > 0 else { throw .emptyTable(source: "\(model).fit") }
    if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
        throw .invalidParameter(name: "labels", value: "\(bad)", reason: "labels must be 0 or 1")
    }
    let positives = labels.reduce(0, +)
    if positives == 0 || positives == labels.count {
        throw .singleClass(context: "\(model).fit", label: "\(labels[0])")
    }
}

/// The logistic function, computed without overflow.
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}
