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
    public static let currentVersion = 4

    /// The column type of each data column, by table and column name.
    static let columnTypes: [String: [String: String]] = [
        "audit_log": [
            "recorded_at": "TEXT NOT NULL", "role": "TEXT NOT NULL", "action": "TEXT NOT NULL",
            "input_hash": "TEXT", "output_hash": "TEXT", "parameters": "TEXT NOT NULL",
        ],
        "key_fingerprints": [
            "recorded_at": "TEXT NOT NULL", "role": "TEXT NOT NULL", "kind": "TEXT NOT NULL",
            "fingerprint": "TEXT NOT NULL", "public_key": "BLOB",
        ],
        "client_directory": [
            "pseudonym": "BLOB NOT NULL UNIQUE", "display_ref": "TEXT NOT NULL", "slot": "INTEGER NOT NULL UNIQUE",
            "manager_pseudonym": "BLOB", "branch_pseudonym": "BLOB", "segment": "TEXT", "region": "TEXT",
            "opened_on": "TEXT", "ingestion_run": "INTEGER NOT NULL",
        ],
        "weekly_buckets": [
            "client_pseudonym": "BLOB NOT NULL", "week": "TEXT NOT NULL", "channel": "TEXT NOT NULL",
            "direction": "TEXT NOT NULL", "events": "INTEGER NOT NULL", "duration_seconds": "INTEGER NOT NULL",
            "replies": "INTEGER NOT NULL", "encoding": "TEXT NOT NULL", "ingestion_run": "INTEGER NOT NULL",
        ],
        "event_hmacs": ["event_hmac": "BLOB NOT NULL UNIQUE", "ingestion_run": "INTEGER NOT NULL"],
        "computation_runs": [
            "started_at": "TEXT NOT NULL", "finished_at": "TEXT NOT NULL", "kind": "TEXT NOT NULL",
            "input_hash": "TEXT", "output_hash": "TEXT", "parameters": "TEXT NOT NULL",
        ],
        "ciphertexts": [
            "ingestion_run": "INTEGER NOT NULL", "week": "TEXT NOT NULL", "batch": "INTEGER NOT NULL",
            "packing": "TEXT NOT NULL", "packing_hash": "TEXT NOT NULL", "parameters_fingerprint": "TEXT NOT NULL",
            "ciphertext": "BLOB NOT NULL",
        ],
        "collector_state": [
            "ingestion_run": "INTEGER NOT NULL", "week": "TEXT NOT NULL", "batch": "INTEGER NOT NULL",
            "sealed": "BLOB NOT NULL",
        ],
        "signed_heads": [
            "signed_at": "TEXT NOT NULL", "head": "TEXT NOT NULL", "key_fingerprint": "TEXT NOT NULL",
            "signature": "BLOB NOT NULL",
        ],
    ]

    /// The `CREATE TABLE` statement of a chained table (schema version 1).
    static func createStatement(for table: ChainedTable) -> String {
        let types = columnTypes[table.name] ?? [:]
        var lines = ["seq INTEGER PRIMARY KEY"]
        for column in table.columns { lines.append("\(column) \(types[column] ?? "")") }
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
        // Registered after every earlier migration (v2-audit and v3-policy come before it).
        migrator.registerMigration("v4-ciphertexts") { db in
            for table in [ChainedTable.ciphertexts, .collectorState] {
                try db.execute(sql: createStatement(for: table))
                for trigger in triggerStatements(for: table) { try db.execute(sql: trigger) }
            }
            try db.execute(sql: "CREATE INDEX ciphertexts_batch ON ciphertexts(batch, week)")
            try db.execute(sql: "CREATE INDEX collector_state_week ON collector_state(week, batch)")
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        return migrator
    }
}
