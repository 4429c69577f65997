import Foundation

/// A limited-memory BFGS minimizer (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
/// algorithm 7.4 with the two-loop recursion 7.5) with a backtracking Armijo line search, for
/// small smooth problems with analytic gradients such as the likelihoods of ``BetaGeoModel`` and
/// ``GammaGammaModel`` (3-4 log-parameters).
///
/// ```swift
/// let minimizer = LBFGSMinimizer()
/// let result = minimizer.minimize(start: [0, 0]) { x in
///     (pow(x[0] - 1, 2) + pow(x[1] + 2, 2), [2 * (x[0] - 1), 2 * (x[1] + 2)])
/// }
/// // result.point ≈ [1, -2]
/// ```
public struct LBFGSMinimizer: Sendable {
    /// The outcome of a minimization.
    public struct Result: Sendable, Equatable {
        /// The best point found.
        public var point: [Double]
        /// The objective there.
        public var value: Double
        /// The gradient there.
        public var gradient: [Double]
        /// Iterations (accepted steps) taken.
        public var iterations: Int
        /// Whether a convergence test passed (otherwise the iteration limit or a failed line search stopped it).
        public var converged: Bool
        /// Objective evaluations, line-search trials included.
        public var evaluations: Int = 0
    }

    /// Stop when every gradient component is at most this in magnitude (default 1e-10).
    public var gradientTolerance: Double
    /// Stop after this many iterations (default 500).
    public var maximumIterations: Int
    /// Number of correction pairs kept (default 8).
    public var memory: Int
    /// The largest change of one coordinate in one step (default 2): longer steps are scaled
    /// down before the line search, which keeps log-parameters from jumping to overflow.
    public var maximumStep: Double = 2

    /// Creates a minimizer.
    ///
    /// - Parameters:
    ///   - gradientTolerance: the largest gradient component accepted at a minimum.
    ///   - maximumIterations: the iteration limit.
    ///   - memory: the number of correction pairs.
    public init(gradientTolerance: Double = 1e-10, maximumIterations: Int = 500, memory: Int = 8) {
        self.gradientTolerance = gradientTolerance
        self.maximumIterations = maximumIterations
        self.memory = memory
    }

    /// Minimizes `objective` from `start`.
    ///
    /// - Parameters:
    ///   - start: the starting point.
    ///   - objective: returns the value and the gradient at a point; a non-finite value marks a
    ///     point outside the domain (the line search then shortens the step).
    /// - Returns: the best point found and whether it converged.
    public func minimize(start: [Double], objective rawObjective: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
        var evaluations = 0
        func objective(_ point: [Double]) -> (value: Double, gradient: [Double]) {
            evaluations += 1
            return rawObjective(point)
        }
        var x = start
        var (f, g) = objective(x)
        var steps: [[Double]] = []
        var changes: [[Double]] = []
        var iterations = 0
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func largest(_ v: [Double]) -> Double { v.reduce(0) { Swift.max($0, Swift.abs($1)) } }
        guard f.isFinite, g.allSatisfy(\.isFinite) else {
            return Result(point: x, value: f, gradient: g, iterations: 0, converged: false, evaluations: evaluations)
        }
        while iterations < maximumIterations {
            if largest(g) <= gradientTolerance { return Result(point: x, value: f, gradient: g, iterations: iterations, converged: true, evaluations: evaluations) }
            // Two-loop recursion: direction = -H g.
            var q = g
            var alphas = [Double](repeating: 0, count: steps.count)
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                let rho = 1 / dot(changes[i], steps[i])
                alphas[i] = rho * dot(steps[i], q)
                for k in q.indices { q[k] -= alphas[i] * changes[i][k] }
            }
            if let s = steps.last, let y = changes.last {
                let gamma = dot(s, y) / dot(y, y)
                for k in q.indices { q[k] *= gamma }
            } else {
                // First step: scale so that the step is at most 1 in each coordinate.
                let size = largest(g)
                if size > 1 { for k in q.indices { q[k] /= size } }
            }
            for i in steps.indices {
                let rho = 1 / dot(changes[i], steps[i])
                let beta = rho * dot(changes[i], q)
                for k in q.indices { q[k] += steps[i][k] * (alphas[i] - beta) }
            }
            var direction = q.map { -$0 }
            let longest = largest(direction)
            if longest > maximumStep { direction = direction.map { $0 * maximumStep / longest } }
            var slope = dot(g, direction)
            if !(slope < 0) {
                // Not a descent direction: restart from steepest descent.
                steps.removeAll()
                changes.removeAll()
                let size = Swift.max(largest(g), 1)
                direction = g.map { -$0 / size }
                slope = dot(g, direction)
            }
            // Backtracking line search with the Armijo condition.
            var stepLength = 1.0
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<60 {
                let candidate = zip(x, direction).map { $0 + stepLength * $1 }
                let (fc, gc) = objective(candidate)
                if fc.isFinite, gc.allSatisfy(\.isFinite), fc <= f + 1e-4 * stepLength * slope {
                    accepted = (candidate, fc, gc)
                    break
                }
                stepLength *= 0.5
            }
            guard let next = accepted else {
                return Result(point: x, value: f, gradient: g, iterations: iterations, converged: largest(g) <= gradientTolerance * 1e3, evaluations: evaluations)
            }
            let s = zip(next.x, x).map { $0 - $1 }
            let y = zip(next.g, g).map { $0 - $1 }
            let previous = f
            x = next.x
            f = next.f
            g = next.g
            iterations += 1
            if dot(s, y) > 1e-16 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                steps.append(s)
                changes.append(y)
                if steps.count > memory {
                    steps.removeFirst()
                    changes.removeFirst()
                }
            }
            if Swift.abs(previous - f) <= 1e-16 * Swift.max(Swift.abs(f), 1), largest(s) < 1e-12 {
                return Result(point: x, value: f, gradient: g, iterations: iterations, converged: true, evaluations: evaluations)
            }
        }
        return Result(point: x, value: f, gradient: g, iterations: iterations, converged: largest(g) <= gradientTolerance, evaluations: evaluations)
    }
}
