/// A JSON-ready summary of a fitted ``KMeans`` on ``NumericFeatures``: the quality measures and
/// each cluster's size and standardised centre (what `heatctl ml cluster --json` prints).
///
/// ```swift
/// let report = ClusterReport(model: model, features: features, silhouette: try silhouetteScore(features.matrix, labels: model.labels))
/// let json = try JSONEncoder().encode(report)
/// ```
public struct ClusterReport: Sendable, Codable, Equatable {
    /// One cluster.
    public struct Cluster: Sendable, Codable, Equatable {
        /// The cluster index (0 is the largest).
        public var cluster: Int
        /// The number of rows assigned.
        public var size: Int
        /// The centre in standardised units (0 = the column mean, 1 = one standard deviation), by column.
        public var centroid: [String: Double]
    }

    /// The number of clusters.
    public var k: Int
    /// The number of rows clustered.
    public var rows: Int
    /// The columns used, in order.
    public var columns: [String]
    /// The sum of squared distances to the assigned centre (standardised units).
    public var inertia: Double
    /// The mean silhouette coefficient, when computed.
    public var silhouette: Double?
    /// Lloyd iterations of the kept start.
    public var iterations: Int
    /// The seed used.
    public var seed: UInt64
    /// The clusters, largest first.
    public var clusters: [Cluster]

    /// Summarises a fitted model.
    ///
    /// - Parameters:
    ///   - model: the fitted k-means model.
    ///   - features: the features it was fitted on (for the column names).
    ///   - silhouette: the silhouette score, if computed.
    public init(model: KMeans, features: NumericFeatures, silhouette: Double?) {
        let names = features.columns
        let sizes = model.sizes
        k = model.k
        rows = model.labels.count
        columns = names
        inertia = model.inertia
        self.silhouette = silhouette
        iterations = model.iterations
        seed = model.seed
        clusters = model.centroids.enumerated().map { index, centre in
            Cluster(cluster: index, size: sizes[index], centroid: Dictionary(uniqueKeysWithValues: zip(names, centre)))
        }
    }
}
