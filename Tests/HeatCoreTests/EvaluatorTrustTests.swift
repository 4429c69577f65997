import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27, review s38 keys27c H1, M1, M3, M4: whose signature on the evaluator's evaluation key
/// list is accepted. The anchor is the key holder's key pinned outside the store
/// (``Evaluator/trustedSigningKey``, `evaluate --trust DIR/auditor`); from it the store's chain of
/// signing keys is followed, a transition row that does not verify is refused (exit 1, naming the
/// row), and only the chain's current key signs a list (a retired key is refused, exit 65). The
/// key loaders accept only the signer the evaluator was built with, and the aggregates and tree
/// scoring check the list against the store too. Tested as an attacker would try it.
@Suite(.serialized) struct EvaluatorTrustTests {
    typealias Fixture = EvaluationKeySignatureTests.Fixture

    static func keyError(_ body: () throws -> Void) -> FHEKeyError? { EvaluationKeySignatureTests.keyError(body) }

    static func runCount(_ store: HeatStore) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM computation_runs") ?? 0 }
    }

    /// An evaluator of the folder with the key holder's key pinned.
    static func evaluator(_ path: String, pinned: StoreVerificationKey?) throws -> Evaluator {
        var evaluator = try Evaluator(keysAt: path)
        evaluator.trustedSigningKey = pinned
        return evaluator
    }

    @Test func aListSignedByARetiredKeyIsRefusedAndTheListReSignedAtTheRotationIsAccepted() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let old = f.generated.signingKey
        let pinned = old.verificationKey   // the auditor folder written by `keys generate`
        _ = try Self.evaluator(f.evaluatorPath, pinned: pinned).evaluate(store: f.store, configuration: HeatConfiguration())
        // The key holder rotates its signing key (the old one may be stolen).
        let head = try HeadSigner.sign(store: f.store, with: old, anchor: .firstHead)
        let list = try FHEKeyGeneration.listToResign(in: KeyFolder(path: f.evaluatorPath, role: .evaluator), signedBy: pinned)
        let new = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: f.store, from: old, to: new, anchor: .previous(head), reason: "rotation")
        // The list signed by the retired key: refused, pinned or not, before anything is logged (exit 65).
        let runs = try Self.runCount(f.store)
        for anchor in [pinned, nil] {
            let evaluator = try Self.evaluator(f.evaluatorPath, pinned: anchor)
            let refused = #expect(throws: FHEKeyError.self) { _ = try evaluator.evaluateAndRecord(store: f.store, configuration: HeatConfiguration()) }
            if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = refused {
                #expect(reason.contains("key_transitions row 1 retired") && reason.contains(String(old.fingerprint.hex.prefix(16))), "\(reason)")
                #expect(reason.contains(String(new.fingerprint.hex.prefix(16))), "names the current key: \(reason)")
                // Review s39 keys27d L1: a way out that works once the rotation is done.
                #expect(reason.contains("write fresh evaluation keys with `heatctl keys rotate --fhe --evaluator-keys DIR`"), "\(reason)")
                #expect(refused?.hint?.contains("write fresh evaluation keys with `heatctl keys rotate --fhe --evaluator-keys DIR`") == true)
            } else {
                Issue.record("expected the retired signer refused, got \(String(describing: refused))")
            }
            #expect(refused?.category.exitCode == 65)
        }
        #expect(try Self.runCount(f.store) == runs, "nothing logged")
        // The list re-signed with the new key (`keys rotate --evaluator-keys`), copied over: accepted
        // under the original pin (followed along the signed transition) and under the new key.
        let out = f.folder.appending(path: "keys-gen2").path
        let written = try list.writeResigned(with: new, under: out)
        #expect(written == "\(out)/evaluator/\(FHEKeyGeneration.fileName)")
        #expect(throws: KeyError.alreadyExists(path: written)) { _ = try list.writeResigned(with: new, under: out) }
        try FileManager.default.removeItem(atPath: f.generationPath)
        try FileManager.default.copyItem(atPath: written, toPath: f.generationPath)
        for anchor in [pinned, new.verificationKey] {
            let evaluator = try Self.evaluator(f.evaluatorPath, pinned: anchor)
            let run = try evaluator.evaluate(store: f.store, configuration: HeatConfiguration())
            _ = try evaluator.aggregates(of: run, store: f.store, galoisKeys: evaluator.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)), minGroupSize: 1)
        }
        // A list signed by another key than the one being retired is never re-signed (no laundering).
        let again = Self.keyError { _ = try FHEKeyGeneration.listToResign(in: KeyFolder(path: f.evaluatorPath, role: .evaluator), signedBy: pinned) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = again {
            #expect(reason.contains("not re-signed"), "\(reason)")
        } else {
            Issue.record("expected a list of another signer refused for re-signing, got \(String(describing: again))")
        }
    }

    @Test func aKeyTransitionThatIsNotOnTheChainIsRefusedNamingTheRow() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        // The attacker appends a well-formed transition between two keys of their own (a valid chain row).
        let thief1 = StoreSigningKey(), thief2 = StoreSigningKey()
        let forged = try KeyTransition.signed(from: thief1, to: thief2, generation: 2, finalHeadSeq: 1, reason: "rotation")
        try f.store.write { db in _ = try ChainAppender(db, table: .keyTransitions).append(forged.rowValues) }
        let evaluator = try Self.evaluator(f.evaluatorPath, pinned: f.generated.signingKey.verificationKey)
        let refused = #expect(throws: FHEKeyError.self) { _ = try evaluator.evaluateAndRecord(store: f.store, configuration: HeatConfiguration()) }
        if case .signingKeyChain(let path, let file, let violation)? = refused {
            #expect(path == f.store.path && file == f.generationPath)
            #expect(violation.contains("key_transitions row 1"), "\(violation)")
        } else {
            Issue.record("expected signingKeyChain, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 1)
        #expect(refused?.description.contains("key_transitions row 1") == true)
    }

    @Test func theKeyLoadersAcceptOnlyTheSignerTheEvaluatorWasBuiltWith() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let folder = try KeyFolder(path: f.evaluatorPath, role: .evaluator)
        let honest = try Self.evaluator(f.evaluatorPath, pinned: f.generated.signingKey.verificationKey)
        let run = try honest.evaluate(store: f.store, configuration: HeatConfiguration())
        // Material-built: no signer checked against the store, so the loader refuses.
        let material = try PipelineKeys.publicMaterial(in: folder)
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = Self.keyError({ _ = try Evaluator(material: material).galoisKeys(in: folder) }) {
            #expect(reason.contains("built from material"), "\(reason)")
        } else {
            Issue.record("expected a material-built evaluator's loader refused")
        }
        // The attacker swaps a self-signed list (and their Galois keys) in after the evaluator was built.
        let record = try f.record()
        let swapped = try f.swapInForeignGalois()
        let attacker = StoreSigningKey()
        try f.write(record.binding([Evaluator.galoisKeysFile: swapped]).signingEvaluationKeys(with: attacker))
        let refused = Self.keyError { _ = try honest.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = refused {
            #expect(reason.contains(String(attacker.fingerprint.hex.prefix(16))) && reason.contains("replaced since"), "\(reason)")
        } else {
            Issue.record("expected the swapped list refused by the loader, got \(String(describing: refused))")
        }
        #expect(FHEKeyBindingTests.exitCode { _ = try honest.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)) } == 65)
        // An evaluator built on the swapped folder never evaluated: `aggregates` checks the store itself.
        let swappedEvaluator = try Self.evaluator(f.evaluatorPath, pinned: f.generated.signingKey.verificationKey)
        let galois = try swappedEvaluator.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator))
        let aggregatesRefused = Self.keyError { _ = try swappedEvaluator.aggregates(of: run, store: f.store, galoisKeys: galois, minGroupSize: 1) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = aggregatesRefused {
            #expect(reason.contains("not a signing key of the store"), "\(reason)")
        } else {
            Issue.record("expected aggregates(of:) to check the list against the store, got \(String(describing: aggregatesRefused))")
        }
    }

    @Test func treesRelinKeyRefusesAnUnsignedRewrittenList() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        // The attacker rewrites the Galois digest and drops the signature (or it is an s37 unsigned list).
        var record = try f.record()
        let swapped = try f.swapInForeignGalois()
        record.evaluationKeys = [Evaluator.galoisKeysFile: FHEKeyGeneration.evaluationKeyID(ofPayload: swapped.payload)]
        record.evaluationKeysSignature = nil
        try f.write(record)
        let before = try Data(contentsOf: URL(filePath: f.generationPath))
        let holderFolder = try KeyFolder(path: "\(f.keys)/keyholder", role: .keyholder)
        let write = { try KeyHolder(folder: holderFolder).writeRelinearizationKey(toEvaluatorFolder: f.evaluatorPath, signingKey: holderFolder.signingKey()) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = Self.keyError({ _ = try write() }) {
            #expect(reason.contains("not signed"), "\(reason)")
        } else {
            Issue.record("expected trees relin-key to refuse the unsigned non-empty list")
        }
        #expect(FHEKeyBindingTests.exitCode { _ = try write() } == 65)
        #expect(!FileManager.default.fileExists(atPath: "\(f.evaluatorPath)/\(Evaluator.relinearizationKeyFile)"), "nothing written")
        #expect(try Data(contentsOf: URL(filePath: f.generationPath)) == before, "the list is unchanged (not signed)")
    }

    /// Review s39 keys27d M2: an SDK evaluator built without a pin trusts the store's registered
    /// key, but no longer from a `key_fingerprints` table the s38 naive edit left broken
    /// (triggers dropped, the signing key row replaced by the attacker's, chain not recomputed):
    /// refused, exit 1, naming the table and row, nothing logged. A recomputed chain with the
    /// triggers put back passes that check (the documented limit of the unpinned evaluator);
    /// ``Evaluator/init(folder:trusting:)`` refuses it (65).
    @Test func anUnpinnedEvaluatorRefusesARegisteredKeyRowWhoseChainIsBroken() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let folder = try KeyFolder(path: f.evaluatorPath, role: .evaluator)
        // The honest store: the unpinned evaluator falls back to the registered key and accepts the list.
        _ = try Evaluator(folder: folder).evaluate(store: f.store, configuration: HeatConfiguration())
        // The attacker signs the folder's list with their own key and registers that key in the store.
        let attacker = StoreSigningKey()
        try f.write(try f.record().signingEvaluationKeys(with: attacker))
        try StoreTestSupport.attacker(f.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "key_fingerprints")
            try db.execute(sql: "UPDATE key_fingerprints SET fingerprint = ?, public_key = ? WHERE kind = ?",
                           arguments: [attacker.fingerprint.hex, Data(attacker.verificationKey.rawRepresentation), EnvelopeKind.signingKey.name])
        }
        let runs = try Self.runCount(f.store)
        let unpinned = try Evaluator(folder: KeyFolder(path: f.evaluatorPath, role: .evaluator))
        #expect(unpinned.trustedSigningKey == nil)
        let refused = #expect(throws: FHEKeyError.self) { _ = try unpinned.evaluateAndRecord(store: f.store, configuration: HeatConfiguration()) }
        if case .signingKeyChain(let path, let file, let violation)? = refused {
            #expect(path == f.store.path && file == f.generationPath)
            #expect(violation.contains("key_fingerprints row") && violation.contains("row_hash"), "\(violation)")
        } else {
            Issue.record("expected the broken key_fingerprints chain refused, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 1)
        #expect(try Self.runCount(f.store) == runs, "nothing logged")
        // Chain recomputed, triggers put back: the unpinned check passes (trusts the store as given) ...
        try StoreTestSupport.attacker(f.store.path).write { db in
            try StoreTestSupport.recomputeChain(db, .keyFingerprints)
            for sql in StoreSchema.triggerStatements(for: .keyFingerprints) { try db.execute(sql: sql) }
        }
        _ = try unpinned.evaluate(store: f.store, configuration: HeatConfiguration())
        // ... the pin given at construction does not.
        let pinned = try Evaluator(folder: KeyFolder(path: f.evaluatorPath, role: .evaluator), trusting: f.generated.signingKey.verificationKey)
        #expect(pinned.trustedSigningKey == f.generated.signingKey.verificationKey)
        let pinnedRefusal = Self.keyError { _ = try pinned.evaluate(store: f.store, configuration: HeatConfiguration()) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = pinnedRefusal {
            #expect(reason.contains(String(attacker.fingerprint.hex.prefix(16))) && reason.contains("not a signing key of the store"), "\(reason)")
        } else {
            Issue.record("expected the pinned evaluator to refuse the attacker's list, got \(String(describing: pinnedRefusal))")
        }
    }

    /// Review s39 keys27d L4: an evaluator built on a heat-only folder has no signer checked
    /// against the store; Galois keys (even the key holder's own, with their signed list) copied
    /// in afterwards are refused by the loader (65), and accepted once the evaluator is built again.
    @Test func galoisKeysCopiedIntoAHeatOnlyFolderAfterTheEvaluatorWasBuiltAreRefused() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let pinned = f.generated.signingKey.verificationKey
        let galois = try Data(contentsOf: URL(filePath: f.galoisPath))
        try FileManager.default.removeItem(atPath: f.galoisPath)
        let heatOnly = try Evaluator(folder: KeyFolder(path: f.evaluatorPath, role: .evaluator), trusting: pinned)
        #expect(heatOnly.evaluationKeysSigner == nil, "the folder held no evaluation key")
        let run = try heatOnly.evaluate(store: f.store, configuration: HeatConfiguration())
        try galois.write(to: URL(filePath: f.galoisPath))
        let refused = Self.keyError { _ = try heatOnly.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)) }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = refused {
            #expect(reason.contains("held no evaluation key when the evaluator was built"), "\(reason)")
        } else {
            Issue.record("expected the loader to refuse Galois keys copied in after the build, got \(String(describing: refused))")
        }
        #expect(FHEKeyBindingTests.exitCode { _ = try heatOnly.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)) } == 65)
        // Built again on the folder as it is now, its list's signer is checked against the store: accepted.
        let rebuilt = try Evaluator(folder: KeyFolder(path: f.evaluatorPath, role: .evaluator), trusting: pinned)
        let keys = try rebuilt.galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator))
        _ = try rebuilt.aggregates(of: run, store: f.store, galoisKeys: keys, minGroupSize: 1)
    }

    /// Review s39 keys27d L3: one revocation test for `keys rotate` and collector revocations.
    @Test func aRevocationReasonIsRecognisedInAnyCase() {
        #expect(SigningKeyRotation.isRevocation(reason: "revocation: laptop stolen"))
        #expect(SigningKeyRotation.isRevocation(reason: "Revocation: laptop stolen"))
        #expect(SigningKeyRotation.isRevocation(reason: "REVOCATION"))
        #expect(!SigningKeyRotation.isRevocation(reason: "rotation"))
        // Session 42 (Operations.md 7 (f)): leading whitespace does not hide a revocation.
        #expect(SigningKeyRotation.isRevocation(reason: " revocation: laptop stolen"))
        #expect(SigningKeyRotation.isRevocation(reason: "\t\n  Revocation"))
        #expect(!SigningKeyRotation.isRevocation(reason: "  rotation"))
        #expect(!SigningKeyRotation.isRevocation(reason: "scheduled rotation after a revocation drill"))
    }
}
