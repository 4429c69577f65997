import Foundation

/// Turns a results document into the tables that the CSV and JSON exports write and the HTML
/// report shows.
///
/// Table names (one CSV each, `<name>.csv`), present only when their section is:
/// `run` (always: schema, mode, dates, role, policy, audit run, and every heat-configuration
/// parameter as `heatConfig.<path>`), `population-summary`, `population-levels`,
/// `heat-histogram` (with an `open` column), `weekly-engagement`, `groups`, `clients` (attention
/// first, with the reasons and churn risk), `personas`, `model-metrics` (ROC AUC, PR AUC, base
/// rate, precision, recall, threshold first),
/// `model-roc`, `model-pr`, `model-confusion`, `model-calibration`, `model-importances`.
///
/// ```swift
/// let tables = ReportTables.make(from: document)
/// for table in tables { try AtomicFile.write(table.csv(), to: folder.appending(path: table.name + ".csv")) }
/// ```
public enum ReportTables {
    /// Builds every table the document supports, in report order.
    ///
    /// - Parameter document: the results document.
    /// - Returns: the tables; `run` first.
    public static func make(from document: ResultsDocument) -> [ReportTable] {
        var tables = [run(document)]
        if let population = document.population {
            tables.append(ReportTable(
                name: "population-summary", title: "Population summary",
                columns: ["clients", "cooling", "meanHeat", "trend"],
                rows: [[.integer(population.clients), .integer(population.cooling),
                        .number(population.meanHeat), .number(population.trend)]]))
            tables.append(ReportTable(
                name: "population-levels", title: "Clients per heat level",
                columns: ["level", "clients", "share"],
                rows: HeatLevel.allCases.map { level in
                    let count = population.levels[level] ?? 0
                    let share = population.clients > 0 ? Double(count) / Double(population.clients) : 0
                    return [.text(level.rawValue), .integer(count), .number(share)]
                }))
        }
        if let histogram = document.heatHistogram {
            let open = openBins(histogram)
            tables.append(ReportTable(
                name: "heat-histogram", title: "Heat histogram", columns: ["from", "to", "clients", "open"],
                rows: histogram.enumerated().map { index, bin in
                    [.integer(bin.from), .integer(bin.to), .integer(bin.clients), .boolean(open.contains(index))]
                }))
        }
        if let weekly = document.weekly {
            let sorted = weekly.sorted { ($0.week, $0.channel) < ($1.week, $1.channel) }
            tables.append(ReportTable(
                name: "weekly-engagement", title: "Weekly engagement by channel",
                columns: ["week", "channel", "events"],
                rows: sorted.map { [.text($0.week.description), .text($0.channel.rawValue), .integer($0.events)] }))
        }
        if let groups = document.groups {
            let sorted = groups.sorted { lhs, rhs in
                let l = GroupSummary.Kind.allCases.firstIndex(of: lhs.kind) ?? 0
                let r = GroupSummary.Kind.allCases.firstIndex(of: rhs.kind) ?? 0
                return l != r ? l < r : lhs.ref < rhs.ref
            }
            tables.append(ReportTable(
                name: "groups", title: "Group comparison",
                columns: ["kind", "ref", "clients", "meanHeat", "cooling"],
                rows: sorted.map {
                    [.text($0.kind.rawValue), .text($0.ref), .integer($0.clients), .number($0.meanHeat), .integer($0.cooling)]
                }))
        }
        if let clients = document.clients {
            let threshold = riskThreshold(of: document)
            tables.append(ReportTable(
                name: "clients", title: "Clients",
                columns: ["ref", "attention", "reasons", "heat", "trend", "level", "cooling", "churnRisk", "persona"],
                rows: sortedClients(clients, riskThreshold: threshold).map { client in
                    let reasons = attentionReasons(of: client, riskThreshold: threshold)
                    return [.text(client.ref), .boolean(!reasons.isEmpty), .text(reasons.map(\.label).joined(separator: "; ")),
                            .integer(client.heat), .integer(client.trend), .text(client.level.rawValue),
                            .boolean(client.cooling), client.churnRisk.map { .number($0) } ?? .empty,
                            client.persona.map { .text($0) } ?? .empty]
                }))
        }
        if let personas = document.personas {
            let total = personas.reduce(0) { $0 + $1.clients }
            tables.append(ReportTable(
                name: "personas", title: "Personas", columns: ["label", "clients", "share"],
                rows: personas.map {
                    [.text($0.label), .integer($0.clients), .number(total > 0 ? Double($0.clients) / Double(total) : 0)]
                }))
        }
        if let model = document.model { tables += modelTables(model) }
        if let scenario = document.scenario { tables += ScenarioReportSection.tables(scenario) }
        if let portfolio = document.riskPortfolio { tables += RiskPortfolioReportSection.tables(portfolio) }
        tables += RiskModelReportSection.tables(document)
        return tables
    }

