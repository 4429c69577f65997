/// A feature matrix that stores one-hot features compactly: dense columns for the numeric
/// features, and for each categorical column one 4-byte code per row naming the one-hot feature
/// that is 1.
///
/// A dense ``Matrix`` holds `rows x categories` doubles for a categorical column (8 bytes per row
/// and category: 1.6 GB for 20,000 rows of a 10,000-category column); `FeatureColumns` holds
/// `rows` codes (80 KB). Feature `j` reads as the dense matrix would: a dense column's value, or
/// for a one-hot feature 1 when the row's code is that feature, `.nan` when the row's cell is
/// missing (``OneHotGroup/missing``) and 0 otherwise. ``GradientBoostedTrees`` bins, grows and
/// predicts on it without expanding the one-hot features (the same trees, bit for bit, as on the
/// dense matrix); ``denseMatrix()`` expands it for estimators that need a dense matrix. A numeric
/// column the preprocessing leaves unchanged (no imputation, no scaling: the boosted trees) is the
/// table's own array, shared rather than copied.
///
/// ```swift
/// let features = try transformer.features(table)    // numeric columns dense, one code per categorical cell
/// print(features.storageBytes)                       // 8 * rows * numeric + 4 * rows * categorical columns
/// let model = try GradientBoostedTrees.fit(features, labels: y)
/// ```
public struct FeatureColumns: Sendable, Equatable {
    /// Where a feature's values live.
    public enum Source: Sendable, Equatable {
        /// Column `index` of ``dense``.
        case dense(Int)
        /// Feature `feature` of one-hot group `group` (1 where the group's code is `feature`).
        case oneHot(group: Int, feature: Int32)
    }

    /// The one-hot features of one categorical column, as one code per row.
    public struct OneHotGroup: Sendable, Equatable {
        /// The code of a row in none of the group's features (an unknown category): 0 in each.
        public static let none: Int32 = -1
        /// The code of a missing cell: `.nan` in each of the group's features.
        public static let missing: Int32 = -2

        /// Per row: the group feature that is 1 (`0 ..< featureCount`), ``none`` or ``missing``.
        public let codes: [Int32]
        /// The number of one-hot features of the group.
        public let featureCount: Int

        /// Creates a group.
        ///
        /// - Parameters:
        ///   - codes: per row, a feature index in `0 ..< featureCount`, ``none`` or ``missing``.
        ///   - featureCount: the group's feature count.
        /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for a code out of range.
        public init(codes: [Int32], featureCount: Int) throws(HeatMLError) {
            if let bad = codes.first(where: { $0 < Self.missing || Int($0) >= featureCount }) {
                throw .invalidParameter(name: "OneHotGroup.codes", value: "\(bad)", reason: "a code must be in 0..<\(featureCount), -1 (none) or -2 (missing)")
            }
            self.codes = codes
            self.featureCount = featureCount
        }
    }

    /// Where the dense features live: a column-major matrix, or one array per column (which may
    /// be the table's own column, shared rather than copied).
    enum DenseStorage: Sendable, Equatable {
        case matrix(Matrix)
        case columns([[Double]])
    }

    /// The number of rows.
    public let rows: Int
    /// The dense (numeric) features.
    let dense: DenseStorage
    /// The one-hot groups, one per categorical column.
    public let groups: [OneHotGroup]
    /// Per feature, in feature order: where its values live.
    public let sources: [Source]

    /// The number of features (dense and one-hot).
    public var columns: Int { sources.count }

    /// The number of dense features.
    public var denseColumnCount: Int {
        switch dense {
        case let .matrix(matrix): matrix.columns
        case let .columns(columns): columns.count
        }
    }

    /// The bytes holding the features: 8 per dense cell, 4 per row and categorical column
    /// (independent of the number of categories). A dense column shared with the table it came
    /// from counts here too.
    public var storageBytes: Int {
        rows * denseColumnCount * MemoryLayout<Double>.stride + groups.reduce(0) { $0 + $1.codes.count * MemoryLayout<Int32>.stride }
    }

    /// Calls `body` with dense column `d`'s `rows` values.
    func withDenseColumn<R>(_ d: Int, _ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        switch dense {
        case let .matrix(matrix):
            return try matrix.values.withUnsafeBufferPointer { values in
                try body(UnsafeBufferPointer(rebasing: values[(d * rows)..<((d + 1) * rows)]))
            }
        case let .columns(columns):
            return try columns[d].withUnsafeBufferPointer(body)
        }
    }

    /// The value of dense column `d` in a row.
    @inline(__always)
    func denseValue(_ row: Int, _ d: Int) -> Double {
        switch dense {
        case let .matrix(matrix): matrix.values[d * rows + row]
        case let .columns(columns): columns[d][row]
        }
    }

    /// Wraps a dense matrix (every feature dense; no copy).
    ///
    /// - Parameter matrix: the features.
    public init(_ matrix: Matrix) {
        rows = matrix.rows
        dense = .matrix(matrix)
        groups = []
        sources = (0..<matrix.columns).map { .dense($0) }
    }

