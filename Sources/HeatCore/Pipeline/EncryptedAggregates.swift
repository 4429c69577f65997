import Crypto
import Foundation
import HeatEnvelope
import HeatFHE

/// The evaluator's group aggregates (issue 14): for every manager, branch, segment and region
/// with at least `k` clients, the client count and two ciphertexts, the group's heat sum and its
/// trend sum (the cooling rule's inputs), each holding the group's total in **every** slot.
///
/// The evaluator computes them from an ``EncryptedHeatRun`` with masked inner products and
/// rotate-and-add (``Evaluator/aggregates(of:store:galoisKeys:minGroupSize:)``); groups under `k`
/// are never part of the file, so the key holder cannot decrypt them. No slot of any ciphertext
/// holds a partial sum or a single client's value: a total replicated in every slot is the only
/// thing a decryption reveals.
///
/// Stored in an envelope of kind ``HeatEnvelope/EnvelopeKind/encryptedAggregates`` (41) whose
/// fingerprint is the FHE parameters'. Payload (big-endian): `UInt32` header length, the
/// ``Header`` as canonical JSON (sorted keys), then per group of the header, in order, `UInt32`
/// length and the heat-sum `fheCiphertext` envelope, `UInt32` length and the trend-sum envelope.
/// Deterministic: the same run, directory and `k` give the same bytes.
///
/// ```swift
/// let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: keys, minGroupSize: 5)
/// try aggregates.envelope().write(to: URL(filePath: "groups.heat"))
/// ```
public struct EncryptedAggregates: Sendable {
    /// One released group as the evaluator sees it (pseudonymous reference and size).
    public struct Group: Sendable, Codable, Equatable {
        /// The group kind.
        public var kind: GroupSummary.Kind
        /// The manager or branch display reference, or the segment or region label.
        public var ref: String
        /// Clients in the group (the evaluator knows the pseudonymous directory).
        public var clients: Int
        /// How the sum was formed: `masked` (masked inner product) or `nested` (the sum of the
        /// totals of the groups one level down the hierarchy).
        public var method: String

        /// Creates a group.
        ///
        /// - Parameters:
        ///   - kind: the kind.
        ///   - ref: the reference.
        ///   - clients: its size.
        ///   - method: `masked` or `nested`.
        public init(kind: GroupSummary.Kind, ref: String, clients: Int, method: String) {
            self.kind = kind
            self.ref = ref
            self.clients = clients
            self.method = method
        }
    }

    /// The aggregates' metadata.
    public struct Header: Sendable, Codable, Equatable {
        /// The format identifier, `customerheat.aggregates/1`.
        public var schema: String
        /// The output hash of the run the sums were computed from.
        public var runOutputHash: String
        /// The FHE parameters' name.
        public var parameters: String
        /// The FHE parameters' fingerprint (hex).
        public var parametersFingerprint: String
        /// The reference date of the run.
        public var asOf: CalendarDate
        /// The smallest group computed (`k`); smaller groups are absent.
        public var minGroupSize: Int
        /// Groups under `k` (by kind), left out.
        public var suppressed: [String: Int]
        /// The released groups, in file order (kind order, then reference).
        public var groups: [Group]
        /// The largest possible heat sum of a released group (`maximumHeat x largest group`), which
        /// the plaintext modulus holds.
        public var largestHeatSumBound: String
    }

    /// The format identifier.
    public static let schema = "customerheat.aggregates/1"

    /// The metadata.
    public let header: Header
    /// Heat-sum ciphertexts, one per header group, in order.
    public let heat: [Ciphertext<UInt64>]
    /// Trend-sum ciphertexts (signed), one per header group, in order.
    public let trend: [Ciphertext<UInt64>]

    /// Creates aggregates.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - heat: heat sums in header order.
    ///   - trend: trend sums in header order.
    public init(header: Header, heat: [Ciphertext<UInt64>], trend: [Ciphertext<UInt64>]) {
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
        for index in header.groups.indices {
            for ciphertext in [heat[index], trend[index]] {
                let data = [UInt8](Bfv64.envelope(of: ciphertext).serialized())
                put(UInt32(data.count))
                bytes += data
            }
        }
        return Data(bytes)
    }

    /// The aggregates as an envelope of kind `encryptedAggregates`.
    public func envelope() -> Envelope {
        let fingerprint = Fingerprint(bytes: Hex.decode(header.parametersFingerprint) ?? []) ?? .none
        return Envelope(kind: .encryptedAggregates, fingerprint: fingerprint, payload: payload())
    }

