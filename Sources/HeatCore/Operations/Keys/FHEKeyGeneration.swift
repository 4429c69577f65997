import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The FHE key generation a role folder's BFV keys belong to: the id in its key files (issue 27,
/// item 1).
///
/// `heatctl keys generate --preset NAME` (generation 1, since s37) and `heatctl keys rotate --fhe`
/// write it as `fhe-key.generation` (envelope kind 110, `fheKeyGeneration`, JSON) into the
/// `collector/`, `evaluator/` and `keyholder/` folders next to the BFV files; the evaluator's
/// lists the digests of its evaluation keys (``evaluationKeys``). Folders written by `keys
/// generate` before s37 have none and are **generation 1** (their key id is the public key's,
/// computed when needed; such a key holder folder holds no public key, so its id is unknown) and
/// bind no evaluation key. The key id is the hex SHA-256 of the public key's envelope payload, so
/// a collector or evaluator folder whose public key is not the one its generation file names is
/// refused (``FHEKeyError/mislabelledFolder(path:generation:)``).
///
/// ```swift
/// let generation = try FHEKeyGeneration.read(in: KeyFolder(path: "keys/evaluator", role: .evaluator))
/// generation?.generation   // 1 for `keys generate`, 2 after one rotation, nil for a folder written before s37
/// ```
public struct FHEKeyGeneration: Sendable, Hashable, Codable {
    /// The schema of the payload.
    public static let currentSchema = "customerheat.fhe-key-generation/1"
    /// The file name in a role folder.
    public static let fileName = "fhe-key.generation"

    /// ``currentSchema``.
    public var schema: String
    /// The generation (1 for the keys of `heatctl keys generate`).
    public var generation: Int64
    /// The key id: hex SHA-256 of the public key's envelope payload.
    public var keyID: String
    /// The BFV parameters' fingerprint (hex).
    public var parametersFingerprint: String
    /// The evaluation keys of this generation in an evaluator folder (issue 27, review s35 HIGH):
    /// file name -> hex SHA-256 of the file's envelope payload (``evaluationKeyID(ofPayload:)``).
    /// An evaluator folder with a generation file refuses every Galois or relinearization key
    /// file not listed here with its digest (``requireBoundEvaluationKeys(in:)``). Absent in the
    /// collector and key holder folders and in files written before this field by s35's `keys
    /// rotate --fhe` (since s38 such a folder is refused while it holds an evaluation key: the
    /// list must be signed, ``evaluationKeysSignature``); empty in the evaluator folder of `keys
    /// generate` without `--aggregates` (until `trees relin-key` binds its key).
    public var evaluationKeys: [String: String]? = nil
    /// The key holder's signature over this record's evaluation key list (issue 27, s38): made
    /// with the store signing key of the key holder folder by `keys generate`, `keys rotate --fhe`
    /// and `trees relin-key`, over ``evaluationKeysMessage()`` (the generation, key id, parameters
    /// and ``evaluationKeys``). An evaluator folder holding any evaluation key must carry a valid
    /// one by a signing key the store trusts (``requireBoundEvaluationKeys(in:)`` and
    /// ``Evaluator/evaluate(store:configuration:asOf:throughSeq:)``); `nil` in the collector and
    /// key holder folders and in files written before s38.
    public var evaluationKeysSignature: EvaluationKeysSignature? = nil

    /// An Ed25519 signature over an evaluator folder's evaluation key list
    /// (``FHEKeyGeneration/evaluationKeysSignature``), with the public key that made it.
    ///
    /// The public key travels with the signature so that the folder can be checked on its own
    /// (a rewritten digest, a signature copied from another folder or generation, a missing
    /// signature); whether the key is the store's is checked against the store's trusted signing
    /// keys when the evaluator opens the store.
    ///
    /// ```swift
    /// let signed = try record.binding(keys).signingEvaluationKeys(with: signingKey)
    /// signed.evaluationKeysSignature?.signer   // the signing key's fingerprint (hex)
    /// ```
    public struct EvaluationKeysSignature: Sendable, Hashable, Codable {
        /// The signing key's fingerprint: hex SHA-256 of its raw Ed25519 public key.
        public var signer: String
        /// The raw Ed25519 public key (64 hex digits).
        public var publicKey: String
        /// The Ed25519 signature (128 hex digits) over ``FHEKeyGeneration/evaluationKeysMessage()``.
        public var signature: String
    }

