extension GradientBoostedTrees {
    /// Exact path-dependent TreeSHAP values of every feature for every row (Lundberg et al. 2018).
    ///
    /// The base value is the base margin plus each tree's cover-weighted mean output; for every
    /// row, base value plus contributions equals ``predictMargins(_:)`` up to rounding.
    ///
    /// ```swift
    /// let (base, rows) = try model.contributions(x)
    /// ```
    ///
    /// - Parameter x: features with the column count seen at fit time (`.nan` for missing).
    /// - Returns: the base value and one contribution array per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func contributions(_ x: Matrix) throws(HeatMLError) -> (expectedValue: Double, rows: [[Double]]) {
        guard !trees.isEmpty, x.columns == featureCount else {
            throw .shapeMismatch(context: "GradientBoostedTrees.contributions", expected: trees.isEmpty ? "a fitted model" : "\(featureCount) feature columns", found: "\(x.columns)")
        }
        let base = trees.reduce(initialMargin) { $0 + TreeSHAP.expectedValue(of: $1) }
        var buffer = TreeSHAP.makeBuffer(depth: trees.map(\.depth).max() ?? 0)
        var rows: [[Double]] = []
        rows.reserveCapacity(x.rows)
        for i in 0..<x.rows {
            let row = x.row(i)
            var phi = [Double](repeating: 0, count: x.columns)
            for tree in trees { TreeSHAP.accumulate(tree, row: row, into: &phi, buffer: &buffer) }
            rows.append(phi)
        }
        return (base, rows)
    }

    /// The TreeSHAP values of every feature for every row (the former name of ``contributions(_:)``).
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: the base value and one contribution array per row.
    /// - Throws: as ``contributions(_:)``.
    @available(*, deprecated, renamed: "contributions(_:)", message: "explanations have one name across HeatML classifiers")
    public func shapValues(_ x: Matrix) throws(HeatMLError) -> (expectedValue: Double, rows: [[Double]]) {
        try contributions(x)
    }
}
