/// One client of the store's pseudonymous directory, as listed by `heatctl clients`.
///
/// ```swift
/// let entries = try ClientDirectory.entries(in: store, filter: ClientFilter(segment: "affluent"))
/// print(entries.first?.ref ?? "none")   // "C-7f3a9c2e"
/// ```
public struct ClientDirectoryEntry: Sendable, Hashable, Codable {
    /// The client's display reference (`C-` and 8 hex digits, 12 on a collision).
    public var ref: String
    /// The full 32-byte HMAC pseudonym as hex.
    public var pseudonym: String
    /// The client's slot index (its position in batched ciphertexts).
    public var slot: Int64
    /// The masked manager reference, when known.
    public var manager: String?
    /// The masked branch reference, when known.
    public var branch: String?
    /// The segment, when a clients file gave it.
    public var segment: String?
    /// The region, when a clients file gave it.
    public var region: String?
    /// The opening date, when a clients file gave it.
    public var openedOn: CalendarDate?
    /// Events stored for the client (sum of its bucket deltas).
    public var events: Int64
    /// The latest ISO week with events, if any.
    public var lastWeek: ISOWeek?
    /// The client's heat (plaintext, from the stored buckets), when scored.
    public var heat: Int?
    /// The client's trend, when scored.
    public var trend: Int?
    /// The client's heat level, when scored.
    public var level: HeatLevel?
    /// Whether the relationship is cooling, when scored.
    public var cooling: Bool?

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - ref: the display reference.
    ///   - pseudonym: the full pseudonym hex.
    ///   - slot: the slot index.
    ///   - manager: the masked manager reference.
    ///   - branch: the masked branch reference.
    ///   - segment: the segment.
    ///   - region: the region.
    ///   - openedOn: the opening date.
    ///   - events: events stored.
    ///   - lastWeek: the latest week with events.
    public init(
        ref: String, pseudonym: String, slot: Int64, manager: String?, branch: String?, segment: String?,
        region: String?, openedOn: CalendarDate?, events: Int64, lastWeek: ISOWeek?
    ) {
        self.ref = ref
        self.pseudonym = pseudonym
        self.slot = slot
        self.manager = manager
        self.branch = branch
        self.segment = segment
        self.region = region
        self.openedOn = openedOn
        self.events = events
        self.lastWeek = lastWeek
        self.heat = nil
        self.trend = nil
        self.level = nil
        self.cooling = nil
    }
}
