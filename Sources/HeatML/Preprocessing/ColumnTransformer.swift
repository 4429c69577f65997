/// Turns the feature columns of a ``DataTable`` into a numeric ``Matrix``, one step per column type.
///
/// Per column type (the protocol of the reference results):
/// - numeric, boolean, date: median imputation (``MedianImputer``), then standard scaling
///   (``StandardScaler``) when ``Options/scaleNumeric`` is set (on for linear models, off for trees);
/// - categorical: most-frequent imputation (``MostFrequentImputer``), then one-hot encoding
///   (``OneHotEncoder``; an unknown category at predict time encodes as all zeros);
/// - identifier: never a feature.
///
/// The fitted transformer is `Codable` and is saved inside a ``ModelPipeline``. At transform
/// time the columns are found by name, so the table may hold extra columns (ignored) in any order.
///
/// ```swift
/// let transformer = try ColumnTransformer.fit(train, features: ["tenure", "contract"],
///                                             options: .init(scaleNumeric: true))
/// let x = try transformer.transform(test)
/// print(transformer.featureNames)   // ["tenure", "contract=Month-to-month", ...]
/// ```
public struct ColumnTransformer: Sendable, Codable, Equatable {
    /// How numeric features are prepared.
    public struct Options: Sendable, Codable, Equatable {
        /// Whether numeric features are standardised after imputation.
        public var scaleNumeric: Bool
        /// Whether numeric features are median-imputed (otherwise `.nan` is passed on, for models
        /// that handle missing values natively).
        public var imputeNumeric: Bool
        /// Whether missing categories are imputed with the most frequent one (`nil` means `true`,
        /// as in models saved before this option); otherwise a missing cell is `.nan` in every
        /// indicator of its column, for models that learn where missing values go.
        public var imputeCategorical: Bool?
        /// The most one-hot features per categorical column, the rarest categories grouped into
        /// `other` (scikit-learn's `max_categories`; `nil`: one feature per category).
        public var maxCategories: Int?

        /// Creates options.
        ///
        /// - Parameters:
        ///   - scaleNumeric: standardise numeric features (default `true`).
        ///   - imputeNumeric: median-impute numeric features (default `true`).
        ///   - imputeCategorical: most-frequent impute categorical features (default `true`).
        ///   - maxCategories: the one-hot feature cap per column (default none).
        public init(scaleNumeric: Bool = true, imputeNumeric: Bool = true, imputeCategorical: Bool = true, maxCategories: Int? = nil) {
            self.scaleNumeric = scaleNumeric
            self.imputeNumeric = imputeNumeric
            self.imputeCategorical = imputeCategorical
            self.maxCategories = maxCategories
        }
    }

    /// The fitted preparation of one input column.
    public enum Step: Sendable, Codable, Equatable {
        /// A numeric (or boolean / date) column: optional imputation and scaling.
        case numeric(column: String, type: ColumnType, imputer: MedianImputer?, scaler: StandardScaler?)
        /// A categorical column: imputation (when set), then one-hot encoding.
        case categorical(column: String, imputer: MostFrequentImputer?, encoder: OneHotEncoder)

        /// The input column's name.
        public var column: String {
            switch self {
            case let .numeric(column, _, _, _): column
            case let .categorical(column, _, _): column
            }
        }

        /// The input column's type.
        public var type: ColumnType {
            switch self {
            case let .numeric(_, type, _, _): type
            case .categorical: .categorical
            }
        }
    }

    /// The fitted steps, in feature order.
    public let steps: [Step]
    /// The options used at fit time.
    public let options: Options

