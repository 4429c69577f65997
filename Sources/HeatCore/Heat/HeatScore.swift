/// One client's heat result: heat, trend, level and cooling flag.
///
/// ```swift
/// let score = HeatScorer().score(weeks: activity, asOf: week)
/// print(score.heat, score.trend, score.level, score.cooling)
/// ```
public struct HeatScore: Sendable, Hashable, Codable {
    /// The client's identifier (as in the input file).
    public var clientID: String
    /// Decayed, weighted activity over the window (an integer in `0...maximumHeat`).
    public var heat: Int
    /// `decayScale x (score of the last trendWeeks weeks - score of the trendWeeks before)`.
    public var trend: Int
    /// The level of ``heat``.
    public var level: HeatLevel
    /// Whether the cooling rule flags the client.
    public var cooling: Bool

    /// Creates a score.
    ///
    /// - Parameters:
    ///   - clientID: the client.
    ///   - heat: the heat.
    ///   - trend: the trend.
    ///   - level: the level.
    ///   - cooling: the cooling flag.
    public init(clientID: String, heat: Int, trend: Int, level: HeatLevel, cooling: Bool) {
        self.clientID = clientID
        self.heat = heat
        self.trend = trend
        self.level = level
        self.cooling = cooling
    }
}
