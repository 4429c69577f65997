import Foundation

// Metrics as free functions, after scikit-learn. Labels are 0 / 1; scores are any real numbers
// where higher means "more likely positive" (probabilities for log loss and calibration).

/// Checks that labels and scores agree in length, are non-empty and labels are 0 / 1.
private func validate(_ labels: [Int], _ scores: [Double], _ metric: String) throws(HeatMLError) {
    guard labels.count == scores.count else {
        throw .shapeMismatch(context: metric, expected: "\(labels.count) scores (one per label)", found: "\(scores.count)")
    }
    guard !labels.isEmpty else { throw .emptyTable(source: metric) }
    if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
        throw .invalidParameter(name: "\(metric) labels", value: "\(bad)", reason: "labels must be 0 or 1")
    }
    if let bad = scores.first(where: { $0.isNaN }) {
        throw .invalidParameter(name: "\(metric) scores", value: "\(bad)", reason: "scores must not be NaN")
    }
}

/// Cumulative (false positives, true positives, threshold) at each distinct score, highest first.
private func thresholdSteps(_ labels: [Int], _ scores: [Double]) -> [(fp: Int, tp: Int, threshold: Double)] {
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var steps: [(fp: Int, tp: Int, threshold: Double)] = []
    var tp = 0, fp = 0
    var index = 0
    while index < order.count {
        let score = scores[order[index]]
        while index < order.count, scores[order[index]] == score {
            if labels[order[index]] == 1 { tp += 1 } else { fp += 1 }
            index += 1
        }
        steps.append((fp, tp, score))
    }
    return steps
}

/// The area under the ROC curve, with tied scores counted as half (trapezoidal rule over the
/// distinct thresholds), equal to scikit-learn's `roc_auc_score`.
///
/// ```swift
/// let auc = try rocAUC(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])   // 0.75
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row (higher = more likely positive).
/// - Returns: the AUC in [0, 1].
/// - Throws: ``HeatMLError/singleClass(context:label:)`` when only one class occurs; shape errors.
public func rocAUC(labels: [Int], scores: [Double]) throws(HeatMLError) -> Double {
    try validate(labels, scores, "rocAUC")
    let positives = labels.reduce(0, +), negatives = labels.count - positives
    guard positives > 0, negatives > 0 else { throw .singleClass(context: "rocAUC", label: "\(labels[0])") }
    var twiceArea = 0, previousFP = 0, previousTP = 0
    for step in thresholdSteps(labels, scores) {
        twiceArea += (step.fp - previousFP) * (step.tp + previousTP)
        previousFP = step.fp
        previousTP = step.tp
    }
    return Double(twiceArea) / (2 * Double(positives) * Double(negatives))
}

/// Average precision, exactly as scikit-learn's `average_precision_score`:
/// `sum_k (R_k - R_{k-1}) * P_k` over the distinct thresholds (a step function, no interpolation).
///
/// ```swift
/// let ap = try averagePrecision(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])   // 0.8333...
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
/// - Returns: the average precision in [0, 1].
/// - Throws: ``HeatMLError/singleClass(context:label:)`` when there is no positive; shape errors.
public func averagePrecision(labels: [Int], scores: [Double]) throws(HeatMLError) -> Double {
    try validate(labels, scores, "averagePrecision")
    let positives = labels.reduce(0, +)
    guard positives > 0 else { throw .singleClass(context: "averagePrecision", label: "0") }
    var sum = 0.0, previousTP = 0
    for step in thresholdSteps(labels, scores) where step.tp > previousTP {
        sum += Double(step.tp - previousTP) / Double(positives) * (Double(step.tp) / Double(step.tp + step.fp))
        previousTP = step.tp
    }
    return sum
}

/// The mean binary cross-entropy, as scikit-learn's `log_loss` (probabilities clipped to
/// `[eps, 1 - eps]` with `eps` the `Double` machine epsilon).
///
/// ```swift
/// let loss = try logLoss(labels: [0, 1], probabilities: [0.2, 0.7])
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - probabilities: the positive-class probability per row.
/// - Returns: the mean log loss (natural logarithm).
/// - Throws: shape errors, or an invalid probability outside [0, 1].
public func logLoss(labels: [Int], probabilities: [Double]) throws(HeatMLError) -> Double {
    try meanLogLoss(labels: labels, probabilities: probabilities)
}

