import Foundation

/// How each model input column is phrased for a person in a risk reason, loaded from a
/// documented JSON file (`Docs/Analytics.md`, "Reason phrasing"):
///
/// ```json
/// {"schema": "customerheat.risk-phrasing/1",
///  "fallback": "{column} = {value}",
///  "features": {
///    "tenure": {"raises": "only {value} months as a customer", "lowers": "{value} months as a customer"},
///    "contract": {"text": "{value} contract", "values": {"Month-to-month": "no long-term contract"}}}}
/// ```
///
/// A feature's phrase is its `values` entry for the row's value, else `raises` or `lowers`
/// (by the sign of the contribution), else `text`, else the file's `fallback`; `{column}` and
/// `{value}` are replaced. The reason reads `phrase: +18` (points on the 0-100 score).
public struct ReasonPhrasebook: Sendable, Equatable {
    /// The phrases of one column.
    public struct Phrases: Sendable, Equatable {
        /// The phrase when the column raises the risk.
        public var raises: String?
        /// The phrase when it lowers the risk.
        public var lowers: String?
        /// The phrase either way.
        public var text: String?
        /// Phrases for particular values of the column.
        public var values: [String: String]
    }

    /// The phrases by column.
    public var features: [String: Phrases]
    /// The phrase of a column without an entry.
    public var fallback: String

    /// A phrasebook with no entries: every reason reads `column = value: +N`.
    public static let plain = ReasonPhrasebook(features: [:], fallback: "{column} = {value}")

    /// Creates a phrasebook.
    ///
    /// - Parameters:
    ///   - features: the phrases by column.
    ///   - fallback: the phrase of other columns.
    public init(features: [String: Phrases], fallback: String) {
        self.features = features
        self.fallback = fallback
    }

    /// The phrase of a column's value.
    ///
    /// - Parameters:
    ///   - column: the input column.
    ///   - value: the row's value (`missing` for an empty cell).
    ///   - raises: whether the contribution raises the risk.
    /// - Returns: the phrase with placeholders filled.
    public func phrase(column: String, value: String, raises: Bool) -> String {
        let entry = features[column]
        let template = entry?.values[value] ?? (raises ? entry?.raises : entry?.lowers) ?? entry?.text ?? fallback
        return template.replacingOccurrences(of: "{column}", with: column).replacingOccurrences(of: "{value}", with: value)
    }

    /// Loads and validates a phrasing file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the phrasebook.
    /// - Throws: ``RiskError`` naming the field (exit 78), or a missing file (exit 66).
    public static func load(from url: URL) throws(RiskError) -> ReasonPhrasebook {
        try parse(RiskConfigFile.object(at: url), file: url.lastPathComponent)
    }

    /// Validates a decoded phrasing object.
    ///
    /// - Parameters:
    ///   - object: the JSON object.
    ///   - file: the file name for messages.
    /// - Returns: the phrasebook.
    /// - Throws: ``RiskError/invalidField(file:rule:field:reason:)``.
    public static func parse(_ object: [String: RiskJSON], file: String) throws(RiskError) -> ReasonPhrasebook {
        for key in object.keys.sorted() where !["schema", "fallback", "features"].contains(key) {
            throw .invalidField(file: file, rule: nil, field: key, reason: "unknown field (the fields are schema, fallback and features)")
        }
        if let schema = object["schema"], schema != .string("customerheat.risk-phrasing/1") {
            throw .invalidField(file: file, rule: nil, field: "schema", reason: "must be \"customerheat.risk-phrasing/1\" (found \(schema))")
        }
        var fallback = plain.fallback
        if let raw = object["fallback"] {
            guard let text = raw.string, !text.isEmpty else { throw .invalidField(file: file, rule: nil, field: "fallback", reason: "must be a non-empty string (found \(raw))") }
            fallback = text
        }
        var features: [String: Phrases] = [:]
        if let raw = object["features"] {
            guard case .object(let entries) = raw else { throw .invalidField(file: file, rule: nil, field: "features", reason: "must be an object keyed by column (found \(raw))") }
            for (column, value) in entries.sorted(by: { $0.key < $1.key }) {
                let field = "features.\(column)"
                guard case .object(let fields) = value else { throw .invalidField(file: file, rule: nil, field: field, reason: "must be an object (found \(value))") }
                var phrases = Phrases(raises: nil, lowers: nil, text: nil, values: [:])
                for (key, item) in fields.sorted(by: { $0.key < $1.key }) {
                    switch key {
                    case "raises", "lowers", "text":
                        guard let text = item.string, !text.isEmpty else { throw .invalidField(file: file, rule: nil, field: "\(field).\(key)", reason: "must be a non-empty string (found \(item))") }
                        if key == "raises" { phrases.raises = text } else if key == "lowers" { phrases.lowers = text } else { phrases.text = text }
                    case "values":
                        guard case .object(let map) = item else { throw .invalidField(file: file, rule: nil, field: "\(field).values", reason: "must be an object of value -> phrase (found \(item))") }
                        for (cell, phrase) in map {
                            guard let text = phrase.string, !text.isEmpty else { throw .invalidField(file: file, rule: nil, field: "\(field).values.\(cell)", reason: "must be a non-empty string (found \(phrase))") }
                            phrases.values[cell] = text
                        }
                    default:
                        throw .invalidField(file: file, rule: nil, field: "\(field).\(key)", reason: "unknown field (the fields are raises, lowers, text and values)")
                    }
                }
                features[column] = phrases
            }
        }
        return ReasonPhrasebook(features: features, fallback: fallback)
    }
}
