import Foundation
import HeatEnvelope
import HeatFHE

/// File-level BFV operations behind `heatctl fhe`: key generation, encryption and decryption of
/// value files, inspection and JSON export, for any preset or parameter file.
///
/// The toolbox reads the parameters embedded in each file, builds the context with the right
/// scalar (`UInt32` or `UInt64`), checks that every file belongs to the same parameters
/// (fingerprints) and calls the generic API.
///
/// Every entry point is a production loader: files whose parameters are below 128-bit security
/// are refused unless `policy` is ``BfvSecurityPolicy/allowInsecureForTesting``. Encryption takes a
/// public key only; the noise budget and a secret key's JSON export are given only when asked.
///
/// ```swift
/// let keys = try FHEToolbox.generateKeys(preset: "n4096-logq109-logt17", directory: URL(filePath: "keys"))
/// try FHEToolbox.encrypt(values: [1, 2, 3], keyFile: keys.publicKey, encoding: .batch,
///                        output: URL(filePath: "values.ct"))
/// let result = try FHEToolbox.decrypt(secretKeyFile: keys.secretKey, ciphertextFile: URL(filePath: "values.ct"))
/// ```
public enum FHEToolbox {
    /// The file name of the parameters written by ``generateKeys(preset:directory:)``.
    public static let parametersFileName = BfvKeyFileNames.parameters
    /// The file name of the secret key (mode 0600).
    public static let secretKeyFileName = BfvKeyFileNames.secretKey
    /// The file name of the public key.
    public static let publicKeyFileName = BfvKeyFileNames.publicKey

    /// One preset as listed by `heatctl fhe params`.
    public struct PresetSummary: Codable, Sendable, Equatable {
        /// The preset name.
        public var name: String
        /// The ring degree `N`.
        public var degree: Int
        /// The plaintext modulus `t`.
        public var plaintextModulus: UInt64
        /// The ciphertext moduli.
        public var ciphertextModuli: [UInt64]
        /// The special key-switching prime.
        public var specialModulus: UInt64?
        /// Bits of the key-level modulus product.
        public var logQ: Int
        /// The 128-bit security bound for `N`.
        public var maximumLogQ: Int?
        /// 32 or 64.
        public var scalarBits: Int
        /// Whether batching is available (then `N` slots per ciphertext).
        public var batching: Bool

        /// Summarises parameters.
        ///
        /// - Parameter parameters: the parameters.
        public init(_ parameters: BfvParameters) {
            name = parameters.name
            degree = parameters.degree
            plaintextModulus = parameters.plaintextModulus
            ciphertextModuli = parameters.ciphertextModuli
            specialModulus = parameters.specialModulus
            logQ = parameters.keyLogQ
            maximumLogQ = BfvParameters.maximumLogQ(degree: parameters.degree)
            scalarBits = Int(parameters.scalarWidth.rawValue)
            batching = parameters.supportsBatching
        }
    }

    /// The files written by key generation.
    public struct KeyFiles: Sendable, Equatable {
        /// The parameters file.
        public var parameters: URL
        /// The secret key (mode 0600).
        public var secretKey: URL
        /// The public key.
        public var publicKey: URL
        /// The relinearization key, when evaluation keys were generated.
        public var relinearizationKey: URL? = nil
        /// The Galois keys, when evaluation keys were generated.
        public var galoisKeys: URL? = nil
    }

    /// The outcome of a decryption.
    public struct Decryption: Codable, Sendable, Equatable {
        /// The parameters' name.
        public var parameters: String
        /// The encoding the values were read with.
        public var encoding: String
        /// Whether the values were read as signed.
        public var signed: Bool
        /// The decrypted values.
        public var values: [Int64]
        /// The remaining invariant noise budget in bits, only when asked for (it depends on the
        /// secret key; `nil` is left out of the JSON).
        public var noiseBudget: Int?
    }

    /// What `heatctl fhe inspect` shows about a file.
    public struct Inspection: Codable, Sendable, Equatable {
        /// The file path.
        public var path: String
        /// The envelope kind (`fheCiphertext`, ...).
        public var kind: String
        /// The file size in bytes.
        public var bytes: Int
        /// The parameter fingerprint (hex).
        public var fingerprint: String
        /// The parameters' name and whether it is a preset.
        public var parameters: String
        /// Whether the parameters are a named preset.
        public var isPreset: Bool
        /// The security claim (`standard128` or `insecureForTesting`).
        public var security: String
        /// The ring degree.
        public var degree: Int
        /// The plaintext modulus.
        public var plaintextModulus: UInt64
        /// The moduli of the object's polynomials (key level for keys, the level for ciphertexts).
        public var moduli: [UInt64]
        /// The ciphertext's or plaintext's encoding.
        public var encoding: String?
        /// Whether the encoded values are signed.
        public var signed: Bool?
        /// The number of encoded values.
        public var valueCount: Int?
        /// The number of polynomials (ciphertexts).
        public var polynomialCount: Int?
        /// The noise budget in bits (ciphertexts, when a secret key is given).
        public var noiseBudget: Int?
        /// The ciphertext's level (number of ciphertext moduli left after modulus switching).
        public var level: Int? = nil
        /// The Galois elements of a Galois keys file.
        public var galoisElements: [Int]? = nil
    }

