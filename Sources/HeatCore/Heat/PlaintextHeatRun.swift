/// The plaintext heat pipeline in one call: bucket interactions (de-duplicated by event id),
/// pick the reference date, score every client.
///
/// ```swift
/// let report = try InteractionReader().read(contentsOf: url)
/// let run = try PlaintextHeatRun(interactions: report.records, clients: [], configuration: HeatConfiguration())
/// run.scores.first?.heat
/// ```
public struct PlaintextHeatRun: Sendable {
    /// The bucketed interactions.
    public let ledger: ActivityLedger
    /// The reference date: the requested one, or the UTC date of the latest interaction.
    public let asOf: CalendarDate
    /// One score per client (clients with interactions and directory clients), sorted by id.
    public let scores: [HeatScore]
    /// The configuration used.
    public let configuration: HeatConfiguration

    /// Buckets and scores.
    ///
    /// - Parameters:
    ///   - interactions: validated interactions.
    ///   - clients: the client directory (its clients are scored even without interactions).
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date, or `nil` for the date of the latest interaction.
    /// - Throws: ``HeatRunError/noReferenceDate`` when there is no interaction and no `asOf`.
    public init<S: Sequence<Interaction>>(
        interactions: S, clients: [Client], configuration: HeatConfiguration, asOf: CalendarDate? = nil
    ) throws(HeatRunError) {
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours)
        for interaction in interactions { ledger.add(interaction) }
        try self.init(ledger: ledger, clients: clients, configuration: configuration, asOf: asOf)
    }

    /// Scores interactions already bucketed, for example streamed from a file with
    /// ``InteractionReader/stream(contentsOf:progress:_:)`` into a ledger.
    ///
    /// - Parameters:
    ///   - ledger: the bucketed interactions; its `replyWithinHours` should be the configuration's.
    ///   - clients: the client directory (its clients are scored even without interactions).
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date, or `nil` for the date of the latest interaction.
    ///   - progress: receives (clients scored, clients in all) as scoring advances, as
    ///     ``HeatScorer/scores(of:asOf:additionalClients:progress:)`` reports it; `nil` for none.
    /// - Throws: ``HeatRunError/noReferenceDate`` when the ledger is empty and no `asOf` is given.
    public init(
        ledger: ActivityLedger, clients: [Client], configuration: HeatConfiguration, asOf: CalendarDate? = nil,
        progress: ((_ clientsScored: Int, _ totalClients: Int) -> Void)? = nil
    ) throws(HeatRunError) {
        guard let reference = asOf ?? ledger.latestEvent?.date else { throw .noReferenceDate }
        self.ledger = ledger
        self.asOf = reference
        self.configuration = configuration
        self.scores = HeatScorer(configuration: configuration)
            .scores(of: ledger, asOf: reference.isoWeek, additionalClients: clients.map(\.clientID), progress: progress)
    }
}
