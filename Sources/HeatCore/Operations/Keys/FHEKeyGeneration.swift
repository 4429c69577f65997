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

    /// Refuses an evaluation key list signed by a key the store does not trust: the store's
    /// pinned (first registered) signing key and every key linked to it by a valid signed key
    /// transition are trusted, a key from elsewhere is not (issue 27, s38).
    ///
    /// - Parameters:
    ///   - signer: the verified signer (``verifiedEvaluationKeysSigner(path:)``).
    ///   - path: the generation file, for the message.
    ///   - generation: the folder's generation, for the message.
    ///   - db: a connection to the store.
    /// - Throws: ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65); a
    ///   database error.
    public static func requireTrustedSigner(_ signer: StoreVerificationKey, path: String, generation: Int64, in db: Database) throws {
        guard let first = try KeyRegistry.registeredFingerprint(kind: .signingKey, in: db),
              let pinned = try KeyRegistry.verificationKeys(in: db)[first] else {
            throw FHEKeyError.evaluationKeysSignature(
                path: path, generation: generation,
                reason: "the store records no signing key yet to check the signature against: the key holder signs the store first (heatctl audit sign --first-head --store STORE --keys KEYS), which records its key")
        }
        let (trusted, _) = try TrustedSigningKeys.load(in: db, pinned: pinned)
        guard trusted.key(signer.fingerprint.hex) == signer else {
            throw FHEKeyError.evaluationKeysSignature(
                path: path, generation: generation,
                reason: "signed by key \(signer.fingerprint.hex.prefix(16))…, which is not a signing key of the store")
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

    /// Refuses an evaluator folder holding any evaluation key its generation file does not bind
    /// (``requireBound(file:path:payload:record:)``), before any work; since s38 (issue 27) also
    /// a folder that holds an evaluation key but no `fhe-key.generation` (exit 66), and one whose
    /// evaluation key list is unsigned or whose signature does not verify (exit 65). A truncated
    /// or corrupt key file is refused by its envelope checksum (exit 65). Whether the signer is a
    /// signing key of the store is checked when the evaluator opens the store
    /// (``Evaluator/evaluate(store:configuration:asOf:throughSeq:)``).
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
    /// - Parameters:
    ///   - envelope: the key's envelope, as loaded.
    ///   - path: the file it was loaded from.
    ///   - folder: the checked evaluator folder.
    /// - Throws: ``PipelineError/fheKey(_:)`` (exit 64), ``PipelineError/keyFile(_:)`` for a
    ///   corrupt generation file (exit 65).
    static func requireBound(_ envelope: Envelope, loadedFrom path: String, in folder: KeyFolder) throws(PipelineError) {
        // The folder holds this key, so its generation file must exist and be signed (issue 27, s38).
        guard let record = try evaluatorBinding(in: folder).record else {
            throw .fheKey(.missingGenerationFile(
                path: (folder.path as NSString).appendingPathComponent(fileName),
                reason: "the evaluation key \((path as NSString).lastPathComponent) was loaded, and only that file binds it"))
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
    ///   - storePath: the store path (unused in messages, which name the generation file).
    /// - Throws: ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66),
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65).
    func require(in db: Database, storePath: String) throws {
        guard let record else {
            let generations = try FHEKeyGenerations.effective(in: db)
            if !generations.transitions.isEmpty {
                throw FHEKeyError.missingGenerationFile(
                    path: generationPath,
                    reason: "the store \(storePath) records FHE key transitions (current generation \(generations.currentGeneration)), so every evaluator folder names its generation")
            }
            return
        }
        if let signer { try FHEKeyGeneration.requireTrustedSigner(signer, path: generationPath, generation: record.generation, in: db) }
    }
}
