import Crypto
import Foundation
import HeatEnvelope
import HeatFHE

/// The FHE key generation a role folder's BFV keys belong to: the id in its key files (issue 27,
/// item 1).
///
/// `heatctl keys rotate --fhe` writes it as `fhe-key.generation` (envelope kind 110,
/// `fheKeyGeneration`, JSON) into the new `collector/`, `evaluator/` and `keyholder/` folders
/// next to the BFV files. Folders written by `heatctl keys generate` have none and are
/// **generation 1** (their key id is the public key's, computed when needed; a key holder folder
/// holds no public key, so its generation-1 id is unknown). The key id is the hex SHA-256 of the
/// public key's envelope payload, so a collector or evaluator folder whose public key is not the
/// one its generation file names is refused (``FHEKeyError/mislabelledFolder(path:)``).
///
/// ```swift
/// let generation = try FHEKeyGeneration.read(in: KeyFolder(path: "keys/evaluator", role: .evaluator))
/// generation?.generation   // 2 after one rotation, nil for a folder of generation 1
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
    /// collector and key holder folders and in files written before this field (an evaluator
    /// folder of such a file accepts no evaluation key).
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
    /// holder would decrypt noise. A folder without a generation file (generation 1, `heatctl
    /// keys generate`) binds nothing and accepts its keys as before.
    ///
    /// - Parameters:
    ///   - file: the key's file name in the folder.
    ///   - path: the key's path, for the message.
    ///   - payload: its envelope payload, as loaded.
    ///   - record: the folder's generation file, or `nil`.
    /// - Throws: ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64).
    public static func requireBound(file: String, path: String, payload: Data, record: FHEKeyGeneration?) throws(FHEKeyError) {
        guard let record else { return }
        guard let bound = record.evaluationKeys?[file] else {
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
    /// - Throws: ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64),
    ///   ``KeyError`` for a corrupt generation or key file.
    public static func requireBoundEvaluationKeys(in folder: KeyFolder) throws {
        let record = try read(in: folder)
        guard let record else { return }
        for (name, kind) in folder.files.sorted(by: { $0.key < $1.key }) where evaluationKeyKinds.contains(kind) {
            let path = (folder.path as NSString).appendingPathComponent(name)
            let payload: Data
            do {
                payload = try Envelope.read(from: URL(filePath: path), expecting: kind).payload
            } catch {
                throw KeyError.envelope(error)
            }
            try requireBound(file: name, path: path, payload: payload, record: record)
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