    /// The domain-separation prefix of ``evaluationKeysMessage()``.
    static let evaluationKeysDomain = "customerheat.fhe-evaluation-keys/1\n"

    /// Creates a value.
    ///
    /// - Parameters:
    ///   - generation: the generation.
    ///   - keyID: the key id.
    ///   - parametersFingerprint: the parameters' fingerprint (hex).
    public init(generation: Int64, keyID: String, parametersFingerprint: String) {
        self.schema = Self.currentSchema
        self.generation = generation
        self.keyID = keyID
        self.parametersFingerprint = parametersFingerprint
    }

    /// This record with `keys` bound as the folder's evaluation keys: file name -> SHA-256 of each
    /// envelope's payload, replacing any earlier digest of the same file name and keeping the
    /// others (``evaluationKeys``). `keys generate`, `keys rotate --fhe` and `trees relin-key`
    /// bind the evaluation keys they write this way, then sign the list
    /// (``signingEvaluationKeys(with:)``): binding drops an earlier signature.
    ///
    /// ```swift
    /// let record = FHEKeyGeneration(generation: 1, keyID: id, parametersFingerprint: fingerprint)
    ///     .binding([Evaluator.galoisKeysFile: galoisKeys.envelope()])
    /// ```
    ///
    /// - Parameter keys: the evaluation key envelopes by file name (may be empty: a folder that
    ///   accepts no evaluation key until one is bound).
    /// - Returns: the record with the digests.
    public func binding(_ keys: [String: Envelope]) -> FHEKeyGeneration {
        var bound = self
        bound.evaluationKeys = (evaluationKeys ?? [:]).merging(keys.mapValues { Self.evaluationKeyID(ofPayload: $0.payload) }) { _, new in new }
        // A changed list is no longer the list that was signed (issue 27, s38): sign it again.
        bound.evaluationKeysSignature = nil
        return bound
    }

    /// The bytes the key holder signs over an evaluator folder's evaluation key list: a domain
    /// prefix and the sorted-key JSON of this record without its signature (so the generation,
    /// key id, parameters' fingerprint and every file name and digest of ``evaluationKeys`` are
    /// covered; a missing list is signed as the empty one).
    ///
    /// - Returns: the message.
    public func evaluationKeysMessage() -> [UInt8] {
        var unsigned = self
        unsigned.evaluationKeysSignature = nil
        unsigned.evaluationKeys = evaluationKeys ?? [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(unsigned)) ?? Data()
        return Array(Self.evaluationKeysDomain.utf8) + Array(body)
    }

    /// This record with its evaluation key list (the empty list when it has none) signed by the
    /// key holder's store signing key (issue 27, s38). `keys generate`, `keys rotate --fhe` and
    /// `trees relin-key` write the evaluator's generation file this way.
    ///
    /// ```swift
    /// let record = generation.binding([Evaluator.galoisKeysFile: galois]).signingEvaluationKeys(with: signingKey)
    /// ```
    ///
    /// - Parameter key: the key holder folder's store signing key.
    /// - Returns: the signed record.
    /// - Throws: ``KeyError/unwritable(path:reason:)`` if Ed25519 signing fails.
    public func signingEvaluationKeys(with key: StoreSigningKey) throws(KeyError) -> FHEKeyGeneration {
        var signed = self
        signed.evaluationKeys = evaluationKeys ?? [:]
        signed.evaluationKeysSignature = nil
        let signature: [UInt8]
        do {
            signature = try key.signature(for: signed.evaluationKeysMessage())
        } catch {
            throw .unwritable(path: Self.fileName, reason: "signing the evaluation key list failed: \(error)")
        }
        signed.evaluationKeysSignature = EvaluationKeysSignature(
            signer: key.fingerprint.hex, publicKey: Hex.encode(key.verificationKey.rawRepresentation), signature: Hex.encode(signature))
        return signed
    }