    /// Summaries of every preset.
    ///
    /// - Returns: one summary per preset, smallest first.
    public static func presetSummaries() -> [PresetSummary] { BfvParameters.presets.map(PresetSummary.init) }

    /// Generates a key pair for a preset and writes parameters, secret and public key into a folder.
    ///
    /// - Parameters:
    ///   - preset: a preset name (``BfvParameters/presetNames``).
    ///   - directory: the destination folder (created if missing).
    ///   - evaluationKeys: the evaluation keys to write too (default: relinearization key and the
    ///     default Galois keys; `nil` for none).
    /// - Returns: the written files.
    /// - Throws: ``FHEError/unknownPreset(_:available:)`` or a write failure.
    public static func generateKeys(
        preset: String, directory: URL, evaluationKeys: EvaluationKeyOptions? = EvaluationKeyOptions()
    ) throws(FHEError) -> KeyFiles {
        let parameters = try BfvParameters(preset: preset)
        return try generateKeys(parameters: parameters, directory: directory, evaluationKeys: evaluationKeys)
    }

    /// Generates a key pair for parameters (presets or, for tests, insecure ones) into a folder.
    ///
    /// - Parameters:
    ///   - parameters: the parameters.
    ///   - directory: the destination folder (created if missing).
    ///   - evaluationKeys: the evaluation keys to write too (default: relinearization key and the
    ///     default Galois keys; `nil` for none).
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the written files.
    /// - Throws: a validation or write failure.
    public static func generateKeys(
        parameters: BfvParameters, directory: URL, evaluationKeys: EvaluationKeyOptions? = EvaluationKeyOptions(),
        policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> KeyFiles {
        try policy.check(parameters)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory.path, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        var files = KeyFiles(
            parameters: directory.appending(path: parametersFileName),
            secretKey: directory.appending(path: secretKeyFileName),
            publicKey: directory.appending(path: publicKeyFileName))
        if let evaluationKeys {
            if evaluationKeys.relinearization { files.relinearizationKey = directory.appending(path: relinearizationKeyFileName) }
            if evaluationKeys.galois { files.galoisKeys = directory.appending(path: galoisKeysFileName) }
        }
        try parameters.withContext(WriteKeys(files: files, evaluationKeys: evaluationKeys))
        return files
    }

    private struct WriteKeys: BfvContextOperation {
        let files: KeyFiles
        let evaluationKeys: EvaluationKeyOptions?
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) {
            try FHEToolbox.writeKeys(context, files, evaluationKeys)
        }
    }