    /// Why a client needs attention, in the order the report ranks them.
    public enum AttentionReason: String, Sendable, CaseIterable, Comparable {
        /// The cooling rule flags the client.
        case cooling
        /// The churn risk is at or above the model's decision threshold.
        case highRisk = "high-risk"
        /// The client's heat level is cold.
        case cold

        /// The reason in words ("cooling", "high churn risk", "cold").
        public var label: String {
            switch self {
            case .cooling: "cooling"
            case .highRisk: "high churn risk"
            case .cold: "cold"
            }
        }

        public static func < (lhs: AttentionReason, rhs: AttentionReason) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// The churn-risk threshold of a document: its model's decision threshold
    /// (`model.metrics["threshold"]`), or 0.5.
    ///
    /// - Parameter document: the results document.
    /// - Returns: the threshold at or above which a client counts as high risk.
    public static func riskThreshold(of document: ResultsDocument) -> Double {
        document.model?.metrics["threshold"].flatMap { $0.isFinite ? $0 : nil } ?? 0.5
    }

    /// The reasons a client needs attention (empty when none): cooling, high churn risk (at or
    /// above `riskThreshold`, when the client has a risk), cold.
    ///
    /// - Parameters:
    ///   - client: a released client.
    ///   - riskThreshold: the high-risk threshold (``riskThreshold(of:)``).
    /// - Returns: the reasons in rank order.
    public static func attentionReasons(of client: ClientResult, riskThreshold: Double = 0.5) -> [AttentionReason] {
        var reasons: [AttentionReason] = []
        if client.cooling { reasons.append(.cooling) }
        if let risk = client.churnRisk, risk >= riskThreshold { reasons.append(.highRisk) }
        if client.level == .cold { reasons.append(.cold) }
        return reasons
    }

    /// Clients in report order, the ones who need attention first: cooling clients, then clients
    /// at high churn risk, then cold clients, then everyone else; within each group the highest
    /// churn risk first (when known), then the lowest heat, then by reference.
    ///
    /// - Parameters:
    ///   - clients: the released clients.
    ///   - riskThreshold: the high-risk threshold (``riskThreshold(of:)``).
    /// - Returns: the sorted list.
    public static func sortedClients(_ clients: [ClientResult], riskThreshold: Double = 0.5) -> [ClientResult] {
        struct Keyed {
            var client: ClientResult
            var group: Int
        }
        let others = AttentionReason.allCases.count
        var keyed: [Keyed] = []
        keyed.reserveCapacity(clients.count)
        for client in clients {
            let first = attentionReasons(of: client, riskThreshold: riskThreshold).first
            keyed.append(Keyed(client: client, group: first.flatMap { AttentionReason.allCases.firstIndex(of: $0) } ?? others))
        }
        keyed.sort { lhs, rhs in
            if lhs.group != rhs.group { return lhs.group < rhs.group }
            let l = lhs.client.churnRisk ?? -1
            let r = rhs.client.churnRisk ?? -1
            if l != r { return l > r }
            if lhs.client.heat != rhs.client.heat { return lhs.client.heat < rhs.client.heat }
            return lhs.client.ref < rhs.client.ref
        }
        return keyed.map(\.client)
    }

    /// The indices of the open bins of a histogram: bins marked `open`, or, in documents that do
    /// not mark them, a last bin wider than the regular bins before it.
    ///
    /// - Parameter bins: the histogram.
    /// - Returns: the open bins' indices.
    public static func openBins(_ bins: [HistogramBin]) -> Set<Int> {
        var open = Set(bins.indices.filter { bins[$0].open == true })
        if bins.allSatisfy({ $0.open == nil }), bins.count >= 2, let last = bins.last {
            let width = bins[0].to - bins[0].from
            if last.to - last.from > width { open.insert(bins.count - 1) }
        }
        return open
    }

    static func run(_ document: ResultsDocument) -> ReportTable {
        var rows: [[ReportTable.Cell]] = [
            [.text("schema"), .text(document.schema)],
            [.text("generatedAt"), .text(document.generatedAt.iso8601)],
            [.text("mode"), .text(document.mode.rawValue)],
            [.text("asOf"), .text(document.asOf.description)],
            [.text("role"), .text(document.role)],
            [.text("policy.name"), .text(document.policy.name)],
            [.text("policy.minGroupSize"), .integer(document.policy.minGroupSize)],
            [.text("policy.epsilon"), document.policy.epsilon.map { .number($0) } ?? .empty],
            [.text("policy.hash"), document.policy.hash.map { .text($0) } ?? .empty],
            [.text("auditRun"), document.auditRun.map { .text($0) } ?? .empty],
        ]
        for (key, value) in heatConfigParameters(document.heatConfig) {
            rows.append([.text("heatConfig." + key), value])
        }
        return ReportTable(name: "run", title: "Run", columns: ["parameter", "value"], rows: rows)
    }

