import Foundation
import HeatEnvelope

/// Gradient-boosted regression trees in the style of XGBoost.
///
/// Each round fits one tree to the second-order Taylor expansion of the loss: rows carry a
/// gradient `g` and hessian `h`; a split's gain is `GL²/(HL+λ) + GR²/(HR+λ) - G²/(H+λ)` (XGBoost's
/// convention) and is kept only if it exceeds `gamma` with at least `minChildWeight` hessian on
/// each side; a leaf outputs `-learningRate * G/(H+λ)`. Trees grow depth-wise to `maxDepth`.
///
/// - Objectives: ``Objective/logistic`` (binary log loss, `g = p - y`, `h = p(1-p)`) and
///   ``Objective/squaredError`` (`g = f - y`, `h = 1`).
/// - Split finding: ``TreeMethod/hist(maxBins:)`` (at most `maxBins` quantile bins per feature,
///   computed once from the training data, as XGBoost `hist`) or ``TreeMethod/exact`` (every
///   distinct value; thresholds at midpoints, as XGBoost `exact`).
/// - Missing values (`.nan`) are handled natively, as XGBoost does: every split candidate is tried
///   with the missing values sent left and sent right, and the node keeps the better direction
///   (``RegressionTree/Node/defaultLeft``); "all present values left, missing right" is a candidate
///   too, so a feature with a single present value can still split on its missingness. At predict
///   time a missing value follows the learned direction. Do not impute before boosting.
/// - Weights: per-row sample weights, ``classWeight`` (`.balanced` as scikit-learn) and
///   ``scalePositiveWeight`` (XGBoost's `scale_pos_weight`) multiply each row's gradient and hessian.
/// - Row subsampling (per tree, Bernoulli) and column subsampling (per tree) use ``seed``, so a fit
///   is deterministic per seed; with both at 1 nothing is random.
/// - Early stopping: pass a validation set to ``fit(_:labels:weights:validation:)``, or set
///   ``validationFraction`` to hold out a stratified share of the training rows; training stops
///   when the validation loss has not improved for ``earlyStoppingRounds`` rounds and keeps the
///   best rounds.
/// - ``baseScore`` `nil` (the default) starts from the (weighted) mean label, as XGBoost 3 does;
///   set 0.5 for the margin 0 of older XGBoost versions. The value used is ``fittedBaseScore``.
///
/// Known differences from XGBoost: the quantile cuts are plain (unweighted) quantiles of the
/// training values, and `gamma` is applied when a split is chosen rather than by post-pruning.
///
/// ```swift
/// let model = try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 100, maxDepth: 4))
/// let p = try model.predictProbabilities(x)
/// ```
public struct GradientBoostedTrees: Classifier, Equatable {
    /// The loss being minimised.
    public enum Objective: String, Sendable, Codable, Equatable {
        /// Binary logistic loss; predictions are probabilities.
        case logistic
        /// Squared error; predictions are values.
        case squaredError
    }

    /// How split candidates are found.
    public enum TreeMethod: Sendable, Codable, Equatable {
        /// Histogram splits with at most `maxBins` bins per feature (2 ... 65 536; XGBoost's default 256).
        case hist(maxBins: Int)
        /// Exact greedy splits over every distinct value.
        case exact
    }

    /// The loss (default ``Objective/logistic``).
    public var objective: Objective
    /// The number of boosting rounds (trees; default 100).
    public var rounds: Int
    /// The maximum tree depth (default 4).
    public var maxDepth: Int
    /// The shrinkage applied to each tree, XGBoost's `eta` (default 0.3).
    public var learningRate: Double
    /// L2 regularisation of leaf weights, XGBoost's `lambda` (default 1).
    public var lambda: Double
    /// The minimum gain of a split, XGBoost's `gamma` (default 0).
    public var gamma: Double
    /// The minimum hessian sum in each child (default 1).
    public var minChildWeight: Double
    /// The share of rows sampled for each tree, in (0, 1] (default 1).
    public var subsample: Double
    /// The share of features sampled for each tree, in (0, 1] (default 1).
    public var columnSubsample: Double
    /// Split finding (default histogram with 256 bins).
    public var treeMethod: TreeMethod
    /// The initial prediction: a probability for the logistic objective, a value for squared error;
    /// `nil` (default) for the weighted mean label of the training rows (XGBoost 3).
    public var baseScore: Double?
    /// Class weighting of the rows (default ``ClassWeight/none``; `.balanced` as scikit-learn).
    public var classWeight: ClassWeight
    /// The weight multiplying positive rows, XGBoost's `scale_pos_weight` (default 1).
    public var scalePositiveWeight: Double
    /// The share of training rows held out (stratified, with ``seed``) for early stopping when no
    /// validation set is given (`nil`: none; default `nil`). Needs ``earlyStoppingRounds``.
    public var validationFraction: Double?
    /// The seed of row and column subsampling (default 0).
    public var seed: UInt64
    /// Stop when the validation loss has not improved for this many rounds (`nil`: never; default `nil`).
    public var earlyStoppingRounds: Int?

    /// The fitted trees (empty before fitting).
    public private(set) var trees: [RegressionTree] = []
    /// The number of features seen at fit time.
    public private(set) var featureCount = 0
    /// The number of trees the fitted model holds (``rounds``, or fewer after early stopping; the
    /// same name as ``IsolationForest/treeCount``).
    public var treeCount: Int { trees.count }
    /// The validation loss after each round, when a validation set was given.
    public private(set) var validationLosses: [Double] = []
    /// The 0-based round with the lowest validation loss, when a validation set was given.
    public private(set) var bestRound: Int?
    /// The summed split gain of each feature.
    public private(set) var totalGains: [Double] = []
    /// The base score used by the fitted model (``baseScore``, or the mean label when that is `nil`).
    public private(set) var fittedBaseScore: Double?

