import HeatEnvelope

/// What is wrong with a persona rule file, naming the rule (its `id`, or `rules[N]`) and the
/// field; or which rule needs a column the data lacks.
///
/// Rule-file problems are configuration errors (exit 78); a data file without a column a rule
/// tests, or with text where a rule compares numbers, is bad input data (exit 65).
///
/// ```swift
/// do { _ = try PersonaRules(data: bytes, source: "rules.json") }
/// catch { print(error.description) }   // "rules.json: rule 'loyal' (rules[0]), field 'when[1].op': ..."
/// ```
public enum PersonaRulesError: ClassifiedError, Equatable {
    /// The file is not a JSON object.
    case notJSON(source: String)
    /// The `schema` field names another format.
    case unsupportedSchema(source: String, schema: String)
    /// A required field is absent.
    case missingField(source: String, rule: String?, field: String)
    /// A field has the wrong JSON type.
    case wrongType(source: String, rule: String?, field: String, expected: String)
    /// A field is not part of the format (often a typo such as `lable`).
    case unknownField(source: String, rule: String?, field: String)
    /// A condition's `op` is not a known operator.
    case unknownOperator(source: String, rule: String, field: String, op: String)
    /// A field has a value that cannot be used (an empty label, an empty `values` list, ...).
    case badValue(source: String, rule: String?, field: String, reason: String)
    /// Two rules share an `id`.
    case duplicateRule(source: String, rule: String)
    /// The file has no rule.
    case noRules(source: String)
    /// The data has no column a rule tests.
    case missingFeature(source: String, rule: String, feature: String)
    /// A rule compares a column as numbers but the data holds text there.
    case notNumeric(source: String, rule: String, feature: String, line: Int, value: String)

    /// Configuration (exit 78) for rule-file problems, bad data (exit 65) for data mismatches.
    public var category: ErrorCategory {
        switch self {
        case .missingFeature, .notNumeric: .dataError
        default: .configuration
        }
    }

    private static func place(_ rule: String?, _ field: String) -> String {
        (rule.map { "rule \($0), " } ?? "") + "field '\(field)'"
    }

    /// A one-sentence description naming the file, the rule and the field.
    public var description: String {
        switch self {
        case let .notJSON(source): "\(source): not a JSON object"
        case let .unsupportedSchema(source, schema): "\(source): field 'schema': '\(schema)' is not customerheat.personas/1"
        case let .missingField(source, rule, field): "\(source): \(Self.place(rule, field)) is missing"
        case let .wrongType(source, rule, field, expected): "\(source): \(Self.place(rule, field)) must be \(expected)"
        case let .unknownField(source, rule, field): "\(source): \(Self.place(rule, field)) is not a known field"
        case let .unknownOperator(source, rule, field, op):
            "\(source): \(Self.place(rule, field)): unknown operator '\(op)' (expected one of \(PersonaCondition.Operator.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .badValue(source, rule, field, reason): "\(source): \(Self.place(rule, field)): \(reason)"
        case let .duplicateRule(source, rule): "\(source): rule \(rule) is defined twice (field 'id' must be unique)"
        case let .noRules(source): "\(source): field 'rules' holds no rule"
        case let .missingFeature(source, rule, feature): "\(source): no column '\(feature)', which rule \(rule) tests"
        case let .notNumeric(source, rule, feature, line, value):
            "\(source):\(line): column '\(feature)': value '\(value)' is not a number, but rule \(rule) compares it as one"
        }
    }

    /// A short suggestion for fixing the failure.
    public var hint: String? {
        switch self {
        case .unknownOperator: "numeric operators take 'value': a number; 'in' / 'notIn' take 'values': [strings]; 'missing' / 'present' take nothing"
        case .unknownField: "a rule has id, label, description, traits and when; a condition has feature, op, value or values"
        case .missingFeature: "add the column to the data or change the rule (names are case-sensitive)"
        case .notJSON, .wrongType, .missingField, .badValue, .duplicateRule, .noRules, .unsupportedSchema: "see Docs/ML.md, section Personas"
        case .notNumeric: "leave the cell empty for a missing value, or use 'in' to compare text"
        }
    }
}
