/// The plaintext totals of one client x ISO week x channel x direction bucket in the store
/// (the sum of its delta rows). Test and demo data only: the encrypted pipeline stores ciphertexts.
///
/// ```swift
/// let buckets = try ClientDirectory.buckets(in: store)
/// let calls = buckets.filter { $0.channel == .call }.map(\.events).reduce(0, +)
/// ```
public struct StoredBucket: Sendable, Hashable, Codable {
    /// The client's pseudonym.
    public var client: Pseudonym
    /// The client's slot index.
    public var slot: Int64
    /// The ISO week (UTC).
    public var week: ISOWeek
    /// The channel.
    public var channel: Channel
    /// The direction.
    public var direction: Direction
    /// The number of events.
    public var events: Int64
    /// The total duration in seconds.
    public var durationSeconds: Int64
    /// Events replied to within 48 hours.
    public var replies: Int64

    /// Creates bucket totals.
    ///
    /// - Parameters:
    ///   - client: the client's pseudonym.
    ///   - slot: the slot index.
    ///   - week: the ISO week.
    ///   - channel: the channel.
    ///   - direction: the direction.
    ///   - events: the event count.
    ///   - durationSeconds: the total duration in seconds.
    ///   - replies: the replies within 48 h.
    public init(
        client: Pseudonym, slot: Int64, week: ISOWeek, channel: Channel, direction: Direction, events: Int64,
        durationSeconds: Int64, replies: Int64
    ) {
        self.client = client
        self.slot = slot
        self.week = week
        self.channel = channel
        self.direction = direction
        self.events = events
        self.durationSeconds = durationSeconds
        self.replies = replies
    }

    /// The bucket in the heat model's form (``ActivityBucket``).
    public var activityBucket: ActivityBucket {
        ActivityBucket(count: Int(events), durationSeconds: Int(durationSeconds), replies: Int(replies))
    }
}
