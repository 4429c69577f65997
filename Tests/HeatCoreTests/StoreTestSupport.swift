import Foundation
import GRDB
import HeatEnvelope
@testable import HeatCore

/// Helpers shared by the store, audit and key tests.
enum StoreTestSupport {
    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "heat-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh initialised store in a temporary folder.
    static func makeStore() throws -> (HeatStore, URL) {
        let directory = try temporaryDirectory()
        let path = directory.appending(path: "heat.db").path
        return (try HeatStore.initialize(path: path).store, directory)
    }

    /// A deterministic interaction.
    static func interaction(
        event: String?, client: String, manager: String = "MGR-ALPHA-77", branch: String = "BRANCH-NORTH-9",
        channel: Channel = .call, direction: Direction = .outbound, at: String = "2026-03-02T09:30:00Z",
        seconds: Int? = 600, replyHours: Double? = nil
    ) throws -> Interaction {
        Interaction(
            eventID: event, clientID: client, managerID: manager, branch: branch, channel: channel, direction: direction,
            occurredAt: try UTCTimestamp(iso8601: at), durationSeconds: seconds, repliedWithinHours: replyHours)
    }

    /// `count` interactions over a few clients, weeks and channels, event ids `EVT-RAW-<n>`.
    static func interactions(_ range: Range<Int>) throws -> [Interaction] {
        try range.map { n in
            let day = 1 + n % 27
            return try interaction(
                event: "EVT-RAW-\(n)", client: "CLIENT-RAW-\(n % 7)", manager: "MGR-RAW-\(n % 3)",
                branch: "BRANCH-RAW-\(n % 2)", channel: Channel.allCases[n % 4], direction: n % 2 == 0 ? .inbound : .outbound,
                at: "2026-02-\(day < 10 ? "0" : "")\(day)T10:00:00Z", seconds: n % 4 == 1 ? nil : 61 * (n % 5),
                replyHours: n % 3 == 0 ? Double(n % 72) : nil)
        }
    }

    /// Every row of every table, as text, table by table (for before/after comparisons).
    static func dump(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var out = ""
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            for table in tables {
                out += "## \(table)\n"
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid") {
                    out += row.description + "\n"
                }
            }
            return out
        }
    }

    /// A fresh store in `folder` (`heat.db`) with its signing keys recorded and BFV keys of
    /// `preset`, evaluation keys included, under `folder/keys`: the set-up of the encrypted
    /// operations tests (directory versions, erasure, FHE key generations).
    static func encryptedStore(in folder: URL, preset: String) throws -> (store: HeatStore, keys: String, generated: GeneratedKeys) {
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let keys = folder.appending(path: "keys").path
        let generated = try KeyFolder.generate(at: keys)
        try KeyRegistry.recordGenerated(generated, in: store)
        _ = try PipelineKeys.generate(at: keys, preset: preset, aggregates: true)
        return (store, keys, generated)
    }

    /// The collector signer of freshly generated keys.
    static func signer(_ keys: GeneratedKeys) -> CollectorSigner {
        CollectorSigner(key: keys.ingestionKey, endorsement: keys.endorsement)
    }

    /// The chain-walk violations of every chained table (no signature checks).
    static func chainViolations(_ store: HeatStore) throws -> [Violation] {
        try store.read { db in try ChainedTable.all.compactMap { try StoreVerifier.walk($0, in: db).1 } }
    }

    /// Opens the raw database as an attacker with file access would.
    static func attacker(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    /// Drops the append-only triggers of `table`.
    static func dropTriggers(_ db: Database, _ table: String) throws {
        try db.execute(sql: "DROP TRIGGER \(table)_no_update")
        try db.execute(sql: "DROP TRIGGER \(table)_no_delete")
    }

    /// Edits the signed directory version row `seq` as an attacker with file access: the
    /// append-only triggers dropped, rows `deleting` removed, the row's manager replaced by another
    /// pseudonym, the chain left as it is or recomputed (no signing key either way). Shared by
    /// `DirectoryVersionTests` and `ForgedDirectoryVersionCLITests` (review s38 duplicate D3).
    static func forgeDirectoryVersion(_ db: Database, seq: Int64 = 1, deleting: [Int64] = [], recomputeChain: Bool) throws {
        try dropTriggers(db, "directory_versions")
        for row in deleting { try db.execute(sql: "DELETE FROM directory_versions WHERE seq = ?", arguments: [row]) }
        try db.execute(sql: "UPDATE directory_versions SET manager_pseudonym = ? WHERE seq = ?", arguments: [Data(repeating: 7, count: 32), seq])
        if recomputeChain { try Self.recomputeChain(db, .directoryVersions) }
    }

    /// Recomputes every row hash of `table` from its contents, as an attacker without the
    /// signing key can.
    static func recomputeChain(_ db: Database, _ table: ChainedTable) throws {
        var previous = table.genesisHash
        let columns = (["seq"] + table.columns).joined(separator: ", ")
        for row in try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table.name) ORDER BY seq") {
            let seq: Int64 = row[0]
            let values = (0..<table.columns.count).map { CanonicalValue(row[$0 + 1] as DatabaseValue) ?? .null }
            let hash = table.rowHash(previousHash: previous, seq: seq, values: values)
            try db.execute(sql: "UPDATE \(table.name) SET prev_hash = ?, row_hash = ? WHERE seq = ?",
                           arguments: [Data(previous), Data(hash), seq])
            previous = hash
        }
    }
}
