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
                                  "--out", revokedOut, "--previous-head", head, "--head-out", head, "--reason", "Revocation: laptop stolen"])
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
        // Review s39 keys27d L1: the way out named is one that works after the rotation.
        #expect(retired.stderr.contains("write fresh evaluation keys with `heatctl keys rotate --fhe --evaluator-keys DIR`"), "\(retired.stderr)")
        // The re-signed list copied over: accepted under the original pin and under the new auditor folder.
        try FileManager.default.removeItem(atPath: generationFile)
        try FileManager.default.copyItem(atPath: resigned, toPath: generationFile)
        for trust in ["\(keys)/auditor", "\(gen2)/auditor"] {
            let accepted = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", trust, "--out", runFile, "--aggregates-out", groups])
            #expect(accepted.status == 0, "\(trust): \(accepted.stderr)")
        }
    }

    /// Review s39 keys27d M1 (and L2): after a revocation the thief of the old key A who can also
    /// write the database deletes the `key_transitions` rows (a hash chain stays valid when
    /// truncated), so A looks current again. The original pin `--trust keys/auditor` cannot see
    /// that (exit 0: the documented limit); the new auditor folder can (65), and the signed head
    /// pinned outside the store (`--expect-head`, checked as `audit verify --expect-head` does)
    /// refuses it under either pin (exit 1, naming the head file), logging nothing. On the way:
    /// a rotation the store refuses writes no re-signed list (L2).
    @Test func aRevokedKeyWhoseHolderTruncatesKeyTransitionsIsRefusedByTheNewPinAndTheExpectedHead() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try aggregateStore(in: folder)
        let head = folder.appending(path: "head.heat").path, runFile = folder.appending(path: "run.heat").path
        let groups = folder.appending(path: "groups.heat").path
        let evaluator = "\(keys)/evaluator", generationFile = "\(keys)/evaluator/\(FHEKeyGeneration.fileName)"
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        // --expect-head is checked against the pinned key: without --trust, exit 64.
        let unpinned = try run(["evaluate", "--store", db, "--keys", evaluator, "--expect-head", head, "--out", runFile, "--aggregates-out", groups])
        #expect(unpinned.status == 64, "\(unpinned.stderr)")
        #expect(unpinned.stderr.contains("--trust"), "\(unpinned.stderr)")
        // The honest store verifies against its head: evaluated and logged.
        let honest = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(keys)/auditor", "--expect-head", head,
                              "--out", runFile, "--aggregates-out", groups])
        #expect(honest.status == 0, "\(honest.stderr)")
        try? FileManager.default.removeItem(atPath: runFile)
        // L2: the run just logged is not covered by a signed head, so the store refuses the
        // rotation (exit 1); the re-signed list is written only after a commit, so not at all.
        let refusedOut = folder.appending(path: "keys-refused").path
        let refusedRotation = try run(["keys", "rotate", "--evaluator-keys", evaluator, "--store", db, "--keys", "\(keys)/keyholder",
                                       "--out", refusedOut, "--previous-head", head, "--head-out", head])
        #expect(refusedRotation.status == 1, "\(refusedRotation.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(refusedOut)/evaluator/\(FHEKeyGeneration.fileName)"), "no re-signed list of a rotation that did not commit")
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head]).status == 0)

        // The key holder revokes its signing key A (laptop stolen) and is told to pin the new auditor folder.
        let gen2 = folder.appending(path: "keys-gen2").path
        let revoked = try run(["keys", "rotate", "--store", db, "--keys", "\(keys)/keyholder", "--out", gen2, "--previous-head", head,
                               "--head-out", head, "--reason", "revocation: laptop stolen"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdoutText.contains("evaluate --trust \(gen2)/auditor"), "\(revoked.stdoutText)")
        // The requirement is the new pin, on a line of its own (review s40 keys27e L2).
        #expect(revoked.stdoutText.split(separator: "\n").contains { $0.hasPrefix("required after a revocation: pin \(gen2)/auditor") },
                "\(revoked.stdoutText)")
        // The list A signed is refused (65).
        let retired = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(retired.status == 65, "\(retired.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runFile))
        // The thief, who holds A and can write the database, truncates key_transitions.
        try StoreTestSupport.attacker(db).write { db in
            try StoreTestSupport.dropTriggers(db, "key_transitions")
            try db.execute(sql: "DELETE FROM key_transitions")
        }
        // The documented limit: the original pin cannot see the truncation (exit 0).
        let limit = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(limit.status == 0, "the original pin accepts a truncated key_transitions (documented limit): \(limit.stderr)")
        try? FileManager.default.removeItem(atPath: runFile)
        let runs = try Self.runCount(db)
        // The new auditor folder sees it: A is not a signing key of the store from B (65).
        let newPin = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", "\(gen2)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(newPin.status == 65, "\(newPin.stderr)")
        #expect(newPin.stderr.contains(generationFile) && newPin.stderr.contains("not a signing key of the store"), "\(newPin.stderr)")
        // The signed head pinned outside the store refuses it under either pin (exit 1, naming the head file).
        for trust in ["\(keys)/auditor", "\(gen2)/auditor"] {
            let pinnedHead = try run(["evaluate", "--store", db, "--keys", evaluator, "--trust", trust, "--expect-head", head,
                                      "--out", runFile, "--aggregates-out", groups])
            #expect(pinnedHead.status == 1, "\(trust): \(pinnedHead.stderr)")
            #expect(pinnedHead.stderr.contains("--expect-head \(head)") && pinnedHead.stderr.contains("does not verify"), "\(trust): \(pinnedHead.stderr)")
        }
        #expect(try Self.runCount(db) == runs, "nothing logged")
        #expect(!FileManager.default.fileExists(atPath: runFile), "no run written")
    }

    /// Operations.md 7 (f), session 42: `--expect-head` allows the unsigned tail (rows appended
    /// after the pinned head, here the log rows of a run evaluated since), as `audit verify
    /// --expect-head --allow-unsigned-tail` does, while the strict `audit verify --expect-head`
    /// names the tail.
    @Test func theExpectedHeadAllowsTheUnsignedTail() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try aggregateStore(in: folder)
        let head = folder.appending(path: "head.heat").path, runFile = folder.appending(path: "run.heat").path
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let evaluate = ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor", "--expect-head", head, "--out", runFile]
        #expect(try run(evaluate).status == 0)
        let runs = try Self.runCount(db)
        // The run's log rows are an unsigned tail after the pinned head.
        let strict = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(strict.status != 0, "the strict check names the unsigned tail: \(strict.stdoutText)")
        let tolerant = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--allow-unsigned-tail"])
        #expect(tolerant.status == 0, "\(tolerant.stdoutText)\(tolerant.stderr)")
        try FileManager.default.removeItem(atPath: runFile)
        let again = try run(evaluate)
        #expect(again.status == 0, "the unsigned tail is allowed: \(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: runFile))
        #expect(try Self.runCount(db) == runs + 1)
    }
}
