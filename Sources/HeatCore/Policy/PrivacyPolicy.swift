import Crypto
import Foundation
import HeatEnvelope

/// A release policy (`customerheat.policy/1`): which role may receive which results, over groups of
/// at least ``minGroupSize`` clients, with an optional differential-privacy budget per role.
///
/// The policy is **default-deny**: a role that is not listed receives nothing (its requests are
/// refused), and every permission a role does not state is off. The JSON format, every field and
/// the guarantees are documented in `Docs/Privacy.md`; `Examples/policy.json` is a complete example.
/// Loading is strict: an unknown key, a wrong type or an out-of-range value is a
/// ``PolicyError`` naming the rule (role) and the field (exit 78).
///
/// ```swift
/// let policy = try PrivacyPolicy.load(from: URL(filePath: "Examples/policy.json"))
/// let executive = try policy.permissions(for: "executive")
/// executive.groups.contains(.branch)   // true
/// ```
public struct PrivacyPolicy: Sendable, Equatable {
    /// The schema identifier of policy files.
    public static let schema = "customerheat.policy/1"
    /// The default smallest group (`k`).
    public static let defaultMinGroupSize = 5

    /// The policy's name (recorded in every results document).
    public var name: String
    /// The smallest group an aggregate (group, histogram bin, population) may cover: `k`.
    public var minGroupSize: Int
    /// What happens to a group that could be subtracted from an earlier release to isolate fewer
    /// than ``minGroupSize`` clients.
    public var differencing: DifferencingAction
    /// The public parameters of the differential-privacy mechanism.
    public var privacy: NoiseSettings
    /// The roles by name.
    public var roles: [String: RolePermissions]
    /// SHA-256 (lower-case hex) of the policy file's bytes, as recorded in the audit log.
    public var hash: String

    /// What a release does with a group that fails the differencing check.
    public enum DifferencingAction: String, Sendable, Equatable, CaseIterable {
        /// Withhold the group and release the rest.
        case suppress
        /// Refuse the whole release (exit 77).
        case refuse
    }

    /// The public settings of the noise mechanism (DESIGN.md section 1).
    public struct NoiseSettings: Sendable, Equatable {
        /// Each client's heat is clipped to `0...heatClip` in noisy sums (the public clipping bound).
        public var heatClip: Int
        /// Each client's trend is clipped to `-trendClip...trendClip` in noisy sums.
        public var trendClip: Int
        /// A release is refused when the expected absolute noise of a population value exceeds this
        /// share of the value (and a group is withheld when its own values would).
        public var maxNoiseShare: Double

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - heatClip: the clipping bound of heat (default 20,000).
        ///   - trendClip: the clipping bound of trend (default 10,000).
        ///   - maxNoiseShare: the largest expected noise as a share of the value (default 0.5).
        public init(heatClip: Int = 20_000, trendClip: Int = 10_000, maxNoiseShare: Double = 0.5) {
            self.heatClip = heatClip
            self.trendClip = trendClip
            self.maxNoiseShare = maxNoiseShare
        }
    }

    /// Creates a policy in code.
    ///
    /// - Parameters:
    ///   - name: the policy's name.
    ///   - minGroupSize: `k` (default 5).
    ///   - differencing: suppress (default) or refuse.
    ///   - privacy: the noise settings.
    ///   - roles: the roles by name.
    ///   - hash: the hash recorded for the policy (default: SHA-256 of the name, for policies built in code).
    public init(
        name: String, minGroupSize: Int = defaultMinGroupSize, differencing: DifferencingAction = .suppress,
        privacy: NoiseSettings = NoiseSettings(), roles: [String: RolePermissions], hash: String? = nil
    ) {
        self.name = name
        self.minGroupSize = minGroupSize
        self.differencing = differencing
        self.privacy = privacy
        self.roles = roles
        self.hash = hash ?? Hex.encode(Array(SHA256.hash(data: Array("customerheat.policy/in-code:\(name)".utf8))))
    }

    /// The permissions of `role`.
    ///
    /// - Parameter role: the role's name.
    /// - Returns: its permissions.
    /// - Throws: ``PolicyRefusal`` with rule `roles.<role>` when the policy does not name the role
    ///   (default-deny).
    public func permissions(for role: String) throws(PolicyRefusal) -> RolePermissions {
        guard let permissions = roles[role] else {
            throw PolicyRefusal(rule: "roles.\(role)", reason: "the policy \"\(name)\" names no role \"\(role)\" (default-deny); roles: \(roles.keys.sorted().joined(separator: ", "))")
        }
        return permissions
    }

    /// The summary recorded in a results document released under this policy.
    ///
    /// - Parameter epsilon: the epsilon spent, or `nil` without noise.
    /// - Returns: name, `k`, epsilon and hash.
    public func summary(epsilon: Double?) -> PolicySummary {
        var summary = PolicySummary(name: name, minGroupSize: minGroupSize, epsilon: epsilon)
        summary.hash = hash
        return summary
    }

    // MARK: Loading

    /// Loads and validates a policy file.
    ///
    /// - Parameter url: the JSON file.
    /// - Returns: the policy, with ``hash`` the SHA-256 of the file's bytes.
    /// - Throws: ``PolicyError`` (exit 66 when missing, 78 when invalid).
    public static func load(from url: URL) throws(PolicyError) -> PrivacyPolicy {
        do {
            try ReaderLimits.current.checkFileSize(of: url, .configBytes, category: .configuration)
        } catch {
            throw .invalid(source: url.path, rule: "file", field: "size", reason: error.reason)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .missingFile(path: url.path)
        }
        return try parse(data, source: url.path)
    }