    private static func writeKeys<T: ScalarType>(
        _ context: BfvContext<T>, _ files: KeyFiles, _ evaluationKeys: EvaluationKeyOptions?
    ) throws(FHEError) {
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)
        try BfvFile.write(context.parameters.envelope(), to: files.parameters)
        try secretKey.write(to: files.secretKey)
        try BfvFile.write(publicKey.envelope(seeded: true), to: files.publicKey)
        try writeEvaluationKeys(secretKey, files, evaluationKeys)
    }

    /// Encrypts integers with a public key file and writes the ciphertext.
    ///
    /// Values are encoded as signed integers when any is negative, else as unsigned. A secret key
    /// file is refused: the encrypting side never needs the secret.
    ///
    /// - Parameters:
    ///   - values: at most `N` integers in the plaintext range.
    ///   - keyFile: an `fhePublicKey` or `fheSeededPublicKey` file.
    ///   - encoding: batch or coefficient.
    ///   - output: the ciphertext file.
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the parameters' name.
    /// - Throws: ``FHEError`` (bad key file, too many values, a value out of range with its index).
    @discardableResult
    public static func encrypt(
        values: [Int64], keyFile: URL, encoding: BfvEncoding, output: URL, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> String {
        let envelope = try BfvFile.read(keyFile)
        if envelope.kind == .fheSecretKey {
            throw .invalidInput(
                source: keyFile.path,
                reason: "encryption takes the public key; a secret key must never be handed to the encrypting side")
        }
        guard envelope.kind == .fhePublicKey || envelope.kind == .fheSeededPublicKey else {
            throw .envelope(.wrongKind(source: keyFile.path, expected: .fhePublicKey, found: envelope.kind))
        }
        let parameters = try BfvFile.parameters(in: envelope, source: keyFile.path, policy: policy)
        try parameters.withContext(
            Encrypt(values: values, keyEnvelope: envelope, keyPath: keyFile.path, encoding: encoding, output: output))
        return parameters.name
    }

    private struct Encrypt: BfvContextOperation {
        let values: [Int64]
        let keyEnvelope: Envelope
        let keyPath: String
        let encoding: BfvEncoding
        let output: URL
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) {
            try FHEToolbox.encrypt(values, keyEnvelope, keyPath, encoding, output, context)
        }
    }

    /// Reads the values of a JSON array or CSV column (``FHEValueInput``), encrypts them and writes
    /// the ciphertext; a value outside the plaintext range is reported with its JSON element index
    /// or its CSV line and column.
    ///
    /// - Parameters:
    ///   - inputFile: a `.json` array or a CSV file with a header.
    ///   - column: the CSV column (required when the CSV has several).
    ///   - keyFile: an `fhePublicKey` or `fheSeededPublicKey` file.
    ///   - encoding: batch or coefficient.
    ///   - output: the ciphertext file.
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the number of values encrypted and the parameters' name.
    /// - Throws: ``FHEError`` naming the file and the element or line at fault.
    @discardableResult
    public static func encrypt(
        inputFile: URL, column: String?, keyFile: URL, encoding: BfvEncoding, output: URL,
        policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> (count: Int, parameters: String) {
        let values = try FHEValueInput.read(inputFile, column: column)
        do {
            let name = try encrypt(values: values, keyFile: keyFile, encoding: encoding, output: output, policy: policy)
            return (values.count, name)
        } catch {
            guard case .valueOutOfRange(let index, let value, let range) = error else { throw error }
            let place =
                inputFile.pathExtension.lowercased() == "json"
                ? "element \(index)"
                : "line \(index + 2)\(column.map { ", column \"\($0)\"" } ?? "")"
            throw .invalidInput(
                source: inputFile.path, reason: "\(place): value \(value) is outside the plaintext range \(range)")
        }
    }

    private static func encrypt<T: ScalarType>(
        _ values: [Int64], _ keyEnvelope: Envelope, _ keyPath: String, _ encoding: BfvEncoding, _ output: URL,
        _ context: BfvContext<T>
    ) throws(FHEError) {
        let encoder = BfvEncoder(context: context)
        let plaintext: Plaintext<T>
        if values.contains(where: { $0 < 0 }) {
            plaintext = try encoder.encode(signed: values, encoding: encoding)
        } else {
            plaintext = try encoder.encode(unsigned: values.map { UInt64($0) }, encoding: encoding)
        }
        let encryptor = BfvEncryptor(publicKey: try PublicKey(envelope: keyEnvelope, context: context, source: keyPath))
        try BfvFile.write(try encryptor.encrypt(plaintext).envelope(), to: output)
    }

    /// Decrypts a ciphertext file.
    ///
    /// - Parameters:
    ///   - secretKeyFile: the `fheSecretKey` file.
    ///   - ciphertextFile: the `fheCiphertext` file, made for the same parameters.
    ///   - encoding: the encoding to decode with (default: the one recorded in the ciphertext).
    ///   - includeNoiseBudget: also measure the invariant noise budget (default `false`: it
    ///     depends on the secret key, so it is given only when asked for).
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the values, and the remaining noise budget when asked for.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, corrupted file).
    public static func decrypt(
        secretKeyFile: URL, ciphertextFile: URL, encoding: BfvEncoding? = nil, includeNoiseBudget: Bool = false,
        policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> Decryption {
        // The operation owns the only copy of the secret key envelope, wiped on every exit.
        var operation = Decrypt(
            keyEnvelope: try BfvFile.read(secretKeyFile, expecting: .fheSecretKey), keyPath: secretKeyFile.path,
            ciphertextPath: ciphertextFile.path, encoding: encoding, includeNoiseBudget: includeNoiseBudget)
        defer { operation.keyEnvelope.payload.withUnsafeMutableBytes { secureZero($0) } }
        let parameters = try BfvFile.parameters(in: operation.keyEnvelope, source: secretKeyFile.path, policy: policy)
        operation.ciphertextEnvelope = try readCiphertextEnvelope(ciphertextFile, fingerprint: parameters.fingerprint)
        return try parameters.withContext(&operation)
    }

    private struct Decrypt: BfvContextOperation {
        var keyEnvelope: Envelope
        let keyPath: String
        var ciphertextEnvelope: Envelope? = nil
        let ciphertextPath: String
        let encoding: BfvEncoding?
        let includeNoiseBudget: Bool
        mutating func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> Decryption {
            guard let ciphertextEnvelope else {
                throw .invalidInput(source: ciphertextPath, reason: "the ciphertext file was not read")
            }
            return try FHEToolbox.decrypt(
                &keyEnvelope, keyPath, ciphertextEnvelope, ciphertextPath, encoding, includeNoiseBudget, context)
        }
    }

    /// Reads an `fheCiphertext` or `fheSeededCiphertext` file of the given parameters.
    static func readCiphertextEnvelope(_ url: URL, fingerprint: Fingerprint) throws(FHEError) -> Envelope {
        let envelope = try BfvFile.read(url, fingerprint: fingerprint)
        guard envelope.kind == .fheCiphertext || envelope.kind == .fheSeededCiphertext else {
            throw .envelope(.wrongKind(source: url.path, expected: .fheCiphertext, found: envelope.kind))
        }
        return envelope
    }

    private static func decrypt<T: ScalarType>(
        _ keyEnvelope: inout Envelope, _ keyPath: String, _ ciphertextEnvelope: Envelope, _ ciphertextPath: String,
        _ encoding: BfvEncoding?, _ includeNoiseBudget: Bool, _ context: BfvContext<T>
    ) throws(FHEError) -> Decryption {
        let secretKey = try SecretKey(wipingEnvelope: &keyEnvelope, context: context, source: keyPath)
        let ciphertext = try Ciphertext(envelope: ciphertextEnvelope, context: context, source: ciphertextPath)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let plaintext = try decryptor.decrypt(ciphertext)
        let encoder = BfvEncoder(context: context)
        let chosen = encoding ?? ciphertext.encoding
        let values: [Int64] =
            ciphertext.signedness == .signed
            ? try encoder.decodeSigned(plaintext, encoding: chosen)
            : try encoder.decodeUnsigned(plaintext, encoding: chosen).map { Int64($0) }
        return Decryption(
            parameters: context.parameters.name, encoding: chosen.name, signed: ciphertext.signedness == .signed,
            values: values, noiseBudget: includeNoiseBudget ? try decryptor.invariantNoiseBudget(ciphertext) : nil)
    }

    /// Describes any HeatFHE file; with the secret key, also a ciphertext's noise budget.
    ///
    /// - Parameters:
    ///   - file: the file.
    ///   - secretKeyFile: an optional secret key of the same parameters.
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the description.
    /// - Throws: ``FHEError`` when the file is not a valid HeatFHE file.
    public static func inspect(
        _ file: URL, secretKeyFile: URL? = nil, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> Inspection {
        var envelope = try BfvFile.read(file)
        defer { if envelope.kind.isSecret { envelope.payload.withUnsafeMutableBytes { secureZero($0) } } }
        let parameters = try BfvFile.parameters(in: envelope, source: file.path, policy: policy)
        var keyEnvelope = try secretKeyFile.map { url throws(FHEError) in
            try BfvFile.read(url, expecting: .fheSecretKey, fingerprint: parameters.fingerprint)
        }
        defer { keyEnvelope?.payload.withUnsafeMutableBytes { secureZero($0) } }
        return try parameters.withContext(
            Inspect(envelope: envelope, path: file.path, keyEnvelope: keyEnvelope, keyPath: secretKeyFile?.path))
    }

    private struct Inspect: BfvContextOperation {
        let envelope: Envelope
        let path: String
        let keyEnvelope: Envelope?
        let keyPath: String?
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> Inspection {
            try FHEToolbox.inspect(envelope, path, keyEnvelope, keyPath, context)
        }
    }

    private static func inspect<T: ScalarType>(
        _ envelope: Envelope, _ path: String, _ keyEnvelope: Envelope?, _ keyPath: String?, _ context: BfvContext<T>
    ) throws(FHEError) -> Inspection {
        let parameters = context.parameters
        var report = Inspection(
            path: path, kind: envelope.kind.name, bytes: envelope.serialized().count, fingerprint: envelope.fingerprint.hex,
            parameters: parameters.name, isPreset: parameters.presetName != nil,
            security: parameters.security == .standard128 ? "standard128" : "insecureForTesting",
            degree: parameters.degree, plaintextModulus: parameters.plaintextModulus, moduli: parameters.keyModuli)
        switch envelope.kind {
        case .fheSecretKey:
            _ = try SecretKey(envelope: envelope, context: context, source: path)
        case .fhePublicKey, .fheSeededPublicKey:
            _ = try PublicKey(envelope: envelope, context: context, source: path)
        case .fheRelinearizationKey, .fheSeededRelinearizationKey:
            _ = try BfvRelinearizationKey(envelope: envelope, context: context, source: path)
        case .fheGaloisKeys, .fheSeededGaloisKeys:
            let keys = try BfvGaloisKeys(envelope: envelope, context: context, source: path)
            report.galoisElements = keys.elements
        case .fheCiphertext, .fheSeededCiphertext:
            let ciphertext = try Ciphertext(envelope: envelope, context: context, source: path)
            report.moduli = ciphertext.moduli
            report.level = ciphertext.level
            report.encoding = ciphertext.encoding.name
            report.signed = ciphertext.signedness == .signed
            report.valueCount = ciphertext.valueCount
            report.polynomialCount = ciphertext.polynomials.count
            if let keyEnvelope, let keyPath {
                let secretKey = try SecretKey(envelope: keyEnvelope, context: context, source: keyPath)
                report.noiseBudget = try BfvDecryptor(secretKey: secretKey).invariantNoiseBudget(ciphertext)
            }
        case .fhePlaintext:
            let plaintext = try Plaintext(envelope: envelope, context: context, source: path)
            report.moduli = [parameters.plaintextModulus]
            report.encoding = plaintext.encoding.name
            report.signed = plaintext.signedness == .signed
            report.valueCount = plaintext.valueCount
        default:
            _ = try BfvParameters(envelope: envelope, source: path)
        }
        return report
    }

    /// The JSON export (`Docs/FHE-Format.md`) of a secret key, public key or ciphertext file
    /// (seeded files are exported expanded).
    ///
    /// - Parameters:
    ///   - file: the file.
    ///   - includeSecret: must be `true` to export a secret key (the document is the secret).
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: the JSON document.
    /// - Throws: ``FHEError`` when the file is invalid or of another kind, or a secret key without
    ///   `includeSecret`.
    public static func exportJSON(
        _ file: URL, includeSecret: Bool = false, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> String {
        var envelope = try BfvFile.read(file)
        defer { if envelope.kind.isSecret { envelope.payload.withUnsafeMutableBytes { secureZero($0) } } }
        let kinds: [EnvelopeKind] = [
            .fheSecretKey, .fhePublicKey, .fheSeededPublicKey, .fheCiphertext, .fheSeededCiphertext,
            .fheRelinearizationKey, .fheGaloisKeys, .fheSeededRelinearizationKey, .fheSeededGaloisKeys,
        ]
        guard kinds.contains(envelope.kind) else {
            throw .invalidInput(
                source: file.path,
                reason: "export-json takes a key or ciphertext file, not a \(envelope.kind) file")
        }
        guard envelope.kind != .fheSecretKey || includeSecret else {
            throw .invalidInput(
                source: file.path,
                reason: "this is a secret key: its JSON export prints the secret; pass --include-secret if you really mean it")
        }
        let parameters = try BfvFile.parameters(in: envelope, source: file.path, policy: policy)
        return try parameters.withContext(ExportJSON(envelope: envelope, path: file.path))
    }

    private struct ExportJSON: BfvContextOperation {
        let envelope: Envelope
        let path: String
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> String {
            try FHEToolbox.exportJSON(envelope, path, context)
        }
    }

    private static func exportJSON<T: ScalarType>(
        _ envelope: Envelope, _ path: String, _ context: BfvContext<T>
    ) throws(FHEError) -> String {
        switch envelope.kind {
        case .fheSecretKey:
            return BfvJSONExport.export(try SecretKey(envelope: envelope, context: context, source: path))
        case .fhePublicKey, .fheSeededPublicKey:
            return BfvJSONExport.export(try PublicKey(envelope: envelope, context: context, source: path))
        case .fheRelinearizationKey, .fheSeededRelinearizationKey:
            return BfvJSONExport.export(try BfvRelinearizationKey(envelope: envelope, context: context, source: path))
        case .fheGaloisKeys, .fheSeededGaloisKeys:
            return BfvJSONExport.export(try BfvGaloisKeys(envelope: envelope, context: context, source: path))
        default:
            return BfvJSONExport.export(try Ciphertext(envelope: envelope, context: context, source: path))
        }
    }
}
