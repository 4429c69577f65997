import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The header of an encrypted score file (``EncryptedScores``): what its kind, schema and
/// parameters are, and which slot batches it holds.
///
/// ```swift
/// let kind = EncryptedScoreRun.Header.envelopeKind   // .encryptedScores (55)
/// ```
public protocol EncryptedScoresHeader: Sendable, Codable, Equatable {
    /// The format identifier of files with this header.
    static var schema: String { get }
    /// The envelope kind of files with this header.
    static var envelopeKind: EnvelopeKind { get }
    /// What the file holds, for messages (`scores`, `tree scores`).
    static var contents: String { get }
    /// The file's format identifier (``schema``).
    var schema: String { get }
    /// The parameters' fingerprint (hex).
    var parametersFingerprint: String { get }
    /// The batch indices, ascending.
    var batches: [Int] { get }
    /// SHA-256 (hex) of the inputs the scores were computed from.
    var inputHash: String { get }
    /// The FHE key generation the scores were computed under (`nil`: generation 1; issue 27).
    var fheGeneration: Int64? { get }
    /// The id of that generation's key, when recorded.
    var fheKeyID: String? { get }
}

/// Encrypted scores by slot batch under a header: one ciphertext per batch whose slot `i` holds
/// the integer score of the client in directory slot `batch * N + i` (signed, decoded centred).
/// The logistic scores of `heatctl evaluate --model` (``EncryptedScoreRun``, kind 55) and the
/// boosted-tree scores of `evaluate --tree-inputs` (``EncryptedTreeScoreRun``, kind 57) are this
/// type with their own header; the key holder decrypts, links and releases both the same way.
///
/// Payload (big-endian, ``CiphertextBatches``): UInt32 header length, the header as sorted-key
/// JSON (it carries the integer model, so the key holder can apply the link), UInt32 batch count,
/// then per batch UInt32 batch index, UInt32 length and a ciphertext envelope. Runs are
/// deterministic: the same inputs and model give the same bytes.
///
/// ```swift
/// let scores = try evaluator.score(features: features, model: model)
/// try scores.envelope().write(to: URL(filePath: "scores.heat"))
/// let back = try EncryptedScoreRun.read(from: URL(filePath: "scores.heat"), context: keyHolder.context)
/// ```
public struct EncryptedScores<H: EncryptedScoresHeader>: Sendable {
    /// The header type (``LogisticScoresHeader`` or ``TreeScoresHeader``).
    public typealias Header = H

    /// The metadata.
    public let header: Header
    /// Score ciphertexts by batch (signed, decoded centred).
    public let scores: [Int: Ciphertext<UInt64>]

    /// The format identifier (the header's).
    public static var schema: String { Header.schema }

    /// Creates a run.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - scores: the score ciphertexts by batch.
    public init(header: Header, scores: [Int: Ciphertext<UInt64>]) {
        self.header = header
        self.scores = scores
    }

    /// The payload bytes.
    public func payload() -> Data {
        CiphertextBatches.payload(header: header, batches: header.batches) { [scores[$0]] }
    }

    /// SHA-256 (hex) of the payload: the output hash logged in the computation log.
    public var outputHash: String { Hex.encode(SHA256.hash(data: payload())) }

    /// The run as an envelope of the header's kind.
    public func envelope() -> Envelope {
        let fingerprint = Fingerprint(bytes: Hex.decode(header.parametersFingerprint) ?? []) ?? .none
        return Envelope(kind: Header.envelopeKind, fingerprint: fingerprint, payload: payload())
    }

    /// Decodes a run made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: an envelope of the header's kind.
    ///   - context: the reader's context.
    ///   - source: the file, for messages.
    /// - Throws: ``PipelineError`` for another kind or parameters, a truncated payload, a bad header.
    public init(envelope: Envelope, context: BfvContext<UInt64>, source: String) throws(PipelineError) {
        let opened = try CiphertextBatches.open(
            envelope, kind: Header.envelopeKind, context: context, source: source, what: Header.contents, schema: \H.schema,
            expected: Header.schema)
        var reader = opened.reader
        let batches = try CiphertextBatches.read(&reader, names: [""], context: context, batches: opened.header.batches)
        self.header = opened.header
        self.scores = batches.compactMapValues(\.first)
    }

