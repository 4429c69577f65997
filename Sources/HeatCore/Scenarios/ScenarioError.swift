import HeatEnvelope

/// Failures of stress scenarios: an unknown name, a bad shock file (exit 78, naming the field),
/// or a portfolio with nothing to stress.
///
/// ```swift
/// do { _ = try ScenarioShock.named("recesion") }
/// catch { print(error.description) }   // "no scenario named 'recesion' (known: recession, ...)"
/// ```
public enum ScenarioError: ClassifiedError, Equatable {
    /// No built-in scenario has this name.
    case unknownScenario(name: String, known: [String])
    /// The shock file does not exist.
    case missingFile(path: String)
    /// The shock file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The shock file is not a JSON object.
    case notJSON(path: String)
    /// A field of the shock file is missing, unknown or out of range.
    case invalidField(path: String, field: String, reason: String)
    /// The portfolio has no client with interactions.
    case emptyPortfolio(source: String)
    /// A run parameter is out of range.
    case invalidParameter(name: String, value: String, reason: String)

    /// The exit-code category: 78 for a bad shock file, 66 / 74 for files, 64 for names and options, 65 for data.
    public var category: ErrorCategory {
        switch self {
        case .unknownScenario, .invalidParameter: .usage
        case .missingFile: .noInput
        case .unreadableFile: .ioError
        case .notJSON, .invalidField: .configuration
        case .emptyPortfolio: .dataError
        }
    }

    /// A one-sentence description naming what was wrong and where.
    public var description: String {
        switch self {
        case let .unknownScenario(name, known): "no scenario named '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .missingFile(path): "\(path): no such file"
        case let .unreadableFile(path, reason): "\(path): cannot read the file (\(reason))"
        case let .notJSON(path): "\(path): not a JSON object"
        case let .invalidField(path, field, reason): "\(path): field '\(field)': \(reason)"
        case let .emptyPortfolio(source): "\(source): no client with interactions to stress"
        case let .invalidParameter(name, value, reason): "\(name) = \(value): \(reason)"
        }
    }

    /// A short suggestion for fixing the failure.
    public var hint: String? {
        switch self {
        case .unknownScenario: "list the scenarios with `heatctl scenario list`"
        case .notJSON, .invalidField: "see Docs/Analytics.md (custom shocks) for the file's fields"
        case .missingFile: "check the path"
        case .emptyPortfolio: "ingest interactions first, or pass an export with --data"
        default: nil
        }
    }
}
