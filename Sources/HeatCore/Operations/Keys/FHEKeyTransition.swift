import Foundation
import GRDB
import HeatEnvelope

/// The key holder's signed record that the store's BFV key was rotated to a new **FHE key
/// generation** (issue 27, item 1; `heatctl keys rotate --fhe`).
///
/// Stored in the chained table `fhe_key_transitions` (migration `v9-fhe-keys`). The rotation
/// re-encrypted, inside the key holder's vault, every stored `ciphertexts` row of the retired
/// generation (rows ``sourceFirstSeq`` through ``finalSeq``) under the new public key, and appended
/// the results as rows ``firstSeq`` through ``lastSeq`` (``firstSeq`` = ``finalSeq`` + 1, in the same
/// order, with the same run, week, batch and packing). **A ciphertext row's generation is
/// therefore its position**: generation `g` owns the rows from its transition's ``firstSeq`` up to
/// the next transition's ``finalSeq`` (generation 1 owns the rows before the first transition),
/// and the signed record names that boundary. The re-encrypted rows are written by the key
/// holder, not by a collector run: the transition's signature covers them (``endHash`` is the
/// stored `row_hash` of ``lastSeq``, which chains every row before it), and both verifiers count
/// them as covered instead of requiring a collector signature.
///
/// The signature (store signing key) covers the ASCII text `customerheat.fhe-key-transition/1`
/// followed, each as a ``CanonicalValue``, by `recordedAt` (text), `generation` (integer),
/// `keyID` and `previousKeyID` (text), `parametersFingerprint` (text), `sourceFirstSeq`,
/// `finalSeq`, `firstSeq`, `lastSeq` (integers), `endHash` and `reason` (text) and the key
/// fingerprint (text).
///
/// ```swift
/// let transitions = try store.read { db in try FHEKeyTransition.chain(in: db, trusted: trusted).chain }
/// transitions.last?.record.generation   // the store's current FHE key generation
/// ```
public struct FHEKeyTransition: Sendable, Hashable, Codable, KeyHolderSignedRecord {
    static let noun = "FHE key transition"
    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.fhe-key-transition/1"

