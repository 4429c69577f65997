import HeatEnvelope

/// Why an XGBoost JSON model could not be imported, or a HeatML model could not be exported.
///
/// Each case names the file and what it holds that HeatML does not support, so the message says
/// what to change (train with another objective, drop categorical features, ...). A refused
/// model file is bad input data (exit 65); asking to export a model that is not made of boosted
/// trees, or giving the wrong number of feature names, is a usage error (exit 64).
///
/// ```swift
/// do { _ = try XGBoostJSON.importModel(from: data, source: "model.json") }
/// catch .unsupportedObjective(_, let name) { print("cannot score \(name)") }
/// catch { print(error.description) }
/// ```
public enum XGBoostInteropError: ClassifiedError, Equatable {
    /// The file is not an XGBoost JSON model (not JSON, or a required field is missing or has the wrong type).
    case malformed(source: String, reason: String)
    /// The objective is not one of `binary:logistic`, `reg:logistic`, `reg:squarederror`.
    case unsupportedObjective(source: String, objective: String)
    /// The booster is not `gbtree` (`dart` and `gblinear` are refused).
    case unsupportedBooster(source: String, booster: String)
    /// The model predicts more than one class or target.
    case multiClass(source: String, classes: Int)
    /// A tree splits on a categorical feature (XGBoost's `enable_categorical`).
    case categoricalSplit(source: String, tree: Int, node: Int)
    /// The model has no feature names and none (or the wrong number) were given.
    case featureNames(source: String, expected: Int, given: Int)
    /// The pipeline cannot be written as an XGBoost model (for example a logistic regression).
    case notExportable(reason: String)

    /// The exit-code category: usage for export and feature-name problems, bad data otherwise.
    public var category: ErrorCategory {
        switch self {
        case .featureNames, .notExportable: .usage
        default: .dataError
        }
    }

    /// A one-sentence description naming the file and the reason.
    public var description: String {
        switch self {
        case let .malformed(source, reason): "\(source): not an XGBoost JSON model (\(reason))"
        case let .unsupportedObjective(source, objective):
            "\(source): objective '\(objective)' is not supported (HeatML imports binary:logistic, reg:logistic and reg:squarederror)"
        case let .unsupportedBooster(source, booster): "\(source): booster '\(booster)' is not supported (only gbtree)"
        case let .multiClass(source, classes): "\(source): a multi-class or multi-target model (\(classes) outputs) cannot be imported; HeatML models have one output"
        case let .categoricalSplit(source, tree, node): "\(source): tree \(tree), node \(node) is a categorical split, which HeatML trees do not have"
        case let .featureNames(source, expected, given):
            given == 0 ? "\(source): the model has no feature names; \(expected) are needed"
                : "\(source): \(given) feature names given for a model with \(expected) features"
        case let .notExportable(reason): "the model cannot be written in XGBoost's format: \(reason)"
        }
    }

    /// A short suggestion for fixing the failure.
    public var hint: String? {
        switch self {
        case .featureNames: "pass the column names in model order with --features a,b,c"
        case .categoricalSplit: "one-hot encode categorical columns before training in XGBoost (or train without enable_categorical)"
        case .unsupportedObjective: "train with objective binary:logistic, reg:logistic or reg:squarederror"
        case .multiClass: "train one binary model per class"
        case .unsupportedBooster: "train with booster gbtree"
        case .notExportable: "only boosted-tree models (ml train --model gbdt, ml import-xgboost) can be exported"
        case .malformed: "save the model with Booster.save_model(\"model.json\") (XGBoost 1.0 or newer)"
        }
    }
}