    /// The key that signed this record's evaluation key list, after checking the signature
    /// against the record as it is now (issue 27, s38). Whether that key is one the store trusts
    /// is ``requireTrustedSigner(_:path:generation:in:)``.
    ///
    /// - Parameter path: the generation file, for the message.
    /// - Returns: the signer's public key.
    /// - Throws: ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) when
    ///   the list is unsigned or the signature does not verify.
    public func verifiedEvaluationKeysSigner(path: String) throws(FHEKeyError) -> StoreVerificationKey {
        guard let stamp = evaluationKeysSignature else {
            throw .evaluationKeysSignature(
                path: path, generation: generation,
                reason: "the evaluation key list is not signed (no field evaluationKeysSignature: removed, or written before s38)")
        }
        guard let raw = Hex.decode(stamp.publicKey), raw.count == 32, let key = try? StoreVerificationKey(rawRepresentation: raw),
              key.fingerprint.hex == stamp.signer, let signature = Hex.decode(stamp.signature), signature.count == 64 else {
            throw .evaluationKeysSignature(
                path: path, generation: generation,
                reason: "field evaluationKeysSignature is malformed (expected signer = SHA-256 of a 32-byte publicKey and a 64-byte signature, in hex)")
        }
        guard key.isValidSignature(signature, for: evaluationKeysMessage()) else {
            throw .evaluationKeysSignature(
                path: path, generation: generation,
                reason: "the signature in field evaluationKeysSignature does not verify: the list, generation or key id was changed after signing, or the signature was copied from another folder or generation")
        }
        return key
    }

