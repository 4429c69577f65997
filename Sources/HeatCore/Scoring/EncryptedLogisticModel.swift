import Foundation
import HeatFHE
import HeatML

/// The integer form of a logistic churn model that the evaluator applies to encrypted churn
/// features: `score = bias + Σ weights[j] * feature[j]`, with the quantized model's integer
/// weights applied directly to the integer features (plaintext-ciphertext products and sums).
///
/// Made from a float ``HeatML/ModelPipeline`` trained on `heatctl features` output (`heatctl ml
/// train --model logistic`): the pipeline's standardisation `(f - mean) / scale` is folded into
/// the coefficients (`c / scale` on the raw feature, `-c * mean / scale` into the intercept), and
/// the folded model is quantized with ``HeatML/QuantizedLogisticRegression`` over unit steps (each
/// integer feature is its own code), so no rounding or clamping is left for the ciphertexts. The
/// weight bits are the most (up to 30) for which the largest possible `|score|`, taken over the
/// features' largest magnitudes (``ChurnFeatureSet/maximumMagnitudes``), stays below `t / 2`.
///
/// The key holder decrypts only the score and applies the link: `p = 1 / (1 + exp(-score / scale))`.
///
/// ```swift
/// let model = try EncryptedLogisticModel(pipeline: pipeline, featureSet: set, plaintextModulus: t, source: "churn.model")
/// let score = model.score(features: row)        // exact integer, equal to the decrypted score
/// let p = model.probability(score: score)
/// ```
public struct EncryptedLogisticModel: Sendable, Codable, Equatable {
    /// The feature names the weights apply to (a subset of ``ChurnFeatureSet/names``).
    public let features: [String]
    /// The quantized model: integer ``HeatML/QuantizedLogisticRegression/weights`` per feature,
    /// integer bias and the score scale.
    public let integer: QuantizedLogisticRegression
    /// The largest possible `|score|` over every feature vector the feature set can produce.
    public let maximumAbsoluteScore: Int
    /// The positive class label of the training target.
    public let positiveLabel: String

    /// The integer weights, one per ``features`` entry.
    public var weights: [Int] { integer.weights }
    /// The integer bias on the features' own values: `score = bias + Σ weights[j] * feature[j]`.
    ///
    /// ``integer`` codes each feature as `feature - lowerBound` (unit steps; `trend` is signed,
    /// so its code range is centred, ``signedLowerBound``), so this is the code-domain
    /// ``HeatML/QuantizedLogisticRegression/bias`` minus `Σ weights[j] * lowerBound[j]`, and
    /// `integer.score(codes: integer.codes(x))` equals ``score(features:in:)`` for every row
    /// inside the code range.
    public var bias: Int {
        zip(integer.weights, integer.features).reduce(integer.bias) { $0 - $1.0 * Int($1.1.lowerBound) }
    }

    /// The lower bound of a signed feature's code range (`trend`): codes `0 ..< 65536` stand for
    /// `-32768 ... 32767`, the centred representation the ciphertexts decode to.
    public static let signedLowerBound = -32768

    /// The names of the features that can be negative (their code range is centred).
    public static let signedFeatures: Set<String> = ["trend"]

    /// The unit-step codes of one client's features as ``integer`` reads them
    /// (`feature - lowerBound`, never clamped), so that `integer.score(codes:)` is exactly
    /// ``score(features:in:)``.
    ///
    /// - Parameters:
    ///   - values: all features in the feature set's order.
    ///   - featureSet: the feature set.
    /// - Returns: one code per weight.
    public func codes(features values: [Int], in featureSet: ChurnFeatureSet) -> [Int] {
        zip(columnIndices(in: featureSet), integer.features).map { values[$0.0] - Int($0.1.lowerBound) }
    }
    /// Integer scores are `scale` times the float model's log-odds, up to rounding.
    public var scale: Double { integer.scale }

