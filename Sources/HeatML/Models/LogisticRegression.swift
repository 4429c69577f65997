import Foundation

/// L2-regularised binary logistic regression, with scikit-learn's meaning of `C`.
///
/// Minimises `C * sum_i s_i * logloss(y_i, sigmoid(w.x_i + b)) + 0.5 * ||w||^2` over the weights
/// `w` and the intercept `b` (the intercept is not penalised), where `s_i` is the row's class
/// weight. This is exactly scikit-learn's `LogisticRegression(penalty="l2", C=C)` objective, so
/// at convergence the coefficients agree with it. The solver is Newton's method with a
/// backtracking line search (the objective is strictly convex, so it converges in a handful of
/// iterations); ``convergence`` reports how it ended.
///
/// Missing values are not allowed: impute first (``ColumnTransformer`` does).
///
/// ```swift
/// let model = try LogisticRegression.fit(x, labels: y, c: 1.0)
/// print(model.coefficients, model.intercept, model.convergence?.iterations ?? 0)
/// let p = try model.predictProbabilities(x)
/// ```
public struct LogisticRegression: Classifier, Equatable {
    /// Inverse regularisation strength (> 0; default 1). Smaller is stronger.
    public var c: Double
    /// Class weighting (default ``ClassWeight/none``).
    public var classWeight: ClassWeight
    /// Iteration limit of the Newton solver (default 100).
    public var maxIterations: Int
    /// Convergence tolerance on the largest absolute gradient component (default 1e-8).
    public var tolerance: Double

    /// The fitted weights, one per feature (empty before fitting).
    public private(set) var coefficients: [Double] = []
    /// The fitted intercept.
    public private(set) var intercept: Double = 0
    /// How the last fit ended (`nil` before fitting).
    public private(set) var convergence: ConvergenceReport?
    /// The mean of each feature over the training rows (the background of explanations, as
    /// shap's `LinearExplainer`); `nil` for models saved before it was recorded.
    public private(set) var featureMeans: [Double]?

