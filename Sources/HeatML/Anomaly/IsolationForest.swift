import Foundation
import HeatEnvelope

/// Isolation Forest anomaly detection (Liu, Ting & Zhou 2008), following scikit-learn's
/// `IsolationForest` (`max_features=1.0`, no bootstrap).
///
/// Each of `estimators` trees is grown on `min(maxSamples, rows)` rows drawn without replacement,
/// up to height `ceil(log2(maxSamples))`. The anomaly score of a row is
/// `s = 2^(-E[h(x)] / c(ψ))` with `h` the path length, `ψ` the subsample size and
/// `c(n) = 2 (ln(n - 1) + γ) - 2 (n - 1) / n` (`c(2) = 1`, `c(1) = 0`): scikit-learn's
/// `-score_samples`. Scores lie in (0, 1]; higher is more anomalous.
///
/// The decision threshold is 0.5 with ``Contamination/auto`` (scikit-learn's
/// `contamination="auto"`), or the training-score quantile that flags the given share of rows.
///
/// ```swift
/// var forest = IsolationForest(seed: 42)
/// try forest.fit(x)
/// let scores = try forest.scores(x)           // in (0, 1]
/// let flags = try forest.predict(x)           // true for anomalies
/// ```
public struct IsolationForest: Sendable, Codable, Equatable {
    /// How the anomaly threshold is chosen.
    public enum Contamination: Sendable, Codable, Equatable {
        /// A row is an anomaly when its score exceeds 0.5 (the original paper's rule).
        case auto
        /// The threshold flags this share of the training rows (in (0, 0.5]).
        case share(Double)
    }

    /// The number of trees (default 100).
    public var estimators: Int
    /// The subsample size per tree (default 256; capped at the row count).
    public var maxSamples: Int
    /// The threshold rule (default ``Contamination/auto``).
    public var contamination: Contamination
    /// The random seed.
    public var seed: UInt64

    /// The fitted trees.
    public private(set) var trees: [IsolationTree] = []
    /// The number of trees the fitted forest holds (``estimators`` once fitted; the same name as
    /// ``GradientBoostedTrees/treeCount``).
    public var treeCount: Int { trees.count }
    /// The feature count seen at fit time.
    public private(set) var featureCount = 0
    /// The subsample size used (the `ψ` of the score's normaliser).
    public private(set) var sampleSize = 0
    /// The score above which a row is an anomaly.
    public private(set) var threshold = 0.5

    /// Creates an unfitted forest.
    ///
    /// - Parameters:
    ///   - estimators: the number of trees.
    ///   - maxSamples: rows per tree.
    ///   - contamination: the threshold rule.
    ///   - seed: the random seed.
    public init(estimators: Int = 100, maxSamples: Int = 256, contamination: Contamination = .auto, seed: UInt64 = 42) {
        self.estimators = estimators
        self.maxSamples = maxSamples
        self.contamination = contamination
        self.seed = seed
    }

    /// `c(n)`: the average path length of an unsuccessful search in a binary search tree of `n` points.
    ///
    /// - Parameter n: the number of points.
    /// - Returns: 0 for `n <= 1`, 1 for `n == 2`, otherwise `2 (ln(n - 1) + γ) - 2 (n - 1) / n`.
    public static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n)
        return 2 * (log(m - 1) + 0.5772156649015329) - 2 * (m - 1) / m
    }

    /// Grows the trees on the rows of `x` and sets the threshold.
    ///
    /// - Parameter x: the features (finite values; impute missing values first).
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for fewer than one tree or
    ///   sample, a contamination outside (0, 0.5], an empty matrix, or a missing / infinite value
    ///   (naming the column).
    public mutating func fit(_ x: Matrix) throws(HeatMLError) {
        guard estimators >= 1 else { throw .invalidParameter(name: "estimators", value: "\(estimators)", reason: "must be at least 1") }
        guard maxSamples >= 1 else { throw .invalidParameter(name: "maxSamples", value: "\(maxSamples)", reason: "must be at least 1") }
        if case let .share(share) = contamination, !(share > 0 && share <= 0.5) {
            throw .invalidParameter(name: "contamination", value: "\(share)", reason: "must be in (0, 0.5] or auto")
        }
        guard x.rows > 0, x.columns > 0 else { throw .invalidParameter(name: "x", value: "\(x.rows)x\(x.columns)", reason: "the forest needs at least one row and one column") }
        if let column = (0..<x.columns).first(where: { x.column($0).contains(where: { !$0.isFinite }) }) {
            throw .invalidParameter(name: "x", value: "column \(column)", reason: "holds a missing or infinite value; impute it first")
        }
        let data = KMeans.RowMajor(x)
        let size = min(maxSamples, x.rows)
        let heightLimit = Int(ceil(log2(Double(max(size, 2)))))
        var generator = SeededGenerator(seed: seed)
        var grown: [IsolationTree] = []
        grown.reserveCapacity(estimators)
        var indices = Array(0..<x.rows)
        for _ in 0..<estimators {
            for i in 0..<size {   // partial Fisher-Yates: the first `size` entries are the sample
                let j = i + Int(generator.next() % UInt64(x.rows - i))
                indices.swapAt(i, j)
            }
            grown.append(IsolationTree.grow(data.values, width: data.width, rows: Array(indices[0..<size]), heightLimit: heightLimit, generator: &generator))
        }
        trees = grown
        featureCount = x.columns
        sampleSize = size
        switch contamination {
        case .auto:
            threshold = 0.5
        case let .share(share):
            threshold = Self.quantile(try scores(x), 1 - share)
        }
    }

    /// The anomaly score of every row, `2^(-E[h] / c(ψ))` in (0, 1]; higher is more anomalous.
    ///
    /// Rows are scored tree by tree, so `progress`, when given, is called with (trees done,
    /// trees in all): 0 first, then after each tree, last with both equal. Example:
    /// `try forest.scores(x, progress: { done, total in log("\(done)/\(total) trees") })`.
    ///
    /// - Parameters:
    ///   - x: features with the column count seen at fit time.
    ///   - progress: receives (trees done, trees in all) for a progress bar; `nil` for none.
    /// - Returns: one score per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func scores(_ x: Matrix, progress: ((_ treesDone: Int, _ totalTrees: Int) -> Void)? = nil) throws(HeatMLError) -> [Double] {
        guard !trees.isEmpty, x.columns == featureCount else {
            throw .shapeMismatch(context: "IsolationForest.scores", expected: trees.isEmpty ? "a fitted model" : "\(featureCount) feature columns", found: "\(x.columns)")
        }
        let n = x.rows
        var totals = [Double](repeating: 0, count: n)
        progress?(0, trees.count)
        x.values.withUnsafeBufferPointer { values in
            for (index, tree) in trees.enumerated() {
                for i in 0..<n { totals[i] += tree.pathLength { values[$0 * n + i] } }
                progress?(index + 1, trees.count)
            }
        }
        let normaliser = Self.averagePathLength(sampleSize)
        let count = Double(trees.count)
        return totals.map { normaliser > 0 ? pow(2, -($0 / count) / normaliser) : 1 }
    }

    /// Whether each row is an anomaly (score above ``threshold``).
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one flag per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predict(_ x: Matrix) throws(HeatMLError) -> [Bool] {
        try scores(x).map { $0 > threshold }
    }

    /// The linear-interpolation quantile (numpy's default) of some values.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0.5 }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }
}

