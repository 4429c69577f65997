/// Replaces missing numbers (`.nan`) by the median of the fitted values.
///
/// Matches scikit-learn's `SimpleImputer(strategy="median")`; a column with no value at fit
/// time imputes 0.
///
/// ```swift
/// let imputer = MedianImputer.fit([1, .nan, 3, 10])   // median 3
/// imputer.transform([.nan, 2])                         // [3, 2]
/// ```
public struct MedianImputer: Sendable, Codable, Equatable {
    /// The value that replaces a missing number.
    public let median: Double

    /// Creates an imputer with a known fill value.
    ///
    /// - Parameter median: the fill value.
    public init(median: Double) { self.median = median }

    /// Fits the median of the non-missing values.
    ///
    /// - Parameter values: the training values, `.nan` for missing.
    /// - Returns: the fitted imputer.
    public static func fit<C: Collection>(_ values: C) -> MedianImputer where C.Element == Double {
        var present = values.filter { !$0.isNaN }
        guard !present.isEmpty else { return MedianImputer(median: 0) }
        // Selection instead of a full sort (linear time on average): the same order statistics.
        let mid = present.count / 2
        let upper = select(&present, rank: mid)
        guard present.count % 2 == 0 else { return MedianImputer(median: upper) }
        // After selecting `mid`, every value before it is <= it: the lower middle is their maximum.
        let lower = present[0..<mid].max() ?? upper
        return MedianImputer(median: (lower + upper) / 2)
    }

    /// The value of rank `k` (0-based) of `values`, partially reordering them so that
    /// `values[..<k]` are `<=` it and `values[(k+1)...]` are `>=` it (Hoare's selection with a
    /// median-of-three pivot; no `.nan` allowed).
    static func select(_ values: inout [Double], rank k: Int) -> Double {
        var lo = 0, hi = values.count - 1
        values.withUnsafeMutableBufferPointer { v in
            while lo < hi {
                let m = lo + (hi - lo) / 2
                if v[m] < v[lo] { v.swapAt(m, lo) }
                if v[hi] < v[lo] { v.swapAt(hi, lo) }
                if v[hi] < v[m] { v.swapAt(hi, m) }
                let pivot = v[m]
                var i = lo, j = hi
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while pivot < v[j] { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { break }
            }
        }
        return values[k]
    }

    /// Fills missing values.
    ///
    /// - Parameter values: values, `.nan` for missing.
    /// - Returns: the values with every `.nan` replaced by ``median``.
    public func transform<C: Collection>(_ values: C) -> [Double] where C.Element == Double {
        values.map { $0.isNaN ? median : $0 }
    }
}

/// Replaces missing categories by the most frequent one seen at fit time.
///
/// Matches scikit-learn's `SimpleImputer(strategy="most_frequent")`: ties go to the smallest
/// value in lexicographic order. A column with no value at fit time imputes the empty string.
///
/// ```swift
/// let imputer = MostFrequentImputer.fit(["a", nil, "b", "b"])
/// imputer.transform([nil, "a"])   // ["b", "a"]
/// ```
public struct MostFrequentImputer: Sendable, Codable, Equatable {
    /// The value that replaces a missing category.
    public let mostFrequent: String

    /// Creates an imputer with a known fill value.
    ///
    /// - Parameter mostFrequent: the fill value.
    public init(mostFrequent: String) { self.mostFrequent = mostFrequent }

    /// Fits the most frequent value.
    ///
    /// - Parameter values: the training cells, `nil` for missing.
    /// - Returns: the fitted imputer.
    public static func fit(_ values: [String?]) -> MostFrequentImputer {
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        let best = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }
        return MostFrequentImputer(mostFrequent: best?.key ?? "")
    }

    /// Fills missing cells.
    ///
    /// - Parameter values: cells, `nil` for missing.
    /// - Returns: the cells with every `nil` replaced by ``mostFrequent``.
    public func transform(_ values: [String?]) -> [String] { values.map { $0 ?? mostFrequent } }
}
