import Foundation

/// K-means clustering: greedy k-means++ initialisation, Lloyd iterations, best of several seeded
/// starts (scikit-learn's `KMeans(init="k-means++", algorithm="lloyd")`).
///
/// Each start picks the first centre uniformly, then each next centre as the best of
/// `2 + floor(ln k)` candidates drawn with probability proportional to the squared distance to
/// the nearest chosen centre (the candidate that lowers the total most wins). Lloyd iterations
/// stop when the assignments no longer change, when the centres move less than `tolerance`
/// times the mean feature variance (summed squared shift), or after `maxIterations`. The start
/// with the lowest inertia (sum of squared distances to the assigned centre) is kept. An empty
/// cluster is re-seeded with the row farthest from its centre. Clusters are numbered by size,
/// largest first (ties: order of discovery), so cluster 0 is always the biggest segment.
///
/// ```swift
/// var model = KMeans(k: 4, seed: 42)
/// try model.fit(x)                    // x: standardised numeric features, no missing values
/// print(model.inertia, model.sizes)
/// let labels = try model.predict(x)
/// ```
public struct KMeans: Sendable, Codable, Equatable {
    /// The number of clusters (>= 1, at most the number of rows).
    public var k: Int
    /// The number of seeded starts; the one with the lowest inertia is kept (default 10).
    public var initializations: Int
    /// The maximum Lloyd iterations per start (default 300).
    public var maxIterations: Int
    /// The relative convergence tolerance on the centre shift (default 1e-4).
    public var tolerance: Double
    /// The seed of the initialisation.
    public var seed: UInt64

    /// The fitted centres, `k` arrays of the feature count.
    public private(set) var centroids: [[Double]] = []
    /// The training rows' cluster index, in row order.
    public private(set) var labels: [Int] = []
    /// The sum of squared distances of the training rows to their centre.
    public private(set) var inertia: Double = .infinity
    /// The Lloyd iterations of the kept start.
    public private(set) var iterations = 0

    /// The number of training rows per cluster.
    public var sizes: [Int] {
        var counts = [Int](repeating: 0, count: centroids.count)
        for label in labels where counts.indices.contains(label) { counts[label] += 1 }
        return counts
    }

    /// Creates an unfitted model.
    ///
    /// - Parameters:
    ///   - k: the number of clusters.
    ///   - initializations: seeded starts (n_init).
    ///   - maxIterations: Lloyd iterations per start.
    ///   - tolerance: relative centre-shift tolerance.
    ///   - seed: the random seed.
    public init(k: Int, initializations: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 42) {
        self.k = k
        self.initializations = initializations
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    /// Fits the centres on the rows of `x`.
    ///
    /// `progress`, when given, is called with (starts done, ``initializations``): 0 first, then
    /// after each seeded start, last with both equal. Example:
    /// `try model.fit(x, progress: { done, total in log("\(done)/\(total) starts") })`.
    ///
    /// - Parameters:
    ///   - x: the features (finite values; standardise them first for mixed units).
    ///   - progress: receives (starts done, starts in all) for a progress bar; `nil` for none.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for `k` outside
    ///   `1...x.rows`, a non-positive `initializations` or `maxIterations`, a negative tolerance,
    ///   or a missing / infinite value (naming the column).
    public mutating func fit(_ x: Matrix, progress: ((_ startsDone: Int, _ totalStarts: Int) -> Void)? = nil) throws(HeatMLError) {
        guard x.rows > 0, x.columns > 0 else { throw .invalidParameter(name: "x", value: "\(x.rows)x\(x.columns)", reason: "k-means needs at least one row and one column") }
        guard k >= 1, k <= x.rows else { throw .invalidParameter(name: "k", value: "\(k)", reason: "must be between 1 and the number of rows (\(x.rows))") }
        guard initializations >= 1 else { throw .invalidParameter(name: "initializations", value: "\(initializations)", reason: "must be at least 1") }
        guard maxIterations >= 1 else { throw .invalidParameter(name: "maxIterations", value: "\(maxIterations)", reason: "must be at least 1") }
        guard tolerance >= 0, tolerance.isFinite else { throw .invalidParameter(name: "tolerance", value: "\(tolerance)", reason: "must be a non-negative number") }
        if let column = (0..<x.columns).first(where: { x.column($0).contains(where: { !$0.isFinite }) }) {
            throw .invalidParameter(name: "x", value: "column \(column)", reason: "holds a missing or infinite value; impute it first")
        }
        let data = RowMajor(x)
        let absoluteTolerance = tolerance * Self.meanVariance(x)
        var generator = SeededGenerator(seed: seed)
        var best: (centres: [Double], labels: [Int], inertia: Double, iterations: Int)?
        progress?(0, initializations)
        for start in 0..<initializations {
            let initial = Self.kMeansPlusPlus(data, k: k, generator: &generator)
            let run = Self.lloyd(data, centres: initial, k: k, maxIterations: maxIterations, tolerance: absoluteTolerance)
            if run.inertia < (best?.inertia ?? .infinity) { best = run }
            progress?(start + 1, initializations)
        }
        guard let best else { return }
        var counts = [Int](repeating: 0, count: k)
        for label in best.labels { counts[label] += 1 }
        let order = (0..<k).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: k)
        for (position, cluster) in order.enumerated() { rank[cluster] = position }
        centroids = order.map { Array(best.centres[($0 * data.width)..<(($0 + 1) * data.width)]) }
        labels = best.labels.map { rank[$0] }
        inertia = best.inertia
        iterations = best.iterations
    }

