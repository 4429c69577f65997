import Crypto
import Foundation
import HeatEnvelope
import HeatFHE

/// How the encrypted pipeline packs activity into BFV slots, and which presets can hold it.
///
/// The collector packs **weekly weighted activity**: for each client and ISO week, the week's
/// score `s(w)` of the heat model (the weighted sum of the capped counts, duration units and
/// replies of the eight channel x direction buckets, `Docs/HeatModel.md`) goes into the client's
/// slot of one ciphertext per week and slot batch. Slot `i` of batch `b` holds the client whose
/// directory slot index is `b * N + i`. The evaluator then needs only ciphertext additions and
/// products with public integer constants: `heat = sum d(age) * s(w)`,
/// `trend = decayScale * (sum of the last T weeks - sum of the T before)`.
///
/// The weights, caps and duration unit are therefore fixed at ingestion (``packingHash(of:)``
/// records them); the window, decay and trend length stay the evaluator's choice.
///
/// ```swift
/// let parameters = try HeatPacking.preset(for: HeatConfiguration())
/// parameters.name   // "n8192-logq217-logt25"
/// ```
public enum HeatPacking {
    /// The packing recorded with every stored ciphertext and run.
    public static let weeklyScore = "weeklyScore"

    /// The smallest plaintext modulus that holds heat (decoded in `[0, t)`) and the signed trend
    /// (decoded centred, in `(-t/2, t/2)`): `max(maximumHeat, 2 * maximumTrend) + 1`.
    ///
    /// - Parameters:
    ///   - maximumHeat: the largest heat.
    ///   - maximumTrend: the largest trend magnitude.
    /// - Returns: the bound `t` must reach.
    public static func requiredPlaintextModulus(maximumHeat: Int, maximumTrend: Int) -> Int {
        max(maximumHeat, 2 * maximumTrend) + 1
    }

    /// Whether parameters can carry a configuration's heat and trend exactly.
    ///
    /// - Parameters:
    ///   - parameters: BFV parameters.
    ///   - configuration: the heat configuration.
    /// - Returns: `true` when `t` reaches ``requiredPlaintextModulus(maximumHeat:maximumTrend:)``,
    ///   batching is supported and the scalars are 64-bit.
    public static func fits(_ parameters: BfvParameters, _ configuration: HeatConfiguration) -> Bool {
        let required = requiredPlaintextModulus(
            maximumHeat: configuration.maximumHeat, maximumTrend: configuration.maximumTrendMagnitude)
        return parameters.supportsBatching && parameters.scalarWidth == .bits64
            && parameters.plaintextModulus >= UInt64(required)
    }

    /// The smallest preset that fits a configuration.
    ///
    /// - Parameter configuration: the heat configuration.
    /// - Returns: the parameters of the smallest fitting preset.
    /// - Throws: ``PipelineError/noPresetFits(maximumHeat:maximumTrend:)`` (exit 69).
    public static func preset(for configuration: HeatConfiguration) throws(PipelineError) -> BfvParameters {
        guard let preset = BfvParameters.presets.first(where: { fits($0, configuration) }) else {
            throw .noPresetFits(maximumHeat: configuration.maximumHeat, maximumTrend: configuration.maximumTrendMagnitude)
        }
        return preset
    }

    /// Checks that keys made for `parameters` can run a configuration.
    ///
    /// - Parameters:
    ///   - parameters: the keys' parameters.
    ///   - configuration: the heat configuration.
    /// - Throws: ``PipelineError/noPresetFits(maximumHeat:maximumTrend:)`` when nothing fits,
    ///   ``PipelineError/presetTooSmall(preset:plaintextModulus:maximumHeat:maximumTrend:fitting:)``
    ///   when another preset would (both exit 69).
    public static func check(_ parameters: BfvParameters, for configuration: HeatConfiguration) throws(PipelineError) {
        guard !fits(parameters, configuration) else { return }
        let fitting = try preset(for: configuration)
        throw .presetTooSmall(
            preset: parameters.name, plaintextModulus: parameters.plaintextModulus, maximumHeat: configuration.maximumHeat,
            maximumTrend: configuration.maximumTrendMagnitude, fitting: fitting.name)
    }

    /// Checks that a preset can serve the pipeline at all (batching, 64-bit scalars).
    ///
    /// - Parameter parameters: the parameters.
    /// - Throws: ``PipelineError/unsupportedPreset(name:reason:)``.
    public static func checkUsable(_ parameters: BfvParameters) throws(PipelineError) {
        guard parameters.supportsBatching else {
            throw .unsupportedPreset(name: parameters.name, reason: "its plaintext modulus does not support batching")
        }
        guard parameters.scalarWidth == .bits64 else {
            throw .unsupportedPreset(name: parameters.name, reason: "the pipeline runs on 64-bit presets only")
        }
    }

    /// SHA-256 (hex) of the settings fixed at ingestion: caps, duration unit, weights, duration
    /// and reply weights (canonical JSON, sorted keys).
    ///
    /// - Parameter configuration: the heat configuration.
    /// - Returns: the hash recorded with every stored ciphertext.
    public static func packingHash(of configuration: HeatConfiguration) -> String {
        struct Packed: Encodable {
            var packing: String
            var caps: HeatConfiguration.Caps
            var durationUnitSeconds: Int
            var weights: HeatConfiguration.ChannelWeights
            var durationUnitWeight: Int
            var replyWeight: Int
        }
        let packed = Packed(
            packing: weeklyScore, caps: configuration.caps, durationUnitSeconds: configuration.durationUnitSeconds,
            weights: configuration.weights, durationUnitWeight: configuration.durationUnitWeight,
            replyWeight: configuration.replyWeight)
        return hash(packed)
    }

    /// SHA-256 (hex) of the whole configuration (canonical JSON, sorted keys).
    ///
    /// - Parameter configuration: the heat configuration.
    /// - Returns: the hash recorded with every evaluation run.
    public static func configurationHash(of configuration: HeatConfiguration) -> String { hash(configuration) }

    static func hash<V: Encodable>(_ value: V) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data()
        return Hex.encode(SHA256.hash(data: data))
    }
}
