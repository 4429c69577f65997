/// The result of ``StoreVerifier/verify(store:pinnedKey:anchor:allowUnsignedTail:progress:)``: the
/// chains checked, the signed heads checked, and every violation, first bad row of each chain first.
///
/// ```swift
/// let report = try StoreVerifier.verify(store: store, pinnedKey: key, anchor: .previous(head))
/// if !report.intact { print(report.violations[0]) }
/// ```
public struct VerificationReport: Sendable, Hashable, Codable {
    /// Whether no violation was found.
    public var intact: Bool { violations.isEmpty }
    /// The head of every chain as found in the store.
    public var chains: [ChainHead]
    /// How many signed heads are stored.
    public var signedHeads: Int
    /// When the latest stored head was signed, if any.
    public var latestSignedAt: UTCTimestamp?
    /// Rows appended after the latest signed head, per table (only tables with such rows).
    public var unsignedRows: [String: Int64]
    /// Whether an expected head file was checked.
    public var checkedExpectedHead: Bool
    /// The violations, in the order found.
    public var violations: [Violation]
    /// How many collector keys are endorsed by the pinned key.
    public var collectorKeys: Int
    /// How many ingestion signatures are stored.
    public var ingestionSignatures: Int
    /// Whether rows after the latest signed head were accepted (`--allow-unsigned-tail`).
    public var allowedUnsignedTail: Bool
    /// One sentence per valid retention tombstone: the rows dropped by policy, which the chains
    /// accept (issue 27; empty when none).
    public var retention: [String] = []
    /// The total number of rows after the latest signed head.
    public var unsignedRowCount: Int64 { unsignedRows.values.reduce(0, +) }

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - chains: the chain heads found.
    ///   - signedHeads: the number of stored signed heads.
    ///   - latestSignedAt: the latest signing time.
    ///   - unsignedRows: rows after the latest head, per table.
    ///   - checkedExpectedHead: whether a head file was compared.
    ///   - violations: the violations.
    ///   - collectorKeys: endorsed collector keys.
    ///   - ingestionSignatures: stored ingestion signatures.
    ///   - allowedUnsignedTail: whether unsigned rows were accepted.
    public init(
        chains: [ChainHead], signedHeads: Int, latestSignedAt: UTCTimestamp?, unsignedRows: [String: Int64],
        checkedExpectedHead: Bool, violations: [Violation], collectorKeys: Int = 0, ingestionSignatures: Int = 0,
        allowedUnsignedTail: Bool = false, retention: [String] = []
    ) {
        self.retention = retention
        self.collectorKeys = collectorKeys
        self.ingestionSignatures = ingestionSignatures
        self.allowedUnsignedTail = allowedUnsignedTail
        self.chains = chains
        self.signedHeads = signedHeads
        self.latestSignedAt = latestSignedAt
        self.unsignedRows = unsignedRows
        self.checkedExpectedHead = checkedExpectedHead
        self.violations = violations
    }

    enum CodingKeys: String, CodingKey {
        case intact, chains, signedHeads, latestSignedAt, unsignedRows, checkedExpectedHead, violations
        case collectorKeys, ingestionSignatures, allowedUnsignedTail, unsignedRowCount, retention
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        chains = try container.decode([ChainHead].self, forKey: .chains)
        signedHeads = try container.decode(Int.self, forKey: .signedHeads)
        latestSignedAt = try container.decodeIfPresent(UTCTimestamp.self, forKey: .latestSignedAt)
        unsignedRows = try container.decode([String: Int64].self, forKey: .unsignedRows)
        checkedExpectedHead = try container.decode(Bool.self, forKey: .checkedExpectedHead)
        violations = try container.decode([Violation].self, forKey: .violations)
        collectorKeys = try container.decodeIfPresent(Int.self, forKey: .collectorKeys) ?? 0
        ingestionSignatures = try container.decodeIfPresent(Int.self, forKey: .ingestionSignatures) ?? 0
        allowedUnsignedTail = try container.decodeIfPresent(Bool.self, forKey: .allowedUnsignedTail) ?? false
        retention = try container.decodeIfPresent([String].self, forKey: .retention) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(intact, forKey: .intact)
        try container.encode(chains, forKey: .chains)
        try container.encode(signedHeads, forKey: .signedHeads)
        try container.encodeIfPresent(latestSignedAt, forKey: .latestSignedAt)
        try container.encode(unsignedRows, forKey: .unsignedRows)
        try container.encode(checkedExpectedHead, forKey: .checkedExpectedHead)
        try container.encode(violations, forKey: .violations)
        try container.encode(collectorKeys, forKey: .collectorKeys)
        try container.encode(ingestionSignatures, forKey: .ingestionSignatures)
        try container.encode(allowedUnsignedTail, forKey: .allowedUnsignedTail)
        try container.encode(unsignedRowCount, forKey: .unsignedRowCount)
        if !retention.isEmpty { try container.encode(retention, forKey: .retention) }
    }
}
