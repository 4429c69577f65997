import Foundation
import HeatEnvelope

/// One persona rule: when every condition holds, the row gets the rule's label.
///
/// ```swift
/// let rule = PersonaRule(id: "new", label: "New", description: "Joined in the last six months",
///                        traits: ["onboarding"], when: [PersonaCondition(feature: "tenure_weeks", op: .below, value: 26)])
/// ```
public struct PersonaRule: Sendable, Codable, Equatable {
    /// A unique identifier (reported per row as the rule that fired).
    public var id: String
    /// The persona's label.
    public var label: String
    /// One sentence describing the persona.
    public var description: String
    /// Short traits shown beside the label.
    public var traits: [String]
    /// The conditions, all of which must hold (an empty list always fires).
    public var when: [PersonaCondition]

    /// Creates a rule.
    ///
    /// - Parameters:
    ///   - id: unique identifier.
    ///   - label: the persona label.
    ///   - description: a sentence.
    ///   - traits: short traits.
    ///   - when: the conditions.
    public init(id: String, label: String, description: String, traits: [String] = [], when: [PersonaCondition]) {
        self.id = id
        self.label = label
        self.description = description
        self.traits = traits
        self.when = when
    }
}

/// Ordered persona rules over features, read from a JSON file: the first rule whose conditions
/// all hold gives a row its persona, and the rule that fired is reported beside it.
///
/// File format (`customerheat.personas/1`, see `Docs/ML.md`):
///
/// ```json
/// {"schema": "customerheat.personas/1", "name": "bank",
///  "rules": [{"id": "new", "label": "New", "description": "Joined in the last six months.",
///             "traits": ["onboarding"], "when": [{"feature": "tenure_weeks", "op": "<", "value": 26}]}],
///  "fallback": {"id": "steady", "label": "Steady", "description": "No rule fired."}}
/// ```
///
/// Every problem in a file is an error naming the rule and the field (``PersonaRulesError``,
/// exit 78). Two rule sets are built in: ``bank`` and ``retail``.
///
/// ```swift
/// let rules = try PersonaRules(contentsOf: URL(filePath: "rules.json"))
/// let table = try DataTable(contentsOf: URL(filePath: "clients.csv"))
/// for assignment in try rules.assign(table) { print(assignment.label, assignment.ruleID) }
/// ```
public struct PersonaRules: Sendable, Codable, Equatable {
    /// The format identifier.
    public static let schema = "customerheat.personas/1"

    /// The rule set's name.
    public var name: String
    /// The rules, in the order they are tried.
    public var rules: [PersonaRule]
    /// The persona of rows no rule matches (its conditions are ignored), or `nil` to leave them unassigned.
    public var fallback: PersonaRule?

    /// Creates a rule set (no validation; see ``init(data:source:)``).
    ///
    /// - Parameters:
    ///   - name: the set's name.
    ///   - rules: ordered rules.
    ///   - fallback: the persona of unmatched rows.
    public init(name: String, rules: [PersonaRule], fallback: PersonaRule? = nil) {
        self.name = name
        self.rules = rules
        self.fallback = fallback
    }

