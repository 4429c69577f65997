/// An estimator that groups rows into clusters (scikit-learn's `ClusterMixin`): fitted by a
/// static `fit`, so an unfitted clusterer is only a set of hyper-parameters.
///
/// ```swift
/// func segment<C: Clusterer>(_ clusterer: C, _ x: Matrix) throws(HeatMLError) -> [Int] {
///     try clusterer.fitted(to: x).labels
/// }
/// let labels = try segment(KMeans(k: 4, seed: 42), x)
/// ```
public protocol Clusterer: Sendable, Codable {
    /// The cluster of every training row, after fitting.
    var labels: [Int] { get }

    /// A copy of these hyper-parameters fitted to `x`.
    ///
    /// - Parameter x: the training features.
    /// - Returns: the fitted clusterer.
    /// - Throws: ``HeatMLError`` for unusable hyper-parameters or features.
    func fitted(to x: Matrix) throws(HeatMLError) -> Self

    /// The cluster of every row of `x`.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one cluster index per row.
    /// - Throws: ``HeatMLError`` when unfitted or the columns differ.
    func predict(_ x: Matrix) throws(HeatMLError) -> [Int]
}

/// An estimator that scores how anomalous each row is (scikit-learn's `OutlierMixin`): fitted by
/// a static `fit`; higher scores are more anomalous, and `predict` flags the rows above the
/// fitted threshold.
///
/// ```swift
/// let forest = try IsolationForest.fit(x, seed: 42)
/// let flags = try forest.predict(x)
/// ```
public protocol OutlierDetector: Sendable, Codable {
    /// A copy of these hyper-parameters fitted to `x`.
    ///
    /// - Parameter x: the training features.
    /// - Returns: the fitted detector.
    /// - Throws: ``HeatMLError`` for unusable hyper-parameters or features.
    func fitted(to x: Matrix) throws(HeatMLError) -> Self

    /// The anomaly score of every row; higher is more anomalous.
    ///
    /// - Parameters:
    ///   - x: features with the column count seen at fit time.
    ///   - progress: receives (trees or steps done, in all) for a progress bar; `nil` for none.
    /// - Returns: one score per row.
    /// - Throws: ``HeatMLError`` when unfitted or the columns differ.
    func scores(_ x: Matrix, progress: ((_ done: Int, _ total: Int) -> Void)?) throws(HeatMLError) -> [Double]

    /// Whether each row is an anomaly.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one flag per row.
    /// - Throws: ``HeatMLError`` when unfitted or the columns differ.
    func predict(_ x: Matrix) throws(HeatMLError) -> [Bool]
}

extension KMeans: Clusterer {
    /// Fits k-means to `x` (see ``fit(_:progress:)`` for the algorithm and errors).
    ///
    /// ```swift
    /// let model = try KMeans.fit(x, k: 4, seed: 42)
    /// ```
    ///
    /// - Parameters:
    ///   - x: the features (finite values).
    ///   - k: the number of clusters.
    ///   - initializations: seeded starts (best inertia kept).
    ///   - maxIterations: Lloyd iterations per start.
    ///   - tolerance: the relative centre-shift tolerance.
    ///   - seed: the seed of the shared ``SeededGenerator``.
    /// - Returns: the fitted model.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)``.
    public static func fit(
        _ x: Matrix, k: Int, initializations: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4,
        seed: UInt64 = 42
    ) throws(HeatMLError) -> KMeans {
        try KMeans(k: k, initializations: initializations, maxIterations: maxIterations, tolerance: tolerance, seed: seed)
            .fitted(to: x)
    }

    /// A copy of these hyper-parameters fitted to `x`.
    ///
    /// - Parameter x: the features.
    /// - Returns: the fitted model.
    /// - Throws: as ``fit(_:progress:)``.
    public func fitted(to x: Matrix) throws(HeatMLError) -> KMeans {
        var model = self
        try model.fit(x)
        return model
    }
}

extension IsolationForest: OutlierDetector {
    /// Fits an isolation forest to `x` (see ``fit(_:)`` for the algorithm and errors).
    ///
    /// ```swift
    /// let forest = try IsolationForest.fit(x, contamination: .share(0.05), seed: 7)
    /// ```
    ///
    /// - Parameters:
    ///   - x: the features (finite values).
    ///   - estimators: the number of trees.
    ///   - maxSamples: rows per tree.
    ///   - contamination: how the threshold is set.
    ///   - seed: the seed of the shared ``SeededGenerator``.
    /// - Returns: the fitted forest.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)``.
    public static func fit(
        _ x: Matrix, estimators: Int = 100, maxSamples: Int = 256, contamination: Contamination = .auto,
        seed: UInt64 = 42
    ) throws(HeatMLError) -> IsolationForest {
        try IsolationForest(estimators: estimators, maxSamples: maxSamples, contamination: contamination, seed: seed)
            .fitted(to: x)
    }

    /// A copy of these hyper-parameters fitted to `x`.
    ///
    /// - Parameter x: the features.
    /// - Returns: the fitted forest.
    /// - Throws: as ``fit(_:)``.
    public func fitted(to x: Matrix) throws(HeatMLError) -> IsolationForest {
        var forest = self
        try forest.fit(x)
        return forest
    }
}