    /// Creates an unfitted model.
    ///
    /// - Parameters:
    ///   - c: inverse regularisation strength, as scikit-learn's `C` (default 1).
    ///   - classWeight: class weighting (default none).
    ///   - maxIterations: Newton iteration limit (default 100).
    ///   - tolerance: gradient max-norm tolerance (default 1e-8).
    public init(c: Double = 1, classWeight: ClassWeight = .none, maxIterations: Int = 100, tolerance: Double = 1e-8) {
        self.c = c
        self.classWeight = classWeight
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    /// Fits the model in place (``fit(_:labels:c:classWeight:maxIterations:tolerance:)`` and
    /// ``fitted(to:labels:validation:)`` return a fitted copy instead).
    ///
    /// - Parameters:
    ///   - x: the features (no `.nan`).
    ///   - labels: 0 / 1 per row, both classes present.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for `c <= 0`, a bad
    ///   iteration limit or a missing value; ``HeatMLError/singleClass(context:label:)``;
    ///   ``HeatMLError/shapeMismatch(context:expected:found:)``.
    public mutating func fit(_ x: Matrix, labels: [Int]) throws(HeatMLError) {
        try fit(rows: x.rows, columns: x.columns, labels: labels) { start, count, out in
            x.values.withUnsafeBufferPointer { values in
                for j in 0..<x.columns {
                    let column = values.baseAddress! + j * x.rows + start
                    let target = out + j * Self.blockRows
                    for i in 0..<count { target[i] = column[i] }
                }
            }
        }
    }

    /// Fits the model in place on compact features: the numeric columns read from the table's
    /// own arrays with the imputation and scaling applied on the fly, the one-hot features from
    /// their codes (no dense copy of the table). The same model, bit for bit, as
    /// ``fit(_:labels:)`` on `x.denseMatrix()`.
    ///
    /// - Parameters:
    ///   - x: the features (no `.nan`).
    ///   - labels: 0 / 1 per row, both classes present.
    /// - Throws: as ``fit(_:labels:)``.
    public mutating func fit(_ x: FeatureColumns, labels: [Int]) throws(HeatMLError) {
        try fit(rows: x.rows, columns: x.columns, labels: labels) { start, count, out in
            for j in 0..<x.columns { x.gather(feature: j, start: start, count: count, into: out + j * Self.blockRows) }
        }
    }

    /// The rows read together: the Newton system and the margins are built one block of rows
    /// at a time, from a `columns x blockRows` buffer that stays in cache.
    static let blockRows = 256

    /// ``fit(_:labels:)`` on features of any storage: `gather(start, count, out)` writes feature
    /// `j` of rows `start ..< start + count` to `out[j * blockRows ..< j * blockRows + count]`.
    /// Every sum adds the same terms in the same order whatever the storage.
    mutating func fit(rows n: Int, columns p: Int, labels: [Int], gather: (Int, Int, UnsafeMutablePointer<Double>) -> Void) throws(HeatMLError) {
        guard c > 0, c.isFinite else { throw .invalidParameter(name: "C", value: "\(c)", reason: "must be a positive number") }
        guard maxIterations >= 1 else { throw .invalidParameter(name: "maxIterations", value: "\(maxIterations)", reason: "must be at least 1") }
        try validateTrainingData(rows: n, labels: labels, model: "LogisticRegression")
        let dim = p + 1, width = Self.blockRows
        var block = [Double](repeating: 0, count: max(1, p * width))
        // One pass: the first column holding a missing or infinite value, and each column's sum.
        var sums = [Double](repeating: 0, count: p)
        var firstBad = p
        block.withUnsafeMutableBufferPointer { block in
            var start = 0
            while start < n {
                let count = min(width, n - start)
                gather(start, count, block.baseAddress!)
                for j in 0..<p {
                    let column = block.baseAddress! + j * width
                    var sum = sums[j]
                    for i in 0..<count {
                        sum += column[i]
                        if j < firstBad && !column[i].isFinite { firstBad = j }
                    }
                    sums[j] = sum
                }
                start += count
            }
        }
        if firstBad < p {
            throw .invalidParameter(name: "x", value: "column \(firstBad)", reason: "holds a missing or infinite value; impute it first")
        }
        let sampleWeights = classWeight.weights(for: labels)
        let y = labels.map(Double.init)
        var beta = [Double](repeating: 0, count: dim)   // w..., b

        func margins(_ beta: [Double]) -> [Double] {
            var z = [Double](repeating: beta[p], count: n)
            block.withUnsafeMutableBufferPointer { block in
                z.withUnsafeMutableBufferPointer { z in
                    var start = 0
                    while start < n {
                        let count = min(width, n - start)
                        gather(start, count, block.baseAddress!)
                        for j in 0..<p where beta[j] != 0 {
                            let w = beta[j], column = block.baseAddress! + j * width
                            for i in 0..<count { z[start + i] += w * column[i] }
                        }
                        start += count
                    }
                }
            }
            return z
        }
        func objective(_ beta: [Double], _ z: [Double]) -> Double {
            var loss = 0.0
            for i in 0..<n {
                let zi = z[i]
                let softplus = zi > 0 ? zi + log1p(exp(-zi)) : log1p(exp(zi))
                loss += sampleWeights[i] * (softplus - y[i] * zi)
            }
            var penalty = 0.0
            for j in 0..<p { penalty += beta[j] * beta[j] }
            return c * loss + 0.5 * penalty
        }

        var z = margins(beta)
        var f = objective(beta, z)
        var iterations = 0
        var gradientNorm = Double.infinity
        var converged = false
        while iterations < maxIterations {
            // Gradient and Hessian.
            var residual = [Double](repeating: 0, count: n)
            var curvature = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let prob = sigmoid(z[i])
                residual[i] = c * sampleWeights[i] * (prob - y[i])
                curvature[i] = c * sampleWeights[i] * prob * (1 - prob)
            }
            var gradient = [Double](repeating: 0, count: dim)
            var hessian = [Double](repeating: 0, count: dim * dim)
            Self.accumulateNewtonSystem(rows: n, columns: p, gather: gather, block: &block, residual: residual, curvature: curvature, gradient: &gradient, hessian: &hessian)
            for j in 0..<p {
                gradient[j] += beta[j]
                hessian[j * dim + j] += 1
            }
            gradient[p] = residual.reduce(0, +)
            hessian[p * dim + p] = curvature.reduce(0, +)
            gradientNorm = gradient.map(abs).max() ?? 0
            if gradientNorm <= tolerance {
                converged = true
                break
            }
            iterations += 1
            let direction = DenseLinearAlgebra.solveSymmetricPositiveDefinite(hessian, dimension: dim, rightHandSide: gradient.map { -$0 })
            // Backtracking (Armijo) line search.
            let slope = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            var step = 1.0
            var accepted = false
            // Near the optimum the predicted decrease falls below the rounding error of the
            // objective, so the Armijo test is meaningless: take the full Newton step.
            if -slope <= 1e-12 * max(abs(f), 1) {
                beta = zip(beta, direction).map { $0 + $1 }
                z = margins(beta)
                f = objective(beta, z)
                continue
            }
            for _ in 0..<40 {
                let candidate = zip(beta, direction).map { $0 + step * $1 }
                let zc = margins(candidate)
                let fc = objective(candidate, zc)
                if fc <= f + 1e-4 * step * slope {
                    beta = candidate
                    z = zc
                    f = fc
                    accepted = true
                    break
                }
                step *= 0.5
            }
            if !accepted { break }
        }
        coefficients = Array(beta[0..<p])
        intercept = beta[p]
        featureMeans = sums.map { $0 / Double(max(n, 1)) }
        convergence = ConvergenceReport(solver: "newton", iterations: iterations, converged: converged, gradientNorm: gradientNorm, objective: f)
    }