    /// Reads a scores file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - context: the reader's context.
    /// - Returns: the run.
    /// - Throws: ``PipelineError`` (exit 65 for a corrupt or wrong-kind file, 66 when missing).
    public static func read(from url: URL, context: BfvContext<UInt64>) throws(PipelineError) -> EncryptedScores {
        do {
            let envelope = try Envelope.read(from: url, expecting: Header.envelopeKind)
            return try EncryptedScores(envelope: envelope, context: context, source: url.path)
        } catch let error as PipelineError {
            throw error
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch {
            throw .malformed(source: url.path, reason: "\(error)")
        }
    }
}

/// The evaluator's encrypted churn-model scores (`heatctl evaluate --model`, kind 55): per batch
/// `bias + Σ weights[j] * feature[j]` computed from the encrypted features
/// (``EncryptedFeatures``) with plaintext-constant products and sums only (multiplicative depth 0).
///
/// ```swift
/// let (run, _) = try evaluator.scoreAndRecord(store: store, model: model, featureSet: ChurnFeatureSet())
/// try run.checkDirectory(of: store, source: "scores.heat")
/// ```
public typealias EncryptedScoreRun = EncryptedScores<LogisticScoresHeader>

/// The header of logistic scores (``EncryptedScoreRun``).
public struct LogisticScoresHeader: EncryptedScoresHeader {
    /// `customerheat.scores/1`.
    public static let schema = "customerheat.scores/1"
    /// `encryptedScores` (55).
    public static let envelopeKind = EnvelopeKind.encryptedScores
    /// `scores`.
    public static let contents = "scores"

    /// ``EncryptedScores/schema``.
    public var schema: String
    /// The integer model the scores come from.
    public var model: EncryptedLogisticModel
    /// The feature windows in weeks.
    public var windows: [Int]
    /// The reference ISO week of the features.
    public var asOfWeek: String
    /// The BFV preset name.
    public var parameters: String
    /// The parameters' fingerprint (hex).
    public var parametersFingerprint: String
    /// SHA-256 of the inputs (``EncryptedFeatures/inputHash``).
    public var inputHash: String
    /// Slots per ciphertext.
    public var slotsPerBatch: Int
    /// The batch indices, ascending.
    public var batches: [Int]
    /// Multiplicative depth of the circuit (0).
    public var multiplicativeDepth: Int
    /// The client directory the scores were computed on; the key holder refuses to decrypt
    /// them once it has changed (``DirectorySnapshot``). `nil` only in files written before
    /// issue 15's stale-score check, which are refused as unbound.
    public var directory: DirectorySnapshot? = nil
    /// The FHE key generation the scores were computed under (issue 27 item 2; absent for
    /// generation 1, so files of stores never rotated are unchanged): the key holder refuses to
    /// decrypt them with a folder of another generation.
    public var fheGeneration: Int64? = nil
    /// The id of that generation's key (hex SHA-256 of its public key envelope's payload).
    public var fheKeyID: String? = nil
}

extension EncryptedScores where H == LogisticScoresHeader {
    /// Checks that the store's client directory is the one the scores were computed on.
    ///
    /// - Parameters:
    ///   - store: the store the scores are released from.
    ///   - source: the scores file, for messages.
    /// - Throws: ``ScoringError/staleDirectory(source:reason:)`` (exit 65) when the header holds no
    ///   directory snapshot or clients were ingested or removed since `evaluate --model`;
    ///   ``StoreError``.
    public func checkDirectory(of store: HeatStore, source: String) throws {
        try checkDirectory(current: DirectorySnapshot.current(in: store), source: source)
    }

