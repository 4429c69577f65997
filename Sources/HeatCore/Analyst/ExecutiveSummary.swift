import Foundation

/// A templated, plain-English narrative of a release: population, biggest movers since the
/// previous release, groups at risk and notable trends. Every number in the text is one of
/// ``figures``, read from the documents or computed from their values (a share, a change), so
/// each can be traced back (the tests check this against the raw JSON).
///
/// ```swift
/// let summary = ExecutiveSummary(documents: [current, previous]).compose()
/// print(summary.text)
/// ```
public struct ExecutiveSummary: Sendable {
    /// The composed narrative.
    public struct Composition: Sendable, Equatable {
        /// The narrative, one paragraph per topic.
        public var text: String
        /// Every number the text quotes.
        public var figures: [AnalystFigure]
        /// Whether the text compares with the previous release.
        public var usesPrevious: Bool
    }

    /// The current release first, then earlier ones.
    public var documents: [ResultsDocument]

    /// Creates a summary of `documents` (current first).
    ///
    /// - Parameter documents: the releases.
    public init(documents: [ResultsDocument]) {
        self.documents = documents
    }

    /// Writes the narrative. Sections absent from the document are skipped (a release without a
    /// population, groups, weekly events or personas still gets a summary of what it has).
    ///
    /// - Returns: the text and its figures.
    public func compose() -> Composition {
        guard let document = documents.first else {
            return Composition(text: "There is no release to summarise.", figures: [], usesPrevious: false)
        }
        let previous = documents.count > 1 ? documents[1] : nil
        var figures: [AnalystFigure] = []
        var paragraphs: [String] = []
        func raw(_ subject: String, _ measure: AnalystMeasure, _ value: Double, release: Int = 0) -> String {
            let figure = AnalystFigure(subject: subject, measure: measure, value: value, shown: AnalystNumberFormat.integer(value), release: release)
            figures.append(figure)
            return figure.shown
        }
        func share(_ subject: String, _ part: Double, _ whole: Double) -> String {
            let figure = AnalystFigure(subject: subject, measure: .share, value: part * 100 / whole,
                                       shown: AnalystNumberFormat.percent(part, of: whole), from: [part, whole])
            figures.append(figure)
            return figure.shown
        }
        func change(_ subject: String, _ later: Double, _ earlier: Double) -> String {
            let figure = AnalystFigure(subject: subject, measure: .change, value: later - earlier,
                                       shown: AnalystNumberFormat.signed(later - earlier), from: [later, earlier])
            figures.append(figure)
            return figure.shown
        }
        var usesPrevious = false

        // Population.
        let noise = document.policy.epsilon != nil ? " The release is noisy (differential privacy): counts and means carry noise." : ""
        if let population = document.population, population.clients > 0 {
            let total = Double(population.clients)
            let levels = HeatLevel.allCases.reversed().map { level in
                "\(raw("level \(level.rawValue)", .level, Double(population.levels[level] ?? 0))) \(level.rawValue)"
            }
            var text = "Population: as of \(document.asOf), the release to \(document.role) covers \(raw("population", .clients, total)) clients: "
                + levels.joined(separator: ", ") + ". "
            text += "\(raw("population", .cooling, Double(population.cooling))) clients (\(share("cooling", Double(population.cooling), total))) are cooling. "
            text += "Mean heat is \(raw("population", .meanHeat, population.meanHeat)) and the mean trend \(raw("population", .trend, population.trend))."
            if let before = previous?.population {
                usesPrevious = true
                text += " Since the release as of \(previous!.asOf), mean heat moved from \(raw("population", .meanHeat, before.meanHeat, release: 1)) "
                    + "(\(change("mean heat", population.meanHeat, before.meanHeat))) and cooling clients from "
                    + "\(raw("population", .cooling, Double(before.cooling), release: 1)) (\(change("cooling", Double(population.cooling), Double(before.cooling))))."
            }
            paragraphs.append(text + noise)
        } else {
            paragraphs.append("Population: this release to \(document.role) carries no population section." + noise)
        }

        // Biggest movers since the previous release.
        if let previous, let groups = document.groups, let earlier = previous.groups {
            var moves: [(GroupSummary, GroupSummary)] = []
            for group in groups {
                if let before = earlier.first(where: { $0.kind == group.kind && $0.ref == group.ref }) { moves.append((group, before)) }
            }
            moves.sort { a, b in
                let (x, y) = (abs(a.0.meanHeat - a.1.meanHeat), abs(b.0.meanHeat - b.1.meanHeat))
                return x != y ? x > y : (a.0.kind.rawValue, a.0.ref) < (b.0.kind.rawValue, b.0.ref)
            }
            if !moves.isEmpty {
                usesPrevious = true
                let items = moves.prefix(3).map { now, then in
                    "\(now.kind.rawValue) \(now.ref) from \(raw("\(now.kind.rawValue) \(now.ref)", .meanHeat, then.meanHeat, release: 1)) to "
                        + "\(raw("\(now.kind.rawValue) \(now.ref)", .meanHeat, now.meanHeat)) (\(change("\(now.ref) mean heat", now.meanHeat, then.meanHeat)))"
                }
                paragraphs.append("Biggest movers in mean heat since \(previous.asOf): " + items.joined(separator: "; ") + ".")
            }
        }

        // Groups at risk: the highest shares of cooling clients.
        if let groups = document.groups, !groups.isEmpty {
            let atRisk = groups.filter { $0.clients > 0 && $0.cooling > 0 }.sorted { a, b in
                let (x, y) = (Double(a.cooling) / Double(a.clients), Double(b.cooling) / Double(b.clients))
                return x != y ? x > y : (a.kind.rawValue, a.ref) < (b.kind.rawValue, b.ref)
            }
            if !atRisk.isEmpty {
                let items = atRisk.prefix(3).map { group in
                    "\(group.kind.rawValue) \(group.ref), \(raw("\(group.kind.rawValue) \(group.ref)", .cooling, Double(group.cooling))) of "
                        + "\(raw("\(group.kind.rawValue) \(group.ref)", .clients, Double(group.clients))) clients cooling "
                        + "(\(share("\(group.ref) cooling", Double(group.cooling), Double(group.clients))))"
                }
                paragraphs.append("Groups at risk (highest share of cooling clients): " + items.joined(separator: "; ") + ".")
            }
            let coldest = groups.min { a, b in a.meanHeat != b.meanHeat ? a.meanHeat < b.meanHeat : (a.kind.rawValue, a.ref) < (b.kind.rawValue, b.ref) }
            if let coldest {
                paragraphs.append("Coldest group: \(coldest.kind.rawValue) \(coldest.ref) with mean heat \(raw("\(coldest.kind.rawValue) \(coldest.ref)", .meanHeat, coldest.meanHeat)).")
            }
        }

        // Notable trends: each channel's latest week against the week a month earlier.
        if let weekly = document.weekly, let last = weekly.map(\.week).max() {
            let earlier = last.advanced(by: -4)
            var items: [String] = []
            for channel in Channel.allCases {
                guard let now = weekly.first(where: { $0.week == last && $0.channel == channel }),
                      let then = weekly.first(where: { $0.week == earlier && $0.channel == channel }) else { continue }
                items.append("\(channel.rawValue) \(raw("\(last) \(channel.rawValue)", .events, Double(now.events))) against "
                    + "\(raw("\(earlier) \(channel.rawValue)", .events, Double(then.events))) (\(change("\(channel.rawValue) events", Double(now.events), Double(then.events))))")
            }
            if !items.isEmpty {
                paragraphs.append("Notable trends: events in \(last) against \(earlier): " + items.joined(separator: "; ") + ".")
            }
        }

        // Personas.
        if let personas = document.personas, let largest = personas.max(by: { ($0.clients, $1.label) < ($1.clients, $0.label) }) {
            let total = Double(personas.reduce(0) { $0 + $1.clients })
            paragraphs.append("Personas: the largest is \(largest.label) with \(raw("persona \(largest.label)", .clients, Double(largest.clients))) clients "
                + "(\(share("persona \(largest.label)", Double(largest.clients), total)) of those with a persona).")
        }
        return Composition(text: paragraphs.joined(separator: "\n\n"), figures: figures, usesPrevious: usesPrevious)
    }
}
