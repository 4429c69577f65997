import Foundation

/// Who is asking: the role (and, for a role that sees its own clients, the manager) the question
/// is answered for. The API server (`POST /v1/ask`) passes the caller's authenticated role here.
///
/// ```swift
/// let caller = AnalystCaller(role: "manager", manager: "M-19b0d4aa")
/// ```
public struct AnalystCaller: Sendable, Equatable {
    /// The caller's role, as named in the policy.
    public var role: String
    /// The caller's manager reference, for a role with own-clients access.
    public var manager: String?

    /// Creates a caller.
    ///
    /// - Parameters:
    ///   - role: the role.
    ///   - manager: the manager reference, if any.
    public init(role: String, manager: String? = nil) {
        self.role = role
        self.manager = manager
    }
}

/// The deterministic question engine over released results documents (issue 24).
///
/// It answers plain-English questions from the documents only, so it can never reveal more than
/// the policy released: a question about a client or group that is not in the release gets the
/// policy's refusal; a question outside its grammar gets "I can answer questions like …" with
/// examples, never a guess. Every answer quotes the numbers it used (``AnalystAnswer/figures``)
/// and the release they came from. The grammar is documented in `Docs/Analyst.md`.
///
/// With a policy and a caller, each document is first narrowed to what the caller's role may
/// receive (``ReleaseEngine/restrict(_:to:)``), exactly as `heatctl report --role` does.
///
/// ```swift
/// let engine = AnalystEngine(documents: [current, previous])
/// let answer = engine.answer("Which branches have the most cooling clients?")
/// answer.status     // .answered
/// answer.rendered   // "Top 3 branches by cooling clients: B-e57c8b23 13, …\nSource: release to executive …"
/// ```
public struct AnalystEngine: Sendable {
    /// The documents, the current release first, then earlier releases (newest first).
    public let documents: [ResultsDocument]
    /// The caller, when answering for a role other than the documents'.
    public let caller: AnalystCaller?
    /// The policy the caller's role is checked against, when given.
    public let policy: PrivacyPolicy?
    /// A refusal that applies to every question (the policy names no such role).
    private let blanketRefusal: PolicyRefusal?

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - documents: the current release first, then earlier ones (for comparisons over releases).
    ///   - policy: the policy to narrow the documents with (optional).
    ///   - caller: the role and manager asking (optional; default: the current document's role).
    public init(documents: [ResultsDocument], policy: PrivacyPolicy? = nil, caller: AnalystCaller? = nil) {
        self.policy = policy
        self.caller = caller
        var refusal: PolicyRefusal?
        var narrowed = documents
        if let policy, let role = caller?.role ?? documents.first?.role {
            let release = ReleaseEngine(policy: policy)
            do throws(PolicyRefusal) {
                narrowed = []
                for document in documents { narrowed.append(try release.restrict(document, to: role).document) }
            } catch {
                refusal = error
            }
        }
        self.documents = narrowed
        self.blanketRefusal = refusal
    }

    /// The role the answers are for.
    public var role: String { caller?.role ?? documents.first?.role ?? "unknown" }

    /// Answers one question.
    ///
    /// - Parameter question: the question in plain English.
    /// - Returns: an answer, a refusal or "I can answer questions like …"; never throws.
    public func answer(_ question: String) -> AnalystAnswer {
        if let blanketRefusal { return refuse(blanketRefusal) }
        guard let document = documents.first else {
            return unanswerable(nil, "There is no results document to answer from.")
        }
        let q = ParsedQuestion(question, document: document)
        if q.words.isEmpty { return unanswerable(nil, "The question is empty.") }
        if q.hasWord(startingWith: "summar") || q.has("overview") || q.has("brief") || q.hasPhrase("executive summary") {
            let summary = ExecutiveSummary(documents: documents).compose()
            return AnalystAnswer(status: .answered, intent: .summary, kind: "population", text: summary.text,
                                 figures: summary.figures, releases: citations(summary.usesPrevious ? 2 : 1))
        }
        if let ambiguous = q.ambiguousRefs.first {
            let shown = ambiguous.candidates.prefix(5).joined(separator: ", ") + (ambiguous.candidates.count > 5 ? ", …" : "")
            return unanswerable(nil, "\(ambiguous.text) matches \(ambiguous.candidates.count) released references (\(shown)); give more digits of the one you mean.")
        }
        let hasRiskScores = document.riskPortfolio != nil || (q.clientRefs.isEmpty && document.clients?.contains { $0.churnRisk != nil } == true)
        if hasRiskScores && (q.hasWord(startingWith: "risk") || q.hasPhrase("at risk")) {
            return highRisk(q, document)
        }
        if let personas = personaQuestion(q, document) { return personas }
        if q.isAboutClients { return clientQuestion(q, document) }
        if let ref = q.unknownRefs.first {
            return withheld(kind: ref.kind, name: ref.text)
        }
        if let kind = q.kind?.kind, !q.entities.contains(where: { $0.kind == kind.rawValue }),
           !(document.groups ?? []).contains(where: { $0.kind == kind }) {
            return withheld(kind: kind.rawValue, name: q.regionName.map { "\($0) " } ?? "")
        }
        if q.hasWord(startingWith: "risk") || q.hasPhrase("at risk") {
            return highRisk(q, document)
        }
        if q.isAboutWeeks { return weeklyQuestion(q, document) }
        if q.isAboutPeriods { return periodQuestion(q) }
        let groups = q.entities.compactMap { entity -> GroupSummary? in entity.group }
        if groups.count >= 2 { return compareGroups(groups[0], groups[1], q) }
        if q.kind != nil && groups.isEmpty && (q.isRanking || q.has("which") || q.has("rank")) {
            return rankGroups(q, document)
        }
        if q.isShare && !(groups.first != nil && q.has("cooling")) { return shareQuestion(q, document, group: groups.first) }
        if let group = groups.first { return lookup(group, q) }
        if q.isCount { return countQuestion(q, document) }
        return unanswerable(nil, "I could not match that question to the release's numbers.")
    }

