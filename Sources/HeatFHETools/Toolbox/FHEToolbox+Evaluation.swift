import Foundation
import HeatEnvelope
import HeatFHE

/// Evaluation keys and homomorphic operations on ciphertext files (`heatctl fhe keygen`,
/// `heatctl fhe eval`), so that users and independent checkers can run every operation from the
/// command line.
///
/// ```swift
/// let keys = try FHEToolbox.generateKeys(preset: "n8192-logq217-logt41", directory: URL(filePath: "keys"))
/// try FHEToolbox.evaluate(.sumSlots, inputs: [URL(filePath: "heat.ct")], keysDirectory: URL(filePath: "keys"),
///                         output: URL(filePath: "total.ct"))
/// ```
extension FHEToolbox {
    /// The file name of the relinearization key written by key generation.
    public static let relinearizationKeyFileName = "bfv-relinearization-key.heat"
    /// The file name of the Galois keys written by key generation.
    public static let galoisKeysFileName = "bfv-galois-keys.heat"

    /// Which evaluation keys key generation writes.
    public struct EvaluationKeyOptions: Sendable, Equatable {
        /// Whether to write the relinearization key.
        public var relinearization: Bool
        /// Whether to write Galois keys.
        public var galois: Bool
        /// The rotation steps of the Galois keys (`nil`: ``BfvGaloisKeys/defaultSteps(degree:)``).
        public var steps: [Int]?
        /// Whether the Galois keys include the row swap.
        public var rowSwap: Bool

        /// Options; the default writes the relinearization key and the default Galois keys.
        ///
        /// - Parameters:
        ///   - relinearization: write the relinearization key (default `true`).
        ///   - galois: write Galois keys (default `true`).
        ///   - steps: the rotation steps (default: powers of two both ways).
        ///   - rowSwap: include the row swap (default `true`).
        public init(relinearization: Bool = true, galois: Bool = true, steps: [Int]? = nil, rowSwap: Bool = true) {
            self.relinearization = relinearization
            self.galois = galois
            self.steps = steps
            self.rowSwap = rowSwap
        }
    }

    /// A homomorphic operation of `heatctl fhe eval`.
    public enum Operation: String, Sendable, CaseIterable {
        /// `A + B`.
        case add
        /// `A - B`.
        case sub
        /// `A * B` (relinearized unless asked otherwise).
        case mul
        /// Rotate each row of slots left by `--steps` (SEAL `rotate_rows`, Apple `rotateColumns`).
        case rotate
        /// Swap the two rows of slots (SEAL `rotate_columns`, Apple `swapRows`).
        case swapRows = "swap-rows"
        /// The sum of all slots, in every slot.
        case sumSlots = "sum-slots"
        /// Drop the last modulus (one level; `--steps K` levels).
        case modSwitch = "mod-switch"

        /// How many ciphertext inputs the operation takes.
        public var inputCount: Int { [.add, .sub, .mul].contains(self) ? 2 : 1 }
    }

    /// What an evaluation wrote.
    public struct EvaluationResult: Codable, Sendable, Equatable {
        /// The operation.
        public var operation: String
        /// The parameters' name.
        public var parameters: String
        /// The number of polynomials of the result.
        public var polynomialCount: Int
        /// The result's level (ciphertext moduli left).
        public var level: Int
        /// The result file.
        public var output: String
    }

    static func writeEvaluationKeys<T: ScalarType>(
        _ secretKey: SecretKey<T>, _ files: KeyFiles, _ options: EvaluationKeyOptions?
    ) throws(FHEError) {
        guard let options else { return }
        if options.relinearization, let url = files.relinearizationKey {
            try BfvFile.write(BfvRelinearizationKey(secretKey: secretKey).envelope(), to: url)
        }
        if options.galois, let url = files.galoisKeys {
            let keys = try BfvGaloisKeys(secretKey: secretKey, steps: options.steps, rowSwap: options.rowSwap)
            try BfvFile.write(keys.envelope(), to: url)
        }
    }

