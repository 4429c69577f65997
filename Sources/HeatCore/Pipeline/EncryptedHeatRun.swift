import Crypto
import Foundation
import HeatEnvelope
import HeatFHE

/// The evaluator's output (`heatctl evaluate --out run.heat`): per slot batch, one ciphertext of
/// every client's heat and one of every client's trend, with the run's metadata.
///
/// Stored in an envelope of kind ``HeatEnvelope/EnvelopeKind/encryptedHeatRun`` (40) whose
/// fingerprint is the FHE parameters'. Payload (big-endian): `UInt32` header length, the
/// ``Header`` as canonical JSON (sorted keys), `UInt32` batch count, then per batch `UInt32`
/// batch index, `UInt32` length and the heat ciphertext's `fheCiphertext` envelope, `UInt32`
/// length and the trend ciphertext's envelope. The file holds no timestamp, so re-running the
/// same evaluation gives the same bytes and the same ``outputHash``.
///
/// ```swift
/// let run = try evaluator.evaluate(store: store, configuration: configuration)
/// try run.envelope().write(to: URL(filePath: "run.heat"))
/// ```
public struct EncryptedHeatRun: Sendable {
    /// The run's metadata.
    public struct Header: Sendable, Codable, Equatable {
        /// The format identifier, `customerheat.evaluation/1`.
        public var schema: String
        /// The packing of the inputs (``HeatPacking/weeklyScore``).
        public var packing: String
        /// ``HeatPacking/packingHash(of:)`` of the configuration.
        public var packingHash: String
        /// ``HeatPacking/configurationHash(of:)`` of the configuration.
        public var configurationHash: String
        /// The reference date of the results.
        public var asOf: CalendarDate
        /// The reference ISO week (`asOf`'s week).
        public var asOfWeek: String
        /// The FHE parameters' name.
        public var parameters: String
        /// The FHE parameters' fingerprint (hex).
        public var parametersFingerprint: String
        /// SHA-256 (hex) over the inputs: the ciphertext chain head, the configuration and the reference week.
        public var inputHash: String
        /// The last `ciphertexts.seq` read (an auditor re-runs with this bound).
        public var ciphertextsThroughSeq: Int64
        /// Ciphertexts read (deltas included).
        public var ciphertextsRead: Int
        /// Slots per batch (`N`).
        public var slotsPerBatch: Int
        /// The batch indices present, ascending.
        public var batches: [Int]
        /// Multiplicative depth of the circuit (0: additions and plaintext-constant products only).
        public var multiplicativeDepth: Int
    }

    /// The format identifier.
    public static let schema = "customerheat.evaluation/1"

    /// The metadata.
    public let header: Header
    /// Heat ciphertexts by batch index.
    public let heat: [Int: Ciphertext<UInt64>]
    /// Trend ciphertexts by batch index (signed, decoded centred).
    public let trend: [Int: Ciphertext<UInt64>]

    /// Creates a run.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - heat: heat ciphertexts by batch.
    ///   - trend: trend ciphertexts by batch.
    public init(header: Header, heat: [Int: Ciphertext<UInt64>], trend: [Int: Ciphertext<UInt64>]) {
        self.header = header
        self.heat = heat
        self.trend = trend
    }

