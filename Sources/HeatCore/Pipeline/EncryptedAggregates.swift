import Crypto
import Foundation
import HeatEnvelope
import HeatFHE

/// The evaluator's group aggregates (issue 14): for every manager, branch, segment and region
/// with at least `k` clients, the client count and where its two totals are, the group's heat
/// sum and its trend sum (the cooling rule's inputs), in **ciphertext pairs** (heat, trend).
///
/// The evaluator computes them from an ``EncryptedHeatRun``
/// (``Evaluator/aggregates(of:store:configuration:galoisKeys:minGroupSize:)``): a `segmented`
/// pair serves every released manager of one slot batch, each total in the manager's first slot
/// (``Group/slot``) and **zero in every other slot**; a `masked` or `nested` pair holds one
/// group's total replicated in every slot. Groups under `k` are never part of the file, so the key
/// holder cannot decrypt them; no slot of any ciphertext holds a partial sum or a single client's
/// value.
///
/// Stored in an envelope of kind ``HeatEnvelope/EnvelopeKind/encryptedAggregates`` (41) whose
/// fingerprint is the FHE parameters'. Payload (big-endian): `UInt32` header length, the
/// ``Header`` as canonical JSON (sorted keys), then per ciphertext pair
/// (``Header/ciphertextPairs``; one per group in schema `/1`), in order, `UInt32` length and the
/// heat-sum `fheCiphertext` envelope, `UInt32` length and the trend-sum envelope.
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
        /// How the sum was formed: `segmented` (window-sum ladder over the manager's slot block),
        /// `masked` (masked inner product) or `nested` (the sum of the totals of the groups one
        /// level down the hierarchy).
        public var method: String
        /// The index of the ciphertext pair holding the total (schema `/1`: the group's index).
        public var ciphertext: Int?
        /// The slot of that pair holding the total (`segmented`: the manager's first slot in its
        /// batch; otherwise 0, every slot holds it).
        public var slot: Int?

        /// Creates a group.
        ///
        /// - Parameters:
        ///   - kind: the kind.
        ///   - ref: the reference.
        ///   - clients: its size.
        ///   - method: `segmented`, `masked` or `nested`.
        ///   - ciphertext: the index of the ciphertext pair holding the total.
        ///   - slot: the slot of that pair holding it.
        public init(kind: GroupSummary.Kind, ref: String, clients: Int, method: String, ciphertext: Int? = nil, slot: Int? = nil) {
            self.kind = kind
            self.ref = ref
            self.clients = clients
            self.method = method
            self.ciphertext = ciphertext
            self.slot = slot
        }
    }

    /// The aggregates' metadata.
    public struct Header: Sendable, Codable, Equatable {
        /// The format identifier (``EncryptedAggregates/schema`` or ``EncryptedAggregates/schemaVersion1``).
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
        /// Ciphertext pairs in the payload (absent in schema `/1`: one per group).
        public var ciphertextPairs: Int?
        /// Key switches (rotations) the evaluator spent on heat and trend together (absent in
        /// schema `/1`).
        public var keySwitches: Int?
        /// The store's directory version the groups were attributed under
        /// (``DirectoryTimeline/version(in:)``; absent when the store has none). The key holder
        /// refuses aggregates of another version (``KeyHolder/decrypt(aggregates:minGroupSize:store:)``).
        public var directoryVersion: String? = nil
        /// The FHE key generation of the run the groups were summed from (issue 27 item 2; absent
        /// for generation 1, so earlier files are unchanged): the key holder refuses to decrypt
        /// them with a folder of another generation.
        public var fheGeneration: Int64? = nil
        /// The id of that generation's key (hex SHA-256 of its public key envelope's payload).
        public var fheKeyID: String? = nil
    }

    /// The format identifier written: `customerheat.aggregates/2` (segmented pairs); `/1`
    /// files (one replicated pair per group) still read.
    public static let schema = "customerheat.aggregates/2"
    /// The earlier format identifier, still read.
    public static let schemaVersion1 = "customerheat.aggregates/1"

    /// The metadata.
    public let header: Header
    /// Heat-sum ciphertexts, one per ciphertext pair, in order.
    public let heat: [Ciphertext<UInt64>]
    /// Trend-sum ciphertexts (signed), one per ciphertext pair, in order.
    public let trend: [Ciphertext<UInt64>]

    /// Creates aggregates.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - heat: heat-sum ciphertexts, one per pair.
    ///   - trend: trend-sum ciphertexts, one per pair.
    public init(header: Header, heat: [Ciphertext<UInt64>], trend: [Ciphertext<UInt64>]) {
        self.header = header
        self.heat = heat
        self.trend = trend
    }

    /// The payload bytes (see the type's documentation).
    public func payload() -> Data {
        var writer = PipelinePayloadWriter()
        writer.putHeader(header)
        for index in heat.indices {
            writer.putCiphertext(heat[index])
            writer.putCiphertext(trend[index])
        }
        return writer.data
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
        var reader = PipelinePayloadReader([UInt8](envelope.payload), source: source)
        let header = try reader.header(Header.self, what: "aggregates")
        guard header.schema == Self.schema || header.schema == Self.schemaVersion1 else {
            throw .malformed(source: source, reason: "schema \(header.schema) is neither \(Self.schema) nor \(Self.schemaVersion1)")
        }
        let pairs = header.schema == Self.schemaVersion1 ? header.groups.count : (header.ciphertextPairs ?? -1)
        guard pairs >= 0, pairs <= reader.remaining / 8 else {
            throw .malformed(source: source, reason: "header field ciphertextPairs is missing or out of range")
        }
        for (index, group) in header.groups.enumerated() {
            let pair = group.ciphertext ?? index
            guard pair >= 0, pair < pairs, (group.slot ?? 0) >= 0, (group.slot ?? 0) < context.degree else {
                throw .malformed(source: source, reason: "header group \(index) (\(group.kind.rawValue)) points at ciphertext \(pair) slot \(group.slot ?? 0), outside the payload")
            }
        }
        var heat: [Ciphertext<UInt64>] = []
        var trend: [Ciphertext<UInt64>] = []
        for index in 0..<pairs {
            heat.append(try reader.ciphertext("ciphertext pair \(index) heat", context: context))
            trend.append(try reader.ciphertext("ciphertext pair \(index) trend", context: context))
        }
        try reader.finish(after: "the last ciphertext pair")
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
/// let totals = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: policy.minGroupSize)   // [GroupAggregate]
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