    /// Creates an unfitted model; every parameter has XGBoost's meaning.
    ///
    /// - Parameters:
    ///   - objective: the loss (default logistic).
    ///   - rounds: boosting rounds (default 100).
    ///   - maxDepth: maximum depth (default 4).
    ///   - learningRate: shrinkage `eta` (default 0.3).
    ///   - lambda: L2 on leaf weights (default 1).
    ///   - gamma: minimum split gain (default 0).
    ///   - minChildWeight: minimum child hessian (default 1).
    ///   - subsample: row share per tree (default 1).
    ///   - columnSubsample: feature share per tree (default 1).
    ///   - treeMethod: split finding (default `.hist(maxBins: 256)`).
    ///   - baseScore: initial prediction (default `nil`: the mean label).
    ///   - seed: subsampling seed (default 0).
    ///   - earlyStoppingRounds: patience on the validation loss (default none).
    ///   - classWeight: class weighting (default none).
    ///   - scalePositiveWeight: XGBoost's `scale_pos_weight` (default 1).
    ///   - validationFraction: share of rows held out for early stopping (default none).
    public init(
        objective: Objective = .logistic, rounds: Int = 100, maxDepth: Int = 4, learningRate: Double = 0.3,
        lambda: Double = 1, gamma: Double = 0, minChildWeight: Double = 1, subsample: Double = 1,
        columnSubsample: Double = 1, treeMethod: TreeMethod = .hist(maxBins: 256), baseScore: Double? = nil,
        seed: UInt64 = 0, earlyStoppingRounds: Int? = nil, classWeight: ClassWeight = .none,
        scalePositiveWeight: Double = 1, validationFraction: Double? = nil
    ) {
        self.classWeight = classWeight
        self.scalePositiveWeight = scalePositiveWeight
        self.validationFraction = validationFraction
        self.objective = objective
        self.rounds = rounds
        self.maxDepth = maxDepth
        self.learningRate = learningRate
        self.lambda = lambda
        self.gamma = gamma
        self.minChildWeight = minChildWeight
        self.subsample = subsample
        self.columnSubsample = columnSubsample
        self.treeMethod = treeMethod
        self.baseScore = baseScore
        self.seed = seed
        self.earlyStoppingRounds = earlyStoppingRounds
    }

    /// Fits a binary classifier (objective must be ``Objective/logistic``).
    ///
    /// - Parameters:
    ///   - x: the features (`.nan` allowed).
    ///   - labels: 0 / 1 per row, both classes present.
    /// - Throws: ``HeatMLError`` for invalid hyper-parameters, shapes or a single class.
    public mutating func fit(_ x: Matrix, labels: [Int]) throws(HeatMLError) {
        try fit(x, labels: labels, weights: nil, validation: nil)
    }

    /// Fits a binary classifier with optional early stopping on a validation set.
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 / 1 per training row.
    ///   - validation: validation features and labels for ``earlyStoppingRounds`` (or `nil`).
    /// - Throws: ``HeatMLError`` for invalid hyper-parameters, shapes or a single class.
    public mutating func fit(_ x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) {
        try fit(x, labels: labels, weights: nil, validation: validation)
    }

    /// Fits a binary classifier with sample weights and optional early stopping.
    ///
    /// Each row's gradient and hessian are multiplied by its weight, its ``classWeight`` and, for
    /// positive rows, ``scalePositiveWeight``. Without a validation set and with
    /// ``validationFraction`` set, a stratified share of the rows is held out for early stopping.
    ///
    /// - Parameters:
    ///   - x: the training features (`.nan` for missing).
    ///   - labels: 0 / 1 per training row.
    ///   - weights: a non-negative weight per row (`nil`: all 1).
    ///   - validation: validation features and labels for ``earlyStoppingRounds`` (or `nil`).
    /// - Throws: ``HeatMLError`` for invalid hyper-parameters, weights, shapes or a single class.
    public mutating func fit(_ x: Matrix, labels: [Int], weights: [Double]?, validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) {
        try fit(FeatureColumns(x), labels: labels, weights: weights, validation: validation.map { (x: FeatureColumns($0.x), labels: $0.labels) })
    }

