/// Discretises features for split finding: cut points per feature and the bin of every cell.
///
/// Histogram mode (XGBoost `hist`): a feature with at most `maxBins` distinct values gets one bin
/// per value and split thresholds at the values themselves; otherwise `maxBins` bins at quantiles
/// of the training values. Exact mode (XGBoost `exact`): one bin per distinct value and thresholds
/// at midpoints between consecutive values, which enumerates exactly the splits of the exact
/// greedy algorithm.
///
/// Each column is sorted once (an LSD radix sort of the values' order-preserving bit patterns,
/// carrying the row indices), the cuts are read off the sorted values, and the bins are assigned
/// by walking the sorted order once: no binary search per cell. The bins of the dense features
/// are stored row-major (cell `(r, j)` at `r * denseCount + densePosition[j]`; every feature is
/// dense for a ``Matrix``) in the narrowest unsigned width that holds every
/// code: `UInt8` when every feature has at most 256 codes (the usual 256 bins, or 255 bins plus
/// missing), else `UInt16`, else `UInt32`. A missing cell holds the code ``binCounts``[j] (one past
/// the feature's last bin), which the histogram collects in a slot that split finding ignores.
///
/// One-hot features of a ``FeatureColumns`` are not stored: their cuts and bins are computed
/// from the counts of their group's codes (the same cuts and bins as for the expanded 0 / 1
/// column), and the tree builder reads a row's bin from its group code (``oneHot``), so the bins
/// take `rows x dense features` bytes whatever the number of categories.
struct FeatureBinner {
    /// Per feature, the threshold closing each bin except the last (`x < cuts[b]` means bin <= b).
    let cuts: [[Double]]
    /// Per feature, the number of bins (`cuts[j].count + 1`); also the code of a missing cell.
    let binCounts: [Int]
    /// The first histogram slot of each feature, and the total slot count at the end. A feature
    /// has `binCounts[j] + 1` slots: its bins, then the slot collecting missing cells.
    let offsets: [Int]
    /// Per feature, a threshold above every present training value (`max + |max| + 1e-5`, as
    /// XGBoost's last histogram cut, or the next double above `max` when that overflows): the
    /// split "all present values left, missing right". `.infinity` when `max` is the largest
    /// finite double, which no finite threshold exceeds: that split is then not a candidate.
    let upperCuts: [Double]
    /// The number of rows.
    let rowCount: Int
    /// The number of features.
    let featureCount: Int
    /// The row-major bin codes, in the narrowest width that fits.
    let storage: Storage

    /// Row-major bin codes of one width.
    enum Storage {
        case narrow([UInt8])
        case medium([UInt16])
        case wide([UInt32])

        /// The bytes per cell.
        var width: Int {
            switch self {
            case .narrow: 1
            case .medium: 2
            case .wide: 4
            }
        }
    }

    /// The bins of a one-hot feature (a ``FeatureColumns/Source/oneHot(group:feature:)``), read
    /// from its group's codes on the fly instead of from ``storage``.
    struct OneHotBins {
        /// The index into ``FeatureBinner/groups``.
        let group: Int
        /// The group feature: a row whose code equals it has the value 1.
        let feature: Int32
        /// The bin of the value 0 and of the value 1.
        let zeroBin: Int
        let oneBin: Int
    }

    /// Per feature: its column in the row-major ``storage`` (stride ``denseCount``), or -1 for a
    /// one-hot feature.
    let densePosition: [Int]
    /// The number of dense features: the row stride of ``storage``.
    let denseCount: Int
    /// Per feature: its one-hot bins, or `nil` for a dense feature.
    let oneHot: [OneHotBins?]
    /// The one-hot groups' codes (shared with the ``FeatureColumns``, not copied).
    let groups: [[Int32]]

    /// The bin of a one-hot feature in a row with this group code.
    @inline(__always)
    func bin(of bins: OneHotBins, code: Int32, missingBin: Int) -> Int {
        code == FeatureColumns.OneHotGroup.missing ? missingBin : code == bins.feature ? bins.oneBin : bins.zeroBin
    }

    /// The bytes of the bin codes: `rows x dense features x width`; one-hot features add nothing
    /// (their group codes belong to the ``FeatureColumns``).
    var storageBytes: Int { rowCount * denseCount * storage.width }

    init(_ x: Matrix, maxBins: Int?) {
        self.init(FeatureColumns(x), maxBins: maxBins)
    }

