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
    /// quantized to 8 bits), or `nil` for any other file.
    static func quantizedTrees(in file: String) throws -> QuantizedPipeline? {
        let url = URL(filePath: file)
        if let quantized = try? QuantizedPipeline.load(from: url) {
            guard case .trees = quantized.model else { return nil }
            return quantized
        }
        guard let pipeline = try? ModelPipeline.load(from: url), case .gbdt = pipeline.model else { return nil }
        return try pipeline.quantized(bits: 8)
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
        return Prepared(modelFile: modelFile, model: model, inputs: inputs, relinearizationKey: try evaluator.relinearizationKey(in: folder))
    }

    /// Scores, writes the encrypted tree scores, logs the run and returns the summary line.
    static func score(_ prepared: Prepared, store: HeatStore, evaluator: Evaluator, out: String) throws -> String {
        let started = UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let clock = Date()
        let scored = try evaluator.score(trees: prepared.inputs, model: prepared.model, relinearizationKey: prepared.relinearizationKey)
        let run = try evaluator.zeroingErasedSlots(of: scored, store: store)  // erased clients (issue 27)
        try run.envelope().write(to: URL(filePath: out))
        let outputHash = run.outputHash
        let number = try ComputationLog.record(
            ComputationRun(
                startedAt: started, finishedAt: UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), kind: "score.trees", inputHash: run.header.inputHash, outputHash: outputHash,
                parameters: [
                    "fheParameters": run.header.parameters, "trees": String(prepared.model.integer.trees.count),
                    "splits": String(prepared.model.plan.splits.count), "batches": String(run.header.batches.count),
                    "multiplicativeDepth": String(run.header.multiplicativeDepth), "products": String(run.header.products),
                ]),
            role: .evaluator, in: store)
        return """
            scored \(prepared.modelFile) (\(prepared.model.integer.trees.count) trees of depth <= \(prepared.model.depth), \
            \(prepared.model.plan.splits.count) splits, |score| <= \(prepared.model.maximumAbsoluteScore)) on \(run.header.batches.count) slot batches \
            (multiplicative depth \(run.header.multiplicativeDepth), \(run.header.products) ciphertext products per batch) in \
            \(String(format: "%.2f", Date().timeIntervalSince(clock))) s
            wrote \(out); logged as computation run \(number) (output hash \(outputHash))
            """
    }
}
