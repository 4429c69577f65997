import HeatEnvelope

/// What can go wrong rotating the FHE key or using a key of the wrong FHE key generation (issue
/// 27, item 1). Messages name the store or folder and the generations, never a client.
///
/// ```swift
/// do { _ = try Evaluator(keysAt: "keys/evaluator").evaluate(store: store, configuration: HeatConfiguration()) }
/// catch let error as FHEKeyError { print(error, error.category.exitCode) }   // "… generation 1 … generation 2 …" 64
/// ```
public enum FHEKeyError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): the FHE key is not rotated over it (exit 1).
    case refused(violations: [String])
    /// A folder's FHE keys are not the store's current generation: a retired generation's public
    /// key given to `ingest` or `evaluate`, or a newer folder on an older store (exit 64).
    case notCurrentGeneration(path: String, role: KeyRole, folderGeneration: Int64, storeGeneration: Int64)
    /// An evaluation window holds a row ingested after the rotation by a run that did not record
    /// the current key id: it would mix two generations in one run (exit 65).
    case mixedGenerations(path: String, seq: Int64, run: Int64, generation: Int64)
    /// A heat run, score, tree-score, tree-input, feature or aggregate file was computed under
    /// another FHE key generation than the key holder's (or evaluator's) folder (exit 64):
    /// decrypting it would give noise, not values.
    case runGeneration(source: String, runGeneration: Int64, folderGeneration: Int64)
    /// A folder's `fhe-key.generation` names another key than the folder's public key (exit 65).
    case mislabelledFolder(path: String, generation: Int64)
    /// A stored ciphertext row cannot be re-encrypted (another parameter set, or corrupt; exit 65).
    case badRow(path: String, seq: Int64, reason: String)
    /// The store predates migration `v9-fhe-keys` (it is migrated when opened for writing; exit 64).
    case oldSchema(path: String)
    /// An evaluator folder's Galois or relinearization key is not bound to the folder's FHE key
    /// generation (not listed in, or not the digest recorded by, its `fhe-key.generation`): a
    /// stale key of an older generation or a key of another key pair (exit 64, a wrong key folder).
    case unboundEvaluationKey(path: String, generation: Int64, reason: String)
    /// An evaluator folder has no `fhe-key.generation` although it holds an evaluation key, or
    /// although the store records FHE key transitions (issue 27, s38): deleting the file would
    /// otherwise turn the digest check off (exit 66, naming the missing file).
    case missingGenerationFile(path: String, reason: String)
    /// An evaluator folder's evaluation key list is unsigned, its signature does not verify, or
    /// it is signed by a key that is not a signing key of the store (issue 27, s38; exit 65,
    /// naming the generation file).
    case evaluationKeysSignature(path: String, generation: Int64, reason: String)
    /// The store's chain of signing keys (`key_transitions`), followed from the trusted key to
    /// find the key that may sign an evaluator's evaluation key list, holds a row that does not
    /// verify or is not on the chain (issue 27, review s38 keys27c H1): a store row that does not
    /// verify, so exit 1 (Docs/Architecture.md, "Differences"), naming the table and row. With
    /// no key pinned (an SDK ``Evaluator`` without ``Evaluator/trustedSigningKey``) also a
    /// `key_fingerprints` row or append-only trigger that does not verify (review s39 keys27d M2).
    case signingKeyChain(path: String, generationFile: String, violation: String)

    public var category: ErrorCategory {
        switch self {
        case .refused, .signingKeyChain: .integrityViolation
        case .notCurrentGeneration, .runGeneration, .oldSchema, .unboundEvaluationKey: .usage
        case .mixedGenerations, .mislabelledFolder, .badRow, .evaluationKeysSignature: .dataError
        case .missingGenerationFile: .noInput
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to rotate the FHE key: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .notCurrentGeneration(let path, let role, let folder, let store) where folder == store:
            "\(path): the \(role) folder's FHE key is not the key of the store's current FHE key generation \(store) (its key id differs: a retired or foreign key labelled as generation \(folder); refused)"
        case .notCurrentGeneration(let path, let role, let folder, let store):
            "\(path): the \(role) folder holds FHE key generation \(folder) but the store's current FHE key generation is \(store)\(folder < store ? " (a retired key: refused)" : "")"
        case .mixedGenerations(let path, let seq, let run, let generation):
            "\(path): ciphertexts row \(seq) (ingestion run \(run)) was not encrypted under the current FHE key generation \(generation): refusing to mix FHE key generations in one run"
        case .runGeneration(let source, let run, let folder):
            "\(source): computed under FHE key generation \(run) but the key holder folder holds generation \(folder)"
        case .mislabelledFolder(let path, let generation):
            "\(path): \(FHEKeyGeneration.fileName) names generation \(generation) with a key id that is not the folder's public key"
        case .badRow(let path, let seq, let reason):
            "\(path): ciphertexts row \(seq) cannot be re-encrypted: \(reason)"
        case .oldSchema(let path):
            "\(path): the store has no fhe_key_transitions table (schema before v9-fhe-keys)"
        case .unboundEvaluationKey(let path, let generation, let reason):
            "\(path): this evaluation key is not bound to the folder's FHE key generation \(generation) (\(reason)); refusing it: it would key-switch under another secret key and the key holder would decrypt noise"
        case .missingGenerationFile(let path, let reason):
            "\(path): missing (\(reason)); refusing the evaluator folder"
        case .evaluationKeysSignature(let path, let generation, let reason):
            "\(path): the evaluation key list of FHE key generation \(generation) is refused: \(reason)"
        case .signingKeyChain(let path, let generationFile, let violation):
            "\(path): the store's chain of signing keys does not verify (\(violation)); refusing the evaluation key list of \(generationFile), whose signer is checked along that chain"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify`, then `heatctl audit sign`, and rotate a store that verifies"
        case .notCurrentGeneration: "use the folders written by the latest `heatctl keys rotate --fhe --out DIR` (DIR/collector, DIR/evaluator)"
        case .mixedGenerations: "run `heatctl audit verify` and `heatctl audit log --kind ingest`; re-ingest that export with the current collector folder after restoring a verified backup"
        case .runGeneration: "decrypt a run of a retired generation with that generation's key holder folder (recover it from escrow: `heatctl keys escrow recover`), or re-run `heatctl evaluate` with the current keys"
        case .mislabelledFolder: "copy the folder again from the `keys rotate --fhe --out DIR` output; never mix files of two generations"
        case .badRow: "run `heatctl audit verify`; rotate with the key holder folder of the store's current generation"
        case .oldSchema: "open the store for writing once (for example `heatctl audit sign`) to migrate it"
        case .unboundEvaluationKey: "delete the file; use the evaluation keys written by `heatctl keys rotate --fhe --out DIR` (DIR/evaluator; --aggregates for Galois keys), or write the relinearization key again with `heatctl trees relin-key --keys DIR/keyholder --evaluator DIR/evaluator` (delete the folder's bfv-relin-key.heat first: it never replaces a file)"
        case .missingGenerationFile, .evaluationKeysSignature:
            "copy the evaluator folder again from the key holder's `heatctl keys generate` or `keys rotate --fhe --out DIR` output (DIR/evaluator, signed by the key holder); check that `evaluate --trust` names the key holder's auditor folder; after a signing-key rotation copy NEWDIR/evaluator/fhe-key.generation of `heatctl keys rotate --evaluator-keys DIR` into the evaluator folder; a list signed by a retired key that the rotation did not re-sign (always after a revocation): write fresh evaluation keys with `heatctl keys rotate --fhe --evaluator-keys DIR`; a folder written before s38 holding evaluation keys is replaced by `heatctl keys rotate --fhe --evaluator-keys` (see Docs/Operations.md section 4b)"
        case .signingKeyChain:
            "run `heatctl audit verify --keys DIR/auditor` on the store: a key transition or registered key row that does not verify is an attack or a damaged store; restore a verified backup, and pin the key holder's key with `evaluate --trust DIR/auditor`"
        }
    }
}