    /// SHA-256 (hex) of the payload.
    public var outputHash: String { Hex.encode(SHA256.hash(data: payload())) }

    /// Decodes aggregates made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: an `encryptedAggregates` envelope.
    ///   - context: the reader's context.
    ///   - source: a name for messages.
    /// - Throws: ``PipelineError``.
    public init(envelope: Envelope, context: BfvContext<UInt64>, source: String) throws(PipelineError) {
        guard envelope.kind == .encryptedAggregates else {
            throw .fhe(.envelope(.wrongKind(source: source, expected: .encryptedAggregates, found: envelope.kind)))
        }
        guard envelope.fingerprint == context.fingerprint else {
            throw .parameterMismatch(source: source, expected: context.fingerprint.hex, found: envelope.fingerprint.hex)
        }
        let bytes = [UInt8](envelope.payload)
        var position = 0
        func take(_ field: String) throws(PipelineError) -> Int {
            guard position + 4 <= bytes.count else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
            let value = bytes[position..<(position + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            position += 4
            return Int(value)
        }
        func slice(_ count: Int, _ field: String) throws(PipelineError) -> [UInt8] {
            guard count <= bytes.count - position else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }
        let headerBytes = try slice(try take("the header length"), "the header")
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw .malformed(source: source, reason: "the aggregates header is not valid JSON (\(error))")
        }
        guard header.schema == Self.schema else {
            throw .malformed(source: source, reason: "schema \(header.schema) is not \(Self.schema)")
        }
        var heat: [Ciphertext<UInt64>] = []
        var trend: [Ciphertext<UInt64>] = []
        for (index, group) in header.groups.enumerated() {
            for kind in ["heat", "trend"] {
                let field = "group \(index) (\(group.kind.rawValue)) \(kind)"
                let data = try slice(try take("\(field) length"), field)
                do {
                    let inner = try Envelope(decoding: Data(data), expecting: .fheCiphertext, source: "\(source) \(field)")
                    let ciphertext = try Bfv64.ciphertext(envelope: inner, context: context, source: "\(source) \(field)")
                    if kind == "heat" { heat.append(ciphertext) } else { trend.append(ciphertext) }
                } catch let error as EnvelopeError {
                    throw .fhe(.envelope(error))
                } catch let error as FHEError {
                    throw .fhe(error)
                } catch {
                    throw .malformed(source: source, reason: "\(error)")
                }
            }
        }
        guard position == bytes.count else { throw .malformed(source: source, reason: "\(bytes.count - position) bytes follow the last group") }
        self.header = header
        self.heat = heat
        self.trend = trend
    }

    /// Reads an aggregates file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - context: the reader's context.
    /// - Throws: ``PipelineError``.
    public static func read(from url: URL, context: BfvContext<UInt64>) throws(PipelineError) -> EncryptedAggregates {
        do {
            let envelope = try Envelope.read(from: url, expecting: .encryptedAggregates)
            return try EncryptedAggregates(envelope: envelope, context: context, source: url.path)
        } catch let error as PipelineError {
            throw error
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch {
            throw .malformed(source: url.path, reason: "\(error)")
        }
    }
}

/// One group's exact totals as the key holder decrypts them from ``EncryptedAggregates``.
///
/// ```swift
/// let totals = try keyHolder.decrypt(aggregates: aggregates)   // [GroupAggregate]
/// ```
public struct GroupAggregate: Sendable, Codable, Hashable {
    /// The group kind.
    public var kind: GroupSummary.Kind
    /// The reference.
    public var ref: String
    /// Clients in the group.
    public var clients: Int
    /// The sum of the members' heat.
    public var heatSum: Int
    /// The sum of the members' trend (signed).
    public var trendSum: Int

    /// Creates totals.
    ///
    /// - Parameters:
    ///   - kind: the kind.
    ///   - ref: the reference.
    ///   - clients: the size.
    ///   - heatSum: the heat sum.
    ///   - trendSum: the trend sum.
    public init(kind: GroupSummary.Kind, ref: String, clients: Int, heatSum: Int, trendSum: Int) {
        self.kind = kind
        self.ref = ref
        self.clients = clients
        self.heatSum = heatSum
        self.trendSum = trendSum
    }
}