    /// ``accumulateNewtonSystem(rows:columns:gather:block:residual:curvature:gradient:hessian:)``
    /// on a column-major matrix.
    static func accumulateNewtonSystem(_ x: Matrix, residual: [Double], curvature: [Double], gradient: inout [Double], hessian: inout [Double]) {
        var block = [Double](repeating: 0, count: max(1, x.columns * blockRows))
        x.values.withUnsafeBufferPointer { values in
            accumulateNewtonSystem(rows: x.rows, columns: x.columns, gather: { start, count, out in
                for j in 0..<x.columns {
                    let column = values.baseAddress! + j * x.rows + start
                    for i in 0..<count { out[j * blockRows + i] = column[i] }
                }
            }, block: &block, residual: residual, curvature: curvature, gradient: &gradient, hessian: &hessian)
        }
    }

    /// Adds `X^T r` to `gradient[0..<p]` and `X^T diag(c) [X 1]` to the upper triangle of the
    /// `(p+1) x (p+1)` row-major `hessian` (mirrored at the end), reading the features in blocks
    /// of rows (`gather`, as in `fit(rows:columns:labels:gather:)`, into `block`) that stay in
    /// cache: one pass over the features per Newton iteration instead of one per pair of columns.
    static func accumulateNewtonSystem(rows n: Int, columns p: Int, gather: (Int, Int, UnsafeMutablePointer<Double>) -> Void, block: inout [Double],
                                       residual: [Double], curvature: [Double], gradient: inout [Double], hessian: inout [Double]) {
        let dim = p + 1
        let blockRows = Self.blockRows
        var weighted = [Double](repeating: 0, count: p * blockRows)
        block.withUnsafeMutableBufferPointer { block in
            residual.withUnsafeBufferPointer { residual in
                curvature.withUnsafeBufferPointer { curvature in
                    weighted.withUnsafeMutableBufferPointer { weighted in
                        gradient.withUnsafeMutableBufferPointer { gradient in
                            hessian.withUnsafeMutableBufferPointer { hessian in
                                var start = 0
                                while start < n {
                                    let count = min(blockRows, n - start)
                                    gather(start, count, block.baseAddress!)
                                    for j in 0..<p {
                                        let column = block.baseAddress! + j * blockRows
                                        let out = weighted.baseAddress! + j * blockRows
                                        var g = 0.0, hb = 0.0
                                        for i in 0..<count {
                                            let v = column[i]
                                            g += v * residual[start + i]
                                            let w = v * curvature[start + i]
                                            out[i] = w
                                            hb += w
                                        }
                                        gradient[j] += g
                                        hessian[j * dim + p] += hb
                                    }
                                    for j in 0..<p {
                                        let wj = weighted.baseAddress! + j * blockRows
                                        for k in j..<p {
                                            let column = block.baseAddress! + k * blockRows
                                            var h = 0.0
                                            for i in 0..<count { h += wj[i] * column[i] }
                                            hessian[j * dim + k] += h
                                        }
                                    }
                                    start += count
                                }
                                for j in 0..<dim {
                                    for k in (j + 1)..<dim { hessian[k * dim + j] = hessian[j * dim + k] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The positive-class probability per row.
    ///
    /// - Parameter x: features with as many columns as at fit time.
    /// - Returns: `sigmoid(w.x + b)` per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictProbabilities(_ x: Matrix) throws(HeatMLError) -> [Double] {
        try predictMargins(x).map(sigmoid)
    }

    /// The linear score `w.x + b` per row (the log-odds of the positive class).
    ///
    /// - Parameter x: features with as many columns as at fit time.
    /// - Returns: one margin per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictMargins(_ x: Matrix) throws(HeatMLError) -> [Double] {
        guard convergence != nil, x.columns == coefficients.count else {
            throw .shapeMismatch(context: "LogisticRegression.predict", expected: convergence == nil ? "a fitted model" : "\(coefficients.count) feature columns", found: "\(x.columns)")
        }
        var z = [Double](repeating: intercept, count: x.rows)
        for j in 0..<x.columns {
            let w = coefficients[j]
            for (i, value) in x.column(j).enumerated() { z[i] += w * value }
        }
        return z
    }

    /// The positive-class probability per row of compact features (see `predictMargins(_:)` on
    /// ``FeatureColumns``).
    ///
    /// - Parameter x: features with as many columns as at fit time.
    /// - Returns: `sigmoid(w.x + b)` per row.
    /// - Throws: as ``predictMargins(_:)``.
    public func predictProbabilities(_ x: FeatureColumns) throws(HeatMLError) -> [Double] {
        try predictMargins(x).map(sigmoid)
    }

    /// The linear score `w.x + b` per row of compact features, read in blocks of rows (no dense
    /// copy); equal, bit for bit, to ``predictMargins(_:)`` on `x.denseMatrix()`.
    ///
    /// - Parameter x: features with as many columns as at fit time.
    /// - Returns: one margin per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` when unfitted or the columns differ.
    public func predictMargins(_ x: FeatureColumns) throws(HeatMLError) -> [Double] {
        guard convergence != nil, x.columns == coefficients.count else {
            throw .shapeMismatch(context: "LogisticRegression.predict", expected: convergence == nil ? "a fitted model" : "\(coefficients.count) feature columns", found: "\(x.columns)")
        }
        let n = x.rows, width = Self.blockRows
        var z = [Double](repeating: intercept, count: n)
        var block = [Double](repeating: 0, count: width)
        block.withUnsafeMutableBufferPointer { block in
            z.withUnsafeMutableBufferPointer { z in
                var start = 0
                while start < n {
                    let count = min(width, n - start)
                    for (j, w) in coefficients.enumerated() {
                        x.gather(feature: j, start: start, count: count, into: block.baseAddress!)
                        for i in 0..<count { z[start + i] += w * block[i] }
                    }
                    start += count
                }
            }
        }
        return z
    }

    /// The linear score `w.x + b` per row (scikit-learn's name).
    ///
    /// - Parameter x: features with as many columns as at fit time.
    /// - Returns: one margin per row.
    /// - Throws: as ``predictMargins(_:)``.
    @available(*, deprecated, renamed: "predictMargins(_:)", message: "one name for margins across HeatML classifiers")
    public func decisionFunction(_ x: Matrix) throws(HeatMLError) -> [Double] {
        try predictMargins(x)
    }

    /// The absolute coefficients, normalised to sum 1 (meaningful on standardised features).
    public var featureImportances: [Double] {
        let magnitudes = coefficients.map(abs)
        let total = magnitudes.reduce(0, +)
        return total > 0 ? magnitudes.map { $0 / total } : magnitudes
    }
}

extension LogisticRegression {
    /// ``ModelSpecification/Kind/logistic``.
    public static var kind: ModelSpecification.Kind { .logistic }

    /// Median imputation and standard scaling of numeric features, most-frequent imputation of
    /// categorical ones (then one-hot encoding).
    public static var preprocessing: ColumnTransformer.Options {
        ColumnTransformer.Options(scaleNumeric: true, imputeNumeric: true)
    }

    /// ``ModelSpecification/logistic(_:)`` holding this model.
    public var specification: ModelSpecification { .logistic(self) }

    /// Fits a logistic regression to `x`.
    ///
    /// ```swift
    /// let model = try LogisticRegression.fit(x, labels: y, c: 0.5, classWeight: .balanced)
    /// ```
    ///
    /// - Parameters:
    ///   - x: the features (no `.nan`).
    ///   - labels: 0 / 1 per row, both classes present.
    ///   - c: inverse regularisation strength, as scikit-learn's `C` (default 1).
    ///   - classWeight: class weighting (default none).
    ///   - maxIterations: Newton iteration limit (default 100).
    ///   - tolerance: gradient max-norm tolerance (default 1e-8).
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:labels:)``.
    public static func fit(
        _ x: Matrix, labels: [Int], c: Double = 1, classWeight: ClassWeight = .none, maxIterations: Int = 100,
        tolerance: Double = 1e-8
    ) throws(HeatMLError) -> LogisticRegression {
        try LogisticRegression(c: c, classWeight: classWeight, maxIterations: maxIterations, tolerance: tolerance)
            .fitted(to: x, labels: labels, validation: nil)
    }

    /// A copy of these hyper-parameters fitted to `x` (logistic regression has no early
    /// stopping, so `validation` is ignored).
    ///
    /// - Parameters:
    ///   - x: the features (no `.nan`).
    ///   - labels: 0 / 1 per row.
    ///   - validation: ignored.
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:labels:)``.
    public func fitted(to x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) -> LogisticRegression {
        var model = self
        try model.fit(x, labels: labels)
        return model
    }

    /// Checks a decoded model: one finite coefficient per feature, a finite intercept, and
    /// (when recorded) one finite training mean per feature.
    ///
    /// - Parameters:
    ///   - featureCount: the feature count the preprocessing makes.
    ///   - source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)``.
    public func validate(featureCount: Int, source: String) throws(HeatMLError) {
        guard coefficients.count == featureCount else {
            throw .badModel(source: source, reason: "\(coefficients.count) coefficients for \(featureCount) features")
        }
        guard coefficients.allSatisfy(\.isFinite), intercept.isFinite else {
            throw .badModel(source: source, reason: "a coefficient or the intercept is not a finite number")
        }
        if let means = featureMeans, means.count != featureCount || !means.allSatisfy(\.isFinite) {
            throw .badModel(source: source, reason: "\(means.count) feature means for \(featureCount) features")
        }
    }
}
