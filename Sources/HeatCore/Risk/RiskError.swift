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

    public var category: ErrorCategory {
        switch self {
        case .noSuchFile: .noInput
        case .unreadable: .ioError
        case .scoring: .dataError
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
        }
    }

    public var hint: String? {
        switch self {
        case .noSuchFile: "check the path"
        case .unknownDataField: "score the data first (`heatctl risk score`) or add the column; see Docs/Analytics.md for the fields rules can test"
        case .scoring: nil
        default: "see Docs/Analytics.md (risk bands, reason phrasing and next-action rules) for the format"
        }
    }
}

/// A JSON value of a risk configuration file, decoded so that booleans, numbers and strings are
/// told apart exactly.
public enum RiskJSON: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `true` / `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([RiskJSON])
    /// An object.
    case object([String: RiskJSON])
    /// `null`.
    case null

    /// Decodes any JSON value.
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: decoding errors.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([RiskJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: RiskJSON].self))
        }
    }

    /// Encodes the value as JSON.
    ///
    /// - Parameter encoder: the encoder.
    /// - Throws: encoding errors.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bool(let v): try container.encode(v)
        case .number(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        case .null: try container.encodeNil()
        }
    }

    /// The value as written in JSON, for messages.
    public var description: String {
        switch self {
        case .bool(let v): v ? "true" : "false"
        case .number(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case .string(let v): "\"\(v)\""
        case .array: "an array"
        case .object: "an object"
        case .null: "null"
        }
    }

    /// The number, when this is a number.
    public var number: Double? { if case .number(let v) = self { v } else { nil } }
    /// The string, when this is a string.
    public var string: String? { if case .string(let v) = self { v } else { nil } }
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
