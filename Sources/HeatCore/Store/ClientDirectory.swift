import Foundation
import GRDB
import HeatEnvelope

/// Reads the store's pseudonymous client directory and per-client weekly buckets.
///
/// ```swift
/// for entry in try ClientDirectory.entries(in: store, filter: ClientFilter(segment: "retail")) {
///     print(entry.ref, entry.events)
/// }
/// ```
public enum ClientDirectory {
    /// The directory entries matching `filter`, by slot.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - filter: the criteria.
    ///   - scoring: a heat configuration to score each client with (``StoreHeat``), or `nil` to
    ///     skip scoring (a level filter then matches nothing).
    ///   - asOf: the scoring reference date: heat runs through the last complete ISO week on or
    ///     before it (``StoreHeat/referenceWeek(asOf:)``); default: the latest stored week.
    ///   - week: when set, the directory as it stands that week (issue 27): each client's manager
    ///     and branch are those of the ``DirectoryVersion`` in force (``DirectoryTimeline/inForce(_:week:)``),
    ///     closed accounts are left out, and `filter` matches against those; `nil` lists the
    ///     directory rows as first ingested (for readers that apply the versions themselves).
    /// - Returns: the matching entries with display references (widened to 12 digits on collisions).
    /// - Throws: ``StoreError``.
    public static func entries(
        in store: HeatStore, filter: ClientFilter = ClientFilter(), scoring: HeatConfiguration? = nil,
        asOf: CalendarDate? = nil, versionsAt week: ISOWeek? = nil
    ) throws -> [ClientDirectoryEntry] {
        let scores = try scoring.map { try StoreHeat.scores(in: store, configuration: $0, asOf: asOf) } ?? [:]
        return try store.read { db in
            let rows = try ClientDirectoryRow.fetchAll(db, sql: """
                SELECT d.pseudonym, d.slot, d.manager_pseudonym, d.branch_pseudonym, d.segment, d.region, d.opened_on,
                       COALESCE(SUM(b.events), 0) AS events, MAX(b.week) AS last_week
                FROM client_directory d LEFT JOIN weekly_buckets b ON b.client_pseudonym = d.pseudonym
                GROUP BY d.seq ORDER BY d.slot
                """)
            let clients = rows.compactMap(\.client)
            let managers = rows.compactMap(\.manager)
            let branches = rows.compactMap(\.branch)
            let clientRefs = Pseudonymizer.displayRefs(for: clients)
            let managerRefs = Pseudonymizer.displayRefs(for: Array(Set(managers)))
            let branchRefs = Pseudonymizer.displayRefs(for: Array(Set(branches)))
            let timeline = try week.map { _ in try DirectoryTimeline.read(in: db) }
            let entries = rows.compactMap { row -> ClientDirectoryEntry? in
                guard let client = row.client else { return nil }
                var entry = ClientDirectoryEntry(
                    ref: clientRefs[client] ?? client.displayRef, pseudonym: client.hex, slot: row.slot,
                    manager: row.manager.map { managerRefs[$0] ?? $0.displayRef },
                    branch: row.branch.map { branchRefs[$0] ?? $0.displayRef },
                    segment: row.segment, region: row.region, openedOn: row.openedOn,
                    events: row.events, lastWeek: row.lastWeek)
                if let score = scores[client.hex] {
                    entry.heat = score.heat
                    entry.trend = score.trend
                    entry.level = score.level
                    entry.cooling = score.cooling
                }
                return entry
            }
            let inForce = week.flatMap { week in timeline.map { $0.inForce(entries, week: week) } } ?? entries
            return inForce.filter(filter.matches)
        }
    }

    /// The reference week of a listing or scenario: the last complete ISO week on or before `asOf`
    /// (``StoreHeat/referenceWeek(asOf:)``), else the latest week with stored events (plaintext
    /// buckets or ciphertexts), else the current week.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - asOf: the reference date, if given.
    /// - Returns: the week.
    /// - Throws: ``StoreError``.
    public static func referenceWeek(in store: HeatStore, asOf: CalendarDate?) throws -> ISOWeek {
        if let asOf { return StoreHeat.referenceWeek(asOf: asOf) }
        let latest = try store.read { db -> ISOWeek? in
            var weeks: [String] = []
            for (table, condition) in [("weekly_buckets", "WHERE events > 0"), ("ciphertexts", "")] {
                guard try db.tableExists(table) else { continue }
                if let week = try String.fetchOne(db, sql: "SELECT MAX(week) FROM \(table) \(condition)") { weeks.append(week) }
            }
            return weeks.compactMap { try? ISOWeek(parsing: $0) }.max()
        }
        return latest ?? UTCTimestamp.now().isoWeek
    }

    /// The stored weekly bucket deltas summed per client x week x channel x direction.
    ///
    /// Plaintext buckets are test and demo data only (`encoding = plaintext-test-only`).
    ///
    /// - Parameter store: the store.
    /// - Returns: one ``StoredBucket`` per client x week x channel x direction, ordered by slot and week.
    /// - Throws: ``StoreError``.
    public static func buckets(in store: HeatStore) throws -> [StoredBucket] {
        try store.read { db in
            try StoredBucketRow.fetchAll(db, sql: """
                SELECT d.pseudonym, d.slot, b.week, b.channel, b.direction,
                       SUM(b.events) AS events, SUM(b.duration_seconds) AS duration_seconds, SUM(b.replies) AS replies
                FROM weekly_buckets b JOIN client_directory d ON d.pseudonym = b.client_pseudonym
                GROUP BY d.slot, b.week, b.channel, b.direction ORDER BY d.slot, b.week, b.channel, b.direction
                """).compactMap(\.bucket)
        }
    }
}
