/// One test of a persona rule on one feature: a numeric comparison with a threshold, a
/// category test against a list of values, or a missing / present test.
///
/// A numeric comparison or a category test on a missing value is false; `notIn` is true only for
/// a present value outside the list.
///
/// ```swift
/// let condition = PersonaCondition(feature: "tenure_weeks", op: .atLeast, value: 104)
/// condition.holds(for: .number(120))   // true
/// ```
public struct PersonaCondition: Sendable, Codable, Equatable {
    /// The comparison.
    public enum Operator: String, Sendable, Codable, Equatable, CaseIterable {
        /// `feature < value`.
        case below = "<"
        /// `feature <= value`.
        case atMost = "<="
        /// `feature > value`.
        case above = ">"
        /// `feature >= value`.
        case atLeast = ">="
        /// `feature == value` (numbers).
        case equal = "=="
        /// `feature != value` (numbers; false for a missing value).
        case notEqual = "!="
        /// The feature's text is one of `values`.
        case isIn = "in"
        /// The feature's text is present and none of `values`.
        case notIn = "notIn"
        /// The feature is missing (an empty cell).
        case missing = "missing"
        /// The feature is present.
        case present = "present"

        /// Whether the operator compares numbers (needs `value`).
        public var isNumeric: Bool { [.below, .atMost, .above, .atLeast, .equal, .notEqual].contains(self) }
        /// Whether the operator tests categories (needs `values`).
        public var isCategorical: Bool { self == .isIn || self == .notIn }
    }

    /// The feature (column) tested.
    public var feature: String
    /// The comparison.
    public var op: Operator
    /// The threshold of a numeric comparison.
    public var value: Double?
    /// The categories of `in` / `notIn`.
    public var values: [String]?

    /// Creates a condition.
    ///
    /// - Parameters:
    ///   - feature: the column.
    ///   - op: the comparison.
    ///   - value: the numeric threshold (numeric operators).
    ///   - values: the categories (`in` / `notIn`).
    public init(feature: String, op: Operator, value: Double? = nil, values: [String]? = nil) {
        self.feature = feature
        self.op = op
        self.value = value
        self.values = values
    }

    /// Whether the condition holds for a value of its feature.
    ///
    /// - Parameter input: the feature's value in the row.
    /// - Returns: the outcome of the test.
    public func holds(for input: PersonaValue) -> Bool {
        switch op {
        case .missing: return input.isMissing
        case .present: return !input.isMissing
        case .isIn, .notIn:
            guard let text = input.text else { return false }
            let member = (values ?? []).contains(text)
            return op == .isIn ? member : !member
        default:
            guard let x = input.number, let v = value else { return false }
            switch op {
            case .below: return x < v
            case .atMost: return x <= v
            case .above: return x > v
            case .atLeast: return x >= v
            case .equal: return x == v
            default: return x != v
            }
        }
    }
}

/// The value of one feature in one row, as persona rules see it.
///
/// ```swift
/// let heat: PersonaValue = .number(1520)
/// let level: PersonaValue = .text("warm")
/// ```
public enum PersonaValue: Sendable, Equatable {
    /// A number (also matched by `in` through its text form).
    case number(Double)
    /// A category or other text.
    case text(String)
    /// An empty cell.
    case missing

    /// Whether the value is missing.
    public var isMissing: Bool { self == .missing }

    /// The number, if the value is one.
    public var number: Double? {
        if case let .number(x) = self { return x }
        return nil
    }

    /// The text form (a whole number prints without a fraction: `3`, not `3.0`).
    public var text: String? {
        switch self {
        case let .text(s): return s
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .missing: return nil
        }
    }
}
