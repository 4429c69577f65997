import Foundation
import HeatFHE

extension KeyHolder {
    /// Decrypts the evaluator's group aggregates inside the vault: one heat sum and one trend sum
    /// per released group (slot 0 of each ciphertext; every slot holds the same total).
    ///
    /// Groups under `k` are not in the file, so they cannot be decrypted. The totals feed
    /// ``ReleaseInput/groupAggregates``, through which ``ReleaseEngine`` applies the policy and
    /// differential privacy exactly as for the plaintext pipeline.
    ///
    /// - Parameter aggregates: the evaluator's aggregates (this key holder's parameters).
    /// - Returns: the totals, in the file's order.
    /// - Throws: ``PipelineError``.
    public func decrypt(aggregates: EncryptedAggregates) throws(PipelineError) -> [GroupAggregate] {
        guard aggregates.header.parametersFingerprint == context.fingerprint.hex else {
            throw .parameterMismatch(source: "the aggregates", expected: context.fingerprint.hex, found: aggregates.header.parametersFingerprint)
        }
        var totals: [GroupAggregate] = []
        for (index, group) in aggregates.header.groups.enumerated() {
            let heat = try decryptSlots(aggregates.heat[index], mask: nil, signed: false)
            let trend = try decryptSlots(aggregates.trend[index], mask: nil, signed: true)
            slotObserver?(heat)
            slotObserver?(trend)
            totals.append(GroupAggregate(
                kind: group.kind, ref: group.ref, clients: group.clients, heatSum: Int(heat.first ?? 0), trendSum: Int(trend.first ?? 0)))
        }
        return totals
    }

    /// The smallest noise budget (bits) left in the aggregates' ciphertexts.
    ///
    /// - Parameter aggregates: the aggregates.
    /// - Returns: the budget in bits (0 when there are none).
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func noiseBudget(of aggregates: EncryptedAggregates) throws(PipelineError) -> Int {
        var budget = Int.max
        do {
            for ciphertext in aggregates.heat + aggregates.trend {
                budget = min(budget, try Bfv64.noiseBudget(ciphertext, mask: nil, decryptor: decryptor))
            }
        } catch {
            throw .fhe(error)
        }
        return budget == Int.max ? 0 : budget
    }
}
