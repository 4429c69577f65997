import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// Rotation of the store's BFV key to a new FHE key generation by **re-encryption inside the key
/// holder's vault** (issue 27, item 1; `heatctl keys rotate --fhe`).
///
/// 1. ``generateKeys(at:parameters:generation:aggregates:)`` writes the new generation's folders
///    (the same parameters, a fresh key pair, `fhe-key.generation` in each) **before** the store
///    changes, never replacing a file, so a committed rotation never loses its new secret key.
/// 2. ``rotate(store:signingKey:old:oldIdentity:newPublicKey:newGeneration:anchor:reason:)`` then
///    runs in one immediate transaction committed with full durability: it verifies the store
///    under the key holder's signing key against the anchor with no unsigned rows
///    (``FHEKeyError/refused(violations:)``, exit 1, nothing changed otherwise); decrypts every
///    stored `ciphertexts` row of the current generation with the old secret key and encrypts the
///    plaintext polynomial under the new public key (``HeatFHE/Bfv64/reencrypt(_:decryptor:encryptor:using:)``,
///    which wipes the plaintext; no plaintext leaves the process), appending the results as new
///    rows in the same order with the same run, week, batch and packing; appends the signed
///    ``FHEKeyTransition`` naming both row ranges; logs `keys.rotate-fhe`; and signs the chain
///    heads **in the same transaction** (issue 27 s37, ``SignedStoreChange``). Any error or
///    crash rolls everything back: never a rotation without its signed head. Write the returned
///    head to the head file after the call (`heatctl keys rotate --fhe` does).
///
/// Afterwards `evaluate` reads only the new generation's rows and refuses a retired
/// generation's folder, `ingest` refuses the retired public key (both exit 64), and the key holder
/// decrypts runs of a retired generation only with that generation's folder (keep it in escrow).
///
/// ```swift
/// let next = try FHEKeyRotation.generateKeys(at: "keys-fhe2", parameters: keyHolder.context.parameters,
///                                            generation: 2, aggregates: false)
/// let rotation = try FHEKeyRotation.rotate(
///     store: store, signingKey: signingKey, old: keyHolder, oldIdentity: FHEKeyIdentity(generation: 1, keyID: nil),
///     newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(head), reason: "rotation")
/// try rotation.head.write(to: URL(filePath: "head.heat"))
/// ```
public enum FHEKeyRotation {
    /// The audit action recorded.
    public static let auditAction = "keys.rotate-fhe"

    /// The noise budget (bits) a stored row must have under the old secret key to be re-encrypted:
    /// a fresh or summed row has tens of bits, a row decrypted with another key about none.
    static let minimumBudgetBits = 4

    /// How many stored ciphertexts are re-encrypted at once (on all cores).
    static let chunk = 32

    /// A new generation's public key and identity, with the files written.
    public struct NewKeys: Sendable {
        /// The new public key.
        public var publicKey: PublicKey<UInt64>
        /// The new generation and key id.
        public var generation: FHEKeyGeneration
        /// The files written.
        public var files: [String]
    }