    /// Refuses an evaluation key list not signed by the store's **current** signing key, found
    /// from a trust anchor (issue 27, s38; review s38 keys27c H1 and M1).
    ///
    /// The anchor is `pinnedKey`, the key holder's verification key pinned **outside the store**
    /// (`heatctl evaluate --trust DIR/auditor`, the folder `keys generate` writes; the pin
    /// `audit verify` uses), or, when `nil` (an SDK ``Evaluator`` without
    /// ``Evaluator/trustedSigningKey``), the store's first registered signing key
    /// (`key_fingerprints`): that fallback trusts the store as given, so an attacker who writes
    /// the evaluator folder **and** the store passes it; only the pin stops them. The fallback
    /// does refuse (exit 1, naming the table and row) a `key_fingerprints` table whose hash
    /// chain or append-only triggers do not verify, the checks of `audit verify` (review s39
    /// keys27d M2): that stops the naive edit of the row, not one whose chain was recomputed
    /// and whose triggers were put back. From the
    /// anchor the store's chain of signing keys (`key_transitions`) is followed: any row of it
    /// that does not verify or is not on the chain is refused (exit 1, naming the row), and only
    /// the chain's last key (the anchor when there is no transition) may sign the list: a key
    /// a transition retired (rotated, or revoked as stolen) is refused, and a key off the chain
    /// (an attacker's) too.
    ///
    /// ```swift
    /// try store.read { db in
    ///     try FHEKeyGeneration.requireTrustedSigner(signer, path: "keys/evaluator/fhe-key.generation", generation: 1,
    ///                                               pinnedKey: auditorKey, storePath: store.path, in: db)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - signer: the verified signer (``verifiedEvaluationKeysSigner(path:)``).
    ///   - path: the generation file, for the message.
    ///   - generation: the folder's generation, for the message.
    ///   - pinnedKey: the key holder's verification key pinned outside the store, or `nil` for
    ///     the store's first registered signing key.
    ///   - storePath: the store, for the message.
    ///   - db: a connection to the store.
    /// - Throws: ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) for a
    ///   signer that is not the current key (naming it, and the transition row that retired it);
    ///   ``FHEKeyError/signingKeyChain(path:generationFile:violation:)`` (exit 1) for a
    ///   `key_transitions` row that does not verify or is not on the chain, or (no pin) a
    ///   `key_fingerprints` chain or trigger that does not verify; a database error.
    public static func requireTrustedSigner(
        _ signer: StoreVerificationKey, path: String, generation: Int64, pinnedKey: StoreVerificationKey?, storePath: String,
        in db: Database
    ) throws {
        let anchor: StoreVerificationKey
        if let pinnedKey {
            anchor = pinnedKey
        } else {
            guard let first = try KeyRegistry.registeredFingerprint(kind: .signingKey, in: db),
                  let registered = try KeyRegistry.verificationKeys(in: db)[first] else {
                throw FHEKeyError.evaluationKeysSignature(
                    path: path, generation: generation,
                    reason: "no trusted key holder key was given (heatctl evaluate --trust DIR/auditor) and the store records no signing key yet to fall back to (heatctl audit sign --first-head --store STORE --keys KEYS records it)")
            }
            // Review s39 keys27d M2: without a pin the store's registered key is trusted as given,
            // but not from a key_fingerprints table whose append-only triggers or hash chain do
            // not verify (the naive edit: triggers dropped, the row replaced). The same checks as
            // `audit verify`; a chain recomputed over the forged row still passes (pin the key).
            // The chain is walked first so that an edited row is named; then the triggers.
            if let broken = try StoreVerifier.chainViolation(of: .keyFingerprints, in: db) {
                throw FHEKeyError.signingKeyChain(path: storePath, generationFile: path, violation: broken.message)
            }
            anchor = registered
        }
        // Review s38 keys27c H1 (b): a transition row that does not verify is not skipped.
        let (trusted, violations) = try TrustedSigningKeys.load(in: db, pinned: anchor)
        if let violation = violations.first {
            throw FHEKeyError.signingKeyChain(path: storePath, generationFile: path, violation: violation.message)
        }
        let fingerprint = signer.fingerprint.hex
        // Review s38 keys27c M1: only the current key signs a list; a retired (possibly stolen) key does not.
        guard signer == trusted.current else {
            if trusted.key(fingerprint) == signer, let row = trusted.retiredBy[fingerprint] {
                throw FHEKeyError.evaluationKeysSignature(
                    path: path, generation: generation,
                    reason: "signed by key \(fingerprint.prefix(16))…, which key_transitions row \(row) retired; only the store's current signing key \(trusted.current.fingerprint.hex.prefix(16))… signs an evaluation key list (the rotation that retired it did not re-sign this list: write fresh evaluation keys with `heatctl keys rotate --fhe --evaluator-keys DIR`, Docs/Operations.md 4b)")
            }
            let source = pinnedKey == nil
                ? "the store's first registered key, no key pinned outside the store given"
                : "trusted from the key holder key \(anchor.fingerprint.hex.prefix(16))… pinned outside the store"
            throw FHEKeyError.evaluationKeysSignature(
                path: path, generation: generation,
                reason: "signed by key \(fingerprint.prefix(16))…, which is not a signing key of the store (\(source), and the keys its valid key transitions link to it)")
        }
    }

    /// The key id of a public key: hex SHA-256 of its envelope payload (the bytes of the file
    /// after the envelope header).
    ///
    /// - Parameter payload: the public key envelope's payload.
    /// - Returns: 64 lower-case hex digits.
    public static func keyID(ofPublicKeyPayload payload: Data) -> String {
        Hex.encode(SHA256.hash(data: payload))
    }

    /// The envelope kinds of evaluation keys (Galois and relinearization keys, seeded or not): the
    /// files an evaluator folder's generation file must bind.
    public static let evaluationKeyKinds: Set<EnvelopeKind> = [
        .fheGaloisKeys, .fheSeededGaloisKeys, .fheRelinearizationKey, .fheSeededRelinearizationKey,
    ]

    /// The id an evaluation key file is bound by: hex SHA-256 of its envelope payload (the same
    /// digest as a public key's ``keyID(ofPublicKeyPayload:)``).
    ///
    /// - Parameter payload: the evaluation key envelope's payload.
    /// - Returns: 64 lower-case hex digits.
    public static func evaluationKeyID(ofPayload payload: Data) -> String {
        Hex.encode(SHA256.hash(data: payload))
    }

