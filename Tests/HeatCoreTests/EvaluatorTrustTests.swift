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
}
