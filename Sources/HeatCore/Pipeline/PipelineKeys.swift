import Foundation
import HeatEnvelope
import HeatFHE

/// The FHE files of the role folders (DESIGN.md section 1) and their loaders.
///
/// `heatctl keys generate --preset NAME` writes the BFV parameters into `collector/`,
/// `evaluator/` and `keyholder/`, the (seeded) public key into `collector/` and `evaluator/`, the
/// secret key (mode 0600) only into `keyholder/`, and into each folder `fhe-key.generation`
/// (``FHEKeyGeneration``, generation 1, whose evaluator copy binds the evaluator's evaluation
/// keys by digest). The heat circuit needs no evaluation keys (only additions and products with
/// plaintext constants); group aggregates need Galois keys (`--aggregates`) and the tree circuit
/// a relinearization key (`heatctl trees relin-key`). Loading goes through a checked
/// ``KeyFolder`` of the right role, so a folder holding a file its role must not hold is refused
/// before anything is read.
///
/// ```swift
/// let files = try PipelineKeys.generate(at: "keys", preset: "n8192-logq217-logt25")
/// let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "keys/evaluator", role: .evaluator))
/// ```
public enum PipelineKeys {
    /// The parameters file name (the same as `heatctl fhe keygen`).
    public static let parametersFile = BfvKeyFileNames.parameters
    /// The public key file name.
    public static let publicKeyFile = BfvKeyFileNames.publicKey
    /// The secret key file name (key holder only, mode 0600).
    public static let secretKeyFile = BfvKeyFileNames.secretKey

    /// The context and public key of a collector or evaluator folder, with the key's FHE key
    /// generation and key id.
    ///
    /// The identity is derived on construction, never set (review s35 MEDIUM 3): its key id is
    /// always the SHA-256 of the public key itself (``FHEKeyGeneration/keyID(of:)``), so material
    /// built from a retired public key carries the retired key's id whatever generation it is
    /// labelled with, and `ingest` and `evaluate` refuse it on a rotated store.
    ///
    /// ```swift
    /// let material = PipelineKeys.PublicMaterial(context: context, publicKey: publicKey)
    /// material.identity.keyID   // hex SHA-256 of the public key's envelope payload
    /// ```
    public struct PublicMaterial: Sendable {
        /// The BFV context of the keys' parameters.
        public let context: BfvContext<UInt64>
        /// The public key.
        public let publicKey: PublicKey<UInt64>
        /// The key's FHE key generation (the folder's `fhe-key.generation`, 1 without one) and
        /// its key id, derived from ``publicKey`` (issue 27 item 1).
        public let identity: FHEKeyIdentity

        /// Material for a public key, its identity derived from the key.
        ///
        /// - Parameters:
        ///   - context: the BFV context.
        ///   - publicKey: the public key.
        ///   - generation: the generation the key is claimed to be (default 1); a claim that does
        ///     not match the store's transition for this key id is refused where it is used.
        public init(context: BfvContext<UInt64>, publicKey: PublicKey<UInt64>, generation: Int64 = 1) {
            self.context = context
            self.publicKey = publicKey
            self.identity = FHEKeyIdentity(generation: generation, keyID: FHEKeyGeneration.keyID(of: publicKey))
        }
    }

