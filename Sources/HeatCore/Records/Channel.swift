/// The medium of an interaction.
///
/// Raw values are the lower-case spellings accepted in input files.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A phone or video call.
    case call
    /// An email.
    case email
    /// A meeting in person.
    case meeting
    /// A chat or text message.
    case message

    /// Whether a duration is expected for this channel (calls and meetings).
    public var hasDuration: Bool { self == .call || self == .meeting }

    public static func < (lhs: Channel, rhs: Channel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Who started an interaction.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The client contacted the bank.
    case inbound
    /// The bank contacted the client.
    case outbound

    public static func < (lhs: Direction, rhs: Direction) -> Bool {
        lhs == .inbound && rhs == .outbound
    }
}
