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

    /// Appends the totals of one run, read one at a time (issue 14, streaming): the ingestor
    /// spills large runs to sealed sorted runs on disk, so a sink that reads `buckets` in order never holds
    /// every total of the run. The default collects them into an array (sorted by slot, week,
    /// channel and direction) and calls ``append(_:run:in:)``.
    ///
    /// - Parameters:
    ///   - buckets: the run's new totals, in order of week, then slot, channel and direction.
    ///   - run: the ingestion's computation run number.
    ///   - db: the connection, inside the ingestion's write transaction.
    /// - Returns: what was appended.
    /// - Throws: any error, which rolls the whole ingestion back.
    func append(streaming buckets: IngestedBucketStream, run: Int64, in db: Database) throws -> IngestionBucketSinkResult
}

extension IngestionBucketSink {
    /// Collects the stream into an array sorted by slot, week, channel and direction and calls
    /// ``append(_:run:in:)`` (for sinks that need the whole run at once).
    ///
    /// - Parameters:
    ///   - buckets: the run's new totals.
    ///   - run: the ingestion's computation run number.
    ///   - db: the connection, inside the ingestion's write transaction.
    /// - Returns: what was appended.
    /// - Throws: what reading the stream or ``append(_:run:in:)`` throws.
    public func append(streaming buckets: IngestedBucketStream, run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
        var all: [IngestedBucket] = []
        try buckets.forEach { all.append($0) }
        all.sort { IngestedBucketStream.slotOrder($0, $1) }
        return try append(all, run: run, in: db)
    }
}

/// One ingestion run's new bucket totals, read one at a time in order of week, then slot, channel
/// and direction (issue 14, streaming): either an array (a run small enough to stay in memory) or
/// the ingestor's sealed sorted runs, merged as they are read, so memory does not grow with the run.
///
/// ```swift
/// try buckets.forEach { bucket in print(bucket.week, bucket.slot) }
/// ```
public struct IngestedBucketStream {
    enum Source {
        case array([IngestedBucket])
        /// Totals already sorted in the order of their keys (week-first, or slot-first with `bySlot`).
        case sorted([(key: SpillKey, value: SpillTotals)], bySlot: Bool)
        /// The ingestor's sealed runs (``SealedSpill``), merged in the order of their keys.
        case spill(SealedSpill)
    }

    let source: Source

    /// How many totals the stream holds.
    public let count: Int

    /// How many sorted runs the ingestor spilled for this stream (0 when held in memory).
    var spilledRuns: Int {
        if case .spill(let spill) = source { return spill.runCount }
        return 0
    }

    /// A stream over totals held in memory (sorted here into week, slot, channel, direction order).
    ///
    /// - Parameter buckets: the totals, in any order.
    public init(_ buckets: [IngestedBucket]) {
        self.source = .array(buckets.sorted { Self.weekOrder($0, $1) })
        self.count = buckets.count
    }

    /// A stream over totals sorted by their keys (each key once).
    init(sorted totals: [(key: SpillKey, value: SpillTotals)], bySlot: Bool) {
        self.source = .sorted(totals, bySlot: bySlot)
        self.count = totals.count
    }

    /// A stream over the ingestor's sealed runs (after ``SealedSpill/finish()``).
    init(spill: SealedSpill) {
        self.source = .spill(spill)
        self.count = spill.count
    }

    /// Calls `body` with each total, in order of week, then slot, channel and direction.
    ///
    /// - Parameter body: the work per total.
    /// - Throws: what `body` throws, or ``StoreIngestorError/spillUnreadable(reason:)`` reading
    ///   the sealed runs back.
    public func forEach(_ body: (IngestedBucket) throws -> Void) throws {
        try forEach(bySlot: false, body)
    }

    /// Calls `body` with each total in week order, or (with `bySlot`) in slot, week, channel,
    /// direction order (the plaintext rows' order).
    func forEach(bySlot: Bool, _ body: (IngestedBucket) throws -> Void) throws {
        switch source {
        case .array(let buckets):
            if bySlot {
                for bucket in buckets.sorted(by: { Self.slotOrder($0, $1) }) { try body(bucket) }
            } else {
                for bucket in buckets { try body(bucket) }
            }
        case .sorted(let totals, let sortedBySlot):
            if sortedBySlot == bySlot {
                for (key, value) in totals { try body(try Self.bucket(key, value, bySlot: bySlot)) }
            } else {
                // Another order than the one sorted in: re-sort (memory grows with the run).
                let buckets = try totals.map { key, value in try Self.bucket(key, value, bySlot: sortedBySlot) }
                for bucket in buckets.sorted(by: bySlot ? Self.slotOrder : Self.weekOrder) { try body(bucket) }
            }
        case .spill(let spill):
            if spill.bySlot == bySlot {
                try spill.merge { key, value in try body(try Self.bucket(key, value, bySlot: bySlot)) }
            } else {
                var buckets: [IngestedBucket] = []
                try spill.merge { key, value in buckets.append(try Self.bucket(key, value, bySlot: spill.bySlot)) }
                for bucket in buckets.sorted(by: bySlot ? Self.slotOrder : Self.weekOrder) { try body(bucket) }
            }
        }
    }

    private static func bucket(_ key: SpillKey, _ value: SpillTotals, bySlot: Bool) throws -> IngestedBucket {
        guard let bucket = key.bucket(value, bySlot: bySlot) else {
            throw StoreIngestorError.spillUnreadable(reason: "a total with an impossible week, channel or direction")
        }
        return bucket
    }

    /// The stream's order: week, then slot, channel and direction.
    static func weekOrder(_ a: IngestedBucket, _ b: IngestedBucket) -> Bool {
        (a.week, a.slot, a.channel.rawValue, a.direction.rawValue) < (b.week, b.slot, b.channel.rawValue, b.direction.rawValue)
    }

    /// The plaintext rows' order: slot, then week, channel and direction.
    static func slotOrder(_ a: IngestedBucket, _ b: IngestedBucket) -> Bool {
        (a.slot, a.week, a.channel.rawValue, a.direction.rawValue) < (b.slot, b.week, b.channel.rawValue, b.direction.rawValue)
    }
}
