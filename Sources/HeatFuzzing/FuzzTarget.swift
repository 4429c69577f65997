import Foundation
import HeatCore
import HeatEnvelope
import HeatFHE
import HeatML
import HeatTabular

/// One fuzz entry point per reader: each takes any byte sequence and must answer with a value or a
/// typed error, never a crash, a hang or unbounded memory.
///
/// The same entry points serve the libFuzzer executable (`Fuzz/HeatFuzzer`, built only with
/// `HEAT_FUZZ=1`, see `Scripts/fuzz.sh`) and the corpus replay test that runs in the normal test
/// suite (`Tests/HeatFuzzingTests`). A new reader gets a case here in the same change
/// (`CONTRIBUTING.md`).
///
/// ```swift
/// FuzzTarget.interactions.run(Data("client_id,occurred_at\n".utf8))   // returns; errors are fine
/// ```
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The file envelope (magic, version, kind, fingerprint, length, SHA-256), as `Envelope(decoding:)`.
    case envelope
    /// An FHE parameter header (`BfvParameters(envelope:)`), with the envelope fingerprint
    /// computed from the input so the fuzzer reaches the header checks.
    case fheParameters = "fhe-parameters"
    /// FHE object bodies (ciphertexts, plaintexts, public, secret, relinearization and Galois keys)
    /// after a fixed small header: the first byte picks the kind.
    case fheObjects = "fhe-objects"
    /// Interaction CSV or JSON Lines (`InteractionReader`), the format picked by the input.
    case interactions
    /// Client CSV or JSON Lines (`ClientReader`).
    case clients
    /// Card transaction logs for fraud profiles (`TransactionLogFormatReader`).
    case fraudTransactions = "fraud-transactions"
    /// CLV transaction logs (`TransactionLogReader`).
    case clvTransactions = "clv-transactions"
    /// HeatTabular's columnar CSV reader and HeatML's `DataTable`.
    case tabular
    /// Heat configuration JSON (`HeatConfiguration.decode`).
    case heatConfiguration = "heat-configuration"
    /// Privacy policy JSON (`PrivacyPolicy.parse`).
    case policy
    /// Persona rule files (`PersonaRules(data:source:)`).
    case personaRules = "persona-rules"
    /// Risk next-action rules (`ActionRules.parse`).
    case actionRules = "action-rules"
    /// Scenario shock files (`ScenarioShock.parse`).
    case scenarioShock = "scenario-shock"
    /// HeatML model payloads (`ModelPipeline.decode`) and the fraud and risk model files.
    case model
    /// XGBoost JSON models (`XGBoostJSON.importModel`).
    case xgboost
    /// TFHE secret keys, server keys and LWE ciphertexts (`TfheFile`, kinds 70-72): the first
    /// byte picks the kind and whether a valid parameter block precedes the body.
    case tfhe
    /// Encrypted heat runs, aggregates and scores (`PipelinePayloadReader` through
    /// `EncryptedHeatRun`, `EncryptedAggregates`, `EncryptedScoreRun`; kinds 40, 41, 55).
    case pipelinePayloads = "pipeline-payloads"
    /// Results documents (`ResultsDocument.decode`, read by `report`, `ask`, `summarize` and the
    /// server's release catalog).
    case results
    /// The API server's request bodies and credential headers (`HeatAPI`: `POST /v1/score` and
    /// `/v1/ask` bodies, the bearer token's JWS header, the session cookie, the body headers);
    /// the first byte picks the route. See `FuzzServer`.
    case serverRequests = "server-requests"
    /// The API server's query parameters (`GET /v1/groups`, `GET /v1/clients`) and the
    /// `X-CSRF-Token` check (`HeatAPI`: `GroupsQuery`, `ClientsQuery`, `CSRFToken`); the first
    /// byte picks the decoder. See `FuzzQuery`.
    case serverQuery = "server-query"

    /// Runs the reader on `data`, discarding the result and any thrown error.
    ///
    /// - Parameter data: any bytes.
    public func run(_ data: Data) {
        switch self {
        case .envelope:
            _ = try? Envelope(decoding: data, source: "fuzz")
        case .fheParameters:
            FuzzFHE.parameters(data)
        case .fheObjects:
            FuzzFHE.objects(data)
        case .interactions:
            _ = try? InteractionReader().read(data: data, file: "fuzz.csv")
            _ = try? InteractionReader(format: .jsonLines).read(data: data, file: "fuzz.jsonl")
        case .clients:
            _ = try? ClientReader().read(data: data, file: "fuzz.csv")
            _ = try? ClientReader(format: .jsonLines).read(data: data, file: "fuzz.jsonl")
        case .fraudTransactions:
            _ = try? TransactionLogFormatReader().read(data: data, file: "fuzz.csv")
        case .clvTransactions:
            _ = try? TransactionLogReader(amountColumn: "amount").read(bytes: [UInt8](data), source: "fuzz.csv")
        case .tabular:
            _ = try? ColumnarReader.read(data: data, file: "fuzz.csv")
            _ = try? DataTable(data: data, source: "fuzz.csv", options: DataTable.LoadOptions())
        case .heatConfiguration:
            _ = try? HeatConfiguration.decode(data, source: "fuzz.json")
        case .policy:
            _ = try? PrivacyPolicy.parse(data, source: "fuzz.json")
        case .personaRules:
            _ = try? PersonaRules(data: data, source: "fuzz.json")
        case .actionRules:
            _ = try? ActionRules.parse(data, file: "fuzz.json")
        case .scenarioShock:
            _ = try? ScenarioShock.parse(data, source: "fuzz.json")
        case .model:
            FuzzModels.run(data)
        case .xgboost:
            _ = try? XGBoostJSON.importModel(from: data, source: "fuzz.json")
        case .tfhe:
            FuzzTFHE.run(data)
        case .pipelinePayloads:
            FuzzPipeline.run(data)
        case .results:
            _ = try? ResultsDocument.decode(data, source: "fuzz.json")
        case .serverRequests:
            // A broken server invariant is a finding: trap so libFuzzer records the input
            // (the replay test checks ``violation(_:)`` first and fails without trapping).
            if let violation = FuzzServer.run(data) { preconditionFailure("server-requests invariant: \(violation)") }
        case .serverQuery:
            if let violation = FuzzQuery.run(data) { preconditionFailure("server-query invariant: \(violation)") }
        }
    }

    /// Runs the reader on `data` and returns the invariant it broke, beyond not crashing (for the
    /// targets that check one; `nil` for the others and for inputs that keep it).
    ///
    /// - Parameter data: any bytes.
    /// - Returns: a sentence naming the broken invariant, or `nil`.
    public func violation(_ data: Data) -> String? {
        switch self {
        case .serverRequests: FuzzServer.run(data)
        case .serverQuery: FuzzQuery.run(data)
        default: nil
        }
    }

    /// The target for a name (the raw value), or `nil`.
    ///
    /// - Parameter name: for example `interactions` or `fhe-objects`.
    public init?(name: String) { self.init(rawValue: name) }
}

