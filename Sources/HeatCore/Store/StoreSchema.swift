import GRDB

/// The store's SQL schema and its versioned migrations.
///
/// Migrations are registered with GRDB's `DatabaseMigrator` under the identifiers `v1`, `v2`, …
/// and each one sets `PRAGMA user_version` to its number, so a store can be checked without
/// GRDB: ``currentVersion`` is the newest version this build writes and reads; a store whose
/// `user_version` is higher was written by a newer tool and is refused.
///
/// ```swift
/// let queue = try DatabaseQueue(path: "heat.db")
/// try StoreSchema.migrator.migrate(queue)
/// ```
public enum StoreSchema {
    /// The schema version this build creates and understands.
    public static let currentVersion = 9

    /// The `CREATE TABLE` statement of a chained table.
    static func createStatement(for table: ChainedTable) -> String {
        var lines = ["seq INTEGER PRIMARY KEY"]
        for (column, type) in zip(table.columns, table.columnTypes) {
            lines.append("\(column) \(type)")
        }
        lines.append("prev_hash BLOB NOT NULL")
        lines.append("row_hash BLOB NOT NULL")
        return "CREATE TABLE \(table.name) (\n  " + lines.joined(separator: ",\n  ") + "\n)"
    }

    /// The triggers that make a table append-only: any UPDATE or DELETE aborts.
    static func triggerStatements(for table: ChainedTable) -> [String] {
        ["UPDATE", "DELETE"].map { operation in
            """
            CREATE TRIGGER \(table.name)_no_\(operation.lowercased()) BEFORE \(operation) ON \(table.name)
            BEGIN SELECT RAISE(ABORT, '\(table.name) is append-only'); END
            """
        }
    }

    /// Creates a chained table declared in ``ChainedTable`` with its append-only triggers; call it
    /// from the migration of the table's ``ChainedTable/introducedIn`` version.
    ///
    /// ```swift
    /// migrator.registerMigration("v4-ciphertexts") { db in
    ///     try StoreSchema.createChainedTable(.ciphertextBuckets, in: db)
    ///     try db.execute(sql: "PRAGMA user_version = 4")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - db: the connection, inside the migration.
    /// - Throws: a database error.
    public static func createChainedTable(_ table: ChainedTable, in db: Database) throws {
        try db.execute(sql: createStatement(for: table))
        for trigger in triggerStatements(for: table) { try db.execute(sql: trigger) }
    }

    /// The migrator with every schema version, in order.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for table in ChainedTable.version1 {
                try db.execute(sql: createStatement(for: table))
                for trigger in triggerStatements(for: table) { try db.execute(sql: trigger) }
            }
            try db.execute(sql: "CREATE INDEX weekly_buckets_client ON weekly_buckets(client_pseudonym, week)")
            try db.execute(sql: "CREATE INDEX audit_log_action ON audit_log(action)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        // Issue 11: collector ingestion keys (endorsed by the key holder) and per-run collector signatures.
        migrator.registerMigration("v2-audit") { db in
            try createChainedTable(.collectorKeys, in: db)
            try createChainedTable(.ingestionSignatures, in: db)
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        // Issue 12: membership hashes of released groups (differencing checks), see ReleaseLedger.
        migrator.registerMigration("v3-policy") { db in
            try ReleaseLedger.createTable(in: db)
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        // Registered after every earlier migration (v2-audit and v3-policy come before it).
        migrator.registerMigration("v4-ciphertexts") { db in
            try createChainedTable(.ciphertexts, in: db)
            try createChainedTable(.collectorState, in: db)
            try db.execute(sql: "CREATE INDEX ciphertexts_batch ON ciphertexts(batch, week)")
            try db.execute(sql: "CREATE INDEX collector_state_week ON collector_state(week, batch)")
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        // Issue 27: signed retention tombstones and key transitions.
        migrator.registerMigration("v5-operations") { db in
            try createChainedTable(.retentionTombstones, in: db)
            try createChainedTable(.keyTransitions, in: db)
            try db.execute(sql: "PRAGMA user_version = 5")
        }
        // Issue 27 (rest): signed client erasures (directory tombstones).
        migrator.registerMigration("v6-lifecycle") { db in
            try createChainedTable(.clientErasures, in: db)
            try db.execute(sql: "PRAGMA user_version = 6")
        }
        // Issue 27 (item 3): signed directory versions (moves and closures effective from a week).
        migrator.registerMigration("v7-directory") { db in
            try createChainedTable(.directoryVersions, in: db)
            try db.execute(sql: "CREATE INDEX directory_versions_slot ON directory_versions(slot, from_week)")
            try db.execute(sql: "PRAGMA user_version = 7")
        }
        // Issue 27 (item 1): signed retirements (rotation, revocation) of collector ingestion keys.
        migrator.registerMigration("v8-keys") { db in
            try createChainedTable(.collectorKeyRetirements, in: db)
            try db.execute(sql: "PRAGMA user_version = 8")
        }
        // Issue 27 (item 1): signed FHE key transitions (rotation by re-encryption in the vault).
        migrator.registerMigration("v9-fhe-keys") { db in
            try createChainedTable(.fheKeyTransitions, in: db)
            try db.execute(sql: "PRAGMA user_version = 9")
        }
        return migrator
    }
}