    /// Fits the transformer on training rows.
    ///
    /// - Parameters:
    ///   - table: the training table.
    ///   - features: the columns to use, in order (identifier columns are skipped).
    ///   - options: numeric preparation.
    /// - Returns: the fitted transformer.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` when a feature column is absent.
    public static func fit(_ table: DataTable, features: [String], options: Options = Options()) throws(HeatMLError) -> ColumnTransformer {
        var steps: [Step] = []
        for name in features {
            let column = try table.column(named: name)
            switch column.type {
            case .identifier:
                continue
            case .categorical:
                var counts = [Int](repeating: 0, count: column.dictionary.count)
                var missing = 0
                for code in column.codes { if code >= 0 { counts[Int(code)] += 1 } else { missing += 1 } }
                var byValue: [String: Int] = [:]
                for (code, count) in counts.enumerated() where count > 0 { byValue[column.dictionary[code], default: 0] += count }
                var imputer: MostFrequentImputer?
                if options.imputeCategorical ?? true {
                    let best = byValue.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }
                    let fitted = MostFrequentImputer(mostFrequent: best?.key ?? "")
                    if missing > 0 { byValue[fitted.mostFrequent, default: 0] += missing }
                    imputer = fitted
                }
                let encoder = OneHotEncoder.fit(counts: byValue, maxCategories: options.maxCategories)
                steps.append(.categorical(column: name, imputer: imputer, encoder: encoder))
            case .numeric, .boolean, .date:
                let imputer = options.imputeNumeric ? MedianImputer.fit(column.numbers) : nil
                let filled = imputer?.transform(column.numbers) ?? column.numbers
                let scaler = options.scaleNumeric ? StandardScaler.fit(filled) : nil
                steps.append(.numeric(column: name, type: column.type, imputer: imputer, scaler: scaler))
            }
        }
        return ColumnTransformer(steps: steps, options: options)
    }

    /// Creates a transformer from fitted steps.
    ///
    /// - Parameters:
    ///   - steps: the fitted steps.
    ///   - options: the options they were fitted with.
    public init(steps: [Step], options: Options) {
        self.steps = steps
        self.options = options
    }

    /// The input columns and their types, as the transformer expects them.
    public var inputSchema: [(name: String, type: ColumnType)] { steps.map { ($0.column, $0.type) } }

    /// The name of every output feature: the column name, or `column=category` for one-hot features.
    public var featureNames: [String] {
        steps.flatMap { step -> [String] in
            switch step {
            case let .numeric(column, _, _, _): [column]
            case let .categorical(column, _, encoder): encoder.featureLabels.map { "\(column)=\($0)" }
            }
        }
    }

    /// The input column of each output feature.
    public var featureSources: [String] {
        steps.flatMap { step -> [String] in
            switch step {
            case let .numeric(column, _, _, _): [column]
            case let .categorical(column, _, encoder): Array(repeating: column, count: encoder.featureCount)
            }
        }
    }

    /// Transforms a table into the feature matrix.
    ///
    /// - Parameter table: a table holding every input column.
    /// - Returns: a `table.rowCount x featureNames.count` matrix.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` when an input column is absent,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)`` when a column the transformer
    ///   treats as numeric holds text.
    public func transform(_ table: DataTable) throws(HeatMLError) -> Matrix {
        // The matrix's values are written once, column after column (no per-column arrays to
        // copy afterwards): the only dense copy of the features is the matrix itself.
        let rows = table.rowCount
        let width = featureSources.count
        var values: [Double] = []
        values.reserveCapacity(rows * width)
        for step in steps {
            let column = try table.column(named: step.column)
            switch step {
            case let .numeric(name, type, imputer, scaler):
                let numbers = try Self.numbers(of: column, named: name, as: type, in: table)
                switch (imputer, scaler) {
                case (nil, nil):
                    values.append(contentsOf: numbers)
                case let (imputer?, nil):
                    for value in numbers { values.append(value.isNaN ? imputer.median : value) }
                case let (nil, scaler?):
                    for value in numbers { values.append((value - scaler.mean) / scaler.scale) }
                case let (imputer?, scaler?):
                    for value in numbers { values.append(((value.isNaN ? imputer.median : value) - scaler.mean) / scaler.scale) }
                }
            case let .categorical(_, imputer, encoder):
                let encoded = try Self.categorical(column, in: table)
                for feature in encoder.transform(dictionary: encoded.dictionary, codes: encoded.codes, fill: imputer?.mostFrequent, missingAsNaN: true) {
                    values.append(contentsOf: feature)
                }
            }
        }
        return Matrix(rows: rows, columns: width, values: values)
    }

    /// Transforms a table into compact features: the numeric features as dense columns (as in
    /// ``transform(_:)``), each categorical column as one one-hot code per row
    /// (``FeatureColumns/OneHotGroup``) instead of one dense column per category.
    ///
    /// Cell for cell equal to ``transform(_:)`` (``FeatureColumns/denseMatrix()`` returns that
    /// matrix); the storage is `8 * rows` bytes per numeric feature and `4 * rows` bytes per
    /// categorical column, whatever its number of categories.
    ///
    /// - Parameter table: a table holding every input column.
    /// - Returns: `table.rowCount` rows of `featureNames.count` features.
    /// - Throws: as ``transform(_:)``.
    public func features(_ table: DataTable) throws(HeatMLError) -> FeatureColumns {
        let rows = table.rowCount
        var denseColumns: [[Double]] = []
        var groups: [FeatureColumns.OneHotGroup] = []
        var sources: [FeatureColumns.Source] = []
        for step in steps {
            let column = try table.column(named: step.column)
            switch step {
            case let .numeric(name, type, imputer, scaler):
                let numbers = try Self.numbers(of: column, named: name, as: type, in: table)
                // Unchanged numbers (no imputation, no scaling) are the table's own array: shared, not copied.
                switch (imputer, scaler) {
                case (nil, nil):
                    denseColumns.append(numbers)
                case let (imputer?, nil):
                    denseColumns.append(numbers.map { $0.isNaN ? imputer.median : $0 })
                case let (nil, scaler?):
                    denseColumns.append(numbers.map { ($0 - scaler.mean) / scaler.scale })
                case let (imputer?, scaler?):
                    denseColumns.append(numbers.map { (($0.isNaN ? imputer.median : $0) - scaler.mean) / scaler.scale })
                }
                sources.append(.dense(denseColumns.count - 1))
            case let .categorical(_, imputer, encoder):
                let encoded = try Self.categorical(column, in: table)
                let codes = encoder.featureCodes(dictionary: encoded.dictionary, codes: encoded.codes, fill: imputer?.mostFrequent)
                for feature in 0..<encoder.featureCount { sources.append(.oneHot(group: groups.count, feature: Int32(feature))) }
                groups.append(FeatureColumns.OneHotGroup(unchecked: codes, featureCount: encoder.featureCount))
            }
        }
        return try FeatureColumns(rows: rows, denseColumns: denseColumns, groups: groups, sources: sources)
    }

    /// A numeric step's input values: the column's numbers, re-parsed as `type` when the table
    /// typed the column otherwise; one per row.
    private static func numbers(of column: DataColumn, named name: String, as type: ColumnType, in table: DataTable) throws(HeatMLError) -> [Double] {
        let numbers = column.type == .numeric || column.type == .boolean || column.type == .date
            ? column.numbers
            : try DataColumn(name: name, type: type, raw: column.raw, lines: table.lines, source: table.source).numbers
        guard numbers.count == table.rowCount else {
            throw .shapeMismatch(context: "ColumnTransformer column \(name)", expected: "\(table.rowCount) rows", found: "\(numbers.count)")
        }
        return numbers
    }

    /// A categorical step's input: the column itself, or a numeric column re-read as categories.
    private static func categorical(_ column: DataColumn, in table: DataTable) throws(HeatMLError) -> DataColumn {
        column.type == .numeric
            ? try DataColumn(name: column.name, type: .categorical, raw: column.raw, lines: table.lines, source: table.source)
            : column
    }
}
