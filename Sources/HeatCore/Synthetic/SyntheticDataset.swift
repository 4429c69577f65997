/// The output of ``SyntheticBank/generate()``: the client directory, churn labels and interactions.
///
/// ```swift
/// let dataset = SyntheticBank(clients: 100).generate()
/// dataset.interactions.count   // a few thousand
/// ```
public struct SyntheticDataset: Sendable, Hashable {
    /// The client directory, in client-id order.
    public var clients: [Client]
    /// One churn label per client, in client-id order.
    public var labels: [ChurnLabel]
    /// The interactions, in time order.
    public var interactions: [Interaction]

    /// Creates a dataset.
    ///
    /// - Parameters:
    ///   - clients: the clients.
    ///   - labels: the labels.
    ///   - interactions: the interactions.
    public init(clients: [Client], labels: [ChurnLabel], interactions: [Interaction]) {
        self.clients = clients
        self.labels = labels
        self.interactions = interactions
    }
}
