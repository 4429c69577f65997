import Foundation

/// The encoding of a two-class target column as 0 / 1 labels.
///
/// The positive class is the one given, or else inferred only from a yes / no pair (any case):
/// `1` for `0` / `1`, `true` for `false` / `true`, `yes` for `no` / `yes`, `y` for `n` / `y`,
/// `t` for `f` / `t` (for these it agrees with scikit-learn's `classes_[1]`). Any other pair
/// (`Stayed` / `Left`) is refused with ``HeatMLError/ambiguousPositiveLabel(column:classes:)``
/// rather than guessed: the lexicographic rule would make `Stayed` the positive class.
///
/// ```swift
/// let target = try BinaryTarget(column: table.column(named: "churn"), positiveLabel: "Yes", table: table)
/// let y = target.labels   // 1 where churn == "Yes"
/// ```
public struct BinaryTarget: Sendable, Codable, Equatable {
    /// The label of class 1.
    public let positiveLabel: String
    /// The label of class 0.
    public let negativeLabel: String
    /// 0 / 1 per row of the table the target was read from.
    public let labels: [Int]

    /// Encodes a target column.
    ///
    /// - Parameters:
    ///   - column: the target column.
    ///   - positiveLabel: the positive class, or `nil` for the rule above.
    ///   - table: the table the column belongs to (for line numbers).
    /// - Throws: ``HeatMLError/missingTarget(source:line:column:)`` for an empty cell,
    ///   ``HeatMLError/singleClass(context:label:)`` for one class, ``HeatMLError/targetNotBinary(column:classes:)``
    ///   for more than two, ``HeatMLError/unknownPositiveLabel(column:label:classes:)``,
    ///   ``HeatMLError/ambiguousPositiveLabel(column:classes:)`` when none is given and the classes
    ///   are not a yes / no pair.
    public init(column: DataColumn, positiveLabel: String?, table: DataTable) throws(HeatMLError) {
        if let row = column.raw.firstIndex(where: { $0 == nil }) {
            throw .missingTarget(source: table.source, line: table.lines[row], column: column.name)
        }
        let raw = column.raw.map { ($0 ?? "").trimmingCharacters(in: .whitespaces) }
        let classes = Array(Set(raw)).sorted()
        if classes.count == 1 { throw .singleClass(context: "\(table.source): target column '\(column.name)'", label: classes[0]) }
        guard classes.count == 2 else { throw .targetNotBinary(column: column.name, classes: classes) }
        let positive: String
        if let positiveLabel {
            guard classes.contains(positiveLabel) else { throw .unknownPositiveLabel(column: column.name, label: positiveLabel, classes: classes) }
            positive = positiveLabel
        } else if let truthy = Self.truthyLabel(of: classes) {
            positive = truthy
        } else {
            throw .ambiguousPositiveLabel(column: column.name, classes: classes)
        }
        try self.init(positiveLabel: positive, negativeLabel: classes.first { $0 != positive } ?? "", values: raw, column: column.name)
    }

    /// The "yes" label of a yes / no pair of classes (`0`/`1`, `false`/`true`, `no`/`yes`,
    /// `n`/`y`, `f`/`t`, any case), or `nil` for any other pair.
    ///
    /// - Parameter classes: the two class labels.
    /// - Returns: the label that means yes, as spelled in the data.
    public static func truthyLabel(of classes: [String]) -> String? {
        guard classes.count == 2 else { return nil }
        let pairs: [(no: String, yes: String)] = [("0", "1"), ("false", "true"), ("no", "yes"), ("n", "y"), ("f", "t")]
        let lower = classes.map { $0.lowercased() }
        for pair in pairs where Set(lower) == [pair.no, pair.yes] {
            return classes[lower.firstIndex(of: pair.yes) ?? 1]
        }
        return nil
    }

    /// Encodes raw values with known labels.
    ///
    /// - Parameters:
    ///   - positiveLabel: the label of class 1.
    ///   - negativeLabel: the label of class 0.
    ///   - values: the raw target cells.
    ///   - column: the column name for messages.
    /// - Throws: ``HeatMLError/unknownPositiveLabel(column:label:classes:)`` if a value is neither label.
    public init(positiveLabel: String, negativeLabel: String, values: [String], column: String) throws(HeatMLError) {
        var labels: [Int] = []
        labels.reserveCapacity(values.count)
        for value in values {
            if value == positiveLabel { labels.append(1) }
            else if value == negativeLabel { labels.append(0) }
            else { throw .unknownPositiveLabel(column: column, label: value, classes: [negativeLabel, positiveLabel]) }
        }
        self.positiveLabel = positiveLabel
        self.negativeLabel = negativeLabel
        self.labels = labels
    }
}
