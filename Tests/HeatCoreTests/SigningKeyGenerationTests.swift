import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s37): the store signing-key file names its generation, and every command that signs
/// the store refuses a file of another generation than the store's current signing key, naming
/// the file and the field (exit 64). Tested as an attacker would try it: the retired key's file
/// swapped back in after a rotation, the same file relabelled as the current generation, a file
/// written before the field, the new key on a store restored from before the rotation, and a
/// rotation handed a key file of the wrong generation.
@Suite(.serialized) struct SigningKeyGenerationTests {
    /// A signed store with the folders of `keys generate`.
    struct Fixture {
        var folder: URL
        var store: HeatStore
        var keys: String
        var generated: GeneratedKeys
        var head: SignedHead

        init() throws {
            let (store, folder) = try StoreTestSupport.makeStore()
            keys = folder.appending(path: "keys").path
            generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            _ = try StoreIngestor(key: generated.pseudonymisationKey, signer: StoreTestSupport.signer(generated)).ingest(
                try StoreTestSupport.interactions(0..<20), clients: [], into: store,
                source: .init(name: "a.csv", inputHash: String(repeating: "d", count: 64)))
            head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
            (self.folder, self.store) = (folder, store)
        }

        /// The key read from a key holder folder's `signing.key`.
        func fileKey(_ keyholder: String) throws -> StoreSigningKey { try KeyFolder(path: keyholder, role: .keyholder).signingKey() }
    }

