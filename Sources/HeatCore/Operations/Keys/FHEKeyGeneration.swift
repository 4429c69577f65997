import Crypto
import Foundation
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
    /// rotate --fhe` (such a folder binds nothing and loads its evaluation keys as before, review
    /// s37 finding 2; the key holder's noise check refuses what a wrong key computes); empty in
    /// the evaluator folder of `keys generate` without `--aggregates` (until `trees relin-key`
    /// binds its key).
    public var evaluationKeys: [String: String]? = nil

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
    /// bind the evaluation keys they write this way.
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
        return bound
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
    /// holder would decrypt noise. A folder without a generation file (generation 1, written by
    /// `heatctl keys generate` before s37), or whose file has no `evaluationKeys` (s35's `keys
    /// rotate --fhe`), binds nothing and accepts its keys as before; a folder whose file lists
    /// digests (every folder `keys generate` or `keys rotate --fhe` writes now, even an empty list)
    /// accepts only those. The digests guard against stale and mixed-up keys; a folder's files are
    /// not signed, so against someone who rewrites the folder the key holder's noise check is the
    /// guard (``PipelineError/noNoiseBudget(source:)``, review s37 finding 1).
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
    /// (``requireBound(file:path:payload:record:)``), before any work; a truncated or corrupt key
    /// file is refused by its envelope checksum (exit 65).
    ///
    /// ```swift
    /// try FHEKeyGeneration.requireBoundEvaluationKeys(in: KeyFolder(path: "keys/evaluator", role: .evaluator))
    /// ```
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Throws: ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64);
    ///   ``PipelineError/keyFile(_:)`` for a corrupt generation or key file (exit 65).
    public static func requireBoundEvaluationKeys(in folder: KeyFolder) throws(PipelineError) {
        let record: FHEKeyGeneration?
        do {
            record = try read(in: folder)
        } catch {
            throw .keyFile(error)
        }
        guard let record else { return }
        for (name, kind) in folder.files.sorted(by: { $0.key < $1.key }) where evaluationKeyKinds.contains(kind) {
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
        let record: FHEKeyGeneration?
        do {
            record = try read(in: folder)
        } catch {
            throw .keyFile(error)
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
