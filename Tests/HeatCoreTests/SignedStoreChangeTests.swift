import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 s37: every key holder change to a signed store commits with its signed head in one
/// transaction (``SignedStoreChange``): `retention apply`, `erase`, `keys rotate` (signing key,
/// collector key, FHE key), `keys revoke --collector` and `directory move | close`. The kill at
/// each command's `*.unsigned.before-commit` point is swept by `FaultInjectionTests`; here the
/// library calls are checked in process: the returned head is the store's latest and strict
/// `audit verify` holds under it, and a failure of the signature itself rolls the change back.
@Suite struct SignedStoreChangeTests {
    /// One key holder change.
    enum Operation: String, CaseIterable, Sendable {
        case retention, erase, rotateSigningKey, rotateCollectorKey, revokeCollectorKey, rotateFHEKey, directory
    }

    struct Fixture {
        var store: HeatStore
        var directory: URL
        var keys: GeneratedKeys
        var head: SignedHead
    }

    /// A signed store with plaintext rows over several weeks and encrypted rows (for the FHE rotation).
    static func fixture() throws -> Fixture {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<40), clients: [], into: store, source: .init(name: "a.csv", inputHash: ""))
        _ = try PipelineKeys.generate(at: directory.appending(path: "keys").path, preset: "n8192-logq217-logt25")
        let collector = try Collector(folder: KeyFolder(path: directory.appending(path: "keys/collector").path, role: .collector))
        _ = try collector.ingestor(signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(40..<50), clients: [], into: store, source: .init(name: "b.csv", inputHash: ""))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        return Fixture(store: store, directory: directory, keys: keys, head: head)
    }

    /// Runs `operation` through its library entry point against the fixture's head.
    ///
    /// - Returns: the head it returned, its audit action and the key that signed the head.
    static func run(_ operation: Operation, on f: Fixture) throws -> (head: SignedHead, action: String, signer: StoreSigningKey) {
        let anchor = HeadAnchor.previous(f.head)
        let key = f.keys.signingKey
        switch operation {
        case .retention:
            let change = try RetentionCompactor.apply(store: f.store, key: key, anchor: anchor, before: try ISOWeek(parsing: "2026-W07"))
            #expect(!change.record.tombstones.isEmpty, "retention must drop rows for the test to mean anything")
            return (change.head, RetentionCompactor.auditAction, key)
        case .erase:
            let change = try ClientEraser.erase(.rawIDs(["CLIENT-RAW-1"], key: f.keys.pseudonymisationKey), store: f.store, key: key,
                                                anchor: anchor)
            #expect(change.record.erasures.count == 1)
            return (change.head, ClientEraser.auditAction, key)
        case .rotateSigningKey:
            let new = StoreSigningKey()
            let change = try SigningKeyRotation.rotate(store: f.store, from: key, to: new, anchor: anchor, reason: "rotation")
            #expect(change.record.generation == 2 && change.head.keyFingerprint == new.fingerprint.hex, "signed by the new key")
            return (change.head, SigningKeyRotation.auditAction, new)
        case .rotateCollectorKey:
            let change = try CollectorKeyRotation.rotate(
                store: f.store, keyholder: key, retiring: nil, to: IngestionKey(), anchor: anchor, reason: "rotation",
                writingKeyTo: f.directory.appending(path: "collector-gen2").path)
            #expect(change.record.retirement != nil && change.record.generation == 2)
            return (change.head, CollectorKeyRotation.rotateAction, key)
        case .revokeCollectorKey:
            let change = try CollectorKeyRotation.revoke(
                store: f.store, keyholder: key, key: f.keys.ingestionKey.fingerprint.hex, anchor: anchor, reason: "test")
            #expect(change.record.isRevocation)
            return (change.head, CollectorKeyRotation.revokeAction, key)
        case .rotateFHEKey:
            let holder = try KeyHolder(keysAt: f.directory.appending(path: "keys/keyholder").path)
            let next = try FHEKeyRotation.generateKeys(
                at: f.directory.appending(path: "keys-fhe2").path, parameters: holder.context.parameters, generation: 2, aggregates: false, signingKey: key)
            let change = try FHEKeyRotation.rotate(
                store: f.store, signingKey: key, old: holder, oldIdentity: holder.fheIdentity, newPublicKey: next.publicKey,
                newGeneration: next.generation, anchor: anchor, reason: "rotation")
            #expect(change.record.generation == 2 && change.record.lastSeq >= change.record.firstSeq)
            return (change.head, FHEKeyRotation.auditAction, key)
        case .directory:
            let client = try #require(try ClientDirectory.entries(in: f.store).first)
            let change = try DirectoryChanger.apply(.close(client: "C-" + client.pseudonym.prefix(10)), from: try ISOWeek(parsing: "2026-W10"),
                                                    store: f.store, key: key, anchor: anchor)
            #expect(change.record.status == .closed)
            return (change.head, DirectoryChanger.closeAction, key)
        }
    }

    /// The latest stored head, with its signature.
    static func latestHead(in store: HeatStore) throws -> SignedHead? {
        try store.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT CAST(head AS BLOB), CAST(signature AS BLOB) FROM signed_heads ORDER BY seq DESC LIMIT 1"),
                  let text = row[0] as Data?, let signature = row[1] as Data? else { return nil }
            var head = try SignedHead.decode(text, source: "signed_heads")
            head.signature = Hex.encode(signature)
            return head
        }
    }

    @Test(arguments: Operation.allCases)
    func theChangeCommitsWithItsSignedHead(_ operation: Operation) throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: f.directory) }
        let heads = try f.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signed_heads") ?? 0 }
        let (head, action, signer) = try Self.run(operation, on: f)
        // The returned head is the one stored, the only one the change added, and it covers the change.
        let latest = try #require(try Self.latestHead(in: f.store))
        #expect(latest.signature == head.signature && latest.chains == head.chains, "\(operation): the returned head is the latest signed head")
        #expect(try f.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signed_heads") ?? 0 } == heads + 1)
        #expect(head.keyFingerprint == signer.fingerprint.hex)
        let actions = try AuditLog.entries(in: f.store).map(\.action)
        #expect(Array(actions.suffix(2)) == [action, AuditAction.sign], "\(operation): the change, then its signature: \(actions.suffix(3))")
        // Strict audit verify (no unsigned rows) under the original pinned key, against the new
        // head and against the previous one.
        for anchor in [HeadAnchor.previous(head), .previous(f.head)] {
            let report = try StoreVerifier.verify(store: f.store, pinnedKey: f.keys.signingKey.verificationKey, anchor: anchor,
                                                  allowUnsignedTail: false)
            #expect(report.intact && report.unsignedRows.isEmpty, "\(operation): \(report.violations.map(\.message))")
        }
    }

    @Test(arguments: Operation.allCases)
    func aFailedSignatureLeavesTheStoreUnchangedRowForRow(_ operation: Operation) throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: f.directory) }
        // The signature step fails after the change's rows are written (its `audit.sign` entry is refused).
        try StoreTestSupport.attacker(f.store.path).write { db in
            try db.execute(sql: """
                CREATE TRIGGER injected_failure BEFORE INSERT ON audit_log WHEN NEW.action = '\(AuditAction.sign)'
                BEGIN SELECT RAISE(ABORT, 'injected signature failure'); END
                """)
        }
        let before = try StoreTestSupport.dump(f.store.path)
        do {
            _ = try Self.run(operation, on: f)
            Issue.record("\(operation) committed although its signature failed")
        } catch {
            #expect(String(describing: error).contains("injected signature failure"), "\(operation): \(error)")
        }
        #expect(try StoreTestSupport.dump(f.store.path) == before, "\(operation): the store changed without its signature")
        try StoreTestSupport.attacker(f.store.path).write { db in try db.execute(sql: "DROP TRIGGER injected_failure") }
        let report = try StoreVerifier.verify(store: f.store, pinnedKey: f.keys.signingKey.verificationKey, anchor: .previous(f.head),
                                              allowUnsignedTail: false)
        #expect(report.intact && report.unsignedRows.isEmpty, "\(operation): \(report.violations.map(\.message))")
        if operation == .rotateCollectorKey {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: f.directory.appending(path: "collector-gen2/collector").path)) ?? []
            #expect(files.isEmpty, "the successor's key files are removed when the rotation does not commit: \(files)")
        }
    }
}
