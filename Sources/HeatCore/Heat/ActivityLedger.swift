/// Interactions bucketed per client x ISO week (UTC) x channel x direction, de-duplicated by
/// event id: the input of the heat model.
///
/// A ledger built with a cut-off date (``init(replyWithinHours:through:)``) leaves out every
/// interaction whose UTC date is after it and counts them in ``eventsAfterCutoff``: the
/// reference date of `heatctl heat --as-of DATE` means "events on or before DATE", so an event
/// on DATE + 1 can never change a score.
///
/// ```swift
/// var ledger = ActivityLedger(replyWithinHours: 48, through: CalendarDate(year: 2025, month: 12, day: 31))
/// for interaction in report.records { ledger.add(interaction) }
/// ledger.latestWeek          // the as-of default
/// ledger.eventsAfterCutoff   // rows left out because they happened after 2025-12-31
/// ```
public struct ActivityLedger: Sendable {
    /// Where a client was last seen: the manager and branch of their latest interaction.
    public struct Assignment: Sendable, Hashable {
        /// The manager of the latest interaction.
        public var managerID: String
        /// The branch of the latest interaction.
        public var branch: String
        /// When that interaction happened.
        public var at: UTCTimestamp
    }

    /// An interaction counts as replied when its `repliedWithinHours` is at most this.
    public let replyWithinHours: Double
    /// Activity per client id and ISO week.
    public private(set) var clients: [String: [ISOWeek: WeekActivity]] = [:]
    /// The manager and branch of each client's latest interaction.
    public private(set) var assignments: [String: Assignment] = [:]
    /// The week of the latest interaction added, or `nil` when empty.
    public private(set) var latestWeek: ISOWeek?
    /// The time of the latest interaction added, or `nil` when empty.
    public private(set) var latestEvent: UTCTimestamp?
    /// Interactions added (duplicates excluded).
    public private(set) var interactionCount = 0
    /// Interactions skipped because their event id was seen before.
    public private(set) var duplicateCount = 0
    /// The last UTC date whose interactions are kept, or `nil` to keep every interaction.
    public let cutoff: CalendarDate?
    /// Interactions left out because their UTC date is after ``cutoff``.
    public private(set) var eventsAfterCutoff = 0
    private var seenEvents = Set<String>()

    /// Creates an empty ledger.
    ///
    /// - Parameters:
    ///   - replyWithinHours: the reply window (``HeatConfiguration/replyWithinHours``).
    ///   - cutoff: keep only interactions on or before this UTC date (`nil`: keep all).
    public init(replyWithinHours: Double = 48, through cutoff: CalendarDate? = nil) {
        self.replyWithinHours = replyWithinHours
        self.cutoff = cutoff
    }

    /// Adds an interaction to its bucket unless it happened after ``cutoff`` (counted in
    /// ``eventsAfterCutoff``) or its event id (``Interaction/derivedEventID``) was seen.
    ///
    /// - Parameter interaction: a validated interaction.
    /// - Returns: `false` when it was after the cut-off or a duplicate and was skipped.
    @discardableResult
    public mutating func add(_ interaction: Interaction) -> Bool {
        if let cutoff, interaction.occurredAt.date > cutoff {
            eventsAfterCutoff += 1
            return false
        }
        guard seenEvents.insert(interaction.derivedEventID).inserted else {
            duplicateCount += 1
            return false
        }
        interactionCount += 1
        let week = interaction.week
        let index = WeekActivity.bucketIndex(channel: interaction.channel, direction: interaction.direction)
        var bucket = clients[interaction.clientID, default: [:]][week, default: WeekActivity()]
        var value = bucket.buckets[index]
        value.count += 1
        value.durationSeconds += interaction.durationSeconds ?? 0
        if let hours = interaction.repliedWithinHours, hours <= replyWithinHours { value.replies += 1 }
        bucket[interaction.channel, interaction.direction] = value
        clients[interaction.clientID, default: [:]][week] = bucket
        if latestEvent.map({ interaction.occurredAt > $0 }) ?? true {
            latestEvent = interaction.occurredAt
            latestWeek = week
        }
        if let current = assignments[interaction.clientID], current.at > interaction.occurredAt {
            return true
        }
        assignments[interaction.clientID] = Assignment(managerID: interaction.managerID, branch: interaction.branch, at: interaction.occurredAt)
        return true
    }

    /// Events per ISO week and channel over all clients, for the weeks `from...through`.
    ///
    /// - Parameters:
    ///   - from: the first week.
    ///   - through: the last week.
    /// - Returns: one entry per week and channel, in week then channel order (zeros included).
    public func weeklyEvents(from: ISOWeek, through: ISOWeek) -> [WeeklyCount] {
        var totals: [ISOWeek: [Int]] = [:]
        for weeks in clients.values {
            for (week, activity) in weeks where week >= from && week <= through {
                var row = totals[week, default: Array(repeating: 0, count: Channel.allCases.count)]
                for (k, channel) in Channel.allCases.enumerated() { row[k] += activity.count(on: channel) }
                totals[week] = row
            }
        }
        var result: [WeeklyCount] = []
        var week = from
        while week <= through {
            let row = totals[week] ?? Array(repeating: 0, count: Channel.allCases.count)
            for (k, channel) in Channel.allCases.enumerated() { result.append(WeeklyCount(week: week, channel: channel, events: row[k])) }
            week = week.advanced(by: 1)
        }
        return result
    }
}