    /// Derives the integer form of a float logistic pipeline.
    ///
    /// - Parameters:
    ///   - pipeline: a pipeline whose model is a logistic regression and whose inputs are numeric
    ///     columns named after churn features.
    ///   - featureSet: the feature set the evaluator computes.
    ///   - plaintextModulus: the keys' `t` (the score decodes centred, so `2 * bound < t`).
    ///   - source: the model file, for messages.
    /// - Throws: ``ScoringError/unsupportedModel(source:reason:)`` (exit 65) for another model kind,
    ///   a categorical input or an unknown column; ``ScoringError/scoreTooLarge(preset:bound:fitting:)``
    ///   is thrown by ``check(parameters:)``, not here.
    public init(pipeline: ModelPipeline, featureSet: ChurnFeatureSet, plaintextModulus: UInt64, source: String) throws(ScoringError) {
        guard case let .logistic(regression) = pipeline.model else {
            throw .unsupportedModel(source: source, reason: "field model: only a logistic regression is scored on ciphertexts (boosted trees are not yet)")
        }
        let names = featureSet.names
        var columns: [String] = []
        var coefficients: [Double] = []
        var intercept = regression.intercept
        guard regression.coefficients.count == pipeline.transformer.steps.count else {
            throw .unsupportedModel(source: source, reason: "field model.coefficients: \(regression.coefficients.count) weights for \(pipeline.transformer.steps.count) inputs")
        }
        for (step, coefficient) in zip(pipeline.transformer.steps, regression.coefficients) {
            guard case let .numeric(column, _, _, scaler) = step else {
                throw .unsupportedModel(source: source, reason: "field transformer: input \(step.column) is categorical; only numeric churn features can be scored")
            }
            guard names.contains(column) else {
                throw .unsupportedModel(source: source, reason: "field transformer: input \(column) is not a churn feature (see `heatctl features --help`)")
            }
            guard !columns.contains(column) else {
                throw .unsupportedModel(source: source, reason: "field transformer: input \(column) appears twice")
            }
            let mean = scaler?.mean ?? 0
            let spread = scaler?.scale ?? 1
            columns.append(column)
            coefficients.append(coefficient / spread)
            intercept -= coefficient * mean / spread
        }
        let maxima = columns.map { featureSet.maximumMagnitudes[names.firstIndex(of: $0) ?? 0] }
        let limit = (Double(plaintextModulus) - 1) / 2
        // Unit-step codes over 16 bits: 0 ... 65535 for counts, heat and sums; a centred
        // -32768 ... 32767 for the signed trend (clamping it at 0 would score a cooling client
        // as if its trend were flat).
        let lowerBounds = columns.map { Self.signedFeatures.contains($0) ? Double(Self.signedLowerBound) : 0 }
        let ranges = lowerBounds.map { $0...($0 + 65535) }
        var chosen: (QuantizedLogisticRegression, Int)?
        for weightBits in stride(from: 30, through: 2, by: -1) {
            guard let first = try? QuantizedLogisticRegression(
                coefficients: coefficients, intercept: intercept, ranges: ranges, bits: 16, weightBits: weightBits) else { continue }
            // The code-domain bias folds Σ c·lowerBound in before rounding; aim it so that the
            // value-domain bias (code bias - Σ w·lowerBound) is round(intercept · scale), as
            // accurate as without the shift.
            let shift = zip(first.weights, lowerBounds).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let exact = zip(coefficients, lowerBounds).reduce(0.0) { $0 + $1.0 * $1.1 }
            let target = (intercept * first.scale).rounded() + shift
            let adjusted = target / first.scale - exact
            var candidate = first
            if adjusted.isFinite, let aimed = try? QuantizedLogisticRegression(
                coefficients: coefficients, intercept: adjusted, ranges: ranges, bits: 16, weightBits: weightBits),
               aimed.weights == first.weights, aimed.scale == first.scale {
                candidate = aimed
            }
            let valueBias = zip(candidate.weights, candidate.features).reduce(candidate.bias) { $0 - $1.0 * Int($1.1.lowerBound) }
            let bound = zip(candidate.weights, maxima).reduce(Double(abs(valueBias))) { $0 + Double(abs($1.0)) * Double($1.1) }
            if bound <= limit || weightBits == 2 {
                chosen = (candidate, Int(min(bound, Double(Int.max / 2))))
                if bound <= limit { break }
            }
        }
        guard let chosen else {
            throw .unsupportedModel(source: source, reason: "field model.coefficients: the weights cannot be quantized (non-finite or all zero)")
        }
        let (integer, bound) = chosen
        self.features = columns
        self.integer = integer
        self.maximumAbsoluteScore = bound
        self.positiveLabel = pipeline.positiveLabel
    }

    /// Checks that keys made for `parameters` decode every possible score exactly.
    ///
    /// - Parameter parameters: the keys' parameters.
    /// - Throws: ``ScoringError/scoreTooLarge(preset:bound:fitting:)`` (exit 69).
    public func check(parameters: BfvParameters) throws(ScoringError) {
        guard UInt64(2 * maximumAbsoluteScore) >= parameters.plaintextModulus else { return }
        let fitting = BfvParameters.presets.first { UInt64(2 * maximumAbsoluteScore) < $0.plaintextModulus && $0.scalarWidth == .bits64 }
        throw .scoreTooLarge(preset: parameters.name, bound: String(maximumAbsoluteScore), fitting: fitting?.name)
    }

    /// The positions of ``features`` in a feature set's ``ChurnFeatureSet/names``.
    ///
    /// - Parameter featureSet: the feature set.
    /// - Returns: one index per weight.
    public func columnIndices(in featureSet: ChurnFeatureSet) -> [Int] {
        let names = featureSet.names
        return features.map { names.firstIndex(of: $0) ?? 0 }
    }

    /// The exact integer score of one client's features (the plaintext reference).
    ///
    /// - Parameters:
    ///   - features: all features in the feature set's order.
    ///   - featureSet: the feature set.
    /// - Returns: `bias + Σ weights[j] * features[column j]`.
    public func score(features values: [Int], in featureSet: ChurnFeatureSet) -> Int {
        zip(weights, columnIndices(in: featureSet)).reduce(bias) { $0 + $1.0 * values[$1.1] }
    }

    /// The link: the probability of the positive class for an integer score.
    ///
    /// - Parameter score: an integer score.
    /// - Returns: `1 / (1 + exp(-score / scale))`.
    public func probability(score: Int) -> Double { 1 / (1 + exp(-Double(score) / scale)) }

    /// Whether a score is a positive decision at a probability threshold.
    ///
    /// - Parameters:
    ///   - score: an integer score.
    ///   - threshold: the probability threshold (default 0.5).
    /// - Returns: `score >= ceil(scale * logit(threshold))`.
    public func isPositive(score: Int, threshold: Double = 0.5) -> Bool {
        score >= integer.decisionScore(threshold: threshold)
    }
}
