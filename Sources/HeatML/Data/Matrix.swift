/// A dense, column-major matrix of `Double`.
///
/// Element (r, c) is stored at `values[c * rows + r]`, so a column is a contiguous slice: the
/// access pattern of feature-wise preprocessing and tree histograms. Missing values are `.nan`.
///
/// ```swift
/// var m = Matrix(rows: 2, columns: 3)
/// m[1, 2] = 5
/// let column = m.column(2)   // [0, 5]
/// ```
public struct Matrix: Sendable, Codable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements in column-major order (`rows * columns` values).
    public private(set) var values: [Double]

    /// Creates a matrix filled with one value.
    ///
    /// - Parameters:
    ///   - rows: the number of rows (>= 0).
    ///   - columns: the number of columns (>= 0).
    ///   - value: the fill value, 0 by default.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = max(rows, 0)
        self.columns = max(columns, 0)
        self.values = [Double](repeating: value, count: self.rows * self.columns)
    }

    /// Creates a matrix from its columns.
    ///
    /// - Parameters:
    ///   - columns: the columns, all of the same length.
    ///   - rows: the row count to use when `columns` is empty.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` if the columns differ in length.
    public init(columns: [[Double]], rows: Int = 0) throws(HeatMLError) {
        let count = columns.first?.count ?? rows
        for (index, column) in columns.enumerated() where column.count != count {
            throw .shapeMismatch(context: "Matrix column \(index)", expected: "\(count) rows", found: "\(column.count)")
        }
        self.rows = count
        self.columns = columns.count
        self.values = columns.flatMap { $0 }
    }

    /// Creates a matrix from column-major values (`values.count == rows * columns`, checked by the caller).
    init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "Matrix(rows:columns:values:) needs rows * columns values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Creates a matrix from its rows (convenient in tests and examples).
    ///
    /// - Parameter rows: the rows, all of the same length.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` if the rows differ in length.
    public init(rows: [[Double]]) throws(HeatMLError) {
        let width = rows.first?.count ?? 0
        var columns = [[Double]](repeating: [], count: width)
        for (index, row) in rows.enumerated() {
            guard row.count == width else {
                throw .shapeMismatch(context: "Matrix row \(index)", expected: "\(width) columns", found: "\(row.count)")
            }
            for c in 0..<width { columns[c].append(row[c]) }
        }
        try self.init(columns: columns, rows: rows.count)
    }

    /// The element at a row and column.
    public subscript(row: Int, column: Int) -> Double {
        get { values[column * rows + row] }
        set { values[column * rows + row] = newValue }
    }

    /// One column as a contiguous slice.
    ///
    /// - Parameter index: the column index.
    /// - Returns: the column's `rows` values.
    public func column(_ index: Int) -> ArraySlice<Double> {
        values[(index * rows)..<((index + 1) * rows)]
    }

    /// One row, gathered from the columns.
    ///
    /// - Parameter index: the row index.
    /// - Returns: the row's `columns` values.
    public func row(_ index: Int) -> [Double] {
        (0..<columns).map { values[$0 * rows + index] }
    }

    /// Replaces one column.
    ///
    /// - Parameters:
    ///   - index: the column index.
    ///   - newValues: `rows` values.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` for a wrong length or index.
    public mutating func setColumn(_ index: Int, to newValues: [Double]) throws(HeatMLError) {
        guard newValues.count == rows else {
            throw .shapeMismatch(context: "Matrix.setColumn(\(index))", expected: "\(rows) values", found: "\(newValues.count)")
        }
        guard (0..<columns).contains(index) else {
            throw .shapeMismatch(context: "Matrix.setColumn", expected: "a column index in 0..<\(columns)", found: "\(index)")
        }
        values.replaceSubrange((index * rows)..<((index + 1) * rows), with: newValues)
    }

    /// The matrix restricted to some rows, in the given order.
    ///
    /// - Parameter indices: row indices (each in `0..<rows`).
    /// - Returns: a `indices.count x columns` matrix.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, columns: columns)
        for c in 0..<columns {
            let base = c * rows
            let outBase = c * indices.count
            for (i, r) in indices.enumerated() { result.values[outBase + i] = values[base + r] }
        }
        return result
    }
}
