import Foundation
import HeatEnvelope
import HeatML

/// Fraud and anomaly profiling on customer ``BehaviourProfile``s: k-means behaviour segments,
/// isolation-forest anomaly scores, and a hybrid classifier (logistic regression on the profile
/// features plus the anomaly score) compared by cross-validation against the same classifier
/// without the anomaly score.
///
/// Every metric is measured on whatever labelled log it is fitted on; the only labelled data
/// that ships is the synthetic ``FraudSimulator`` log, and reports say so (``FraudEvaluation/measuredOn``).
///
/// ```swift
/// let profiles = BehaviourProfiler().profiles(of: transactions)
/// let model = try FraudModel.fit(profiles, measuredOn: "synthetic FraudSimulator seed 7")
/// let scored = try model.score(profiles)
/// ```
public struct FraudModel: Sendable, Codable, Equatable {
    /// Per-feature mean of the training profiles (standardisation).
    public var means: [Double]
    /// Per-feature population standard deviation (1 for a constant feature).
    public var scales: [Double]
    /// Per-feature median of the training profiles (the "typical" value in alert reasons).
    public var medians: [Double]
    /// The isolation forest on standardised features.
    public var forest: IsolationForest
    /// The k-means segmentation on standardised features.
    public var segments: KMeans
    /// The hybrid classifier (features + anomaly score), when the log had labels.
    public var hybrid: LogisticRegression?
    /// The cross-validated comparison, when the log had labels.
    public var evaluation: FraudEvaluation?
    /// The alert threshold on the hybrid probability (default 0.5).
    public var alertThreshold: Double

    /// Fits the model on profiles (labels optional: without them only segments and anomaly
    /// scores are fitted and alerts come from the isolation forest's contamination threshold).
    ///
    /// - Parameters:
    ///   - profiles: the customer profiles.
    ///   - k: the number of behaviour segments (default 4).
    ///   - folds: the cross-validation folds for the comparison (default 5).
    ///   - seed: the seed of k-means, the forest and the folds.
    ///   - measuredOn: what the labelled data is (written into every metric).
    ///   - alertThreshold: the hybrid probability that raises an alert.
    /// - Returns: the fitted model.
    /// - Throws: ``HeatMLError`` for too few customers or a single-class label.
    public static func fit(_ profiles: [BehaviourProfile], k: Int = 4, folds: Int = 5, seed: UInt64 = 42, measuredOn: String, alertThreshold: Double = 0.5) throws(HeatMLError) -> FraudModel {
        guard profiles.count >= max(k, 2) else { throw .invalidParameter(name: "customers", value: "\(profiles.count)", reason: "fraud profiling needs at least \(max(k, 2)) customers") }
        let raw = profiles.map(\.features)
        let width = BehaviourProfile.featureNames.count
        var means = [Double](repeating: 0, count: width), scales = [Double](repeating: 1, count: width), medians = means
        for j in 0..<width {
            let column = raw.map { $0[j] }
            let scaler = StandardScaler.fit(column)
            means[j] = scaler.mean
            scales[j] = scaler.scale
            let sorted = column.sorted()
            medians[j] = sorted[sorted.count / 2]
        }
        let x = try standardised(raw, means: means, scales: scales)
        let forest = try IsolationForest.fit(x, contamination: .share(0.02), seed: seed)
        let segments = try KMeans.fit(x, k: k, initializations: 3, seed: seed)
        var model = FraudModel(means: means, scales: scales, medians: medians, forest: forest, segments: segments, hybrid: nil, evaluation: nil, alertThreshold: alertThreshold)
        let labelled = profiles.allSatisfy { $0.label != nil }
        let labels = profiles.map { $0.label == true ? 1 : 0 }
        if labelled, Set(labels).count == 2 {
            // The comparison gets the raw features: each fold fits its own scaling on its training rows.
            model.evaluation = try FraudEvaluation.run(raw: try Matrix(rows: raw), labels: labels, folds: folds, seed: seed, measuredOn: measuredOn)
            let anomaly = try forest.scores(x)
            model.hybrid = try LogisticRegression.fit(try appending(anomaly, to: x), labels: labels)
        }
        return model
    }

    static func standardised(_ rows: [[Double]], means: [Double], scales: [Double]) throws(HeatMLError) -> Matrix {
        try Matrix(rows: rows.map { row in row.indices.map { (row[$0] - means[$0]) / scales[$0] } })
    }

    static func appending(_ column: [Double], to x: Matrix) throws(HeatMLError) -> Matrix {
        try Matrix(rows: (0..<x.rows).map { x.row($0) + [column[$0]] })
    }

    /// One customer's fraud assessment.
    public struct Assessment: Sendable, Equatable, Codable {
        /// The customer's own identifier.
        public var customerID: String
        /// The behaviour segment (0-based k-means cluster).
        public var segment: Int
        /// The isolation-forest anomaly score (higher is more anomalous; about 0.5 is ordinary).
        public var anomalyScore: Double
        /// The hybrid classifier's fraud probability (`nil` without a supervised model).
        public var fraudProbability: Double?
        /// Whether the customer raises an alert.
        public var alert: Bool
        /// The reasons: the features furthest above their typical (median) value.
        public var reasons: [String]
    }

