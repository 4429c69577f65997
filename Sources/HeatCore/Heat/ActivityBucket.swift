/// The raw integer values of one bucket: one client, one ISO week (UTC), one channel, one direction.
///
/// Values are sums before capping; ``HeatConfiguration/caps`` are applied when the bucket is
/// weighted (see ``HeatScorer/weeklyScore(_:)``), and a bucket's duration units are its total
/// seconds divided by ``HeatConfiguration/durationUnitSeconds``, rounded down.
///
/// ```swift
/// var bucket = ActivityBucket()
/// bucket.count += 1
/// bucket.durationSeconds += 600
/// ```
public struct ActivityBucket: Sendable, Hashable, Codable {
    /// Number of interactions.
    public var count: Int
    /// Total duration in seconds.
    public var durationSeconds: Int
    /// Interactions replied to within the configured window.
    public var replies: Int

    /// Creates a bucket.
    ///
    /// - Parameters:
    ///   - count: interactions.
    ///   - durationSeconds: total seconds.
    ///   - replies: replies within the window.
    public init(count: Int = 0, durationSeconds: Int = 0, replies: Int = 0) {
        self.count = count
        self.durationSeconds = durationSeconds
        self.replies = replies
    }
}
