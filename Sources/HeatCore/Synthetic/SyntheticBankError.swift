import HeatEnvelope

/// A synthetic bank's parameter out of range.
public enum SyntheticBankError: ClassifiedError, Equatable {
    /// A parameter is outside its range.
    case invalidParameter(name: String, value: Int, range: String)

    public var category: ErrorCategory { .usage }

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let range): "--\(name) \(value) is out of range (\(range))"
        }
    }

    public var hint: String? { "see heatctl generate --help" }
}
