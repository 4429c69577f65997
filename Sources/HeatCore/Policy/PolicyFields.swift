import Foundation

/// A JSON value of a policy file: the shared ``JSONValue``.
typealias PolicyJSON = JSONValue

/// A JSON object of a policy file being read, with the rule and field path used in errors.
struct PolicyFields {
    let values: [String: PolicyJSON]
    let source: String
    let rule: String
    let path: String

    init(_ values: [String: PolicyJSON], source: String, rule: String, path: String) {
        self.values = values
        self.source = source
        self.rule = rule
        self.path = path
    }

    var keys: [String] { values.keys.sorted() }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String) -> PolicyError {
        .invalid(source: source, rule: rule, field: field(key), reason: reason)
    }

    func onlyKeys(_ allowed: Set<String>) throws(PolicyError) {
        for key in keys where !allowed.contains(key) {
            throw error(key, "unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private func value(_ key: String) -> PolicyJSON? {
        guard let value = values[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ key: String) throws(PolicyError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw error(key, "expected a string") }
        return text
    }

    func bool(_ key: String) throws(PolicyError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw error(key, "expected true or false") }
        return flag
    }

    func number(_ key: String) throws(PolicyError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.isFinite else { throw error(key, "expected a number") }
        return number
    }

    func integer(_ key: String) throws(PolicyError) -> Int? {
        guard let value = try number(key) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else { throw error(key, "expected an integer") }
        return Int(value)
    }

    func strings(_ key: String) throws(PolicyError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else { throw error(key, "expected an array of strings") }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard case .string(let text) = element else { throw error("\(key)[\(index)]", "expected a string") }
            result.append(text)
        }
        return result
    }

    func object(_ key: String, rule: String? = nil) throws(PolicyError) -> PolicyFields? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else { throw error(key, "expected an object") }
        if let rule { return PolicyFields(object, source: source, rule: rule, path: "") }
        return PolicyFields(object, source: source, rule: self.rule, path: field(key))
    }
}
