/// The "Stress scenario" card of the HTML report (``ReportSection/scenario``): the scenario's
/// description, before / after tiles, heat levels before and after as paired bars, level moves,
/// and branch / segment aggregates.
///
/// Kept apart from ``HTMLReport`` so other report sections can evolve independently; it uses the
/// same markup classes (`card`, `lead`, `tiles`, `table-wrap`) and the same inline-SVG charts, so
/// the page keeps its style and its Content-Security-Policy (no scripts, nothing external).
///
/// ```swift
/// let html = ScenarioReportSection(document: document, palette: .standard).render()
/// ```
struct ScenarioReportSection {
    let document: ResultsDocument
    let palette: ReportPalette

    private func e(_ text: String) -> String { HTMLEscaping.escape(text) }
    private func n(_ value: Int) -> String { ReportNumberFormat.grouped(value) }
    private func d(_ value: Double, _ decimals: Int = 1) -> String { ReportNumberFormat.plain(value, decimals: decimals) }
    private func change(_ before: Double, _ after: Double, _ decimals: Int = 1) -> String {
        let delta = after - before
        let text = ReportNumberFormat.plain(abs(delta), decimals: decimals)
        return delta > 0 ? "+" + text : (delta < 0 ? "\u{2212}" + text : "no change")
    }

    private func tile(_ label: String, _ before: String, _ after: String, _ note: String) -> String {
        "<div class=\"tile\"><div class=\"tile-label\">\(e(label))</div><div class=\"tile-value\">\(e(after))</div>"
            + "<div class=\"tile-note\">\(e("before \(before); \(note)"))</div></div>"
    }

    private func table(caption: String, columns: [String], numeric: Set<Int>, rows: [[String]]) -> String {
        var html = "<div class=\"table-wrap\"><table><caption>\(e(caption))</caption><thead><tr>"
        for (index, column) in columns.enumerated() {
            html += "<th scope=\"col\"\(numeric.contains(index) ? " class=\"num\"" : "")>\(e(column))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.enumerated().map { index, cell in
                "<td\(numeric.contains(index) ? " class=\"num\"" : "")>\(e(cell))</td>"
            }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// The section's HTML, or an empty string when the document has no scenario.
    func render() -> String {
        guard let s = document.scenario else { return "" }
        let section = ReportSection.scenario
        var content = "<p class=\"meta\">Scenario <strong>\(e(s.name))</strong>: \(e(s.summary))</p>"
        let provenance = "\(s.shock.weeks) weeks shocked up to \(s.asOfWeek) on a synthetic copy of the \(s.source) "
            + "(seed \(s.seed)); \(n(s.clientsAffected)) of \(n(s.before.clients)) clients changed"
            + (s.managersLeaving > 0 ? "; \(s.managersLeaving) managers leave" : "") + ". The stored data is never modified."
        content += "<p class=\"note\">\(e(provenance))</p>"
        content += "<div class=\"tiles\">"
        content += tile("Mean heat", d(s.before.meanHeat), d(s.after.meanHeat), change(s.before.meanHeat, s.after.meanHeat))
        content += tile("Cooling clients", n(s.before.cooling), n(s.after.cooling), change(Double(s.before.cooling), Double(s.after.cooling), 0))
        content += tile("Expected contacts (\(s.horizonWeeks) wk, mean)", d(s.before.meanExpectedContacts, 2), d(s.after.meanExpectedContacts, 2),
                        change(s.before.meanExpectedContacts, s.after.meanExpectedContacts, 2))
        content += tile("Probability alive (mean)", d(s.before.meanProbabilityAlive, 3), d(s.after.meanProbabilityAlive, 3),
                        change(s.before.meanProbabilityAlive, s.after.meanProbabilityAlive, 3))
        let highBefore = s.before.riskBands["high"] ?? 0, highAfter = s.after.riskBands["high"] ?? 0
        content += tile("High-risk relationships", n(highBefore), n(highAfter), change(Double(highBefore), Double(highAfter), 0))
        content += "</div>"
        var bars: [SVGChart.Bar] = []
        for level in HeatLevel.allCases {
            let before = s.before.levels[level.rawValue] ?? 0, after = s.after.levels[level.rawValue] ?? 0
            bars.append(SVGChart.Bar(label: "\(level.rawValue.capitalized), before", value: Double(before),
                                     valueLabel: n(before), color: palette.mutedInk))
            bars.append(SVGChart.Bar(label: "\(level.rawValue.capitalized), after", value: Double(after),
                                     valueLabel: "\(n(after)) (\(change(Double(before), Double(after), 0)))", color: palette.level(level)))
        }
        let description = HeatLevel.allCases.map {
            "\($0.rawValue) \(s.before.levels[$0.rawValue] ?? 0) before, \(s.after.levels[$0.rawValue] ?? 0) after"
        }.joined(separator: "; ")
        content += "<figure>"
        content += "<div class=\"chart-wide\">" + SVGChart.horizontalBars(
            id: "chart-scenario-levels", title: "Clients per heat level before and after \(s.name)", description: description,
            bars: bars, axisTitle: "Clients", palette: palette) + "</div>"
        content += "<div class=\"chart-narrow\">" + SVGChart.horizontalBars(
            id: "chart-scenario-levels-narrow", title: "Clients per heat level before and after \(s.name)", description: description,
            bars: bars, axisTitle: "Clients", palette: palette, compact: true) + "</div>"
        content += "<figcaption>Grey bars: the portfolio as it is; coloured bars: the same clients under the scenario.</figcaption></figure>"
        let bands = ["low", "medium", "high"]
        content += table(
            caption: "Before and after", columns: ["measure", "before", "after"], numeric: [1, 2],
            rows: HeatLevel.allCases.map { ["clients \($0.rawValue)", n(s.before.levels[$0.rawValue] ?? 0), n(s.after.levels[$0.rawValue] ?? 0)] }
                + [["cooling", n(s.before.cooling), n(s.after.cooling)],
                   ["mean heat", d(s.before.meanHeat), d(s.after.meanHeat)],
                   ["mean trend", d(s.before.meanTrend), d(s.after.meanTrend)],
                   ["mean expected contacts", d(s.before.meanExpectedContacts, 3), d(s.after.meanExpectedContacts, 3)],
                   ["mean probability alive", d(s.before.meanProbabilityAlive, 3), d(s.after.meanProbabilityAlive, 3)]]
                + bands.map { ["risk band \($0)", n(s.before.riskBands[$0] ?? 0), n(s.after.riskBands[$0] ?? 0)] })
        if !s.transitions.isEmpty {
            content += "<h3 id=\"scenario-transitions\">Level moves</h3>"
            content += table(caption: "Clients moving between heat levels", columns: ["from", "to", "clients"], numeric: [2],
                             rows: s.transitions.map { [$0.from.rawValue, $0.to.rawValue, n($0.clients)] })
        }
        for kind in [GroupSummary.Kind.branch, .segment] {
            let groups = s.groups.filter { $0.kind == kind }
            guard !groups.isEmpty else { continue }
            content += "<h3 id=\"scenario-\(kind.rawValue)\">By \(kind.rawValue)</h3>"
            content += table(
                caption: "Mean heat, cooling and expected contacts per \(kind.rawValue), before and after",
                columns: [kind.rawValue, "clients", "mean heat before", "after", "cooling before", "after",
                          "expected contacts before", "after"],
                numeric: [1, 2, 3, 4, 5, 6, 7],
                rows: groups.map {
                    [$0.ref, n($0.clients), d($0.meanHeatBefore), d($0.meanHeatAfter), n($0.coolingBefore), n($0.coolingAfter),
                     d($0.expectedContactsBefore, 2), d($0.expectedContactsAfter, 2)]
                })
        }
        if let l = s.lifetimes {
            let model = "Expected contacts and probability alive: BG/NBD on active weeks (r = \(d(l.r, 4)), α = \(d(l.alpha, 3)), "
                + "a = \(d(l.a, 4)), b = \(d(l.b, 4))), fitted on the portfolio before the shock; risk bands: low ≥ 0.8, medium 0.5-0.8, high < 0.5."
            content += "<p class=\"note\">\(e(model))</p>"
        }
        let lead = "What happens to the portfolio's heat and expected contact if the scenario's shocks hit: the same clients "
            + "before and after, with groups under the policy's minimum of \(document.policy.minGroupSize) clients withheld."
        return """
            <section id="\(section.elementID)" class="card" aria-labelledby="\(section.elementID)-heading">
            <h2 id="\(section.elementID)-heading">\(e(section.title))</h2>
            <p class="lead">\(e(lead))</p>
            \(content)
            </section>

            """
    }

