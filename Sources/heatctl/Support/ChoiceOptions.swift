import ArgumentParser
import HeatFHE

/// The estimator of `ml train --model` and `bench ml --model`.
///
/// ```swift
/// let command = try MLTrainCommand.parse(["--data", "t.csv", "--target", "y", "--model", "gbdt"])
/// command.model   // .gbdt
/// ```
enum ModelChoice: String, CaseIterable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    /// Logistic regression.
    case logistic
    /// Gradient-boosted trees.
    case gbdt

    var description: String { rawValue }

    /// Parses an option value, naming the option and the choices in the error (exit 64).
    ///
    /// - Parameter argument: the text given on the command line.
    /// - Returns: the choice.
    /// - Throws: `ValidationError` naming the valid values.
    static func parse(_ argument: String) throws -> ModelChoice {
        guard let choice = ModelChoice(rawValue: argument) else {
            throw ValidationError("--model must be logistic or gbdt, not '\(argument)'")
        }
        return choice
    }
}

/// The split finder of `ml train --tree-method`.
enum TreeMethodChoice: String, CaseIterable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    /// Histogram bins (`--max-bins`).
    case hist
    /// Every distinct value.
    case exact

    var description: String { rawValue }
}

/// `--encoding batch|coefficient` of `fhe encrypt` and `fhe decrypt`.
extension BfvEncoding: ExpressibleByArgument {
    /// Parses ``BfvEncoding/name``.
    public init?(argument: String) { self.init(name: argument) }

    /// The values shown in help and completions.
    public static var allValueStrings: [String] { allCases.map(\.name) }

    /// The value shown as a default in help.
    public var defaultValueDescription: String { name }
}
