import Foundation
import HeatEnvelope

extension HeatMLError {
    /// Checks the size of a JSON model payload against ``HeatEnvelope/ReaderLimit/configBytes``
    /// (`HEAT_MAX_CONFIG_BYTES`, 64 MiB by default) **before** it is decoded.
    ///
    /// Model files (`model`, `riskModel`, `quantizedModel`, `fraudModel` envelopes) carry JSON
    /// whose decoding needs several times the payload in memory; the envelope bound alone (4 GiB)
    /// would let a crafted file exhaust memory in `JSONDecoder`. The same bound as every other
    /// JSON input (configurations, policies, XGBoost JSON) applies.
    ///
    /// ```swift
    /// try HeatMLError.checkJSONModelSize(envelope.payload, source: url.path)
    /// ```
    ///
    /// - Parameters:
    ///   - payload: the JSON bytes about to be decoded.
    ///   - source: the file name for the message.
    ///   - limits: the bounds in force (``HeatEnvelope/ReaderLimits/current`` by default).
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` (exit 65) naming the file, the field and
    ///   `HEAT_MAX_CONFIG_BYTES`.
    public static func checkJSONModelSize(_ payload: Data, source: String, limits: ReaderLimits = .current) throws(HeatMLError) {
        do {
            try limits.check(.configBytes, payload.count, source: source, field: "the JSON model payload")
        } catch {
            throw .badModel(source: source, reason: error.reason)
        }
    }
}
