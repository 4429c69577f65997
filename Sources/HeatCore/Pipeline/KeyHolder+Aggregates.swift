import Foundation
import HeatFHE

extension KeyHolder {
    /// Decrypts the evaluator's group aggregates inside the vault: one heat sum and one trend sum
    /// per released group, read from the group's ciphertext pair and slot (each pair decrypted
    /// once; the evaluator zeroed every slot that is not a released total).
    ///
    /// Groups under the evaluator's `k` are not in the file, so they cannot be decrypted. The
    /// evaluator chooses its `k` itself (`evaluate --min-group-size`), so the policy's `k` is
    /// enforced here, **before anything is decrypted**: when the file's
    /// ``EncryptedAggregates/Header/minGroupSize`` or any group's client count is below
    /// `minGroupSize`, the request is refused (rule `minGroupSize`, exit 77). The totals feed
    /// ``ReleaseInput/groupAggregates``, through which ``ReleaseEngine`` applies the policy and
    /// differential privacy exactly as for the plaintext pipeline.
    ///
    /// - Parameters:
    ///   - aggregates: the evaluator's aggregates (this key holder's parameters).
    ///   - minGroupSize: the policy's `k` (``PrivacyPolicy/minGroupSize``).
    /// - Returns: the totals, in the file's order.
    /// - Throws: ``PipelineError``; ``PipelineError/noNoiseBudget(source:)`` (exit 65) when a
    ///   ciphertext was computed with another key pair's keys; ``PipelineError/policyRefused(_:)`` when the file was
    ///   computed for groups under `minGroupSize`; ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/runGeneration(source:runGeneration:folderGeneration:)`` (exit 64) when it
    ///   was computed under another FHE key generation than this folder's.
    public func decrypt(aggregates: EncryptedAggregates, minGroupSize: Int) throws(PipelineError) -> [GroupAggregate] {
        if let refusal = aggregates.refusal(minGroupSize: minGroupSize) {
            throw .policyRefused(refusal)
        }
        guard aggregates.header.parametersFingerprint == context.fingerprint.hex else {
            throw .parameterMismatch(source: "the aggregates", expected: context.fingerprint.hex, found: aggregates.header.parametersFingerprint)
        }
        do {
            try requireGeneration(aggregates.header.fheGeneration, keyID: aggregates.header.fheKeyID, source: "the aggregates")
        } catch {
            throw .fheKey(error)
        }
        var totals: [GroupAggregate] = []
        var decrypted: [Int: (heat: [Int64], trend: [Int64])] = [:]
        for (index, group) in aggregates.header.groups.enumerated() {
            let pair = group.ciphertext ?? index
            let slot = group.slot ?? 0
            guard pair >= 0, pair < aggregates.heat.count, pair < aggregates.trend.count else {
                throw .malformed(source: "the aggregates", reason: "group \(index) (\(group.kind.rawValue)) points at ciphertext pair \(pair) of \(aggregates.heat.count)")
            }
            if decrypted[pair] == nil {
                let heat = try decryptSlots(aggregates.heat[pair], mask: nil, signed: false, source: "the aggregates")
                let trend = try decryptSlots(aggregates.trend[pair], mask: nil, signed: true, source: "the aggregates")
                slotObserver?(heat)
                slotObserver?(trend)
                decrypted[pair] = (heat, trend)
            }
            guard let values = decrypted[pair], slot >= 0, slot < values.heat.count, slot < values.trend.count else {
                throw .malformed(source: "the aggregates", reason: "group \(index) (\(group.kind.rawValue)) points at slot \(slot) outside its ciphertext")
            }
            totals.append(GroupAggregate(
                kind: group.kind, ref: group.ref, clients: group.clients, heatSum: Int(values.heat[slot]), trendSum: Int(values.trend[slot])))
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

extension EncryptedAggregates {
    /// The policy's refusal (rule `minGroupSize`) when these aggregates were computed for groups
    /// under `minGroupSize`: the header's `k` or any group's client count is below it; else `nil`.
    /// Reads only the header, so it is checked before anything is decrypted.
    ///
    /// - Parameter minGroupSize: the policy's `k`.
    /// - Returns: the refusal, or `nil` when every group has at least `minGroupSize` clients.
    public func refusal(minGroupSize: Int) -> PolicyRefusal? {
        if header.minGroupSize < minGroupSize {
            return PolicyRefusal(
                rule: "minGroupSize",
                reason: "the aggregates were computed for groups of at least \(header.minGroupSize) clients, the policy requires \(minGroupSize); nothing was decrypted")
        }
        for small in header.groups where small.clients < minGroupSize {
            return PolicyRefusal(
                rule: "minGroupSize",
                reason: "the aggregates hold a \(small.kind.rawValue) group of \(small.clients) clients, under the policy's \(minGroupSize); nothing was decrypted")
        }
        return nil
    }
}