    /// Fits a binary classifier on compact features (one-hot features as one code per row), with
    /// sample weights and optional early stopping.
    ///
    /// The same model, bit for bit, as ``fit(_:labels:weights:validation:)`` on
    /// `x.denseMatrix()`: the one-hot features are binned from their codes and their histograms
    /// built from them, so the bins take `rows x dense features` bytes whatever the number of
    /// categories (the histogram work is still one addition per row and one-hot feature).
    ///
    /// ```swift
    /// var model = GradientBoostedTrees()
    /// try model.fit(try transformer.features(table), labels: y, weights: nil, validation: nil)
    /// ```
    ///
    /// - Parameters:
    ///   - x: the training features (`.nan` for missing).
    ///   - labels: 0 / 1 per training row.
    ///   - weights: a non-negative weight per row (`nil`: all 1).
    ///   - validation: validation features and labels for ``earlyStoppingRounds`` (or `nil`).
    /// - Throws: ``HeatMLError`` for invalid hyper-parameters, weights, shapes or a single class.
    public mutating func fit(_ x: FeatureColumns, labels: [Int], weights: [Double]?, validation: (x: FeatureColumns, labels: [Int])?) throws(HeatMLError) {
        guard objective == .logistic else {
            throw .invalidParameter(name: "objective", value: objective.rawValue, reason: "classification needs the logistic objective; use fitRegression")
        }
        try validateTrainingData(rows: x.rows, labels: labels, model: "GradientBoostedTrees")
        if let weights {
            guard weights.count == labels.count else {
                throw .shapeMismatch(context: "GradientBoostedTrees.fit weights", expected: "\(labels.count) weights (one per row)", found: "\(weights.count)")
            }
            if let bad = weights.first(where: { !($0 >= 0 && $0.isFinite) }) {
                throw .invalidParameter(name: "weights", value: "\(bad)", reason: "sample weights must be finite and >= 0")
            }
        }
        guard scalePositiveWeight > 0, scalePositiveWeight.isFinite else {
            throw .invalidParameter(name: "scalePositiveWeight", value: "\(scalePositiveWeight)", reason: "must be positive")
        }
        var rowWeights = weights ?? [Double](repeating: 1, count: labels.count)
        let classWeights = classWeight.weights(for: labels)
        for i in rowWeights.indices {
            rowWeights[i] *= classWeights[i] * (labels[i] == 1 ? scalePositiveWeight : 1)
        }
        var trainX = x, trainLabels = labels, trainWeights = rowWeights
        var held: (FeatureColumns, [Double])? = validation.map { ($0.x, $0.labels.map(Double.init)) }
        if held == nil, let fraction = validationFraction {
            guard earlyStoppingRounds != nil else {
                throw .invalidParameter(name: "validationFraction", value: "\(fraction)", reason: "holding out rows needs earlyStoppingRounds")
            }
            let (train, test) = try Folds.stratifiedTrainTestSplit(labels: labels, testFraction: fraction, seed: seed)
            held = (x.selectingRows(test), test.map { Double(labels[$0]) })
            trainX = x.selectingRows(train)
            trainLabels = train.map { labels[$0] }
            trainWeights = train.map { rowWeights[$0] }
            try validateTrainingData(rows: trainX.rows, labels: trainLabels, model: "GradientBoostedTrees (after holding out the validation fraction)")
        }
        try train(trainX, targets: trainLabels.map(Double.init), weights: trainWeights, validation: held)
    }

    /// Fits a regression model (objective must be ``Objective/squaredError``).
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - targets: the value per row.
    ///   - validation: validation features and targets for early stopping (or `nil`).
    /// - Throws: ``HeatMLError`` for invalid hyper-parameters or shapes.
    public mutating func fitRegression(_ x: Matrix, targets: [Double], validation: (x: Matrix, targets: [Double])? = nil) throws(HeatMLError) {
        guard objective == .squaredError else {
            throw .invalidParameter(name: "objective", value: objective.rawValue, reason: "regression needs the squaredError objective")
        }
        guard x.rows == targets.count, x.rows > 0 else {
            throw .shapeMismatch(context: "GradientBoostedTrees.fitRegression", expected: "\(x.rows) targets (one per row, at least one)", found: "\(targets.count)")
        }
        try train(FeatureColumns(x), targets: targets, weights: [Double](repeating: 1, count: targets.count),
                  validation: validation.map { (FeatureColumns($0.x), $0.targets) })
    }

    private func validateParameters() throws(HeatMLError) {
        func check(_ ok: Bool, _ name: String, _ value: Any, _ reason: String) throws(HeatMLError) {
            if !ok { throw .invalidParameter(name: name, value: "\(value)", reason: reason) }
        }
        try check(rounds >= 1, "rounds", rounds, "must be at least 1")
        try check((1...30).contains(maxDepth), "maxDepth", maxDepth, "must be in 1 ... 30")
        try check(learningRate > 0 && learningRate.isFinite, "learningRate", learningRate, "must be positive")
        try check(lambda >= 0 && lambda.isFinite, "lambda", lambda, "must be >= 0")
        try check(gamma >= 0 && gamma.isFinite, "gamma", gamma, "must be >= 0")
        try check(minChildWeight >= 0 && minChildWeight.isFinite, "minChildWeight", minChildWeight, "must be >= 0")
        try check(subsample > 0 && subsample <= 1, "subsample", subsample, "must be in (0, 1]")
        try check(columnSubsample > 0 && columnSubsample <= 1, "columnSubsample", columnSubsample, "must be in (0, 1]")
        if case let .hist(maxBins) = treeMethod {
            try check((2...65_536).contains(maxBins), "maxBins", maxBins, "must be in 2 ... 65536")
        }
        if objective == .logistic, let baseScore {
            try check(baseScore > 0 && baseScore < 1, "baseScore", baseScore, "must be a probability strictly between 0 and 1")
        }
        if let validationFraction {
            try check(validationFraction > 0 && validationFraction < 1, "validationFraction", validationFraction, "must be strictly between 0 and 1")
        }
        if let earlyStoppingRounds { try check(earlyStoppingRounds >= 1, "earlyStoppingRounds", earlyStoppingRounds, "must be at least 1") }
    }

    /// The margin before any tree (the log-odds of `baseScore` for the logistic objective).
    public var initialMargin: Double { baseMargin }

    /// The margin before any tree.
    private var baseMargin: Double { Self.margin(of: fittedBaseScore ?? baseScore ?? 0.5, objective: objective) }

    private static func margin(of score: Double, objective: Objective) -> Double {
        objective == .logistic ? log(score / (1 - score)) : score
    }

