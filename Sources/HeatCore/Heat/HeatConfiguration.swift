/// The heat model's configuration (DESIGN.md section 4). Owned by the heat-model work; this
/// declaration fixes only the type name used by ``ResultsDocument``.
public struct HeatConfiguration: Sendable, Codable, Equatable {
    /// Creates the default configuration.
    public init() {}
}
