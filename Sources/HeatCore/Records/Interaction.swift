/// One interaction between a relationship manager and a client: metadata only, never content.
///
/// The fields are those of the interaction export format (DESIGN.md section 3).
///
/// ```swift
/// let call = Interaction(
///     eventID: "E-1", clientID: "C001", managerID: "M01", branch: "North",
///     channel: .call, direction: .outbound,
///     occurredAt: try UTCTimestamp(iso8601: "2026-03-02T09:30:00Z"),
///     durationSeconds: 600, repliedWithinHours: nil)
/// ```
public struct Interaction: Sendable, Hashable, Codable {
    /// The export's event identifier; derived from the other fields when absent (see ``derivedEventID``).
    public var eventID: String?
    /// The client's identifier in the bank's systems (trimmed).
    public var clientID: String
    /// The relationship manager's identifier (trimmed).
    public var managerID: String
    /// The branch name or code (trimmed).
    public var branch: String
    /// The medium.
    public var channel: Channel
    /// Who started the interaction.
    public var direction: Direction
    /// When it happened, in UTC.
    public var occurredAt: UTCTimestamp
    /// Duration in seconds (calls and meetings); `nil` when not recorded.
    public var durationSeconds: Int?
    /// Hours until a reply; `nil` when there was no reply or it is unknown.
    public var repliedWithinHours: Double?

    /// Creates an interaction record.
    public init(
        eventID: String?, clientID: String, managerID: String, branch: String,
        channel: Channel, direction: Direction, occurredAt: UTCTimestamp,
        durationSeconds: Int?, repliedWithinHours: Double?
    ) {
        self.eventID = eventID
        self.clientID = clientID
        self.managerID = managerID
        self.branch = branch
        self.channel = channel
        self.direction = direction
        self.occurredAt = occurredAt
        self.durationSeconds = durationSeconds
        self.repliedWithinHours = repliedWithinHours
    }

    /// The event identifier used for de-duplication: ``eventID`` when present, otherwise a
    /// canonical string of the normalised fields (UTC timestamp, lower-case enums, trimmed ids).
    public var derivedEventID: String {
        if let eventID, !eventID.isEmpty { return eventID }
        let duration = durationSeconds.map(String.init) ?? ""
        let reply = repliedWithinHours.map { String($0) } ?? ""
        return [
            "derived", clientID, managerID, branch, channel.rawValue, direction.rawValue,
            occurredAt.iso8601, duration, reply,
        ].joined(separator: "\u{1F}")
    }

    /// The ISO week (UTC) the interaction falls in.
    public var week: ISOWeek { occurredAt.isoWeek }
}
