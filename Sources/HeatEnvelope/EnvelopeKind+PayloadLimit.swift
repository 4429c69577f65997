extension EnvelopeKind {
    /// The bound on this kind's payload that ``Envelope/read(from:expecting:fingerprint:limits:)``
    /// checks against the file's size before reading it, or `nil` when only the envelope bound
    /// (``ReaderLimit/envelopeBytes``) applies.
    ///
    /// Kinds whose payload is JSON (pipeline, risk, quantized and fraud models) are bounded by
    /// ``ReaderLimit/configBytes`` (`HEAT_MAX_CONFIG_BYTES`, 64 MiB), like every other JSON input:
    /// decoding JSON takes several times its size in memory, so a crafted 3 GiB model file is refused
    /// by its size, not read and then refused.
    ///
    /// ```swift
    /// EnvelopeKind.model.payloadLimit          // .configBytes
    /// EnvelopeKind.fheCiphertext.payloadLimit  // nil
    /// ```
    public var payloadLimit: ReaderLimit? {
        switch self {
        case .model, .quantizedModel, .riskModel, .fraudModel: .configBytes
        default: nil
        }
    }
}
