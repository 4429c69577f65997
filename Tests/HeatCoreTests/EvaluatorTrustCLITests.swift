import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, review s38 keys27c H1 and M1, through the built `heatctl`: an attacker who can write
/// `keys/evaluator` **and** the store (`key_fingerprints` rewritten to their own key, the chain
/// left broken or recomputed) no longer gets their own signed evaluation key list accepted:
/// `evaluate` pins the key holder's key with `--trust DIR/auditor` (required when the folder
/// holds evaluation keys, exit 64 without it) and refuses the attacker's list (exit 65, naming
/// the file), logging nothing. After a signing-key rotation the list signed by the retired key
/// is refused (65) and the one `keys rotate --evaluator-keys` re-signed is accepted.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct EvaluatorTrustCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    /// An initialised store with `keys generate --store --aggregates` and a small bank ingested.
    func aggregateStore(in folder: URL) throws -> (db: String, keys: String) {
        let db = folder.appending(path: "heat.db").path, keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path, clientsFile = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "40", "--managers", "2", "--branches", "2", "--weeks", "4", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--aggregates", "--max-clients", "1000"]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile]).status == 0)
        return (db, keys)
    }

    static func runCount(_ db: String) throws -> Int {
        try StoreTestSupport.attacker(db).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM computation_runs") ?? 0 }
    }

    @Test(arguments: [false, true])
    func anAttackerWhoWritesTheFolderAndTheStoreIsRefused(recomputeChain: Bool) throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try aggregateStore(in: folder)
        let runFile = folder.appending(path: "run.heat").path, groups = folder.appending(path: "groups.heat").path
        // Without the pin the folder's list is not checked against a key found in the store: exit 64.
        let unpinned = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile, "--aggregates-out", groups])
        #expect(unpinned.status == 64, "\(unpinned.stderr)")
        #expect(unpinned.stderr.contains("--trust"), "\(unpinned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runFile))
        let honest = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor",
                              "--out", runFile, "--aggregates-out", groups])
        #expect(honest.status == 0, "\(honest.stderr)")
        try FileManager.default.removeItem(atPath: runFile)

        // The attacker: keys of their own (FHE key pair, signing key, signed list) ...
        let attacker = folder.appending(path: "attacker").path
        #expect(try run(["keys", "generate", "--out", attacker, "--aggregates", "--max-clients", "1000"]).status == 0)
        let attackerKey = try KeyFolder(path: "\(attacker)/keyholder", role: .keyholder).signingKey()
        // ... and the store's registered signing key replaced by theirs.
        try StoreTestSupport.attacker(db).write { db in
            try StoreTestSupport.dropTriggers(db, "key_fingerprints")
            try db.execute(sql: "UPDATE key_fingerprints SET fingerprint = ?, public_key = ? WHERE kind = ?",
                           arguments: [attackerKey.fingerprint.hex, Data(attackerKey.verificationKey.rawRepresentation), EnvelopeKind.signingKey.name])
            if recomputeChain { try StoreTestSupport.recomputeChain(db, .keyFingerprints) }
        }
        let runs = try Self.runCount(db)
        let label = "chain \(recomputeChain ? "recomputed" : "broken")"
        let forged = try run(["evaluate", "--store", db, "--keys", "\(attacker)/evaluator", "--trust", "\(keys)/auditor",
                              "--out", runFile, "--aggregates-out", groups])
        #expect(forged.status == 65, "\(label): \(forged.stderr)")
        #expect(forged.stderr.contains("\(attacker)/evaluator/\(FHEKeyGeneration.fileName)"), "\(label): \(forged.stderr)")
        #expect(forged.stderr.contains(String(attackerKey.fingerprint.hex.prefix(16))) && forged.stderr.contains("not a signing key of the store"),
                "\(label): \(forged.stderr)")
        // Dropping --trust is no way round it.
        let dropped = try run(["evaluate", "--store", db, "--keys", "\(attacker)/evaluator", "--out", runFile, "--aggregates-out", groups])
        #expect(dropped.status == 64, "\(label): \(dropped.stderr)")
        #expect(try Self.runCount(db) == runs, "\(label): nothing logged")
        #expect(!FileManager.default.fileExists(atPath: runFile), "\(label): no run written")
    }

    /// Review s38 keys27c L4: the documented way out for a folder written before s38 (an unsigned
    /// list holding Galois keys) is `keys rotate --fhe --evaluator-keys`, which writes a new,
    /// signed evaluator folder with new Galois keys.
    @Test func aFolderWrittenBeforeSessionThirtyEightIsReplacedByAnFHERotation() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try aggregateStore(in: folder)
        let head = folder.appending(path: "head.heat").path, runFile = folder.appending(path: "run.heat").path
        let groups = folder.appending(path: "groups.heat").path
        let evaluator = "\(keys)/evaluator", generationFile = "\(keys)/evaluator/\(FHEKeyGeneration.fileName)"
        // The s37 form: the same list, unsigned.
        var record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluator, role: .evaluator)))
        record.evaluationKeysSignature = nil
        try record.envelope().write(to: URL(filePath: generationFile))
        let old = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(old.status == 65, "\(old.stderr)")
        #expect(old.stderr.contains(generationFile) && old.stderr.contains("not signed"), "\(old.stderr)")
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let fhe2 = folder.appending(path: "keys-fhe2").path
        let rotated = try run(["keys", "rotate", "--fhe", "--evaluator-keys", evaluator, "--store", db, "--keys", "\(keys)/keyholder",
                               "--out", fhe2, "--previous-head", head, "--head-out", head])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(fhe2)/evaluator/\(Evaluator.galoisKeysFile)"), "Galois keys carried over")
        let fresh = try run(["evaluate", "--store", db, "--keys", "\(fhe2)/evaluator", "--trust", "\(keys)/auditor", "--out", runFile,
                             "--aggregates-out", groups])
        #expect(fresh.status == 0, "\(fresh.stderr)")
    }

    @Test func aSigningKeyRotationReSignsTheListAndRetiresTheOldSignature() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try aggregateStore(in: folder)
        let head = folder.appending(path: "head.heat").path, runFile = folder.appending(path: "run.heat").path
        let groups = folder.appending(path: "groups.heat").path
        let evaluator = "\(keys)/evaluator", generationFile = "\(keys)/evaluator/\(FHEKeyGeneration.fileName)"
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        // A revocation does not re-sign (the revoked key may have signed a forged list): exit 64, nothing written.
        let revokedOut = folder.appending(path: "keys-revoked").path
        let revocation = try run(["keys", "rotate", "--evaluator-keys", evaluator, "--store", db, "--keys", "\(keys)/keyholder",
                                  "--out", revokedOut, "--previous-head", head, "--head-out", head, "--reason", "revocation: laptop stolen"])
        #expect(revocation.status == 64, "\(revocation.stderr)")
        #expect(!FileManager.default.fileExists(atPath: revokedOut))
        // A list the key being retired did not sign is not re-signed: exit 65, nothing written.
        let foreignOut = folder.appending(path: "keys-foreign").path
        let original = try Data(contentsOf: URL(filePath: generationFile))
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluator, role: .evaluator)))
        try record.signingEvaluationKeys(with: StoreSigningKey()).envelope().write(to: URL(filePath: generationFile))
        let laundering = try run(["keys", "rotate", "--evaluator-keys", evaluator, "--store", db, "--keys", "\(keys)/keyholder",
                                  "--out", foreignOut, "--previous-head", head, "--head-out", head])
        #expect(laundering.status == 65, "\(laundering.stderr)")
        #expect(laundering.stderr.contains(generationFile) && laundering.stderr.contains("not re-signed"), "\(laundering.stderr)")
        #expect(!FileManager.default.fileExists(atPath: foreignOut))
        try original.write(to: URL(filePath: generationFile))

        let gen2 = folder.appending(path: "keys-gen2").path
        let rotated = try run(["keys", "rotate", "--evaluator-keys", evaluator, "--store", db, "--keys", "\(keys)/keyholder",
                               "--out", gen2, "--previous-head", head, "--head-out", head])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let resigned = "\(gen2)/evaluator/\(FHEKeyGeneration.fileName)"
        #expect(rotated.stdoutText.contains(resigned), "\(rotated.stdoutText)")
        // The list signed by the retired key: refused (65), naming the file and the transition.
        let retired = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(retired.status == 65, "\(retired.stderr)")
        #expect(retired.stderr.contains(generationFile) && retired.stderr.contains("key_transitions row 1 retired"), "\(retired.stderr)")
        // The re-signed list copied over: accepted under the original pin and under the new auditor folder.
        try FileManager.default.removeItem(atPath: generationFile)
        try FileManager.default.copyItem(atPath: resigned, toPath: generationFile)
        for trust in ["\(keys)/auditor", "\(gen2)/auditor"] {
            let accepted = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", trust, "--out", runFile, "--aggregates-out", groups])
            #expect(accepted.status == 0, "\(trust): \(accepted.stderr)")
        }
    }
}
