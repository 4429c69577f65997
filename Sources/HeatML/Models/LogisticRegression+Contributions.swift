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
