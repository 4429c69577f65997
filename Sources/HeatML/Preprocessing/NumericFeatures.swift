/// The numeric view of a table used by the unsupervised models (``KMeans``, ``IsolationForest``):
/// every numeric or boolean column except identifiers and excluded ones, median-imputed and
/// standardised (scikit-learn's `SimpleImputer(strategy="median")` + `StandardScaler`).
///
/// Categorical and date columns are left out, as in the reference protocol
/// (`shared/datasets/*/reference.py`: "isolation forest and k-means use the numeric columns only").
///
/// ```swift
/// let table = try DataTable(contentsOf: URL(filePath: "Examples/data/telco_churn.csv"))
/// let features = try NumericFeatures(table, excluding: [])
/// var model = KMeans(k: 4)
/// try model.fit(features.matrix)
/// ```
public struct NumericFeatures: Sendable, Equatable {
    /// The fitted preprocessing (median imputation and standardisation per column).
    public let transformer: ColumnTransformer
    /// The standardised features, one column per entry of ``columns``.
    public let matrix: Matrix

    /// The columns used, in header order.
    public var columns: [String] { transformer.featureNames }

    /// Selects, imputes and standardises the numeric columns of a table.
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - excluding: columns to leave out (a target, a fold column).
    /// - Throws: ``HeatMLError/emptyTable(source:)`` for a table without rows;
    ///   ``HeatMLError/invalidParameter(name:value:reason:)`` when no numeric column remains;
    ///   ``HeatMLError/missingColumn(source:column:)`` for an excluded name that is not a column.
    public init(_ table: DataTable, excluding: Set<String> = []) throws(HeatMLError) {
        guard table.rowCount > 0 else { throw .emptyTable(source: table.source) }
        for name in excluding.sorted() where !table.columnNames.contains(name) {
            throw .missingColumn(source: table.source, column: name)
        }
        let names = table.columns.filter { ($0.type == .numeric || $0.type == .boolean) && !excluding.contains($0.name) }.map(\.name)
        guard !names.isEmpty else {
            throw .invalidParameter(name: "columns", value: "none", reason: "\(table.source) has no numeric column left to use (categorical, date and identifier columns are skipped)")
        }
        transformer = try ColumnTransformer.fit(table, features: names, options: .init(scaleNumeric: true, imputeNumeric: true))
        matrix = try transformer.transform(table)
    }
}
