import Foundation
import HeatEnvelope

/// Reads and writes XGBoost's JSON model format (`Booster.save_model("model.json")`, XGBoost 1.0
/// to 3.x) for boosted trees.
///
/// Supported: booster `gbtree` with one output and objective `binary:logistic`, `reg:logistic`
/// (both scored with the logistic link) or `reg:squarederror`. Refused with a named reason
/// (``XGBoostInteropError``): other objectives, `dart` / `gblinear`, multi-class or multi-target
/// models, categorical splits.
///
/// Exactness: XGBoost compares a row's value, converted to `Float`, with a `Float` threshold
/// (`Float(x) < t` goes left; a missing value follows `default_left`). An imported threshold
/// `t` is stored as the double ``doubleThreshold(equivalentTo:)`` such that `x < t'` holds for a
/// double `x` exactly when `Float(x) < t`, so imported models route every row as XGBoost does,
/// with the unchanged ``RegressionTree`` evaluator. The base score is XGBoost's `base_score`
/// (a probability for the logistic objectives, whose margin is its logit). Leaf values are
/// XGBoost's `Float`s; HeatML sums them in `Double`, so probabilities differ from XGBoost's own
/// only by its `Float` rounding (below 1e-6 on the fixtures).
///
/// Export writes ``GradientBoostedTrees`` in the same format, thresholds rounded to the nearest
/// `Float`, ties up (``floatThreshold(equivalentTo:)``), so a value equal to a threshold goes the
/// same way in XGBoost as in HeatML; an imported model exports back to its original thresholds.
///
/// ```swift
/// let data = try Data(contentsOf: URL(filePath: "model.json"))
/// let imported = try XGBoostJSON.importModel(from: data, source: "model.json")
/// let p = try imported.model.predictProbabilities(x)          // x: columns in imported.featureNames order
/// let json = try XGBoostJSON.exportModel(imported.model, featureNames: imported.featureNames)
/// ```
public enum XGBoostJSON {
    /// A model read from XGBoost's JSON format.
    public struct ImportedModel: Sendable, Equatable {
        /// The fitted trees with XGBoost's base score.
        public var model: GradientBoostedTrees
        /// The feature names, in model order (from the file or the caller).
        public var featureNames: [String]
        /// XGBoost's objective name (`binary:logistic`, `reg:logistic` or `reg:squarederror`).
        public var objective: String
        /// XGBoost's `base_score` (a probability for the logistic objectives).
        public var baseScore: Double
        /// The XGBoost version that wrote the file (`[3, 2, 0]`), when recorded.
        public var version: [Int]
    }

    /// The objectives HeatML imports, with the objective they map to.
    public static let supportedObjectives: [String: GradientBoostedTrees.Objective] = [
        "binary:logistic": .logistic, "reg:logistic": .logistic, "reg:squarederror": .squaredError,
    ]

    /// The double threshold equivalent to XGBoost's `Float` comparison with `threshold`.
    ///
    /// For every double `x` (not NaN), `x < doubleThreshold(equivalentTo: t)` exactly when
    /// `Float(x) < t`: the result is the midpoint `m` between `t` and the `Float` below it (or the
    /// double after `m` when a value equal to `m` rounds down to the `Float` below, ties to even).
    ///
    /// - Parameter threshold: a finite `Float` threshold.
    /// - Returns: the equivalent double threshold.
    public static func doubleThreshold(equivalentTo threshold: Float) -> Double {
        let below = threshold.nextDown
        let midpoint = (Double(below) + Double(threshold)) / 2   // exact: 25 significant bits
        let belowIsEven = below.significandBitPattern & 1 == 0
        return belowIsEven ? midpoint.nextUp : midpoint
    }

    /// The `Float` threshold XGBoost should store for a double threshold: the nearest `Float`,
    /// ties upwards.
    ///
    /// A value equal to the threshold goes right in XGBoost as in HeatML whatever its rounding
    /// (histogram cuts are training values, so such rows are common), and
    /// `floatThreshold(equivalentTo: doubleThreshold(equivalentTo: t)) == t`, so an imported
    /// model exports back to its own thresholds. Only a double closer than half a `Float` step to
    /// a threshold that is not a `Float` can go the other way.
    ///
    /// - Parameter threshold: a finite double threshold.
    /// - Returns: the `Float` threshold XGBoost should store.
    public static func floatThreshold(equivalentTo threshold: Double) -> Float {
        var below = Float(threshold)
        if Double(below) > threshold { below = below.nextDown }
        if Double(below) == threshold { return below }
        let above = below.nextUp
        return threshold - Double(below) >= Double(above) - threshold ? above : below
    }

