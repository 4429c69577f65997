import HeatEnvelope

/// Everything that can go wrong in HeatFHE, each case naming the parameter, file or value at fault.
///
/// Conforms to ``HeatEnvelope/ClassifiedError`` so `heatctl` prints the message with a hint and
/// exits with the category's code: bad parameters or presets are usage errors (64), bad files and
/// values are data errors (65).
///
/// ```swift
/// do {
///     _ = try BfvParameters(preset: "n1234")
/// } catch {
///     print(error)   // unknown preset "n1234"; presets: n4096-logq109-logt17, ...
/// }
/// ```
public enum FHEError: ClassifiedError, Equatable {
    /// A modulus is not usable (even, too large, not prime, not NTT-friendly).
    case invalidModulus(UInt64, reason: String)
    /// The parameters are inconsistent (the message names the parameter).
    case invalidParameters(String)
    /// The parameters are below 128-bit security and `.insecureForTesting` was not passed.
    case insecureParameters(degree: Int, logQ: Int, maximumLogQ: Int?)
    /// No preset has this name.
    case unknownPreset(String, available: [String])
    /// Too many values for the polynomial degree / slot count.
    case tooManyValues(count: Int, capacity: Int)
    /// A value does not fit the plaintext modulus (index is the position in the input).
    case valueOutOfRange(index: Int, value: String, range: String)
    /// Two objects were made for different parameters or levels.
    case parameterMismatch(String)
    /// A serialized object is malformed (the message names the field).
    case malformedData(source: String, reason: String)
    /// Batch encoding needs a prime plaintext modulus with `t = 1 mod 2N`.
    case batchingUnsupported(plaintextModulus: UInt64, degree: Int)
    /// An input values file is malformed (line or index named).
    case invalidInput(source: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A wrapped envelope error (truncated, corrupted, wrong kind, other parameters, missing).
    case envelope(EnvelopeError)
    /// An operation needs an evaluation key (relinearization or Galois) that is not available.
    case missingEvaluationKey(String)
    /// No preset's plaintext modulus holds the requested bound (exit 69).
    case noPresetFits(bound: String, largest: String)
    /// A TFHE parameter is out of range (`parameter` names the ``TfheParameters`` field).
    case invalidTfheParameter(parameter: String, reason: String)
    /// A TFHE set is insecure (tests only) and the loader's policy is production.
    case insecureTfheParameters(set: String)

    /// The exit-code category.
    public var category: ErrorCategory {
        switch self {
        case .invalidModulus, .invalidParameters, .insecureParameters, .unknownPreset, .batchingUnsupported,
            .invalidTfheParameter, .insecureTfheParameters:
            .usage
        case .tooManyValues, .valueOutOfRange, .parameterMismatch, .malformedData, .invalidInput:
            .dataError
        case .io: .ioError
        case .envelope(let error): error.category
        case .missingEvaluationKey: .usage
        case .noPresetFits: .unavailable
        }
    }

    /// A one-sentence description.
    public var description: String {
        switch self {
        case .invalidModulus(let q, let reason):
            "invalid modulus \(q): \(reason)"
        case .invalidParameters(let reason):
            "invalid BFV parameters: \(reason)"
        case .insecureParameters(let degree, let logQ, let maximum):
            if let maximum {
                "insecure BFV parameters: N=\(degree) allows log2 Q <= \(maximum) bits for 128-bit security, got \(logQ)"
            } else {
                "insecure BFV parameters: N=\(degree) is not covered by the 128-bit security table (N >= 1024)"
            }
        case .unknownPreset(let name, let available):
            "unknown preset \"\(name)\"; presets: \(available.joined(separator: ", "))"
        case .tooManyValues(let count, let capacity):
            "\(count) values do not fit one plaintext of \(capacity) slots"
        case .valueOutOfRange(let index, let value, let range):
            "value \(value) at index \(index) is outside the plaintext range \(range)"
        case .parameterMismatch(let reason):
            "parameter mismatch: \(reason)"
        case .malformedData(let source, let reason):
            "\(source): malformed FHE data: \(reason)"
        case .batchingUnsupported(let t, let degree):
            "batch encoding needs a prime plaintext modulus t = 1 mod \(2 * degree); t = \(t) is not"
        case .invalidInput(let source, let reason):
            "\(source): \(reason)"
        case .io(let path, let reason):
            "\(path): \(reason)"
        case .envelope(let error):
            error.description
        case .missingEvaluationKey(let reason):
            "missing evaluation key: \(reason)"
        case .noPresetFits(let bound, let largest):
            "no BFV preset holds sums up to \(bound); the largest bound is \(largest)"
        case .invalidTfheParameter(let parameter, let reason):
            "invalid TFHE parameter \(parameter): \(reason)"
        case .insecureTfheParameters(let set):
            "insecure TFHE parameters: \(set) is a test set below 128-bit security, refused by the production policy"
        }
    }

    /// A suggested fix.
    public var hint: String? {
        switch self {
        case .insecureParameters: "use a preset (heatctl fhe params) or pass .insecureForTesting in tests"
        case .unknownPreset: "use one of the presets listed (BFV: heatctl fhe params; TFHE: Docs/TFHE.md)"
        case .tooManyValues: "split the values over several ciphertexts"
        case .valueOutOfRange: "values must fit the plaintext modulus t: scale them down or use a preset with a larger t"
        case .parameterMismatch: "use keys and ciphertexts generated for the same parameters"
        case .batchingUnsupported: "use --encoding coefficient or a preset with a batching t"
        case .envelope(let error): error.hint
        case .missingEvaluationKey: "generate the keys with heatctl fhe keygen (evaluation keys included) or pass the needed --steps"
        case .noPresetFits: "split the values into smaller groups or sum partial results after decryption"
        case .invalidTfheParameter: "use a TFHE preset (Docs/TFHE.md lists them and their ranges)"
        case .insecureTfheParameters:
            "use a 128-bit TFHE preset such as \(TfheParameters.default4Bit.name); test sets are for tests only"
        default: nil
        }
    }
}