    /// Generates a BFV key pair of `parameters` and writes the new generation's role folders
    /// under `out`: `collector/` and `evaluator/` get the parameters, the public key and
    /// `fhe-key.generation`; `evaluator/` also the relinearization key of the tree circuit
    /// (`bfv-relin-key.heat`, always: it is small) and, when `aggregates`, Galois keys for group
    /// sums (`bfv-galois-keys.heat`), both bound to the generation by their SHA-256 in its
    /// `fhe-key.generation` (``FHEKeyGeneration/evaluationKeys``), so an evaluation key of the old
    /// generation left in the evaluator folder is refused (issue 27, review s35 HIGH);
    /// `keyholder/` the parameters, the secret key (mode 0600) and `fhe-key.generation`. Folders
    /// are created with mode 0700; no existing file is replaced (checked before anything is written).
    ///
    /// - Parameters:
    ///   - out: the parent folder of the new role folders.
    ///   - parameters: the parameters (those of the current generation).
    ///   - generation: the new generation number.
    ///   - aggregates: also write Galois keys into `evaluator/`.
    ///   - signingKey: the key holder's current store signing key: it signs the evaluator's
    ///     evaluation key list (``FHEKeyGeneration/evaluationKeysSignature``, issue 27 s38).
    /// - Returns: the public key, the generation record and the files written.
    /// - Throws: ``KeyError/alreadyExists(path:)``, ``KeyError/unwritable(path:reason:)``, ``PipelineError/fhe(_:)``.
    public static func generateKeys(
        at out: String, parameters: BfvParameters, generation: Int64, aggregates: Bool, signingKey: StoreSigningKey
    ) throws -> NewKeys {
        let base = URL(filePath: out)
        let parametersFile = PipelineKeys.parametersFile, publicFile = PipelineKeys.publicKeyFile
        let generationFile = FHEKeyGeneration.fileName
        let plan: [(KeyRole, [String])] = [
            (.collector, [parametersFile, publicFile, generationFile]),
            (.evaluator, [parametersFile, publicFile, Evaluator.relinearizationKeyFile] + (aggregates ? [Evaluator.galoisKeysFile] : [])
                + [generationFile]),
            (.keyholder, [parametersFile, PipelineKeys.secretKeyFile, generationFile]),
        ]
        for (role, files) in plan {
            for file in files {
                let path = base.appending(path: role.folderName).appending(path: file).path
                if FileManager.default.fileExists(atPath: path) { throw KeyError.alreadyExists(path: path) }
            }
        }
        let context: BfvContext<UInt64>
        let secretKey: SecretKey<UInt64>
        let publicKey: PublicKey<UInt64>
        var envelopes: [String: Envelope] = [parametersFile: parameters.envelope()]
        do {
            context = try BfvContext<UInt64>(parameters: parameters)
            secretKey = SecretKey(context: context)
            publicKey = PublicKey(secretKey: secretKey)
            envelopes[Evaluator.relinearizationKeyFile] = try BfvRelinearizationKey(secretKey: secretKey).envelope()
            if aggregates { envelopes[Evaluator.galoisKeysFile] = try Bfv64.galoisKeysForSums(secretKey: secretKey).envelope() }
        } catch {
            throw PipelineError.fhe(error)
        }
        let publicEnvelope = publicKey.envelope()
        envelopes[publicFile] = publicEnvelope
        let record = FHEKeyGeneration(
            generation: generation, keyID: FHEKeyGeneration.keyID(ofPublicKeyPayload: publicEnvelope.payload),
            parametersFingerprint: context.fingerprint.hex)
        envelopes[generationFile] = record.envelope()
        // The evaluator's generation file binds its evaluation keys (by file name and SHA-256).
        var evaluatorRecord = record
        evaluatorRecord.evaluationKeys = Dictionary(uniqueKeysWithValues: [Evaluator.relinearizationKeyFile, Evaluator.galoisKeysFile].compactMap { name in
            envelopes[name].map { (name, FHEKeyGeneration.evaluationKeyID(ofPayload: $0.payload)) }
        })
        // Issue 27 (s38): signed by the key holder, so a rewritten digest is refused.
        evaluatorRecord = try evaluatorRecord.signingEvaluationKeys(with: signingKey)
        var written: [String] = []
        for index in plan.indices {
            let folder = base.appending(path: plan[index].0.folderName)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw KeyError.unwritable(path: folder.path, reason: error.localizedDescription)
            }
            for file in plan[index].1 {
                let url = folder.appending(path: file)
                if file == PipelineKeys.secretKeyFile {
                    do {
                        try secretKey.write(to: url)
                    } catch {
                        if case .envelope(let envelopeError) = error { throw KeyError.envelope(envelopeError) }
                        throw PipelineError.fhe(error)
                    }
                } else if let envelope = (plan[index].0 == .evaluator && file == generationFile) ? evaluatorRecord.envelope() : envelopes[file] {
                    do {
                        try envelope.create(at: url)
                    } catch {
                        if case .alreadyExists = error { throw KeyError.alreadyExists(path: url.path) }
                        throw KeyError.envelope(error)
                    }
                }
                written.append(url.path)
            }
        }
        return NewKeys(publicKey: publicKey, generation: record, files: written)
    }

    /// Whether an evaluator folder holds Galois keys (seeded or not): `keys rotate --fhe
    /// --evaluator-keys DIR` then writes the new generation's, so none is left stale.
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Returns: `true` when it holds a Galois key file.
    public static func holdsGaloisKeys(_ folder: KeyFolder) -> Bool {
        folder.files.values.contains { $0 == .fheGaloisKeys || $0 == .fheSeededGaloisKeys }
    }

    /// Re-encrypts the current generation's stored ciphertexts under the new key, records the
    /// signed transition and signs the store, in one transaction.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - signingKey: the key holder's current store signing key.
    ///   - old: the key holder of the current generation (its secret key decrypts the stored rows).
    ///   - oldIdentity: that folder's identity (``FHEKeyIdentity/init(folder:)``).
    ///   - newPublicKey: the new generation's public key.
    ///   - newGeneration: the new generation's record (``generateKeys(at:parameters:generation:aggregates:)``).
    ///   - anchor: the previous head file.
    ///   - reason: `rotation`, or `revocation: <why>` when the old secret key may be compromised.
    /// - Returns: the recorded transition and the head signed in the same transaction.
    /// - Throws: ``FHEKeyError``, ``KeyLifecycleError/noSignedHead(path:)``, ``StoreError``.
    public static func rotate(
        store: HeatStore, signingKey: StoreSigningKey, old: KeyHolder, oldIdentity: FHEKeyIdentity, newPublicKey: PublicKey<UInt64>,
        newGeneration: FHEKeyGeneration, anchor: HeadAnchor, reason: String
    ) throws -> SignedStoreChange<FHEKeyTransition> {
        let fingerprint = old.context.fingerprint.hex
        guard newGeneration.parametersFingerprint == fingerprint, newPublicKey.context.fingerprint.hex == fingerprint else {
            throw FHEKeyError.badRow(path: store.path, seq: 0, reason: "the new key is made for other parameters than the current one")
        }
        return try SignedStoreChange.commit(
            to: store, key: signingKey, anchor: anchor, refusal: FHEKeyError.refused(violations:),
            faults: .init(unsigned: .rotateUnsignedBeforeCommit, signed: .rotateBeforeCommit)
        ) { db in
            guard try db.tableExists(ChainedTable.fheKeyTransitions.name) else { throw FHEKeyError.oldSchema(path: store.path) }
            guard let heads = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM signed_heads"), heads >= 1 else {
                throw KeyLifecycleError.noSignedHead(path: store.path)
            }
            let generations = try FHEKeyGenerations.effective(in: db)
            try generations.require(oldIdentity, role: .keyholder, path: store.path)
            guard newGeneration.generation == generations.currentGeneration + 1 else {
                throw FHEKeyError.notCurrentGeneration(
                    path: store.path, role: .keyholder, folderGeneration: newGeneration.generation - 1,
                    storeGeneration: generations.currentGeneration)
            }
            let sourceFirst = generations.firstSeq(through: nil)
            let finalSeq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ciphertexts") ?? 0
            // Review s35 HIGH 2: rows the evaluator would refuse as mixed are never re-encrypted (and
            // so never laundered under a valid transition).
            try generations.requireSingleGeneration(in: db, from: sourceFirst, through: finalSeq, path: store.path)
            let seqs = try Int64.fetchAll(db, sql: "SELECT seq FROM ciphertexts WHERE seq >= ? AND seq <= ? ORDER BY seq",
                                          arguments: [sourceFirst, finalSeq])
            let appender = try ChainAppender(db, table: .ciphertexts)
            let rowStatement = try db.makeStatement(sql: """
                SELECT ingestion_run, week, batch, packing, packing_hash, parameters_fingerprint, ciphertext FROM ciphertexts WHERE seq = ?
                """)
            let decryptor = old.decryptor
            let encryptor = BfvEncryptor(publicKey: newPublicKey)
            let context = old.context
            let path = store.path
            var start = 0
            while start < seqs.count {
                let slice = Array(seqs[start..<min(start + chunk, seqs.count)])
                var rows: [(seq: Int64, values: [CanonicalValue], blob: Data)] = []
                for seq in slice {
                    guard let row = try Row.fetchOne(rowStatement, arguments: [seq]),
                          let run = row.lenientInteger(at: 0), let week = row.lenientText(at: 1), let batch = row.lenientInteger(at: 2),
                          let packing = row.lenientText(at: 3), let packingHash = row.lenientText(at: 4),
                          let rowFingerprint = row.lenientText(at: 5), let blob = row.lenientBlob(at: 6) else {
                        throw FHEKeyError.badRow(path: path, seq: seq, reason: "a malformed row")
                    }
                    guard rowFingerprint == fingerprint else {
                        throw FHEKeyError.badRow(path: path, seq: seq, reason: "made for other FHE parameters (\(rowFingerprint.prefix(16))…)")
                    }
                    rows.append((seq, [.integer(run), .text(week), .integer(batch), .text(packing), .text(packingHash), .text(rowFingerprint)], blob))
                }
                let blobs = rows.map { (seq: $0.seq, blob: $0.blob) }
                let reencrypted: [[UInt8]]
                do {
                    reencrypted = try Evaluator.parallelMap(blobs) { item throws(PipelineError) -> [UInt8] in
                        let ciphertext = try Evaluator.storedCiphertext(item.blob, context: context, source: "\(path): ciphertexts row \(item.seq)")
                        var random = SecureRandom()
                        // A secret key that is not the row's (another generation-1 key) leaves no
                        // noise budget: refuse rather than re-encrypt noise (review s35 HIGH 2).
                        let budget: Int
                        do throws(FHEError) {
                            budget = try Bfv64.noiseBudget(ciphertext, mask: nil, decryptor: decryptor)
                        } catch {
                            throw .fhe(error)
                        }
                        guard budget >= FHEKeyRotation.minimumBudgetBits else {
                            throw .malformed(source: "\(path): ciphertexts row \(item.seq)", reason: "the key holder's secret key does not decrypt it (no noise budget left): not this generation's key")
                        }
                        do throws(FHEError) {
                            let moved = try Bfv64.reencrypt(ciphertext, decryptor: decryptor, encryptor: encryptor, using: &random)
                            return [UInt8](Bfv64.envelope(of: moved).serialized())
                        } catch {
                            throw .fhe(error)
                        }
                    }
                } catch {
                    throw FHEKeyError.badRow(path: path, seq: slice.first ?? 0, reason: String(describing: error))
                }
                for (index, row) in rows.enumerated() { try appender.append(row.values + [.blob(reencrypted[index])]) }
                if start == 0 { FaultPoint.rotateFHEReencrypting.reach() }   // mid-loop: some rows appended, nothing committed
                start += chunk
            }
            var transition = FHEKeyTransition(
                recordedAt: .now(), generation: newGeneration.generation, keyID: newGeneration.keyID,
                previousKeyID: generations.currentKeyID ?? oldIdentity.keyID ?? "", parametersFingerprint: fingerprint,
                sourceFirstSeq: sourceFirst, finalSeq: finalSeq, firstSeq: finalSeq + 1, lastSeq: appender.lastSeq,
                endHash: Hex.encode(appender.lastHash), reason: reason, keyFingerprint: "", signature: "")
            do {
                try transition.sign(with: signingKey)
            } catch {
                throw AuditError.signingFailed(reason: String(describing: error))
            }
            try ChainAppender(db, table: .fheKeyTransitions).append(transition.rowValues)
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: auditAction,
                parameters: ["generation": String(transition.generation), "keyID": transition.keyID,
                             "previousKeyID": transition.previousKeyID, "rowsReencrypted": String(seqs.count),
                             "finalSeq": String(finalSeq), "reason": reason]), in: db)
            return transition
        }
    }
}
