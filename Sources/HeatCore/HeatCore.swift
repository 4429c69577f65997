/// HeatCore: the CustomerHeat domain (records, ingestion, store, heat, policy, audit, reports).
public enum HeatCore {
    /// The version of the CustomerHeat libraries and of `heatctl`.
    public static let version = "0.1.0"
}
