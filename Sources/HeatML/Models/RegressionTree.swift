import HeatEnvelope

/// One fitted regression tree of a ``GradientBoostedTrees`` ensemble.
///
/// Nodes are stored in an array, the root at index 0. An internal node sends a row left when
/// its feature value is `< threshold`, right when `>=`, and to its learned default side when the
/// value is missing (`.nan`). Leaves hold the (learning-rate scaled) output added to the margin.
///
/// ```swift
/// let margin = tree.predict(row: [0.3, .nan, 7])
/// ```
public struct RegressionTree: Sendable, Codable, Equatable {
    /// One node of a tree.
    public struct Node: Sendable, Codable, Equatable {
        /// The feature tested, or -1 for a leaf.
        public var feature: Int
        /// The split value: `x < threshold` goes left.
        public var threshold: Double
        /// The default direction: whether a missing value (`.nan`) goes to the left child (`true`)
        /// or the right child (`false`). Learned per split by trying both sides; XGBoost's JSON
        /// model calls it `default_left` (and its text dump `missing=<child id>`).
        public var defaultLeft: Bool
        /// The index of the left child (-1 for a leaf).
        public var left: Int
        /// The index of the right child (-1 for a leaf).
        public var right: Int
        /// The leaf output (scaled by the learning rate); for internal nodes the weight it would have as a leaf.
        public var value: Double
        /// The loss reduction of the split (0 for a leaf).
        public var gain: Double
        /// The sum of hessians of the training rows that reached the node.
        public var cover: Double

        /// Whether the node is a leaf.
        public var isLeaf: Bool { feature < 0 }

        /// Creates a node.
        ///
        /// - Parameters:
        ///   - feature: the feature index, -1 for a leaf.
        ///   - threshold: the split value.
        ///   - defaultLeft: where missing values go.
        ///   - left: left child index.
        ///   - right: right child index.
        ///   - value: the leaf output.
        ///   - gain: the split's loss reduction.
        ///   - cover: the hessian sum.
        public init(feature: Int, threshold: Double, defaultLeft: Bool, left: Int, right: Int, value: Double, gain: Double, cover: Double) {
            self.feature = feature
            self.threshold = threshold
            self.defaultLeft = defaultLeft
            self.left = left
            self.right = right
            self.value = value
            self.gain = gain
            self.cover = cover
        }
    }

    /// The nodes, root first.
    public var nodes: [Node]

    /// Creates a tree from nodes.
    ///
    /// - Parameter nodes: the nodes, root at index 0.
    public init(nodes: [Node]) { self.nodes = nodes }

    /// The leaf output for one row given as a column accessor.
    ///
    /// - Parameter value: returns the row's value of a feature index.
    /// - Returns: the output of the leaf the row reaches.
    @inline(__always)
    func predict(_ value: (Int) -> Double) -> Double {
        var index = 0
        while true {
            let node = nodes[index]
            if node.feature < 0 { return node.value }
            let x = value(node.feature)
            if x.isNaN {
                index = node.defaultLeft ? node.left : node.right
            } else {
                index = x < node.threshold ? node.left : node.right
            }
        }
    }

    /// The leaf output for one row.
    ///
    /// - Parameter row: the feature values of the row.
    /// - Returns: the output of the leaf the row reaches.
    public func predict(row: [Double]) -> Double { predict { row[$0] } }

    /// The depth of the tree (0 for a single leaf).
    public var depth: Int {
        func depth(_ i: Int) -> Int { nodes[i].isLeaf ? 0 : 1 + max(depth(nodes[i].left), depth(nodes[i].right)) }
        return nodes.isEmpty ? 0 : depth(0)
    }
}

extension RegressionTree {
    /// Checks that the nodes form a tree from the root: each node reached once (acyclic), child
    /// indices in range and paired, features in `0..<featureCount`, finite thresholds and values,
    /// and no node left unreachable.
    ///
    /// - Parameters:
    ///   - featureCount: the number of model features.
    ///   - source: the file name for messages.
    ///   - index: the tree's position in the ensemble, for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming the tree and node.
    func validate(featureCount: Int, source: String, index: Int) throws(HeatMLError) {
        func fail(_ node: Int, _ reason: String) -> HeatMLError { .badModel(source: source, reason: "tree \(index), node \(node): \(reason)") }
        guard !nodes.isEmpty else { throw .badModel(source: source, reason: "tree \(index) has no node") }
        let limits = ReaderLimits.current
        do {
            try limits.check(.treeNodes, nodes.count, source: source, field: "tree \(index)")
        } catch {
            throw .badModel(source: source, reason: error.reason)
        }
        let maximumDepth = limits[.treeDepth]
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
            guard node.value.isFinite else { throw fail(i, "the value is not a finite number") }
            if node.feature < 0 {
                guard node.left == -1, node.right == -1 else { throw fail(i, "a leaf (feature -1) must have children -1") }
                continue
            }
            guard node.feature < featureCount else { throw fail(i, "feature \(node.feature) is out of range 0..<\(featureCount)") }
            guard node.threshold.isFinite else { throw fail(i, "the threshold is not a finite number") }
            for child in [node.left, node.right] {
                guard child >= 0, child < nodes.count else { throw fail(i, "child index \(child) is out of range 0..<\(nodes.count)") }
                stack.append((child, depth + 1))
            }
        }
        if reached != nodes.count { throw .badModel(source: source, reason: "tree \(index): \(nodes.count - reached) node(s) are not reachable from the root") }
    }
}
