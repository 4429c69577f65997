import HeatEnvelope

/// A heat configuration file that cannot be used. Every case but the missing file maps to exit 78
/// (`.configuration`) and names the file and the key at fault.
///
/// ```swift
/// do { _ = try HeatConfiguration.load(from: url) }
/// catch { print(error) }   // heat.json: levels.warm: must be above levels.cool = 4000 (found 100)
/// ```
public enum HeatConfigurationError: ClassifiedError, Equatable {
    /// The file does not exist (exit 66).
    case missingFile(path: String)
    /// The file cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not a JSON object.
    case notJSONObject(file: String)
    /// The file uses a key the configuration does not have.
    case unknownKey(file: String, key: String)
    /// A key has the wrong type or a value out of range.
    case invalidValue(file: String, key: String, reason: String)

    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        default: .configuration
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let file): "\(file): no such heat configuration file"
        case .unreadableFile(let file, let reason): "\(file): cannot read the heat configuration (\(reason))"
        case .notJSONObject(let file): "\(file): the heat configuration is not a JSON object"
        case .unknownKey(let file, let key): "\(file): unknown key \"\(key)\" in the heat configuration"
        case .invalidValue(let file, let key, let reason): "\(file): \(key): \(reason)"
        }
    }

    public var hint: String? {
        switch self {
        case .missingFile: "check the path given to --config"
        case .unknownKey: "see Docs/HeatModel.md for the keys (check the spelling)"
        default: "see Docs/HeatModel.md for the keys and their ranges"
        }
    }
}

extension HeatConfigurationError {
    /// The old name of ``missingFile(path:)``.
    @available(*, deprecated, renamed: "missingFile(path:)")
    public static func noSuchFile(file: String) -> HeatConfigurationError { .missingFile(path: file) }

    /// The old name of ``unreadableFile(path:reason:)``.
    @available(*, deprecated, renamed: "unreadableFile(path:reason:)")
    public static func unreadable(file: String, reason: String) -> HeatConfigurationError { .unreadableFile(path: file, reason: reason) }
}