    init(_ x: FeatureColumns, maxBins: Int?) {
        let n = x.rows, p = x.columns, pd = x.denseColumnCount
        rowCount = n
        featureCount = p
        denseCount = pd
        groups = x.groups.map(\.codes)
        var cuts: [[Double]] = []
        var binCounts: [Int] = []
        var offsets: [Int] = [0]
        var upperCuts: [Double] = []
        var densePosition: [Int] = []
        var oneHot: [OneHotBins?] = []
        var widest = 1
        // Codes are written in a width that holds any code the bin limit allows (UInt16 for
        // histograms of at most 65,535 bins, UInt32 otherwise), then narrowed once if they fit.
        let temporaryWide = (maxBins ?? n) + 1 > 65_536
        var codes16 = [UInt16](repeating: 0, count: temporaryWide ? 0 : n * pd)
        var codes32 = [UInt32](repeating: 0, count: temporaryWide ? n * pd : 0)
        var keys = [UInt64](repeating: 0, count: pd > 0 ? n : 0), keyScratch = [UInt64](repeating: 0, count: pd > 0 ? n : 0)
        var order = [Int32](repeating: 0, count: pd > 0 ? n : 0), orderScratch = [Int32](repeating: 0, count: pd > 0 ? n : 0)
        var sorted = [Double](repeating: 0, count: pd > 0 ? n : 0)
        for j in 0..<p {
            let d: Int
            switch x.sources[j] {
            case let .oneHot(group, feature):
                // A 0 / 1 / missing column, binned from its counts exactly as the dense column
                // would be (same cuts, same bins), without expanding it.
                var ones = 0, missing = 0
                for code in x.groups[group].codes {
                    if code == feature { ones += 1 } else if code == FeatureColumns.OneHotGroup.missing { missing += 1 }
                }
                let zeros = n - ones - missing
                let distinct: [Double] = (zeros > 0 ? [0] : []) + (ones > 0 ? [1] : [])
                let featureCuts = Self.cutPoints(distinct: distinct, present: zeros + ones, maxBins: maxBins) { $0 < zeros ? 0 : 1 }
                let binCount = featureCuts.count + 1
                cuts.append(featureCuts)
                binCounts.append(binCount)
                upperCuts.append(Self.upperCut(above: distinct.last ?? 0))
                offsets.append(offsets[j] + binCount + 1)
                densePosition.append(-1)
                oneHot.append(OneHotBins(group: group, feature: feature,
                                         zeroBin: featureCuts.count(where: { $0 <= 0 }), oneBin: featureCuts.count(where: { $0 <= 1 })))
                continue
            case let .dense(column):
                d = column
            }
            let present = x.withDenseColumn(d) { values in
                Self.sortColumn(values.baseAddress!, count: n, keys: &keys, keyScratch: &keyScratch,
                                order: &order, orderScratch: &orderScratch, sorted: &sorted)
            }
            let values = sorted[0..<present]
            var distinct: [Double] = []
            for value in values where distinct.last != value { distinct.append(value) }
            let featureCuts = Self.cutPoints(distinct: distinct, present: present, maxBins: maxBins) { values[$0] }
            let binCount = featureCuts.count + 1
            codes16.withUnsafeMutableBufferPointer { codes16 in
                codes32.withUnsafeMutableBufferPointer { codes32 in
                    featureCuts.withUnsafeBufferPointer { cutPointer in
                        order.withUnsafeBufferPointer { order in
                            sorted.withUnsafeBufferPointer { sorted in
                                func store(_ k: Int, _ code: Int) {
                                    let cell = Int(order[k]) * pd + d
                                    if temporaryWide { codes32[cell] = UInt32(code) } else { codes16[cell] = UInt16(code) }
                                }
                                // Walk the sorted order once: the bin is the number of cuts <= value.
                                var bin = 0
                                for k in 0..<present {
                                    let value = sorted[k]
                                    while bin < cutPointer.count, cutPointer[bin] <= value { bin += 1 }
                                    store(k, bin)
                                }
                                for k in present..<n { store(k, binCount) }
                            }
                        }
                    }
                }
            }
            let codeCount = binCount + (present < n ? 1 : 0)
            widest = max(widest, codeCount <= 256 ? 1 : codeCount <= 65_536 ? 2 : 4)
            cuts.append(featureCuts)
            binCounts.append(binCount)
            upperCuts.append(Self.upperCut(above: distinct.last ?? 0))
            offsets.append(offsets[j] + binCount + 1)
            densePosition.append(d)
            oneHot.append(nil)
        }
        self.cuts = cuts
        self.binCounts = binCounts
        self.offsets = offsets
        self.upperCuts = upperCuts
        self.densePosition = densePosition
        self.oneHot = oneHot
        switch widest {
        case 1: storage = temporaryWide ? .narrow(codes32.map { UInt8(truncatingIfNeeded: $0) }) : .narrow(codes16.map { UInt8(truncatingIfNeeded: $0) })
        case 2: storage = temporaryWide ? .medium(codes32.map { UInt16(truncatingIfNeeded: $0) }) : .medium(codes16)
        default: storage = .wide(codes32)
        }
    }