    private mutating func train(_ x: FeatureColumns, targets: [Double], weights: [Double], validation: (FeatureColumns, [Double])?) throws(HeatMLError) {
        try validateParameters()
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0 else { throw .invalidParameter(name: "weights", value: "0", reason: "the sample weights sum to zero") }
        var score: Double
        if let baseScore {
            score = baseScore
        } else if objective == .logistic && scalePositiveWeight != 1 {
            // XGBoost 3 with scale_pos_weight: one Newton step of the weighted loss from margin 0.
            var g = 0.0, h = 0.0
            for (y, w) in zip(targets, weights) {
                g += w * (0.5 - y)
                h += w * 0.25
            }
            score = sigmoid(h > 0 ? -g / h : 0)
        } else {
            // XGBoost 3: the weighted mean label.
            score = zip(targets, weights).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
        }
        if objective == .logistic { score = min(max(score, 1e-6), 1 - 1e-6) }
        let startMargin = Self.margin(of: score, objective: objective)
        if let column = x.firstInfiniteFeature {
            throw .invalidParameter(name: "x", value: "column \(column)", reason: "holds an infinite value")
        }
        if let validation {
            guard validation.0.columns == x.columns, validation.0.rows == validation.1.count, validation.0.rows > 0 else {
                throw .shapeMismatch(context: "GradientBoostedTrees validation set", expected: "\(x.columns) columns and one target per row", found: "\(validation.0.columns) columns, \(validation.0.rows) rows, \(validation.1.count) targets")
            }
        }
        let n = x.rows, p = x.columns
        let maxBins: Int? = if case let .hist(bins) = treeMethod { bins } else { nil }
        let binner = FeatureBinner(x, maxBins: maxBins)
        let builder = TreeBuilder(binner: binner, maxDepth: maxDepth, lambda: lambda, gamma: gamma, minChildWeight: minChildWeight, learningRate: learningRate)
        var generator = SeededGenerator(seed: seed)
        var margins = [Double](repeating: startMargin, count: n)
        var validationMargins = [Double](repeating: startMargin, count: validation?.0.rows ?? 0)
        var gradientPairs = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 0, count: p)
        var fitted: [RegressionTree] = []
        var losses: [Double] = []
        var best: (round: Int, loss: Double)?
        let allRows = (0..<n).map { Int32($0) }
        let featureTake = max(1, Int((columnSubsample * Double(p)).rounded(.down)))

        for round in 0..<rounds {
            for i in 0..<n {
                switch objective {
                case .logistic:
                    let prob = sigmoid(margins[i])
                    gradientPairs[2 * i] = weights[i] * (prob - targets[i])
                    gradientPairs[2 * i + 1] = weights[i] * max(prob * (1 - prob), 1e-16)
                case .squaredError:
                    gradientPairs[2 * i] = weights[i] * (margins[i] - targets[i])
                    gradientPairs[2 * i + 1] = weights[i]
                }
            }
            var rows = allRows
            var skipped: [Int] = []
            if subsample < 1 {
                rows = []
                for i in 0..<n {
                    if generator.nextUnit() < subsample { rows.append(Int32(i)) } else { skipped.append(i) }
                }
            }
            let features = columnSubsample < 1 ? Array(generator.shuffled(0..<p).prefix(featureTake)).sorted() : Array(0..<p)
            // The builder adds each sampled row's leaf output from its final partition; only the
            // rows left out of the sample walk the tree.
            let tree = builder.grow(rows: rows, features: features, gradientPairs: gradientPairs, gains: &gains, margins: &margins)
            fitted.append(tree)
            if !skipped.isEmpty {
                if x.groups.isEmpty, case let .matrix(matrix) = x.dense {
                    matrix.values.withUnsafeBufferPointer { values in
                        for i in skipped { margins[i] += tree.predict { values[$0 * n + i] } }
                    }
                } else {
                    for i in skipped { margins[i] += tree.predict { x[i, $0] } }
                }
            }
            if let validation {
                let (vx, vy) = validation
                let vn = vx.rows
                if vx.groups.isEmpty, case let .matrix(matrix) = vx.dense {
                    for i in 0..<vn { validationMargins[i] += tree.predict { matrix.values[$0 * vn + i] } }
                } else {
                    for i in 0..<vn { validationMargins[i] += tree.predict { vx[i, $0] } }
                }
                let loss = Self.loss(objective, margins: validationMargins, targets: vy)
                losses.append(loss)
                if best.map({ loss < $0.loss }) ?? true { best = (round, loss) }
                if let patience = earlyStoppingRounds, let best, round - best.round >= patience { break }
            }
        }
        if let best, earlyStoppingRounds != nil { fitted = Array(fitted.prefix(best.round + 1)) }
        trees = fitted
        featureCount = p
        validationLosses = losses
        bestRound = best?.round
        totalGains = gains
        fittedBaseScore = score
    }

    /// The mean validation loss: log loss for the logistic objective, RMSE for squared error.
    private static func loss(_ objective: Objective, margins: [Double], targets: [Double]) -> Double {
        var total = 0.0
        for (m, y) in zip(margins, targets) {
            switch objective {
            case .logistic:
                total += (m > 0 ? m + log1p(exp(-m)) : log1p(exp(m))) - y * m
            case .squaredError:
                total += (m - y) * (m - y)
            }
        }
        let mean = total / Double(max(targets.count, 1))
        return objective == .logistic ? mean : mean.squareRoot()
    }

    /// The raw margin (sum of tree outputs plus the base margin) per row.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one margin per row (log-odds for the logistic objective).
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictMargins(_ x: Matrix) throws(HeatMLError) -> [Double] {
        guard !trees.isEmpty, x.columns == featureCount else {
            throw .shapeMismatch(context: "GradientBoostedTrees.predict", expected: trees.isEmpty ? "a fitted model" : "\(featureCount) feature columns", found: "\(x.columns)")
        }
        return FlatForest(trees).margins(x, base: baseMargin)
    }

    /// The raw margin per row of compact features (one-hot features as codes); equal, bit for
    /// bit, to ``predictMargins(_:)`` on `x.denseMatrix()`.
    ///
    /// - Parameter x: features with the feature count seen at fit time.
    /// - Returns: one margin per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictMargins(_ x: FeatureColumns) throws(HeatMLError) -> [Double] {
        guard !trees.isEmpty, x.columns == featureCount else {
            throw .shapeMismatch(context: "GradientBoostedTrees.predict", expected: trees.isEmpty ? "a fitted model" : "\(featureCount) feature columns", found: "\(x.columns)")
        }
        return FlatForest(trees).margins(x, base: baseMargin)
    }

    /// The positive-class probability per row of compact features (see `predictMargins(_:)` on `FeatureColumns`).
    ///
    /// - Parameter x: features with the feature count seen at fit time.
    /// - Returns: `sigmoid(margin)` per row (for squared error: the predicted values).
    /// - Throws: as ``predictMargins(_:)``.
    public func predictProbabilities(_ x: FeatureColumns) throws(HeatMLError) -> [Double] {
        let margins = try predictMargins(x)
        return objective == .logistic ? margins.map(sigmoid) : margins
    }

    /// The positive-class probability per row (logistic objective).
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: `sigmoid(margin)` per row (for squared error: the predicted values).
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictProbabilities(_ x: Matrix) throws(HeatMLError) -> [Double] {
        let margins = try predictMargins(x)
        return objective == .logistic ? margins.map(sigmoid) : margins
    }

    /// Each feature's share of the total split gain.
    public var featureImportances: [Double] {
        let total = totalGains.reduce(0, +)
        return total > 0 ? totalGains.map { $0 / total } : totalGains
    }
}

