import Foundation

/// The encoding of a two-class target column as 0 / 1 labels.
///
/// The positive class is the one given, or else `1` when the classes are `0` / `1`, `true` when
/// they are `false` / `true` (any case), and otherwise the larger label in lexicographic order
/// (scikit-learn's `classes_[1]`; `Yes` over `No`).
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
    ///   for more than two, ``HeatMLError/unknownPositiveLabel(column:label:classes:)``.
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
        } else if let truthy = classes.first(where: { $0.lowercased() == "true" }), classes.contains(where: { $0.lowercased() == "false" }) {
            positive = truthy
        } else {
            positive = classes[1]
        }
        try self.init(positiveLabel: positive, negativeLabel: classes.first { $0 != positive } ?? "", values: raw, column: column.name)
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
