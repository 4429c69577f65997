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
    ///   - asOf: the reference date; by default the latest week with stored events (or the
    ///     current week for an empty store).
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
        let reference = asOf?.isoWeek ?? latest ?? UTCTimestamp.now().isoWeek
        let scorer = HeatScorer(configuration: configuration)
        let refs = Pseudonymizer.displayRefs(for: clients)
        var scores: [String: HeatScore] = [:]
        for client in clients {
            scores[client.hex] = scorer.score(
                clientID: refs[client] ?? client.displayRef, weeks: weeks[client] ?? [:], asOf: reference)
        }
        return scores
    }
}