extension GradientBoostedTrees {
    private enum CodingKeys: String, CodingKey {
        case objective, rounds, maxDepth, learningRate, lambda, gamma, minChildWeight, subsample, columnSubsample
        case treeMethod, baseScore, seed, earlyStoppingRounds, classWeight, scalePositiveWeight, validationFraction
        case trees, featureCount, validationLosses, bestRound, totalGains, fittedBaseScore
    }

    /// Decodes a model; the weighting and validation settings added after format 1's first
    /// release default to their initial values when absent. A fitted model (trees present) is
    /// validated as ``validate(featureCount:source:)`` does with its own feature count: children
    /// and features in range, every node reached once from its root, finite values, a usable base
    /// score.
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: decoding errors; ``HeatMLError/badModel(source:reason:)`` for a model that fails
    ///   the checks above.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            objective: try c.decode(Objective.self, forKey: .objective), rounds: try c.decode(Int.self, forKey: .rounds),
            maxDepth: try c.decode(Int.self, forKey: .maxDepth), learningRate: try c.decode(Double.self, forKey: .learningRate),
            lambda: try c.decode(Double.self, forKey: .lambda), gamma: try c.decode(Double.self, forKey: .gamma),
            minChildWeight: try c.decode(Double.self, forKey: .minChildWeight), subsample: try c.decode(Double.self, forKey: .subsample),
            columnSubsample: try c.decode(Double.self, forKey: .columnSubsample), treeMethod: try c.decode(TreeMethod.self, forKey: .treeMethod),
            baseScore: try c.decodeIfPresent(Double.self, forKey: .baseScore), seed: try c.decode(UInt64.self, forKey: .seed),
            earlyStoppingRounds: try c.decodeIfPresent(Int.self, forKey: .earlyStoppingRounds),
            classWeight: try c.decodeIfPresent(ClassWeight.self, forKey: .classWeight) ?? .none,
            scalePositiveWeight: try c.decodeIfPresent(Double.self, forKey: .scalePositiveWeight) ?? 1,
            validationFraction: try c.decodeIfPresent(Double.self, forKey: .validationFraction))
        trees = try c.decode([RegressionTree].self, forKey: .trees)
        featureCount = try c.decode(Int.self, forKey: .featureCount)
        validationLosses = try c.decodeIfPresent([Double].self, forKey: .validationLosses) ?? []
        bestRound = try c.decodeIfPresent(Int.self, forKey: .bestRound)
        totalGains = try c.decodeIfPresent([Double].self, forKey: .totalGains) ?? []
        fittedBaseScore = try c.decodeIfPresent(Double.self, forKey: .fittedBaseScore)
        // A fitted model is checked here, not only by the pipeline loader: prediction reads the
        // nodes through unchecked indices (FlatForest), so a decoded model must never hold a
        // child or feature out of range, a cycle or a feature count beyond Int32.
        guard (0...Int(Int32.max)).contains(featureCount) else {
            throw HeatMLError.badModel(source: Self.decodedSource, reason: "feature count \(featureCount) is out of range 0...\(Int32.max)")
        }
        if !trees.isEmpty {
            try validateStructure(expectedFeatures: featureCount, source: Self.decodedSource)
        }
    }

    /// The source named by errors of ``init(from:)`` (the pipeline loader replaces it with the file name).
    static let decodedSource = "decoded GradientBoostedTrees"

    /// Checks a decoded model's structure: every tree reaches each node at most once from its
    /// root (no cycle, no shared node), child indices are in range, split features are in
    /// `0..<featureCount` and split thresholds and leaf values are finite.
    ///
    /// - Parameter expectedFeatures: the feature count the model must have (from the pipeline's schema).
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming the tree and node.
    func validateStructure(expectedFeatures: Int, source: String) throws(HeatMLError) {
        guard featureCount == expectedFeatures else {
            throw .badModel(source: source, reason: "the boosted trees use \(featureCount) features but the preprocessing makes \(expectedFeatures)")
        }
        guard !trees.isEmpty else { throw .badModel(source: source, reason: "the boosted trees hold no tree") }
        do {
            try ReaderLimits.current.check(.treeCount, trees.count, source: source, field: "trees")
        } catch {
            throw .badModel(source: source, reason: error.reason)
        }
        if let score = fittedBaseScore ?? baseScore, !(score.isFinite && (objective != .logistic || (score > 0 && score < 1))) {
            throw .badModel(source: source, reason: "base score \(score) is not usable")
        }
        for (t, tree) in trees.enumerated() {
            try tree.validate(featureCount: featureCount, source: source, index: t)
        }
    }
}

