extension ModelPipeline {
    /// Explains every row of a raw table: per-feature contributions to the positive class's
    /// log-odds (see ``Explanation`` for the exact definitions per model kind).
    ///
    /// ```swift
    /// let pipeline = try ModelPipeline.load(from: URL(filePath: "churn.model"))
    /// let explanation = try pipeline.explain(try pipeline.loadTable(from: URL(filePath: "new.csv")))
    /// let top = explanation.largest(3, row: 0)
    /// ```
    ///
    /// - Parameter table: a table with the model's input columns.
    /// - Returns: the explanation, rows in table order.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` for an absent input column,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)`` for text in a numeric column,
    ///   ``HeatMLError/shapeMismatch(context:expected:found:)`` for an unfitted model.
    public func explain(_ table: DataTable) throws(HeatMLError) -> Explanation {
        try model.classifier.explain(transformer.transform(table), featureNames: transformer.featureNames)
    }
}
