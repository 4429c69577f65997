/// How training rows are weighted by class.
///
/// ```swift
/// let model = LogisticRegression(c: 1, classWeight: .balanced)
/// ```
public enum ClassWeight: Sendable, Codable, Equatable {
    /// Every row weighs 1.
    case none
    /// Each class weighs `rows / (2 * rows of the class)`, as scikit-learn's `"balanced"`.
    case balanced
    /// Explicit weights for the negative (0) and positive (1) class.
    case custom(negative: Double, positive: Double)

    /// The weight of each row.
    ///
    /// - Parameter labels: 0 / 1 labels.
    /// - Returns: one weight per row.
    public func weights(for labels: [Int]) -> [Double] {
        switch self {
        case .none:
            return [Double](repeating: 1, count: labels.count)
        case .balanced:
            let positives = Double(labels.reduce(0, +))
            let negatives = Double(labels.count) - positives
            let n = Double(labels.count)
            let wPos = positives > 0 ? n / (2 * positives) : 0
            let wNeg = negatives > 0 ? n / (2 * negatives) : 0
            return labels.map { $0 == 1 ? wPos : wNeg }
        case let .custom(negative, positive):
            return labels.map { $0 == 1 ? positive : negative }
        }
    }
}
