/// Builds the self-contained `index.html` of a results document.
///
/// The page has no scripts, no external stylesheets, fonts or images (a Content-Security-Policy
/// meta tag forbids them), and works from the file system. Each present section is a
/// `<section id="section-…">` (see ``ReportSection``); charts are inline SVG from
/// ``SVGChart``, each followed by its data as a table. A print stylesheet drops the navigation
/// and keeps cards on one page where they fit; the layout reflows from 1280 px down to 390 px.
///
/// ```swift
/// let html = HTMLReport(document: document, palette: .standard).render()
/// ```
struct HTMLReport {
    let document: ResultsDocument
    let palette: ReportPalette
    /// The most client rows shown in the page (the exports always have all of them).
    let maximumClientRows: Int
    /// Whether `<table>.csv` files are written next to the page (then linked).
    let linksCSV: Bool

    init(document: ResultsDocument, palette: ReportPalette, maximumClientRows: Int = 1000, linksCSV: Bool = false) {
        self.document = document
        self.palette = palette
        self.maximumClientRows = maximumClientRows
        self.linksCSV = linksCSV
    }

    private func e(_ text: String) -> String { HTMLEscaping.escape(text) }
    private func n(_ value: Int) -> String { ReportNumberFormat.grouped(value) }
    private func d(_ value: Double, _ decimals: Int = 1) -> String { ReportNumberFormat.plain(value, decimals: decimals) }
    private func signed(_ value: Double, _ decimals: Int = 1) -> String {
        value > 0 ? "+" + d(value, decimals) : (value < 0 ? "\u{2212}" + d(-value, decimals) : "0")
    }