    /// Creates features from dense columns and one-hot groups.
    ///
    /// - Parameters:
    ///   - rows: the number of rows.
    ///   - denseColumns: the dense features, each `rows` values (shared, not copied).
    ///   - groups: the one-hot groups, each with `rows` codes.
    ///   - sources: per feature, its dense column or group feature; every dense column and every
    ///     group feature exactly once.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when a column's or a
    ///   group's row count differs or `sources` does not name each dense column and group feature
    ///   exactly once.
    public init(rows: Int, denseColumns: [[Double]], groups: [OneHotGroup], sources: [Source]) throws(HeatMLError) {
        for (index, column) in denseColumns.enumerated() where column.count != rows {
            throw .shapeMismatch(context: "FeatureColumns dense column \(index)", expected: "\(rows) values (one per row)", found: "\(column.count)")
        }
        for (index, group) in groups.enumerated() where group.codes.count != rows {
            throw .shapeMismatch(context: "FeatureColumns group \(index)", expected: "\(rows) codes (one per row)", found: "\(group.codes.count)")
        }
        var denseSeen = [Bool](repeating: false, count: denseColumns.count)
        var groupSeen = groups.map { [Bool](repeating: false, count: $0.featureCount) }
        for (feature, source) in sources.enumerated() {
            switch source {
            case let .dense(d):
                guard denseSeen.indices.contains(d), !denseSeen[d] else {
                    throw .shapeMismatch(context: "FeatureColumns.sources[\(feature)]", expected: "an unused dense column in 0..<\(denseColumns.count)", found: "\(d)")
                }
                denseSeen[d] = true
            case let .oneHot(g, f):
                guard groupSeen.indices.contains(g), groupSeen[g].indices.contains(Int(f)), !groupSeen[g][Int(f)] else {
                    throw .shapeMismatch(context: "FeatureColumns.sources[\(feature)]", expected: "an unused feature of one of the \(groups.count) groups", found: "group \(g), feature \(f)")
                }
                groupSeen[g][Int(f)] = true
            }
        }
        guard !denseSeen.contains(false), !groupSeen.contains(where: { $0.contains(false) }) else {
            throw .shapeMismatch(context: "FeatureColumns.sources", expected: "every dense column and group feature once", found: "\(sources.count) sources")
        }
        self.rows = rows
        dense = .columns(denseColumns)
        self.groups = groups
        self.sources = sources
    }

    /// The value of a feature in a row, as the dense matrix holds it.
    ///
    /// - Parameters:
    ///   - row: the row index.
    ///   - feature: the feature index.
    public subscript(row: Int, feature: Int) -> Double {
        switch sources[feature] {
        case let .dense(d): return denseValue(row, d)
        case let .oneHot(g, f):
            let code = groups[g].codes[row]
            return code == OneHotGroup.missing ? .nan : code == f ? 1 : 0
        }
    }

    /// The features as a dense matrix (the one-hot features expanded to 0 / 1 / `.nan`).
    ///
    /// - Returns: a `rows x columns` matrix equal, cell for cell, to ``subscript(row:feature:)``.
    public func denseMatrix() -> Matrix {
        if groups.isEmpty, case let .matrix(matrix) = dense { return matrix }
        var values: [Double] = []
        values.reserveCapacity(rows * columns)
        for source in sources {
            switch source {
            case let .dense(d):
                withDenseColumn(d) { values.append(contentsOf: $0) }
            case let .oneHot(g, f):
                for code in groups[g].codes { values.append(code == OneHotGroup.missing ? .nan : code == f ? 1 : 0) }
            }
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    /// The features restricted to some rows, in the given order.
    ///
    /// - Parameter indices: row indices (each in `0..<rows`).
    /// - Returns: the selected rows.
    public func selectingRows(_ indices: [Int]) -> FeatureColumns {
        let selected: DenseStorage = switch dense {
        case let .matrix(matrix): .matrix(matrix.selectingRows(indices))
        case let .columns(columns): .columns(columns.map { column in indices.map { column[$0] } })
        }
        return FeatureColumns(rows: indices.count, dense: selected,
                       groups: groups.map { group in
                           // Codes are copied from a valid group, so they stay in range.
                           OneHotGroup(unchecked: indices.map { group.codes[$0] }, featureCount: group.featureCount)
                       },
                       sources: sources)
    }

    /// The index of the first feature holding an infinite value (only dense features can).
    var firstInfiniteFeature: Int? {
        sources.indices.first { j in
            if case let .dense(d) = sources[j] { return withDenseColumn(d) { $0.contains(where: \.isInfinite) } }
            return false
        }
    }

    private init(rows: Int, dense: DenseStorage, groups: [OneHotGroup], sources: [Source]) {
        self.rows = rows
        self.dense = dense
        self.groups = groups
        self.sources = sources
    }
}

extension FeatureColumns.OneHotGroup {
    /// Creates a group from codes known to be in range.
    init(unchecked codes: [Int32], featureCount: Int) {
        self.codes = codes
        self.featureCount = featureCount
    }
}
