import Foundation
import HeatFHE

/// The 0/1 plaintext masks that zero erased clients' slots in every encrypted result (issue 27).
///
/// One mask per slot batch that holds an erased slot (``ClientErasure/erasedSlots(in:)``): 1 for
/// every slot but the erased ones. Heat runs, feature runs and tree score runs multiply each
/// ciphertext of such a batch by it (a plaintext product: no evaluation key, but up to about
/// `log2 t + log2 N` bits of noise, so logistic score runs add a bias that is 0 at erased slots
/// instead), so an erased slot decrypts to 0 in every later result, also in files that leave the
/// vault. Batches without an erased slot are returned unchanged.
///
/// ```swift
/// let mask = try ErasedSlotMask(erased: try ClientErasure.erasedSlots(in: store), context: context)
/// let zeroed = try mask.apply(to: run.heat)
/// ```
public struct ErasedSlotMask: Sendable {
    /// The prepared 0/1 mask of each batch holding an erased slot.
    let masks: [Int: BfvPreparedPlaintext<UInt64>]

    /// Whether no batch needs masking.
    public var isEmpty: Bool { masks.isEmpty }

    /// The batches that hold an erased slot, sorted.
    public var batches: [Int] { masks.keys.sorted() }

    /// Builds the masks for `erased` slots (negative slots are ignored; slot `s` is slot `s % N`
    /// of batch `s / N`).
    ///
    /// - Parameters:
    ///   - erased: the erased slots.
    ///   - context: the BFV context of the ciphertexts to mask.
    /// - Throws: ``PipelineError/fhe(_:)`` if a mask cannot be encoded.
    public init(erased: [Int64], context: BfvContext<UInt64>) throws(PipelineError) {
        let n = Int64(context.degree)
        var keep: [Int: [Bool]] = [:]
        for slot in erased where slot >= 0 {
            let batch = Int(slot / n)
            keep[batch, default: [Bool](repeating: true, count: Int(n))][Int(slot % n)] = false
        }
        var masks: [Int: BfvPreparedPlaintext<UInt64>] = [:]
        do throws(FHEError) {
            for (batch, bits) in keep { masks[batch] = try Bfv64.prepareMask(bits, context: context) }
        } catch {
            throw .fhe(error)
        }
        self.masks = masks
    }

    /// The ciphertext of `batch` with the erased slots zeroed (unchanged when the batch holds none).
    ///
    /// - Parameters:
    ///   - ciphertext: one ciphertext of the batch.
    ///   - batch: its batch.
    /// - Returns: the masked ciphertext.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func apply(to ciphertext: Ciphertext<UInt64>, batch: Int) throws(PipelineError) -> Ciphertext<UInt64> {
        guard let mask = masks[batch] else { return ciphertext }
        do throws(FHEError) {
            return try Bfv64.multiply(ciphertext, by: mask)
        } catch {
            throw .fhe(error)
        }
    }

    /// Every batch's ciphertext with the erased slots zeroed.
    ///
    /// - Parameter ciphertexts: one ciphertext per batch.
    /// - Returns: the masked ciphertexts.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func apply(to ciphertexts: [Int: Ciphertext<UInt64>]) throws(PipelineError) -> [Int: Ciphertext<UInt64>] {
        var result = ciphertexts
        for batch in masks.keys { if let ciphertext = ciphertexts[batch] { result[batch] = try apply(to: ciphertext, batch: batch) } }
        return result
    }
}

extension Evaluator {
    /// The tree score run with the slots of erased clients zeroed (issue 27): the tree circuit
    /// scores the collector's bits, which were encrypted before the erasure, so the erased slots
    /// are masked afterwards, as in heat, feature and logistic score runs. For inputs in the
    /// dense layout (``TreeSlotLayout/dense``) the erased slots are mapped to their positions first.
    ///
    /// - Parameters:
    ///   - run: the encrypted tree scores.
    ///   - store: the store whose erasure records name the slots.
    /// - Returns: the run with the erased slots zeroed (the same run when nobody was erased).
    /// - Throws: ``TreeScoringError/parametersTooSmall(preset:reason:fitting:)`` (exit 69) when the
    ///   mask's product (about `log2 t + log2 N + 1` bits of noise) would leave less than
    ///   ``EncryptedTreeModel/requiredNoiseBudget`` bits by the model's estimate,
    ///   ``PipelineError/fhe(_:)``, ``StoreError``.
    public func zeroingErasedSlots(of run: EncryptedTreeScoreRun, store: HeatStore) throws -> EncryptedTreeScoreRun {
        var erased = try ClientErasure.erasedSlots(in: store)
        if let coverage = run.header.coverage, coverage.effectiveLayout == .dense {
            // Dense tree inputs (issue 15): an erased slot sits at its rank among the encoded
            // slots; a slot the collector did not encode has no position, so nothing to zero.
            let position = try coverage.positionMap(source: "the tree inputs")
            erased = erased.compactMap(position)
        }
        let mask = try ErasedSlotMask(erased: erased, context: context)
        guard !mask.isEmpty else { return run }
        let parameters = context.parameters
        let cost = Int((log2(Double(parameters.plaintextModulus)) + log2(Double(parameters.degree)) + 1).rounded(.up))
        let left = run.header.model.estimatedNoiseBudget(parameters: parameters) - cost
        guard left >= EncryptedTreeModel.requiredNoiseBudget else {
            throw TreeScoringError.parametersTooSmall(
                preset: parameters.name,
                reason: "about \(left) bits of noise budget would be left after zeroing the erased clients' slots (at least \(EncryptedTreeModel.requiredNoiseBudget) needed)",
                fitting: nil)
        }
        return EncryptedTreeScoreRun(header: run.header, scores: try mask.apply(to: run.scores))
    }
}
