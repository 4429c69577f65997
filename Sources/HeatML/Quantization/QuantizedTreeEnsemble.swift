import Foundation

/// An integer form of ``GradientBoostedTrees`` for encrypted scoring: features cut into bins,
/// integer thresholds on bin indices and integer leaf values, so the score is an exact integer sum.
///
/// - Bins: feature `j` has sorted ``cuts`` `c_0 < c_1 < ... < c_{k-1}` with `k <= 2^bits - 1`, so
///   at most `2^bits` bins; `bin(x) = #{i : c_i <= x}` (``bin(_:feature:)``). A missing value has
///   no bin (``missingBin``, -1) and follows the node's ``Node/missingGoesLeft``.
/// - Nodes: a row goes left when `bin < threshold` (an integer in `1 ... k`). The cuts are the
///   trees' own split values, so when a feature has at most `2^bits - 1` distinct split values
///   the integer trees route every row exactly as the float trees do (``isExact``); otherwise the
///   split values are thinned to `2^bits - 1` cuts evenly by rank and each node uses the nearest cut.
/// - Leaves: ``scale`` maps the largest `|leaf|` to `2^(leafBits-1) - 1`; each leaf is rounded.
///   `score = base + Σ leaf` approximates `scale * margin`; ``maximumAbsoluteScore`` bounds it
///   over every input (`|base| + Σ_trees max |leaf|`) for the choice of a plaintext modulus.
///
/// ```swift
/// let q = try boosted.quantized(bits: 8)
/// let bins = q.bins(x)                                      // one row of bins per row (-1: missing)
/// let positive = bins.map { q.score(bins: $0) >= q.decisionScore(threshold: 0.5) }
/// print(q.isExact, q.maximumAbsoluteScore)
/// ```
public struct QuantizedTreeEnsemble: Sendable, Codable, Equatable {
    /// One node of an integer tree.
    public struct Node: Sendable, Codable, Equatable {
        /// The feature tested, -1 for a leaf.
        public var feature: Int
        /// A row goes left when its bin is `< threshold`.
        public var threshold: Int
        /// Where a missing value (bin -1) goes.
        public var missingGoesLeft: Bool
        /// The left child index (-1 for a leaf).
        public var left: Int
        /// The right child index (-1 for a leaf).
        public var right: Int
        /// The integer leaf value (0 for internal nodes).
        public var value: Int

        /// Creates a node.
        ///
        /// - Parameters:
        ///   - feature: the feature index, -1 for a leaf.
        ///   - threshold: the bin threshold.
        ///   - missingGoesLeft: the default direction.
        ///   - left: left child.
        ///   - right: right child.
        ///   - value: the integer leaf value.
        public init(feature: Int, threshold: Int, missingGoesLeft: Bool, left: Int, right: Int, value: Int) {
            self.feature = feature
            self.threshold = threshold
            self.missingGoesLeft = missingGoesLeft
            self.left = left
            self.right = right
            self.value = value
        }
    }

    /// The bin of a missing value.
    public static let missingBin = -1

    /// The bits of a bin index (at most `2^bits` bins per feature).
    public let bits: Int
    /// The bits of a leaf value (signed).
    public let leafBits: Int
    /// Each feature's sorted cut points (empty for a feature no tree uses).
    public let cuts: [[Double]]
    /// The trees, each a node array with the root first.
    public let trees: [[Node]]
    /// The integer base score (``scale`` times the base margin, rounded).
    public let base: Int
    /// Integer scores are `scale` times the float margin, up to rounding.
    public let scale: Double
    /// Whether every split value was kept as a cut (the integer trees route rows exactly as the float ones).
    public let isExact: Bool
    /// The largest `|score|` any input can produce.
    public let maximumAbsoluteScore: Int
    /// Whether the margin is a log-odds (logistic objective) or a value (squared error).
    public let objective: GradientBoostedTrees.Objective