    /// The heat configuration flattened to `path = value` pairs (`weights.call.inbound`,
    /// `levels[0]`), sorted by path, so the report shows every parameter whatever fields the
    /// configuration type has.
    ///
    /// - Parameter configuration: the configuration, or `nil`.
    /// - Returns: the pairs; empty when there is no configuration.
    public static func heatConfigParameters(_ configuration: HeatConfiguration?) -> [(String, ReportTable.Cell)] {
        flattenedParameters(of: configuration)
    }

    /// Any `Encodable` value flattened like ``heatConfigParameters(_:)``.
    static func flattenedParameters<Value: Encodable>(of value: Value?) -> [(String, ReportTable.Cell)] {
        guard let value,
              let data = try? ResultsDocument.jsonEncoder().encode(value),
              let parsed = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return [] }
        var pairs: [(String, ReportTable.Cell)] = []
        parsed.flatten(path: "", into: &pairs)
        return pairs.sorted { $0.0 < $1.0 }
    }

    /// A parsed JSON value, used to flatten configurations of any shape.
    private indirect enum JSONValue: Decodable {
        case null, bool(Bool), integer(Int), number(Double), string(String)
        case array([JSONValue]), object([String: JSONValue])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int.self) { self = .integer(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
            else { self = .object(try container.decode([String: JSONValue].self)) }
        }

        func flatten(path: String, into pairs: inout [(String, ReportTable.Cell)]) {
            switch self {
            case .null: pairs.append((path, .empty))
            case .bool(let value): pairs.append((path, .boolean(value)))
            case .integer(let value): pairs.append((path, .integer(value)))
            case .number(let value): pairs.append((path, .number(value)))
            case .string(let value): pairs.append((path, .text(value)))
            case .array(let values):
                for (index, inner) in values.enumerated() { inner.flatten(path: path + "[\(index)]", into: &pairs) }
            case .object(let object):
                for (key, inner) in object { inner.flatten(path: path.isEmpty ? key : path + "." + key, into: &pairs) }
            }
        }
    }

    /// `count` cells from `values`, padding with empty cells when the list is short.
    private static func cells<T>(_ values: [T], count: Int, _ make: (T) -> ReportTable.Cell) -> [ReportTable.Cell] {
        (0..<count).map { $0 < values.count ? make(values[$0]) : .empty }
    }

    /// The metrics that lead a model's report, in this order: ranking quality first, then the
    /// share of positives it is compared with, then what the chosen threshold does.
    public static let leadingMetrics = ["rocAuc", "prAuc", "baseRate", "precision", "recall", "threshold"]

    /// A model's metric names in report order: ``leadingMetrics`` first, the rest alphabetically
    /// (accuracy, F1, log loss, ...).
    public static func orderedMetricKeys(_ metrics: [String: Double]) -> [String] {
        leadingMetrics.filter { metrics[$0] != nil } + metrics.keys.filter { !leadingMetrics.contains($0) }.sorted()
    }

    static func modelTables(_ model: ModelSection) -> [ReportTable] {
        var tables: [ReportTable] = []
        var metricRows: [[ReportTable.Cell]] = [[.text("kind"), .text(model.kind)]]
        for key in orderedMetricKeys(model.metrics) { metricRows.append([.text(key), .number(model.metrics[key] ?? .nan)]) }
        tables.append(ReportTable(name: "model-metrics", title: "Model metrics", columns: ["metric", "value"], rows: metricRows))
        if let roc = model.roc {
            tables.append(ReportTable(
                name: "model-roc", title: "ROC curve", columns: ["falsePositiveRate", "truePositiveRate"],
                rows: roc.map { cells($0, count: 2) { .number($0) } }))
        }
        if let pr = model.pr {
            tables.append(ReportTable(
                name: "model-pr", title: "Precision-recall curve", columns: ["recall", "precision"],
                rows: pr.map { cells($0, count: 2) { .number($0) } }))
        }
        if let confusion = model.confusion {
            let labels = ["negative", "positive"]
            tables.append(ReportTable(
                name: "model-confusion", title: "Confusion matrix",
                columns: ["actual", "predictedNegative", "predictedPositive"],
                rows: confusion.enumerated().map { index, row in
                    [.text(index < labels.count ? labels[index] : String(index))] + cells(row, count: 2) { .integer($0) }
                }))
        }
        if let calibration = model.calibration {
            tables.append(ReportTable(
                name: "model-calibration", title: "Calibration", columns: ["meanPredicted", "observed", "count"],
                rows: calibration.map { [.number($0.meanPredicted), .number($0.observed), .integer($0.count)] }))
        }
        if let importances = model.importances {
            tables.append(ReportTable(
                name: "model-importances", title: "Feature importances", columns: ["feature", "value"],
                rows: importances.map { [.text($0.feature), .number($0.value)] }))
        }
        return tables
    }
}
