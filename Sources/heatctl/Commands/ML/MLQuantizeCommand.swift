import ArgumentParser
import Foundation
import HeatEnvelope
import HeatCore
import HeatML

/// `heatctl ml quantize`: write the integer form of a model for encrypted scoring.
struct MLQuantizeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write the integer (quantized) form of a model for encrypted scoring.",
        discussion: """
            Boosted trees: each feature is cut into at most 2^B bins at the trees' own split \
            values, thresholds become bin indices and leaves integers. Logistic regression: each \
            feature becomes a B-bit code over its range in --data (required), weights and bias \
            integers. Prints the scale (integer score = scale x log-odds), the largest possible \
            |score| (choose a plaintext modulus above twice it) and, with --data, the share of \
            rows whose decision (p >= 0.5) equals the float model's. Writes an envelope of kind \
            quantizedModel (Docs/ML.md).

            Examples:
              heatctl ml quantize churn.model --bits 8 --out churn.q8
              heatctl ml quantize churn-logistic.model --bits 8 --data churn.csv --out churn-logistic.q8 --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The model file (from `ml train` or `ml import-xgboost`).")
    var input: String

    @Option(name: .long, help: "Bits per feature code or bin index (1-16).")
    var bits: Int

    @Option(name: .long, help: "Where to write the quantized model.")
    var out: String

    @Option(name: .long, help: "A CSV with the model's columns: the logistic code ranges, and the agreement check.")
    var data: String?

    @Option(name: .long, help: "Bits of the integer weights or leaves (default: --bits).")
    var valueBits: Int?

    @Flag(name: .long, help: "Print a JSON summary on stdout.")
    var json = false

    func validate() throws {
        guard (1...16).contains(bits) else { throw ValidationError("--bits must be in 1 ... 16, not \(bits)") }
        if let valueBits, !(2...30).contains(valueBits) { throw ValidationError("--value-bits must be in 2 ... 30, not \(valueBits)") }
    }

    struct Summary: Encodable {
        var model: String
        var bits: Int
        var scale: Double
        var maximumAbsoluteScore: Int
        var exact: Bool?
        var agreement: QuantizationAgreement?
        var agreementShare: Double?
    }

    func execute() async throws {
        let pipeline = try ModelPipeline.load(from: URL(filePath: input))
        let table = try data.map { try pipeline.loadTable(from: URL(filePath: $0)) }
        if case .logistic = pipeline.model, table == nil {
            throw ValidationError("quantizing a logistic model needs --data FILE (each feature's code range comes from its values)")
        }
        let quantized = try pipeline.quantized(bits: bits, calibration: table, valueBits: valueBits)
        try quantized.save(to: URL(filePath: out))
        let agreement = try table.map { try quantized.agreement(with: pipeline, on: $0) }
        var exact: Bool?
        if case let .trees(trees) = quantized.model { exact = trees.isExact }
        let summary = Summary(model: pipeline.model.kind, bits: bits, scale: quantized.model.scale,
                              maximumAbsoluteScore: quantized.model.maximumAbsoluteScore, exact: exact,
                              agreement: agreement, agreementShare: agreement?.share)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            Console.output("\(summary.model) quantized to \(bits) bits: integer score = \(String(format: "%.4g", summary.scale)) x log-odds, |score| <= \(summary.maximumAbsoluteScore)")
            if let exact { Console.output(exact ? "bins cut at every split value: the integer trees route rows exactly as the float trees" : "a feature has more than 2^\(bits) - 1 split values: nearby split values were merged") }
            if let agreement {
                Console.output(String(format: "decisions equal to the float model's on %d of %d rows (%.2f%%)", agreement.agreeing, agreement.rows, 100 * agreement.share))
            }
        }
        Console.info("wrote \(out)")
    }
}
