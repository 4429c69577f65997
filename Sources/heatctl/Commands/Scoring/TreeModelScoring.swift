import Foundation
import HeatCore
import HeatEnvelope
import HeatFHE
import HeatML

/// `evaluate --model FILE --tree-inputs BITS` for a boosted-tree model: the evaluator's depth-2
/// circuit on the collector's encrypted split bits (issue 15 item 3).
enum TreeModelScoring {
    /// A loaded and checked tree model, ready to score.
    struct Prepared {
        let modelFile: String
        let model: EncryptedTreeModel
        let inputsFile: String
        let inputs: EncryptedTreeInputs
        let relinearizationKey: BfvRelinearizationKey<UInt64>
    }

    /// The tree model in a file, or `nil` when the file holds another model (the logistic path
    /// then reports its own error): a quantized pipeline (`ml quantize`, kind 80) with trees, or a
    /// float pipeline (`ml train --model gbdt`, kind 7), quantized here to 8-bit bins and leaves.
    static func treeModel(in file: String) throws -> EncryptedTreeModel? {
        try quantizedTrees(in: file).map { quantized in try EncryptedTreeModel(pipeline: quantized, source: file) }
    }

    /// The quantized tree pipeline in a file (kind 80 with trees, or a kind 7 gbdt pipeline
    /// quantized to 8 bits), or `nil` for a file of another kind or another model. The file's
    /// envelope kind decides which reader runs, and that reader's errors propagate: a corrupt or
    /// truncated model file is reported as such (exit 65, 66 when missing), never as "not a gbdt
    /// model".
    static func quantizedTrees(in file: String) throws -> QuantizedPipeline? {
        let url = URL(filePath: file)
        switch try Envelope.read(from: url).kind {
        case .quantizedModel:
            let quantized = try QuantizedPipeline.load(from: url)
            guard case .trees = quantized.model else { return nil }
            return quantized
        case .model:
            let pipeline = try ModelPipeline.load(from: url)
            guard case .gbdt = pipeline.model else { return nil }
            return try pipeline.quantized(bits: 8)
        default:
            return nil
        }
    }

    /// Loads the inputs and the relinearization key and checks the parameters before anything is
    /// computed, written or logged: exit 65 for inputs of another plan, 69 when the keys cannot
    /// hold the circuit.
    static func prepare(
        model: EncryptedTreeModel, modelFile: String, inputsFile: String, evaluator: Evaluator, folder: KeyFolder
    ) throws -> Prepared {
        try model.check(parameters: evaluator.context.parameters)
        let envelope = try Envelope.read(from: URL(filePath: inputsFile), expecting: .encryptedTreeInputs)
        let inputs = try EncryptedTreeInputs(envelope: envelope, context: evaluator.context, source: inputsFile)
        guard inputs.header.planHash == EncryptedTreeInputs.planHash(model.plan) else {
            throw TreeScoringError.inputMismatch(source: inputsFile, field: "planHash", reason: "the bits were encoded for another model's split plan than \(modelFile)'s")
        }
        return Prepared(modelFile: modelFile, model: model, inputsFile: inputsFile, inputs: inputs, relinearizationKey: try evaluator.relinearizationKey(in: folder))
    }

    /// Scores, logs the run (only while the directory is the one the bits were encoded against),
    /// writes the encrypted tree scores and returns the summary line.
    static func score(_ prepared: Prepared, store: HeatStore, evaluator: Evaluator, out: String) async throws -> String {
        let clock = Date()
        let (run, number) = try await evaluator.scoreAndRecord(
            trees: prepared.inputs, model: prepared.model, relinearizationKey: prepared.relinearizationKey, store: store,
            source: prepared.inputsFile)
        try run.envelope().write(to: URL(filePath: out))
        let outputHash = run.outputHash
        return """
            scored \(prepared.modelFile) (\(prepared.model.integer.trees.count) trees of depth <= \(prepared.model.depth), \
            \(prepared.model.plan.splits.count) splits, |score| <= \(prepared.model.maximumAbsoluteScore)) on \(run.header.batches.count) slot batches \
            (multiplicative depth \(run.header.multiplicativeDepth), \(run.header.products) ciphertext products per batch) in \
            \(String(format: "%.2f", Date().timeIntervalSince(clock))) s
            wrote \(out); logged as computation run \(number) (output hash \(outputHash))
            """
    }
}
