/// The plaintext heat pipeline in one call: bucket interactions (de-duplicated by event id),
/// pick the reference date, score every client.
///
/// With a reference date `asOf`, only interactions on or before it (UTC) count: later ones are
/// left out (``ActivityLedger/eventsAfterCutoff``), so an event on `asOf + 1` never changes a
/// score. Scoring a ledger that holds later events throws ``HeatRunError/eventsAfterReferenceDate(asOf:latest:)``.
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
    ///   - asOf: the reference date (interactions after it are left out), or `nil` for the date
    ///     of the latest interaction.
    /// - Throws: ``HeatRunError/noReferenceDate`` when there is no interaction and no `asOf`.
    public init<S: Sequence<Interaction>>(
        interactions: S, clients: [Client], configuration: HeatConfiguration, asOf: CalendarDate? = nil
    ) throws(HeatRunError) {
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours, through: asOf)
        for interaction in interactions { ledger.add(interaction) }
        try self.init(ledger: ledger, clients: clients, configuration: configuration, asOf: asOf)
    }

    /// Scores interactions already bucketed, for example streamed from a file with
    /// ``InteractionReader/stream(contentsOf:progress:_:)`` into a ledger.
    ///
    /// - Parameters:
    ///   - ledger: the bucketed interactions; its `replyWithinHours` should be the configuration's.
    ///     With `asOf`, build it with ``ActivityLedger/init(replyWithinHours:through:)`` and that date,
    ///     so it holds no interaction after it.
    ///   - clients: the client directory (its clients are scored even without interactions).
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date, or `nil` for the date of the latest interaction.
    ///   - progress: receives (clients scored, clients in all) as scoring advances, as
    ///     ``HeatScorer/scores(of:asOf:additionalClients:progress:)`` reports it; `nil` for none.
    /// - Throws: ``HeatRunError/noReferenceDate`` when the ledger is empty and no `asOf` is given;
    ///   ``HeatRunError/eventsAfterReferenceDate(asOf:latest:)`` when it holds an interaction after `asOf`.
    public init(
        ledger: ActivityLedger, clients: [Client], configuration: HeatConfiguration, asOf: CalendarDate? = nil,
        progress: ((_ clientsScored: Int, _ totalClients: Int) -> Void)? = nil
    ) throws(HeatRunError) {
        guard let reference = asOf ?? ledger.latestEvent?.date else { throw .noReferenceDate }
        if let latest = ledger.latestEvent?.date, latest > reference {
            throw .eventsAfterReferenceDate(asOf: reference, latest: latest)
        }
        self.ledger = ledger
        self.asOf = reference
        self.configuration = configuration
        self.scores = HeatScorer(configuration: configuration)
            .scores(of: ledger, asOf: reference.isoWeek, additionalClients: clients.map(\.clientID), progress: progress)
    }
}