    /// The nearest centre of every row.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one cluster index per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predict(_ x: Matrix) throws(HeatMLError) -> [Int] {
        guard let width = centroids.first?.count, x.columns == width else {
            throw .shapeMismatch(context: "KMeans.predict", expected: centroids.isEmpty ? "a fitted model" : "\(centroids[0].count) feature columns", found: "\(x.columns)")
        }
        let data = RowMajor(x)
        return Self.assign(data, centres: centroids.flatMap { $0 }, k: centroids.count).labels
    }

    /// Rows stored contiguously (row-major), the access pattern of distance computations.
    struct RowMajor {
        let rows: Int
        let width: Int
        let values: [Double]

        init(_ x: Matrix) {
            rows = x.rows
            width = x.columns
            var values = [Double](repeating: 0, count: x.rows * x.columns)
            for c in 0..<x.columns {
                for (r, value) in x.column(c).enumerated() { values[r * x.columns + c] = value }
            }
            self.values = values
        }

        /// The squared distance between row `r` and the `c`-th vector of `centres`.
        @inline(__always)
        func distance(_ r: Int, _ centres: [Double], _ c: Int) -> Double {
            var sum = 0.0
            let a = r * width, b = c * width
            for j in 0..<width {
                let d = values[a + j] - centres[b + j]
                sum += d * d
            }
            return sum
        }
    }

    static func meanVariance(_ x: Matrix) -> Double {
        var total = 0.0
        for c in 0..<x.columns {
            let column = x.column(c)
            let mean = column.reduce(0, +) / Double(x.rows)
            total += column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.rows)
        }
        return total / Double(x.columns)
    }

    /// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's local trials).
    static func kMeansPlusPlus(_ data: RowMajor, k: Int, generator: inout SeededGenerator) -> [Double] {
        let n = data.rows, width = data.width
        var centres: [Double] = []
        centres.reserveCapacity(k * width)
        let first = Int(generator.next() % UInt64(n))
        centres += data.values[(first * width)..<((first + 1) * width)]
        var closest = (0..<n).map { data.distance($0, centres, 0) }
        var potential = closest.reduce(0, +)
        let trials = 2 + Int(log(Double(k)))
        for _ in 1..<max(k, 1) {
            var cumulative = closest
            for i in 1..<n { cumulative[i] += cumulative[i - 1] }
            var bestCandidate = 0, bestPotential = Double.infinity, bestDistances: [Double] = []
            for _ in 0..<trials {
                let target = generator.nextUnit() * potential
                var low = 0, high = n - 1
                while low < high {   // first index with cumulative > target (searchsorted)
                    let mid = (low + high) / 2
                    if cumulative[mid] <= target { low = mid + 1 } else { high = mid }
                }
                let candidate = low
                let vector = Array(data.values[(candidate * width)..<((candidate + 1) * width)])
                var distances = closest
                var total = 0.0
                for i in 0..<n {
                    let d = data.distance(i, vector, 0)
                    if d < distances[i] { distances[i] = d }
                    total += distances[i]
                }
                if total < bestPotential {
                    bestPotential = total
                    bestCandidate = candidate
                    bestDistances = distances
                }
            }
            centres += data.values[(bestCandidate * width)..<((bestCandidate + 1) * width)]
            closest = bestDistances
            potential = bestPotential
        }
        return centres
    }

    /// Assigns each row to its nearest centre.
    static func assign(_ data: RowMajor, centres: [Double], k: Int) -> (labels: [Int], distances: [Double]) {
        var labels = [Int](repeating: 0, count: data.rows)
        var distances = [Double](repeating: 0, count: data.rows)
        for i in 0..<data.rows {
            var best = 0, bestDistance = Double.infinity
            for c in 0..<k {
                let d = data.distance(i, centres, c)
                if d < bestDistance { bestDistance = d; best = c }
            }
            labels[i] = best
            distances[i] = bestDistance
        }
        return (labels, distances)
    }

    /// Lloyd iterations from initial centres.
    static func lloyd(_ data: RowMajor, centres initial: [Double], k: Int, maxIterations: Int, tolerance: Double) -> (centres: [Double], labels: [Int], inertia: Double, iterations: Int) {
        let width = data.width
        var centres = initial
        var previous: [Int]?
        var iterations = 0
        var (labels, distances) = assign(data, centres: centres, k: k)
        while iterations < maxIterations {
            iterations += 1
            var sums = [Double](repeating: 0, count: k * width)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<data.rows {
                let c = labels[i]
                counts[c] += 1
                for j in 0..<width { sums[c * width + j] += data.values[i * width + j] }
            }
            var taken = Set<Int>()
            for c in 0..<k where counts[c] == 0 {   // re-seed an empty cluster with the farthest row
                let far = distances.indices.filter { !taken.contains($0) }.max { distances[$0] < distances[$1] } ?? 0
                taken.insert(far)
                counts[c] = 1
                for j in 0..<width { sums[c * width + j] = data.values[far * width + j] }
            }
            var shift = 0.0
            for c in 0..<k {
                for j in 0..<width {
                    let value = sums[c * width + j] / Double(counts[c])
                    let d = value - centres[c * width + j]
                    shift += d * d
                    centres[c * width + j] = value
                }
            }
            previous = labels
            (labels, distances) = assign(data, centres: centres, k: k)
            if labels == previous || shift <= tolerance { break }
        }
        return (centres, labels, distances.reduce(0, +), iterations)
    }
}
