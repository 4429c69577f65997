extension LogisticRegression {
    /// The exact linear contributions `w_j * (x_j - mean_j)` of every feature to every row's
    /// log-odds, relative to the mean training row, as shap's `LinearExplainer` (independent
    /// features) computes them.
    ///
    /// The base value is the margin of the mean row, `b + sum_j w_j * mean_j` (the mean training
    /// margin); contributions plus the base value equal ``predictMargins(_:)`` (up to summation
    /// order). A model saved without ``featureMeans`` uses zero means (the intercept as base).
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
        let means = featureMeans ?? [Double](repeating: 0, count: coefficients.count)
        let base = intercept + zip(coefficients, means).reduce(0) { $0 + $1.0 * $1.1 }
        let rows = (0..<x.rows).map { i in (0..<x.columns).map { j in coefficients[j] * (x[i, j] - means[j]) } }
        return (base, rows)
    }
}
