/// Exact path-dependent TreeSHAP for one ``RegressionTree`` (Lundberg, Erion & Lee 2018,
/// "Consistent Individualized Feature Attribution for Tree Ensembles", Algorithm 2).
///
/// The value function is the tree's output with the features outside a coalition marginalised
/// along the tree's own training distribution: at a split on a feature outside the coalition,
/// both children are followed, weighted by their share of the node's cover (hessian sum). The
/// algorithm computes the Shapley values of that game in O(L D^2) per row (L leaves, depth D),
/// and they satisfy local accuracy exactly: `expectedValue(tree) + sum(phi) == tree.predict(row)`
/// up to rounding.
///
/// Child shares are normalised by the sum of the two children's covers (not the parent's stored
/// cover), so the identity holds even if a tree's covers are not perfectly additive; a node whose
/// children both have zero cover splits its weight evenly.
enum TreeSHAP {
    /// One element of the unique path from the root: the feature split on, the share of
    /// "zero" (feature absent) paths and "one" (feature present) paths flowing through, and the
    /// permutation weight.
    struct PathElement {
        var feature: Int
        var zero: Double
        var one: Double
        var weight: Double
    }

    /// The expected output of a tree under its cover distribution (the SHAP base value).
    ///
    /// - Parameter tree: the tree.
    /// - Returns: the cover-weighted mean of the leaf outputs, with the same child shares as
    ///   ``accumulate(_:row:into:)``.
    static func expectedValue(of tree: RegressionTree) -> Double {
        guard !tree.nodes.isEmpty else { return 0 }
        func visit(_ index: Int) -> Double {
            let node = tree.nodes[index]
            if node.isLeaf { return node.value }
            let (left, right) = shares(tree, node)
            return left * visit(node.left) + right * visit(node.right)
        }
        return visit(0)
    }

    /// Adds one row's SHAP values for a tree to `phi` (indexed by feature).
    ///
    /// - Parameters:
    ///   - tree: the tree.
    ///   - row: the row's feature values (`.nan` for missing: it follows the default side).
    ///   - phi: the running contributions, one per feature (at least as many as the tree uses).
    static func accumulate(_ tree: RegressionTree, row: [Double], into phi: inout [Double]) {
        guard !tree.nodes.isEmpty else { return }
        recurse(tree, node: 0, path: [], zero: 1, one: 1, feature: -1, row: row, phi: &phi)
    }

    /// The cover shares of a node's left and right child.
    private static func shares(_ tree: RegressionTree, _ node: RegressionTree.Node) -> (Double, Double) {
        let left = max(tree.nodes[node.left].cover, 0), right = max(tree.nodes[node.right].cover, 0)
        let total = left + right
        return total > 0 ? (left / total, right / total) : (0.5, 0.5)
    }

    private static func recurse(_ tree: RegressionTree, node index: Int, path: [PathElement], zero: Double, one: Double, feature: Int, row: [Double], phi: inout [Double]) {
        var path = extend(path, zero: zero, one: one, feature: feature)
        let node = tree.nodes[index]
        if node.isLeaf {
            guard path.count > 1 else { return }
            for i in 1..<path.count {
                let weight = unwoundSum(path, at: i)
                phi[path[i].feature] += weight * (path[i].one - path[i].zero) * node.value
            }
            return
        }
        let x = row[node.feature]
        let goesLeft = x.isNaN ? node.defaultLeft : x < node.threshold
        let (hot, cold) = goesLeft ? (node.left, node.right) : (node.right, node.left)
        let (leftShare, rightShare) = shares(tree, node)
        let (hotShare, coldShare) = goesLeft ? (leftShare, rightShare) : (rightShare, leftShare)
        var incomingZero = 1.0, incomingOne = 1.0
        if let k = path.indices.dropFirst().first(where: { path[$0].feature == node.feature }) {
            incomingZero = path[k].zero
            incomingOne = path[k].one
            path = unwind(path, at: k)
        }
        recurse(tree, node: hot, path: path, zero: incomingZero * hotShare, one: incomingOne, feature: node.feature, row: row, phi: &phi)
        recurse(tree, node: cold, path: path, zero: incomingZero * coldShare, one: 0, feature: node.feature, row: row, phi: &phi)
    }

    /// EXTEND: grows the path by one split and updates the permutation weights.
    static func extend(_ path: [PathElement], zero: Double, one: Double, feature: Int) -> [PathElement] {
        var m = path
        let l = path.count
        m.append(PathElement(feature: feature, zero: zero, one: one, weight: l == 0 ? 1 : 0))
        var i = l - 1
        while i >= 0 {
            m[i + 1].weight += one * m[i].weight * Double(i + 1) / Double(l + 1)
            m[i].weight = zero * m[i].weight * Double(l - i) / Double(l + 1)
            i -= 1
        }
        return m
    }

    /// UNWIND: removes element `i` from the path, undoing its EXTEND.
    static func unwind(_ path: [PathElement], at i: Int) -> [PathElement] {
        let l = path.count - 1
        var n = path[l].weight
        var m = Array(path[0..<l])
        let one = path[i].one, zero = path[i].zero
        var j = l - 1
        while j >= 0 {
            if one != 0 {
                let t = m[j].weight
                m[j].weight = n * Double(l + 1) / (Double(j + 1) * one)
                n = t - m[j].weight * zero * Double(l - j) / Double(l + 1)
            } else if zero != 0 {
                m[j].weight = m[j].weight * Double(l + 1) / (zero * Double(l - j))
            }
            j -= 1
        }
        for k in i..<l {
            m[k].feature = path[k + 1].feature
            m[k].zero = path[k + 1].zero
            m[k].one = path[k + 1].one
        }
        return m
    }

    /// The sum of the weights of the path unwound at `i`, without building it (the
    /// allocation-free form of `unwind(path, at: i).map(\.weight).reduce(0, +)` used by XGBoost's
    /// `UnwoundPathSum`).
    static func unwoundSum(_ path: [PathElement], at i: Int) -> Double {
        let l = path.count - 1
        let one = path[i].one, zero = path[i].zero
        var next = path[l].weight
        var total = 0.0
        var j = l - 1
        while j >= 0 {
            if one != 0 {
                let weight = next * Double(l + 1) / (Double(j + 1) * one)
                total += weight
                next = path[j].weight - weight * zero * Double(l - j) / Double(l + 1)
            } else if zero != 0 {
                total += path[j].weight * Double(l + 1) / (zero * Double(l - j))
            }
            j -= 1
        }
        return total
    }
}