extension IsolationForest {
    /// Checks a decoded forest before it scores anything: tree count, node count and depth within
    /// ``ReaderLimits``, every tree's nodes reached once from the root (acyclic, no shared or
    /// unreachable node), child indices in range and paired, features in `0..<featureCount`,
    /// finite thresholds and non-negative leaf sizes.
    ///
    /// A forest that passes cannot loop or trap in ``scores(_:progress:)``.
    ///
    /// - Parameter source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming the tree and node.
    public func validate(source: String) throws(HeatMLError) {
        let limits = ReaderLimits.current
        guard !trees.isEmpty else { throw .badModel(source: source, reason: "the isolation forest has no tree") }
        guard featureCount > 0 else { throw .badModel(source: source, reason: "the isolation forest has feature count \(featureCount)") }
        guard threshold.isFinite else { throw .badModel(source: source, reason: "the isolation forest threshold is not a finite number") }
        do {
            try limits.check(.treeCount, trees.count, source: source, field: "forest.trees")
            for (index, tree) in trees.enumerated() {
                try limits.check(.treeNodes, tree.nodes.count, source: source, field: "forest tree \(index)")
            }
        } catch {
            throw .badModel(source: source, reason: error.reason)
        }
        let maximumDepth = limits[.treeDepth]
        for (index, tree) in trees.enumerated() {
            let nodes = tree.nodes
            func fail(_ node: Int, _ reason: String) -> HeatMLError { .badModel(source: source, reason: "forest tree \(index), node \(node): \(reason)") }
            guard !nodes.isEmpty else { throw .badModel(source: source, reason: "forest tree \(index) has no node") }
            var visited = [Bool](repeating: false, count: nodes.count)
            var stack = [(node: 0, depth: 0)]
            var reached = 0
            while let (i, depth) = stack.popLast() {
                guard !visited[i] else { throw fail(i, "reached twice (the tree has a cycle or a shared node)") }
                guard depth <= maximumDepth else {
                    throw fail(i, "tree depth \(depth) is above the limit of \(maximumDepth) (\(ReaderLimit.treeDepth.environmentVariable))")
                }
                visited[i] = true
                reached += 1
                let node = nodes[i]
                guard node.size >= 0 else { throw fail(i, "size \(node.size) is negative") }
                if node.feature < 0 {
                    guard node.left == -1, node.right == -1 else { throw fail(i, "a leaf (feature -1) must have children -1") }
                    continue
                }
                guard node.feature < featureCount else { throw fail(i, "feature \(node.feature) is out of range 0..<\(featureCount)") }
                guard !node.threshold.isNaN else { throw fail(i, "the threshold is not a number") }
                for child in [node.left, node.right] {
                    guard child >= 0, child < nodes.count else { throw fail(i, "child index \(child) is out of range 0..<\(nodes.count)") }
                    stack.append((child, depth + 1))
                }
            }
            if reached != nodes.count { throw .badModel(source: source, reason: "forest tree \(index): \(nodes.count - reached) node(s) are not reachable from the root") }
        }
    }
}