    /// Creates the integer form of fitted trees.
    ///
    /// - Parameters:
    ///   - model: a fitted model.
    ///   - bits: bin bits (1 ... 16).
    ///   - leafBits: leaf value bits (2 ... 30; default `bits`).
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for bad bits or an unfitted model.
    public init(_ model: GradientBoostedTrees, bits: Int, leafBits: Int? = nil) throws(HeatMLError) {
        let leafBits = leafBits ?? max(bits, 2)
        guard (1...16).contains(bits) else { throw .invalidParameter(name: "bits", value: "\(bits)", reason: "must be in 1 ... 16") }
        guard (2...30).contains(leafBits) else { throw .invalidParameter(name: "leafBits", value: "\(leafBits)", reason: "must be in 2 ... 30") }
        guard !model.trees.isEmpty else { throw .invalidParameter(name: "model", value: "unfitted", reason: "quantize a fitted model") }
        let maxCuts = (1 << bits) - 1
        var splitValues = [Set<Double>](repeating: [], count: model.featureCount)
        for tree in model.trees { for node in tree.nodes where !node.isLeaf { splitValues[node.feature].insert(node.threshold) } }
        var exact = true
        let cuts: [[Double]] = splitValues.map { values in
            let sorted = values.sorted()
            guard sorted.count > maxCuts else { return sorted }
            exact = false
            return (0..<maxCuts).map { i in sorted[Int((Double(i) + 0.5) * Double(sorted.count) / Double(maxCuts))] }
        }
        let largestLeaf = model.trees.flatMap { $0.nodes.filter(\.isLeaf).map { abs($0.value) } }.max() ?? 0
        let scale = largestLeaf > 0 ? Double((1 << (leafBits - 1)) - 1) / largestLeaf : 1
        func nearestCut(_ t: Double, _ feature: Int) -> Int {
            let c = cuts[feature]
            var low = 0, high = c.count   // first index with c[i] >= t
            while low < high { let mid = (low + high) / 2; if c[mid] < t { low = mid + 1 } else { high = mid } }
            if low == c.count { return c.count - 1 }
            if low > 0, t - c[low - 1] < c[low] - t { return low - 1 }
            return low
        }
        var integerTrees: [[Node]] = []
        var largestSum = 0
        for tree in model.trees {
            var nodes: [Node] = []
            var largest = 0
            for node in tree.nodes {
                if node.isLeaf {
                    let value = Int((node.value * scale).rounded())
                    largest = max(largest, abs(value))
                    nodes.append(Node(feature: -1, threshold: 0, missingGoesLeft: true, left: -1, right: -1, value: value))
                } else {
                    nodes.append(Node(feature: node.feature, threshold: nearestCut(node.threshold, node.feature) + 1,
                                      missingGoesLeft: node.defaultLeft, left: node.left, right: node.right, value: 0))
                }
            }
            largestSum += largest
            integerTrees.append(nodes)
        }
        self.bits = bits
        self.leafBits = leafBits
        self.cuts = cuts
        self.trees = integerTrees
        self.scale = scale
        self.base = Int((model.initialMargin * scale).rounded())
        self.isExact = exact
        self.maximumAbsoluteScore = abs(base) + largestSum
        self.objective = model.objective
    }

    /// The bin of a value of a feature (``missingBin`` for a missing value).
    ///
    /// - Parameters:
    ///   - x: the value.
    ///   - feature: the feature index.
    /// - Returns: the number of cuts at or below `x`, or -1.
    public func bin(_ x: Double, feature: Int) -> Int {
        guard !x.isNaN else { return Self.missingBin }
        let c = cuts[feature]
        var low = 0, high = c.count   // first index with c[i] > x
        while low < high { let mid = (low + high) / 2; if c[mid] <= x { low = mid + 1 } else { high = mid } }
        return low
    }

    /// The bins of every row of a feature matrix.
    ///
    /// - Parameter x: features as the float model sees them.
    /// - Returns: one array of bins per row (-1 for a missing value).
    public func bins(_ x: Matrix) -> [[Int]] {
        (0..<x.rows).map { i in (0..<cuts.count).map { j in bin(x[i, j], feature: j) } }
    }

    /// The integer score of one row of bins: `base + Σ` the leaf each tree reaches.
    ///
    /// - Parameter bins: one bin per feature (-1 for missing).
    /// - Returns: the exact integer score.
    public func score(bins: [Int]) -> Int {
        var total = base
        for nodes in trees {
            var index = 0
            while nodes[index].feature >= 0 {
                let node = nodes[index]
                let b = bins[node.feature]
                let left = b == Self.missingBin ? node.missingGoesLeft : b < node.threshold
                index = left ? node.left : node.right
            }
            total += nodes[index].value
        }
        return total
    }

    /// The smallest integer score that counts as positive: `ceil(scale * logit(threshold))` for
    /// the logistic objective (0 for 0.5), `ceil(scale * threshold)` for squared error.
    ///
    /// - Parameter threshold: a probability (logistic) or a value (squared error).
    /// - Returns: the integer decision threshold.
    public func decisionScore(threshold: Double = 0.5) -> Int {
        let margin = objective == .logistic ? log(threshold / (1 - threshold)) : threshold
        return Int((scale * margin).rounded(.up))
    }

    /// The positive decision of every row (`score >= decisionScore(threshold:)`).
    ///
    /// - Parameters:
    ///   - x: features as the float model sees them.
    ///   - threshold: the decision threshold (default 0.5).
    /// - Returns: one decision per row.
    public func decisions(_ x: Matrix, threshold: Double = 0.5) -> [Bool] {
        let cut = decisionScore(threshold: threshold)
        return bins(x).map { score(bins: $0) >= cut }
    }
}

extension GradientBoostedTrees {
    /// The integer form of the fitted trees (``QuantizedTreeEnsemble``): at most `2^bits` bins
    /// per feature cut at the trees' own split values, integer bin thresholds, integer leaves.
    ///
    /// ```swift
    /// let q = try model.quantized(bits: 8)
    /// ```
    ///
    /// - Parameters:
    ///   - bits: bin bits (and leaf bits unless given).
    ///   - leafBits: leaf value bits (default `bits`).
    /// - Returns: the integer model.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for bad bits or an unfitted model.
    public func quantized(bits: Int, leafBits: Int? = nil) throws(HeatMLError) -> QuantizedTreeEnsemble {
        try QuantizedTreeEnsemble(self, bits: bits, leafBits: leafBits)
    }
}