    /// Parses and validates a policy document.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: the file name used in error messages.
    /// - Returns: the policy, with ``hash`` the SHA-256 of `data`.
    /// - Throws: ``PolicyError/invalid(source:rule:field:reason:)`` naming the rule and field (exit 78).
    public static func parse(_ data: Data, source: String = "<policy>") throws(PolicyError) -> PrivacyPolicy {
        guard let object = try? JSONDecoder().decode(PolicyJSON.self, from: data), case .object(let root) = object else {
            throw .invalid(source: source, rule: "policy", field: "(top level)", reason: "not a JSON object")
        }
        let top = PolicyFields(root, source: source, rule: "policy", path: "")
        try top.onlyKeys(["schema", "name", "minGroupSize", "differencing", "dp", "roles"])
        let schema = try top.string("schema")
        guard schema == Self.schema else {
            throw .invalid(source: source, rule: "policy", field: "schema", reason: "expected \"\(Self.schema)\", found \"\(schema ?? "")\"")
        }
        guard let name = try top.string("name"), !name.isEmpty else {
            throw .invalid(source: source, rule: "policy", field: "name", reason: "a non-empty name is required")
        }
        let k = try top.integer("minGroupSize") ?? defaultMinGroupSize
        guard k >= 2 else {
            throw .invalid(source: source, rule: "policy", field: "minGroupSize", reason: "must be at least 2 (found \(k))")
        }
        var differencing = DifferencingAction.suppress
        if let text = try top.string("differencing") {
            guard let action = DifferencingAction(rawValue: text) else {
                throw .invalid(source: source, rule: "policy", field: "differencing", reason: "expected \"suppress\" or \"refuse\", found \"\(text)\"")
            }
            differencing = action
        }
        var privacy = NoiseSettings()
        if let dp = try top.object("dp") {
            try dp.onlyKeys(["heatClip", "trendClip", "maxNoiseShare"])
            privacy.heatClip = try dp.integer("heatClip") ?? privacy.heatClip
            privacy.trendClip = try dp.integer("trendClip") ?? privacy.trendClip
            privacy.maxNoiseShare = try dp.number("maxNoiseShare") ?? privacy.maxNoiseShare
            guard privacy.heatClip > 0 else { throw dp.error("heatClip", "must be positive") }
            guard privacy.trendClip > 0 else { throw dp.error("trendClip", "must be positive") }
            guard privacy.maxNoiseShare > 0, privacy.maxNoiseShare <= 1 else {
                throw dp.error("maxNoiseShare", "must be in (0, 1]")
            }
        }
        guard let rolesObject = try top.object("roles") else {
            throw .invalid(source: source, rule: "policy", field: "roles", reason: "the policy names no roles")
        }
        var roles: [String: RolePermissions] = [:]
        for roleName in rolesObject.keys {
            guard roleName.range(of: "^[a-z][a-z0-9_-]{0,39}$", options: .regularExpression) != nil else {
                throw .invalid(source: source, rule: "roles", field: roleName,
                               reason: "a role name is lower-case letters, digits, '-' or '_' (at most 40), starting with a letter")
            }
            guard let fields = try rolesObject.object(roleName, rule: "roles.\(roleName)") else { continue }
            roles[roleName] = try RolePermissions.parse(fields)
        }
        let hash = Hex.encode(Array(SHA256.hash(data: data)))
        return PrivacyPolicy(name: name, minGroupSize: k, differencing: differencing, privacy: privacy, roles: roles, hash: hash)
    }

    /// The policy `heatctl demo` (and `heatctl report --role` without `--policy`) uses: the four
    /// roles of DESIGN.md section 1 with `k` = 5; its text is ``defaultPolicyJSON``.
    public static let `default`: PrivacyPolicy = {
        // The embedded text is a constant checked by the tests; parsing it cannot fail.
        (try? parse(Data(defaultPolicyJSON.utf8), source: "<built-in policy>"))
            ?? PrivacyPolicy(name: "built-in-default", roles: [:])
    }()

    /// The text of the built-in default policy (also shipped, extended, as `Examples/policy.json`).
    public static let defaultPolicyJSON = """
        {
          "schema": "customerheat.policy/1",
          "name": "built-in-default",
          "minGroupSize": 5,
          "differencing": "suppress",
          "dp": {"heatClip": 20000, "trendClip": 10000, "maxNoiseShare": 0.5},
          "roles": {
            "executive": {
              "population": true, "histogram": true, "weekly": true, "model": true,
              "groups": ["manager", "branch", "segment", "region"], "clients": "none",
              "dp": {"maxEpsilon": 2.0, "monthlyBudget": 8.0}
            },
            "analyst": {
              "population": true, "histogram": true, "weekly": true, "model": true,
              "groups": ["manager", "branch", "segment", "region"], "clients": "none",
              "dp": {"epsilon": 1.0, "maxEpsilon": 2.0, "monthlyBudget": 10.0, "required": true}
            },
            "manager": {
              "population": true, "histogram": true, "weekly": false, "model": false,
              "groups": ["manager", "branch"], "clients": "own"
            },
            "auditor": {}
          }
        }
        """
}