    /// The key id of a loaded public key: ``keyID(ofPublicKeyPayload:)`` of its canonical
    /// envelope (``HeatFHE/PublicKey/envelope(seeded:)``, the bytes `keys generate` and `keys
    /// rotate --fhe` write), so an identity is always derived from the key itself.
    ///
    /// - Parameter publicKey: the public key.
    /// - Returns: 64 lower-case hex digits.
    public static func keyID(of publicKey: PublicKey<UInt64>) -> String {
        keyID(ofPublicKeyPayload: publicKey.envelope().payload)
    }

    /// Refuses one evaluation key of an evaluator folder that this generation does not bind: a
    /// Galois or relinearization key left from an older generation, copied from another key
    /// pair, or written for another generation key-switches under another secret key, and the key
    /// holder would decrypt noise. `record` `nil` or without `evaluationKeys` binds nothing here;
    /// the folder-level checks (``requireBoundEvaluationKeys(in:)``, and the loaders) refuse such
    /// a folder when it holds an evaluation key, and require the list to be signed by the key
    /// holder (issue 27, s38), so rewriting a digest in the folder is refused too; the key
    /// holder's noise check (``PipelineError/noNoiseBudget(source:)``) stays as a second guard.
    ///
    /// - Parameters:
    ///   - file: the key's file name in the folder.
    ///   - path: the key's path, for the message.
    ///   - payload: its envelope payload, as loaded.
    ///   - record: the folder's generation file, or `nil`.
    /// - Throws: ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64).
    public static func requireBound(file: String, path: String, payload: Data, record: FHEKeyGeneration?) throws(FHEKeyError) {
        // No generation file (before s37), or one without the field (s35): nothing is bound (review s37 finding 2).
        guard let record, let keys = record.evaluationKeys else { return }
        guard let bound = keys[file] else {
            throw .unboundEvaluationKey(
                path: path, generation: record.generation,
                reason: "\(fileName) lists no such evaluation key: a stale key of an older generation, or one copied from elsewhere")
        }
        guard bound == evaluationKeyID(ofPayload: payload) else {
            throw .unboundEvaluationKey(
                path: path, generation: record.generation,
                reason: "its SHA-256 is not the one \(fileName) records (field evaluationKeys): swapped, or of another key pair")
        }
    }

