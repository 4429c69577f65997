import Foundation

/// The "Risk by portfolio group" section of the HTML report (issue 19): one chart per metric
/// (share at High risk, band distribution, concentration of High-risk clients, change against
/// the previous period, heat levels when known) and the tables behind them.
struct RiskPortfolioReportSection {
    let document: ResultsDocument
    let palette: ReportPalette

    private func e(_ text: String) -> String { HTMLEscaping.escape(text) }
    private func pct(_ value: Double) -> String { ReportNumberFormat.plain(100 * value, decimals: 1) + "%" }

    private func chart(_ id: String, _ title: String, _ bars: [SVGChart.Bar], axis: String, caption: String) -> String {
        let description = bars.map { "\($0.label): \($0.valueLabel)" }.joined(separator: "; ")
        return "<figure><div class=\"chart-wide\">"
            + SVGChart.horizontalBars(id: id, title: title, description: description, bars: bars, axisTitle: axis, palette: palette)
            + "</div><div class=\"chart-narrow\">"
            + SVGChart.horizontalBars(id: id + "-narrow", title: title, description: description, bars: bars, axisTitle: axis, palette: palette, compact: true)
            + "</div><figcaption>\(e(caption))</figcaption></figure>"
    }

    /// The section's HTML, or an empty string when the document has no portfolio view.
    func render() -> String {
        guard let p = document.riskPortfolio else { return "" }
        let section = ReportSection.riskPortfolio
        var content = "<p class=\"meta\">Scores from \(e(p.source)); bands High from \(p.bandThresholds.high), Medium from \(p.bandThresholds.medium).</p>"
        if let clients = p.clients, let high = p.highShare {
            var line = "\(ReportNumberFormat.grouped(clients)) clients, \(pct(high)) at High risk"
            if let before = p.previousHighShare { line += " (previous period \(pct(before)))" }
            content += "<p class=\"lead\">\(e(line)).</p>"
        }
        let kinds = Array(Set(p.groups.map(\.kind))).sorted { $0.rawValue < $1.rawValue }
        for kind in kinds {
            let groups = p.groups.filter { $0.kind == kind }
            let name = kind.rawValue
            content += "<h3 id=\"risk-\(name)\">By \(e(name))</h3>"
            content += chart("chart-risk-high-\(name)", "Share at High risk by \(name)",
                             groups.map { SVGChart.Bar(label: $0.ref, value: 100 * $0.highShare, valueLabel: pct($0.highShare), color: palette.accent) },
                             axis: "% of the group's clients", caption: "Share of each \(name)'s clients in the High band.")
            content += chart("chart-risk-bands-\(name)", "Clients per band by \(name)",
                             groups.flatMap { g in RiskBand.allCases.reversed().map { band in
                                 let n = g.bands[band.rawValue] ?? 0
                                 return SVGChart.Bar(label: "\(g.ref), \(band.rawValue)", value: Double(n), valueLabel: ReportNumberFormat.grouped(n),
                                                     color: band == .high ? palette.accent : (band == .medium ? palette.bar : palette.mutedInk))
                             } },
                             axis: "Clients", caption: "The risk distribution of each \(name): High, Medium and Low clients.")
            if let c = p.concentration.first(where: { $0.kind == kind }) {
                content += chart("chart-risk-concentration-\(name)", "Share of all High-risk clients by \(name)",
                                 groups.map { SVGChart.Bar(label: $0.ref, value: 100 * $0.shareOfHigh, valueLabel: pct($0.shareOfHigh), color: palette.bar) },
                                 axis: "% of High-risk clients",
                                 caption: "Concentration: Herfindahl index \(ReportNumberFormat.plain(c.herfindahl, decimals: 3)) over \(c.groups) groups (1 = all in one group); the largest holds \(pct(c.largestShare)).")
            }
            let changes = groups.filter { $0.highShareChange != nil }
            if !changes.isEmpty {
                content += chart("chart-risk-change-\(name)", "Change in High-risk share against the previous period by \(name)",
                                 changes.map { g in
                                     let v = 100 * (g.highShareChange ?? 0)
                                     return SVGChart.Bar(label: g.ref, value: v, valueLabel: (v > 0 ? "+" : "") + ReportNumberFormat.plain(v, decimals: 1) + " pts",
                                                         color: v > 0 ? palette.accent : palette.mutedInk)
                                 },
                                 axis: "Percentage points", caption: "Positive: risk rising in the group.")
            }
            let withLevels = groups.filter { $0.levels != nil }
            if !withLevels.isEmpty {
                content += chart("chart-risk-heat-\(name)", "Heat distribution by \(name)",
                                 withLevels.flatMap { g in HeatLevel.allCases.map { level in
                                     let n = g.levels?[level.rawValue] ?? 0
                                     return SVGChart.Bar(label: "\(g.ref), \(level.rawValue)", value: Double(n), valueLabel: ReportNumberFormat.grouped(n), color: palette.level(level))
                                 } },
                                 axis: "Clients", caption: "Clients per heat level in each \(name).")
            }
        }
        if !p.withheld.isEmpty {
            content += "<p class=\"note\">Withheld by the policy: " + e(p.withheld.map { "\($0.item) (\($0.rule): \($0.reason))" }.joined(separator: "; ")) + ".</p>"
        }
        let lead = "Where in the portfolio risk sits and where it is rising, with groups under the policy's minimum of \(document.policy.minGroupSize) clients withheld."
        return """
            <section id="\(section.elementID)" class="card" aria-labelledby="\(section.elementID)-heading">
            <h2 id="\(section.elementID)-heading">\(e(section.title))</h2>
            <p class="lead">\(e(lead))</p>
            \(content)
            </section>

            """
    }

    /// The tables for the CSV and JSON exports: `risk-portfolio-groups` and `risk-concentration`.
    static func tables(_ p: RiskPortfolioSection) -> [ReportTable] {
        let groups = ReportTable(
            name: "risk-portfolio-groups", title: "Risk by portfolio group",
            columns: ["kind", "group", "clients", "high", "medium", "low", "high_share", "mean_score", "share_of_high", "previous_high_share", "high_share_change"],
            rows: p.groups.map { g in
                [.text(g.kind.rawValue), .text(g.ref), .integer(g.clients), .integer(g.bands["High"] ?? 0), .integer(g.bands["Medium"] ?? 0),
                 .integer(g.bands["Low"] ?? 0), .number(g.highShare), .number(g.meanScore), .number(g.shareOfHigh),
                 g.previousHighShare.map { .number($0) } ?? .empty, g.highShareChange.map { .number($0) } ?? .empty]
            })
        let concentration = ReportTable(
            name: "risk-concentration", title: "Concentration of High-risk clients", columns: ["kind", "groups", "herfindahl", "largest_share"],
            rows: p.concentration.map { [.text($0.kind.rawValue), .integer($0.groups), .number($0.herfindahl), .number($0.largestShare)] })
        return [groups, concentration]
    }
}
