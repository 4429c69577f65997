import Foundation
import HeatCore
import HeatML

/// `evaluate --model`: the evaluator's scoring of a logistic churn model on the ciphertexts.
enum ModelScoring {
    /// A loaded and checked model, ready to score.
    struct Prepared {
        let modelFile: String
        let model: EncryptedLogisticModel
        let featureSet: ChurnFeatureSet
    }

    /// Loads the model and checks it (kind, inputs, and that the keys' plaintext modulus holds
    /// its largest score) before anything is computed, written or logged: exit 65 / 69.
    static func prepare(modelFile: String, evaluator: Evaluator, configuration: HeatConfiguration) throws -> Prepared {
        let pipeline = try ModelPipeline.load(from: URL(filePath: modelFile))
        let featureSet = ChurnFeatureSet(configuration: configuration)
        let model = try EncryptedLogisticModel(
            pipeline: pipeline, featureSet: featureSet, plaintextModulus: evaluator.context.parameters.plaintextModulus, source: modelFile)
        try model.check(parameters: evaluator.context.parameters)
        return Prepared(modelFile: modelFile, model: model, featureSet: featureSet)
    }

    /// Scores a prepared model, writes the encrypted scores and returns the summary line.
    static func score(
        _ prepared: Prepared, store: HeatStore, evaluator: Evaluator, asOf: CalendarDate?, out: String
    ) throws -> String {
        let started = Date()
        let (modelFile, model, featureSet) = (prepared.modelFile, prepared.model, prepared.featureSet)
        let (run, number) = try evaluator.scoreAndRecord(store: store, model: model, featureSet: featureSet, asOf: asOf)
        try run.envelope().write(to: URL(filePath: out))
        return """
            scored \(modelFile) (\(model.features.count) features, \(model.integer.weightBits)-bit integer weights, |score| <= \(model.maximumAbsoluteScore)) \
            on \(run.header.batches.count) slot batches as of \(run.header.asOfWeek) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s
            wrote \(out); logged as computation run \(number) (output hash \(run.outputHash))
            """
    }
}