    /// Checks an evaluator folder on its own, **not a trust check**: refuses a folder holding any
    /// evaluation key its generation file does not bind (``requireBound(file:path:payload:record:)``),
    /// before any work; since s38 (issue 27) also
    /// a folder that holds an evaluation key but no `fhe-key.generation` (exit 66), and one whose
    /// evaluation key list is unsigned or whose signature does not verify (exit 65). A truncated
    /// or corrupt key file is refused by its envelope checksum (exit 65). A list self-signed by
    /// any key passes here: whether the signer is the store's current signing key is checked when
    /// the evaluator opens the store (``Evaluator/evaluate(store:configuration:asOf:throughSeq:)``,
    /// against ``Evaluator/trustedSigningKey``).
    ///
    /// ```swift
    /// try FHEKeyGeneration.requireBoundEvaluationKeys(in: KeyFolder(path: "keys/evaluator", role: .evaluator))
    /// ```
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Throws: ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64),
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) or
    ///   ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66);
    ///   ``PipelineError/keyFile(_:)`` for a corrupt generation or key file (exit 65).
    public static func requireBoundEvaluationKeys(in folder: KeyFolder) throws(PipelineError) {
        _ = try evaluatorBinding(in: folder)
    }

    /// What an evaluator folder's generation file binds, checked on its own: the record, the
    /// verified signer of its evaluation key list (when the folder holds an evaluation key), and
    /// whether the folder holds any (issue 27, s38). ``Evaluator`` keeps it to check the signer
    /// and a missing generation file against the store (``EvaluatorKeyBinding/require(in:storePath:)``).
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Returns: the binding.
    /// - Throws: ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66),
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) or
    ///   ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64);
    ///   ``PipelineError/keyFile(_:)`` for a corrupt file (exit 65).
    static func evaluatorBinding(in folder: KeyFolder) throws(PipelineError) -> EvaluatorKeyBinding {
        let record: FHEKeyGeneration?
        do {
            record = try read(in: folder)
        } catch {
            throw .keyFile(error)
        }
        let generationPath = (folder.path as NSString).appendingPathComponent(fileName)
        let keyFiles = folder.files.filter { evaluationKeyKinds.contains($0.value) }.keys.sorted()
        guard let record else {
            // Issue 27 (s38 item 2): fail closed; an evaluation key needs the file that binds it.
            if let first = keyFiles.first {
                throw .fheKey(.missingGenerationFile(
                    path: generationPath,
                    reason: "the folder holds the evaluation key \(first), and only that file binds it (deleted, or a folder written before s37)"))
            }
            return EvaluatorKeyBinding(generationPath: generationPath, record: nil, signer: nil)
        }
        var signer: StoreVerificationKey?
        // An unsigned list is accepted only where it binds nothing: a folder without evaluation
        // keys (the heat run), whose signer is then not checked against the store either (the
        // store need not record the key holder's key for a heat run).
        if !keyFiles.isEmpty {
            do {
                signer = try record.verifiedEvaluationKeysSigner(path: generationPath)
            } catch {
                throw .fheKey(error)
            }
        }
        for name in keyFiles {
            guard let kind = folder.files[name] else { continue }
            let path = (folder.path as NSString).appendingPathComponent(name)
            let payload: Data
            do {
                payload = try Envelope.read(from: URL(filePath: path), expecting: kind).payload
            } catch {
                throw .keyFile(.envelope(error))
            }
            do {
                try requireBound(file: name, path: path, payload: payload, record: record)
            } catch {
                throw .fheKey(error)
            }
        }
        return EvaluatorKeyBinding(generationPath: generationPath, record: record, signer: signer)
    }

    /// Refuses an evaluation key loaded from `folder` that the folder's generation file does not
    /// bind: the loaders' check of the bytes they actually load (``Evaluator/galoisKeys(in:)``,
    /// ``Evaluator/relinearizationKey(in:)``), so a file swapped after the evaluator was built is
    /// refused too.
    ///
    /// Since review s38 keys27c M4 the list's verified signer must also be the one the evaluator
    /// was built with (``Evaluator/keyBinding``), which its evaluations check against the store.
    ///
    /// - Parameters:
    ///   - envelope: the key's envelope, as loaded.
    ///   - path: the file it was loaded from.
    ///   - folder: the checked evaluator folder.
    ///   - built: the evaluator's binding from its folder (`nil` for one built from material).
    /// - Throws: ``PipelineError/fheKey(_:)`` (exit 64, or 65 for a signer that is not the
    ///   evaluator's), ``PipelineError/keyFile(_:)`` for a corrupt generation file (exit 65).
    static func requireBound(
        _ envelope: Envelope, loadedFrom path: String, in folder: KeyFolder, builtWith built: EvaluatorKeyBinding?
    ) throws(PipelineError) {
        // The folder holds this key, so its generation file must exist and be signed (issue 27, s38).
        let now = try evaluatorBinding(in: folder)
        guard let record = now.record else {
            throw .fheKey(.missingGenerationFile(
                path: (folder.path as NSString).appendingPathComponent(fileName),
                reason: "the evaluation key \((path as NSString).lastPathComponent) was loaded, and only that file binds it"))
        }
        // Review s38 keys27c M4: the list's signer now is the one the evaluator was built with,
        // the signer its evaluations check against the store (a list swapped since is refused).
        guard let expected = built?.signer, let signer = now.signer, signer == expected else {
            let reason: String
            if built == nil {
                reason = "the evaluator was built from material, not from its folder (Evaluator(folder:)), so no signer of this list is checked against the store: build it from the folder"
            } else if let expected = built?.signer {
                reason = "signed by key \(now.signer.map { String($0.fingerprint.hex.prefix(16)) } ?? "?")…, not by key \(expected.fingerprint.hex.prefix(16))… that signed the list when the evaluator was built: the list was replaced since; build the evaluator again"
            } else {
                reason = "the folder held no evaluation key when the evaluator was built, so no signer of this list is checked against the store: build the evaluator again"
            }
            throw .fheKey(.evaluationKeysSignature(path: now.generationPath, generation: record.generation, reason: reason))
        }
        do {
            try requireBound(file: (path as NSString).lastPathComponent, path: path, payload: envelope.payload, record: record)
        } catch {
            throw .fheKey(error)
        }
    }

    /// The folder's generation file, or `nil` when it has none (generation 1).
    ///
    /// - Parameter folder: a checked role folder.
    /// - Returns: the generation, or `nil`.
    /// - Throws: ``KeyError`` for a corrupt file or a malformed payload.
    public static func read(in folder: KeyFolder) throws(KeyError) -> FHEKeyGeneration? {
        guard let name = folder.files.filter({ $0.value == .fheKeyGeneration }).keys.sorted().first else { return nil }
        let path = (folder.path as NSString).appendingPathComponent(name)
        let payload: Data
        do {
            payload = try Envelope.read(from: URL(filePath: path), expecting: .fheKeyGeneration).payload
        } catch {
            throw .envelope(error)
        }
        guard let value = try? JSONDecoder().decode(FHEKeyGeneration.self, from: payload), value.schema == currentSchema,
              value.generation >= 1, FHEKeyTransition.isKeyID(value.keyID) else {
            throw .badPayload(path: path, reason: "expected a \(currentSchema) file with a generation of at least 1 and a 64-digit key id")
        }
        return value
    }

    /// The envelope of this value (sorted-key JSON).
    public func envelope() -> Envelope {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = (try? encoder.encode(self)) ?? Data()
        return Envelope(kind: .fheKeyGeneration, payload: payload)
    }
}