/// The FHE harnesses: a small fixed testing ring so each input decodes in microseconds.
enum FuzzFHE {
    /// N=16, t=97, two 28-bit moduli and a 29-bit special prime (insecure: for fuzzing only).
    static let context: BfvContext<UInt64>? = {
        guard let moduli = try? PrimeGenerator.nttPrimes(bitWidth: 28, count: 2, degree: 16),
              let special = (try? PrimeGenerator.nttPrimes(bitWidth: 29, count: 1, degree: 16))?.first
        else { return nil }
        let parameters = BfvParameters(
            degree: 16, plaintextModulus: 97, ciphertextModuli: moduli, specialModulus: special,
            scalarWidth: .bits64, security: .insecureForTesting)
        return try? BfvContext<UInt64>(parameters: parameters)
    }()

    /// The object kinds the first input byte chooses from.
    static let kinds: [EnvelopeKind] = [
        .fheCiphertext, .fheSeededCiphertext, .fhePlaintext, .fhePublicKey, .fheSeededPublicKey, .fheSecretKey,
        .fheRelinearizationKey, .fheSeededRelinearizationKey, .fheGaloisKeys, .fheSeededGaloisKeys,
    ]

    /// `UInt32` length then bytes: the header every FHE payload starts with.
    static func header(_ canonical: [UInt8]) -> [UInt8] {
        let count = UInt32(canonical.count)
        return [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)] + canonical
    }

    static func parameters(_ data: Data) {
        let bytes = [UInt8](data)
        // The fingerprint the reader expects is the SHA-256 of the embedded parameter bytes: compute
        // it from the input (when the length fits) so mutations reach the parameter checks.
        var fingerprint = Fingerprint(hashing: [])
        if bytes.count >= 4 {
            let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
            if length <= bytes.count - 4 { fingerprint = Fingerprint(hashing: Array(bytes[4..<(4 + length)])) }
        }
        let envelope = Envelope(kind: .fheParameters, fingerprint: fingerprint, payload: data)
        _ = try? BfvParameters(envelope: envelope, source: "fuzz", policy: .allowInsecureForTesting)
    }

    static func objects(_ data: Data) {
        guard let context, let selector = data.first else { return }
        let kind = kinds[Int(selector) % kinds.count]
        let payload = Data(header(context.parameters.canonicalBytes)) + data.dropFirst()
        let envelope = Envelope(kind: kind, fingerprint: context.fingerprint, payload: payload)
        switch kind {
        case .fheCiphertext, .fheSeededCiphertext:
            _ = try? Ciphertext(envelope: envelope, context: context, source: "fuzz")
        case .fhePlaintext:
            _ = try? Plaintext(envelope: envelope, context: context, source: "fuzz")
        case .fhePublicKey, .fheSeededPublicKey:
            _ = try? PublicKey(envelope: envelope, context: context, source: "fuzz")
        case .fheSecretKey:
            _ = try? SecretKey(envelope: envelope, context: context, source: "fuzz")
        case .fheRelinearizationKey, .fheSeededRelinearizationKey:
            _ = try? BfvRelinearizationKey(envelope: envelope, context: context, source: "fuzz")
        default:
            _ = try? BfvGaloisKeys(envelope: envelope, context: context, source: "fuzz")
        }
    }
}

/// The model harness: the pipeline payload decoded in memory, and the file-only model kinds
/// written into a valid envelope in a temporary file and loaded.
enum FuzzModels {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appending(path: "heat-fuzz-models-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func run(_ data: Data) {
        _ = try? ModelPipeline.decode(data, source: "fuzz")
        guard let selector = data.first else { return }
        let kinds: [EnvelopeKind] = [.fraudModel, .riskModel, .quantizedModel]
        let kind = kinds[Int(selector) % kinds.count]
        let url = folder.appending(path: "model.heat")
        guard (try? Envelope(kind: kind, payload: data.dropFirst()).write(to: url)) != nil else { return }
        switch kind {
        case .fraudModel: _ = try? FraudModel.load(from: url)
        case .riskModel: _ = try? CalibratedModel.load(from: url)
        default: _ = try? QuantizedPipeline.load(from: url)
        }
    }
}
