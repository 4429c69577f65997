/// How an iterative fit ended.
///
/// ```swift
/// try model.fit(x, labels: y)
/// if let report = model.convergence, !report.converged { print("stopped after", report.iterations) }
/// ```
public struct ConvergenceReport: Sendable, Codable, Equatable {
    /// The solver that ran (for example `"newton"`).
    public var solver: String
    /// Iterations performed.
    public var iterations: Int
    /// Whether the gradient tolerance was reached before the iteration limit.
    public var converged: Bool
    /// The largest absolute gradient component at the end.
    public var gradientNorm: Double
    /// The final value of the minimised objective.
    public var objective: Double

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - solver: the solver name.
    ///   - iterations: iterations performed.
    ///   - converged: whether the tolerance was reached.
    ///   - gradientNorm: final max-norm of the gradient.
    ///   - objective: final objective value.
    public init(solver: String, iterations: Int, converged: Bool, gradientNorm: Double, objective: Double) {
        self.solver = solver
        self.iterations = iterations
        self.converged = converged
        self.gradientNorm = gradientNorm
        self.objective = objective
    }
}
