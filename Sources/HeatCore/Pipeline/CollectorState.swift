import Crypto
import Foundation

/// The collector's running bucket totals of one ISO week and slot batch, sealed so that only the
/// collector can read them back.
///
/// Caps and the division into duration units are not additive, so a late event for a week
/// already stored cannot simply be encrypted alone: the collector needs the week's previous
/// totals to compute the exact change of the capped weekly score. It keeps them in the store
/// (table `collector_state`, hash-chained like every table) sealed with AES-256-GCM under a key
/// derived by HKDF-SHA256 from its pseudonymisation key, with the week and batch as associated
/// data. The evaluator and the key holder, who do not hold that key, cannot open them.
///
/// Sealed layout (before encryption, big-endian): `UInt32` entry count, then per client with
/// activity: `UInt32` slot offset in the batch, `UInt8` bit mask of its non-empty buckets, and
/// per set bit (bucket order of ``WeekActivity``) `UInt32` events, `UInt64` seconds, `UInt32` replies.
///
/// ```swift
/// let key = CollectorState.sealingKey(from: pseudonymisationKey)
/// let blob = try CollectorState(activity: [0: week]).sealed(with: key, week: w, batch: 0)
/// let back = try CollectorState(sealed: blob, key: key, week: w, batch: 0)
/// ```
public struct CollectorState: Sendable, Equatable {
    /// Activity totals by slot offset within the batch.
    public var activity: [Int: WeekActivity]

    /// Creates a state.
    ///
    /// - Parameter activity: totals by slot offset.
    public init(activity: [Int: WeekActivity] = [:]) { self.activity = activity }

    /// The AES-256 key derived from the pseudonymisation key (HKDF-SHA256, info
    /// `customerheat.collector-state/1`).
    ///
    /// - Parameter key: the collector's pseudonymisation key.
    /// - Returns: the sealing key.
    public static func sealingKey(from key: PseudonymisationKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key.bytes), salt: Data("customerheat".utf8),
            info: Data("customerheat.collector-state/1".utf8), outputByteCount: 32)
    }

    static func associatedData(week: ISOWeek, batch: Int) -> Data {
        Data("customerheat.collector-state/1|\(week)|\(batch)".utf8)
    }

    /// Seals the state.
    ///
    /// - Parameters:
    ///   - key: the sealing key.
    ///   - week: the week (bound as associated data).
    ///   - batch: the batch (bound as associated data).
    /// - Returns: nonce, ciphertext and tag.
    /// - Throws: a CryptoKit error (not expected).
    public func sealed(with key: SymmetricKey, week: ISOWeek, batch: Int) throws -> Data {
        var bytes: [UInt8] = []
        func put<I: FixedWidthInteger>(_ value: I) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
        put(UInt32(activity.count))
        for offset in activity.keys.sorted() {
            guard let week = activity[offset] else { continue }
            put(UInt32(offset))
            var mask: UInt8 = 0
            for (index, bucket) in week.buckets.enumerated() where bucket != ActivityBucket() { mask |= 1 << UInt8(index) }
            put(mask)
            for (index, bucket) in week.buckets.enumerated() where mask & (1 << UInt8(index)) != 0 {
                put(UInt32(clamping: bucket.count))
                put(UInt64(clamping: bucket.durationSeconds))
                put(UInt32(clamping: bucket.replies))
            }
        }
        let box = try AES.GCM.seal(bytes, using: key, authenticating: Self.associatedData(week: week, batch: batch))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return combined
    }

    /// Opens a sealed state.
    ///
    /// - Parameters:
    ///   - sealed: the sealed bytes.
    ///   - key: the sealing key.
    ///   - week: the week it was sealed for.
    ///   - batch: the batch it was sealed for.
    /// - Throws: ``PipelineError/sealedStateUnreadable(week:batch:)`` for another key, tampering or a malformed state.
    public init(sealed: Data, key: SymmetricKey, week: ISOWeek, batch: Int) throws(PipelineError) {
        let plain: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            plain = [UInt8](try AES.GCM.open(box, using: key, authenticating: Self.associatedData(week: week, batch: batch)))
        } catch {
            throw .sealedStateUnreadable(week: week.description, batch: batch)
        }
        var position = 0
        func take<I: FixedWidthInteger>(_: I.Type) throws(PipelineError) -> I {
            let size = MemoryLayout<I>.size
            guard position + size <= plain.count else { throw .sealedStateUnreadable(week: week.description, batch: batch) }
            var value: I = 0
            for byte in plain[position..<(position + size)] { value = value << 8 | I(byte) }
            position += size
            return value
        }
        var activity: [Int: WeekActivity] = [:]
        let count = try take(UInt32.self)
        // The (channel, direction) of each bucket index, in index order (the order sealed() writes).
        let pairs = Channel.allCases.flatMap { channel in Direction.allCases.map { (channel, $0) } }
            .sorted { WeekActivity.bucketIndex(channel: $0.0, direction: $0.1) < WeekActivity.bucketIndex(channel: $1.0, direction: $1.1) }
        for _ in 0..<count {
            let offset = Int(try take(UInt32.self))
            let mask = try take(UInt8.self)
            var entry = WeekActivity()
            for (channel, direction) in pairs {
                let index = WeekActivity.bucketIndex(channel: channel, direction: direction)
                guard mask & (1 << UInt8(index)) != 0 else { continue }
                let events = Int(try take(UInt32.self))
                let seconds = Int(clamping: try take(UInt64.self))
                let replies = Int(try take(UInt32.self))
                entry[channel, direction] = ActivityBucket(count: events, durationSeconds: seconds, replies: replies)
            }
            activity[offset] = entry
        }
        guard position == plain.count else { throw .sealedStateUnreadable(week: week.description, batch: batch) }
        self.activity = activity
    }
}
