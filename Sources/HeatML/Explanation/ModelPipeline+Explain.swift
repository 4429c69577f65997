extension LogisticRegression {
    /// The exact linear contributions `w_j * x_j` of every feature to every row's log-odds.
    ///
    /// The intercept is the base value; contributions plus intercept equal
    /// ``decisionFunction(_:)`` exactly (up to summation order).
    ///
    /// ```swift
    /// let (base, rows) = try model.contributions(x)
    /// ```
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: the intercept and one contribution array per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func contributions(_ x: Matrix) throws(HeatMLError) -> (expectedValue: Double, rows: [[Double]]) {
        guard x.columns == coefficients.count, !coefficients.isEmpty else {
            throw .shapeMismatch(context: "LogisticRegression.contributions", expected: coefficients.isEmpty ? "a fitted model" : "\(coefficients.count) feature columns", found: "\(x.columns)")
        }
        let rows = (0..<x.rows).map { i in (0..<x.columns).map { j in coefficients[j] * x[i, j] } }
        return (intercept, rows)
    }
}

extension GradientBoostedTrees {
    /// Exact path-dependent TreeSHAP values of every feature for every row (Lundberg et al. 2018).
    ///
    /// The base value is the base margin plus each tree's cover-weighted mean output; for every
    /// row, base value plus contributions equals ``predictMargins(_:)`` up to rounding.
    ///
    /// ```swift
    /// let (base, rows) = try model.shapValues(x)
    /// ```
    ///
    /// - Parameter x: features with the column count seen at fit time (`.nan` for missing).
    /// - Returns: the base value and one contribution array per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func shapValues(_ x: Matrix) throws(HeatMLError) -> (expectedValue: Double, rows: [[Double]]) {
        guard !trees.isEmpty, x.columns == featureCount else {
            throw .shapeMismatch(context: "GradientBoostedTrees.shapValues", expected: trees.isEmpty ? "a fitted model" : "\(featureCount) feature columns", found: "\(x.columns)")
        }
        let base = trees.reduce(initialMargin) { $0 + TreeSHAP.expectedValue(of: $1) }
        var rows: [[Double]] = []
        rows.reserveCapacity(x.rows)
        for i in 0..<x.rows {
            let row = x.row(i)
            var phi = [Double](repeating: 0, count: x.columns)
            for tree in trees { TreeSHAP.accumulate(tree, row: row, into: &phi) }
            rows.append(phi)
        }
        return (base, rows)
    }
}

extension ModelPipeline {
    /// Explains every row of a raw table: per-feature contributions to the positive class's
    /// log-odds (see ``Explanation`` for the exact definitions per model kind).
    ///
    /// ```swift
    /// let pipeline = try ModelPipeline.load(from: URL(filePath: "churn.model"))
    /// let explanation = try pipeline.explain(try pipeline.loadTable(from: URL(filePath: "new.csv")))
    /// let top = explanation.largest(3, row: 0)
    /// ```
    ///
    /// - Parameter table: a table with the model's input columns.
    /// - Returns: the explanation, rows in table order.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` for an absent input column,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)`` for text in a numeric column,
    ///   ``HeatMLError/shapeMismatch(context:expected:found:)`` for an unfitted model.
    public func explain(_ table: DataTable) throws(HeatMLError) -> Explanation {
        let x = try transformer.transform(table)
        let names = transformer.featureNames
        switch model {
        case let .logistic(regression):
            let (base, rows) = try regression.contributions(x)
            return Explanation(featureNames: names, expectedValue: base, contributions: rows, margins: try regression.decisionFunction(x))
        case let .gbdt(boosted):
            let (base, rows) = try boosted.shapValues(x)
            return Explanation(featureNames: names, expectedValue: base, contributions: rows, margins: try boosted.predictMargins(x))
        }
    }
}
