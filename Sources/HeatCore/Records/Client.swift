/// A client of the bank, from the optional client directory file (DESIGN.md section 3).
///
/// ```swift
/// let client = Client(clientID: "C001", segment: "affluent", region: "North",
///                     openedOn: CalendarDate(year: 2019, month: 4, day: 1),
///                     managerID: "M01", branch: "North")
/// ```
public struct Client: Sendable, Hashable, Codable {
    /// The client's identifier in the bank's systems.
    public var clientID: String
    /// The commercial segment (for example `retail`, `affluent`, `private`, `business`).
    public var segment: String
    /// The geographic region.
    public var region: String
    /// The date the relationship opened; `nil` when unknown.
    public var openedOn: CalendarDate?
    /// The client's relationship manager.
    public var managerID: String
    /// The client's branch.
    public var branch: String

    /// Creates a client record.
    public init(clientID: String, segment: String, region: String, openedOn: CalendarDate?, managerID: String, branch: String) {
        self.clientID = clientID
        self.segment = segment
        self.region = region
        self.openedOn = openedOn
        self.managerID = managerID
        self.branch = branch
    }
}

/// A churn label for a synthetic client (written by the generator for validating models).
public struct ChurnLabel: Sendable, Hashable, Codable {
    /// The client's identifier.
    public var clientID: String
    /// Whether the client churned within the generated period.
    public var churned: Bool
    /// The ISO week the client churned, when they did.
    public var churnWeek: ISOWeek?

    /// Creates a label.
    public init(clientID: String, churned: Bool, churnWeek: ISOWeek?) {
        self.clientID = clientID
        self.churned = churned
        self.churnWeek = churnWeek
    }
}
