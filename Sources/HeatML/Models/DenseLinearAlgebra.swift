/// Small dense linear algebra for the Newton solver (row-major square matrices).
enum DenseLinearAlgebra {
    /// Solves `A x = b` for a symmetric positive definite `A` by Cholesky factorisation,
    /// adding a growing ridge to the diagonal if the factorisation breaks down numerically.
    ///
    /// - Parameters:
    ///   - matrix: `A`, row-major, `dimension * dimension` values.
    ///   - dimension: the size.
    ///   - rightHandSide: `b`.
    /// - Returns: `x`.
    static func solveSymmetricPositiveDefinite(_ matrix: [Double], dimension n: Int, rightHandSide b: [Double]) -> [Double] {
        var ridge = 0.0
        let scale = max((0..<n).map { abs(matrix[$0 * n + $0]) }.max() ?? 1, 1e-300)
        for _ in 0..<30 {
            if let l = cholesky(matrix, n, ridge: ridge) {
                var y = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    var s = b[i]
                    for k in 0..<i { s -= l[i * n + k] * y[k] }
                    y[i] = s / l[i * n + i]
                }
                var x = [Double](repeating: 0, count: n)
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var s = y[i]
                    for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
                    x[i] = s / l[i * n + i]
                }
                return x
            }
            ridge = ridge == 0 ? scale * 1e-12 : ridge * 10
        }
        // Fall back to a scaled gradient step.
        return b.map { $0 / scale }
    }

    /// The lower Cholesky factor of `A + ridge * I`, or `nil` if not positive definite.
    private static func cholesky(_ a: [Double], _ n: Int, ridge: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j] + (i == j ? ridge : 0)
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }
}
