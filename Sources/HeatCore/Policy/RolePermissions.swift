/// What one role of a ``PrivacyPolicy`` may receive. Every permission is off unless the policy
/// file turns it on (default-deny).
///
/// ```swift
/// var analyst = RolePermissions()
/// analyst.population = true
/// analyst.groups = [.branch, .region]
/// ```
public struct RolePermissions: Sendable, Equatable {
    /// Which per-client rows a role may receive.
    public enum ClientAccess: String, Sendable, Equatable, CaseIterable {
        /// None (the default).
        case none
        /// Only the clients of the manager the request names with `--manager`.
        case own
        /// Any manager's clients (for a custom role such as a relationship office); use sparingly.
        case all
    }

    /// The differential-privacy settings of a role.
    public struct Budget: Sendable, Equatable {
        /// The epsilon used when a request names none (`nil`: no noise unless requested).
        public var defaultEpsilon: Double?
        /// The largest epsilon one release may spend.
        public var maxEpsilon: Double
        /// The total epsilon the role may spend per calendar month (UTC).
        public var monthlyBudget: Double
        /// Whether every release to the role must be noisy.
        public var required: Bool

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - defaultEpsilon: the epsilon when a request names none.
        ///   - maxEpsilon: the per-release maximum.
        ///   - monthlyBudget: the monthly total.
        ///   - required: whether noise is mandatory.
        public init(defaultEpsilon: Double? = nil, maxEpsilon: Double, monthlyBudget: Double, required: Bool = false) {
            self.defaultEpsilon = defaultEpsilon
            self.maxEpsilon = maxEpsilon
            self.monthlyBudget = monthlyBudget
            self.required = required
        }
    }

    /// Population summary (clients per level, cooling, mean heat and trend).
    public var population = false
    /// The heat histogram (bins of at least `k` clients).
    public var histogram = false
    /// Events per ISO week and channel (exact totals: never released with noise).
    public var weekly = false
    /// Model scores and evaluation.
    public var model = false
    /// Group kinds whose aggregates the role may receive.
    public var groups: Set<GroupSummary.Kind> = []
    /// Per-client rows.
    public var clients = ClientAccess.none
    /// Differential privacy; `nil` when the role may not request noisy releases.
    public var budget: Budget?
    /// Names of analyst language-model endpoints (`AnalystEndpoint.name`) the role's releases may
    /// be sent to (`shareWith` in the policy file; empty by default: default-deny). Releases with
    /// per-client rows are never sent, whatever this says.
    public var shareWith: Set<String> = []
    /// Where each ``shareWith`` endpoint may be: its name mapped to the hosts (`host` or
    /// `host:port`, lower-case) the policy binds it to (`"local-llm@127.0.0.1:8080"`). An
    /// endpoint whose URL points elsewhere gets nothing, whatever its name.
    public var shareWithHosts: [String: Set<String>] = [:]

    /// Creates permissions with everything off.
    public init() {}

    /// The released sections, as names, for `heatctl policy check`.
    public var sectionNames: [String] {
        var names: [String] = []
        if population { names.append("population") }
        if histogram { names.append("heatHistogram") }
        if weekly { names.append("weekly") }
        if !groups.isEmpty { names.append("groups") }
        if clients != .none { names.append("clients") }
        if model { names.append("model") }
        return names
    }

    static func parse(_ fields: PolicyFields) throws(PolicyError) -> RolePermissions {
        try fields.onlyKeys(["population", "histogram", "weekly", "model", "groups", "clients", "dp", "description", "shareWith"])
        _ = try fields.string("description")
        var role = RolePermissions()
        role.population = try fields.bool("population") ?? false
        role.histogram = try fields.bool("histogram") ?? false
        role.weekly = try fields.bool("weekly") ?? false
        role.model = try fields.bool("model") ?? false
        for (index, kind) in (try fields.strings("groups") ?? []).enumerated() {
            guard let parsed = GroupSummary.Kind(rawValue: kind) else {
                throw fields.error("groups[\(index)]", "unknown group kind \"\(kind)\" (expected manager, branch, segment or region)")
            }
            role.groups.insert(parsed)
        }
        if let access = try fields.string("clients") {
            guard let parsed = ClientAccess(rawValue: access) else {
                throw fields.error("clients", "expected \"none\", \"own\" or \"all\", found \"\(access)\"")
            }
            role.clients = parsed
        }
        for (index, entry) in (try fields.strings("shareWith") ?? []).enumerated() {
            let pattern = "^([a-z][a-z0-9_-]{0,39})@([A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?$"
            guard let match = entry.range(of: pattern, options: .regularExpression), match == entry.startIndex..<entry.endIndex,
                  let at = entry.firstIndex(of: "@") else {
                let reason = entry.range(of: "^[a-z][a-z0-9_-]{0,39}$", options: .regularExpression) != nil
                    ? "bind the endpoint to the host it may reach: \"\(entry)@HOST\" or \"\(entry)@HOST:PORT\" (its endpoint file's url must point there)"
                    : "expected NAME@HOST[:PORT], NAME being lower-case letters, digits, '-' or '_', starting with a letter"
                throw fields.error("shareWith[\(index)]", reason)
            }
            let name = String(entry[..<at])
            let host = String(entry[entry.index(after: at)...]).lowercased()
            if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]"), let port = Int(host[host.index(after: colon)...]), !(1...65_535).contains(port) {
                throw fields.error("shareWith[\(index)]", "the port must be 1 to 65535")
            }
            role.shareWith.insert(name)
            role.shareWithHosts[name, default: []].insert(host)
        }
        if let dp = try fields.object("dp") {
            try dp.onlyKeys(["epsilon", "maxEpsilon", "monthlyBudget", "required"])
            guard let maxEpsilon = try dp.number("maxEpsilon") else { throw dp.error("maxEpsilon", "is required") }
            guard let monthly = try dp.number("monthlyBudget") else { throw dp.error("monthlyBudget", "is required") }
            let epsilon = try dp.number("epsilon")
            guard maxEpsilon > 0, maxEpsilon.isFinite else { throw dp.error("maxEpsilon", "must be positive") }
            guard monthly >= maxEpsilon, monthly.isFinite else {
                throw dp.error("monthlyBudget", "must be at least maxEpsilon (\(maxEpsilon))")
            }
            if let epsilon, !(epsilon > 0 && epsilon <= maxEpsilon) {
                throw dp.error("epsilon", "must be positive and at most maxEpsilon (\(maxEpsilon))")
            }
            role.budget = Budget(defaultEpsilon: epsilon, maxEpsilon: maxEpsilon, monthlyBudget: monthly,
                                 required: try dp.bool("required") ?? false)
        }
        return role
    }
}