    /// Scores profiles.
    ///
    /// - Parameters:
    ///   - profiles: the customer profiles.
    ///   - reasons: how many reasons per customer (default 3).
    /// - Returns: one assessment per profile, in order.
    /// - Throws: ``HeatMLError`` for an inconsistent model.
    public func score(_ profiles: [BehaviourProfile], reasons: Int = 3) throws(HeatMLError) -> [Assessment] {
        guard !profiles.isEmpty else { return [] }
        let raw = profiles.map(\.features)
        let x = try Self.standardised(raw, means: means, scales: scales)
        let anomaly = try forest.scores(x)
        let flagged = try forest.predict(x)
        let clusters = try segments.predict(x)
        let probabilities = try hybrid.map { model throws(HeatMLError) in try model.predictProbabilities(try Self.appending(anomaly, to: x)) }
        return profiles.indices.map { i in
            let z = raw[i].indices.map { (raw[i][$0] - means[$0]) / scales[$0] }
            let top = z.indices.filter { z[$0] > 1 }.sorted { z[$0] > z[$1] }.prefix(reasons).map { j in
                "\(Self.describe(j)) \(Self.format(raw[i][j], j)) (typical \(Self.format(medians[j], j)))"
            }
            let p = probabilities?[i]
            let alert = p.map { $0 >= alertThreshold } ?? flagged[i]
            return Assessment(customerID: profiles[i].customerID, segment: clusters[i], anomalyScore: anomaly[i], fraudProbability: p, alert: alert, reasons: Array(top))
        }
    }

    static func describe(_ feature: Int) -> String {
        ["many transactions", "high mean amount", "uneven amounts", "amount spike (max / median)", "many transactions per active day",
         "night-time share", "weekend share", "many channels", "many counterparties", "new counterparties recently", "burst (most in one hour)"][feature]
    }

    static func format(_ value: Double, _ feature: Int) -> String {
        switch feature {
        case 0: String(Int((exp(value) - 1).rounded()))
        case 1: String(format: "%.2f", exp(value) - 1)
        case 3: String(format: "%.1fx", exp(value) - 1)
        case 5, 6, 8, 9: "\(Int((100 * value).rounded()))%"
        case 7, 10: String(Int(value.rounded()))
        default: String(format: "%.2f", value)
        }
    }

    /// Saves the model in an envelope of kind `.fraudModel`.
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``HeatMLError/unwritable(path:reason:)`` or an encoding failure.
    public func save(to url: URL) throws(HeatMLError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let payload: Data
        do { payload = try encoder.encode(self) } catch { throw .badModel(source: "fraud model", reason: "\(error)") }
        do { try Envelope(kind: .fraudModel, payload: payload).write(to: url) } catch { throw .unwritable(path: url.path, reason: error.description) }
    }

    /// Loads a model saved with ``save(to:)``.
    ///
    /// - Parameter url: the file.
    /// - Returns: the model.
    /// - Throws: ``HeatMLError/missingFile(path:)`` or ``HeatMLError/badModel(source:reason:)``.
    public static func load(from url: URL) throws(HeatMLError) -> FraudModel {
        let envelope: Envelope
        do { envelope = try Envelope.read(from: url, expecting: .fraudModel) } catch {
            if case .missingFile = error { throw .missingFile(path: url.path) }
            throw .badModel(source: url.path, reason: error.description)
        }
        try HeatMLError.checkJSONModelSize(envelope.payload, source: url.path)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let model = try decoder.decode(FraudModel.self, from: envelope.payload)
            guard model.means.count == BehaviourProfile.featureNames.count, model.scales.count == model.means.count else {
                throw HeatMLError.badModel(source: url.path, reason: "feature count differs from this version")
            }
            try model.validate(source: url.path)
            return model
        } catch let error as HeatMLError { throw error } catch { throw .badModel(source: url.path, reason: "\(error)") }
    }
}

extension FraudModel {
    /// Checks a decoded model before it scores anything: the standardisation widths, the isolation
    /// forest (``IsolationForest/validate(source:)``: limits, acyclic trees, indices in range),
    /// the k-means centroid widths and the hybrid classifier's weight count.
    ///
    /// - Parameter source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)``.
    public func validate(source: String) throws(HeatMLError) {
        let width = BehaviourProfile.featureNames.count
        guard means.count == width, scales.count == width, medians.count == width else {
            throw .badModel(source: source, reason: "means, scales and medians must each hold \(width) values")
        }
        guard !alertThreshold.isNaN else { throw .badModel(source: source, reason: "the alert threshold is not a number") }
        guard forest.featureCount == width else {
            throw .badModel(source: source, reason: "the isolation forest has \(forest.featureCount) features, the profiles \(width)")
        }
        try forest.validate(source: source)
        guard !segments.centroids.isEmpty else { throw .badModel(source: source, reason: "the k-means segmentation has no centroid") }
        if let bad = segments.centroids.firstIndex(where: { $0.count != width }) {
            throw .badModel(source: source, reason: "k-means centroid \(bad) has \(segments.centroids[bad].count) values, the profiles \(width)")
        }
        if let hybrid, hybrid.coefficients.count != width + 1 {
            throw .badModel(source: source, reason: "the hybrid classifier has \(hybrid.coefficients.count) weights, expected \(width + 1) (features and anomaly score)")
        }
    }
}

