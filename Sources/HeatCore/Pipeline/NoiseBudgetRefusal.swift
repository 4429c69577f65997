/// What the key holder reports when a ciphertext it decrypts has no noise budget left
/// (``KeyHolder``'s one decryption, issue 27, session 38): both are exit 65, and neither
/// releases a value.
enum NoiseBudgetRefusal: Sendable, Equatable {
    /// ``PipelineError/noNoiseBudget(source:)`` at every level: aggregates, scores, features and
    /// tree scores are decrypted at the level they were computed at, so no budget means another
    /// key pair's evaluation key or an altered file (review s37 finding 1).
    case noNoiseBudget(source: String)
    /// One ciphertext of a heat run (`batch B heat` or `batch B trend`): at the top level
    /// ``PipelineError/noNoiseBudget(source:)`` (no switch happened, so another key pair's keys
    /// or an altered ciphertext); below it ``PipelineError/malformed(source:reason:)`` naming
    /// field `level`, since the run may have been switched down too far (review s37 MEDIUM 5,
    /// pipe14b-final 2: whatever the cause, the message names the level).
    case runLevel(name: String)

    /// The error to throw.
    ///
    /// - Parameters:
    ///   - level: the moduli of the ciphertext decrypted.
    ///   - topLevel: the moduli of the parameters.
    ///   - masked: whether a release mask was applied first (named in the message).
    /// - Returns: the error (exit 65).
    func error(level: Int, topLevel: Int, masked: Bool) -> PipelineError {
        switch self {
        case .noNoiseBudget(let source):
            return .noNoiseBudget(source: source)
        case .runLevel(let name):
            guard level < topLevel else { return .noNoiseBudget(source: "the run (\(name))") }
            return .malformed(
                source: "the run",
                reason: "field level: \(name) at \(level) of \(topLevel) moduli has no noise budget left\(masked ? " after the release mask" : ""), so it would decrypt to wrong values; evaluate the run again (heatctl evaluate) with a build whose level bound holds")
        }
    }
}
