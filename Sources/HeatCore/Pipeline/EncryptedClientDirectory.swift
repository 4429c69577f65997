import Foundation
import GRDB

/// The client directory of a store with encrypted activity, scored through the key holder
/// (`heatctl clients --keys keys/keyholder`): heat and trend are decrypted from an evaluator run
/// (or from an evaluation the key holder runs in the vault on the stored ciphertexts), levels
/// and cooling are derived in plaintext there.
///
/// ```swift
/// let keyHolder = try KeyHolder(folder: KeyFolder(path: "keys/keyholder", role: .keyholder))
/// let warm = try EncryptedClientDirectory.entries(in: store, keyHolder: keyHolder,
///                                                 filter: ClientFilter(level: .warm))
/// ```
public enum EncryptedClientDirectory {
    /// Ciphertexts stored (0 for a plaintext or empty store).
    ///
    /// - Parameter store: the store.
    /// - Returns: the row count of `ciphertexts`.
    /// - Throws: ``StoreError``.
    public static func ciphertextCount(in store: HeatStore) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ciphertexts") ?? 0 }
    }

    /// The directory entries matching `filter`, scored by decryption.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - keyHolder: the key holder.
    ///   - run: an evaluator run to decrypt; `nil` evaluates the stored ciphertexts in the vault.
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date when evaluating (default: the latest week with ciphertexts).
    ///   - filter: the criteria (a level filter applies to the decrypted levels).
    ///   - manager: when set, every slot outside this manager's clients is masked to zero before
    ///     decryption (``KeyHolder/decrypt(run:store:manager:)``), and only that manager's clients
    ///     are returned.
    /// - Returns: the matching entries by slot, with heat, trend, level and cooling set. Managers
    ///   and branches are those in force at the run's reference week (issue 27,
    ///   ``DirectoryTimeline/inForce(_:week:)``): a moved client is listed (and matched by a
    ///   `manager` filter) under the manager holding it that week, and an account closed by then is
    ///   left out.
    /// - Throws: ``PipelineError``, ``StoreError``.
    public static func entries(
        in store: HeatStore, keyHolder: KeyHolder, run: EncryptedHeatRun? = nil,
        configuration: HeatConfiguration = HeatConfiguration(), asOf: CalendarDate? = nil, filter: ClientFilter = ClientFilter(),
        manager: Pseudonym? = nil
    ) throws -> [ClientDirectoryEntry] {
        let evaluation = try run ?? Evaluator(context: keyHolder.context).evaluate(
            store: store, configuration: configuration, asOf: asOf)
        let scores = try KeyHolder.scores(
            keyHolder.decrypt(run: evaluation, store: store, manager: manager), configuration: configuration, store: store)
        guard let week = try? ISOWeek(parsing: evaluation.header.asOfWeek) else {
            throw PipelineError.malformed(source: "the run", reason: "field asOfWeek: \(evaluation.header.asOfWeek) is not an ISO week")
        }
        return try ClientDirectory.entries(in: store, versionsAt: week).compactMap { entry -> ClientDirectoryEntry? in
            var entry = entry
            if manager != nil && scores[entry.pseudonym] == nil { return nil }
            if let score = scores[entry.pseudonym] {
                entry.heat = score.heat
                entry.trend = score.trend
                entry.level = score.level
                entry.cooling = score.cooling
            }
            return filter.matches(entry) ? entry : nil
        }
    }
}
