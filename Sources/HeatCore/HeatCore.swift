/// The CustomerHeat release these libraries and `heatctl` belong to.
///
/// (Named `CustomerHeat` rather than `HeatCore` so that no type shadows a module name: qualified
/// references such as `HeatCore.Client` keep working in code that imports several modules.)
///
/// ```swift
/// print("CustomerHeat \(CustomerHeat.version)")
/// ```
public enum CustomerHeat {
    /// The version of the CustomerHeat libraries and of `heatctl` (semantic versioning).
    public static let version = "0.1.0"
}
