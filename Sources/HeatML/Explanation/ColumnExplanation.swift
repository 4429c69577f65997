/// Per-row contributions gathered per input column, each named with the row's own value:
/// `contract = One year` rather than the one-hot features `contract=Month-to-month`,
/// `contract=One year`, `contract=Two year` separately.
///
/// A categorical column's contribution is the sum of the contributions of its one-hot features
/// (for logistic regression that is the weight of the row's own category; for TreeSHAP the
/// effect of the row's category against the trees' average, including what "not
/// Month-to-month" contributes). Sums stay exact: `expectedValue` plus a row's column
/// contributions equals its log-odds, as for ``Explanation``.
///
/// ```swift
/// let explained = try pipeline.explainByColumn(table)
/// for item in explained.largest(3, row: 0) {
///     print(item.label, item.effect, item.contribution)   // "contract = One year lowers -0.83"
/// }
/// ```
public struct ColumnExplanation: Sendable, Equatable {
    /// Which way a contribution moves the positive class's probability.
    public enum Effect: String, Sendable, Equatable {
        /// A positive contribution: the value makes the positive class more likely.
        case raises
        /// A negative contribution: the value makes the positive class less likely.
        case lowers
        /// No contribution.
        case none
    }

    /// One column's contribution to one row.
    public struct Item: Sendable, Equatable {
        /// The input column.
        public var column: String
        /// The row's own value as read from the table (`"One year"`, `"42"`), or `missing`
        /// when the cell was empty (the model then used the imputed value).
        public var value: String
        /// The contribution on the log-odds scale.
        public var contribution: Double

        /// `column = value`, for example `contract = One year`.
        public var label: String { "\(column) = \(value)" }

        /// Whether the value raises or lowers the probability of the positive class.
        public var effect: Effect { contribution > 0 ? .raises : (contribution < 0 ? .lowers : .none) }
    }

    /// The input columns, in the model's order.
    public let columns: [String]
    /// The base value (see ``Explanation/expectedValue``).
    public let expectedValue: Double
    /// One array per row, one contribution per column.
    public let contributions: [[Double]]
    /// One array per row, the row's own value per column.
    public let values: [[String]]

    /// Creates a column explanation.
    ///
    /// - Parameters:
    ///   - columns: the input columns.
    ///   - expectedValue: the base value.
    ///   - contributions: per-row contributions, each `columns.count` long.
    ///   - values: per-row values, each `columns.count` long.
    public init(columns: [String], expectedValue: Double, contributions: [[Double]], values: [[String]]) {
        self.columns = columns
        self.expectedValue = expectedValue
        self.contributions = contributions
        self.values = values
    }

    /// Gathers feature contributions per input column.
    ///
    /// - Parameters:
    ///   - explanation: per-feature contributions.
    ///   - sources: the input column of each feature (``ColumnTransformer/featureSources``).
    ///   - rawValues: each input column's raw cells by name (`nil` for an empty cell).
    /// - Returns: the column explanation, columns in order of first feature.
    public init(_ explanation: Explanation, sources: [String], rawValues: [String: [String?]]) {
        var columns: [String] = []
        var index: [String: Int] = [:]
        for source in sources where index[source] == nil {
            index[source] = columns.count
            columns.append(source)
        }
        let contributions = explanation.contributions.map { row in
            var sums = [Double](repeating: 0, count: columns.count)
            for (feature, value) in row.enumerated() where feature < sources.count {
                if let column = index[sources[feature]] { sums[column] += value }
            }
            return sums
        }
        let values = explanation.contributions.indices.map { row in
            columns.map { column -> String in
                guard let cells = rawValues[column], row < cells.count, let cell = cells[row] else { return "missing" }
                return cell
            }
        }
        self.init(columns: columns, expectedValue: explanation.expectedValue, contributions: contributions, values: values)
    }

    /// The `n` columns of largest contribution magnitude of a row, largest first (ties: column order).
    ///
    /// - Parameters:
    ///   - n: how many to return (at most the number of columns).
    ///   - row: the row index.
    /// - Returns: up to `n` items; empty for an out-of-range row or `n <= 0`.
    public func largest(_ n: Int, row: Int) -> [Item] {
        guard contributions.indices.contains(row), n > 0 else { return [] }
        let sums = contributions[row]
        let order = sums.indices.sorted { abs(sums[$0]) != abs(sums[$1]) ? abs(sums[$0]) > abs(sums[$1]) : $0 < $1 }
        return order.prefix(n).map { column in
            Item(column: columns[column], value: values.indices.contains(row) && column < values[row].count ? values[row][column] : "missing",
                 contribution: sums[column])
        }
    }
}

extension ModelPipeline {
    /// Explains every row of a raw table per input column, naming the row's own value
    /// (see ``ColumnExplanation``).
    ///
    /// ```swift
    /// let top = try pipeline.explainByColumn(table).largest(3, row: 0)
    /// top.first?.label    // "contract = Month-to-month"
    /// ```
    ///
    /// - Parameter table: a table with the model's input columns.
    /// - Returns: the column explanation, rows in table order.
    /// - Throws: as ``explain(_:)``.
    public func explainByColumn(_ table: DataTable) throws(HeatMLError) -> ColumnExplanation {
        let explanation = try explain(table)
        var raw: [String: [String?]] = [:]
        for step in transformer.steps { raw[step.column] = try table.column(named: step.column).raw }
        return ColumnExplanation(explanation, sources: transformer.featureSources, rawValues: raw)
    }
}
