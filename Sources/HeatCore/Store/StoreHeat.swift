import Foundation
import GRDB

/// Heat scores of the store's clients, computed in plaintext from the stored weekly buckets with
/// the heat model's ``HeatScorer`` (test and demo data only: the encrypted pipeline will compute
/// the same integers on ciphertexts).
///
/// ```swift
/// let scores = try StoreHeat.scores(in: store)
/// let hot = scores.values.filter { $0.level == .hot }.count
/// ```
public enum StoreHeat {
    /// Scores every client of the directory.
    ///
    /// The stored buckets hold replies within 48 hours (the default `replyWithinHours`).
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat model's configuration.
    ///   - asOf: the reference date. The store holds whole ISO weeks, so heat is computed through
    ///     ``referenceWeek(asOf:)``, the last complete ISO week on or before it (the week itself
    ///     when it is a Sunday, otherwise the week before). By default the latest week with stored
    ///     events (or the current week for an empty store).
    /// - Returns: the scores by full pseudonym hex; each score's `clientID` is the client's
    ///   display reference, never a raw id.
    /// - Throws: ``StoreError``.
    public static func scores(
        in store: HeatStore, configuration: HeatConfiguration = HeatConfiguration(), asOf: CalendarDate? = nil
    ) throws -> [String: HeatScore] {
        let buckets = try ClientDirectory.buckets(in: store)
        let clients = try store.read { db in
            try Data.fetchAll(db, sql: "SELECT pseudonym FROM client_directory ORDER BY slot")
        }.map { Pseudonym(kind: .client, bytes: [UInt8]($0)) }
        var weeks: [Pseudonym: [ISOWeek: WeekActivity]] = [:]
        var latest: ISOWeek?
        for bucket in buckets {
            weeks[bucket.client, default: [:]][bucket.week, default: WeekActivity()][bucket.channel, bucket.direction] =
                bucket.activityBucket
            if bucket.events > 0, latest.map({ bucket.week > $0 }) ?? true { latest = bucket.week }
        }
        let reference = asOf.map(referenceWeek(asOf:)) ?? latest ?? UTCTimestamp.now().isoWeek
        let scorer = HeatScorer(configuration: configuration)
        let refs = Pseudonymizer.displayRefs(for: clients)
        var scores: [String: HeatScore] = [:]
        for client in clients {
            scores[client.hex] = scorer.score(
                clientID: refs[client] ?? client.displayRef, weeks: weeks[client] ?? [:], asOf: reference)
        }
        return scores
    }

    /// The week a store computation uses for a reference date: the last complete ISO week (Monday
    /// to Sunday, UTC) on or before `date`. The store keeps weekly buckets, not days, so a week
    /// that `date` ends part-way through cannot be cut at `date`; it is left out entirely rather
    /// than counting events after `date`.
    ///
    /// ```swift
    /// StoreHeat.referenceWeek(asOf: CalendarDate(year: 2025, month: 12, day: 31)!)  // 2025-W52 (Mon 22 to Sun 28 December)
    /// StoreHeat.referenceWeek(asOf: CalendarDate(year: 2026, month: 1, day: 4)!)    // 2026-W01 (4 January is its Sunday)
    /// ```
    ///
    /// - Parameter date: the requested reference date.
    /// - Returns: `date`'s ISO week when `date` is a Sunday, otherwise the week before.
    public static func referenceWeek(asOf date: CalendarDate) -> ISOWeek {
        date.isoWeekday == 7 ? date.isoWeek : date.isoWeek.advanced(by: -1)
    }
}
