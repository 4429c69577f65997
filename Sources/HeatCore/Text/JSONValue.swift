import Foundation

/// A JSON value decoded without loss, so that booleans, numbers and strings are told apart
/// exactly (a `1` is never `true`). The one JSON value type of HeatCore's configuration readers:
/// privacy policies, risk bands, action rules, phrasebooks and scenario shocks all parse through it
/// and name the file, rule and field at fault themselves.
///
/// ```swift
/// let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"high": 70}"#.utf8))
/// if case .object(let object) = value { object["high"]?.number }   // 70
/// ```
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `true` / `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])
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
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
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

/// The JSON value of risk configuration files: the shared ``JSONValue`` (kept as a name so that
/// code written against issue 19's first version compiles).
public typealias RiskJSON = JSONValue
