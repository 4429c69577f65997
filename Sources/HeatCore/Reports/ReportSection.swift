/// The sections of the HTML report, each with a stable element `id`.
///
/// A section is rendered exactly when its data is present in the results document (see
/// ``isPresent(in:)``); the footer (``parameters``) is always rendered. The browser check
/// (`.ci/browser-check.sh`) derives the expected ids from `results.json` the same way and fails
/// when one is missing from the page.
///
/// ```swift
/// let ids = ReportSection.present(in: document).map(\.elementID)
/// // ["section-population", "section-histogram", ..., "section-parameters"]
/// ```
public enum ReportSection: String, Sendable, CaseIterable, Codable {
    /// Clients per level, cooling, mean heat and trend (`population`).
    case population
    /// The heat histogram (`heatHistogram`).
    case histogram
    /// Weekly engagement by channel (`weekly`).
    case weekly
    /// Manager / branch / segment / region comparison (`groups`).
    case groups
    /// Per-client table (`clients`).
    case clients
    /// Clients per persona (`personas`).
    case personas
    /// Model evaluation (`model`).
    case model
    /// A stress scenario's before / after comparison (`scenario`).
    case scenario
    /// Risk by portfolio group (`riskPortfolio`, issue 19).
    case riskPortfolio
    /// The footer: parameters, policy, audit run, mode (always present).
    case parameters
    /// The risk model's calibration and reliability table (`riskModel`, issue 19).
    case riskModel
    /// The fraud models' cross-validated metrics (`fraudMetrics`, issue 19).
    case fraudMetrics

    /// The element id in `index.html`, `section-<name>`.
    public var elementID: String { "section-\(rawValue)" }

    /// The results-document key whose presence makes this section appear (`nil` for the footer).
    public var documentKey: String? {
        switch self {
        case .population: "population"
        case .histogram: "heatHistogram"
        case .weekly: "weekly"
        case .groups: "groups"
        case .clients: "clients"
        case .personas: "personas"
        case .model: "model"
        case .scenario: "scenario"
        case .riskPortfolio: "riskPortfolio"
        case .parameters: nil
        case .riskModel: "riskModel"
        case .fraudMetrics: "fraudMetrics"
        }
    }

    /// The heading shown in the report.
    public var title: String {
        switch self {
        case .population: "Population"
        case .histogram: "Heat distribution"
        case .weekly: "Weekly engagement by channel"
        case .groups: "Managers, branches, segments and regions"
        case .clients: "Clients"
        case .personas: "Personas"
        case .model: "Churn model"
        case .scenario: "Stress scenario"
        case .riskPortfolio: "Risk by portfolio group"
        case .parameters: "Parameters, policy and provenance"
        case .riskModel: "Risk score calibration"
        case .fraudMetrics: "Fraud model metrics"
        }
    }

    /// Whether the document holds this section's data.
    ///
    /// - Parameter document: the results document.
    /// - Returns: `true` when the section's key is present (an empty list still counts as
    ///   present: the section then says that nothing was released).
    public func isPresent(in document: ResultsDocument) -> Bool {
        switch self {
        case .population: document.population != nil
        case .histogram: document.heatHistogram != nil
        case .weekly: document.weekly != nil
        case .groups: document.groups != nil
        case .clients: document.clients != nil
        case .personas: document.personas != nil
        case .model: document.model != nil
        case .scenario: document.scenario != nil
        case .riskPortfolio: document.riskPortfolio != nil
        case .parameters: true
        case .riskModel: document.riskModel != nil
        case .fraudMetrics: document.fraudMetrics != nil
        }
    }

    /// The sections a document's report shows, in page order.
    ///
    /// - Parameter document: the results document.
    /// - Returns: the present sections, the footer last.
    public static func present(in document: ResultsDocument) -> [ReportSection] {
        allCases.filter { $0 != .parameters && $0.isPresent(in: document) } + [.parameters]
    }
}
