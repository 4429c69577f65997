import Foundation

/// A file of prioritised next actions (`Docs/Analytics.md`, "Next actions"), evaluated per client:
/// the first rule, in priority order (high, medium, low; file order within a priority), whose
/// conditions all hold fires.
///
/// ```json
/// {"schema": "customerheat.actions/1", "name": "bank relationships",
///  "rules": [
///   {"id": "call-48h", "priority": "high", "action": "Call within 48 h",
///    "when": [{"field": "risk_band", "equals": "High"}, {"field": "cooling", "equals": true}]},
///   {"id": "review-meeting", "priority": "medium", "action": "Offer a review meeting",
///    "when": [{"field": "risk_band", "equals": "Medium"}, {"field": "weeks_since_meeting", "atLeast": 13}]}],
///  "otherwise": {"id": "none", "action": "No action", "priority": "low"}}
/// ```
///
/// ```swift
/// let rules = try ActionRules.load(from: URL(filePath: "actions.json"))
/// let fired = rules.evaluate { field in row[field] }
/// ```
public struct ActionRules: Sendable, Equatable {
    /// A rule's priority.
    public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
        /// Act first.
        case high
        /// Act next.
        case medium
        /// Act when there is time.
        case low

        private var rank: Int { self == .high ? 0 : (self == .medium ? 1 : 2) }

