/// Whether parameters read from a file may be below 128-bit security: the explicit testing switch
/// of the loaders.
///
/// Production loaders (``BfvFile/parameters(in:source:policy:)``, ``BfvParameters/init(envelope:source:policy:)``
/// and every `FHEToolbox` entry point in HeatFHETools) use ``production``: a file whose parameters claim
/// ``BfvParameters/SecurityLevel/insecureForTesting`` is refused, whatever its other fields say,
/// so the security level is no longer a byte any file can set. Tests (and `heatctl` only with its
/// hidden `--allow-insecure-for-testing` flag) pass ``allowInsecureForTesting``. Parameters built in
/// code with `security: .insecureForTesting` remain usable: that choice is visible in the source.
///
/// ```swift
/// let parameters = try BfvFile.parameters(in: envelope, source: path, policy: .production)
/// ```
public enum BfvSecurityPolicy: Sendable, Hashable {
    /// Refuse parameters below 128-bit security (the default everywhere).
    case production
    /// Accept ``BfvParameters/SecurityLevel/insecureForTesting`` parameters (tests only).
    case allowInsecureForTesting

    /// Checks parameters against the policy.
    ///
    /// - Parameter parameters: validated parameters.
    /// - Throws: ``FHEError/insecureParameters(degree:logQ:maximumLogQ:)`` when insecure parameters
    ///   meet the production policy.
    public func check(_ parameters: BfvParameters) throws(FHEError) {
        guard self == .production else { return }
        let maximum = BfvParameters.maximumLogQ(degree: parameters.degree)
        guard parameters.security == .standard128, let maximum, parameters.keyLogQ <= maximum else {
            throw .insecureParameters(degree: parameters.degree, logQ: parameters.keyLogQ, maximumLogQ: maximum)
        }
    }
}
