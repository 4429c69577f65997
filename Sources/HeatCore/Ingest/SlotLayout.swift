import Foundation

/// How ingestion gives new clients their slot index (their position in batched ciphertexts).
///
/// - ``arrival``: in the order clients first appear (the clients file, then the interactions);
///   slots are dense.
/// - ``hierarchy``: clients of the clients file sorted region > branch > manager (labels and
///   pseudonyms, never raw identifiers; clients inside a manager by pseudonym), each manager's
///   clients in one contiguous block that reserves the next power of two of slots (the rest stays
///   empty, so zero in every ciphertext) and never crosses a multiple of ``rowGranularity``. The
///   evaluator then sums every manager of a slot batch with one window-sum ladder of
///   `log2(block)` rotations (``Evaluator/aggregates(of:store:configuration:galoisKeys:minGroupSize:)``)
///   instead of one masked inner product and `log2(N)` rotations per manager. The encrypted
///   pipeline's ``Collector/ingestor(signer:faultAbortAfterRows:)`` uses it.
///
/// Clients added by a later ingestion are appended (their manager's block is then no longer
/// contiguous and the evaluator sums that manager with a masked inner product instead).
///
/// ```swift
/// var ingestor = StoreIngestor(key: key)
/// ingestor.slotLayout = .hierarchy
/// ```
public enum SlotLayout: String, Sendable, Codable, CaseIterable {
    /// Dense slots in order of first appearance.
    case arrival
    /// Manager blocks sorted region > branch > manager, padded to powers of two within rows.
    case hierarchy

    /// Blocks never cross a multiple of this many slots: half the ring degree of the smallest
    /// preset with batching the pipeline uses (`N = 4096`), so a block stays inside one row of
    /// every larger preset too.
    public static let rowGranularity = 2048

    /// The smallest power of two at least `count` (1 for 0).
    static func paddedSize(_ count: Int) -> Int {
        var size = 1
        while size < count { size <<= 1 }
        return size
    }

    /// The first slot of a block of `count` clients placed at or after `next`: the block reserves
    /// ``paddedSize(_:)`` slots and moves to the next multiple of ``rowGranularity`` rather than
    /// cross one (blocks wider than a row stay where they are).
    ///
    /// - Parameters:
    ///   - count: the block's clients.
    ///   - next: the first free slot.
    /// - Returns: the block's first slot and the first free slot after its reservation.
    static func place(count: Int, at next: Int64) -> (start: Int64, end: Int64) {
        let reserved = Int64(paddedSize(count))
        let row = Int64(rowGranularity)
        guard reserved <= row else { return (next, next + Int64(count)) }
        let offset = next % row
        let start = offset + reserved > row ? next + (row - offset) : next
        return (start, start + reserved)
    }
}
