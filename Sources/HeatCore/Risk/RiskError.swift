import Foundation
import HeatEnvelope

/// A risk configuration file (bands, reason phrasing, next-action rules) or risk input that
/// cannot be used. Configuration faults exit 78 and name the file, the rule (when there is one)
/// and the field; client identifiers are never quoted.
///
/// ```swift
/// do { _ = try ActionRules.load(from: url) }
/// catch { print(error) }   // actions.json: rule "call-48h": field "priority": must be high, medium or low (found "urgent")
/// ```
public enum RiskError: ClassifiedError, Equatable {
    /// The configuration file does not exist (exit 66).
    case noSuchFile(file: String)
    /// The file cannot be read (exit 74).
    case unreadable(file: String, reason: String)
    /// The file is not a JSON object (exit 78).
    case notJSONObject(file: String)
    /// A field is missing, unknown, of the wrong type or out of range (exit 78). `rule` is the
    /// rule's id (or its position, `#3`) for rule files, `nil` for top-level fields.
    case invalidField(file: String, rule: String?, field: String, reason: String)
    /// A rule refers to a column the scored data does not have (exit 78).
    case unknownDataField(file: String, rule: String, field: String, source: String)
    /// The model cannot score the data (exit 65), wrapping the model's own message.
    case scoring(reason: String)
    /// A branch label in a scores file is not a masked branch reference (`B-` and 8 to 64 hex
    /// digits) and no pseudonymisation key was given to mask it (exit 65). The label itself is
    /// never quoted: it may be a raw branch identifier.
    case unmaskedLabel(file: String, line: Int, column: String)
    /// A scores file names the same client twice in its id column (exit 65); the id is not quoted.
    case duplicateClient(file: String, line: Int, column: String)
    /// A scores file has an empty cell in its client id column (exit 65).
    case missingClient(file: String, line: Int, column: String)
    /// No row of the data has the masked client reference, or it is not `C-` and 8 to 64 hex digits (exit 65).
    case unknownClient(file: String, ref: String)
    /// Several rows match a reference prefix (exit 65).
    case ambiguousClient(file: String, ref: String, matches: Int)

    public var category: ErrorCategory {
        switch self {
        case .noSuchFile: .noInput
        case .unreadable: .ioError
        case .scoring, .unmaskedLabel, .duplicateClient, .missingClient, .unknownClient, .ambiguousClient: .dataError
        case .notJSONObject, .invalidField, .unknownDataField: .configuration
        }
    }

    public var description: String {
        switch self {
        case .noSuchFile(let file): "\(file): no such file"
        case .unreadable(let file, let reason): "\(file): cannot read the file (\(reason))"
        case .notJSONObject(let file): "\(file): the file is not a JSON object"
        case .invalidField(let file, let rule, let field, let reason):
            if let rule { "\(file): rule \"\(rule)\": field \"\(field)\": \(reason)" } else { "\(file): field \"\(field)\": \(reason)" }
        case .unknownDataField(let file, let rule, let field, let source):
            "\(file): rule \"\(rule)\": field \"\(field)\": \(source) has no column \"\(field)\""
        case .scoring(let reason): "cannot score the data: \(reason)"
        case .unmaskedLabel(let file, let line, let column):
            "\(file): line \(line): column \"\(column)\": the branch label is not a masked branch reference (B- and 8 to 64 hex digits); it is not shown, as it may be a raw branch identifier"
        case .duplicateClient(let file, let line, let column):
            "\(file): line \(line): column \"\(column)\": the client appears twice (the id is not shown)"
        case .missingClient(let file, let line, let column):
            "\(file): line \(line): column \"\(column)\": the client id is empty"
        case .unknownClient(let file, let ref):
            "\(file): no client has the reference \(ref) under this collector key"
        case .ambiguousClient(let file, let ref, let matches):
            "\(file): \(matches) clients match the reference \(ref)"
        }
    }

    public var hint: String? {
        switch self {
        case .noSuchFile: "check the path"
        case .unknownDataField: "score the data first (`heatctl risk score`) or add the column; see Docs/Analytics.md for the fields rules can test"
        case .scoring: nil
        case .unmaskedLabel: "mask the labels with the collector's key (--keys keys/collector), or use the B- references of `heatctl clients`; exit 65"
        case .unknownClient: "use a reference as `heatctl clients` shows it (C- and 8 hex digits), the collector key of the store, and the file's client id column (--id-column); exit 65"
        case .ambiguousClient: "give more hex digits of the reference (up to 64); exit 65"
        case .missingClient: "every row needs a client id in the --id-column column; exit 65"
        case .duplicateClient: "each client may appear once per scores file; remove the duplicate rows; exit 65"
        default: "see Docs/Analytics.md (risk bands, reason phrasing and next-action rules) for the format"
        }
    }
}

/// Reads a JSON configuration file into a dictionary, mapping failures to ``RiskError``.
enum RiskConfigFile {
    static func object(at url: URL) throws(RiskError) -> [String: RiskJSON] {
        let name = url.lastPathComponent
        guard FileManager.default.fileExists(atPath: url.path) else { throw .noSuchFile(file: name) }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .configBytes, category: .configuration)
        } catch {
            throw .invalidField(file: name, rule: nil, field: "(file size)", reason: error.reason)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(file: name, reason: error.localizedDescription) }
        return try object(data, file: name)
    }

    static func object(_ data: Data, file: String) throws(RiskError) -> [String: RiskJSON] {
        guard let value = try? JSONDecoder().decode(RiskJSON.self, from: data), case .object(let object) = value else {
            throw .notJSONObject(file: file)
        }
        return object
    }
}