    /// The complete page.
    func render() -> String {
        let sections = ReportSection.present(in: document)
        let tables = Dictionary(ReportTables.make(from: document).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var body = ""
        for section in sections where section != .parameters {
            switch section {
            case .population: body += population(tables)
            case .histogram: body += histogram(tables)
            case .weekly: body += weekly()
            case .groups: body += groups(tables)
            case .clients: body += clients()
            case .personas: body += personas(tables)
            case .model: body += model(tables)
            case .scenario: body += ScenarioReportSection(document: document, palette: palette).render()
            case .riskPortfolio: body += RiskPortfolioReportSection(document: document, palette: palette).render()
            case .parameters: break
            case .riskModel, .fraudMetrics: body += RiskModelReportSection(document: document, palette: palette).render(section)
            }
        }
        let nav = sections.map { "<a href=\"#\($0.elementID)\">\(e($0.title))</a>" }.joined()
        let modeLabel = document.mode == .encrypted ? "Encrypted (BFV)" : "Plaintext"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="generator" content="CustomerHeat \(e(CustomerHeat.version))">
            <title>CustomerHeat report, as of \(e(document.asOf.description))</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <header class="masthead"><div class="wrap">
            <h1>CustomerHeat report</h1>
            <p class="meta">As of <strong>\(e(document.asOf.description))</strong> · released to \
            <strong>\(e(document.role))</strong> · <span class="badge mode-\(document.mode.rawValue)">\(e(modeLabel))</span> · \
            policy <strong>\(e(document.policy.name))</strong> (k = \(document.policy.minGroupSize))</p>
            <nav aria-label="Sections">\(nav)</nav>
            </div></header>
            <main class="wrap">
            \(body)\(footer(tables))
            </main>
            </body>
            </html>

            """
    }

    /// A chart in two layouts: the wide one (640-unit viewBox) for screens and print, and the
    /// compact one (360 units, id suffixed `-narrow`) shown instead below 640 px, so chart text
    /// stays readable on a phone without scripts.
    private func responsive(_ make: (_ compact: Bool, _ idSuffix: String) -> String) -> String {
        "<div class=\"chart-wide\">" + make(false, "") + "</div><div class=\"chart-narrow\">" + make(true, "-narrow") + "</div>"
    }

    // MARK: Sections

    private func card(_ section: ReportSection, lead: String, _ content: String) -> String {
        """
        <section id="\(section.elementID)" class="card" aria-labelledby="\(section.elementID)-heading">
        <h2 id="\(section.elementID)-heading">\(e(section.title))</h2>
        <p class="lead">\(lead)</p>
        \(content)
        </section>

        """
    }

    private func tile(_ label: String, _ value: String, _ note: String? = nil) -> String {
        "<div class=\"tile\"><div class=\"tile-label\">\(e(label))</div><div class=\"tile-value\">\(e(value))</div>"
            + (note.map { "<div class=\"tile-note\">\(e($0))</div>" } ?? "") + "</div>"
    }

    private func empty(_ what: String) -> String {
        "<p class=\"empty\">No \(e(what)) were released: every group was smaller than the policy's minimum of \(document.policy.minGroupSize) clients, or none were computed.</p>"
    }

    /// A table as HTML, numbers right-aligned; optionally inside a collapsible `<details>`.
    private func table(_ table: ReportTable, caption: String? = nil, collapsed: Bool, limit: Int? = nil) -> String {
        let shown = limit.map { Array(table.rows.prefix($0)) } ?? table.rows
        var html = "<div class=\"table-wrap\"><table><caption>\(e(caption ?? table.title))</caption><thead><tr>"
        let numeric = table.columns.indices.map { column in
            table.rows.contains { row in
                guard column < row.count else { return false }
                switch row[column] { case .integer, .number: return true; default: return false }
            }
        }
        for (index, column) in table.columns.enumerated() {
            html += "<th scope=\"col\"\(numeric[index] ? " class=\"num\"" : "")>\(e(column))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in shown {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                html += "<td\(index < numeric.count && numeric[index] ? " class=\"num\"" : "")>\(e(cell.description))</td>"
            }
            html += "</tr>"
        }
        html += "</tbody></table></div>"
        if linksCSV { html += "<p class=\"download\"><a href=\"\(e(table.name)).csv\">\(e(table.name)).csv</a></p>" }
        guard collapsed else { return html }
        return "<details><summary>Data: \(e(table.title)) (\(n(table.rows.count)) rows)</summary>\(html)</details>"
    }

    private func population(_ tables: [String: ReportTable]) -> String {
        guard let population = document.population else { return "" }
        let coolingShare = ReportNumberFormat.percent(population.cooling, of: population.clients)
        var content = "<div class=\"tiles\">"
        content += tile("Clients", n(population.clients))
        content += tile("Cooling", n(population.cooling), "\(coolingShare) of clients")
        content += tile("Mean heat", heatScore(population.meanHeat), "score, see below")
        content += tile("Mean trend", signed(population.trend, 0),
                        population.trend < 0 ? "cooling overall" : (population.trend > 0 ? "warming overall" : "flat"))
        content += "</div>"
        let bars = HeatLevel.allCases.map { level in
            let count = population.levels[level] ?? 0
            return SVGChart.Bar(
                label: level.rawValue.capitalized, value: Double(count),
                valueLabel: "\(n(count)) (\(ReportNumberFormat.percent(count, of: population.clients)))",
                color: palette.level(level))
        }
        content += "<div class=\"with-aside\"><figure>" + responsive { compact, suffix in SVGChart.horizontalBars(
            id: "chart-levels" + suffix, title: "Clients per heat level",
            description: HeatLevel.allCases.map { "\($0.rawValue): \(population.levels[$0] ?? 0)" }.joined(separator: ", "),
            bars: bars, axisTitle: "Clients", palette: palette, compact: compact) } + "</figure>"
        content += levelThresholds() + "</div>"
        content += heatScale()
        if let levels = tables["population-levels"] { content += table(levels, collapsed: true) }
        let lead = "How many clients sit at each heat level, how many the cooling rule flags, and the average heat and "
            + "trend (the score of the last 4 weeks minus the 4 before; negative means engagement is falling)."
        return card(.population, lead: e(lead), content)
    }

    /// Heat as the integer score it is (no false precision from averaging).
    private func heatScore(_ value: Double) -> String {
        value.isFinite ? n(Int(value.rounded())) : "–"
    }

    /// The level thresholds, shown beside the level chart (from the document's configuration).
    private func levelThresholds() -> String {
        guard let levels = document.heatConfig?.levels else {
            return "<aside class=\"thresholds\" aria-labelledby=\"thresholds-heading\"><h3 id=\"thresholds-heading\">Level thresholds</h3>"
                + "<p class=\"note\">The level thresholds were not recorded in this document.</p></aside>"
        }
        let cooling = document.heatConfig?.cooling
        var html = "<aside class=\"thresholds\" aria-labelledby=\"thresholds-heading\"><h3 id=\"thresholds-heading\">Level thresholds (heat score)</h3><dl>"
        html += "<dt><span class=\"level level-hot\">Hot</span></dt><dd>\(n(levels.hot)) and above</dd>"
        html += "<dt><span class=\"level level-warm\">Warm</span></dt><dd>\(n(levels.warm)) to \(n(levels.hot - 1))</dd>"
        html += "<dt><span class=\"level level-cool\">Cool</span></dt><dd>\(n(levels.cool)) to \(n(levels.warm - 1))</dd>"
        html += "<dt><span class=\"level level-cold\">Cold</span></dt><dd>below \(n(levels.cool))</dd></dl>"
        if let cooling {
            let weeks = document.heatConfig?.trendWeeks ?? 4
            html += "<p class=\"note\">Cooling: heat at least \(n(cooling.minimumHeat)) and the last \(weeks) weeks' score fell by more "
                + "than \(cooling.trendPercent)% of heat against the \(weeks) weeks before.</p>"
        }
        return html + "</aside>"
    }

    /// One paragraph that explains the heat scale, shown once (in the population section).
    private func heatScale() -> String {
        guard let config = document.heatConfig else {
            return "<p class=\"note scale\" id=\"heat-scale\"><strong>Heat</strong> is an integer score with no unit: weighted, "
                + "decaying counts of calls, emails, meetings and messages; higher means more recent and more intense contact.</p>"
        }
        let weights = config.weights
        func range(_ channel: Channel) -> String {
            let a = weights[channel, .inbound], b = weights[channel, .outbound]
            return a == b ? "\(a)" : "\(min(a, b))–\(max(a, b))"
        }
        let text = "<strong>Heat</strong> is an integer score with no unit. Each week, every interaction earns points "
            + "(a meeting \(range(.meeting)), a call \(range(.call)), an email \(range(.email)), a message \(range(.message)), "
            + "plus \(config.durationUnitWeight) per \(config.durationUnitSeconds / 60) minutes and \(config.replyWeight) per reply within "
            + "\(e(ReportNumberFormat.plain(config.replyWithinHours, decimals: 0))) hours); the week's points are multiplied by a weight "
            + "of \(config.decayScale) for the latest week, halving every \(e(ReportNumberFormat.plain(config.halfLifeWeeks, decimals: 1))) weeks, "
            + "and summed over \(config.windowWeeks) weeks. 0 means no contact in that time; the largest possible score is "
            + "\(n(config.maximumHeat)). Trend is on the same scale."
        return "<p class=\"note scale\" id=\"heat-scale\">\(text)</p>"
    }

    private func histogram(_ tables: [String: ReportTable]) -> String {
        guard let bins = document.heatHistogram else { return "" }
        guard !bins.isEmpty else { return card(.histogram, lead: "", empty("histogram bins")) }
        let total = bins.reduce(0) { $0 + $1.clients }
        let tallest = bins.max { $0.clients < $1.clients }
        let open = ReportTables.openBins(bins)
        let openBin = open.sorted().last.map { bins[$0] }
        var content = "<figure>" + responsive { compact, suffix in SVGChart.histogram(
            id: "chart-histogram" + suffix, title: "Heat histogram",
            description: "\(total) clients in \(bins.count) heat bins from \(bins.first?.from ?? 0)"
                + (openBin.map { " up; the last bin is open: heat \($0.from) and above (\($0.clients) clients, the hottest at \($0.to - 1))" }
                    ?? " to \(bins.last?.to ?? 0)")
                + (tallest.map { "; the fullest bin is \($0.from) to \($0.to) with \($0.clients) clients" } ?? ""),
            bins: bins.enumerated().map { (from: $1.from, to: $1.to, count: $1.clients, open: open.contains($0)) },
            xTitle: "Heat score", yTitle: "Clients", palette: palette, width: compact ? 360 : 640) }
        if let openBin {
            content += "<figcaption>The last bar, drawn lighter with a dashed outline and labelled ≥ \(n(openBin.from)), is open: it holds "
                + "every client with heat \(n(openBin.from)) and above (up to \(n(openBin.to - 1))), a wider range than the other bars.</figcaption>"
        }
        content += "</figure>"
        if let table = tables["heat-histogram"] { content += self.table(table, collapsed: true) }
        let lead = "How heat is spread over clients: each bar counts the clients whose heat falls in the bin "
            + "(from inclusive, to exclusive). A tall bar at the left is a large group with little recent contact."
        return card(.histogram, lead: e(lead), content)
    }

    private func weekly() -> String {
        guard let weekly = document.weekly else { return "" }
        guard !weekly.isEmpty else { return card(.weekly, lead: "", empty("weekly counts")) }
        let weeks = Array(Set(weekly.map(\.week))).sorted()
        let channels = Channel.allCases.filter { channel in weekly.contains { $0.channel == channel } }
        var counts: [ISOWeek: [Channel: Int]] = [:]
        for item in weekly { counts[item.week, default: [:]][item.channel, default: 0] += item.events }
        let series = channels.enumerated().map { index, channel in
            SVGChart.Series(
                name: channel.rawValue.capitalized, color: palette.channel(channel),
                dash: SVGChart.dashes[index % SVGChart.dashes.count],
                points: weeks.enumerated().map { (x: Double($0.offset), y: Double(counts[$0.element]?[channel] ?? 0)) },
                markers: weeks.count <= 26)
        }
        let totals = channels.map { channel in weekly.filter { $0.channel == channel }.reduce(0) { $0 + $1.events } }
        var content = "<figure>" + responsive { compact, suffix in SVGChart.lines(
            id: "chart-weekly" + suffix, title: "Weekly engagement by channel",
            description: "Events per ISO week from \(weeks.first?.description ?? "") to \(weeks.last?.description ?? ""); totals "
                + zip(channels, totals).map { "\($0.rawValue) \($1)" }.joined(separator: ", "),
            categories: weeks.map(\.description), series: series, xTitle: "ISO week", yTitle: "Events", palette: palette,
            width: compact ? 360 : 640) }
        content += "</figure>"
        let wide = ReportTable(
            name: "weekly-engagement", title: "Weekly engagement by channel",
            columns: ["week"] + channels.map(\.rawValue) + ["total"],
            rows: weeks.map { week in
                let row = channels.map { counts[week]?[$0] ?? 0 }
                return [.text(week.description)] + row.map { .integer($0) } + [.integer(row.reduce(0, +))]
            })
        content += table(wide, collapsed: true)
        let lead = "Interactions per ISO week (UTC) on each channel. Falling lines show channels losing engagement; "
            + "the last week may be partial when the reference date falls mid-week."
        return card(.weekly, lead: e(lead), content)
    }

    private func groups(_ tables: [String: ReportTable]) -> String {
        guard let groups = document.groups else { return "" }
        guard !groups.isEmpty else { return card(.groups, lead: "", empty("group aggregates")) }
        var content = ""
        let names: [GroupSummary.Kind: (String, String)] = [
            .manager: ("By relationship manager", "managers"), .branch: ("By branch", "branches"),
            .segment: ("By segment", "segments"), .region: ("By region", "regions"),
        ]
        for kind in GroupSummary.Kind.allCases {
            let members = groups.filter { $0.kind == kind }
                .sorted { $0.meanHeat != $1.meanHeat ? $0.meanHeat > $1.meanHeat : $0.ref < $1.ref }
            guard !members.isEmpty else { continue }
            let (heading, plural) = names[kind] ?? (kind.rawValue, kind.rawValue)
            let bars = members.map { group in
                SVGChart.Bar(
                    label: "\(group.ref) (n=\(group.clients))", value: group.meanHeat,
                    valueLabel: "\(heatScore(group.meanHeat)) · \(group.cooling) cooling", color: palette.bar)
            }
            content += "<h3 id=\"groups-\(kind.rawValue)\">\(e(heading)) <span class=\"count\">(\(members.count) \(plural))</span></h3>"
            content += "<figure>" + responsive { compact, suffix in SVGChart.horizontalBars(
                id: "chart-groups-\(kind.rawValue)" + suffix, title: "Mean heat \(heading.lowercased())",
                description: "Mean heat of \(members.count) \(plural), hottest first: "
                    + members.prefix(5).map { "\($0.ref) \(heatScore($0.meanHeat))" }.joined(separator: ", "),
                bars: bars, axisTitle: "Mean heat", palette: palette, compact: compact) } + "</figure>"
            let rows: [[ReportTable.Cell]] = members.map {
                [.text($0.ref), .integer($0.clients), .number($0.meanHeat), .integer($0.cooling),
                 .text(ReportNumberFormat.percent($0.cooling, of: $0.clients))]
            }
            content += table(ReportTable(
                name: "groups", title: heading, columns: ["ref", "clients", "meanHeat", "cooling", "coolingShare"], rows: rows),
                collapsed: true)
        }
        for duplicate in document.groupDuplicates ?? [] {
            let (dropped, _) = names[duplicate.kind] ?? (duplicate.kind.rawValue, duplicate.kind.rawValue)
            let (kept, keptPlural) = names[duplicate.sameAs] ?? (duplicate.sameAs.rawValue, duplicate.sameAs.rawValue)
            content += "<p class=\"note duplicate\">\(e(dropped)) is not shown: its groups hold exactly the same clients as the "
                + "\(e(keptPlural)), so the numbers are released once, under \(e(kept.lowercased())) (showing both would put a label "
                + "beside each masked reference).</p>"
        }
        let lead = "Mean heat score and cooling clients per group, hottest first. Managers and branches appear only as masked "
            + "references (M-, B- and 8 hex digits); n is the group size, and groups under the policy's minimum of "
            + "\(document.policy.minGroupSize) clients are withheld."
        return card(.groups, lead: e(lead), content)
    }

    private func clients() -> String {
        guard let clients = document.clients else { return "" }
        guard !clients.isEmpty else { return card(.clients, lead: "", empty("per-client values")) }
        let threshold = ReportTables.riskThreshold(of: document)
        let sorted = ReportTables.sortedClients(clients, riskThreshold: threshold)
        let reasons = sorted.map { ReportTables.attentionReasons(of: $0, riskThreshold: threshold) }
        let hasPersona = clients.contains { $0.persona != nil }
        let hasRisk = clients.contains { $0.churnRisk != nil }
        let attention = reasons.filter { !$0.isEmpty }.count
        // Every client who needs attention is shown, then the others up to the page's limit.
        let shownCount = min(sorted.count, max(maximumClientRows, attention))
        var rows = ""
        var shownTally: [ReportTables.AttentionReason: Int] = [:]
        var shownAttention = 0
        for (client, why) in zip(sorted.prefix(shownCount), reasons.prefix(shownCount)) {
            var classes = why.map { "r-\($0.rawValue)" }
            if !why.isEmpty { classes.append("attention"); shownAttention += 1 }
            for reason in why { shownTally[reason, default: 0] += 1 }
            // The row's groups, when released (issue 21): the live dashboard's filters narrow the rows by them.
            let groups = GroupSummary.Kind.allCases.compactMap { kind in client.group(kind).map { " data-\(kind.rawValue)=\"\(e($0))\"" } }.joined()
            rows += "<tr\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")\(groups)><td class=\"ref\">\(e(client.ref))</td>"
            rows += "<td>\(why.isEmpty ? "" : "<span class=\"flag\">\(e(why.map(\.label).joined(separator: ", ")))</span>")</td>"
            rows += "<td class=\"num\">\(n(client.heat))</td>"
            rows += "<td class=\"num\">\(e(signed(Double(client.trend), 0)))</td>"
            rows += "<td><span class=\"level level-\(client.level.rawValue)\">\(e(client.level.rawValue))</span></td>"
            if hasRisk { rows += "<td class=\"num\">\(client.churnRisk.map { e(ReportNumberFormat.percent(Int(($0 * 1000).rounded()), of: 1000)) } ?? "")</td>" }
            if hasPersona { rows += "<td>\(e(client.persona ?? ""))</td>" }
            rows += "</tr>"
        }
        let cooling = clients.filter(\.cooling).count
        let cold = clients.filter { $0.level == .cold }.count
        var content = "<div class=\"tiles\">" + tile("Clients released", n(clients.count))
            + tile("Need attention", n(attention), "\(ReportNumberFormat.percent(attention, of: clients.count)) of released")
            + tile("Cooling", n(cooling), "\(ReportNumberFormat.percent(cooling, of: clients.count)) of released")
            + tile("Cold", n(cold), "\(ReportNumberFormat.percent(cold, of: clients.count)) of released")
        if hasRisk {
            let high = reasons.filter { $0.contains(.highRisk) }.count
            content += tile("High churn risk", n(high), "risk at or above \(ReportNumberFormat.percent(Int((threshold * 100).rounded()), of: 100))")
        }
        content += "</div>"
        if shownCount < clients.count {
            content += "<p class=\"note\">The page shows all \(n(attention)) clients who need attention, then the others up to "
                + "\(n(shownCount)) of \(n(clients.count)) rows; the CSV and JSON exports (<code>heatctl report RESULTS.json --out DIR "
                + "--format csv --format json</code>) hold every client, with an <code>attention</code> column to filter on.</p>"
        }
        func filter(_ id: String, _ label: String, _ count: Int, checked: Bool = false) -> String {
            "<label class=\"filter-option\" for=\"cf-\(id)\"><input type=\"radio\" name=\"client-filter\" id=\"cf-\(id)\"\(checked ? " checked" : "")>"
                + " \(e(label)) <span class=\"count\">(\(n(count)))</span></label>"
        }
        var filters = filter("all", "All shown", shownCount, checked: true) + filter("attention", "Need attention", shownAttention)
            + filter("cooling", "Cooling", shownTally[.cooling] ?? 0)
        if hasRisk { filters += filter("high-risk", "High churn risk", shownTally[.highRisk] ?? 0) }
        filters += filter("cold", "Cold", shownTally[.cold] ?? 0)
        content += """
            <div class="client-filter" role="radiogroup" aria-label="Show clients"><span class="filter-label">Show:</span>\(filters)
            <div class="table-wrap"><table class="clients"><caption>Clients, those who need attention first</caption>
            <thead><tr><th scope="col">ref</th><th scope="col">attention</th><th scope="col" class="num">heat</th>\
            <th scope="col" class="num">trend</th><th scope="col">level</th>\
            \(hasRisk ? "<th scope=\"col\" class=\"num\">churn risk</th>" : "")\(hasPersona ? "<th scope=\"col\">persona</th>" : "")</tr></thead>
            <tbody>\(rows)</tbody></table></div></div>
            """
        if linksCSV { content += "<p class=\"download\"><a href=\"clients.csv\">clients.csv</a></p>" }
        var lead = "Per-client values released to this role, under masked references (C- and 8 hex digits), those who need "
            + "attention first: cooling clients, then "
        lead += hasRisk ? "clients at high churn risk, then " : ""
        lead += "cold clients, each group by "
        lead += hasRisk ? "churn risk (highest first), then " : ""
        lead += "heat (lowest first). Cooling marks clients whose recent score fell by more than the configured share of their heat."
        if hasRisk {
            lead += " Churn risk is the churn model's probability for the client, estimated out of fold (by a model that did not "
                + "see the client); high means at or above the model's threshold of \(ReportNumberFormat.plain(threshold, decimals: 2))."
        }
        return card(.clients, lead: e(lead), content)
    }

    private func personas(_ tables: [String: ReportTable]) -> String {
        guard let personas = document.personas else { return "" }
        guard !personas.isEmpty else { return card(.personas, lead: "", empty("persona counts")) }
        let total = personas.reduce(0) { $0 + $1.clients }
        let sorted = personas.sorted { $0.clients != $1.clients ? $0.clients > $1.clients : $0.label < $1.label }
        var content = "<figure>" + responsive { compact, suffix in SVGChart.horizontalBars(
            id: "chart-personas" + suffix, title: "Clients per persona",
            description: sorted.map { "\($0.label): \($0.clients)" }.joined(separator: ", "),
            bars: sorted.map {
                SVGChart.Bar(label: $0.label, value: Double($0.clients),
                             valueLabel: "\(n($0.clients)) (\(ReportNumberFormat.percent($0.clients, of: total)))", color: palette.bar)
            },
            axisTitle: "Clients", palette: palette, compact: compact) } + "</figure>"
        if let table = tables["personas"] { content += self.table(table, collapsed: true) }
        let lead = "Clients per persona: rule-based or clustered profiles of how clients engage (channels, rhythm, replies)."
        return card(.personas, lead: e(lead), content)
    }

    private func model(_ tables: [String: ReportTable]) -> String {
        guard let model = document.model else { return "" }
        let metricNames: [String: String] = [
            "rocAuc": "ROC AUC", "prAuc": "PR AUC", "logLoss": "Log loss", "accuracy": "Accuracy", "f1": "F1",
            "precision": "Precision", "recall": "Recall", "brier": "Brier score", "baseRate": "Base rate", "threshold": "Threshold",
        ]
        let metrics = model.metrics
        func value(_ key: String) -> String { metrics[key].map { d($0, 3) } ?? "–" }
        func share(_ key: String) -> String? { metrics[key].map { ReportNumberFormat.plain($0 * 100, decimals: 1) + "%" } }
        let threshold = metrics["threshold"].map { ReportNumberFormat.plain($0, decimals: 2) }
        var content = "<p class=\"meta\">Model: <strong>\(e(model.kind))</strong></p><div class=\"tiles lead-metrics\">"
        if metrics["rocAuc"] != nil { content += tile("ROC AUC", value("rocAuc"), "ranking quality: 0.5 is chance, 1 perfect") }
        if metrics["prAuc"] != nil {
            content += tile("PR AUC", value("prAuc"), share("baseRate").map { "against a base rate of \($0) (what chance scores)" }
                ?? "precision averaged over recall")
        }
        let at = threshold.map { " at threshold \($0)" } ?? ""
        if metrics["precision"] != nil { content += tile("Precision" + at, value("precision"), "of the clients flagged, the share who churned") }
        if metrics["recall"] != nil { content += tile("Recall" + at, value("recall"), "of the clients who churned, the share flagged") }
        content += "</div>"
        let others = ReportTables.orderedMetricKeys(metrics).filter { !ReportTables.leadingMetrics.contains($0) }
        if !others.isEmpty {
            content += "<p class=\"meta other-metrics\">Other metrics: " + others.map { "\(e(metricNames[$0] ?? $0)) \(value($0))" }.joined(separator: " · ")
            if let base = metrics["baseRate"], metrics["accuracy"] != nil {
                content += ". Accuracy says little when churn is rare: predicting that every client stays would score "
                    + "\(ReportNumberFormat.plain((1 - base) * 100, decimals: 1))%"
            }
            content += ".</p>"
        }
        content += "</div><div class=\"grid\">"
        func points(_ list: [[Double]]) -> [(x: Double, y: Double)] {
            list.compactMap { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite ? (x: $0[0], y: $0[1]) : nil }
        }
        if let roc = model.roc, !roc.isEmpty {
            let auc = model.metrics["rocAuc"].map { " (AUC \(d($0, 3)))" } ?? ""
            content += "<figure id=\"model-roc\">" + SVGChart.unitCurves(
                id: "chart-roc", title: "ROC curve\(auc)",
                description: "True positive rate against false positive rate over \(roc.count) thresholds\(auc); the dashed diagonal is chance.",
                series: [SVGChart.Series(name: "Model", color: palette.channels[0], dash: nil, points: points(roc), markers: false)],
                xTitle: "False positive rate", yTitle: "True positive rate", diagonal: "Chance", palette: palette)
            content += "<figcaption>ROC: the higher and further left, the better.</figcaption></figure>"
        }
        if let pr = model.pr, !pr.isEmpty {
            let auc = model.metrics["prAuc"].map { " (AUC \(d($0, 3)))" } ?? ""
            content += "<figure id=\"model-pr\">" + SVGChart.unitCurves(
                id: "chart-pr", title: "Precision-recall curve\(auc)",
                description: "Precision against recall over \(pr.count) thresholds\(auc).",
                series: [SVGChart.Series(name: "Model", color: palette.channels[1], dash: nil, points: points(pr), markers: false)],
                xTitle: "Recall", yTitle: "Precision", diagonal: nil, palette: palette)
            content += "<figcaption>Precision-recall: how many flagged clients really churn, at each share caught.</figcaption></figure>"
        }
        if let calibration = model.calibration, !calibration.isEmpty {
            let list = calibration.filter { $0.meanPredicted.isFinite && $0.observed.isFinite }
            content += "<figure id=\"model-calibration\">" + SVGChart.unitCurves(
                id: "chart-calibration", title: "Calibration",
                description: "Observed positive fraction against mean predicted probability in \(calibration.count) bins; the dashed diagonal is perfect calibration.",
                series: [SVGChart.Series(name: "Model", color: palette.channels[2], dash: nil,
                                         points: list.map { (x: $0.meanPredicted, y: $0.observed) }, markers: true)],
                xTitle: "Mean predicted probability", yTitle: "Observed fraction", diagonal: "Perfect", palette: palette)
            content += "<figcaption>Calibration: points on the diagonal mean the probabilities can be taken at face value.</figcaption></figure>"
        }
        if let confusion = model.confusion, confusion.count == 2, confusion.allSatisfy({ $0.count == 2 }) {
            let tn = confusion[0][0], fp = confusion[0][1], fn = confusion[1][0], tp = confusion[1][1]
            let total = tn + fp + fn + tp
            func cell(_ value: Int, _ kind: String) -> String {
                "<td class=\"num cm-\(kind)\"><strong>\(n(value))</strong><br><span class=\"tile-note\">\(ReportNumberFormat.percent(value, of: total))</span></td>"
            }
            content += """
                <figure id="model-confusion"><div class="table-wrap"><table class="confusion">
                <caption>Confusion matrix (\(n(total)) clients)</caption>
                <thead><tr><th scope="col">actual \\ predicted</th><th scope="col" class="num">stays</th><th scope="col" class="num">churns</th></tr></thead>
                <tbody><tr><th scope="row">stayed</th>\(cell(tn, "tn"))\(cell(fp, "fp"))</tr>
                <tr><th scope="row">churned</th>\(cell(fn, "fn"))\(cell(tp, "tp"))</tr></tbody></table></div>
                <figcaption>Rows are what happened, columns what the model predicted: the diagonal is right, \
                \(n(fp)) false alarms and \(n(fn)) missed churners.</figcaption></figure>
                """
        }
        content += "</div>"
        if let importances = model.importances, !importances.isEmpty {
            let top = importances.sorted { abs($0.value) > abs($1.value) }.prefix(20)
            content += "<figure id=\"model-importances\">" + responsive { compact, suffix in SVGChart.horizontalBars(
                id: "chart-importances" + suffix, title: "Feature importances",
                description: "The \(top.count) most important features: " + top.prefix(5).map { "\($0.feature) \(d($0.value, 3))" }.joined(separator: ", "),
                bars: top.map { SVGChart.Bar(label: $0.feature, value: $0.value, valueLabel: d($0.value, 3), color: palette.bar) },
                axisTitle: "Importance (\(model.kind))", palette: palette, compact: compact) }
            content += "<figcaption>Features the model leans on most, largest magnitude first\(importances.count > 20 ? " (top 20 of \(importances.count))" : "").</figcaption></figure>"
        }
        for name in ["model-metrics", "model-roc", "model-pr", "model-calibration", "model-importances"] {
            if let table = tables[name] { content += self.table(table, collapsed: true) }
        }
        let lead = "How well the churn model separates clients who leave from those who stay, evaluated on held-out data: first how "
            + "well it ranks clients (ROC AUC; PR AUC, which matters when churn is rare, against the share who churn), then what "
            + "its decision threshold catches (precision and recall)."
        return card(.model, lead: e(lead), content)
    }

    private func footer(_ tables: [String: ReportTable]) -> String {
        let epsilon = document.policy.epsilon.map { "ε = \(d($0, 4)) (discrete noise added at release)" } ?? "none (exact values)"
        let audit = document.auditRun ?? "none (not run against an audited store)"
        var html = """
            <footer id="\(ReportSection.parameters.elementID)" class="card footer" aria-labelledby="footer-heading">
            <h2 id="footer-heading">\(e(ReportSection.parameters.title))</h2>
            <dl class="facts">
            <dt>Mode</dt><dd>\(e(document.mode.rawValue))</dd>
            <dt>As of</dt><dd>\(e(document.asOf.description))</dd>
            <dt>Generated</dt><dd>\(e(document.generatedAt.iso8601))</dd>
            <dt>Role</dt><dd>\(e(document.role))</dd>
            <dt>Policy</dt><dd>\(e(document.policy.name)), minimum group size \(document.policy.minGroupSize)</dd>
            <dt>Policy hash</dt><dd><code>\(e(document.policy.hash ?? "none (not released through a policy file)"))</code></dd>
            <dt>Differential privacy</dt><dd>\(e(epsilon))</dd>
            <dt>Audit run</dt><dd><code>\(e(audit))</code></dd>
            <dt>Schema</dt><dd><code>\(e(document.schema))</code></dd>
            </dl>
            """
        let parameters = ReportTables.heatConfigParameters(document.heatConfig)
        if document.heatConfig == nil {
            html += "<p class=\"note\">No heat configuration was recorded in this document.</p>"
        } else if parameters.isEmpty {
            html += "<p class=\"note\">Heat configuration: the defaults (no parameters recorded).</p>"
        } else {
            html += "<h3>Heat configuration</h3><div class=\"table-wrap params\"><table><caption>Heat configuration parameters</caption>"
            html += "<thead><tr><th scope=\"col\">parameter</th><th scope=\"col\" class=\"num\">value</th></tr></thead><tbody>"
            for (key, value) in parameters {
                html += "<tr><td><code>\(e(key))</code></td><td class=\"num\">\(e(value.description))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        html += "<p class=\"note\">Generated by CustomerHeat \(e(CustomerHeat.version)). This page is self-contained: it loads nothing from the network.</p>"
        return html + "</footer>\n"
    }

    // MARK: Style

    private var stylesheet: String {
        let p = palette
        return """
            :root{color-scheme:light}
            *{box-sizing:border-box}
            html{-webkit-text-size-adjust:100%}
            body{margin:0;background:\(p.page.css);color:\(p.ink.css);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
            .wrap{max-width:1200px;margin:0 auto;padding:0 24px}
            .masthead{background:\(p.surface.css);border-bottom:1px solid \(p.rule.css);padding:20px 0 12px;margin-bottom:24px}
            h1{margin:0 0 4px;font-size:26px;color:\(p.accent.css)}
            h2{margin:0 0 6px;font-size:20px;color:\(p.accent.css)}
            h3{margin:22px 0 6px;font-size:16px}
            .count,.meta,.lead,.note,.tile-note,.tile-label,caption,.download{color:\(p.mutedInk.css)}
            .meta{margin:0 0 10px}
            .lead{margin:0 0 14px;max-width:70ch}
            nav{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:14px}
            a{color:\(p.accent.css)}
            .badge{display:inline-block;border:1px solid currentColor;border-radius:999px;padding:0 8px;font-size:13px;font-weight:600}
            .mode-encrypted{color:\(p.levels[1].css)}
            .mode-plaintext{color:\(p.mutedInk.css)}
            .card{background:\(p.surface.css);border:1px solid \(p.rule.css);border-radius:10px;padding:20px 24px;margin:0 0 24px}
            .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0 0 16px}
            .tile{border:1px solid \(p.rule.css);border-radius:8px;padding:10px 14px}
            .tile-label{font-size:13px}
            .tile-value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}
            .tile-note{font-size:13px}
            .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,340px),1fr));gap:16px 24px;align-items:start}
            figure{margin:0 0 12px}
            figcaption{font-size:13px;color:\(p.mutedInk.css);margin-top:4px}
            svg.chart{display:block;width:100%;height:auto;max-width:760px}
            .grid svg.chart{max-width:440px}
            .chart-narrow{display:none}
            svg text{font-family:inherit}
            svg .tick{font-size:12px;fill:\(p.mutedInk.css)}
            svg .label{font-size:13px;fill:\(p.ink.css)}
            svg .value{font-size:12.5px;fill:\(p.ink.css)}
            svg .axis-title{font-size:12.5px;font-weight:600;fill:\(p.mutedInk.css)}
            .table-wrap{overflow-x:auto;max-width:100%}
            table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
            caption{text-align:left;font-size:13px;padding:4px 0}
            th,td{padding:5px 10px;border-bottom:1px solid \(p.rule.css);text-align:left;vertical-align:top}
            th{font-weight:600}
            .num{text-align:right}
            td.ref,code{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
            .level{font-weight:600}
            .level-cold{color:\(p.level(.cold).css)}
            .level-cool{color:\(p.level(.cool).css)}
            .level-warm{color:\(p.level(.warm).css)}
            .level-hot{color:\(p.level(.hot).css)}
            .flag{color:\(p.level(.hot).css);font-weight:600}
            table.clients{min-width:420px}
            table.confusion{max-width:420px}
            table.confusion td{font-size:18px;line-height:1.2}
            .cm-tn strong,.cm-tp strong{color:\(p.level(.cool).css)}
            .cm-fp strong,.cm-fn strong{color:\(p.level(.warm).css)}
            td.num,td.ref{white-space:nowrap}
            details{margin:6px 0 10px}
            summary{cursor:pointer;color:\(p.accent.css);font-size:14px}
            .empty{font-style:italic;color:\(p.mutedInk.css)}
            dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 12px}
            dl.facts dt{font-weight:600}
            dl.facts dd{margin:0;overflow-wrap:anywhere}
            .params table{max-width:640px}
            .with-aside{display:grid;grid-template-columns:minmax(0,1fr) minmax(200px,260px);gap:8px 24px;align-items:start}
            .thresholds{border-left:3px solid \(p.rule.css);padding:0 0 0 14px;font-size:14px}
            .thresholds h3{margin:4px 0 6px;font-size:14px}
            .thresholds dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}
            .thresholds dd{margin:0;font-variant-numeric:tabular-nums}
            .thresholds .note{font-size:13px;margin:4px 0 0}
            .scale{max-width:80ch;font-size:14px}
            .lead-metrics .tile-value{font-size:30px}
            .other-metrics{font-size:14px}
            .client-filter{display:flex;flex-wrap:wrap;align-items:center;gap:4px 6px;margin:0 0 8px}
            .client-filter .table-wrap{flex:1 1 100%;margin-top:6px}
            .filter-label{font-weight:600;margin-right:4px}
            .client-filter input{margin:0 2px 0 0;accent-color:\(p.accent.css);vertical-align:-2px}
            .filter-option{font-size:14px;cursor:pointer;white-space:nowrap;margin-right:10px}
            .client-filter:has(#cf-attention:checked) tbody tr:not(.attention),
            .client-filter:has(#cf-cooling:checked) tbody tr:not(.r-cooling),
            .client-filter:has(#cf-high-risk:checked) tbody tr:not(.r-high-risk),
            .client-filter:has(#cf-cold:checked) tbody tr:not(.r-cold){display:none}
            @media (max-width:640px){
              .wrap{padding:0 12px}
              .card{padding:14px 14px;border-radius:8px}
              h1{font-size:22px}
              .tile-value{font-size:22px}
              .chart-wide{display:none}
              .chart-narrow{display:block}
              dl.facts{grid-template-columns:1fr}
              .with-aside{grid-template-columns:1fr}
              .thresholds{border-left:0;border-top:3px solid \(p.rule.css);padding:8px 0 0}
              dl.facts dd{margin-bottom:6px}
            }
            @media print{
              body{background:#fff;font-size:11pt}
              .masthead{border:0;margin:0}
              nav,details,.download,.filter-option,.filter-label{display:none}
              .client-filter .table-wrap tbody tr{display:table-row !important}
              .card{border:0;border-top:1px solid \(p.rule.css);border-radius:0;padding:12px 0;break-inside:avoid-page}
              figure,tr{break-inside:avoid}
              a{color:inherit;text-decoration:none}
              svg.chart{max-width:17cm}
              .chart-wide{display:block}
              .chart-narrow{display:none}
            }
            """
    }
}