/// The cross-validated comparison of the supervised classifier with and without the anomaly
/// score (the hybrid), plus the anomaly score alone as a ranking. Inside each fold the feature
/// scaling, the isolation forest and both classifiers are fitted on the training rows only.
public struct FraudEvaluation: Sendable, Codable, Equatable {
    /// What the labelled data was: always printed with the metrics.
    public var measuredOn: String
    /// Folds used.
    public var folds: Int
    /// Customers and labelled-fraud customers.
    public var customers: Int
    /// Customers labelled fraud.
    public var fraudCustomers: Int
    /// Mean ROC-AUC and PR-AUC per fold: anomaly score alone.
    public var anomalyOnly: Pair
    /// Supervised logistic regression on the profile features.
    public var supervised: Pair
    /// The hybrid: the same plus the anomaly score.
    public var hybrid: Pair
    /// Folds where the hybrid's PR-AUC beat the supervised model's.
    public var hybridBetterFolds: Int
    /// Whether the hybrid helps: a higher mean PR-AUC and better in most folds.
    public var hybridHelps: Bool

    /// Mean ROC-AUC and PR-AUC over folds.
    public struct Pair: Sendable, Codable, Equatable {
        /// Mean ROC-AUC.
        public var rocAuc: Double
        /// Mean PR-AUC (average precision).
        public var prAuc: Double
    }

    /// The standardised training and test rows of one fold, scaled with the means and standard
    /// deviations of the **training rows only**, so that the test fold never shapes its own
    /// features (no leak of its distribution into the model that scores it).
    ///
    /// - Parameters:
    ///   - raw: the unscaled features of every customer.
    ///   - train: the training rows.
    ///   - test: the test rows.
    /// - Returns: the scaled training and test matrices.
    static func foldMatrices(raw: Matrix, train: [Int], test: [Int]) throws(HeatMLError) -> (train: Matrix, test: Matrix) {
        try CrossValidation.standardised(fold: 0, train: raw.selectingRows(train), test: raw.selectingRows(test))
    }

    static func run(raw: Matrix, labels: [Int], folds count: Int, seed: UInt64, measuredOn: String) throws(HeatMLError) -> FraudEvaluation {
        let folds = try Folds.stratified(labels: labels, count: count, seed: seed)
        // The supervised model on the scaled features, and the hybrid on the same plus the score
        // of an isolation forest fitted (like the scaling) on the fold's training rows only.
        let supervised = try CrossValidation.outOfFold(LogisticRegression(), x: raw, labels: labels, folds: folds,
                                                       preparing: CrossValidation.standardised)
        var anomaly = [Double](repeating: .nan, count: labels.count)
        let hybrid = try CrossValidation.outOfFold(LogisticRegression(), x: raw, labels: labels, folds: folds) {
            (fold: Int, train: Matrix, test: Matrix) throws(HeatMLError) -> (train: Matrix, test: Matrix) in
            let (xTrain, xTest) = try CrossValidation.standardised(fold: fold, train: train, test: test)
            let forest = try IsolationForest.fit(xTrain, contamination: .share(0.02), seed: seed &+ UInt64(fold))
            let aTrain = try forest.scores(xTrain), aTest = try forest.scores(xTest)
            for (row, score) in zip(folds.split(fold).test, aTest) { anomaly[row] = score }
            return (try FraudModel.appending(aTrain, to: xTrain), try FraudModel.appending(aTest, to: xTest))
        }
        var sums = [[Double]](repeating: [0, 0], count: 3)
        var better = 0
        for (fold, test) in hybrid.testRows.enumerated() {
            let yTest = test.map { labels[$0] }
            let scores = [test.map { anomaly[$0] }, supervised.probabilities(ofFold: fold), hybrid.probabilities(ofFold: fold)]
            var pr: [Double] = []
            for (k, s) in scores.enumerated() {
                sums[k][0] += try rocAUC(labels: yTest, scores: s)
                let ap = try averagePrecision(labels: yTest, scores: s)
                sums[k][1] += ap
                pr.append(ap)
            }
            if pr[2] > pr[1] { better += 1 }
        }
        let n = Double(folds.count)
        let pairs = sums.map { Pair(rocAuc: $0[0] / n, prAuc: $0[1] / n) }
        return FraudEvaluation(measuredOn: measuredOn, folds: folds.count, customers: labels.count, fraudCustomers: labels.reduce(0, +),
                               anomalyOnly: pairs[0], supervised: pairs[1], hybrid: pairs[2], hybridBetterFolds: better,
                               hybridHelps: pairs[2].prAuc > pairs[1].prAuc && better * 2 > folds.count)
    }
}