    /// Writes `payload` as the signing-key file at `path` (mode 0600), replacing it.
    static func writeSigningKey(_ payload: String, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        try Envelope(kind: .signingKey, payload: Data(payload.utf8)).create(at: URL(filePath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The signing-key file's JSON with its generation replaced (`nil`: the field removed, as
    /// before s37).
    static func relabel(_ path: String, generation: Int64?) throws -> String {
        let payload = try Envelope.read(from: URL(filePath: path), expecting: .signingKey).payload
        var object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        object["generation"] = generation.map { Int($0) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func aRetiredSigningKeyFileSwappedBackAfterARotationIsRefusedNamingTheField() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let oldPath = "\(f.keys)/keyholder/\(KeyFolder.signingKeyFile)"
        // `keys generate` writes generation 1, read back with the file it came from.
        let old = try f.fileKey("\(f.keys)/keyholder")
        #expect(old.file == StoreSigningKey.File(path: oldPath, generation: 1))
        #expect(old.fingerprint == f.generated.signingKey.fingerprint)
        let backup = f.folder.appending(path: "backup.db").path
        // A backup from before the rotation (the database with its write-ahead log, as a file copy of a quiet store).
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: f.store.path + suffix) {
            try FileManager.default.copyItem(atPath: f.store.path + suffix, toPath: backup + suffix)
        }

        // The rotation as `heatctl keys rotate` runs it: the new file names the generation recorded.
        let out = f.folder.appending(path: "gen2").path
        let generation = try f.store.read { db in try StoreSigningKey.nextGeneration(in: db) }
        #expect(generation == 2)
        let (new, files) = try SigningKeyRotation.generateKey(at: out, generation: generation)
        #expect(files.contains("\(out)/keyholder/\(KeyFolder.signingKeyFile)"))
        let transition = try SigningKeyRotation.rotate(store: f.store, from: old, to: new, anchor: .previous(f.head), reason: "rotation").record
        #expect(transition.generation == 2)
        let newFromFile = try f.fileKey("\(out)/keyholder")
        #expect(newFromFile.file?.generation == 2 && newFromFile.fingerprint == new.fingerprint)
        var head = try HeadSigner.sign(store: f.store, with: newFromFile, anchor: .previous(f.head))
        #expect(try f.store.read { db in try StoreSigningKey.currentGeneration(in: db) } == 2)

        // 1. The attacker (or a careless operator) swaps the retired file back into keys/keyholder.
        let counts = "SELECT (SELECT COUNT(*) FROM signed_heads), (SELECT COUNT(*) FROM directory_versions), (SELECT COUNT(*) FROM key_transitions)"
        let before = try f.store.read { db in try Row.fetchOne(db, sql: counts) }
        let refused = #expect(throws: KeyError.self) { _ = try HeadSigner.sign(store: f.store, with: try f.fileKey("\(f.keys)/keyholder"), anchor: .previous(head)) }
        #expect(refused == .signingKeyGeneration(path: oldPath, fileGeneration: 1, storeGeneration: 2))
        #expect(refused?.category.exitCode == 64)
        #expect(refused?.description.contains("\(oldPath): field generation") == true && refused?.description.contains("retired") == true)
        // Every command that signs the store goes through the same check (here a directory change).
        let client = try #require(try ClientDirectory.entries(in: f.store).first).ref
        #expect(throws: KeyError.self) {
            _ = try DirectoryChanger.apply(.close(client: client), from: try ISOWeek(parsing: "2030-W01"), store: f.store,
                                           key: try f.fileKey("\(f.keys)/keyholder"), anchor: .previous(head))
        }
        let after = try f.store.read { db in try Row.fetchOne(db, sql: counts) }
        #expect(before == after, "nothing signed or recorded by the refusals")
        let audited = try AuditLog.entries(in: f.store, action: AuditAction.sign + AuditAction.refusedSuffix)
        #expect(audited.count == 1 && audited[0].parameters["reason"]?.contains("field generation") == true, "the refused signature is audited")

        // 2. The retired file relabelled as the current generation: its fingerprint still refuses it.
        try Self.writeSigningKey(try Self.relabel(oldPath, generation: 2), to: oldPath)
        #expect(throws: StoreError.self) { _ = try HeadSigner.sign(store: f.store, with: try f.fileKey("\(f.keys)/keyholder"), anchor: .previous(head)) }
        // 3. A file written before s37 (no generation field): checked by its fingerprint alone, as before.
        try Self.writeSigningKey(try Self.relabel(oldPath, generation: nil), to: oldPath)
        let legacy = try f.fileKey("\(f.keys)/keyholder")
        #expect(legacy.file?.generation == nil)
        #expect(throws: StoreError.self) { _ = try HeadSigner.sign(store: f.store, with: legacy, anchor: .previous(head)) }
        // ... and a current key in that old format still signs.
        let newPath = "\(out)/keyholder/\(KeyFolder.signingKeyFile)"
        try Self.writeSigningKey(try Self.relabel(newPath, generation: nil), to: newPath)
        head = try HeadSigner.sign(store: f.store, with: try f.fileKey("\(out)/keyholder"), anchor: .previous(head))
        // 4. A malformed generation is refused naming the field (exit 65).
        try Self.writeSigningKey(try Self.relabel(newPath, generation: 0), to: newPath)
        let malformed = #expect(throws: KeyError.self) { _ = try f.fileKey("\(out)/keyholder") }
        #expect(malformed?.category.exitCode == 65 && malformed?.description.contains("generation") == true)
        try Self.writeSigningKey(try Self.relabel(newPath, generation: 2), to: newPath)

        // 5. The new key on the store restored from before the rotation: refused, naming the generations.
        let restored = try HeatStore(path: backup)
        let ahead = #expect(throws: KeyError.self) { _ = try HeadSigner.sign(store: restored, with: try f.fileKey("\(out)/keyholder"), anchor: .previous(f.head)) }
        #expect(ahead == .signingKeyGeneration(path: newPath, fileGeneration: 2, storeGeneration: 1))
        #expect(ahead?.hint?.contains("backup") == true)
        // The report verifies throughout.
        let report = try StoreVerifier.verify(store: f.store, pinnedKey: f.generated.signingKey.verificationKey, anchor: .previous(head))
        #expect(report.intact, "\(report.violations)")
    }

    @Test func aRotationRefusesANewKeyFileOfAnotherGeneration() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let (new, _) = try SigningKeyRotation.generateKey(at: f.folder.appending(path: "gen5").path, generation: 5)
        let digest = try StoreTestSupport.dump(f.store.path)
        let refused = #expect(throws: KeyError.self) {
            _ = try SigningKeyRotation.rotate(store: f.store, from: try f.fileKey("\(f.keys)/keyholder"), to: new, anchor: .previous(f.head), reason: "rotation")
        }
        if case .signingKeyGeneration(let path, 5, 2)? = refused {
            #expect(path.hasSuffix("gen5/keyholder/\(KeyFolder.signingKeyFile)"))
        } else {
            Issue.record("expected signingKeyGeneration, got \(String(describing: refused))")
        }
        #expect(try StoreTestSupport.dump(f.store.path) == digest, "no transition recorded")
    }
}

/// Issue 27 (s37) through the built `heatctl`: after `keys rotate`, `audit sign` with the retired
/// key holder folder exits 64 naming `signing.key` and the field `generation`; the new folder signs.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct SigningKeyGenerationCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func auditSignRefusesTheRetiredSigningKeyFile() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let gen2 = folder.appending(path: "gen2").path
        let head = folder.appending(path: "head.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for client in 1...6 { csv += "E-\(client),CL-\(client),RM-1,North,call,outbound,2026-03-02T09:30:00Z,600,\n" }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext", "--quiet"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let rotated = try run(["keys", "rotate", "--store", db, "--keys", "\(keys)/keyholder", "--out", gen2,
                               "--previous-head", head, "--head-out", head])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let stale = try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head])
        #expect(stale.status == 64, "\(stale.stderr)")
        #expect(stale.stderr.contains("\(keys)/keyholder/signing.key: field generation"), "\(stale.stderr)")
        let fresh = try run(["audit", "sign", "--store", db, "--keys", "\(gen2)/keyholder", "--previous-head", head, "--head-out", head])
        #expect(fresh.status == 0, "\(fresh.stderr)")
    }
}