extension GradientBoostedTrees {
    /// Creates a fitted model from trees made elsewhere, such as an imported XGBoost model
    /// (``XGBoostJSON/importModel(from:source:featureNames:)``).
    ///
    /// The trees are checked first (each a tree from its root, features in range, finite values).
    /// ``rounds`` is the tree count, ``maxDepth`` the deepest tree (at most 30), and
    /// ``featureImportances`` come from the nodes' gains.
    ///
    /// - Parameters:
    ///   - importedTrees: the trees, in boosting order.
    ///   - featureCount: the number of model features.
    ///   - baseScore: the initial prediction (a probability for the logistic objective).
    ///   - objective: the loss the trees were fitted for.
    ///   - source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` when a tree or the base score is unusable.
    public init(importedTrees: [RegressionTree], featureCount: Int, baseScore: Double, objective: Objective, source: String) throws(HeatMLError) {
        do {
            try ReaderLimits.current.check(.treeCount, importedTrees.count, source: source, field: "trees")
        } catch {
            throw .badModel(source: source, reason: error.reason)
        }
        self.init(objective: objective, rounds: max(importedTrees.count, 1), baseScore: baseScore)
        for (t, tree) in importedTrees.enumerated() {
            try tree.validate(featureCount: featureCount, source: source, index: t)
        }
        trees = importedTrees
        self.featureCount = featureCount
        fittedBaseScore = baseScore
        maxDepth = min(30, max(1, importedTrees.map(\.depth).max() ?? 1))
        var gains = [Double](repeating: 0, count: featureCount)
        for tree in importedTrees {
            for node in tree.nodes where !node.isLeaf { gains[node.feature] += max(node.gain, 0) }
        }
        totalGains = gains
        try validateStructure(expectedFeatures: featureCount, source: source)
    }
}

extension GradientBoostedTrees {
    /// ``ModelSpecification/Kind/gbdt``.
    public static var kind: ModelSpecification.Kind { .gbdt }

    /// No imputation (missing values reach the trees, which learn where they go, as XGBoost
    /// does) and no scaling; categorical features are one-hot encoded.
    public static var preprocessing: ColumnTransformer.Options {
        ColumnTransformer.Options(scaleNumeric: false, imputeNumeric: false, imputeCategorical: false)
    }

    /// ``ModelSpecification/gbdt(_:)`` holding this model.
    public var specification: ModelSpecification { .gbdt(self) }

    /// Fits boosted trees with the hyper-parameters of `parameters` (an unfitted value: only its
    /// settings are read).
    ///
    /// ```swift
    /// let model = try GradientBoostedTrees.fit(x, labels: y, parameters: GradientBoostedTrees(rounds: 50, seed: 7))
    /// ```
    ///
    /// - Parameters:
    ///   - x: the training features (`.nan` for missing).
    ///   - labels: 0 / 1 per training row.
    ///   - weights: a non-negative weight per row (`nil`: all 1).
    ///   - validation: validation features and labels for ``earlyStoppingRounds`` (or `nil`).
    ///   - parameters: the hyper-parameters (default XGBoost's defaults, as ``init(objective:rounds:maxDepth:learningRate:lambda:gamma:minChildWeight:subsample:columnSubsample:treeMethod:baseScore:seed:earlyStoppingRounds:classWeight:scalePositiveWeight:validationFraction:)``).
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:labels:weights:validation:)``.
    public static func fit(
        _ x: Matrix, labels: [Int], weights: [Double]? = nil, validation: (x: Matrix, labels: [Int])? = nil,
        parameters: GradientBoostedTrees = GradientBoostedTrees()
    ) throws(HeatMLError) -> GradientBoostedTrees {
        var model = parameters
        try model.fit(x, labels: labels, weights: weights, validation: validation)
        return model
    }

    /// Fits a binary classifier on compact features (see `fit(_:labels:weights:validation:)` on `FeatureColumns`).
    ///
    /// - Parameters:
    ///   - x: the training features, one-hot features as codes.
    ///   - labels: 0 / 1 per training row.
    ///   - weights: a non-negative weight per row (`nil`: all 1).
    ///   - validation: validation features and labels for ``earlyStoppingRounds`` (or `nil`).
    ///   - parameters: the hyper-parameters.
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:labels:weights:validation:)``.
    public static func fit(
        _ x: FeatureColumns, labels: [Int], weights: [Double]? = nil, validation: (x: FeatureColumns, labels: [Int])? = nil,
        parameters: GradientBoostedTrees = GradientBoostedTrees()
    ) throws(HeatMLError) -> GradientBoostedTrees {
        var model = parameters
        try model.fit(x, labels: labels, weights: weights, validation: validation)
        return model
    }

    /// A copy of these hyper-parameters fitted to `x`, with an optional validation set for early
    /// stopping.
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 / 1 per training row.
    ///   - validation: validation features and labels (or `nil`).
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:labels:weights:validation:)``.
    public func fitted(to x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) -> GradientBoostedTrees {
        try Self.fit(x, labels: labels, validation: validation, parameters: self)
    }

    /// Checks a decoded model: fitted, `featureCount` features, a usable base score and every
    /// tree a tree (see `validateStructure`).
    ///
    /// - Parameters:
    ///   - featureCount: the feature count the preprocessing makes.
    ///   - source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming the tree and node.
    public func validate(featureCount: Int, source: String) throws(HeatMLError) {
        try validateStructure(expectedFeatures: featureCount, source: source)
    }
}

