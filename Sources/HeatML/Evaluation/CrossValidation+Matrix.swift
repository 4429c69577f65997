extension CrossValidation {
    /// The one out-of-fold loop of HeatML: for each distinct fold value in ascending order,
    /// `score` receives the positions of the training rows and of the test rows (both ascending)
    /// and returns one value per test row, which is placed at that row's position.
    ///
    /// ``outOfFold(_:x:labels:folds:preparing:)``, ``run(_:on:target:positiveLabel:folds:excluding:threshold:settings:foldCompleted:)``,
    /// ``CalibratedModel`` and ``ProbabilityCalibrator/choose(margins:labels:folds:methods:)`` all
    /// score out of fold through it.
    ///
    /// ```swift
    /// let oof = try CrossValidation.outOfFold(folds: folds.assignment, placeholder: Double.nan) { fold, train, test in
    ///     try LogisticRegression.fit(x.selectingRows(train), labels: train.map { y[$0] })
    ///         .predictProbabilities(x.selectingRows(test))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - folds: the fold value of every row (any integers; at least one row).
    ///   - placeholder: the value of positions no fold fills (none, since every row has a fold).
    ///   - score: fits on the training positions and scores the test positions.
    /// - Returns: one value per row.
    /// - Throws: whatever `score` throws; ``HeatMLError/shapeMismatch(context:expected:found:)``
    ///   when `score` returns a different number of values than the fold has test rows.
    public static func outOfFold<T>(
        folds: [Int], placeholder: T, _ score: (_ fold: Int, _ train: [Int], _ test: [Int]) throws(HeatMLError) -> [T]
    ) throws(HeatMLError) -> [T] {
        var result = [T](repeating: placeholder, count: folds.count)
        for fold in Array(Set(folds)).sorted() {
            var train: [Int] = [], test: [Int] = []
            for (row, f) in folds.enumerated() {
                if f == fold { test.append(row) } else { train.append(row) }
            }
            let values = try score(fold, train, test)
            guard values.count == test.count else {
                throw .shapeMismatch(context: "CrossValidation.outOfFold fold \(fold)", expected: "\(test.count) values (one per test row)", found: "\(values.count)")
            }
            for (row, value) in zip(test, values) { result[row] = value }
        }
        return result
    }

    /// The out-of-fold predictions of a cross-validation over a ``Matrix``: every row scored by
    /// the model of the one fold that did not train on it.
    public struct OutOfFold: Sendable, Equatable {
        /// The out-of-fold positive-class probability of every row, in row order.
        public var probabilities: [Double]
        /// The test rows of each fold, in fold order (each ascending).
        public var testRows: [[Int]]

        /// The out-of-fold probabilities of one fold's test rows, in that fold's row order.
        ///
        /// - Parameter fold: the fold index (`0..<testRows.count`).
        /// - Returns: one probability per test row of the fold; empty for an unknown fold.
        public func probabilities(ofFold fold: Int) -> [Double] {
            guard testRows.indices.contains(fold) else { return [] }
            return testRows[fold].map { probabilities[$0] }
        }
    }

    /// Per-fold preparation of the training and test features, fitted on the training rows only
    /// (so the test fold never shapes its own features). Receives the fold index and the raw
    /// training and test rows; returns the matrices the classifier is fitted on and scores.
    public typealias Preparation = (_ fold: Int, _ train: Matrix, _ test: Matrix) throws(HeatMLError) -> (train: Matrix, test: Matrix)

    /// Cross-validates any ``Classifier`` over a feature matrix: for each fold, prepare the
    /// features (optionally), fit a copy of `classifier`'s hyper-parameters on the other folds
    /// and score the fold.
    ///
    /// ```swift
    /// let folds = try Folds.stratified(labels: y, count: 5, seed: 42)
    /// let oof = try CrossValidation.outOfFold(LogisticRegression(c: 1), x: x, labels: y, folds: folds,
    ///                                         preparing: CrossValidation.standardised)
    /// let auc = try rocAUC(labels: y, scores: oof.probabilities)
    /// ```
    ///
    /// - Parameters:
    ///   - classifier: the hyper-parameters (fitted afresh in every fold).
    ///   - x: the features of every row.
    ///   - labels: 0 / 1 per row.
    ///   - folds: the test fold of every row.
    ///   - preparing: per-fold feature preparation (``standardised(fold:train:test:)``, or your
    ///     own), or `nil` to use `x` as it is.
    /// - Returns: the out-of-fold probabilities and each fold's test rows.
    /// - Throws: ``HeatMLError/badFolds(source:reason:)`` when the fold assignment does not cover
    ///   the rows; ``HeatMLError/singleClass(context:label:)`` when a fold's training part holds a
    ///   single class (a test part may: only out-of-fold scores are made here);
    ///   ``HeatMLError/shapeMismatch(context:expected:found:)`` when the labels do not match the
    ///   rows; the classifier's fit errors.
    public static func outOfFold<C: Classifier>(
        _ classifier: C, x: Matrix, labels: [Int], folds: Folds, preparing: Preparation? = nil
    ) throws(HeatMLError) -> OutOfFold {
        guard labels.count == x.rows else {
            throw .shapeMismatch(context: "CrossValidation.outOfFold labels", expected: "\(x.rows) labels (one per row)", found: "\(labels.count)")
        }
        guard folds.assignment.count == x.rows else {
            throw .badFolds(source: "CrossValidation.outOfFold", reason: "\(folds.assignment.count) fold indices for \(x.rows) rows")
        }
        var testRows: [[Int]] = []
        let probabilities = try CrossValidation.outOfFold(folds: folds.assignment, placeholder: Double.nan) {
            (fold: Int, train: [Int], test: [Int]) throws(HeatMLError) -> [Double] in
            var xTrain = x.selectingRows(train), xTest = x.selectingRows(test)
            if let preparing { (xTrain, xTest) = try preparing(fold, xTrain, xTest) }
            testRows.append(test)
            return try classifier.fitted(to: xTrain, labels: train.map { labels[$0] }).predictProbabilities(xTest)
        }
        return OutOfFold(probabilities: probabilities, testRows: testRows)
    }

    /// A ``Preparation`` that standardises every column with the mean and population standard
    /// deviation of the training rows (``StandardScaler``), applied to both parts.
    ///
    /// - Parameters:
    ///   - fold: the fold index (unused).
    ///   - train: the training rows.
    ///   - test: the test rows.
    /// - Returns: both parts scaled with the training statistics.
    /// - Throws: never in practice (``HeatMLError`` from rebuilding a matrix).
    public static func standardised(fold: Int, train: Matrix, test: Matrix) throws(HeatMLError) -> (train: Matrix, test: Matrix) {
        let scalers = (0..<train.columns).map { StandardScaler.fit(train.column($0)) }
        func scaled(_ m: Matrix) throws(HeatMLError) -> Matrix {
            try Matrix(columns: scalers.enumerated().map { j, scaler in scaler.transform(m.column(j)) }, rows: m.rows)
        }
        return (try scaled(train), try scaled(test))
    }
}