    /// Runs one homomorphic operation on ciphertext files and writes the result.
    ///
    /// - Parameters:
    ///   - operation: the operation.
    ///   - inputs: one ciphertext file (two for add, sub, mul).
    ///   - keysDirectory: the folder with `bfv-relinearization-key.heat` / `bfv-galois-keys.heat`
    ///     (needed by mul with relinearization, rotate, swap-rows, sum-slots).
    ///   - steps: the rotation step of `rotate`, or the number of levels of `mod-switch` (default 1).
    ///   - relinearize: whether `mul` relinearizes (default `true`).
    ///   - output: the result file.
    ///   - policy: ``BfvSecurityPolicy/production`` (default) refuses insecure parameters.
    /// - Returns: a summary of the result.
    /// - Throws: ``FHEError`` (bad or mismatched files, a missing key, a missing `--steps`,
    ///   insecure parameters in production).
    @discardableResult
    public static func evaluate(
        _ operation: Operation, inputs: [URL], keysDirectory: URL?, steps: Int? = nil, relinearize: Bool = true,
        output: URL, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> EvaluationResult {
        guard inputs.count == operation.inputCount else {
            throw .invalidInput(
                source: "fhe eval",
                reason: "\(operation.rawValue) takes \(operation.inputCount) ciphertext file(s), got \(inputs.count)")
        }
        // A ciphertext or a seeded (half-size) ciphertext.
        let first = try BfvFile.read(inputs[0])
        guard first.kind == .fheCiphertext || first.kind == .fheSeededCiphertext else {
            throw .envelope(.wrongKind(source: inputs[0].path, expected: .fheCiphertext, found: first.kind))
        }
        let parameters = try BfvFile.parameters(in: first, source: inputs[0].path, policy: policy)
        return try parameters.withContext(
            Evaluate(
                operation: operation, inputs: inputs, keysDirectory: keysDirectory, steps: steps,
                relinearize: relinearize, output: output))
    }

    private struct Evaluate: BfvContextOperation {
        let operation: Operation
        let inputs: [URL]
        let keysDirectory: URL?
        let steps: Int?
        let relinearize: Bool
        let output: URL
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> EvaluationResult {
            try FHEToolbox.evaluate(operation, inputs, keysDirectory, steps, relinearize, output, context)
        }
    }

    private static func evaluate<T: ScalarType>(
        _ operation: Operation, _ inputs: [URL], _ keysDirectory: URL?, _ steps: Int?, _ relinearize: Bool,
        _ output: URL, _ context: BfvContext<T>
    ) throws(FHEError) -> EvaluationResult {
        var ciphertexts: [Ciphertext<T>] = []
        for url in inputs {
            let envelope = try readCiphertextEnvelope(url, fingerprint: context.fingerprint)
            ciphertexts.append(try Ciphertext(envelope: envelope, context: context, source: url.path))
        }
        func keyFile(_ name: String) throws(FHEError) -> (Envelope, String) {
            guard let keysDirectory else {
                throw .missingEvaluationKey("\(operation.rawValue) needs --keys DIR holding \(name)")
            }
            let url = keysDirectory.appending(path: name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw .missingEvaluationKey("\(url.path) does not exist; generate it with heatctl fhe keygen")
            }
            // Seeded or full keys: the loaders check the kind.
            return (try BfvFile.read(url, fingerprint: context.fingerprint), url.path)
        }
        func galoisKeys() throws(FHEError) -> BfvGaloisKeys<T> {
            let (envelope, path) = try keyFile(galoisKeysFileName)
            return try BfvGaloisKeys(envelope: envelope, context: context, source: path)
        }
        let evaluator = BfvEvaluator(context: context)
        let result: Ciphertext<T>
        switch operation {
        case .add: result = try evaluator.add(ciphertexts[0], ciphertexts[1])
        case .sub: result = try evaluator.subtract(ciphertexts[0], ciphertexts[1])
        case .mul:
            if relinearize {
                let (envelope, path) = try keyFile(relinearizationKeyFileName)
                let key = try BfvRelinearizationKey(envelope: envelope, context: context, source: path)
                result = try evaluator.multiply(ciphertexts[0], ciphertexts[1], relinearizingWith: key)
            } else {
                result = try evaluator.multiply(ciphertexts[0], ciphertexts[1])
            }
        case .rotate:
            guard let steps else { throw .invalidInput(source: "fhe eval rotate", reason: "--steps K is required") }
            result = try evaluator.rotatingSlots(ciphertexts[0], by: steps, using: galoisKeys())
        case .swapRows: result = try evaluator.swappingRows(ciphertexts[0], using: galoisKeys())
        case .sumSlots: result = try evaluator.sumOfSlots(ciphertexts[0], using: galoisKeys())
        case .modSwitch:
            let levels = steps ?? 1
            guard levels >= 1, levels < ciphertexts[0].level else {
                throw .invalidInput(
                    source: "fhe eval mod-switch",
                    reason: "--steps \(levels) must be from 1 to \(ciphertexts[0].level - 1) (the ciphertext is at level \(ciphertexts[0].level))")
            }
            result = try evaluator.switchingModulus(ciphertexts[0], toLevel: ciphertexts[0].level - levels)
        }
        try BfvFile.write(result.envelope(), to: output)
        return EvaluationResult(
            operation: operation.rawValue, parameters: context.parameters.name,
            polynomialCount: result.polynomials.count, level: result.level, output: output.path)
    }
}