    /// Checks the scores' directory snapshot against `current` (see ``checkDirectory(of:source:)``).
    func checkDirectory(current: DirectorySnapshot, source: String) throws {
        guard let snapshot = header.directory else {
            throw ScoringError.staleDirectory(
                source: source, reason: "field directory: missing, so the scores cannot be matched to the clients they were computed for")
        }
        try snapshot.check(current: current, source: source)
    }
}

extension Evaluator {
    /// Applies an integer logistic model to encrypted features: per batch
    /// `bias + Σ weights[j] * feature[j]` (``HeatFHE/Bfv64/multiplyAdd(_:_:by:)`` per weight, one
    /// plaintext addition for the bias). No slot is ever decrypted or compared here: the evaluator
    /// sees only ciphertexts and the public weights.
    ///
    /// - Parameters:
    ///   - features: the encrypted features.
    ///   - model: the integer model (its features must belong to the feature set).
    /// - Returns: the encrypted scores.
    /// - Throws: ``ScoringError/scoreTooLarge(preset:bound:fitting:)`` (exit 69) when `t` cannot
    ///   hold every score, ``PipelineError/fhe(_:)``.
    public func score(features: EncryptedFeatures, model: EncryptedLogisticModel) throws -> EncryptedScoreRun {
        try model.check(parameters: context.parameters)
        let names = features.featureSet.names
        for name in model.features where !names.contains(name) {
            throw ScoringError.unsupportedModel(source: "the model", reason: "field features: \(name) is not computed by this feature set")
        }
        let columns = model.columnIndices(in: features.featureSet)
        let weights = model.weights
        let bfv = context
        let bias: Plaintext<UInt64>
        do throws(FHEError) {
            bias = try BfvEncoder(context: bfv).encode(signed: [Int64](repeating: Int64(model.bias), count: bfv.degree), encoding: .batch)
        } catch {
            throw PipelineError.fhe(error)
        }
        // Erased clients (issue 27): their features are 0, so their score is the bias; a batch
        // holding an erased slot adds a bias that is 0 there (no ciphertext product, no noise).
        var biasByBatch: [Int: Plaintext<UInt64>] = [:]
        let n = Int64(bfv.degree)
        for slot in features.erasedSlots where slot >= 0 {
            let batch = Int(slot / n)
            guard biasByBatch[batch] == nil else { continue }
            var values = [Int64](repeating: Int64(model.bias), count: bfv.degree)
            for other in features.erasedSlots where other >= 0 && Int(other / n) == batch { values[Int(other % n)] = 0 }
            do throws(FHEError) {
                biasByBatch[batch] = try BfvEncoder(context: bfv).encode(signed: values, encoding: .batch)
            } catch {
                throw PipelineError.fhe(error)
            }
        }
        let batchList = features.batches.keys.sorted()
        let inputs: [(ciphertexts: [Ciphertext<UInt64>], bias: Plaintext<UInt64>)] = batchList.map {
            (features.batches[$0] ?? [], biasByBatch[$0] ?? bias)
        }
        let perBatch = try Self.parallelMap(inputs) { input throws(PipelineError) -> Ciphertext<UInt64> in
            let ciphertexts = input.ciphertexts
            var sum = try Self.zero(context: bfv, signedness: .signed)
            for (weight, column) in zip(weights, columns) where column < ciphertexts.count {
                Bfv64.multiplyAdd(&sum, ciphertexts[column], by: Int64(weight))
            }
            do throws(FHEError) {
                return try BfvEvaluator(context: bfv).add(sum, input.bias)
            } catch {
                throw .fhe(error)
            }
        }
        var scores: [Int: Ciphertext<UInt64>] = [:]
        for (index, batch) in batchList.enumerated() { scores[batch] = perBatch[index] }
        let header = EncryptedScoreRun.Header(
            schema: EncryptedScoreRun.schema, model: model, windows: features.featureSet.windows,
            asOfWeek: features.referenceWeek.description, parameters: bfv.parameters.name,
            parametersFingerprint: bfv.fingerprint.hex, inputHash: features.inputHash, slotsPerBatch: bfv.degree,
            batches: batchList, multiplicativeDepth: 0, directory: features.directory,
            fheGeneration: features.heatRun.header.fheGeneration, fheKeyID: features.heatRun.header.fheKeyID)
        return EncryptedScoreRun(header: header, scores: scores)
    }

    /// Computes the features, scores them and logs the run (computation log and audit log, kind
    /// `score`, role `evaluator`) with its input and output hashes. The log entry is written only
    /// if the client directory, re-read inside the same write transaction, is still the one the
    /// features were computed on (else ``ScoringError/staleDirectory(source:reason:)``, exit 65:
    /// clients were ingested while scoring).
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - model: the integer model.
    ///   - featureSet: the feature set.
    ///   - asOf: the reference date.
    /// - Returns: the scores and their number in the computation log.
    /// - Throws: as ``evaluateFeatures(store:featureSet:asOf:)`` and ``score(features:model:)``.
    public func scoreAndRecord(
        store: HeatStore, model: EncryptedLogisticModel, featureSet: ChurnFeatureSet, asOf: CalendarDate? = nil
    ) throws -> (run: EncryptedScoreRun, number: Int64) {
        let started = UTCTimestamp.now()
        let features = try evaluateFeatures(store: store, featureSet: featureSet, asOf: asOf)
        let run = try score(features: features, model: model)
        let number = try ComputationLog.record(
            ComputationRun(
                startedAt: started, finishedAt: .now(), kind: "score", inputHash: run.header.inputHash, outputHash: run.outputHash,
                parameters: [
                    "asOfWeek": run.header.asOfWeek, "fheParameters": run.header.parameters,
                    "features": String(model.features.count), "windows": featureSet.windows.map(String.init).joined(separator: ","),
                    "batches": String(run.header.batches.count), "multiplicativeDepth": "0",
                ]),
            role: .evaluator, in: store,
            checking: { db in try run.checkDirectory(current: DirectorySnapshot.read(in: db), source: "the scores") })
        FaultPoint.scoreAfterCommit.reach()
        return (run, number)
    }
}
