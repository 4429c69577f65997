import Foundation
import GRDB

// Rows read into GRDB `FetchableRecord` types. A store file may have been tampered with, so every
// `init(row:)` here decodes leniently (``Row/lenientText(_:)`` and friends): a NULL or a value of
// another type where the schema says otherwise becomes a neutral value or skips the row, never a
// trap. Chain hashing (`StoreVerifier`) does not go through these types: it hashes the stored
// bytes themselves.

extension AuditEntry: FetchableRecord {
    /// Reads one `audit_log` row leniently: a missing or malformed timestamp reads as the epoch,
    /// unreadable parameters as none, a missing role or action as empty.
    ///
    /// ```swift
    /// let entries = try store.read { db in try AuditEntry.fetchAll(db, sql: "SELECT * FROM audit_log") }
    /// ```
    ///
    /// - Parameter row: a row of `audit_log` (`SELECT *`).
    public init(row: Row) {
        let parametersText = row.lenientText("parameters") ?? "{}"
        self.init(
            role: row.lenientText("role") ?? "", action: row.lenientText("action") ?? "",
            inputHash: row.lenientText("input_hash"), outputHash: row.lenientText("output_hash"),
            parameters: (try? JSONDecoder().decode([String: String].self, from: Data(parametersText.utf8))) ?? [:],
            recordedAt: (try? UTCTimestamp(iso8601: row.lenientText("recorded_at") ?? ""))
                ?? UTCTimestamp(secondsSinceEpoch: 0))
        seq = row.lenientInteger("seq")
    }
}

extension ComputationRun: FetchableRecord {
    /// Reads one `computation_runs` row leniently: malformed timestamps read as the epoch,
    /// unreadable parameters as none.
    ///
    /// ```swift
    /// let runs = try store.read { db in try ComputationRun.fetchAll(db, sql: "SELECT * FROM computation_runs") }
    /// ```
    ///
    /// - Parameter row: a row of `computation_runs` (`SELECT *`).
    public init(row: Row) {
        let parametersText = row.lenientText("parameters") ?? "{}"
        self.init(
            startedAt: (try? UTCTimestamp(iso8601: row.lenientText("started_at") ?? "")) ?? UTCTimestamp(secondsSinceEpoch: 0),
            finishedAt: (try? UTCTimestamp(iso8601: row.lenientText("finished_at") ?? "")) ?? UTCTimestamp(secondsSinceEpoch: 0),
            kind: row.lenientText("kind") ?? "", inputHash: row.lenientText("input_hash"),
            outputHash: row.lenientText("output_hash"),
            parameters: (try? JSONDecoder().decode([String: String].self, from: Data(parametersText.utf8))) ?? [:])
        seq = row.lenientInteger("seq")
    }
}

/// One row of the per-client bucket totals query of ``ClientDirectory/buckets(in:)``: `bucket`
/// is `nil` when the stored week, channel, direction or pseudonym is unreadable (the row is then
/// skipped).
struct StoredBucketRow: FetchableRecord {
    /// The bucket, or `nil` for an unreadable row.
    let bucket: StoredBucket?

    init(row: Row) {
        guard let week = try? ISOWeek(parsing: row.lenientText("week") ?? ""),
              let channel = Channel(rawValue: row.lenientText("channel") ?? ""),
              let direction = Direction(rawValue: row.lenientText("direction") ?? ""),
              let bytes = row.lenientBlob("pseudonym")
        else {
            bucket = nil
            return
        }
        bucket = StoredBucket(
            client: Pseudonym(kind: .client, bytes: [UInt8](bytes)), slot: row.lenientInteger("slot") ?? -1, week: week,
            channel: channel, direction: direction, events: row.lenientInteger("events") ?? 0,
            durationSeconds: row.lenientInteger("duration_seconds") ?? 0, replies: row.lenientInteger("replies") ?? 0)
    }
}

/// One row of the client directory query of ``ClientDirectory/entries(in:filter:scoring:asOf:)``,
/// decoded leniently (unreadable values become `nil`; a row without a client pseudonym is skipped).
struct ClientDirectoryRow: FetchableRecord {
    /// The client's pseudonym, `nil` when unreadable.
    let client: Pseudonym?
    /// The manager's pseudonym.
    let manager: Pseudonym?
    /// The branch's pseudonym.
    let branch: Pseudonym?
    /// The client's slot (-1 when unreadable).
    let slot: Int64
    /// The segment.
    let segment: String?
    /// The region.
    let region: String?
    /// The opening date, when stored and valid.
    let openedOn: CalendarDate?
    /// The client's stored event count.
    let events: Int64
    /// The client's latest stored week, when valid.
    let lastWeek: ISOWeek?

    init(row: Row) {
        func pseudonym(_ column: String, _ kind: Pseudonym.Kind) -> Pseudonym? {
            row.lenientBlob(column).map { Pseudonym(kind: kind, bytes: [UInt8]($0)) }
        }
        client = pseudonym("pseudonym", .client)
        manager = pseudonym("manager_pseudonym", .manager)
        branch = pseudonym("branch_pseudonym", .branch)
        slot = row.lenientInteger("slot") ?? -1
        segment = row.lenientText("segment")
        region = row.lenientText("region")
        openedOn = row.lenientText("opened_on").flatMap { try? CalendarDate(iso8601: $0) }
        events = row.lenientInteger("events") ?? 0
        lastWeek = row.lenientText("last_week").flatMap { try? ISOWeek(parsing: $0) }
    }
}