    /// The cut points of one feature from its distinct present values (ascending) and its sorted
    /// present values (`valueAtRank(k)`, `k < present`).
    private static func cutPoints(distinct: [Double], present: Int, maxBins: Int?, valueAtRank: (Int) -> Double) -> [Double] {
        var featureCuts: [Double] = []
        if let maxBins, distinct.count > maxBins {
            // Quantile cuts: the value at ranks n*i/maxBins, de-duplicated.
            for i in 1..<maxBins {
                let value = valueAtRank(min(present - 1, (present * i) / maxBins))
                if value > valueAtRank(0), featureCuts.last.map({ value > $0 }) ?? true { featureCuts.append(value) }
            }
        } else if maxBins != nil {
            featureCuts = Array(distinct.dropFirst())
        } else {
            featureCuts = zip(distinct, distinct.dropFirst()).map { a, b in
                // `b - a` overflows to infinity for values of opposite signs near the largest
                // magnitude (a = -1e308, b = 1e308); `a/2 + b/2` cannot, and lies in [a, b].
                // The first form is kept when finite so the thresholds stay bit for bit those
                // of before (GBDTPinnedOutputTests).
                let difference = b - a
                let mid = difference.isFinite ? a + difference / 2 : a / 2 + b / 2
                return mid > a ? mid : b
            }
        }
        return featureCuts
    }

    /// A finite threshold strictly above `top` (`top + |top| + 1e-5`, as XGBoost; `top.nextUp`
    /// when that overflows), or `.infinity` when `top` is `Double.greatestFiniteMagnitude`.
    static func upperCut(above top: Double) -> Double {
        let cut = top + abs(top) + 1e-5
        return cut.isFinite ? cut : top.nextUp
    }

    /// Sorts one column's present values ascending by an LSD radix sort over 8-bit digits of
    /// their order-preserving bit patterns (`-0.0` counts as `0.0`), carrying the row indices.
    ///
    /// - Returns: the number of present values; `sorted[0..<present]` holds them ascending and
    ///   `order[0..<present]` their rows; `order[present...]` holds the rows of missing cells.
    private static func sortColumn(
        _ column: UnsafePointer<Double>, count n: Int, keys: inout [UInt64], keyScratch: inout [UInt64],
        order: inout [Int32], orderScratch: inout [Int32], sorted: inout [Double]
    ) -> Int {
        var present = 0
        var missingAt = n
        for i in 0..<n {
            let value = column[i]
            if value.isNaN {
                missingAt -= 1
                order[missingAt] = Int32(i)
                continue
            }
            let bits = (value + 0.0).bitPattern
            keys[present] = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
            order[present] = Int32(i)
            present += 1
        }
        // Missing rows were stored from the end backwards; put them back in ascending order.
        order[present..<n].reverse()
        var counts = [Int](repeating: 0, count: 256)
        var shift: UInt64 = 0
        while shift < 64 {
            for b in 0..<256 { counts[b] = 0 }
            var all = true
            keys.withUnsafeBufferPointer { keys in
                let first = present > 0 ? Int((keys[0] >> shift) & 0xff) : 0
                for k in 0..<present {
                    let digit = Int((keys[k] >> shift) & 0xff)
                    counts[digit] += 1
                    if digit != first { all = false }
                }
            }
            if !all {
                var total = 0
                for b in 0..<256 {
                    let c = counts[b]
                    counts[b] = total
                    total += c
                }
                keys.withUnsafeBufferPointer { keys in
                    keyScratch.withUnsafeMutableBufferPointer { keyOut in
                        order.withUnsafeBufferPointer { order in
                            orderScratch.withUnsafeMutableBufferPointer { orderOut in
                                for k in 0..<present {
                                    let key = keys[k]
                                    let digit = Int((key >> shift) & 0xff)
                                    let slot = counts[digit]
                                    counts[digit] = slot + 1
                                    keyOut[slot] = key
                                    orderOut[slot] = order[k]
                                }
                            }
                        }
                    }
                }
                swap(&keys, &keyScratch)
                // Keep the missing rows' tail in place in the array that is now `order`.
                for k in present..<n { orderScratch[k] = order[k] }
                swap(&order, &orderScratch)
            }
            shift += 8
        }
        for k in 0..<present {
            let key = keys[k]
            let bits = key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key
            sorted[k] = Double(bitPattern: bits)
        }
        return present
    }
}