/// The implementation of ``logLoss(labels:probabilities:)`` under a name that types with a
/// `logLoss` property (``MetricSummary``) can call.
func meanLogLoss(labels: [Int], probabilities: [Double]) throws(HeatMLError) -> Double {
    try validate(labels, probabilities, "logLoss")
    if let bad = probabilities.first(where: { $0 < 0 || $0 > 1 }) {
        throw .invalidParameter(name: "logLoss probabilities", value: "\(bad)", reason: "probabilities must be in [0, 1]")
    }
    let eps = Double.ulpOfOne
    var total = 0.0
    for (y, p) in zip(labels, probabilities) {
        let clipped = min(max(p, eps), 1 - eps)
        total -= y == 1 ? log(clipped) : log(1 - clipped)
    }
    return total / Double(labels.count)
}

/// The confusion matrix when rows scoring at least `threshold` are predicted positive.
///
/// ```swift
/// let cm = try confusionMatrix(labels: y, scores: p, threshold: 0.5)
/// print(cm.f1, cm.rows)
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
///   - threshold: the decision threshold (default 0.5).
/// - Returns: the counts.
/// - Throws: shape errors.
public func confusionMatrix(labels: [Int], scores: [Double], threshold: Double = 0.5) throws(HeatMLError) -> ConfusionMatrix {
    try validate(labels, scores, "confusionMatrix")
    var cm = ConfusionMatrix(trueNegatives: 0, falsePositives: 0, falseNegatives: 0, truePositives: 0)
    for (y, s) in zip(labels, scores) {
        switch (y == 1, s >= threshold) {
        case (false, false): cm.trueNegatives += 1
        case (false, true): cm.falsePositives += 1
        case (true, false): cm.falseNegatives += 1
        case (true, true): cm.truePositives += 1
        }
    }
    return cm
}

/// The share of rows classified correctly at a threshold.
///
/// ```swift
/// let acc = try accuracy(labels: [0, 1], scores: [0.2, 0.9])   // 1
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
///   - threshold: positive when `score >= threshold` (default 0.5).
/// - Returns: the accuracy.
/// - Throws: shape errors.
public func accuracy(labels: [Int], scores: [Double], threshold: Double = 0.5) throws(HeatMLError) -> Double {
    try confusionMatrix(labels: labels, scores: scores, threshold: threshold).accuracy
}

/// Precision at a threshold (0 when nothing is predicted positive).
///
/// ```swift
/// let p = try precision(labels: [0, 1, 1], scores: [0.6, 0.9, 0.1])   // 0.5
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
///   - threshold: positive when `score >= threshold` (default 0.5).
/// - Returns: the precision.
/// - Throws: shape errors.
public func precision(labels: [Int], scores: [Double], threshold: Double = 0.5) throws(HeatMLError) -> Double {
    try confusionMatrix(labels: labels, scores: scores, threshold: threshold).precision
}

/// Recall at a threshold (0 when there is no positive).
///
/// ```swift
/// let r = try recall(labels: [0, 1, 1], scores: [0.6, 0.9, 0.1])   // 0.5
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
///   - threshold: positive when `score >= threshold` (default 0.5).
/// - Returns: the recall.
/// - Throws: shape errors.
public func recall(labels: [Int], scores: [Double], threshold: Double = 0.5) throws(HeatMLError) -> Double {
    try confusionMatrix(labels: labels, scores: scores, threshold: threshold).recall
}

/// F1 at a threshold (0 when precision and recall are both 0).
///
/// ```swift
/// let f = try f1Score(labels: [0, 1, 1], scores: [0.6, 0.9, 0.1])   // 0.5
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
///   - threshold: positive when `score >= threshold` (default 0.5).
/// - Returns: the F1 score.
/// - Throws: shape errors.
public func f1Score(labels: [Int], scores: [Double], threshold: Double = 0.5) throws(HeatMLError) -> Double {
    try confusionMatrix(labels: labels, scores: scores, threshold: threshold).f1
}