    /// The payload bytes (see the type's documentation).
    public func payload() -> Data {
        var bytes: [UInt8] = []
        func put(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = [UInt8]((try? encoder.encode(header)) ?? Data())
        put(UInt32(json.count))
        bytes += json
        let batches = header.batches
        put(UInt32(batches.count))
        for batch in batches {
            put(UInt32(batch))
            for ciphertext in [heat[batch], trend[batch]] {
                let data = [UInt8](ciphertext.map { Bfv64.envelope(of: $0).serialized() } ?? Data())
                put(UInt32(data.count))
                bytes += data
            }
        }
        return Data(bytes)
    }

    /// The run as an envelope of kind `encryptedHeatRun`.
    public func envelope() -> Envelope {
        let fingerprint = Fingerprint(bytes: Hex.decode(header.parametersFingerprint) ?? []) ?? .none
        return Envelope(kind: .encryptedHeatRun, fingerprint: fingerprint, payload: payload())
    }

    /// SHA-256 (hex) of the payload: the output hash logged in the computation log.
    public var outputHash: String { Hex.encode(SHA256.hash(data: payload())) }

    /// Decodes a run made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: an `encryptedHeatRun` envelope.
    ///   - context: the key holder's (or auditor's) context.
    ///   - source: a name for messages.
    /// - Throws: ``PipelineError/parameterMismatch(source:expected:found:)`` or ``PipelineError/malformed(source:reason:)``.
    public init(envelope: Envelope, context: BfvContext<UInt64>, source: String) throws(PipelineError) {
        guard envelope.kind == .encryptedHeatRun else {
            throw .fhe(.envelope(.wrongKind(source: source, expected: .encryptedHeatRun, found: envelope.kind)))
        }
        guard envelope.fingerprint == context.fingerprint else {
            throw .parameterMismatch(source: source, expected: context.fingerprint.hex, found: envelope.fingerprint.hex)
        }
        let bytes = [UInt8](envelope.payload)
        var position = 0
        func take(_ field: String) throws(PipelineError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
            let value = bytes[position..<(position + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            position += 4
            return value
        }
        func slice(_ count: Int, _ field: String) throws(PipelineError) -> [UInt8] {
            guard count <= bytes.count - position else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }
        let headerLength = Int(try take("the header length"))
        let headerBytes = try slice(headerLength, "the header")
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw .malformed(source: source, reason: "the run header is not valid JSON (\(error))")
        }
        guard header.schema == Self.schema else {
            throw .malformed(source: source, reason: "schema \(header.schema) is not \(Self.schema)")
        }
        let count = Int(try take("the batch count"))
        var heat: [Int: Ciphertext<UInt64>] = [:]
        var trend: [Int: Ciphertext<UInt64>] = [:]
        for index in 0..<count {
            let batch = Int(try take("batch \(index)"))
            for kind in ["heat", "trend"] {
                let length = Int(try take("batch \(batch) \(kind) length"))
                let data = try slice(length, "batch \(batch) \(kind)")
                do {
                    // A ciphertext or a seeded one (kind 30); the decoder checks the kind.
                    let inner = try Envelope(decoding: Data(data), source: "\(source) batch \(batch) \(kind)")
                    let ciphertext = try Bfv64.ciphertext(envelope: inner, context: context, source: "\(source) batch \(batch) \(kind)")
                    if kind == "heat" { heat[batch] = ciphertext } else { trend[batch] = ciphertext }
                } catch let error as EnvelopeError {
                    throw .fhe(.envelope(error))
                } catch let error as FHEError {
                    throw .fhe(error)
                } catch {
                    throw .malformed(source: source, reason: "\(error)")
                }
            }
        }
        guard position == bytes.count else { throw .malformed(source: source, reason: "\(bytes.count - position) bytes follow the last batch") }
        guard Set(heat.keys) == Set(header.batches), Set(trend.keys) == Set(header.batches) else {
            throw .malformed(source: source, reason: "the batches do not match the header")
        }
        self.header = header
        self.heat = heat
        self.trend = trend
    }

    /// Reads a run file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - context: the reader's context.
    /// - Throws: ``PipelineError``.
    public static func read(from url: URL, context: BfvContext<UInt64>) throws(PipelineError) -> EncryptedHeatRun {
        do {
            let envelope = try Envelope.read(from: url, expecting: .encryptedHeatRun)
            return try EncryptedHeatRun(envelope: envelope, context: context, source: url.path)
        } catch let error as PipelineError {
            throw error
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch {
            throw .malformed(source: url.path, reason: "\(error)")
        }
    }
}