/// An evaluator folder's checked generation file, kept by ``Evaluator`` to finish the check
/// against the store (issue 27, s38): the signer of the evaluation key list must be a signing key
/// the store trusts, and a folder without a generation file is refused on a store that records
/// FHE key transitions.
struct EvaluatorKeyBinding: Sendable {
    /// The folder's `fhe-key.generation` path (present or not), for messages.
    let generationPath: String
    /// The generation file, or `nil` when the folder has none (and holds no evaluation key).
    let record: FHEKeyGeneration?
    /// The verified signer of the evaluation key list; `nil` when the folder holds no evaluation
    /// key (its list binds nothing, signed or not).
    let signer: StoreVerificationKey?

    /// Finishes the check against the store.
    ///
    /// - Parameters:
    ///   - db: a connection to the store.
    ///   - storePath: the store path, for the messages of a missing generation file and a
    ///     broken chain of signing keys.
    ///   - pinnedKey: the key holder's verification key pinned outside the store
    ///     (``Evaluator/trustedSigningKey``), or `nil` for the store's first registered key.
    /// - Throws: ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66),
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65),
    ///   ``FHEKeyError/signingKeyChain(path:generationFile:violation:)`` (exit 1).
    func require(in db: Database, storePath: String, pinnedKey: StoreVerificationKey?) throws {
        guard let record else {
            let generations = try FHEKeyGenerations.effective(in: db)
            if !generations.transitions.isEmpty {
                throw FHEKeyError.missingGenerationFile(
                    path: generationPath,
                    reason: "the store \(storePath) records FHE key transitions (current generation \(generations.currentGeneration)), so every evaluator folder names its generation")
            }
            return
        }
        if let signer {
            try FHEKeyGeneration.requireTrustedSigner(
                signer, path: generationPath, generation: record.generation, pinnedKey: pinnedKey, storePath: storePath, in: db)
        }
    }
}

extension Evaluator {
    /// The fingerprint (hex) of the key that signed the evaluator folder's evaluation key list,
    /// when the folder held an evaluation key at construction (issue 27, s38); `nil` otherwise
    /// (a heat-only folder, or an evaluator built from material or parameters). `heatctl
    /// evaluate` requires `--trust DIR/auditor` when it is set.
    public var evaluationKeysSigner: String? { keyBinding?.signer?.fingerprint.hex }