    // MARK: Import

    /// Reads an XGBoost JSON model.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes (`Booster.save_model("model.json")`).
    ///   - source: the file name for messages.
    ///   - featureNames: the column names in model order, required when the file has none
    ///     (when given, they replace the file's names; the count must match).
    /// - Returns: the imported model.
    /// - Throws: ``XGBoostInteropError`` naming the unsupported objective, booster, categorical
    ///   split, multi-class model, missing feature names or malformed field.
    public static func importModel(from data: Data, source: String, featureNames: [String]? = nil) throws(XGBoostInteropError) -> ImportedModel {
        func fail(_ reason: String) -> XGBoostInteropError { .malformed(source: source, reason: reason) }
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail("the top level is not an object") }
            root = object
        } catch let error as XGBoostInteropError {
            throw error
        } catch {
            throw fail("invalid JSON")
        }
        guard let learner = root["learner"] as? [String: Any] else { throw fail("no 'learner' object") }
        let version = (root["version"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        guard let objectiveObject = learner["objective"] as? [String: Any], let objective = objectiveObject["name"] as? String else {
            throw fail("no learner.objective.name")
        }
        guard let params = learner["learner_model_param"] as? [String: Any] else { throw fail("no learner.learner_model_param") }
        let numClass = Int(string(params["num_class"]) ?? "0") ?? 0
        let numTarget = Int(string(params["num_target"]) ?? "1") ?? 1
        if objective.hasPrefix("multi:") || numClass > 1 || numTarget > 1 {
            throw .multiClass(source: source, classes: max(numClass, numTarget, 2))
        }
        guard let mapped = supportedObjectives[objective] else { throw .unsupportedObjective(source: source, objective: objective) }
        guard let booster = learner["gradient_booster"] as? [String: Any] else { throw fail("no learner.gradient_booster") }
        let boosterName = booster["name"] as? String ?? "?"
        guard boosterName == "gbtree" else { throw .unsupportedBooster(source: source, booster: boosterName) }
        guard let model = booster["model"] as? [String: Any], let trees = model["trees"] as? [[String: Any]] else {
            throw fail("no gradient_booster.model.trees")
        }
        guard let featureCount = Int(string(params["num_feature"]) ?? ""), featureCount > 0 else { throw fail("num_feature is missing or not a positive integer") }
        let baseScores = (string(params["base_score"]) ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard baseScores.count == 1, let rawBase = baseScores[0], rawBase.isFinite else {
            if baseScores.count > 1 { throw .multiClass(source: source, classes: baseScores.count) }
            throw fail("base_score '\(string(params["base_score"]) ?? "")' is not one number")
        }
        // XGBoost keeps base_score as a Float.
        let baseScore = Double(Float(rawBase))
        if mapped == .logistic, !(baseScore > 0 && baseScore < 1) {
            throw fail("base_score \(baseScore) is not a probability strictly between 0 and 1")
        }
        // A categorical feature (feature_types "c") is refused only when a tree splits on it (below).
        let fileNames = (learner["feature_names"] as? [String]) ?? []
        let names: [String]
        if let featureNames {
            guard featureNames.count == featureCount else { throw .featureNames(source: source, expected: featureCount, given: featureNames.count) }
            names = featureNames
        } else {
            guard fileNames.count == featureCount else { throw .featureNames(source: source, expected: featureCount, given: fileNames.count) }
            names = fileNames
        }
        do {
            try ReaderLimits.current.check(.treeCount, trees.count, source: source, field: "gradient_booster.model.trees")
        } catch {
            throw fail(error.reason)
        }
        var converted: [RegressionTree] = []
        converted.reserveCapacity(trees.count)
        for (t, tree) in trees.enumerated() {
            converted.append(try importTree(tree, index: t, featureCount: featureCount, source: source))
        }
        guard !converted.isEmpty else { throw fail("the model has no tree") }
        let fitted: GradientBoostedTrees
        do {
            fitted = try GradientBoostedTrees(importedTrees: converted, featureCount: featureCount, baseScore: baseScore, objective: mapped, source: source)
        } catch {
            throw fail(error.description)
        }
        return ImportedModel(model: fitted, featureNames: names, objective: objective, baseScore: baseScore, version: version)
    }

    private static func string(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    private static func importTree(_ tree: [String: Any], index t: Int, featureCount: Int, source: String) throws(XGBoostInteropError) -> RegressionTree {
        func fail(_ reason: String) -> XGBoostInteropError { .malformed(source: source, reason: "tree \(t): \(reason)") }
        func numbers(_ key: String) throws(XGBoostInteropError) -> [NSNumber] {
            guard let array = tree[key] as? [Any] else { throw fail("no '\(key)' array") }
            var result: [NSNumber] = []
            result.reserveCapacity(array.count)
            for item in array {
                if let number = item as? NSNumber { result.append(number) } else { throw fail("'\(key)' holds a non-number") }
            }
            return result
        }
        let left = try numbers("left_children").map(\.intValue)
        let right = try numbers("right_children").map(\.intValue)
        let features = try numbers("split_indices").map(\.intValue)
        let conditions = try numbers("split_conditions").map(\.floatValue)
        let defaults = try numbers("default_left").map { $0.intValue != 0 }
        let n = left.count
        let weights = (try? numbers("base_weights").map(\.doubleValue)) ?? []
        let gains = (try? numbers("loss_changes").map(\.doubleValue)) ?? []
        let covers = (try? numbers("sum_hessian").map(\.doubleValue)) ?? []
        let types = (try? numbers("split_type").map(\.intValue)) ?? []
        guard n > 0, right.count == n, features.count == n, conditions.count == n, defaults.count == n else {
            throw fail("the node arrays have different lengths")
        }
        if let node = types.indices.first(where: { types[$0] != 0 && left[$0] != -1 }) {
            throw .categoricalSplit(source: source, tree: t, node: node)
        }
        if let categoryNodes = tree["categories_nodes"] as? [Any], let first = categoryNodes.first as? NSNumber {
            throw .categoricalSplit(source: source, tree: t, node: first.intValue)
        }
        var nodes: [RegressionTree.Node] = []
        nodes.reserveCapacity(n)
        for i in 0..<n {
            let isLeaf = left[i] == -1
            let gain = i < gains.count ? gains[i] : 0
            let cover = i < covers.count ? covers[i] : 0
            if isLeaf {
                guard right[i] == -1 else { throw fail("node \(i): a leaf with a right child") }
                nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: Double(conditions[i]), gain: 0, cover: cover))
            } else {
                guard features[i] >= 0, features[i] < featureCount else { throw fail("node \(i): feature \(features[i]) is out of range 0..<\(featureCount)") }
                guard conditions[i].isFinite else { throw fail("node \(i): the threshold is not finite") }
                let value = i < weights.count ? weights[i] : 0
                nodes.append(.init(feature: features[i], threshold: doubleThreshold(equivalentTo: conditions[i]), defaultLeft: defaults[i],
                                   left: left[i], right: right[i], value: value, gain: gain, cover: cover))
            }
        }
        return RegressionTree(nodes: nodes)
    }

    // MARK: Export

    /// Writes boosted trees in XGBoost's JSON model format (loadable with `xgboost.Booster(model_file=...)`).
    ///
    /// - Parameters:
    ///   - model: a fitted model.
    ///   - featureNames: one name per model feature (the pipeline's ``ColumnTransformer/featureNames``).
    ///   - objective: the XGBoost objective to record (default: `binary:logistic` for the logistic
    ///     objective, `reg:squarederror` for squared error; `reg:logistic` is accepted for the logistic one).
    /// - Returns: the JSON bytes (sorted keys).
    /// - Throws: ``XGBoostInteropError/notExportable(reason:)`` for an unfitted model, a wrong
    ///   number of names or an objective that does not match the model.
    public static func exportModel(_ model: GradientBoostedTrees, featureNames: [String], objective: String? = nil) throws(XGBoostInteropError) -> Data {
        guard !model.trees.isEmpty else { throw .notExportable(reason: "the model is not fitted") }
        guard featureNames.count == model.featureCount else {
            throw .notExportable(reason: "\(featureNames.count) feature names for \(model.featureCount) features")
        }
        let name = objective ?? (model.objective == .logistic ? "binary:logistic" : "reg:squarederror")
        guard supportedObjectives[name] == model.objective else {
            throw .notExportable(reason: "objective '\(name)' does not match the model's \(model.objective.rawValue) objective")
        }
        let base = model.fittedBaseScore ?? model.baseScore ?? 0.5
        let f32 = { (v: Double) in JSONValue.float(Double(Float(v))) }
        var trees: [JSONValue] = []
        for (t, tree) in model.trees.enumerated() {
            var parents = [Int](repeating: 2_147_483_647, count: tree.nodes.count)
            for (i, node) in tree.nodes.enumerated() where !node.isLeaf {
                parents[node.left] = i
                parents[node.right] = i
            }
            let none = JSONValue.array([])
            trees.append(.object([
                ("base_weights", .array(tree.nodes.map { f32($0.value) })),
                ("categories", none), ("categories_nodes", none), ("categories_segments", none), ("categories_sizes", none),
                ("default_left", .array(tree.nodes.map { .int($0.isLeaf ? 0 : ($0.defaultLeft ? 1 : 0)) })),
                ("id", .int(t)),
                ("left_children", .array(tree.nodes.map { .int($0.left) })),
                ("loss_changes", .array(tree.nodes.map { f32($0.gain) })),
                ("parents", .array(parents.map { .int($0) })),
                ("right_children", .array(tree.nodes.map { .int($0.right) })),
                ("split_conditions", .array(tree.nodes.map { $0.isLeaf ? f32($0.value) : .float(Double(floatThreshold(equivalentTo: $0.threshold))) })),
                ("split_indices", .array(tree.nodes.map { .int(max($0.feature, 0)) })),
                ("split_type", .array(tree.nodes.map { _ in .int(0) })),
                ("sum_hessian", .array(tree.nodes.map { f32($0.cover) })),
                ("tree_param", .object([("num_deleted", .string("0")), ("num_feature", .string("\(model.featureCount)")),
                                        ("num_nodes", .string("\(tree.nodes.count)")), ("size_leaf_vector", .string("1"))])),
            ]))
        }
        let document = JSONValue.object([
            ("learner", .object([
                ("attributes", .object([])),
                ("feature_names", .array(featureNames.map { .string($0) })),
                ("feature_types", .array(featureNames.map { _ in .string("float") })),
                ("gradient_booster", .object([
                    ("model", .object([
                        ("cats", .object([("enc", .array([])), ("feature_segments", .array([])), ("sorted_idx", .array([]))])),
                        ("gbtree_model_param", .object([("num_parallel_tree", .string("1")), ("num_trees", .string("\(trees.count)"))])),
                        ("iteration_indptr", .array((0...trees.count).map { .int($0) })),
                        ("tree_info", .array(trees.map { _ in .int(0) })),
                        ("trees", .array(trees)),
                    ])),
                    ("name", .string("gbtree")),
                ])),
                ("learner_model_param", .object([
                    ("base_score", .string("[\(Float(base))]")), ("boost_from_average", .string("1")),
                    ("num_class", .string("0")), ("num_feature", .string("\(model.featureCount)")), ("num_target", .string("1")),
                ])),
                ("objective", .object([("name", .string(name)), ("reg_loss_param", .object([("scale_pos_weight", .string("1"))]))])),
            ])),
            ("version", .array([.int(3), .int(2), .int(0)])),
        ])
        var text = ""
        document.write(to: &text)
        return Data(text.utf8)
    }
}

/// A JSON value written with XGBoost's number types kept apart: XGBoost's parser refuses an
/// integer (`0`) where it expects a float (`0.0`), which `JSONSerialization` cannot guarantee.
enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    /// Written with Swift's shortest round-trip form of the `Float`, always with a `.` or an exponent.
    case float(Double)

    func write(to out: inout String) {
        switch self {
        case let .object(members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSONValue.string(key).write(to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        case let .array(items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .string(text):
            out += "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            out += "\""
        case let .int(value):
            out += String(value)
        case let .float(value):
            var text = "\(Float(value))"
            if !text.contains(".") && !text.contains("e") { text += ".0" }
            out += text
        }
    }
}
