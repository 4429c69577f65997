import Crypto
import Foundation
import HeatEnvelope

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