    /// Checks the folder's evaluation key list against `store` (review s38 keys27c M4): its
    /// signer must be the store's current signing key, found from ``trustedSigningKey`` (or the
    /// store's first key without one), and a folder without a generation file is refused on a
    /// store with FHE key transitions. ``evaluate(store:configuration:asOf:throughSeq:)`` runs
    /// it inside its read; ``aggregates(of:store:configuration:galoisKeys:minGroupSize:trustedKey:)``
    /// and ``scoreAndRecord(trees:model:relinearizationKey:store:source:tasks:)`` run it first,
    /// so an SDK caller that never evaluates is checked too. An evaluator built from material or
    /// parameters has no folder binding: nothing to check.
    ///
    /// - Parameter store: the store.
    /// - Throws: as ``EvaluatorKeyBinding/require(in:storePath:pinnedKey:)``.
    func requireTrustedEvaluationKeys(in store: HeatStore) throws {
        guard let binding = keyBinding else { return }
        let pinned = trustedSigningKey
        try store.read { db in try binding.require(in: db, storePath: store.path, pinnedKey: pinned) }
    }
}

extension FHEKeyGeneration {
    /// The evaluator folder's evaluation key list, checked to be re-signed by the successor of
    /// the signing key `retiring` (issue 27, review s38 keys27c M1): `heatctl keys rotate
    /// --evaluator-keys DIR` (a signing-key rotation) calls it **before** anything is written, so
    /// that after the rotation the evaluator's list is signed by the store's current key, the
    /// only one ``requireTrustedSigner(_:path:generation:pinnedKey:storePath:in:)`` accepts. The
    /// folder must pass its own checks (every evaluation key bound, the signature verifies) and
    /// the list must be signed by `retiring`: a list signed by any other key is never re-signed
    /// (no laundering).
    ///
    /// ```swift
    /// let list = try FHEKeyGeneration.listToResign(in: KeyFolder(path: "keys/evaluator", role: .evaluator), signedBy: old.verificationKey)
    /// let file = try list.writeResigned(with: new, under: "keys-gen2")   // keys-gen2/evaluator/fhe-key.generation
    /// ```
    ///
    /// - Parameters:
    ///   - folder: the current evaluator folder.
    ///   - retiring: the signing key being retired.
    /// - Returns: the record to re-sign.
    /// - Throws: ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) when the
    ///   folder holds no evaluation key or its list is signed by another key; as
    ///   ``requireBoundEvaluationKeys(in:)``.
    public static func listToResign(in folder: KeyFolder, signedBy retiring: StoreVerificationKey) throws(PipelineError) -> FHEKeyGeneration {
        let binding = try evaluatorBinding(in: folder)
        guard let record = binding.record, let signer = binding.signer else {
            throw .fheKey(.evaluationKeysSignature(
                path: binding.generationPath, generation: binding.record?.generation ?? 1,
                reason: "the folder holds no evaluation key: there is no signed list to re-sign"))
        }
        guard signer == retiring else {
            throw .fheKey(.evaluationKeysSignature(
                path: binding.generationPath, generation: record.generation,
                reason: "signed by key \(signer.fingerprint.hex.prefix(16))…, not by the signing key being retired \(retiring.fingerprint.hex.prefix(16))…; not re-signed"))
        }
        return record
    }

    /// Writes this record, its evaluation key list signed with `key`, as
    /// `out/evaluator/fhe-key.generation` (a new file, never replacing one; the folder is created
    /// with mode 0700). The operator copies it over the evaluator folder's generation file.
    ///
    /// - Parameters:
    ///   - key: the new store signing key.
    ///   - out: the rotation's output folder.
    /// - Returns: the path written.
    /// - Throws: ``KeyError/alreadyExists(path:)``, ``KeyError/unwritable(path:reason:)``,
    ///   ``KeyError/envelope(_:)``.
    public func writeResigned(with key: StoreSigningKey, under out: String) throws(KeyError) -> String {
        let folder = URL(filePath: out).appending(path: KeyRole.evaluator.folderName)
        let url = folder.appending(path: Self.fileName)
        if FileManager.default.fileExists(atPath: url.path) { throw .alreadyExists(path: url.path) }
        let signed = try signingEvaluationKeys(with: key)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        do {
            try signed.envelope().create(at: url)
        } catch {
            if case .alreadyExists = error { throw .alreadyExists(path: url.path) }
            throw .envelope(error)
        }
        return url.path
    }
}