    /// Generates a BFV key pair for a preset and writes it into the role folders under `out`.
    ///
    /// Each folder also gets `fhe-key.generation` (generation 1, the public key's id, issue 27):
    /// the evaluator's lists the SHA-256 of each evaluation key written here (none without
    /// `aggregates`), so a stale, swapped or foreign Galois or relinearization key dropped into
    /// the folder later is refused (``FHEKeyGeneration/requireBoundEvaluationKeys(in:)``, exit 64)
    /// from generation 1 on, exactly as after a rotation. The generation files are written last.
    ///
    /// - Parameters:
    ///   - out: the parent folder of the role folders (created with mode 0700 when missing).
    ///   - preset: a preset name; it must be usable by the pipeline (``HeatPacking/checkUsable(_:)``).
    ///   - aggregates: also write Galois keys for group sums (``Bfv64/galoisKeysForSums(secretKey:)``,
    ///     `bfv-galois-keys.heat`) into `evaluator/` (issue 14), bound to generation 1.
    ///   - signingKey: the key holder's store signing key, which signs the evaluator's evaluation
    ///     key list (``FHEKeyGeneration/evaluationKeysSignature``, issue 27 s38); by default the
    ///     one in `out/keyholder` (written by ``KeyFolder/generate(at:)``), if any. Without one
    ///     the list is unsigned, which an evaluator accepts only while the folder holds no
    ///     evaluation key, so `aggregates` needs it.
    /// - Returns: the files written.
    /// - Throws: ``PipelineError`` for an unknown or unusable preset, ``KeyError/alreadyExists(path:)``
    ///   when an FHE file is already there, ``KeyError/unwritable(path:reason:)``,
    ///   ``KeyError/missingKey(folder:role:kind:)`` for `aggregates` without a signing key.
    public static func generate(
        at out: String, preset: String, aggregates: Bool = false, signingKey: StoreSigningKey? = nil
    ) throws -> [String] {
        let parameters: BfvParameters
        do {
            parameters = try BfvParameters(preset: preset)
        } catch {
            throw PipelineError.fhe(error)
        }
        try HeatPacking.checkUsable(parameters)
        let base = URL(filePath: out)
        let keyholderFolder = base.appending(path: KeyRole.keyholder.folderName).path
        var signer = signingKey
        if signer == nil, (try? FileManager.default.contentsOfDirectory(atPath: keyholderFolder)) != nil {
            let folder = try KeyFolder(path: keyholderFolder, role: .keyholder)
            if folder.files.values.contains(.signingKey) { signer = try folder.signingKey() }
        }
        if aggregates && signer == nil {
            throw KeyError.missingKey(folder: keyholderFolder, role: .keyholder, kind: .signingKey)
        }
        let generationFile = FHEKeyGeneration.fileName
        let plan: [(KeyRole, [String])] = [
            (.collector, [parametersFile, publicKeyFile, generationFile]),
            (.evaluator, [parametersFile, publicKeyFile] + (aggregates ? [Evaluator.galoisKeysFile] : []) + [generationFile]),
            (.keyholder, [parametersFile, secretKeyFile, generationFile]),
        ]
        for (role, files) in plan {
            for file in files {
                let path = base.appending(path: role.folderName).appending(path: file).path
                if FileManager.default.fileExists(atPath: path) { throw KeyError.alreadyExists(path: path) }
            }
            let folder = base.appending(path: role.folderName).path
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw KeyError.unwritable(path: folder, reason: error.localizedDescription)
            }
        }
        let context: BfvContext<UInt64>
        do {
            context = try BfvContext<UInt64>(parameters: parameters)
        } catch {
            throw PipelineError.fhe(error)
        }
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)
        // The secret key is written by `SecretKey.write(to:)`, which wipes its temporary copies of `s`.
        let publicEnvelope = publicKey.envelope()
        var envelopes: [String: Envelope] = [parametersFile: parameters.envelope(), publicKeyFile: publicEnvelope]
        var evaluationKeys: [String: Envelope] = [:]
        if aggregates {
            do {
                evaluationKeys[Evaluator.galoisKeysFile] = try Bfv64.galoisKeysForSums(secretKey: secretKey).envelope()
            } catch {
                throw PipelineError.fhe(error)
            }
            envelopes.merge(evaluationKeys) { _, new in new }
        }
        // Issue 27: generation 1 is named in every folder, and the evaluator's binds its evaluation keys.
        let record = FHEKeyGeneration(
            generation: 1, keyID: FHEKeyGeneration.keyID(ofPublicKeyPayload: publicEnvelope.payload),
            parametersFingerprint: context.fingerprint.hex)
        envelopes[generationFile] = record.envelope()
        // Issue 27 (s38): the key holder signs the evaluator's list with the store signing key.
        let bound = record.binding(evaluationKeys)
        let evaluatorRecord = try (signer.map { key in try bound.signingEvaluationKeys(with: key) } ?? bound).envelope()
        var written: [String] = []
        for (role, files) in plan {
            for file in files {
                let url = base.appending(path: role.folderName).appending(path: file)
                if file == secretKeyFile {
                    do {
                        try secretKey.write(to: url)
                    } catch {
                        if case .envelope(let envelopeError) = error { throw KeyError.envelope(envelopeError) }
                        throw PipelineError.fhe(error)
                    }
                    written.append(url.path)
                    continue
                }
                guard let envelope = role == .evaluator && file == generationFile ? evaluatorRecord : envelopes[file] else { continue }
                do {
                    try envelope.write(to: url)
                } catch {
                    throw KeyError.envelope(error)
                }
                written.append(url.path)
            }
        }
        return written
    }

    /// The parameters of a role folder (the `fheParameters` file).
    ///
    /// - Parameter folder: a checked role folder.
    /// - Returns: the validated parameters.
    /// - Throws: ``PipelineError/missingFHEKey(folder:file:)``, ``PipelineError/fhe(_:)``.
    public static func parameters(in folder: KeyFolder) throws(PipelineError) -> BfvParameters {
        let envelope = try read(folder, kind: .fheParameters, describedAs: parametersFile)
        do {
            let parameters = try BfvParameters(envelope: envelope.0, source: envelope.1)
            try HeatPacking.checkUsable(parameters)
            return parameters
        } catch let error as PipelineError {
            throw error
        } catch let error as FHEError {
            throw .fhe(error)
        } catch {
            throw .malformed(source: envelope.1, reason: "\(error)")
        }
    }

    /// The context and public key of a collector or evaluator folder.
    ///
    /// - Parameter folder: a checked folder of the collector or evaluator role.
    /// - Returns: the material.
    /// - Throws: ``PipelineError`` (missing file, other parameters, corrupt file) or
    ///   ``KeyError/forbiddenFile(path:kind:role:)`` semantics via ``PipelineError/modeMismatch(path:reason:)``
    ///   when the folder is of another role.
    public static func publicMaterial(in folder: KeyFolder) throws(PipelineError) -> PublicMaterial {
        guard folder.role == .collector || folder.role == .evaluator else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; the public key is loaded from a collector or evaluator folder")
        }
        let context = try self.context(in: folder)
        // `keys generate` writes the seeded (half-size) public key; a full one is read too.
        let kind: EnvelopeKind = folder.files.values.contains(.fheSeededPublicKey) ? .fheSeededPublicKey : .fhePublicKey
        let (envelope, source) = try read(folder, kind: kind, describedAs: publicKeyFile)
        let publicKey: PublicKey<UInt64>
        do {
            publicKey = try PublicKey(envelope: envelope, context: context, source: source)
        } catch {
            throw .fhe(error)
        }
        // Issue 27: the key generation (its file, checked against the public key; generation 1 without one).
        let keyID = FHEKeyGeneration.keyID(of: publicKey)
        let file: FHEKeyGeneration?
        do {
            file = try FHEKeyGeneration.read(in: folder)
        } catch {
            throw .malformed(source: folder.path, reason: "\(FHEKeyGeneration.fileName): \(error)")
        }
        if let file, file.keyID != keyID {
            throw .malformed(source: folder.path, reason: "field keyID of \(FHEKeyGeneration.fileName) (generation \(file.generation)) is not the id of the folder's public key; never mix files of two FHE key generations")
        }
        return PublicMaterial(context: context, publicKey: publicKey, generation: file?.generation ?? 1)
    }

    /// The context of a role folder's parameters.
    ///
    /// - Parameter folder: a checked role folder.
    /// - Returns: the context.
    /// - Throws: ``PipelineError``.
    public static func context(in folder: KeyFolder) throws(PipelineError) -> BfvContext<UInt64> {
        let parameters = try parameters(in: folder)
        do {
            return try BfvContext<UInt64>(parameters: parameters)
        } catch {
            throw .fhe(error)
        }
    }

    /// Reads the envelope of the first file of `kind` in the folder.
    static func read(_ folder: KeyFolder, kind: EnvelopeKind, describedAs name: String) throws(PipelineError) -> (Envelope, String) {
        guard let file = folder.files.filter({ $0.value == kind }).keys.sorted().first else {
            throw .missingFHEKey(folder: folder.path, file: name)
        }
        let path = (folder.path as NSString).appendingPathComponent(file)
        do {
            return (try Envelope.read(from: URL(filePath: path), expecting: kind), path)
        } catch {
            throw .fhe(.envelope(error))
        }
    }
}
