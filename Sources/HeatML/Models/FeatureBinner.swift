/// Discretises features for split finding: cut points per feature and the bin of every cell.
///
/// Histogram mode (XGBoost `hist`): a feature with at most `maxBins` distinct values gets one bin
/// per value and split thresholds at the values themselves; otherwise `maxBins` bins at quantiles
/// of the training values. Exact mode (XGBoost `exact`): one bin per distinct value and thresholds
/// at midpoints between consecutive values, which enumerates exactly the splits of the exact
/// greedy algorithm. Missing cells get bin -1.
struct FeatureBinner {
    /// Per feature, the threshold closing each bin except the last (`x < cuts[b]` means bin <= b).
    let cuts: [[Double]]
    /// The bin of each cell, column-major like the matrix (-1 for missing).
    let bins: [Int32]
    /// The first histogram slot of each feature, and the total slot count at the end.
    let offsets: [Int]
    /// Per feature, a threshold above every present training value (`max + |max| + 1e-5`, as
    /// XGBoost's last histogram cut): the split "all present values left, missing right".
    let upperCuts: [Double]

    init(_ x: Matrix, maxBins: Int?) {
        var cuts: [[Double]] = []
        var bins = [Int32](repeating: -1, count: x.rows * x.columns)
        var offsets: [Int] = [0]
        var upperCuts: [Double] = []
        for j in 0..<x.columns {
            let column = x.column(j)
            let sorted = column.filter { !$0.isNaN }.sorted()
            var distinct: [Double] = []
            for value in sorted where distinct.last != value { distinct.append(value) }
            var featureCuts: [Double] = []
            if let maxBins, distinct.count > maxBins {
                // Quantile cuts: the value at ranks n*i/maxBins, de-duplicated.
                let n = sorted.count
                for i in 1..<maxBins {
                    let value = sorted[min(n - 1, (n * i) / maxBins)]
                    if value > sorted[0], featureCuts.last.map({ value > $0 }) ?? true { featureCuts.append(value) }
                }
            } else if maxBins != nil {
                featureCuts = Array(distinct.dropFirst())
            } else {
                featureCuts = zip(distinct, distinct.dropFirst()).map { a, b in
                    let mid = a + (b - a) / 2
                    return mid > a ? mid : b
                }
            }
            let base = j * x.rows
            for (i, value) in column.enumerated() where !value.isNaN {
                // Number of cuts <= value (upper bound).
                var lo = 0, hi = featureCuts.count
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if featureCuts[mid] <= value { lo = mid + 1 } else { hi = mid }
                }
                bins[base + i] = Int32(lo)
            }
            cuts.append(featureCuts)
            let top = distinct.last ?? 0
            upperCuts.append(top + abs(top) + 1e-5)
            offsets.append(offsets[j] + featureCuts.count + 1)
        }
        self.cuts = cuts
        self.bins = bins
        self.offsets = offsets
        self.upperCuts = upperCuts
    }
}
