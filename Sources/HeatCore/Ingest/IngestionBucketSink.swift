import GRDB

/// One client x ISO week x channel x direction total of new (de-duplicated) events from one
/// ingestion run, as ``StoreIngestor`` hands it to an ``IngestionBucketSink``.
public struct IngestedBucket: Sendable, Hashable {
    /// The client's directory slot index.
    public var slot: Int64
    /// The ISO week (UTC).
    public var week: ISOWeek
    /// The channel.
    public var channel: Channel
    /// The direction.
    public var direction: Direction
    /// New events.
    public var events: Int64
    /// Their total duration in seconds.
    public var durationSeconds: Int64
    /// Those replied to within 48 hours.
    public var replies: Int64

    /// Creates a total.
    ///
    /// - Parameters:
    ///   - slot: the slot index.
    ///   - week: the ISO week.
    ///   - channel: the channel.
    ///   - direction: the direction.
    ///   - events: new events.
    ///   - durationSeconds: their total duration.
    ///   - replies: replies within 48 h.
    public init(
        slot: Int64, week: ISOWeek, channel: Channel, direction: Direction, events: Int64, durationSeconds: Int64,
        replies: Int64
    ) {
        self.slot = slot
        self.week = week
        self.channel = channel
        self.direction = direction
        self.events = events
        self.durationSeconds = durationSeconds
        self.replies = replies
    }
}

/// What an ``IngestionBucketSink`` appended, for the run's output hash and audit parameters.
public struct IngestionBucketSinkResult: Sendable {
    /// The storage mode recorded in the run (`encrypted`).
    public var mode: String
    /// Ciphertexts appended.
    public var ciphertexts: Int
    /// The new head (`seq`, `row_hash`) of each chain appended to, hashed into the run's output hash.
    public var chains: [(table: String, seq: Int64, hash: [UInt8])]
    /// Extra audit parameters (no raw identifiers).
    public var parameters: [String: String]

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - mode: the storage mode.
    ///   - ciphertexts: ciphertexts appended.
    ///   - chains: the new chain heads.
    ///   - parameters: extra audit parameters.
    public init(mode: String, ciphertexts: Int, chains: [(table: String, seq: Int64, hash: [UInt8])], parameters: [String: String]) {
        self.mode = mode
        self.ciphertexts = ciphertexts
        self.chains = chains
        self.parameters = parameters
    }
}

/// Receives an ingestion's new bucket totals inside its transaction, instead of the plaintext
/// `weekly_buckets` rows: the encrypted pipeline's ``Collector`` packs and encrypts them.
///
/// ```swift
/// var ingestor = StoreIngestor(key: key)
/// ingestor.bucketSink = collector
/// ```
public protocol IngestionBucketSink: Sendable {
    /// Appends the totals of one run.
    ///
    /// - Parameters:
    ///   - buckets: the run's new totals, sorted by slot, week, channel and direction.
    ///   - run: the ingestion's computation run number.
    ///   - db: the connection, inside the ingestion's write transaction.
    /// - Returns: what was appended.
    /// - Throws: any error, which rolls the whole ingestion back.
    func append(_ buckets: [IngestedBucket], run: Int64, in db: Database) throws -> IngestionBucketSinkResult
}
