import Foundation

/// An assignment of every row to one cross-validation fold (its test fold).
///
/// Built by stratified shuffling (``stratified(labels:count:seed:)``, like scikit-learn's
/// `StratifiedKFold(shuffle=True)`, though not the same permutation), or read from a file / a
/// column so results can be compared with a reference on identical folds.
///
/// ```swift
/// let folds = try Folds.stratified(labels: y, count: 5, seed: 42)
/// for fold in 0..<folds.count {
///     let (train, test) = folds.split(fold)
/// }
/// ```
public struct Folds: Sendable, Codable, Equatable {
    /// The test fold of each row (0-based, dense: every fold in `0..<count` has rows).
    public let assignment: [Int]
    /// The number of folds.
    public let count: Int

    /// Creates folds from an assignment.
    ///
    /// - Parameters:
    ///   - assignment: one fold index per row.
    ///   - source: a name for messages.
    /// - Throws: ``HeatMLError/badFolds(source:reason:)`` for a negative index or a fold without rows.
    public init(assignment: [Int], source: String = "folds") throws(HeatMLError) {
        guard let maximum = assignment.max(), let minimum = assignment.min() else {
            throw .badFolds(source: source, reason: "no rows")
        }
        guard minimum >= 0 else { throw .badFolds(source: source, reason: "negative fold index \(minimum)") }
        let present = Set(assignment)
        guard present.count == maximum + 1 else {
            let missing = (0...maximum).filter { !present.contains($0) }.map(String.init).joined(separator: ", ")
            throw .badFolds(source: source, reason: "fold(s) \(missing) have no rows")
        }
        guard maximum >= 1 else { throw .badFolds(source: source, reason: "at least two folds are needed") }
        self.assignment = assignment
        self.count = maximum + 1
    }

    /// Stratified k-fold: each class is shuffled with the seed and dealt round-robin to the folds,
    /// so every fold holds nearly the same class proportions.
    ///
    /// - Parameters:
    ///   - labels: the class of each row (0 / 1 or any integers).
    ///   - count: the number of folds (2 or more, at most the row count).
    ///   - seed: the shuffle seed.
    /// - Returns: the folds.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for an unusable `count`.
    public static func stratified(labels: [Int], count: Int, seed: UInt64) throws(HeatMLError) -> Folds {
        guard count >= 2, count <= labels.count else {
            throw .invalidParameter(name: "folds", value: "\(count)", reason: "needs 2 ... \(labels.count) (the row count)")
        }
        var generator = SeededGenerator(seed: seed)
        var assignment = [Int](repeating: 0, count: labels.count)
        var next = 0
        for label in Set(labels).sorted() {
            let rows = generator.shuffled(labels.indices.filter { labels[$0] == label })
            for row in rows {
                assignment[row] = next % count
                next += 1
            }
        }
        return try Folds(assignment: assignment, source: "stratified folds")
    }

    /// Reads folds from a CSV file whose first column (or the named column) holds one integer
    /// fold index per data row, in row order, after a header line.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - column: the column to read, or `nil` for the first one.
    /// - Returns: the folds.
    /// - Throws: file errors of ``DataTable``, ``HeatMLError/badCell(source:line:column:value:expected:)``
    ///   for a non-integer index, ``HeatMLError/badFolds(source:reason:)``.
    public static func load(from url: URL, column: String? = nil) throws(HeatMLError) -> Folds {
        let table = try DataTable(contentsOf: url)
        let name = column ?? table.columnNames.first ?? ""
        return try Folds(column: try table.column(named: name), table: table)
    }

    /// Takes folds from a column of a table (for example `cv_fold`).
    ///
    /// - Parameters:
    ///   - column: the column holding integer fold indices.
    ///   - table: the table the column belongs to (for line numbers in messages).
    /// - Returns: the folds.
    /// - Throws: ``HeatMLError/badCell(source:line:column:value:expected:)`` for a missing or
    ///   non-integer cell, ``HeatMLError/badFolds(source:reason:)``.
    public init(column: DataColumn, table: DataTable) throws(HeatMLError) {
        var assignment: [Int] = []
        assignment.reserveCapacity(column.raw.count)
        for (row, cell) in column.raw.enumerated() {
            guard let cell, let value = Int(cell.trimmingCharacters(in: .whitespaces)) else {
                throw .badCell(source: table.source, line: table.lines[row], column: column.name, value: column.raw[row] ?? "", expected: .numeric)
            }
            assignment.append(value)
        }
        try self.init(assignment: assignment, source: "\(table.source) column '\(column.name)'")
    }

    /// The training and test rows of one fold.
    ///
    /// - Parameter fold: a fold index in `0..<count`.
    /// - Returns: the rows outside the fold (train) and inside it (test), each ascending.
    public func split(_ fold: Int) -> (train: [Int], test: [Int]) {
        var train: [Int] = [], test: [Int] = []
        for (row, f) in assignment.enumerated() {
            if f == fold { test.append(row) } else { train.append(row) }
        }
        return (train, test)
    }

    /// A stratified train / test split: each class is shuffled with the seed and the first
    /// `testFraction` of it (rounded) goes to the test part.
    ///
    /// - Parameters:
    ///   - labels: the class of each row.
    ///   - testFraction: the share of rows in the test part, in (0, 1).
    ///   - seed: the shuffle seed.
    /// - Returns: ascending row indices of the two parts.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for a fraction outside (0, 1).
    public static func stratifiedTrainTestSplit(labels: [Int], testFraction: Double, seed: UInt64) throws(HeatMLError) -> (train: [Int], test: [Int]) {
        guard testFraction > 0, testFraction < 1 else {
            throw .invalidParameter(name: "testFraction", value: "\(testFraction)", reason: "must be strictly between 0 and 1")
        }
        var generator = SeededGenerator(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for label in Set(labels).sorted() {
            let rows = generator.shuffled(labels.indices.filter { labels[$0] == label })
            let testCount = Int((Double(rows.count) * testFraction).rounded())
            test += rows.prefix(testCount)
            train += rows.dropFirst(testCount)
        }
        return (train.sorted(), test.sorted())
    }
}
