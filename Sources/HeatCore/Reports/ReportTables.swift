import Foundation

/// Turns a results document into the tables that the CSV and JSON exports write and the HTML
/// report shows.
///
/// Table names (one CSV each, `<name>.csv`), present only when their section is:
/// `run` (always: schema, mode, dates, role, policy, audit run, and every heat-configuration
/// parameter as `heatConfig.<path>`), `population-summary`, `population-levels`,
/// `heat-histogram`, `weekly-engagement`, `groups`, `clients`, `personas`, `model-metrics`,
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
            tables.append(ReportTable(
                name: "heat-histogram", title: "Heat histogram", columns: ["from", "to", "clients"],
                rows: histogram.map { [.integer($0.from), .integer($0.to), .integer($0.clients)] }))
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
            tables.append(ReportTable(
                name: "clients", title: "Clients",
                columns: ["ref", "heat", "trend", "level", "cooling", "persona"],
                rows: sortedClients(clients).map {
                    [.text($0.ref), .integer($0.heat), .integer($0.trend), .text($0.level.rawValue),
                     .boolean($0.cooling), $0.persona.map { .text($0) } ?? .empty]
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
        return tables
    }

    /// Clients in report order: hottest first, ties by reference.
    ///
    /// - Parameter clients: the released clients.
    /// - Returns: the sorted list.
    public static func sortedClients(_ clients: [ClientResult]) -> [ClientResult] {
        clients.sorted { $0.heat != $1.heat ? $0.heat > $1.heat : $0.ref < $1.ref }
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

    static func modelTables(_ model: ModelSection) -> [ReportTable] {
        var tables: [ReportTable] = []
        var metricRows: [[ReportTable.Cell]] = [[.text("kind"), .text(model.kind)]]
        for key in model.metrics.keys.sorted() { metricRows.append([.text(key), .number(model.metrics[key] ?? .nan)]) }
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