/// The ROC curve: (false-positive rate, true-positive rate) at every distinct score, starting at
/// (0, 0) with threshold `+infinity` and ending at (1, 1). Unlike scikit-learn's default it keeps
/// collinear intermediate points; the area is the same.
///
/// ```swift
/// let points = try rocCurve(labels: y, scores: s).map { [$0.x, $0.y] }
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
/// - Returns: the curve's points in order of decreasing threshold.
/// - Throws: ``HeatMLError/singleClass(context:label:)`` when only one class occurs; shape errors.
public func rocCurve(labels: [Int], scores: [Double]) throws(HeatMLError) -> [CurvePoint] {
    try validate(labels, scores, "rocCurve")
    let positives = Double(labels.reduce(0, +)), negatives = Double(labels.count) - positives
    guard positives > 0, negatives > 0 else { throw .singleClass(context: "rocCurve", label: "\(labels[0])") }
    return [CurvePoint(x: 0, y: 0, threshold: .infinity)]
        + thresholdSteps(labels, scores).map { CurvePoint(x: Double($0.fp) / negatives, y: Double($0.tp) / positives, threshold: $0.threshold) }
}

/// The precision-recall curve: (recall, precision) at every distinct score, in order of
/// decreasing threshold, as scikit-learn 1.9's `precision_recall_curve` (reversed, without its
/// final (recall 0, precision 1) sentinel).
///
/// ```swift
/// let points = try precisionRecallCurve(labels: y, scores: s).map { [$0.x, $0.y] }
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - scores: a score per row.
/// - Returns: the curve's points.
/// - Throws: ``HeatMLError/singleClass(context:label:)`` when there is no positive; shape errors.
public func precisionRecallCurve(labels: [Int], scores: [Double]) throws(HeatMLError) -> [CurvePoint] {
    try validate(labels, scores, "precisionRecallCurve")
    let positives = labels.reduce(0, +)
    guard positives > 0 else { throw .singleClass(context: "precisionRecallCurve", label: "0") }
    var points: [CurvePoint] = []
    for step in thresholdSteps(labels, scores) {
        points.append(CurvePoint(x: Double(step.tp) / Double(positives), y: Double(step.tp) / Double(step.tp + step.fp), threshold: step.threshold))
    }
    return points
}

/// A calibration table: probabilities cut into equal-width bins over [0, 1]; per non-empty bin,
/// the mean predicted probability and the observed positive rate.
///
/// ```swift
/// let table = try calibrationTable(labels: y, probabilities: p, bins: 10)
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 per row.
///   - probabilities: probabilities in [0, 1].
///   - bins: the number of bins (>= 1, default 10).
/// - Returns: the non-empty bins in increasing order.
/// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for `bins < 1` or a probability
///   outside [0, 1]; shape errors.
public func calibrationTable(labels: [Int], probabilities: [Double], bins: Int = 10) throws(HeatMLError) -> [CalibrationBin] {
    try validate(labels, probabilities, "calibrationTable")
    guard bins >= 1 else { throw .invalidParameter(name: "bins", value: "\(bins)", reason: "must be at least 1") }
    if let bad = probabilities.first(where: { $0 < 0 || $0 > 1 }) {
        throw .invalidParameter(name: "calibrationTable probabilities", value: "\(bad)", reason: "probabilities must be in [0, 1]")
    }
    var counts = [Int](repeating: 0, count: bins), positives = counts
    var sums = [Double](repeating: 0, count: bins)
    for (y, p) in zip(labels, probabilities) {
        let b = min(Int(p * Double(bins)), bins - 1)
        counts[b] += 1
        positives[b] += y
        sums[b] += p
    }
    return (0..<bins).filter { counts[$0] > 0 }.map { b in
        CalibrationBin(lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: counts[b],
                       meanPredicted: sums[b] / Double(counts[b]), observedRate: Double(positives[b]) / Double(counts[b]))
    }
}