    // MARK: Intents

    private func rankGroups(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer {
        guard let (kind, plural) = q.kind else { return unanswerable(.rank, "Name a group kind to rank.") }
        let measure = q.groupMeasure
        let candidates = (document.groups ?? []).filter { $0.kind == kind }
        let bottom = q.wantsBottom(for: measure)
        let sorted = candidates.sorted { a, b in
            let (x, y) = (Self.value(a, measure), Self.value(b, measure))
            if x != y { return bottom ? x < y : x > y }
            return a.ref < b.ref
        }
        let count = min(q.count ?? (plural ? 3 : 1), sorted.count)
        let chosen = Array(sorted.prefix(count))
        let figures = chosen.map { figure($0, measure) }
        let listing = zip(chosen, figures).map { "\($0.ref) \($1.shown)" }.joined(separator: ", ")
        let kindPlural = kind == .branch ? "branches" : kind.rawValue + "s"
        let text = "\(bottom ? "Lowest" : "Highest") \(measure.phrase) among the released \(kindPlural): \(listing)."
        return answered(.rank, kind: kind.rawValue, measure: measure.rawValue, text: text, figures: figures, refs: chosen.map(\.ref))
    }

    private func lookup(_ group: GroupSummary, _ q: ParsedQuestion) -> AnalystAnswer {
        let measure = q.groupMeasure
        let main = figure(group, measure)
        var text = "\(group.kind.rawValue.capitalized) \(group.ref): \(measure.phrase) \(main.shown)"
        var figures = [main]
        let context = [AnalystMeasure.clients, .cooling, .meanHeat].filter { $0 != measure }.map { figure(group, $0) }
        text += " (" + context.map { "\($0.measure.phrase) \($0.shown)" }.joined(separator: ", ") + ")."
        figures += context
        return answered(.lookup, kind: group.kind.rawValue, measure: measure.rawValue, text: text, figures: figures, refs: [group.ref])
    }

    private func compareGroups(_ a: GroupSummary, _ b: GroupSummary, _ q: ParsedQuestion) -> AnalystAnswer {
        let measure = q.groupMeasure
        let fa = figure(a, measure), fb = figure(b, measure)
        var figures = [fa, fb]
        var text = "\(a.kind.rawValue.capitalized) \(a.ref) has \(measure.phrase) \(fa.shown); \(b.kind.rawValue) \(b.ref) has \(fb.shown)"
        if measure != .coolingShare {
            let difference = fa.value - fb.value
            let change = AnalystFigure(subject: "\(a.ref) minus \(b.ref)", measure: .change, value: difference,
                                       shown: AnalystNumberFormat.signed(difference), from: [fa.value, fb.value])
            figures.append(change)
            text += " (difference \(change.shown))"
        }
        text += "."
        return answered(.compareGroups, kind: a.kind.rawValue, measure: measure.rawValue, text: text, figures: figures, refs: [a.ref, b.ref])
    }

    private func periodQuestion(_ q: ParsedQuestion) -> AnalystAnswer {
        guard documents.count >= 2 else {
            return unanswerable(.comparePeriods, "Comparing over time needs an earlier release too (heatctl ask RESULTS.json --previous EARLIER.json \"…\").")
        }
        let current = documents[0], previous = documents[1]
        let measure: AnalystMeasure = q.has("cooling") ? .cooling : (q.asksClientCount ? .clients : .meanHeat)
        if let group = q.entities.compactMap(\.group).first {
            guard let before = previous.groups?.first(where: { $0.kind == group.kind && $0.ref == group.ref }) else {
                return unanswerable(.comparePeriods, "\(group.kind.rawValue.capitalized) \(group.ref) is not in the earlier release.")
            }
            let a = figure(before, measure, release: 1), b = figure(group, measure)
            let change = AnalystFigure(subject: "\(group.ref) change", measure: .change, value: b.value - a.value,
                                       shown: AnalystNumberFormat.signed(b.value - a.value), from: [b.value, a.value])
            let text = "\(group.kind.rawValue.capitalized) \(group.ref): \(measure.phrase) went from \(a.shown) (as of \(previous.asOf)) to \(b.shown) (as of \(current.asOf)), a change of \(change.shown)."
            return answered(.comparePeriods, kind: group.kind.rawValue, measure: measure.rawValue, text: text,
                            figures: [a, b, change], refs: [group.ref], releases: 2)
        }
        guard let now = current.population, let then = previous.population else {
            return unanswerable(.comparePeriods, "One of the releases has no population section.")
        }
        func value(_ p: Population) -> Double {
            switch measure {
            case .cooling: Double(p.cooling)
            case .clients: Double(p.clients)
            default: p.meanHeat
            }
        }
        let a = AnalystFigure(subject: "population", measure: measure, value: value(then), shown: AnalystNumberFormat.integer(value(then)), release: 1)
        let b = AnalystFigure(subject: "population", measure: measure, value: value(now), shown: AnalystNumberFormat.integer(value(now)))
        let change = AnalystFigure(subject: "population change", measure: .change, value: b.value - a.value,
                                   shown: AnalystNumberFormat.signed(b.value - a.value), from: [b.value, a.value])
        let text = "Across all clients, \(measure.phrase) went from \(a.shown) (as of \(previous.asOf)) to \(b.shown) (as of \(current.asOf)), a change of \(change.shown)."
        return answered(.comparePeriods, kind: "population", measure: measure.rawValue, text: text, figures: [a, b, change], refs: [], releases: 2)
    }

    private func weeklyQuestion(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer {
        let comparing = q.weeks.count >= 2 || (q.span != nil && (q.has("before") || q.has("previous") || q.has("prior") || q.has("versus") || q.has("vs") || q.has("compare")))
        let intent: AnalystIntent = comparing ? .comparePeriods : .weeklyTrend
        guard let weekly = document.weekly, !weekly.isEmpty else {
            return unanswerable(intent, "This release has no weekly events section (the role may not receive it, or it was released with noise).")
        }
        let channel = q.channel
        var totals: [ISOWeek: Int] = [:]
        for row in weekly where channel == nil || row.channel == channel { totals[row.week, default: 0] += row.events }
        let weeks = totals.keys.sorted()
        let values = weeks.map { totals[$0] ?? 0 }
        let what = channel.map { "\($0.rawValue) events" } ?? "events (all channels)"
        let measure = channel?.rawValue ?? "events"
        func weekFigure(_ index: Int) -> AnalystFigure {
            AnalystFigure(subject: "week \(weeks[index])", measure: .events, value: Double(values[index]),
                          shown: AnalystNumberFormat.integer(Double(values[index])),
                          from: channel == nil ? weekly.filter { $0.week == weeks[index] }.map { Double($0.events) } : [])
        }
        if q.weeks.count >= 2 {
            guard let i = weeks.firstIndex(of: q.weeks[0]), let j = weeks.firstIndex(of: q.weeks[1]) else {
                return unanswerable(intent, "The release's weekly section covers \(weeks.first.map(\.description) ?? "") to \(weeks.last.map(\.description) ?? "").")
            }
            let a = weekFigure(i), b = weekFigure(j)
            let change = AnalystFigure(subject: "change", measure: .change, value: b.value - a.value,
                                       shown: AnalystNumberFormat.signed(b.value - a.value), from: [b.value, a.value])
            let text = "\(what.prefix(1).uppercased() + what.dropFirst()): \(a.shown) in \(weeks[i]) and \(b.shown) in \(weeks[j]), a change of \(change.shown)."
            return answered(intent, kind: "weekly", measure: measure, text: text, figures: [a, b, change], refs: [])
        }
        if comparing, let span = q.span {
            guard span >= 1, values.count >= 2 * span else {
                return unanswerable(intent, "The release's weekly section has \(Plural.count(values.count, "week")).")
            }
            let last = values.suffix(span).reduce(0, +), before = values.dropLast(span).suffix(span).reduce(0, +)
            let lastWeeks = weeks.suffix(span), beforeWeeks = weeks.dropLast(span).suffix(span)
            let a = AnalystFigure(subject: "weeks \(beforeWeeks.first!)–\(beforeWeeks.last!)", measure: .events, value: Double(before),
                                  shown: AnalystNumberFormat.integer(Double(before)), from: values.dropLast(span).suffix(span).map(Double.init))
            let b = AnalystFigure(subject: "weeks \(lastWeeks.first!)–\(lastWeeks.last!)", measure: .events, value: Double(last),
                                  shown: AnalystNumberFormat.integer(Double(last)), from: values.suffix(span).map(Double.init))
            let change = AnalystFigure(subject: "change", measure: .change, value: b.value - a.value,
                                       shown: AnalystNumberFormat.signed(b.value - a.value), from: [b.value, a.value])
            let text = "\(what.prefix(1).uppercased() + what.dropFirst()): \(b.shown) in \(lastWeeks.first!)–\(lastWeeks.last!) against \(a.shown) in \(beforeWeeks.first!)–\(beforeWeeks.last!), a change of \(change.shown)."
            return answered(intent, kind: "weekly", measure: measure, text: text, figures: [a, b, change], refs: [])
        }
        let span = min(max(q.span ?? 8, 2), values.count)
        let indices = Array(values.indices.suffix(span))
        let figures = indices.map(weekFigure)
        guard let first = figures.first, let last = figures.last else {
            return unanswerable(intent, "The release's weekly section is empty.")
        }
        let change = AnalystFigure(subject: "change", measure: .change, value: last.value - first.value,
                                   shown: AnalystNumberFormat.signed(last.value - first.value), from: [last.value, first.value])
        let series = zip(indices, figures).map { "\(weeks[$0]) \($1.shown)" }.joined(separator: ", ")
        let direction = change.value > 0 ? "up" : (change.value < 0 ? "down" : "flat")
        let text = "\(what.prefix(1).uppercased() + what.dropFirst()) per week: \(series). From \(first.shown) to \(last.shown): \(direction) (\(change.shown))."
        return answered(.weeklyTrend, kind: "weekly", measure: measure, text: text, figures: figures + [change], refs: [])
    }

    private func shareQuestion(_ q: ParsedQuestion, _ document: ResultsDocument, group: GroupSummary?) -> AnalystAnswer {
        guard let population = document.population, population.clients > 0 else {
            return unanswerable(.share, "This release has no population section.")
        }
        let total = Double(population.clients)
        let totalFigure = AnalystFigure(subject: "population", measure: .clients, value: total, shown: AnalystNumberFormat.integer(total))
        func respond(_ part: Double, _ subject: String, measure: String, what: String) -> AnalystAnswer {
            let count = AnalystFigure(subject: subject, measure: .clients, value: part, shown: AnalystNumberFormat.integer(part))
            let share = AnalystFigure(subject: subject, measure: .share, value: part * 100 / total,
                                      shown: AnalystNumberFormat.percent(part, of: total), from: [part, total])
            let text = "\(count.shown) of \(totalFigure.shown) clients (\(share.shown)) \(what)."
            return answered(.share, kind: "population", measure: measure, text: text, figures: [count, totalFigure, share], refs: group.map { [$0.ref] } ?? [])
        }
        if let group {
            return respond(Double(group.clients), "\(group.kind.rawValue) \(group.ref)", measure: "group", what: "are in \(group.kind.rawValue) \(group.ref)")
        }
        if let threshold = q.threshold {
            guard let bins = document.heatHistogram, !bins.isEmpty else {
                return unanswerable(.share, "This release has no heat histogram.")
            }
            let edges = Set(bins.map(\.from) + bins.map(\.to))
            guard edges.contains(threshold.value) else {
                let shown = bins.map(\.from).dropFirst().map { AnalystNumberFormat.integer(Double($0)) }.joined(separator: ", ")
                return unanswerable(.share, "Heat bands can be counted only at the released histogram's bin edges (\(shown)); the release does not say how many clients lie on either side of \(AnalystNumberFormat.integer(Double(threshold.value))).")
            }
            let part = bins.filter { threshold.above ? $0.from >= threshold.value : $0.to <= threshold.value }.reduce(0) { $0 + $1.clients }
            let edge = AnalystFigure(subject: "heat histogram bin edge", measure: .heat, value: Double(threshold.value),
                                     shown: AnalystNumberFormat.integer(Double(threshold.value)))
            return respond(Double(part), "heat \(threshold.above ? "above" : "below") \(threshold.value)", measure: "band",
                           what: "have heat \(threshold.above ? "of at least" : "below") \(edge.shown)").adding(edge)
        }
        if !q.levels.isEmpty {
            let part = q.levels.reduce(0) { $0 + (population.levels[$1] ?? 0) }
            let names = q.levels.map(\.rawValue).joined(separator: " or ")
            return respond(Double(part), "level \(names)", measure: "level", what: "are \(names)")
        }
        if q.has("cooling") {
            return respond(Double(population.cooling), "cooling", measure: "cooling", what: "are cooling")
        }
        return unanswerable(.share, "Say which share: a heat level (cold, cool, warm, hot), cooling clients, a heat band or a group.")
    }

    private func countQuestion(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer {
        guard let population = document.population else {
            return unanswerable(.count, "This release has no population section.")
        }
        func respond(_ value: Int, measure: String, what: String) -> AnalystAnswer {
            let figure = AnalystFigure(subject: "population", measure: measure == "cooling" ? .cooling : .clients,
                                       value: Double(value), shown: AnalystNumberFormat.integer(Double(value)))
            return answered(.count, kind: "population", measure: measure, text: "\(figure.shown) \(what).", figures: [figure], refs: [])
        }
        if q.has("cooling") || q.hasPhrase("cooling down") {
            return respond(population.cooling, measure: "cooling", what: "of \(AnalystNumberFormat.integer(Double(population.clients))) clients are cooling")
                .adding(AnalystFigure(subject: "population", measure: .clients, value: Double(population.clients),
                                      shown: AnalystNumberFormat.integer(Double(population.clients))))
        }
        if !q.levels.isEmpty {
            let value = q.levels.reduce(0) { $0 + (population.levels[$1] ?? 0) }
            return respond(value, measure: "level", what: "clients are \(q.levels.map(\.rawValue).joined(separator: " or "))")
        }
        return respond(population.clients, measure: "clients", what: "clients are in the release")
    }

    /// High risk as issue 19 defines it: the High band of the 0-100 risk score (70 and above by
    /// default). From the release's risk portfolio when it has one (totals, a named group, or a
    /// ranking of a kind's groups by their share at High risk), else from per-client churn risks
    /// scored as `round(100 × risk)` against the standard bands.
    private func highRisk(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer {
        if let portfolio = document.riskPortfolio { return portfolioRisk(q, portfolio) }
        let rows: [ClientResult] = document.clients ?? []
        let scored = rows.compactMap { $0.churnRisk }
        guard !scored.isEmpty else {
            return unanswerable(.count, "This release carries no risk scores (no per-client churn risk, no risk portfolio), so it cannot count high-risk clients.")
        }
        let bands = RiskBands.standard
        let high = scored.filter { bands.band(for: Int((100 * $0).rounded())) == .high }.count
        let figure = AnalystFigure(subject: "clients", measure: .clients, value: Double(high), shown: AnalystNumberFormat.integer(Double(high)))
        let total = AnalystFigure(subject: "clients", measure: .clients, value: Double(scored.count), shown: AnalystNumberFormat.integer(Double(scored.count)))
        return answered(.count, kind: "client", measure: "highRisk",
                        text: "\(figure.shown) of the \(total.shown) released clients with a churn risk are in the High risk band (a score of \(bands.high) or more out of 100).",
                        figures: [figure, total], refs: [])
    }

    private func portfolioRisk(_ q: ParsedQuestion, _ portfolio: RiskPortfolioSection) -> AnalystAnswer {
        let threshold = portfolio.bandThresholds.high
        let band = "in the High risk band (a score of \(threshold) or more)"
        func figures(_ subject: String, high: Int, clients: Int) -> [AnalystFigure] {
            [AnalystFigure(subject: subject, measure: .clients, value: Double(high), shown: AnalystNumberFormat.integer(Double(high))),
             AnalystFigure(subject: subject, measure: .clients, value: Double(clients), shown: AnalystNumberFormat.integer(Double(clients))),
             AnalystFigure(subject: subject, measure: .share, value: Double(high) * 100 / Double(max(clients, 1)),
                           shown: AnalystNumberFormat.percent(Double(high), of: Double(clients)), from: [Double(high), Double(clients)])]
        }
        // A group the question names: a masked reference (or a prefix of at least 6 hex digits) or a label.
        let tokens = Set(q.text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "_" }).map(String.init))
        let named = portfolio.groups.filter { group in
            let ref = group.ref.lowercased()
            if tokens.contains(ref) { return true }
            if ParsedQuestion.isMasked(group.ref) {
                return tokens.contains { $0.count >= 8 && ($0.hasPrefix("b-") || $0.hasPrefix("m-")) && ref.hasPrefix($0) }
                    || tokens.contains { $0.count >= 6 && $0.allSatisfy(\.isHexDigit) && ref.dropFirst(2).hasPrefix($0) }
            }
            return q.text.contains(ref)
        }
        if named.count > 1 {
            return unanswerable(.count, "The question matches \(named.count) portfolio groups (\(named.map { "\($0.kind.rawValue) \($0.ref)" }.joined(separator: ", "))); name one.")
        }
        if let group = named.first {
            let high = group.bands[RiskBand.high.rawValue] ?? 0
            let subject = "\(group.kind.rawValue) \(group.ref)"
            let f = figures(subject, high: high, clients: group.clients)
            return answered(.count, kind: group.kind.rawValue, measure: "highRisk",
                            text: "\(group.kind.rawValue.capitalized) \(group.ref): \(f[0].shown) of \(f[1].shown) clients (\(f[2].shown)) are \(band).",
                            figures: f, refs: [group.ref])
        }
        // A masked reference the portfolio does not hold: withheld (or never released).
        if let ref = q.unknownRefs.first { return withheld(kind: ref.kind, name: ref.text) }
        if let (kind, plural) = q.kind {
            let candidates = portfolio.groups.filter { $0.kind == kind }
            guard !candidates.isEmpty else { return withheld(kind: kind.rawValue, name: "") }
            let bottom = q.has("lowest") || q.has("least") || q.has("fewest") || q.has("bottom")
            let sorted = candidates.sorted { a, b in
                a.highShare != b.highShare ? (bottom ? a.highShare < b.highShare : a.highShare > b.highShare) : a.ref < b.ref
            }
            let chosen = Array(sorted.prefix(min(q.count ?? (plural ? 3 : 1), sorted.count)))
            var all: [AnalystFigure] = []
            var parts: [String] = []
            for group in chosen {
                let f = figures("\(group.kind.rawValue) \(group.ref)", high: group.bands[RiskBand.high.rawValue] ?? 0, clients: group.clients)
                all += f
                parts.append("\(group.ref) \(f[2].shown) (\(f[0].shown) of \(f[1].shown))")
            }
            let kindPlural = kind == .branch ? "branches" : kind.rawValue + "s"
            return answered(.rank, kind: kind.rawValue, measure: "highRisk",
                            text: "\(bottom ? "Smallest" : "Largest") share of clients \(band) among the released \(kindPlural): \(parts.joined(separator: ", ")).",
                            figures: all, refs: chosen.map(\.ref))
        }
        guard let clients = portfolio.clients, let bands = portfolio.bands else {
            return refuse(PolicyRefusal(rule: "release.withheld", reason: "the release to \(role) does not contain the portfolio totals (withheld by the policy); ask about a released group"))
        }
        let f = figures("population", high: bands[RiskBand.high.rawValue] ?? 0, clients: clients)
        return answered(.count, kind: "population", measure: "highRisk",
                        text: "\(f[0].shown) of \(f[1].shown) clients (\(f[2].shown)) are \(band).", figures: f, refs: [])
    }

    private func personaQuestion(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer? {
        let labels = (document.personas ?? []).filter { q.mentionsLabel($0.label) }
        guard q.hasWord(startingWith: "persona") || !labels.isEmpty else { return nil }
        guard let personas = document.personas, !personas.isEmpty else {
            return unanswerable(.personaMix, "This release has no personas section.")
        }
        let total = Double(personas.reduce(0) { $0 + $1.clients })
        let chosen = labels.isEmpty
            ? personas.sorted { $0.clients != $1.clients ? $0.clients > $1.clients : $0.label < $1.label } : labels
        var figures: [AnalystFigure] = []
        var parts: [String] = []
        for persona in chosen {
            let count = AnalystFigure(subject: "persona \(persona.label)", measure: .clients, value: Double(persona.clients),
                                      shown: AnalystNumberFormat.integer(Double(persona.clients)))
            let share = AnalystFigure(subject: "persona \(persona.label)", measure: .share, value: Double(persona.clients) * 100 / total,
                                      shown: AnalystNumberFormat.percent(Double(persona.clients), of: total), from: [Double(persona.clients), total])
            figures += [count, share]
            parts.append("\(persona.label) \(count.shown) (\(share.shown))")
        }
        let totalFigure = AnalystFigure(subject: "personas", measure: .clients, value: total, shown: AnalystNumberFormat.integer(total))
        figures.append(totalFigure)
        let text = (labels.isEmpty ? "Persona mix: " : "") + parts.joined(separator: ", ") + " of \(totalFigure.shown) clients with a persona."
        return answered(.personaMix, kind: "persona", measure: "clients", text: text, figures: figures, refs: chosen.map(\.label))
    }

    private func clientQuestion(_ q: ParsedQuestion, _ document: ResultsDocument) -> AnalystAnswer {
        let access = clientAccess(document)
        let rule = "roles.\(role).clients"
        guard access != .none, let clients = document.clients else {
            return refuse(PolicyRefusal(rule: rule, reason: "the role \"\(role)\" may not receive per-client values"))
        }
        let notOwn = PolicyRefusal(rule: rule, reason: access == .own
            ? "a manager may receive only their own clients, not those of another manager"
            : "the client is not in this release")
        if q.hasPhrase("clients of") || q.hasPhrase("client of") || q.hasPhrase("customers of") {
            let named = q.entities.compactMap(\.group).first { $0.kind == .manager }?.ref
                ?? q.unknownRefs.first { $0.kind == "manager" }?.text
            if access == .own {
                guard let named, let mine = caller?.manager, mine.lowercased() == named.lowercased() else { return refuse(notOwn) }
            } else if named != nil {
                return unanswerable(.rank, "This release's client rows do not name their manager.")
            }
        }
        if !q.clientRefs.isEmpty {
            var found: [ClientResult] = []
            for ref in q.clientRefs {
                guard let client = clients.first(where: { $0.ref.lowercased().hasPrefix(ref) }) else { return refuse(notOwn) }
                found.append(client)
            }
            let client = found[0]
            let measure: AnalystMeasure = q.has("trend") ? .trend : .heat
            let value = Double(measure == .trend ? client.trend : client.heat)
            let main = AnalystFigure(subject: "client \(client.ref)", measure: measure, value: value, shown: AnalystNumberFormat.integer(value))
            var text = "Client \(client.ref): \(measure.phrase) \(main.shown), level \(client.level.rawValue)\(client.cooling ? ", cooling" : "")"
            var figures = [main]
            if measure == .heat {
                let trend = AnalystFigure(subject: "client \(client.ref)", measure: .trend, value: Double(client.trend), shown: AnalystNumberFormat.integer(Double(client.trend)))
                figures.append(trend)
                text += ", trend \(trend.shown)"
            }
            return answered(.lookup, kind: "client", measure: measure.rawValue, text: text + ".", figures: figures, refs: [client.ref])
        }
        if q.isCount {
            let cooling = clients.filter(\.cooling).count
            let figure = AnalystFigure(subject: "clients", measure: .cooling, value: Double(cooling), shown: AnalystNumberFormat.integer(Double(cooling)))
            let total = AnalystFigure(subject: "clients", measure: .clients, value: Double(clients.count), shown: AnalystNumberFormat.integer(Double(clients.count)))
            if q.has("cooling") {
                return answered(.count, kind: "client", measure: "cooling", text: "\(figure.shown) of the \(total.shown) released clients are cooling.", figures: [figure, total], refs: [])
            }
            return answered(.count, kind: "client", measure: "clients", text: "The release has \(total.shown) clients.", figures: [total], refs: [])
        }
        if q.isRanking || q.has("which") || q.has("who") || q.has("list") || q.has("show") {
            let measure: AnalystMeasure = q.has("trend") ? .trend : .heat
            let bottom = q.wantsBottom(for: measure)
            var pool = clients
            if q.has("cooling") && !q.has("trend") { pool = pool.filter(\.cooling) }
            let sorted = pool.sorted { a, b in
                let (x, y) = measure == .trend ? (a.trend, b.trend) : (a.heat, b.heat)
                if x != y { return bottom ? x < y : x > y }
                return a.ref < b.ref
            }
            let count = min(q.count ?? 3, sorted.count)
            let chosen = Array(sorted.prefix(count))
            let figures = chosen.map {
                AnalystFigure(subject: "client \($0.ref)", measure: measure, value: Double(measure == .trend ? $0.trend : $0.heat),
                              shown: AnalystNumberFormat.integer(Double(measure == .trend ? $0.trend : $0.heat)))
            }
            let text = "\(bottom ? "Lowest" : "Highest") \(measure.phrase) among the released clients: "
                + zip(chosen, figures).map { "\($0.ref) \($1.shown)" }.joined(separator: ", ") + "."
            return answered(.rank, kind: "client", measure: measure.rawValue, text: text, figures: figures, refs: chosen.map(\.ref))
        }
        return unanswerable(nil, "Ask about a client by reference (C-…), or for the top or bottom clients by heat or trend.")
    }

    // MARK: Helpers

    private func clientAccess(_ document: ResultsDocument) -> RolePermissions.ClientAccess {
        if let policy, let permissions = try? policy.permissions(for: role) { return permissions.clients }
        guard document.clients != nil else { return .none }
        return document.role == "manager" ? .own : .all
    }

    private func withheld(kind: String, name: String) -> AnalystAnswer {
        if let policy, let permissions = try? policy.permissions(for: role), let groupKind = GroupSummary.Kind(rawValue: kind),
           !permissions.groups.contains(groupKind) {
            return refuse(PolicyRefusal(rule: "roles.\(role).groups", reason: "the role \"\(role)\" may not receive \(kind) aggregates"))
        }
        let k = documents.first?.policy.minGroupSize ?? PrivacyPolicy.defaultMinGroupSize
        let subject = name.trimmingCharacters(in: .whitespaces).isEmpty ? "\(kind) aggregates" : "\(kind) \(name.trimmingCharacters(in: .whitespaces))"
        return refuse(PolicyRefusal(
            rule: "release.withheld",
            reason: "the release to \(role) does not contain \(subject): groups under k = \(k) clients, groups that could be subtracted from other released groups (differencing) and groups identical to a released one are withheld by the policy"))
    }

    static func value(_ group: GroupSummary, _ measure: AnalystMeasure) -> Double {
        switch measure {
        case .clients: Double(group.clients)
        case .cooling: Double(group.cooling)
        case .coolingShare: group.clients > 0 ? Double(group.cooling) / Double(group.clients) : 0
        default: group.meanHeat
        }
    }

    private func figure(_ group: GroupSummary, _ measure: AnalystMeasure, release: Int = 0) -> AnalystFigure {
        let subject = "\(group.kind.rawValue) \(group.ref)"
        if measure == .coolingShare {
            return AnalystFigure(subject: subject, measure: .coolingShare, value: Double(group.cooling) * 100 / Double(max(group.clients, 1)),
                                 shown: AnalystNumberFormat.percent(Double(group.cooling), of: Double(group.clients)),
                                 release: release, from: [Double(group.cooling), Double(group.clients)])
        }
        let value = Self.value(group, measure)
        return AnalystFigure(subject: subject, measure: measure, value: value, shown: AnalystNumberFormat.integer(value), release: release)
    }

    private func citations(_ count: Int) -> [ReleaseCitation] { documents.prefix(count).map(ReleaseCitation.init) }

    private func answered(
        _ intent: AnalystIntent, kind: String, measure: String, text: String, figures: [AnalystFigure], refs: [String], releases: Int = 1
    ) -> AnalystAnswer {
        AnalystAnswer(status: .answered, intent: intent, kind: kind, measure: measure, text: text, figures: figures, refs: refs,
                      releases: citations(releases))
    }

    private func refuse(_ refusal: PolicyRefusal) -> AnalystAnswer {
        AnalystAnswer(status: .refused, text: "I cannot answer that: the policy did not release it to the role \"\(role)\".",
                      releases: citations(1), refusal: refusal)
    }

    private func unanswerable(_ intent: AnalystIntent?, _ reason: String) -> AnalystAnswer {
        AnalystAnswer(status: .unanswerable, intent: intent, text: reason, releases: citations(1), examples: examples())
    }

    /// Example questions this engine can answer from its documents.
    public func examples() -> [String] {
        guard let document = documents.first else { return [] }
        var examples: [String] = []
        let groups = document.groups ?? []
        if let kind = [GroupSummary.Kind.branch, .manager, .segment, .region].first(where: { k in groups.contains { $0.kind == k } }) {
            let plural = kind == .branch ? "branches" : kind.rawValue + "s"
            examples.append("Which \(plural) have the most cooling clients?")
            examples.append("Bottom 3 \(plural) by mean heat")
            let refs = groups.filter { $0.kind == kind }.map(\.ref)
            if let first = refs.first { examples.append("What is the mean heat of \(kind.rawValue) \(first)?") }
            if refs.count >= 2 { examples.append("Compare \(refs[0]) and \(refs[1])") }
        }
        if document.population != nil {
            examples.append("What share of clients are cold?")
            examples.append("How many clients are cooling?")
        }
        if document.weekly != nil { examples.append("Trend of calls over the last 8 weeks") }
        if documents.count >= 2 { examples.append("How did mean heat change since the last release?") }
        if document.personas != nil { examples.append("What is the persona mix?") }
        if document.clients != nil { examples.append("Top 3 clients by heat") }
        examples.append("Summarise this release")
        return examples
    }
}

extension AnalystAnswer {
    func adding(_ figure: AnalystFigure) -> AnalystAnswer {
        var copy = self
        copy.figures.append(figure)
        return copy
    }
}
