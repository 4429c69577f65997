import HeatML

/// BG/NBD on interaction data: for each relationship, the expected number of weeks with contact
/// in the coming weeks, the expected number of contacts, and the probability that the
/// relationship is still alive, as features beside heat.
///
/// A "purchase occasion" is an ISO week with at least one interaction (any channel and
/// direction): the buckets the store keeps are weekly, so weeks are the finest time unit.
/// Per client, up to the reference week: frequency = active weeks − 1, recency = weeks from the
/// first to the last active week, T = weeks from the first active week to the reference week.
/// ``BetaGeoModel`` is fitted over all clients; contacts per active week use a
/// ``GammaGammaModel`` fitted on the same histories (shrinking each client's own mean toward
/// the portfolio's), falling back to the client's own mean when that fit is impossible.
///
/// Limits: a relationship that the bank ends by policy, or a client who only ever receives
/// outbound contact, still counts as "alive" while contact continues; the model sees rhythm, not
/// intent. Clients with no interaction up to the reference week get no features.
///
/// ```swift
/// let lifetimes = try RelationshipLifetimes(activity: ledger.clients, asOf: asOf.isoWeek)
/// let features = lifetimes.features(for: ledger.clients["CL000001"] ?? [:], horizonWeeks: 13)
/// features?.probabilityAlive
/// ```
public struct RelationshipLifetimes: Sendable {
    /// The fitted purchase (contact-week) model, in weeks.
    public let model: BetaGeoModel
    /// The fitted contacts-per-active-week model, or `nil` when it could not be fitted.
    public let contactsPerWeek: GammaGammaModel?
    /// The reference week.
    public let asOf: ISOWeek

    /// One relationship's lifetime features.
    public struct Features: Sendable, Hashable, Codable {
        /// The relationship's history in weeks (monetary = mean contacts per repeat active week).
        public var history: RFM
        /// Expected weeks with contact in the horizon.
        public var expectedActiveWeeks: Double
        /// Expected contacts in the horizon (expected active weeks × expected contacts per active week).
        public var expectedContacts: Double
        /// Probability that the relationship is still alive at the reference week.
        public var probabilityAlive: Double
        /// Probability of at least one contact in the horizon.
        public var probabilityOfContact: Double
    }

    /// A relationship's history from its weekly activity, up to and including `asOf`.
    ///
    /// - Parameters:
    ///   - weeks: activity per ISO week.
    ///   - asOf: the reference week.
    /// - Returns: the history, or `nil` when there is no contact up to `asOf`.
    public static func history(of weeks: [ISOWeek: WeekActivity], asOf: ISOWeek) -> RFM? {
        let active = weeks.filter { $0.key <= asOf && $0.value.totalCount > 0 }.sorted { $0.key < $1.key }
        guard let first = active.first, let last = active.last else { return nil }
        let repeats = active.dropFirst()
        let perWeek = repeats.isEmpty ? 0 : Double(repeats.reduce(0) { $0 + $1.value.totalCount }) / Double(repeats.count)
        return RFM(frequency: active.count - 1, recency: Double(first.key.distance(to: last.key)),
                   age: Double(first.key.distance(to: asOf)), monetary: perWeek)
    }

    /// Fits the models on every relationship's history.
    ///
    /// - Parameters:
    ///   - activity: weekly activity per client (any key: raw ids or pseudonyms).
    ///   - asOf: the reference week.
    /// - Throws: ``LifetimesError`` when no relationship has two active weeks or the fit fails.
    public init<Key: Hashable>(activity: [Key: [ISOWeek: WeekActivity]], asOf: ISOWeek) throws(LifetimesError) {
        let histories = activity.values.compactMap { Self.history(of: $0, asOf: asOf) }
        try self.init(histories: histories, asOf: asOf)
    }

    /// Fits the models on histories.
    ///
    /// - Parameters:
    ///   - histories: one history per relationship (weeks).
    ///   - asOf: the reference week.
    /// - Throws: ``LifetimesError``.
    public init(histories: [RFM], asOf: ISOWeek) throws(LifetimesError) {
        // Deterministic order: the fit groups identical histories, but sums in input order.
        let sorted = histories.sorted { ($0.frequency, $0.recency, $0.age, $0.monetary) < ($1.frequency, $1.recency, $1.age, $1.monetary) }
        model = try BetaGeoModel.fit(sorted)
        contactsPerWeek = try? GammaGammaModel.fit(sorted)
        self.asOf = asOf
    }

    /// Creates the features from already fitted models.
    ///
    /// - Parameters:
    ///   - model: the contact-week model.
    ///   - contactsPerWeek: the contacts-per-week model, or `nil`.
    ///   - asOf: the reference week.
    public init(model: BetaGeoModel, contactsPerWeek: GammaGammaModel?, asOf: ISOWeek) {
        self.model = model
        self.contactsPerWeek = contactsPerWeek
        self.asOf = asOf
    }

    /// A relationship's features.
    ///
    /// - Parameters:
    ///   - weeks: the relationship's weekly activity.
    ///   - horizonWeeks: the forecast horizon in weeks (default 13).
    /// - Returns: the features, or `nil` without contact up to the reference week.
    public func features(for weeks: [ISOWeek: WeekActivity], horizonWeeks: Int = 13) -> Features? {
        guard let history = Self.history(of: weeks, asOf: asOf) else { return nil }
        return features(for: history, horizonWeeks: horizonWeeks)
    }

    /// The features of a history.
    ///
    /// - Parameters:
    ///   - history: the relationship's history in weeks.
    ///   - horizonWeeks: the forecast horizon in weeks.
    /// - Returns: the features.
    public func features(for history: RFM, horizonWeeks: Int = 13) -> Features {
        let horizon = Double(max(horizonWeeks, 0))
        let activeWeeks = model.expectedPurchases(in: horizon, given: history)
        var perWeek = contactsPerWeek?.expectedAverageValue(given: history) ?? .nan
        if !perWeek.isFinite || perWeek <= 0 { perWeek = history.frequency > 0 ? history.monetary : 1 }
        return Features(
            history: history, expectedActiveWeeks: activeWeeks, expectedContacts: activeWeeks * perWeek,
            probabilityAlive: model.probabilityAlive(given: history),
            probabilityOfContact: model.probabilityOfPurchase(in: horizon, given: history))
    }
}
