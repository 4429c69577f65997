/// One tree of an ``IsolationForest``: random axis-aligned splits grown on a subsample until each
/// row is isolated or the height limit is reached (Liu, Ting & Zhou 2008).
///
/// Nodes are stored in an array, the root at index 0; a leaf records how many subsample rows
/// reached it, so the path length of a row is its depth plus `c(size)`, the average path length of
/// an unsuccessful binary-search-tree search among `size` points.
///
/// ```swift
/// let length = tree.pathLength(row: [0.2, -1.3])
/// ```
public struct IsolationTree: Sendable, Codable, Equatable {
    /// One node of the tree.
    public struct Node: Sendable, Codable, Equatable {
        /// The feature tested, or -1 for a leaf.
        public var feature: Int
        /// The split value: `x < threshold` goes left.
        public var threshold: Double
        /// The left child index (-1 for a leaf).
        public var left: Int
        /// The right child index (-1 for a leaf).
        public var right: Int
        /// The number of subsample rows that reached the node.
        public var size: Int

        /// Creates a node.
        ///
        /// - Parameters:
        ///   - feature: the feature index, -1 for a leaf.
        ///   - threshold: the split value.
        ///   - left: the left child index.
        ///   - right: the right child index.
        ///   - size: the rows that reached it.
        public init(feature: Int, threshold: Double, left: Int, right: Int, size: Int) {
            self.feature = feature
            self.threshold = threshold
            self.left = left
            self.right = right
            self.size = size
        }
    }

    /// The nodes, root first.
    public var nodes: [Node]

    /// Creates a tree from nodes.
    ///
    /// - Parameter nodes: the nodes, root at index 0.
    public init(nodes: [Node]) { self.nodes = nodes }

    /// Grows a tree on some rows.
    ///
    /// At each node a feature is drawn uniformly among those not constant on the node's rows and
    /// the threshold uniformly between their minimum and maximum; a node becomes a leaf when it
    /// holds at most one row, every feature is constant, or it is at `heightLimit`.
    static func grow(_ values: [Double], width: Int, rows: [Int], heightLimit: Int, generator: inout SeededGenerator) -> IsolationTree {
        var nodes: [Node] = []
        func build(_ rows: [Int], depth: Int) -> Int {
            let index = nodes.count
            nodes.append(Node(feature: -1, threshold: 0, left: -1, right: -1, size: rows.count))
            guard rows.count > 1, depth < heightLimit else { return index }
            var candidates = Array(0..<width)
            while !candidates.isEmpty {
                let pick = Int(generator.next() % UInt64(candidates.count))
                let feature = candidates[pick]
                var low = Double.infinity, high = -Double.infinity
                for r in rows {
                    let v = values[r * width + feature]
                    low = min(low, v)
                    high = max(high, v)
                }
                guard high > low else {
                    candidates.swapAt(pick, candidates.count - 1)
                    candidates.removeLast()
                    continue
                }
                var threshold = low + generator.nextUnit() * (high - low)
                if threshold <= low { threshold = low.nextUp }
                let left = rows.filter { values[$0 * width + feature] < threshold }
                let right = rows.filter { values[$0 * width + feature] >= threshold }
                let leftIndex = build(left, depth: depth + 1)
                let rightIndex = build(right, depth: depth + 1)
                nodes[index] = Node(feature: feature, threshold: threshold, left: leftIndex, right: rightIndex, size: rows.count)
                return index
            }
            return index
        }
        _ = build(rows, depth: 0)
        return IsolationTree(nodes: nodes)
    }

    /// The path length of a row: the depth of the leaf it reaches plus `c(leaf size)`.
    ///
    /// - Parameter row: the row's feature values.
    /// - Returns: the (adjusted) path length.
    public func pathLength(row: [Double]) -> Double {
        pathLength { row[$0] }
    }

    @inline(__always)
    func pathLength(_ value: (Int) -> Double) -> Double {
        var index = 0, depth = 0
        while nodes[index].feature >= 0 {
            let node = nodes[index]
            index = value(node.feature) < node.threshold ? node.left : node.right
            depth += 1
        }
        return Double(depth) + IsolationForest.averagePathLength(nodes[index].size)
    }
}
