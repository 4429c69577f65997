/// Which clients `heatctl clients` lists. Every set criterion must match.
///
/// Manager, branch and search match masked references by prefix, case-insensitively
/// (`M-19b0` matches `M-19b0d4aa`); segment matches exactly, case-insensitively; level matches
/// the entry's heat level (see ``ClientDirectory/entries(in:filter:scoring:asOf:)``).
///
/// ```swift
/// let filter = ClientFilter(manager: "M-19b0", search: "C-7f")
/// ```
public struct ClientFilter: Sendable, Hashable {
    /// A branch reference prefix.
    public var branch: String?
    /// A manager reference prefix.
    public var manager: String?
    /// A segment name.
    public var segment: String?
    /// A client reference prefix.
    public var search: String?
    /// A heat level (entries without a score never match).
    public var level: HeatLevel?

    /// Creates a filter; `nil` criteria match everything.
    ///
    /// - Parameters:
    ///   - branch: a branch reference prefix.
    ///   - manager: a manager reference prefix.
    ///   - segment: a segment name.
    ///   - search: a client reference prefix.
    ///   - level: a heat level.
    public init(
        branch: String? = nil, manager: String? = nil, segment: String? = nil, search: String? = nil,
        level: HeatLevel? = nil
    ) {
        self.level = level
        self.branch = branch
        self.manager = manager
        self.segment = segment
        self.search = search
    }

    /// Whether an entry matches.
    ///
    /// - Parameter entry: a directory entry.
    /// - Returns: `true` when every set criterion matches.
    public func matches(_ entry: ClientDirectoryEntry) -> Bool {
        func prefixed(_ value: String?, _ prefix: String?) -> Bool {
            guard let prefix else { return true }
            guard let value else { return false }
            return value.lowercased().hasPrefix(prefix.lowercased())
        }
        if let segment, entry.segment?.lowercased() != segment.lowercased() { return false }
        if let level, entry.level != level { return false }
        return prefixed(entry.branch, branch) && prefixed(entry.manager, manager) && prefixed(entry.ref, search)
    }
}