    /// Reads and checks a rule file.
    ///
    /// - Parameter url: the JSON file.
    /// - Throws: ``PersonaRulesError`` for a bad file, `HeatMLError.missingFile` when absent.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { throw HeatMLError.missingFile(path: url.path) }
        try ReaderLimits.current.checkFileSize(of: url, .configBytes, category: .configuration)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw HeatMLError.unreadableFile(path: url.path, reason: error.localizedDescription) }
        try self.init(data: data, source: url.path)
    }

    /// Parses and checks a rule file's JSON, naming the rule and field of the first problem.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: the file name for messages.
    /// - Throws: ``PersonaRulesError``.
    public init(data: Data, source: String) throws(PersonaRulesError) {
        guard let object = try? JSONSerialization.jsonObject(with: data), let root = object as? [String: Any] else { throw .notJSON(source: source) }
        try Self.onlyKnown(root, ["schema", "name", "rules", "fallback"], source: source, rule: nil, prefix: "")
        if let schema = root["schema"] {
            guard let text = schema as? String else { throw .wrongType(source: source, rule: nil, field: "schema", expected: "a string") }
            guard text == Self.schema else { throw .unsupportedSchema(source: source, schema: text) }
        }
        var name = "rules"
        if let value = root["name"] {
            guard let text = value as? String else { throw .wrongType(source: source, rule: nil, field: "name", expected: "a string") }
            name = text
        }
        guard let rawRules = root["rules"] else { throw .missingField(source: source, rule: nil, field: "rules") }
        guard let list = rawRules as? [Any] else { throw .wrongType(source: source, rule: nil, field: "rules", expected: "an array of rules") }
        guard !list.isEmpty else { throw .noRules(source: source) }
        var rules: [PersonaRule] = []
        var seen: Set<String> = []
        for (index, item) in list.enumerated() {
            let rule = try Self.parseRule(item, position: "rules[\(index)]", source: source, isFallback: false)
            guard seen.insert(rule.id).inserted else { throw .duplicateRule(source: source, rule: "'\(rule.id)' (rules[\(index)])") }
            rules.append(rule)
        }
        var fallback: PersonaRule?
        if let raw = root["fallback"] {
            let rule = try Self.parseRule(raw, position: "fallback", source: source, isFallback: true)
            guard !seen.contains(rule.id) else { throw .duplicateRule(source: source, rule: "'\(rule.id)' (fallback)") }
            fallback = rule
        }
        self.init(name: name, rules: rules, fallback: fallback)
    }

    private static func onlyKnown(_ object: [String: Any], _ known: Set<String>, source: String, rule: String?, prefix: String) throws(PersonaRulesError) {
        if let extra = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .unknownField(source: source, rule: rule, field: prefix + extra)
        }
    }

    private static func parseRule(_ item: Any, position: String, source: String, isFallback: Bool) throws(PersonaRulesError) -> PersonaRule {
        guard let object = item as? [String: Any] else { throw .wrongType(source: source, rule: nil, field: position, expected: "an object") }
        let id = object["id"] as? String
        let name = id.map { "'\($0)' (\(position))" } ?? position
        try onlyKnown(object, ["id", "label", "description", "traits", "when"], source: source, rule: name, prefix: "")
        func text(_ key: String, required: Bool) throws(PersonaRulesError) -> String? {
            guard let value = object[key] else {
                if required { throw .missingField(source: source, rule: name, field: key) }
                return nil
            }
            guard let string = value as? String else { throw .wrongType(source: source, rule: name, field: key, expected: "a string") }
            guard !string.trimmingCharacters(in: .whitespaces).isEmpty else { throw .badValue(source: source, rule: name, field: key, reason: "must not be empty") }
            return string
        }
        let ruleID = try text("id", required: true) ?? ""
        let label = try text("label", required: true) ?? ""
        let description = try text("description", required: false) ?? ""
        var traits: [String] = []
        if let raw = object["traits"] {
            guard let list = raw as? [Any], list.allSatisfy({ $0 is String }) else {
                throw .wrongType(source: source, rule: name, field: "traits", expected: "an array of strings")
            }
            traits = list.compactMap { $0 as? String }
        }
        var conditions: [PersonaCondition] = []
        if let raw = object["when"] {
            guard let list = raw as? [Any] else { throw .wrongType(source: source, rule: name, field: "when", expected: "an array of conditions") }
            for (index, entry) in list.enumerated() {
                conditions.append(try parseCondition(entry, field: "when[\(index)]", rule: name, source: source))
            }
        } else if !isFallback {
            throw .missingField(source: source, rule: name, field: "when")
        }
        return PersonaRule(id: ruleID, label: label, description: description, traits: traits, when: conditions)
    }

    private static func parseCondition(_ entry: Any, field: String, rule: String, source: String) throws(PersonaRulesError) -> PersonaCondition {
        guard let object = entry as? [String: Any] else { throw .wrongType(source: source, rule: rule, field: field, expected: "an object") }
        try onlyKnown(object, ["feature", "op", "value", "values"], source: source, rule: rule, prefix: "\(field).")
        guard let rawFeature = object["feature"] else { throw .missingField(source: source, rule: rule, field: "\(field).feature") }
        guard let feature = rawFeature as? String, !feature.isEmpty else { throw .wrongType(source: source, rule: rule, field: "\(field).feature", expected: "a column name") }
        guard let rawOp = object["op"] else { throw .missingField(source: source, rule: rule, field: "\(field).op") }
        guard let opText = rawOp as? String else { throw .wrongType(source: source, rule: rule, field: "\(field).op", expected: "a string") }
        guard let op = PersonaCondition.Operator(rawValue: opText) else { throw .unknownOperator(source: source, rule: rule, field: "\(field).op", op: opText) }
        var value: Double?
        var values: [String]?
        if op.isNumeric {
            guard let raw = object["value"] else { throw .missingField(source: source, rule: rule, field: "\(field).value") }
            guard let number = raw as? NSNumber else {
                throw .wrongType(source: source, rule: rule, field: "\(field).value", expected: "a number (operator '\(opText)' compares numbers)")
            }
            guard number.doubleValue.isFinite else { throw .badValue(source: source, rule: rule, field: "\(field).value", reason: "must be a finite number") }
            if object["values"] != nil { throw .badValue(source: source, rule: rule, field: "\(field).values", reason: "operator '\(opText)' takes 'value', not 'values'") }
            value = number.doubleValue
        } else if op.isCategorical {
            guard let raw = object["values"] else { throw .missingField(source: source, rule: rule, field: "\(field).values") }
            guard let list = raw as? [Any], list.allSatisfy({ $0 is String }) else {
                throw .wrongType(source: source, rule: rule, field: "\(field).values", expected: "an array of strings")
            }
            guard !list.isEmpty else { throw .badValue(source: source, rule: rule, field: "\(field).values", reason: "must list at least one category") }
            if object["value"] != nil { throw .badValue(source: source, rule: rule, field: "\(field).value", reason: "operator '\(opText)' takes 'values', not 'value'") }
            values = list.compactMap { $0 as? String }
        } else if object["value"] != nil || object["values"] != nil {
            throw .badValue(source: source, rule: rule, field: "\(field).\(object["value"] != nil ? "value" : "values")", reason: "operator '\(opText)' takes no value")
        }
        return PersonaCondition(feature: feature, op: op, value: value, values: values)
    }

    /// The features (columns) the rules test, in first-use order.
    public var features: [String] {
        var seen: Set<String> = []
        return rules.flatMap { $0.when.map(\.feature) }.filter { seen.insert($0).inserted }
    }

    /// The index of the first rule that holds for a row, or `nil` when none does.
    ///
    /// - Parameter value: the row's value of a feature.
    /// - Returns: the index in ``rules``.
    public func firstMatch(_ value: (String) -> PersonaValue) -> Int? {
        rules.firstIndex { rule in rule.when.allSatisfy { $0.holds(for: value($0.feature)) } }
    }

    /// The persona of one row given its features by name.
    ///
    /// - Parameter features: feature values by name (an absent name is missing).
    /// - Returns: the assignment (row 0).
    public func assign(_ features: [String: PersonaValue]) -> PersonaAssignment {
        assignment(row: 0, match: firstMatch { features[$0] ?? .missing })
    }

    private func assignment(row: Int, match: Int?) -> PersonaAssignment {
        if let match { return PersonaAssignment(row: row, rule: rules[match]) }
        if let fallback { return PersonaAssignment(row: row, rule: fallback) }
        return PersonaAssignment(row: row, ruleID: nil, label: nil)
    }

    /// The persona of every row of a table, with the rule that fired.
    ///
    /// Numeric comparisons read a column as numbers (an empty cell is missing); `in` / `notIn`
    /// compare the cell's trimmed text.
    ///
    /// - Parameter table: the rows.
    /// - Returns: one assignment per row, in order.
    /// - Throws: ``PersonaRulesError/missingFeature(source:rule:feature:)`` when a tested column is
    ///   absent, ``PersonaRulesError/notNumeric(source:rule:feature:line:value:)`` for text compared as a number.
    public func assign(_ table: DataTable) throws(PersonaRulesError) -> [PersonaAssignment] {
        var numeric: Set<String> = []
        var firstRule: [String: String] = [:]
        for rule in rules {
            for condition in rule.when {
                if firstRule[condition.feature] == nil { firstRule[condition.feature] = "'\(rule.id)'" }
                if condition.op.isNumeric { numeric.insert(condition.feature) }
            }
        }
        var columns: [String: [PersonaValue]] = [:]
        for feature in features {
            let rule = firstRule[feature] ?? "?"
            guard let column = table.columns.first(where: { $0.name == feature }) else {
                throw .missingFeature(source: table.source, rule: rule, feature: feature)
            }
            let raw = column.raw
            var values: [PersonaValue] = []
            values.reserveCapacity(raw.count)
            for (row, cell) in raw.enumerated() {
                let text = (cell ?? "").trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    values.append(.missing)
                } else if let number = Double(text), number.isFinite, !text.lowercased().hasPrefix("0x") {
                    values.append(.number(number))
                } else if numeric.contains(feature) {
                    let numericRule = rules.first { $0.when.contains { $0.feature == feature && $0.op.isNumeric } }.map { "'\($0.id)'" } ?? rule
                    throw .notNumeric(source: table.source, rule: numericRule, feature: feature, line: table.lines[row], value: text)
                } else {
                    values.append(.text(text))
                }
            }
            columns[feature] = values
        }
        return (0..<table.rowCount).map { row in
            assignment(row: row, match: firstMatch { columns[$0]?[row] ?? .missing })
        }
    }

    /// The rule set as pretty-printed JSON in the file format (sorted keys).
    ///
    /// - Returns: the JSON bytes.
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct File: Encodable {
            var schema: String
            var name: String
            var rules: [PersonaRule]
            var fallback: PersonaRule?
        }
        return (try? encoder.encode(File(schema: Self.schema, name: name, rules: rules, fallback: fallback))) ?? Data()
    }
}

/// The persona given to one row and the rule that fired.
///
/// ```swift
/// let assignment = rules.assign(["heat": .number(2400), "level": .text("hot")])
/// print(assignment.label ?? "-", assignment.ruleID ?? "-")
/// ```
public struct PersonaAssignment: Sendable, Codable, Equatable {
    /// The row index.
    public var row: Int
    /// The `id` of the rule that fired (the fallback's when none did; `nil` without fallback).
    public var ruleID: String?
    /// The persona label (`nil` when no rule fired and there is no fallback).
    public var label: String?

    /// Creates an assignment.
    ///
    /// - Parameters:
    ///   - row: the row index.
    ///   - ruleID: the rule that fired.
    ///   - label: the persona label.
    public init(row: Int, ruleID: String?, label: String?) {
        self.row = row
        self.ruleID = ruleID
        self.label = label
    }

    init(row: Int, rule: PersonaRule) {
        self.init(row: row, ruleID: rule.id, label: rule.label)
    }
}
