import Foundation

/// The "Risk score calibration" and "Fraud model metrics" sections of the HTML report
/// (issue 19): the reliability table and its chart (predicted against observed per bin, with the
/// diagonal of perfect calibration), the out-of-fold Brier score and log loss before and after
/// calibration, and the fraud models' cross-validated ROC-AUC / PR-AUC with what they were
/// measured on (the synthetic generator unless said otherwise).
struct RiskModelReportSection {
    let document: ResultsDocument
    let palette: ReportPalette

    private func e(_ text: String) -> String { HTMLEscaping.escape(text) }
    private func n(_ value: Double, _ decimals: Int = 4) -> String { ReportNumberFormat.plain(value, decimals: decimals) }

    private func card(_ section: ReportSection, lead: String, _ content: String) -> String {
        """
        <section id="\(section.elementID)" class="card" aria-labelledby="\(section.elementID)-heading">
        <h2 id="\(section.elementID)-heading">\(e(section.title))</h2>
        <p class="lead">\(e(lead))</p>
        \(content)
        </section>

        """
    }

    private func table(_ head: [String], _ rows: [[String]]) -> String {
        "<table><thead><tr>" + head.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\(e($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
    }

    /// The section's HTML, or an empty string when the document lacks its data.
    func render(_ section: ReportSection) -> String {
        switch section {
        case .riskModel:
            guard let m = document.riskModel else { return "" }
            var content = "<p class=\"meta\">Model \(e(m.source)); calibration \(e(m.calibration)) (per outer fold: \(e(m.methodPerFold.joined(separator: ", ")))); \(ReportNumberFormat.grouped(m.rows)) out-of-fold rows.</p>"
            content += table(["", "Brier score", "log loss"], [
                ["calibrated", n(m.brier, 6), n(m.logLoss, 6)],
                ["uncalibrated", n(m.uncalibratedBrier, 6), n(m.uncalibratedLogLoss, 6)],
            ])
            let points = m.reliability.map { (x: $0.meanPredicted, y: $0.observedRate) }
            let description = m.reliability.map { "\(n($0.lower, 1))-\(n($0.upper, 1)): predicted \(n($0.meanPredicted, 3)), observed \(n($0.observedRate, 3)), \($0.rows) rows" }.joined(separator: "; ")
            content += "<figure id=\"risk-reliability\">" + SVGChart.unitCurves(
                id: "chart-risk-reliability", title: "Reliability of the calibrated risk", description: description,
                series: [SVGChart.Series(name: "calibrated", color: palette.accent, dash: nil, points: points, markers: true)],
                xTitle: "Mean predicted probability", yTitle: "Observed rate", diagonal: "perfect calibration", palette: palette)
                + "<figcaption>Each point is a bin of out-of-fold predictions: on the diagonal, a predicted 70% happens 70% of the time.</figcaption></figure>"
            content += table(["bin", "rows", "mean predicted", "observed rate"], m.reliability.map {
                ["\(n($0.lower, 1))-\(n($0.upper, 1))", ReportNumberFormat.grouped($0.rows), n($0.meanPredicted, 3), n($0.observedRate, 3)]
            })
            if m.withheldBins > 0 {
                content += "<p class=\"note\">\(m.withheldBins) bin\(m.withheldBins == 1 ? "" : "s") with fewer than \(document.policy.minGroupSize) rows withheld by the policy.</p>"
            }
            return card(.riskModel, lead: "Whether a risk score means what it says: out-of-fold calibration of the risk model.", content)
        case .fraudMetrics:
            guard let f = document.fraudMetrics else { return "" }
            var content = "<p class=\"note\"><strong>Measured on \(e(f.measuredOn)).</strong> These are numbers about that data, not real-world fraud detection performance.</p>"
            content += "<p class=\"meta\">\(ReportNumberFormat.grouped(f.customers)) customers, \(ReportNumberFormat.grouped(f.fraudCustomers)) labelled fraud; \(f.folds)-fold cross-validation.</p>"
            content += table(["model", "ROC-AUC", "PR-AUC"], [
                ["anomaly score alone", n(f.anomalyOnly.rocAuc, 3), n(f.anomalyOnly.prAuc, 3)],
                ["supervised", n(f.supervised.rocAuc, 3), n(f.supervised.prAuc, 3)],
                ["hybrid (supervised + anomaly score)", n(f.hybrid.rocAuc, 3), n(f.hybrid.prAuc, 3)],
            ])
            content += "<p class=\"lead\">\(e(f.hybridHelps ? "The hybrid helps" : "The hybrid does not help")): it beat the supervised model's PR-AUC in \(f.hybridBetterFolds) of \(f.folds) folds.</p>"
            return card(.fraudMetrics, lead: "Cross-validated comparison of the fraud models.", content)
        default:
            return ""
        }
    }

    /// The tables for the CSV and JSON exports: `risk-calibration`, `risk-reliability` and `fraud-metrics`.
    static func tables(_ document: ResultsDocument) -> [ReportTable] {
        var tables: [ReportTable] = []
        if let m = document.riskModel {
            tables.append(ReportTable(
                name: "risk-calibration", title: "Risk score calibration",
                columns: ["model", "calibration", "rows", "brier", "log_loss", "uncalibrated_brier", "uncalibrated_log_loss"],
                rows: [[.text(m.source), .text(m.calibration), .integer(m.rows), .number(m.brier), .number(m.logLoss),
                        .number(m.uncalibratedBrier), .number(m.uncalibratedLogLoss)]]))
            tables.append(ReportTable(
                name: "risk-reliability", title: "Reliability table", columns: ["lower", "upper", "rows", "mean_predicted", "observed_rate"],
                rows: m.reliability.map { [.number($0.lower), .number($0.upper), .integer($0.rows), .number($0.meanPredicted), .number($0.observedRate)] }))
        }
        if let f = document.fraudMetrics {
            tables.append(ReportTable(
                name: "fraud-metrics", title: "Fraud model metrics", columns: ["model", "roc_auc", "pr_auc", "measured_on"],
                rows: [("anomaly", f.anomalyOnly), ("supervised", f.supervised), ("hybrid", f.hybrid)].map {
                    [.text($0.0), .number($0.1.rocAuc), .number($0.1.prAuc), .text(f.measuredOn)]
                }))
        }
        return tables
    }
}
