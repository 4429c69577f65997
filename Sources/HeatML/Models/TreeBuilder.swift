/// Grows one regression tree depth-wise from gradients and hessians (XGBoost's second-order
/// greedy algorithm on histograms). Internal to ``GradientBoostedTrees``.
struct TreeBuilder {
    let binner: FeatureBinner
    let rowCount: Int
    let maxDepth: Int
    let lambda: Double
    let gamma: Double
    let minChildWeight: Double
    let learningRate: Double

    private struct Frontier {
        var node: Int
        var rows: [Int32]
        var gradient: Double
        var hessian: Double
    }

    private struct Split {
        var gain: Double
        var feature: Int
        var bin: Int
        var defaultLeft: Bool
    }

    /// The leaf weight `-G / (H + lambda)`, unscaled.
    private func weight(_ g: Double, _ h: Double) -> Double { -g / (h + lambda) }

    /// The structure score `G^2 / (H + lambda)` (XGBoost's gain convention, without the 1/2).
    private func score(_ g: Double, _ h: Double) -> Double { g * g / (h + lambda) }

    /// Grows a tree.
    ///
    /// - Parameters:
    ///   - rows: the (sub)sampled training rows.
    ///   - features: the features this tree may split on.
    ///   - gradients: the first derivatives per row.
    ///   - hessians: the second derivatives per row.
    ///   - gains: accumulates each feature's split gains (for importances).
    func grow(rows: [Int32], features: [Int], gradients: [Double], hessians: [Double], gains: inout [Double]) -> RegressionTree {
        var g0 = 0.0, h0 = 0.0
        for r in rows {
            g0 += gradients[Int(r)]
            h0 += hessians[Int(r)]
        }
        var nodes = [RegressionTree.Node(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1,
                                         value: weight(g0, h0) * learningRate, gain: 0, cover: h0)]
        var frontier = [Frontier(node: 0, rows: rows, gradient: g0, hessian: h0)]
        var histogram = [Double](repeating: 0, count: 2 * (binner.offsets.last ?? 0))
        for _ in 0..<maxDepth {
            var next: [Frontier] = []
            for item in frontier {
                guard item.rows.count >= 2, let split = bestSplit(item, features: features, gradients: gradients, hessians: hessians, histogram: &histogram) else { continue }
                var leftRows: [Int32] = [], rightRows: [Int32] = []
                leftRows.reserveCapacity(item.rows.count)
                rightRows.reserveCapacity(item.rows.count)
                var gl = 0.0, hl = 0.0, gr = 0.0, hr = 0.0
                let base = split.feature * rowCount
                binner.bins.withUnsafeBufferPointer { bins in
                    for r in item.rows {
                        let b = bins[base + Int(r)]
                        let left = b < 0 ? split.defaultLeft : Int(b) <= split.bin
                        if left {
                            leftRows.append(r); gl += gradients[Int(r)]; hl += hessians[Int(r)]
                        } else {
                            rightRows.append(r); gr += gradients[Int(r)]; hr += hessians[Int(r)]
                        }
                    }
                }
                let leftIndex = nodes.count, rightIndex = nodes.count + 1
                nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: weight(gl, hl) * learningRate, gain: 0, cover: hl))
                nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: weight(gr, hr) * learningRate, gain: 0, cover: hr))
                nodes[item.node].feature = split.feature
                nodes[item.node].threshold = binner.cuts[split.feature][split.bin]
                nodes[item.node].defaultLeft = split.defaultLeft
                nodes[item.node].left = leftIndex
                nodes[item.node].right = rightIndex
                nodes[item.node].gain = split.gain
                gains[split.feature] += split.gain
                next.append(Frontier(node: leftIndex, rows: leftRows, gradient: gl, hessian: hl))
                next.append(Frontier(node: rightIndex, rows: rightRows, gradient: gr, hessian: hr))
            }
            if next.isEmpty { break }
            frontier = next
        }
        return RegressionTree(nodes: nodes)
    }

    /// The best split of a node over the allowed features, or `nil` if none gains more than
    /// `max(gamma, 1e-6)` while leaving at least `minChildWeight` hessian on each side.
    private func bestSplit(_ item: Frontier, features: [Int], gradients: [Double], hessians: [Double], histogram: inout [Double]) -> Split? {
        let parent = score(item.gradient, item.hessian)
        var best: Split?
        let minimumGain = max(gamma, 1e-6)
        binner.bins.withUnsafeBufferPointer { bins in
            histogram.withUnsafeMutableBufferPointer { hist in
                gradients.withUnsafeBufferPointer { g in
                    hessians.withUnsafeBufferPointer { h in
                        for feature in features {
                            let cuts = binner.cuts[feature]
                            if cuts.isEmpty { continue }
                            let offset = binner.offsets[feature]
                            let binCount = cuts.count + 1
                            for s in (2 * offset)..<(2 * (offset + binCount)) { hist[s] = 0 }
                            let base = feature * rowCount
                            for r in item.rows {
                                let b = bins[base + Int(r)]
                                if b >= 0 {
                                    let slot = 2 * (offset + Int(b))
                                    hist[slot] += g[Int(r)]
                                    hist[slot + 1] += h[Int(r)]
                                }
                            }
                            var gPresent = 0.0, hPresent = 0.0
                            for b in 0..<binCount {
                                gPresent += hist[2 * (offset + b)]
                                hPresent += hist[2 * (offset + b) + 1]
                            }
                            let gMissing = item.gradient - gPresent
                            let hMissing = item.hessian - hPresent
                            let hasMissing = hMissing > 1e-12 * max(item.hessian, 1)
                            var gl = 0.0, hl = 0.0
                            for b in 0..<(binCount - 1) {
                                gl += hist[2 * (offset + b)]
                                hl += hist[2 * (offset + b) + 1]
                                // Missing values to the right.
                                var gr = item.gradient - gl, hr = item.hessian - hl
                                if hl >= minChildWeight, hr >= minChildWeight {
                                    let gain = score(gl, hl) + score(gr, hr) - parent
                                    if gain > minimumGain, gain > (best?.gain ?? -.infinity) {
                                        best = Split(gain: gain, feature: feature, bin: b, defaultLeft: false)
                                    }
                                }
                                // Missing values to the left.
                                if hasMissing {
                                    let gml = gl + gMissing, hml = hl + hMissing
                                    gr = item.gradient - gml
                                    hr = item.hessian - hml
                                    if hml >= minChildWeight, hr >= minChildWeight {
                                        let gain = score(gml, hml) + score(gr, hr) - parent
                                        if gain > minimumGain, gain > (best?.gain ?? -.infinity) {
                                            best = Split(gain: gain, feature: feature, bin: b, defaultLeft: true)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return best
    }
}
