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
        var buffer = makeBuffer(depth: tree.depth)
        accumulate(tree, row: row, into: &phi, buffer: &buffer)
    }

    /// The cover shares of a node's left and right child.
    private static func shares(_ tree: RegressionTree, _ node: RegressionTree.Node) -> (Double, Double) {
        let left = max(tree.nodes[node.left].cover, 0), right = max(tree.nodes[node.right].cover, 0)
        let total = left + right
        return total > 0 ? (left / total, right / total) : (0.5, 0.5)
    }

    /// A path buffer large enough for trees up to `depth` (the nested paths of one traversal).
    static func makeBuffer(depth: Int) -> [PathElement] {
        let levels = depth + 3
        return [PathElement](repeating: PathElement(feature: -1, zero: 0, one: 0, weight: 0), count: levels * (levels + 1) / 2 + levels)
    }

    /// Adds one row's SHAP values for a tree to `phi`, reusing `buffer` (from ``makeBuffer(depth:)``
    /// with at least the tree's depth: a smaller buffer traps) for the paths, as XGBoost's in-place `TreeShap` does: the
    /// path of a node at unique depth d lives right after its parent's, so no allocation happens
    /// during the traversal.
    static func accumulate(_ tree: RegressionTree, row: [Double], into phi: inout [Double], buffer: inout [PathElement]) {
        guard !tree.nodes.isEmpty else { return }
        recurse(tree, node: 0, parent: 0, depth: 0, zero: 1, one: 1, feature: -1, row: row, phi: &phi, buffer: &buffer)
    }

    /// One step of Algorithm 2 on the in-place path buffer. The parent's path occupies
    /// `buffer[parent ..< parent + depth]` (`depth` elements; `depth == 0` at the root); this node's
    /// path is built at `parent + depth` by copying the parent's and extending it.
    private static func recurse(_ tree: RegressionTree, node index: Int, parent: Int, depth parentLength: Int, zero: Double, one: Double, feature: Int, row: [Double], phi: inout [Double], buffer: inout [PathElement]) {
        let base = parent + parentLength
        for k in 0..<parentLength { buffer[base + k] = buffer[parent + k] }
        extendInPlace(&buffer, base: base, length: parentLength, zero: zero, one: one, feature: feature)
        var length = parentLength + 1
        let node = tree.nodes[index]
        if node.isLeaf {
            guard length > 1 else { return }
            for i in 1..<length {
                let element = buffer[base + i]
                let weight = unwoundSum(buffer, base: base, length: length, at: i)
                phi[element.feature] += weight * (element.one - element.zero) * node.value
            }
            return
        }
        let x = row[node.feature]
        let goesLeft = x.isNaN ? node.defaultLeft : x < node.threshold
        let (hot, cold) = goesLeft ? (node.left, node.right) : (node.right, node.left)
        let (leftShare, rightShare) = shares(tree, node)
        let (hotShare, coldShare) = goesLeft ? (leftShare, rightShare) : (rightShare, leftShare)
        var incomingZero = 1.0, incomingOne = 1.0
        if let k = (1..<length).first(where: { buffer[base + $0].feature == node.feature }) {
            incomingZero = buffer[base + k].zero
            incomingOne = buffer[base + k].one
            unwindInPlace(&buffer, base: base, length: length, at: k)
            length -= 1
        }
        recurse(tree, node: hot, parent: base, depth: length, zero: incomingZero * hotShare, one: incomingOne, feature: node.feature, row: row, phi: &phi, buffer: &buffer)
        recurse(tree, node: cold, parent: base, depth: length, zero: incomingZero * coldShare, one: 0, feature: node.feature, row: row, phi: &phi, buffer: &buffer)
    }

    /// EXTEND on `buffer[base ..< base + length]`, writing the new element at `base + length`.
    private static func extendInPlace(_ buffer: inout [PathElement], base: Int, length l: Int, zero: Double, one: Double, feature: Int) {
        buffer[base + l] = PathElement(feature: feature, zero: zero, one: one, weight: l == 0 ? 1 : 0)
        var i = l - 1
        while i >= 0 {
            buffer[base + i + 1].weight += one * buffer[base + i].weight * Double(i + 1) / Double(l + 1)
            buffer[base + i].weight = zero * buffer[base + i].weight * Double(l - i) / Double(l + 1)
            i -= 1
        }
    }

    /// UNWIND of element `i` on `buffer[base ..< base + length]` (the path shrinks by one).
    private static func unwindInPlace(_ buffer: inout [PathElement], base: Int, length: Int, at i: Int) {
        let l = length - 1
        let one = buffer[base + i].one, zero = buffer[base + i].zero
        var n = buffer[base + l].weight
        var j = l - 1
        while j >= 0 {
            if one != 0 {
                let t = buffer[base + j].weight
                buffer[base + j].weight = n * Double(l + 1) / (Double(j + 1) * one)
                n = t - buffer[base + j].weight * zero * Double(l - j) / Double(l + 1)
            } else if zero != 0 {
                buffer[base + j].weight = buffer[base + j].weight * Double(l + 1) / (zero * Double(l - j))
            }
            j -= 1
        }
        for k in i..<l {
            buffer[base + k].feature = buffer[base + k + 1].feature
            buffer[base + k].zero = buffer[base + k + 1].zero
            buffer[base + k].one = buffer[base + k + 1].one
        }
    }

    /// The sum of the weights of the path `buffer[base ..< base + length]` unwound at `i`, without
    /// modifying it (XGBoost's `UnwoundPathSum`).
    private static func unwoundSum(_ buffer: [PathElement], base: Int, length: Int, at i: Int) -> Double {
        let l = length - 1
        let one = buffer[base + i].one, zero = buffer[base + i].zero
        var next = buffer[base + l].weight
        var total = 0.0
        var j = l - 1
        while j >= 0 {
            if one != 0 {
                let weight = next * Double(l + 1) / (Double(j + 1) * one)
                total += weight
                next = buffer[base + j].weight - weight * zero * Double(l - j) / Double(l + 1)
            } else if zero != 0 {
                total += buffer[base + j].weight * Double(l + 1) / (zero * Double(l - j))
            }
            j -= 1
        }
        return total
    }
}
