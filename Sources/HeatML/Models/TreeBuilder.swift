/// Grows one regression tree depth-wise from gradients and hessians (XGBoost's second-order
/// greedy algorithm on histograms). Internal to ``GradientBoostedTrees``.
///
/// Each node's histogram (per feature and bin: the sums of gradients and hessians) is built from
/// its rows only for the smaller child of a split; the larger child's is the parent's minus the
/// smaller's (XGBoost's histogram subtraction), which halves the work per level. Histograms are
/// built row-wise over ``FeatureBinner``'s compact row-major bins, and each training row's leaf
/// output is added to its margin from the final partition (no second walk down the tree).
struct TreeBuilder {
    let binner: FeatureBinner
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
        /// Interleaved (gradient, hessian) sums per histogram slot; empty when not needed.
        var histogram: [Double]
    }

    private struct Split {
        var gain: Double
        var feature: Int
        var bin: Int
        var defaultLeft: Bool
    }

    /// The leaf weight `-G / (H + lambda)`, unscaled; 0 when `H + lambda` is 0 (lambda 0 and no
    /// hessian: an empty subsample, or only zero-weight rows), as XGBoost's `CalcWeight`, instead
    /// of NaN.
    func weight(_ g: Double, _ h: Double) -> Double {
        let denominator = h + lambda
        return denominator > 0 ? -g / denominator : 0
    }

    /// The structure score `G^2 / (H + lambda)` (XGBoost's gain convention, without the 1/2);
    /// 0 when `H + lambda` is 0, as ``weight(_:_:)``.
    private func score(_ g: Double, _ h: Double) -> Double {
        let denominator = h + lambda
        return denominator > 0 ? g * g / denominator : 0
    }

    /// Grows a tree and adds its leaf outputs to the margins of the rows it was grown on.
    ///
    /// Each row's leaf comes from the final partition of the rows, so the caller need not walk
    /// the tree again for them (rows outside `rows`, when subsampling, still need a walk).
    ///
    /// - Parameters:
    ///   - rows: the (sub)sampled training rows, ascending.
    ///   - features: the features this tree may split on, ascending.
    ///   - gradientPairs: the first and second derivative of each row, interleaved (`2 * row`, `2 * row + 1`).
    ///   - gains: accumulates each feature's split gains (for importances).
    ///   - margins: each row's margin; the rows in `rows` get their leaf's output added.
    func grow(rows: [Int32], features: [Int], gradientPairs: [Double], gains: inout [Double], margins: inout [Double]) -> RegressionTree {
        var g0 = 0.0, h0 = 0.0
        for r in rows {
            g0 += gradientPairs[2 * Int(r)]
            h0 += gradientPairs[2 * Int(r) + 1]
        }
        var nodes = [RegressionTree.Node(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1,
                                         value: weight(g0, h0) * learningRate, gain: 0, cover: h0)]
        let slots = 2 * (binner.offsets.last ?? 0)
        var frontier = [Frontier(node: 0, rows: rows, gradient: g0, hessian: h0,
                                 histogram: buildHistogram(rows: rows, features: features, gradientPairs: gradientPairs, slots: slots))]
        func settle(_ item: Frontier) {
            let value = nodes[item.node].value
            margins.withUnsafeMutableBufferPointer { margins in
                for r in item.rows { margins[Int(r)] += value }
            }
        }
        for depth in 0..<maxDepth {
            var next: [Frontier] = []
            let childrenSplit = depth + 1 < maxDepth
            for item in frontier {
                guard item.rows.count >= 2, let split = bestSplit(item, features: features) else {
                    settle(item)
                    continue
                }
                let (leftRows, rightRows, gl, hl, gr, hr) = partition(item.rows, split: split, gradientPairs: gradientPairs)
                let leftIndex = nodes.count, rightIndex = nodes.count + 1
                nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: weight(gl, hl) * learningRate, gain: 0, cover: hl))
                nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: weight(gr, hr) * learningRate, gain: 0, cover: hr))
                nodes[item.node].feature = split.feature
                let featureCuts = binner.cuts[split.feature]
                nodes[item.node].threshold = split.bin < featureCuts.count ? featureCuts[split.bin] : binner.upperCuts[split.feature]
                nodes[item.node].defaultLeft = split.defaultLeft
                nodes[item.node].left = leftIndex
                nodes[item.node].right = rightIndex
                nodes[item.node].gain = split.gain
                gains[split.feature] += split.gain
                var leftHistogram: [Double] = [], rightHistogram: [Double] = []
                if childrenSplit {
                    // Build the smaller child's histogram; the larger one's is the difference.
                    let leftSmaller = leftRows.count <= rightRows.count
                    let small = buildHistogram(rows: leftSmaller ? leftRows : rightRows, features: features, gradientPairs: gradientPairs, slots: slots)
                    var large = item.histogram
                    subtract(small, from: &large, features: features)
                    leftHistogram = leftSmaller ? small : large
                    rightHistogram = leftSmaller ? large : small
                }
                next.append(Frontier(node: leftIndex, rows: leftRows, gradient: gl, hessian: hl, histogram: leftHistogram))
                next.append(Frontier(node: rightIndex, rows: rightRows, gradient: gr, hessian: hr, histogram: rightHistogram))
            }
            frontier = next
            if next.isEmpty || !childrenSplit { break }
        }
        // The last level's nodes (or the root when maxDepth is 0) are leaves.
        for item in frontier { settle(item) }
        return RegressionTree(nodes: nodes)
    }

    /// Splits a node's rows (keeping their order) and sums each side's gradients and hessians.
    private func partition(_ rows: [Int32], split: Split, gradientPairs: [Double])
        -> ([Int32], [Int32], Double, Double, Double, Double) {
        if let oneHot = binner.oneHot[split.feature] {
            return partitionOneHot(rows, split: split, bins: oneHot, gradientPairs: gradientPairs)
        }
        return switch binner.storage {
        case let .narrow(bins): partition(rows, split: split, gradientPairs: gradientPairs, bins: bins)
        case let .medium(bins): partition(rows, split: split, gradientPairs: gradientPairs, bins: bins)
        case let .wide(bins): partition(rows, split: split, gradientPairs: gradientPairs, bins: bins)
        }
    }

    @inline(__always)
    private func partition<Code: FixedWidthInteger & UnsignedInteger>(_ rows: [Int32], split: Split, gradientPairs: [Double], bins: [Code])
        -> ([Int32], [Int32], Double, Double, Double, Double) {
        var leftRows: [Int32] = [], rightRows: [Int32] = []
        leftRows.reserveCapacity(rows.count)
        rightRows.reserveCapacity(rows.count)
        var gl = 0.0, hl = 0.0, gr = 0.0, hr = 0.0
        let p = binner.denseCount, f = split.feature, column = binner.densePosition[f]
        let missingCode = binner.binCounts[f], splitBin = split.bin, defaultLeft = split.defaultLeft
        bins.withUnsafeBufferPointer { bins in
            gradientPairs.withUnsafeBufferPointer { gh in
                rows.withUnsafeBufferPointer { rows in
                    for r in rows {
                        let b = Int(bins[Int(r) * p + column])
                        let left = b == missingCode ? defaultLeft : b <= splitBin
                        let k = 2 * Int(r)
                        if left {
                            leftRows.append(r); gl += gh[k]; hl += gh[k + 1]
                        } else {
                            rightRows.append(r); gr += gh[k]; hr += gh[k + 1]
                        }
                    }
                }
            }
        }
        return (leftRows, rightRows, gl, hl, gr, hr)
    }

    /// ``partition(_:split:gradientPairs:)`` on a one-hot feature: each row's bin from its group code.
    private func partitionOneHot(_ rows: [Int32], split: Split, bins: FeatureBinner.OneHotBins, gradientPairs: [Double])
        -> ([Int32], [Int32], Double, Double, Double, Double) {
        var leftRows: [Int32] = [], rightRows: [Int32] = []
        leftRows.reserveCapacity(rows.count)
        rightRows.reserveCapacity(rows.count)
        var gl = 0.0, hl = 0.0, gr = 0.0, hr = 0.0
        let missingCode = binner.binCounts[split.feature], splitBin = split.bin, defaultLeft = split.defaultLeft
        let codes = binner.groups[bins.group]
        for r in rows {
            let b = binner.bin(of: bins, code: codes[Int(r)], missingBin: missingCode)
            let left = b == missingCode ? defaultLeft : b <= splitBin
            let k = 2 * Int(r)
            if left {
                leftRows.append(r); gl += gradientPairs[k]; hl += gradientPairs[k + 1]
            } else {
                rightRows.append(r); gr += gradientPairs[k]; hr += gradientPairs[k + 1]
            }
        }
        return (leftRows, rightRows, gl, hl, gr, hr)
    }

    /// The (gradient, hessian) sums per bin of the given features over `rows` (missing cells
    /// land in each feature's last slot, which split finding ignores).
    private func buildHistogram(rows: [Int32], features: [Int], gradientPairs: [Double], slots: Int) -> [Double] {
        var histogram = [Double](repeating: 0, count: slots)
        switch binner.storage {
        case let .narrow(bins): accumulate(rows: rows, features: features, gradientPairs: gradientPairs, bins: bins, into: &histogram)
        case let .medium(bins): accumulate(rows: rows, features: features, gradientPairs: gradientPairs, bins: bins, into: &histogram)
        case let .wide(bins): accumulate(rows: rows, features: features, gradientPairs: gradientPairs, bins: bins, into: &histogram)
        }
        if !binner.groups.isEmpty { accumulateOneHot(rows: rows, features: features, gradientPairs: gradientPairs, into: &histogram) }
        return histogram
    }

    /// The one-hot features' part of ``buildHistogram(rows:features:gradientPairs:slots:)``: each
    /// row's bin of each one-hot feature from its group code. Every slot still receives its rows'
    /// pairs in ascending row order, one addition per row (as when the feature is dense), so the
    /// sums are bit for bit those of the expanded 0 / 1 column.
    private func accumulateOneHot(rows: [Int32], features: [Int], gradientPairs: [Double], into histogram: inout [Double]) {
        // Per group: (slot of the feature's first bin, its bins, its missing bin) of each allowed feature.
        var byGroup = [[(offset: Int, bins: FeatureBinner.OneHotBins, missing: Int)]](repeating: [], count: binner.groups.count)
        for j in features {
            if let bins = binner.oneHot[j] { byGroup[bins.group].append((2 * binner.offsets[j], bins, binner.binCounts[j])) }
        }
        for (group, items) in byGroup.enumerated() where !items.isEmpty {
            binner.groups[group].withUnsafeBufferPointer { codes in
                gradientPairs.withUnsafeBufferPointer { gh in
                    histogram.withUnsafeMutableBufferPointer { hist in
                        for r in rows {
                            let k = 2 * Int(r)
                            let g = gh[k], h = gh[k + 1]
                            let code = codes[Int(r)]
                            for item in items {
                                let slot = item.offset + 2 * binner.bin(of: item.bins, code: code, missingBin: item.missing)
                                hist[slot] += g
                                hist[slot + 1] += h
                            }
                        }
                    }
                }
            }
        }
    }

    /// Row-wise accumulation over the row-major bins: each row's gradient pair is read once and
    /// added to one slot per feature. Each slot still sums its rows in ascending row order.
    @inline(__always)
    private func accumulate<Code: FixedWidthInteger & UnsignedInteger>(
        rows: [Int32], features: [Int], gradientPairs: [Double], bins: [Code], into histogram: inout [Double]
    ) {
        let p = binner.denseCount
        // The dense features among `features` (all of them for a `Matrix`): their first slot and
        // their column in the row-major bins.
        let denseFeatures = features.filter { binner.densePosition[$0] >= 0 }
        let featureOffsets = denseFeatures.map { 2 * binner.offsets[$0] }
        let positions = denseFeatures.map { binner.densePosition[$0] }
        let all = binner.groups.isEmpty && features.count == p
        if denseFeatures.isEmpty { return }
        bins.withUnsafeBufferPointer { bins in
            gradientPairs.withUnsafeBufferPointer { gh in
                rows.withUnsafeBufferPointer { rows in
                    featureOffsets.withUnsafeBufferPointer { featureOffsets in
                        positions.withUnsafeBufferPointer { positions in
                            histogram.withUnsafeMutableBufferPointer { hist in
                                for r in rows {
                                    let k = 2 * Int(r)
                                    let g = gh[k], h = gh[k + 1]
                                    let row = bins.baseAddress! + Int(r) * p
                                    if all {
                                        for j in 0..<p {
                                            let slot = featureOffsets[j] + 2 * Int(row[j])
                                            hist[slot] += g
                                            hist[slot + 1] += h
                                        }
                                    } else {
                                        for (i, j) in positions.enumerated() {
                                            let slot = featureOffsets[i] + 2 * Int(row[j])
                                            hist[slot] += g
                                            hist[slot + 1] += h
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `histogram -= small` over the slots of the given features.
    private func subtract(_ small: [Double], from histogram: inout [Double], features: [Int]) {
        small.withUnsafeBufferPointer { s in
            histogram.withUnsafeMutableBufferPointer { h in
                for feature in features {
                    for slot in (2 * binner.offsets[feature])..<(2 * binner.offsets[feature + 1]) { h[slot] -= s[slot] }
                }
            }
        }
    }

    /// The best split of a node over the allowed features, or `nil` if none gains more than
    /// `max(gamma, 1e-6)` while leaving at least `minChildWeight` hessian on each side.
    ///
    /// Every boundary between bins is tried with the missing values sent right and sent left;
    /// when the node has missing values, the boundary after the last bin (all present values
    /// left, the missing ones right) is tried too.
    private func bestSplit(_ item: Frontier, features: [Int]) -> Split? {
        let parent = score(item.gradient, item.hessian)
        var best: Split?
        var bestGain = -Float.infinity
        let minimumGain = max(gamma, 1e-6)
        // Gains are compared in single precision, as XGBoost does, so near-ties resolve alike:
        // the first candidate in enumeration order wins.
        func consider(_ gain: Double, feature: Int, bin: Int, defaultLeft: Bool) {
            let rounded = Float(gain)
            if gain > minimumGain, rounded > bestGain {
                bestGain = rounded
                best = Split(gain: gain, feature: feature, bin: bin, defaultLeft: defaultLeft)
            }
        }
        item.histogram.withUnsafeBufferPointer { hist in
            for feature in features {
                let offset = binner.offsets[feature]
                let binCount = binner.binCounts[feature]
                var gPresent = 0.0, hPresent = 0.0
                for b in 0..<binCount {
                    gPresent += hist[2 * (offset + b)]
                    hPresent += hist[2 * (offset + b) + 1]
                }
                if hPresent <= 0 { continue }
                let hMissing = item.hessian - hPresent
                let hasMissing = hMissing > 1e-12 * max(item.hessian, 1)
                // Forward, as XGBoost: missing values right, boundaries ascending; with missing
                // values the boundary after the last bin (all present left) is a candidate too.
                var gl = 0.0, hl = 0.0
                // (Not when no finite threshold lies above the present values: see upperCuts.)
                let lastBoundary = hasMissing && binner.upperCuts[feature].isFinite ? binCount : binCount - 1
                for b in 0..<lastBoundary {
                    gl += hist[2 * (offset + b)]
                    hl += hist[2 * (offset + b) + 1]
                    let gr = item.gradient - gl, hr = item.hessian - hl
                    if hl >= minChildWeight, hr >= minChildWeight {
                        consider(score(gl, hl) + score(gr, hr) - parent, feature: feature, bin: b, defaultLeft: false)
                    }
                }
                // Backward: missing values left, boundaries descending; a tie never replaces.
                guard hasMissing else { continue }
                var grp = 0.0, hrp = 0.0
                var b = binCount - 2
                while b >= 0 {
                    grp += hist[2 * (offset + b + 1)]
                    hrp += hist[2 * (offset + b + 1) + 1]
                    let gml = item.gradient - grp, hml = item.hessian - hrp
                    if hml >= minChildWeight, hrp >= minChildWeight {
                        consider(score(gml, hml) + score(grp, hrp) - parent, feature: feature, bin: b, defaultLeft: true)
                    }
                    b -= 1
                }
            }
        }
        return best
    }
}
