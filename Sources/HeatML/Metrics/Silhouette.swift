/// The mean silhouette coefficient of a clustering (Rousseeuw 1987), Euclidean distance.
///
/// For row i with mean distance `a` to the other rows of its cluster and smallest mean distance
/// `b` to the rows of another cluster, `s = (b - a) / max(a, b)`; a row alone in its cluster has
/// `s = 0` (scikit-learn's `silhouette_score`). The cost is quadratic in the number of rows.
///
/// ```swift
/// let score = try silhouetteScore(x, labels: model.labels)   // in -1...1, higher is better
/// ```
///
/// - Parameters:
///   - x: the features the clustering was computed on.
///   - labels: one cluster index (>= 0) per row.
/// - Returns: the mean silhouette over all rows.
/// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when the labels do not match
///   the rows; ``HeatMLError/invalidParameter(name:value:reason:)`` for a negative label or fewer
///   than two clusters (or as many clusters as rows).
public func silhouetteScore(_ x: Matrix, labels: [Int]) throws(HeatMLError) -> Double {
    guard labels.count == x.rows else {
        throw .shapeMismatch(context: "silhouetteScore", expected: "\(x.rows) labels", found: "\(labels.count)")
    }
    guard let maximum = labels.max(), let minimum = labels.min(), minimum >= 0 else {
        throw .invalidParameter(name: "labels", value: "\(labels.min() ?? 0)", reason: "cluster indices must be non-negative")
    }
    let k = maximum + 1
    var sizes = [Int](repeating: 0, count: k)
    for label in labels { sizes[label] += 1 }
    let used = sizes.filter { $0 > 0 }.count
    guard used >= 2, used < x.rows else {
        throw .invalidParameter(name: "labels", value: "\(used) clusters", reason: "the silhouette needs between 2 and rows - 1 clusters")
    }
    let data = KMeans.RowMajor(x)
    var total = 0.0
    var sums = [Double](repeating: 0, count: k)
    for i in 0..<data.rows {
        for c in 0..<k { sums[c] = 0 }
        let a = i * data.width
        for r in 0..<data.rows {
            var d2 = 0.0
            let b = r * data.width
            for j in 0..<data.width {
                let d = data.values[a + j] - data.values[b + j]
                d2 += d * d
            }
            sums[labels[r]] += d2.squareRoot()
        }
        let own = labels[i]
        guard sizes[own] > 1 else { continue }
        let inner = sums[own] / Double(sizes[own] - 1)
        var nearest = Double.infinity
        for c in 0..<k where c != own && sizes[c] > 0 { nearest = min(nearest, sums[c] / Double(sizes[c])) }
        let denominator = max(inner, nearest)
        if denominator > 0 { total += (nearest - inner) / denominator }
    }
    return total / Double(data.rows)
}
