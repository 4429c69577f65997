/// Encodes one categorical column as one 0/1 feature per category seen at fit time.
///
/// Categories are sorted lexicographically (as scikit-learn's `OneHotEncoder`). A category
/// not seen at fit time (an **unknown category** at predict time) encodes as all zeros, like
/// scikit-learn's `handle_unknown="ignore"`: the row then contributes only through its other
/// features. Missing cells should be imputed first (``MostFrequentImputer``); a `nil` that
/// reaches the encoder encodes as all zeros, or as `.nan` in every column with
/// `missingAsNaN` (for models that learn where missing values go).
///
/// With `maxCategories` (scikit-learn's `OneHotEncoder(max_categories=)`), at most that many
/// features are made: the `maxCategories - 1` most frequent categories, and one feature named
/// `other` for the rest (``grouped``); ties in frequency drop the lexicographically smaller
/// category first, as scikit-learn does. Unknown categories then encode as `other`
/// (scikit-learn's `handle_unknown="infrequent_if_exist"`).
///
/// ```swift
/// let encoder = OneHotEncoder.fit(["red", "blue", "red"])   // categories [blue, red]
/// encoder.transform(["red", "green"])                       // [[0, 0], [1, 0]] (column-major: blue, red)
/// let capped = OneHotEncoder.fit(["a", "a", "b", "c"], maxCategories: 2)   // [a], other = [b, c]
/// ```
public struct OneHotEncoder: Sendable, Codable, Equatable {
    /// The kept categories, sorted; feature `i` is 1 when the cell equals `categories[i]`.
    public let categories: [String]
    /// The categories grouped into the last feature, `other` (`nil` when nothing is grouped).
    public let grouped: [String]?

    /// The name of the feature of grouped categories.
    public static let otherName = "other"

    /// Creates an encoder with known categories.
    ///
    /// - Parameters:
    ///   - categories: the categories (sorted and de-duplicated here).
    ///   - grouped: the categories grouped into `other` (`nil` for none).
    public init(categories: [String], grouped: [String]? = nil) {
        self.categories = Array(Set(categories)).sorted()
        self.grouped = grouped.map { Array(Set($0)).sorted() }
    }

    /// Fits the categories present in the training cells.
    ///
    /// - Parameters:
    ///   - values: the training cells.
    ///   - maxCategories: the most features to make (at least 2), grouping the rarest categories
    ///     into `other`; `nil` for one feature per category.
    /// - Returns: the fitted encoder.
    public static func fit(_ values: [String?], maxCategories: Int? = nil) -> OneHotEncoder {
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        return fit(counts: counts, maxCategories: maxCategories)
    }

    /// Fits from category counts.
    static func fit(counts: [String: Int], maxCategories: Int?) -> OneHotEncoder {
        guard let maxCategories, counts.count > max(maxCategories, 2) else { return OneHotEncoder(categories: Array(counts.keys)) }
        // Stable ascending sort by count over the sorted categories: the first ones are grouped.
        let ordered = counts.keys.sorted().enumerated().sorted { a, b in
            let (ca, cb) = (counts[a.element, default: 0], counts[b.element, default: 0])
            return ca != cb ? ca < cb : a.offset < b.offset
        }.map(\.element)
        let groupCount = counts.count - (max(maxCategories, 2) - 1)
        return OneHotEncoder(categories: Array(ordered.dropFirst(groupCount)), grouped: Array(ordered.prefix(groupCount)))
    }

    /// The number of output features.
    public var featureCount: Int { categories.count + (grouped == nil ? 0 : 1) }

    /// The output feature labels: the categories, then `other` when grouping.
    public var featureLabels: [String] { categories + (grouped == nil ? [] : [Self.otherName]) }

    /// The output feature of a category (`nil`: all zeros).
    func feature(of value: String, index: [String: Int]) -> Int? {
        if let i = index[value] { return i }
        return grouped == nil ? nil : categories.count
    }

    /// Encodes cells as indicator columns.
    ///
    /// - Parameter values: the cells to encode.
    /// - Returns: one column per feature (each `values.count` long) of 0 / 1.
    public func transform(_ values: [String?]) -> [[Double]] {
        var index: [String: Int] = [:]
        for (i, category) in categories.enumerated() { index[category] = i }
        var columns = [[Double]](repeating: [Double](repeating: 0, count: values.count), count: featureCount)
        for (row, value) in values.enumerated() {
            if let value, let i = feature(of: value, index: index) { columns[i][row] = 1 }
        }
        return columns
    }

    /// Encodes a dictionary-encoded column compactly: per row, the index of the one feature that
    /// is 1 (as ``transform(dictionary:codes:fill:missingAsNaN:)`` would set it), without a
    /// column per category.
    ///
    /// - Parameters:
    ///   - dictionary: the column's distinct values.
    ///   - codes: per row, an index into `dictionary`, -1 for missing.
    ///   - fill: the value that replaces a missing cell (imputation), or `nil`.
    /// - Returns: per row, a feature index, ``FeatureColumns/OneHotGroup/none`` (all zeros: an
    ///   unknown category, or a fill that encodes as nothing) or, without `fill`,
    ///   ``FeatureColumns/OneHotGroup/missing`` (`.nan` in every feature).
    func featureCodes(dictionary: [String], codes: [Int32], fill: String?) -> [Int32] {
        var index: [String: Int] = [:]
        for (i, category) in categories.enumerated() { index[category] = i }
        let featureOfCode = dictionary.map { Int32(feature(of: $0, index: index) ?? -1) }
        let missingCode = fill.map { Int32(feature(of: $0, index: index) ?? -1) } ?? FeatureColumns.OneHotGroup.missing
        return codes.map { $0 < 0 ? missingCode : featureOfCode[Int($0)] }
    }

    /// Encodes a dictionary-encoded column, without a `String` per cell.
    ///
    /// - Parameters:
    ///   - dictionary: the column's distinct values.
    ///   - codes: per row, an index into `dictionary`, -1 for missing.
    ///   - fill: the value that replaces a missing cell (imputation), or `nil`.
    ///   - missingAsNaN: encode a missing cell (without `fill`) as `.nan` in every feature.
    /// - Returns: one column per feature.
    func transform(dictionary: [String], codes: [Int32], fill: String?, missingAsNaN: Bool) -> [[Double]] {
        var index: [String: Int] = [:]
        for (i, category) in categories.enumerated() { index[category] = i }
        let featureOfCode = dictionary.map { feature(of: $0, index: index) ?? -1 }
        let fillFeature = fill.flatMap { feature(of: $0, index: index) } ?? -1
        var columns = [[Double]](repeating: [Double](repeating: 0, count: codes.count), count: featureCount)
        for (row, code) in codes.enumerated() {
            if code < 0 {
                if fill != nil {
                    if fillFeature >= 0 { columns[fillFeature][row] = 1 }
                } else if missingAsNaN {
                    for f in 0..<columns.count { columns[f][row] = .nan }
                }
                continue
            }
            let f = featureOfCode[Int(code)]
            if f >= 0 { columns[f][row] = 1 }
        }
        return columns
    }
}