        /// High sorts first.
        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
    }

    /// One test on a field of the scored row.
    public struct Condition: Sendable, Equatable {
        /// The comparison.
        public enum Test: Sendable, Equatable {
            /// The cell equals the text (case-insensitive), the number, or the boolean.
            case equals(RiskJSON)
            /// The cell equals one of the values.
            case oneOf([RiskJSON])
            /// The cell is a number `>=` the bound.
            case atLeast(Double)
            /// The cell is a number `<=` the bound.
            case atMost(Double)
            /// The cell is a number `>` the bound.
            case above(Double)
            /// The cell is a number `<` the bound.
            case below(Double)
        }

        /// The column tested.
        public var field: String
        /// The test.
        public var test: Test

        /// Whether a cell passes the test (a missing cell passes none).
        ///
        /// - Parameter cell: the row's cell, or `nil`.
        /// - Returns: whether the condition holds.
        public func holds(_ cell: String?) -> Bool {
            guard let raw = cell?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return false }
            func matches(_ value: RiskJSON) -> Bool {
                switch value {
                case .string(let text): return raw.caseInsensitiveCompare(text) == .orderedSame
                case .number(let number): return Double(raw) == number
                case .bool(let flag):
                    let lower = raw.lowercased()
                    return flag ? ["true", "1", "yes", "y", "t"].contains(lower) : ["false", "0", "no", "n", "f"].contains(lower)
                default: return false
                }
            }
            switch test {
            case .equals(let value): return matches(value)
            case .oneOf(let values): return values.contains(where: matches)
            case .atLeast(let bound): return Double(raw).map { $0 >= bound } ?? false
            case .atMost(let bound): return Double(raw).map { $0 <= bound } ?? false
            case .above(let bound): return Double(raw).map { $0 > bound } ?? false
            case .below(let bound): return Double(raw).map { $0 < bound } ?? false
            }
        }
    }

    /// One rule.
    public struct Rule: Sendable, Equatable {
        /// The rule's unique id (reported with each recommendation).
        public var id: String
        /// The priority.
        public var priority: Priority
        /// The action, for a person.
        public var action: String
        /// The conditions, all of which must hold (none: always fires).
        public var conditions: [Condition]
    }

    /// The rule set's name.
    public var name: String
    /// The rules in evaluation order (priority, then file order).
    public var rules: [Rule]
    /// The recommendation when no rule fires (`nil`: none).
    public var otherwise: Rule?
    /// The file name, for messages.
    public var file: String

    /// The rule that fires for a row: the first, in ``rules`` order, whose conditions all hold,
    /// else ``otherwise``.
    ///
    /// - Parameter cell: the row's cell of a field (`nil` when empty).
    /// - Returns: the rule, or `nil` when none fires and there is no `otherwise`.
    public func evaluate(_ cell: (String) -> String?) -> Rule? {
        rules.first { rule in rule.conditions.allSatisfy { $0.holds(cell($0.field)) } } ?? otherwise
    }

    /// Every field the rules test, sorted.
    public var fields: [String] { Array(Set(rules.flatMap { $0.conditions.map(\.field) })).sorted() }

    /// Checks that the data has every field a rule tests.
    ///
    /// - Parameters:
    ///   - columns: the data's columns.
    ///   - source: the data file name, for messages.
    /// - Throws: ``RiskError/unknownDataField(file:rule:field:source:)`` naming the first rule and field.
    public func check(columns: Set<String>, source: String) throws(RiskError) {
        for rule in rules {
            for condition in rule.conditions where !columns.contains(condition.field) {
                throw .unknownDataField(file: file, rule: rule.id, field: condition.field, source: source)
            }
        }
    }

    /// Loads and validates a rule file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the rules.
    /// - Throws: ``RiskError`` naming the rule and field (exit 78), or a missing file (exit 66).
    public static func load(from url: URL) throws(RiskError) -> ActionRules {
        try parse(RiskConfigFile.object(at: url), file: url.lastPathComponent)
    }

    /// Loads and validates a rule file's bytes.
    ///
    /// - Parameters:
    ///   - data: the JSON.
    ///   - file: the name for messages.
    /// - Returns: the rules.
    /// - Throws: ``RiskError`` naming the rule and field.
    public static func parse(_ data: Data, file: String) throws(RiskError) -> ActionRules {
        try parse(RiskConfigFile.object(data, file: file), file: file)
    }

    static let schema = "customerheat.actions/1"

    /// Validates a decoded rule object.
    ///
    /// - Parameters:
    ///   - object: the JSON object.
    ///   - file: the file name for messages.
    /// - Returns: the rules.
    /// - Throws: ``RiskError/invalidField(file:rule:field:reason:)``.
    public static func parse(_ object: [String: RiskJSON], file: String) throws(RiskError) -> ActionRules {
        for key in object.keys.sorted() where !["schema", "name", "rules", "otherwise"].contains(key) {
            throw .invalidField(file: file, rule: nil, field: key, reason: "unknown field (the fields are schema, name, rules and otherwise)")
        }
        guard let schema = object["schema"] else { throw .invalidField(file: file, rule: nil, field: "schema", reason: "missing (write \"\(Self.schema)\")") }
        guard schema == .string(Self.schema) else { throw .invalidField(file: file, rule: nil, field: "schema", reason: "must be \"\(Self.schema)\" (found \(schema))") }
        var name = file
        if let raw = object["name"] {
            guard let text = raw.string, !text.isEmpty else { throw .invalidField(file: file, rule: nil, field: "name", reason: "must be a non-empty string (found \(raw))") }
            name = text
        }
        guard let rawRules = object["rules"] else { throw .invalidField(file: file, rule: nil, field: "rules", reason: "missing (an array of rules)") }
        guard case .array(let items) = rawRules else { throw .invalidField(file: file, rule: nil, field: "rules", reason: "must be an array of rules (found \(rawRules))") }
        guard !items.isEmpty else { throw .invalidField(file: file, rule: nil, field: "rules", reason: "is empty (write at least one rule)") }
        var rules: [Rule] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let rule = try parseRule(item, position: index + 1, file: file, conditionsRequired: true)
            guard seen.insert(rule.id).inserted else { throw .invalidField(file: file, rule: rule.id, field: "id", reason: "is used by an earlier rule (ids must be unique)") }
            rules.append(rule)
        }
        var otherwise: Rule?
        if let raw = object["otherwise"] {
            let rule = try parseRule(raw, position: nil, file: file, conditionsRequired: false)
            guard rule.conditions.isEmpty else { throw .invalidField(file: file, rule: rule.id, field: "when", reason: "the otherwise rule has no conditions") }
            guard !seen.contains(rule.id) else { throw .invalidField(file: file, rule: rule.id, field: "id", reason: "is used by an earlier rule (ids must be unique)") }
            otherwise = rule
        }
        let ordered = rules.enumerated().sorted { $0.element.priority != $1.element.priority ? $0.element.priority < $1.element.priority : $0.offset < $1.offset }.map(\.element)
        return ActionRules(name: name, rules: ordered, otherwise: otherwise, file: file)
    }

    private static func parseRule(_ value: RiskJSON, position: Int?, file: String, conditionsRequired: Bool) throws(RiskError) -> Rule {
        let label = position.map { "#\($0)" } ?? "otherwise"
        guard case .object(let fields) = value else { throw .invalidField(file: file, rule: label, field: "rule", reason: "must be an object (found \(value))") }
        guard let rawID = fields["id"] else { throw .invalidField(file: file, rule: label, field: "id", reason: "missing (every rule needs a unique id)") }
        guard let id = rawID.string, !id.isEmpty else { throw .invalidField(file: file, rule: label, field: "id", reason: "must be a non-empty string (found \(rawID))") }
        for key in fields.keys.sorted() where !["id", "priority", "action", "when", "note"].contains(key) {
            throw .invalidField(file: file, rule: id, field: key, reason: "unknown field (the fields are id, priority, action, when and note)")
        }
        guard let rawPriority = fields["priority"] else { throw .invalidField(file: file, rule: id, field: "priority", reason: "missing (high, medium or low)") }
        guard let priority = rawPriority.string.flatMap(Priority.init(rawValue:)) else {
            throw .invalidField(file: file, rule: id, field: "priority", reason: "must be high, medium or low (found \(rawPriority))")
        }
        guard let rawAction = fields["action"] else { throw .invalidField(file: file, rule: id, field: "action", reason: "missing (the recommended action)") }
        guard let action = rawAction.string, !action.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidField(file: file, rule: id, field: "action", reason: "must be a non-empty string (found \(rawAction))")
        }
        if let note = fields["note"], note.string == nil { throw .invalidField(file: file, rule: id, field: "note", reason: "must be a string (found \(note))") }
        var conditions: [Condition] = []
        if let rawWhen = fields["when"] {
            guard case .array(let tests) = rawWhen else { throw .invalidField(file: file, rule: id, field: "when", reason: "must be an array of conditions (found \(rawWhen))") }
            if conditionsRequired && tests.isEmpty { throw .invalidField(file: file, rule: id, field: "when", reason: "is empty (a rule without conditions always fires: use otherwise)") }
            for (k, test) in tests.enumerated() {
                conditions.append(try parseCondition(test, rule: id, path: "when[\(k)]", file: file))
            }
        } else if conditionsRequired {
            throw .invalidField(file: file, rule: id, field: "when", reason: "missing (an array of conditions)")
        }
        return Rule(id: id, priority: priority, action: action, conditions: conditions)
    }

    private static let operators = ["equals", "in", "atLeast", "atMost", "above", "below"]

    private static func parseCondition(_ value: RiskJSON, rule: String, path: String, file: String) throws(RiskError) -> Condition {
        guard case .object(let fields) = value else { throw .invalidField(file: file, rule: rule, field: path, reason: "must be an object such as {\"field\": \"risk_band\", \"equals\": \"High\"} (found \(value))") }
        guard let rawField = fields["field"] else { throw .invalidField(file: file, rule: rule, field: "\(path).field", reason: "missing (the column to test)") }
        guard let field = rawField.string, !field.isEmpty else { throw .invalidField(file: file, rule: rule, field: "\(path).field", reason: "must be a non-empty string (found \(rawField))") }
        for key in fields.keys.sorted() where key != "field" && !operators.contains(key) {
            throw .invalidField(file: file, rule: rule, field: "\(path).\(key)", reason: "unknown operator (use one of \(operators.joined(separator: ", ")))")
        }
        let present = operators.filter { fields[$0] != nil }
        guard present.count == 1, let op = present.first, let operand = fields[op] else {
            throw .invalidField(file: file, rule: rule, field: path, reason: present.isEmpty ? "has no operator (use one of \(operators.joined(separator: ", ")))" : "has \(present.count) operators (\(present.joined(separator: ", "))): write one per condition")
        }
        func scalar(_ v: RiskJSON) -> Bool { if case .string = v { return true }; if case .number = v { return true }; if case .bool = v { return true }; return false }
        switch op {
        case "equals":
            guard scalar(operand) else { throw .invalidField(file: file, rule: rule, field: "\(path).equals", reason: "must be a string, number or boolean (found \(operand))") }
            return Condition(field: field, test: .equals(operand))
        case "in":
            guard case .array(let values) = operand, !values.isEmpty, values.allSatisfy(scalar) else {
                throw .invalidField(file: file, rule: rule, field: "\(path).in", reason: "must be a non-empty array of strings, numbers or booleans (found \(operand))")
            }
            return Condition(field: field, test: .oneOf(values))
        default:
            guard let bound = operand.number, bound.isFinite else { throw .invalidField(file: file, rule: rule, field: "\(path).\(op)", reason: "must be a number (found \(operand))") }
            switch op {
            case "atLeast": return Condition(field: field, test: .atLeast(bound))
            case "atMost": return Condition(field: field, test: .atMost(bound))
            case "above": return Condition(field: field, test: .above(bound))
            default: return Condition(field: field, test: .below(bound))
            }
        }
    }
}
