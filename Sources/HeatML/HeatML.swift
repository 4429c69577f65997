// HeatML: tabular machine learning for CustomerHeat, with no knowledge of encryption.
//
// The module loads typed tables from CSV (``DataTable``), fits `Codable` preprocessing
// (``ColumnTransformer``), trains classifiers with one shape (``Classifier``:
// ``LogisticRegression``, ``GradientBoostedTrees``), scores them with free metric functions
// (``rocAUC(labels:scores:)``, ``averagePrecision(labels:scores:)``, ...) and cross-validates
// whole pipelines (``CrossValidation``). Fitted pipelines (``ModelPipeline``) are saved in the
// CustomerHeat envelope (kind `.model`, JSON payload).
//
// ```swift
// let table = try DataTable(contentsOf: URL(filePath: "churn.csv"))
// let spec = ModelSpecification.logistic(LogisticRegression(c: 1))
// let pipeline = try ModelPipeline.fit(spec, on: table, target: "churn", positiveLabel: "Yes")
// let probabilities = try pipeline.predictProbabilities(table)
// ```
//
// (No `HeatML` namespace type: it would shadow the module name and break qualified names such
// as `HeatML.FeatureImportance` in code that imports several CustomerHeat modules.)