    /// The scenario's tables for the CSV and JSON exports: `scenario-summary` (one row per
    /// measure, before and after), `scenario-transitions` and `scenario-groups`.
    ///
    /// - Parameter s: the scenario section.
    /// - Returns: the three tables.
    static func tables(_ s: ScenarioSection) -> [ReportTable] {
        func pair(_ name: String, _ before: Double, _ after: Double) -> [ReportTable.Cell] { [.text(name), .number(before), .number(after)] }
        var rows: [[ReportTable.Cell]] = HeatLevel.allCases.map {
            pair("clients \($0.rawValue)", Double(s.before.levels[$0.rawValue] ?? 0), Double(s.after.levels[$0.rawValue] ?? 0))
        }
        rows += [pair("cooling", Double(s.before.cooling), Double(s.after.cooling)),
                 pair("meanHeat", s.before.meanHeat, s.after.meanHeat), pair("meanTrend", s.before.meanTrend, s.after.meanTrend),
                 pair("meanExpectedContacts", s.before.meanExpectedContacts, s.after.meanExpectedContacts),
                 pair("meanProbabilityAlive", s.before.meanProbabilityAlive, s.after.meanProbabilityAlive)]
        rows += ["low", "medium", "high"].map { pair("riskBand \($0)", Double(s.before.riskBands[$0] ?? 0), Double(s.after.riskBands[$0] ?? 0)) }
        return [
            ReportTable(name: "scenario-summary", title: "Scenario \(s.name): before and after", columns: ["measure", "before", "after"], rows: rows),
            ReportTable(name: "scenario-transitions", title: "Scenario \(s.name): level moves", columns: ["from", "to", "clients"],
                        rows: s.transitions.map { [.text($0.from.rawValue), .text($0.to.rawValue), .integer($0.clients)] }),
            ReportTable(name: "scenario-groups", title: "Scenario \(s.name): branches and segments",
                        columns: ["kind", "ref", "clients", "meanHeatBefore", "meanHeatAfter", "coolingBefore", "coolingAfter",
                                  "expectedContactsBefore", "expectedContactsAfter"],
                        rows: s.groups.map {
                            [.text($0.kind.rawValue), .text($0.ref), .integer($0.clients), .number($0.meanHeatBefore), .number($0.meanHeatAfter),
                             .integer($0.coolingBefore), .integer($0.coolingAfter), .number($0.expectedContactsBefore),
                             .number($0.expectedContactsAfter)]
                        }),
        ]
    }
}
