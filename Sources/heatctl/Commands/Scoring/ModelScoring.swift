import Foundation
import HeatCore
import HeatML

/// `evaluate --model`: the evaluator's scoring of a logistic churn model on the ciphertexts.
enum ModelScoring {
    /// Scores the model, writes the encrypted scores and returns the summary line.
    static func score(
        modelFile: String, store: HeatStore, evaluator: Evaluator, configuration: HeatConfiguration, asOf: CalendarDate?, out: String
    ) throws -> String {
        let started = Date()
        let pipeline = try ModelPipeline.load(from: URL(filePath: modelFile))
        let featureSet = ChurnFeatureSet(configuration: configuration)
        let model = try EncryptedLogisticModel(
            pipeline: pipeline, featureSet: featureSet, plaintextModulus: evaluator.context.parameters.plaintextModulus, source: modelFile)
        let (run, number) = try evaluator.scoreAndRecord(store: store, model: model, featureSet: featureSet, asOf: asOf)
        try run.envelope().write(to: URL(filePath: out))
        return """
            scored \(modelFile) (\(model.features.count) features, \(model.integer.weightBits)-bit integer weights, |score| <= \(model.maximumAbsoluteScore)) \
            on \(run.header.batches.count) slot batches as of \(run.header.asOfWeek) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s
            wrote \(out); logged as computation run \(number) (output hash \(run.outputHash))
            """
    }
}
