/// One client's activity in one ISO week: a bucket per channel and direction (eight buckets).
///
/// ```swift
/// var week = WeekActivity()
/// week[.call, .inbound].count = 2
/// week.totalCount   // 2
/// ```
public struct WeekActivity: Sendable, Hashable, Codable {
    /// The buckets in the order of ``WeekActivity/bucketIndex(channel:direction:)``.
    public private(set) var buckets: [ActivityBucket]

    /// The number of buckets per week (channels x directions).
    public static let bucketCount = Channel.allCases.count * Direction.allCases.count

    /// Creates an empty week.
    public init() { buckets = Array(repeating: ActivityBucket(), count: Self.bucketCount) }

    /// The position of a channel and direction's bucket: channel index x 2 + direction index
    /// (call, email, meeting, message; inbound, outbound).
    public static func bucketIndex(channel: Channel, direction: Direction) -> Int {
        let c: Int
        switch channel {
        case .call: c = 0
        case .email: c = 1
        case .meeting: c = 2
        case .message: c = 3
        }
        return c * 2 + (direction == .inbound ? 0 : 1)
    }

    /// The bucket of a channel and direction.
    public subscript(channel: Channel, direction: Direction) -> ActivityBucket {
        get { buckets[Self.bucketIndex(channel: channel, direction: direction)] }
        set { buckets[Self.bucketIndex(channel: channel, direction: direction)] = newValue }
    }

    /// Interactions in the week over all buckets (uncapped).
    public var totalCount: Int { buckets.reduce(0) { $0 + $1.count } }

    /// Interactions in the week on one channel (uncapped).
    public func count(on channel: Channel) -> Int {
        self[channel, .inbound].count + self[channel, .outbound].count
    }
}
