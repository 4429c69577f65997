import Foundation
import GRDB
import Testing
@testable import HeatCore

/// `HeatStore` over any GRDB `DatabaseWriter` / `DatabaseReader` (issue 25, item 3): in-memory
/// stores, GRDB's own transactions, columns declared once, lenient `FetchableRecord` rows.
@Suite struct InMemoryStoreTests {
    @Test func anInMemoryQueueHoldsAWholeStore() throws {
        let store = try HeatStore.initialize(writer: DatabaseQueue())
        #expect(!store.isReadOnly)
        #expect(store.path == ":memory:")
        #expect(try store.schemaVersion() == StoreSchema.currentVersion)
        #expect(try AuditLog.entries(in: store).map(\.action) == ["init"])
        let run = ComputationRun(
            startedAt: UTCTimestamp(secondsSinceEpoch: 1_772_000_000), finishedAt: UTCTimestamp(secondsSinceEpoch: 1_772_000_060),
            kind: "evaluate", inputHash: "aa", outputHash: "bb", parameters: ["asOf": "2026-03-02"])
        try store.write { db in try ComputationLog.append(run, in: db) }
        let runs = try ComputationLog.runs(in: store)
        #expect(runs.count == 1)
        #expect(runs.first?.kind == "evaluate")
        #expect(runs.first?.parameters == ["asOf": "2026-03-02"])
        #expect(runs.first?.seq == 1)
        // The append-only triggers hold in memory too, classified as for a file.
        #expect(throws: StoreError.appendOnlyViolation(path: ":memory:", table: "audit_log")) {
            try store.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        }
        // A failed write rolls back as a whole (GRDB's transaction).
        #expect(throws: StoreError.self) {
            try store.write { db in
                try ComputationLog.append(run, in: db)
                try db.execute(sql: "DELETE FROM computation_runs")
            }
        }
        #expect(try ComputationLog.runs(in: store).count == 1)
    }

    @Test func theAsyncFormsUseGRDBsAsyncAccess() async throws {
        let store = try HeatStore.initialize(writer: DatabaseQueue())
        let count = try await store.readAsync { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log") ?? -1 }
        #expect(count == 1)
        try await store.writeAsync { db in
            try AuditLog.append(AuditEntry(role: "operator", action: "test.async", parameters: [:]), in: db)
        }
        #expect(try AuditLog.entries(in: store).map(\.action) == ["init", "test.async"])
    }

    @Test func aReaderStoreRefusesWritesAndChecksTheSchema() throws {
        let queue = try DatabaseQueue()
        _ = try HeatStore.initialize(writer: queue, label: "scratch")
        let reader = try HeatStore(reader: queue, label: "scratch")
        #expect(reader.isReadOnly)
        #expect(try AuditLog.entries(in: reader).count == 1)
        #expect(throws: StoreError.io(path: "scratch", reason: "the store was opened read-only")) {
            try reader.write { _ in }
        }
        // Read-only at the SQLite level too, although the queue it was given can write: every access
        // of a reader store runs inside GRDB's `read`, which SQLite executes with `query_only`.
        #expect(throws: (any Error).self) {
            try reader.read { db in try db.execute(sql: "CREATE TABLE intruder (x)") }
        }
        #expect(throws: (any Error).self) {
            try reader.read { db in try db.execute(sql: "INSERT INTO audit_log (seq) VALUES (99)") }
        }
        #expect(try queue.read { db in try db.tableExists("intruder") } == false)
        #expect(try AuditLog.entries(in: reader).count == 1)
        // An empty database is not a store, and a reader never creates one.
        #expect(throws: StoreError.notAStore(path: "empty", reason: "the store was never initialised")) {
            _ = try HeatStore(reader: DatabaseQueue(), label: "empty")
        }
    }

    /// The `CREATE TABLE` statements come from the one declaration of each table's columns in
    /// `ChainedTable`; pinned to the statement schema version 1 always wrote.
    @Test func columnsAreDeclaredOnceAndTheV1SchemaIsUnchanged() {
        #expect(StoreSchema.createStatement(for: .auditLog) == """
            CREATE TABLE audit_log (
              seq INTEGER PRIMARY KEY,
              recorded_at TEXT NOT NULL,
              role TEXT NOT NULL,
              action TEXT NOT NULL,
              input_hash TEXT,
              output_hash TEXT,
              parameters TEXT NOT NULL,
              prev_hash BLOB NOT NULL,
              row_hash BLOB NOT NULL
            )
            """)
        #expect(StoreSchema.createStatement(for: .clientDirectory).contains("pseudonym BLOB NOT NULL UNIQUE"))
        #expect(StoreSchema.createStatement(for: .clientDirectory).contains("slot INTEGER NOT NULL UNIQUE"))
        #expect(StoreSchema.createStatement(for: .eventHMACs).contains("event_hmac BLOB NOT NULL UNIQUE"))
        for table in ChainedTable.all {
            #expect(table.columnTypes.count == table.columns.count, "\(table.name) declares a type per column")
        }
    }

    /// A tampered row (wrong types where the schema says TEXT) is read leniently by the
    /// `FetchableRecord` initialisers instead of trapping.
    @Test func tamperedRowsDecodeLeniently() throws {
        let queue = try DatabaseQueue()
        let store = try HeatStore.initialize(writer: queue)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET recorded_at = 42, role = x'ff00', parameters = 'not json', input_hash = 7")
        }
        let entries = try AuditLog.entries(in: store)
        #expect(entries.count == 1)
        #expect(entries.first?.recordedAt == UTCTimestamp(secondsSinceEpoch: 0))
        #expect(entries.first?.parameters == [:])
        #expect(entries.first?.action == "init")
        #expect(entries.first?.seq == 1)
        // Lenient reading never hides the tampering: the verifier still names the changed row.
        let report = try StoreVerifier.verify(store: store, pinnedKey: StoreSigningKey().verificationKey,
                                              anchor: .firstHead, allowUnsignedTail: true)
        #expect(!report.intact)
        #expect(report.violations.contains { $0.table == "audit_log" && $0.seq == 1 }, "\(report.violations)")
    }
}