/// A threshold type of the prediction nodes: `Double`, or `Float` when every threshold of the
/// forest is exactly a `Float` (a fit whose cut values all are; imported XGBoost thresholds are
/// stored between two `Float`s, so they keep `Double`), which makes a node 12 bytes instead of 16.
protocol PredictionThreshold: Sendable {
    /// The threshold widened to `Double` (exact).
    var widened: Double { get }
    /// Not-a-number, the threshold of a leaf.
    static var nan: Self { get }
}

extension Double: PredictionThreshold {
    @inline(__always) var widened: Double { self }
}

extension Float: PredictionThreshold {
    @inline(__always) var widened: Double { Double(self) }
}

/// One node of ``FlatForest``: its children are adjacent (right = left + 1), so a step is
/// `left + (goes right ? 1 : 0)` without a branch.
struct PredictionNode<Threshold: PredictionThreshold>: Sendable {
    /// `x < threshold` goes left, `x >= threshold` right; `.nan` for a leaf (no value is `>=`
    /// it, so a leaf's step stays on the leaf).
    var threshold: Threshold
    /// The absolute index of the left child; the node itself for a leaf.
    var left: Int32
    /// The low 31 bits: the feature's slot in the block buffer (``FlatForest/usedFeatures``);
    /// bit 31: a missing value goes right.
    var slotAndMissingRight: UInt32

    /// The node's feature slot.
    @inline(__always) var slot: Int { Int(slotAndMissingRight & 0x7FFF_FFFF) }

    /// The next node for `value`: the right child when `value >= threshold` or when `value` is
    /// missing and missing values go right, the left child otherwise (a leaf: itself).
    @inline(__always) func next(_ value: Double) -> Int {
        let right = (value >= threshold.widened ? 1 : 0) | ((value.isNaN ? 1 : 0) & Int(slotAndMissingRight >> 31))
        return Int(left) + right
    }
}

/// The trees of an ensemble flattened for prediction: one array of 12- or 16-byte nodes (see
/// ``PredictionNode``), each tree renumbered breadth first so that the two children of a node are
/// adjacent.
///
/// Rows are processed in blocks of ``blockSize``: the block's values of the features the forest
/// splits on (and only those: the buffer does not grow with the feature count) are gathered into
/// a small buffer, then the block walks one tree at a time. A tree no deeper than about twice the
/// logarithm of its node count is walked a fixed number of steps (its depth; a leaf stays on
/// itself) with a branch-free step, so the walks of different rows are independent and overlap in
/// the processor instead of waiting on data-dependent branches; a deeper tree (an imported
/// unbalanced one) is walked row by row until a leaf, so a row pays its own path, not the deepest
/// one. The sums equal walking each ``RegressionTree`` in turn, bit for bit.
struct FlatForest {
    /// The nodes when a threshold is not exactly a `Float` (else empty).
    private(set) var doubleNodes: [PredictionNode<Double>] = []
    /// The nodes when every threshold is exactly a `Float` (else empty).
    private(set) var floatNodes: [PredictionNode<Float>] = []
    /// Per node: the leaf output (0 for an internal node).
    private(set) var leafValue: [Double] = []
    /// The root of each tree.
    private(set) var roots: [Int32] = []
    /// The depth of each tree: the steps from its root to its deepest leaf.
    private(set) var depths: [Int] = []
    /// Per tree: walked row by row until a leaf (a deep, unbalanced tree) instead of a fixed
    /// number of steps.
    private(set) var stopsAtLeaf: [Bool] = []
    /// The features the forest splits on, ascending: slot `s` of the block buffer holds feature
    /// `usedFeatures[s]`.
    private(set) var usedFeatures: [Int] = []

    /// The rows walked together through one tree.
    static let blockSize = 64

    /// Whether the nodes keep their thresholds as `Float` (every threshold exactly a `Float`).
    var usesFloatThresholds: Bool { !floatNodes.isEmpty }

    /// The values the block buffer holds: `usedFeatures.count x blockSize`.
    var blockBufferCount: Int { usedFeatures.count * Self.blockSize }

    /// Whether a tree of `depth` with `nodeCount` nodes is walked a fixed number of steps: its
    /// depth at most twice the bit width of its node count (a depth-limited tree always is).
    static func walksFixedDepth(depth: Int, nodeCount: Int) -> Bool {
        depth <= 2 * (Int.bitWidth - nodeCount.leadingZeroBitCount)
    }

