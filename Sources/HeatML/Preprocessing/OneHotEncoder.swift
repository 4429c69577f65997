/// Encodes one categorical column as one 0/1 feature per category seen at fit time.
///
/// Categories are sorted lexicographically (as scikit-learn's `OneHotEncoder`). A category
/// not seen at fit time (an **unknown category** at predict time) encodes as all zeros, like
/// scikit-learn's `handle_unknown="ignore"`: the row then contributes only through its other
/// features. Missing cells should be imputed first (``MostFrequentImputer``); a `nil` that
/// reaches the encoder also encodes as all zeros.
///
/// ```swift
/// let encoder = OneHotEncoder.fit(["red", "blue", "red"])   // categories [blue, red]
/// encoder.transform(["red", "green"])                       // [[0, 0], [1, 0]] (column-major: blue, red)
/// ```
public struct OneHotEncoder: Sendable, Codable, Equatable {
    /// The known categories, sorted; feature `i` is 1 when the cell equals `categories[i]`.
    public let categories: [String]

    /// Creates an encoder with known categories.
    ///
    /// - Parameter categories: the categories (sorted and de-duplicated here).
    public init(categories: [String]) { self.categories = Array(Set(categories)).sorted() }

    /// Fits the categories present in the training cells.
    ///
    /// - Parameter values: the training cells.
    /// - Returns: the fitted encoder.
    public static func fit(_ values: [String?]) -> OneHotEncoder {
        OneHotEncoder(categories: values.compactMap { $0 })
    }

    /// Encodes cells as indicator columns.
    ///
    /// - Parameter values: the cells to encode.
    /// - Returns: one column per category (each `values.count` long) of 0 / 1.
    public func transform(_ values: [String?]) -> [[Double]] {
        var index: [String: Int] = [:]
        for (i, category) in categories.enumerated() { index[category] = i }
        var columns = [[Double]](repeating: [Double](repeating: 0, count: values.count), count: categories.count)
        for (row, value) in values.enumerated() {
            if let value, let i = index[value] { columns[i][row] = 1 }
        }
        return columns
    }
}