    /// When the key was rotated.
    public var recordedAt: UTCTimestamp
    /// The new generation (the store's first BFV key is generation 1, so at least 2).
    public var generation: Int64
    /// The new key's id: hex SHA-256 of its public key's envelope payload (``FHEKeyGeneration/keyID(ofPublicKeyPayload:)``).
    public var keyID: String
    /// The retired key's id, or empty when the retired generation 1 key was never identified
    /// (its folders predate key ids).
    public var previousKeyID: String
    /// The BFV parameters' fingerprint (hex); the rotation keeps the parameters.
    public var parametersFingerprint: String
    /// The first `ciphertexts` row of the retired generation (1 for generation 1).
    public var sourceFirstSeq: Int64
    /// The last `ciphertexts` row of the retired generation.
    public var finalSeq: Int64
    /// The first re-encrypted row (``finalSeq`` + 1).
    public var firstSeq: Int64
    /// The last re-encrypted row (``firstSeq`` - 1 when nothing was stored).
    public var lastSeq: Int64
    /// The stored `row_hash` (hex) of `ciphertexts` row ``lastSeq`` (or of ``finalSeq`` when no row was re-encrypted).
    public var endHash: String
    /// `rotation`, or `revocation: <why>`.
    public var reason: String
    /// The signing key's fingerprint (hex).
    public var keyFingerprint: String
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.integer(generation).append(to: &bytes)
        CanonicalValue.text(keyID).append(to: &bytes)
        CanonicalValue.text(previousKeyID).append(to: &bytes)
        CanonicalValue.text(parametersFingerprint).append(to: &bytes)
        CanonicalValue.integer(sourceFirstSeq).append(to: &bytes)
        CanonicalValue.integer(finalSeq).append(to: &bytes)
        CanonicalValue.integer(firstSeq).append(to: &bytes)
        CanonicalValue.integer(lastSeq).append(to: &bytes)
        CanonicalValue.text(endHash).append(to: &bytes)
        CanonicalValue.text(reason).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        return bytes
    }

    /// Whether the record is signed by `key` and well formed.
    ///
    /// - Parameter key: the trusted verification key with the record's fingerprint.
    /// - Returns: `nil` when valid, else why not.
    public func problem(under key: StoreVerificationKey) -> String? {
        if let problem = signatureProblem(under: key) { return problem }
        guard generation >= 2 else { return "names generation \(generation); a rotation makes generation 2 or later" }
        guard Self.isKeyID(keyID), previousKeyID.isEmpty || Self.isKeyID(previousKeyID) else { return "names a malformed key id" }
        guard keyID != previousKeyID else { return "names the retired key as its own successor" }
        guard sourceFirstSeq >= 1, finalSeq >= sourceFirstSeq - 1, firstSeq == finalSeq + 1, lastSeq >= firstSeq - 1 else {
            return "names inconsistent row ranges (retired rows \(sourceFirstSeq)-\(finalSeq), re-encrypted rows \(firstSeq)-\(lastSeq))"
        }
        return nil
    }

    /// Whether `text` is a key id: 64 lower-case hex digits.
    static func isKeyID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The row values in ``ChainedTable/fheKeyTransitions`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .integer(generation), .text(keyID), .text(previousKeyID), .text(parametersFingerprint),
         .integer(sourceFirstSeq), .integer(finalSeq), .integer(firstSeq), .integer(lastSeq), .text(endHash), .text(reason),
         .text(keyFingerprint), .blob(Hex.decode(signature) ?? [])]
    }

    /// The store's chain of FHE key generations under the trusted signing keys: each record must
    /// parse, verify (``problem(under:)``), not be signed by a retired signing key after its final
    /// head, and continue the chain (generation + 1, the previous generation's key id and first
    /// row, the stored `row_hash` of its ``lastSeq`` equal to ``endHash``). Every other record is a
    /// ``Violation/Kind/badFHEKeyTransition`` (or ``Violation/Kind/retiredSigningKey``) and is
    /// ignored: its rows are then not covered by any signature.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - trusted: the trusted signing keys.
    ///   - tombstones: valid retention tombstones (a dropped `lastSeq` row is found through them).
    /// - Returns: the accepted transitions in order, one summary line each, and the violations.
    /// - Throws: a database error.
    static func chain(
        in db: Database, trusted: TrustedSigningKeys, tombstones: TombstoneIndex = .empty
    ) throws -> (chain: [(seq: Int64, record: FHEKeyTransition)], summaries: [String], violations: [Violation]) {
        let name = ChainedTable.fheKeyTransitions.name
        var chain: [(seq: Int64, record: FHEKeyTransition)] = []
        var summaries: [String] = []
        var violations: [Violation] = []
        let (accepted, unverified) = try checked(
            in: db, trusted: trusted, kind: .badFHEKeyTransition, unparsable: "the FHE key transition cannot be parsed (forged or altered)",
            suffix: "; it is ignored", label: { seq, record in "\(name) row \(seq): FHE key generation \(record.generation)" })
        violations += unverified
        for (seq, record) in accepted {
            func bad(_ message: String) {
                violations.append(Violation(kind: .badFHEKeyTransition, table: name, seq: seq, message: "\(name) row \(seq): \(message); it is ignored"))
            }
            let previous = chain.last?.record
            let expectedGeneration = (previous?.generation ?? 1) + 1
            let expectedSource = previous?.firstSeq ?? 1
            guard record.generation == expectedGeneration, record.sourceFirstSeq == expectedSource,
                  previous.map({ $0.keyID == record.previousKeyID }) ?? true,
                  record.finalSeq >= (previous?.lastSeq ?? 0) else {
                bad("FHE key generation \(record.generation) does not continue the store's chain of FHE key generations (expected generation \(expectedGeneration) from row \(expectedSource)\(previous.map { " after key \($0.keyID.prefix(16))…" } ?? ""))")
                continue
            }
            let end = record.lastSeq >= record.firstSeq ? record.lastSeq : record.finalSeq
            let stored = StoreVerifier.storedHash(ChainedTable.ciphertexts.name, seq: end, in: db, tombstones: tombstones)
            guard stored.map(Hex.encode) == record.endHash else {
                bad("FHE key generation \(record.generation): ciphertexts row \(end) does not match the hash the key holder signed (rows changed after the rotation)")
                continue
            }
            chain.append((seq, record))
            summaries.append("FHE key rotated to generation \(record.generation) (key \(record.keyID.prefix(16))…): ciphertexts rows \(record.sourceFirstSeq)-\(record.finalSeq) re-encrypted as rows \(record.firstSeq)-\(record.lastSeq) (\(record.reason)), signed FHE key transition \(seq) of \(record.recordedAt.iso8601)")
        }
        violations.sort { ($0.seq ?? 0) < ($1.seq ?? 0) }   // row order, as Scripts/verify-store.py
        return (chain, summaries, violations)
    }
}

extension ChainedTable {
    /// Signed FHE key transitions (migration `v9-fhe-keys`, issue 27 item 1; ``FHEKeyTransition``).
    public static let fheKeyTransitions = ChainedTable(
        name: "fhe_key_transitions",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("generation", "INTEGER NOT NULL"), ("key_id", "TEXT NOT NULL"),
            ("previous_key_id", "TEXT NOT NULL"), ("parameters_fingerprint", "TEXT NOT NULL"),
            ("source_first_seq", "INTEGER NOT NULL"), ("final_seq", "INTEGER NOT NULL"), ("first_seq", "INTEGER NOT NULL"),
            ("last_seq", "INTEGER NOT NULL"), ("end_hash", "TEXT NOT NULL"), ("reason", "TEXT NOT NULL"),
            ("key_fingerprint", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 9)
}

extension FHEKeyTransition: StoredSignedRecord {
    static var storedTable: ChainedTable { .fheKeyTransitions }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), generation, CAST(key_id AS BLOB), CAST(previous_key_id AS BLOB),
        CAST(parameters_fingerprint AS BLOB), source_first_seq, final_seq, first_seq, last_seq, CAST(end_hash AS BLOB),
        CAST(reason AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB)
        """

    /// Reads a stored record (``StoredSignedRecord/stored(in:)``: the time is canonical).
    init?(stored row: StoredSignedRow) {
        guard let generation = row.integer(2), let keyID = row.text(3), let previous = row.text(4), let parameters = row.text(5),
              let sourceFirst = row.integer(6), let final = row.integer(7), let first = row.integer(8), let last = row.integer(9),
              let endHash = row.text(10), let reason = row.text(11), let fingerprint = row.text(12), let signature = row.blob(13)
        else { return nil }
        self.init(recordedAt: row.signedAt, generation: generation, keyID: keyID, previousKeyID: previous, parametersFingerprint: parameters,
                  sourceFirstSeq: sourceFirst, finalSeq: final, firstSeq: first, lastSeq: last, endHash: endHash, reason: reason,
                  keyFingerprint: fingerprint, signature: Hex.encode(signature))
    }
}
