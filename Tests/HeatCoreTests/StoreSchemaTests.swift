import Crypto
import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

@Suite struct StoreSchemaTests {
    @Test func migrationsRunFromAnEmptyDatabase() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let path = directory.appending(path: "empty.db").path
        // A zero-byte file is an empty SQLite database.
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let (store, created) = try HeatStore.initialize(path: path)
        #expect(created)
        #expect(try store.schemaVersion() == StoreSchema.currentVersion)
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            for table in ChainedTable.all {
                #expect(try db.tableExists(table.name), "missing table \(table.name)")
                let columns = try db.columns(in: table.name).map(\.name)
                #expect(columns == ["seq"] + table.columns + ["prev_hash", "row_hash"])
            }
            let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
            #expect(triggers.filter { !$0.hasPrefix("release_groups") }.count == ChainedTable.all.count * 2)
            #expect(triggers.filter { $0.hasPrefix("release_groups") }.count == 2)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "PRAGMA user_version") == StoreSchema.currentVersion)
        }
        let entries = try AuditLog.entries(in: store)
        #expect(entries.map(\.action) == ["init"])
        // Initialising again is idempotent.
        let again = try HeatStore.initialize(path: path)
        #expect(!again.created)
        #expect(try AuditLog.entries(in: again.store).count == 1)
    }

    @Test func appendOnlyTablesRejectUpdateAndDelete() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        // Put rows in every table: the triggers fire per row.
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<5), clients: [], into: store, source: .init(name: "a.csv", inputHash: ""))
        // An encrypted ingestion fills the ciphertext and collector-state tables.
        _ = try PipelineKeys.generate(at: directory.appending(path: "keys").path, preset: "n8192-logq217-logt25")
        let collector = try Collector(
            folder: KeyFolder(path: directory.appending(path: "keys/collector").path, role: .collector))
        _ = try collector.ingestor(signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(5..<10), clients: [], into: store, source: .init(name: "b.csv", inputHash: ""))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        // Issue 27: a key rotation and a retention run fill key_transitions and retention_tombstones
        // (4 more audit entries: keys.rotate, audit.sign, retention.compact, audit.sign).
        let newKey = StoreSigningKey()
        // Each key holder change signs the store in its own transaction (issue 27 s37).
        let rotated = try SigningKeyRotation.rotate(store: store, from: keys.signingKey, to: newKey, anchor: .previous(head), reason: "rotation").head
        let retained = try RetentionCompactor.apply(store: store, key: newKey, anchor: .previous(rotated), before: try ISOWeek(parsing: "2026-W07")).head
        // An erasure fills client_erasures (2 more audit entries: client.erase, audit.sign).
        let erased = try ClientEraser.erase(.rawIDs(["CLIENT-RAW-1"], key: keys.pseudonymisationKey), store: store, key: newKey,
                                            anchor: .previous(retained)).head
        // A directory change fills directory_versions (2 more audit entries: directory.close, audit.sign).
        let remaining = try #require(try ClientDirectory.entries(in: store).first)
        let moved = try DirectoryChanger.apply(.close(client: "C-" + remaining.pseudonym.prefix(10)),
                                               from: try ISOWeek(parsing: "2026-W10"), store: store, key: newKey, anchor: .previous(erased)).head
        // A collector key revocation fills collector_key_retirements (2 more audit entries:
        // keys.revoke-collector, audit.sign).
        let revoked = try CollectorKeyRotation.revoke(store: store, keyholder: newKey, key: keys.ingestionKey.fingerprint.hex,
                                                      anchor: .previous(moved), reason: "test").head
        // An FHE key rotation fills fhe_key_transitions (2 more audit entries: keys.rotate-fhe, audit.sign).
        let holder = try KeyHolder(keysAt: directory.appending(path: "keys/keyholder").path)
        let next = try FHEKeyRotation.generateKeys(
            at: directory.appending(path: "keys-fhe2").path, parameters: holder.context.parameters, generation: 2, aggregates: false, signingKey: newKey)
        _ = try FHEKeyRotation.rotate(store: store, signingKey: newKey, old: holder, oldIdentity: holder.fheIdentity,
                                      newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(revoked), reason: "test")
        let raw = try StoreTestSupport.attacker(store.path)
        for table in ChainedTable.all {
            #expect(try raw.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0 } > 0)
            #expect(throws: DatabaseError.self) {
                try raw.write { db in try db.execute(sql: "UPDATE \(table.name) SET prev_hash = prev_hash") }
            }
            #expect(throws: DatabaseError.self) {
                try raw.write { db in try db.execute(sql: "DELETE FROM \(table.name)") }
            }
        }
        #expect(throws: StoreError.appendOnlyViolation(path: store.path, table: "audit_log")) {
            try store.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 1") }
        }
        #expect(try AuditLog.entries(in: store).count == 17)
        #expect(try StoreVerifier.verify(store: store, pinnedKey: keys.signingKey.verificationKey, anchor: .previous(head)).intact)
    }

    @Test func newerSchemaIsRefusedWithExit78() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        try StoreTestSupport.attacker(store.path).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA user_version = \(StoreSchema.currentVersion + 1)")
        }
        let error = #expect(throws: StoreError.self) { _ = try HeatStore(path: store.path) }
        #expect(error == .newerSchema(path: store.path, found: StoreSchema.currentVersion + 1, newestSupported: StoreSchema.currentVersion))
        #expect(error?.category.exitCode == 78)
    }

    @Test func nonDatabaseFileIsRefusedWithExit65() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let path = directory.appending(path: "notes.db").path
        try Data("client_id,segment\nC1,retail\n".utf8).write(to: URL(filePath: path))
        let error = #expect(throws: StoreError.self) { _ = try HeatStore(path: path) }
        #expect(error == .notADatabase(path: path))
        #expect(error?.category.exitCode == 65)
        let initError = #expect(throws: StoreError.self) { _ = try HeatStore.initialize(path: path) }
        #expect(initError == .notADatabase(path: path))
    }

    @Test func missingAndForeignDatabases() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let missing = directory.appending(path: "absent.db").path
        let error = #expect(throws: StoreError.self) { _ = try HeatStore(path: missing) }
        #expect(error?.category.exitCode == 66)
        #expect(!FileManager.default.fileExists(atPath: missing))

        let foreign = directory.appending(path: "other.db").path
        try DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        let foreignError = #expect(throws: StoreError.self) { _ = try HeatStore(path: foreign) }
        guard case .notAStore = foreignError else {
            Issue.record("expected notAStore, got \(String(describing: foreignError))")
            return
        }
        #expect(foreignError?.category.exitCode == 65)
    }

    @Test func lockedDatabaseFailsWithExit75() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let holder = try StoreTestSupport.attacker(store.path)
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            let error = #expect(throws: StoreError.self) {
                try store.write { db in try AuditLog.append(AuditEntry(role: "operator", action: "test"), in: db) }
            }
            #expect(error == .locked(path: store.path))
            #expect(error?.category.exitCode == 75)
            #expect(error?.hint?.contains("try again") == true)
            try db.execute(sql: "ROLLBACK")
        }
        _ = try store.write { db in try AuditLog.append(AuditEntry(role: "operator", action: "test"), in: db) }
        #expect(try AuditLog.entries(in: store).count == 2)
    }

    @Test func canonicalEncodingIsPinned() {
        var bytes = [UInt8]()
        CanonicalValue.integer(7).append(to: &bytes)
        CanonicalValue.text("ab").append(to: &bytes)
        CanonicalValue.blob([0xff]).append(to: &bytes)
        CanonicalValue.null.append(to: &bytes)
        CanonicalValue.integer(-1).append(to: &bytes)
        #expect(Hex.encode(bytes) == "01" + "00000008" + "0000000000000007"
            + "02" + "00000002" + "6162" + "03" + "00000001" + "ff" + "00" + "00000000"
            + "01" + "00000008" + "ffffffffffffffff")
        // NULL and the empty string differ.
        var empty = [UInt8]()
        CanonicalValue.text("").append(to: &empty)
        var null = [UInt8]()
        CanonicalValue.null.append(to: &null)
        #expect(empty != null)
    }

    @Test func rowHashIsSHA256OfPreviousHashAndCanonicalBytes() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let table = ChainedTable.auditLog
        let genesis = Array(SHA256.hash(data: Array("customerheat.chain/1:audit_log".utf8)))
        #expect(table.genesisHash == genesis)
        try store.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE seq = 1"))
            var bytes = [UInt8]()
            CanonicalValue.integer(1).append(to: &bytes)
            for column in table.columns {
                let value = try #require(CanonicalValue(row[column] as DatabaseValue))
                value.append(to: &bytes)
            }
            let expected = Array(SHA256.hash(data: genesis + bytes))
            #expect([UInt8](row["row_hash"] as Data) == expected)
            #expect([UInt8](row["prev_hash"] as Data) == genesis)
        }
    }
}