    /// Flattens trees (already validated: children in range, acyclic, features below
    /// `Int32.max`, finite thresholds; every way to obtain a fitted model validates: fitting,
    /// ``GradientBoostedTrees/init(importedTrees:featureCount:baseScore:objective:source:)`` and
    /// ``GradientBoostedTrees/init(from:)``).
    init(_ trees: [RegressionTree]) {
        var used = Set<Int>()
        for tree in trees { for node in tree.nodes where !node.isLeaf { used.insert(node.feature) } }
        usedFeatures = used.sorted()
        var slotOf: [Int: UInt32] = [:]
        for (slot, feature) in usedFeatures.enumerated() { slotOf[feature] = UInt32(slot) }
        let total = trees.reduce(0) { $0 + $1.nodes.count }
        // Breadth-first renumbering: (old index, level) in the order of the new indices.
        var thresholds: [Double] = []
        var lefts: [Int32] = []
        var flags: [UInt32] = []
        thresholds.reserveCapacity(total)
        lefts.reserveCapacity(total)
        flags.reserveCapacity(total)
        leafValue.reserveCapacity(total)
        var allFloat = true
        for tree in trees {
            let base = Int32(thresholds.count)
            roots.append(base)
            guard !tree.nodes.isEmpty else { depths.append(0); stopsAtLeaf.append(false); continue }
            var order: [(old: Int, level: Int)] = [(0, 0)]
            order.reserveCapacity(tree.nodes.count)
            var head = 0, depth = 0
            while head < order.count {
                let (old, level) = order[head]
                let me = base + Int32(head)
                head += 1
                depth = max(depth, level)
                let node = tree.nodes[old]
                if node.isLeaf {
                    thresholds.append(.nan)
                    lefts.append(me)
                    flags.append(0)
                    leafValue.append(node.value)
                } else {
                    // A NaN threshold (refused by validation) would send every value right, as `-inf` does.
                    let threshold = node.threshold.isNaN ? -Double.infinity : node.threshold
                    if Double(Float(threshold)) != threshold { allFloat = false }
                    thresholds.append(threshold)
                    lefts.append(base + Int32(order.count))
                    flags.append(slotOf[node.feature, default: 0] | (node.defaultLeft ? 0 : 0x8000_0000))
                    leafValue.append(0)
                    order.append((node.left, level + 1))
                    order.append((node.right, level + 1))
                }
            }
            depths.append(depth)
            stopsAtLeaf.append(!Self.walksFixedDepth(depth: depth, nodeCount: tree.nodes.count))
        }
        if allFloat {
            floatNodes = (0..<thresholds.count).map { PredictionNode(threshold: Float(thresholds[$0]), left: lefts[$0], slotAndMissingRight: flags[$0]) }
        } else {
            doubleNodes = (0..<thresholds.count).map { PredictionNode(threshold: thresholds[$0], left: lefts[$0], slotAndMissingRight: flags[$0]) }
        }
    }

    /// `base` plus every tree's leaf output, per row of a column-major matrix; the outputs are
    /// added in tree order, so the sums equal walking each tree in turn.
    func margins(_ x: Matrix, base: Double) -> [Double] {
        x.values.withUnsafeBufferPointer { values in
            margins(rows: x.rows, base: base) { feature, start, count, out in
                let column = values.baseAddress! + feature * x.rows + start
                for k in 0..<count { out[k] = column[k] }
            }
        }
    }

    /// ``margins(_:base:)`` on compact features: a dense feature's values are copied into the
    /// block buffer (adjusted, see ``FeatureColumns/gather(feature:start:count:into:)``), a
    /// one-hot feature's 1, 0 or `.nan` written from its group code, as the dense matrix holds
    /// them, so the margins are the same bit for bit without a dense copy.
    func margins(_ x: FeatureColumns, base: Double) -> [Double] {
        if x.groups.isEmpty, case let .matrix(matrix) = x.dense { return margins(matrix, base: base) }
        return margins(rows: x.rows, base: base) { feature, start, count, out in
            x.gather(feature: feature, start: start, count: count, into: out)
        }
    }

    /// The margins of `n` rows, `gather(feature, start, count, out)` writing feature `feature`'s
    /// values of rows `start ..< start + count` to `out`.
    private func margins(rows n: Int, base: Double, gather: (Int, Int, Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        var margins = [Double](repeating: base, count: n)
        let width = Self.blockSize
        var block = [Double](repeating: 0, count: max(1, blockBufferCount))
        var at = [Int32](repeating: 0, count: width)
        block.withUnsafeMutableBufferPointer { block in
            at.withUnsafeMutableBufferPointer { at in
                margins.withUnsafeMutableBufferPointer { margins in
                    var start = 0
                    while start < n {
                        let m = min(width, n - start)
                        for (slot, feature) in usedFeatures.enumerated() {
                            gather(feature, start, m, block.baseAddress! + slot * width)
                        }
                        if usesFloatThresholds {
                            floatNodes.withUnsafeBufferPointer { walk($0, block: block.baseAddress!, rows: m, at: at.baseAddress!, into: margins.baseAddress! + start) }
                        } else {
                            doubleNodes.withUnsafeBufferPointer { walk($0, block: block.baseAddress!, rows: m, at: at.baseAddress!, into: margins.baseAddress! + start) }
                        }
                        start += m
                    }
                }
            }
        }
        return margins
    }

    /// Walks `m` rows (slot `s` of row `k` at `block[s * blockSize + k]`) through every tree in
    /// turn, adding each tree's leaf output to `margins[k]`.
    private func walk<T>(_ nodes: UnsafeBufferPointer<PredictionNode<T>>, block: UnsafePointer<Double>, rows m: Int, at: UnsafeMutablePointer<Int32>, into margins: UnsafeMutablePointer<Double>) {
        let width = Self.blockSize
        leafValue.withUnsafeBufferPointer { leafValue in
            for (tree, root) in roots.enumerated() {
                if stopsAtLeaf[tree] {
                    for k in 0..<m {
                        var index = Int(root)
                        while true {
                            let node = nodes[index]
                            if Int(node.left) == index { break }
                            index = node.next(block[node.slot * width + k])
                        }
                        margins[k] += leafValue[index]
                    }
                    continue
                }
                for k in 0..<m { at[k] = root }
                for _ in 0..<depths[tree] {
                    for k in 0..<m {
                        let node = nodes[Int(at[k])]
                        at[k] = Int32(truncatingIfNeeded: node.next(block[node.slot * width + k]))
                    }
                }
                for k in 0..<m { margins[k] += leafValue[Int(at[k])] }
            }
        }
    }
}
