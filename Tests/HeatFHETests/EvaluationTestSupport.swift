import Foundation
import Testing
@testable import HeatFHE

/// A seeded generator for test data (SplitMix64), so a failing randomized case can be replayed
/// from the seed in its test arguments. Keys and encryption randomness still come from the CSPRNG.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Keys and helpers for the evaluation tests (multiplication, rotations, sums, modulus switching).
struct EvaluationHarness<T: ScalarType> {
    let context: BfvContext<T>
    let secretKey: SecretKey<T>
    let encoder: BfvEncoder<T>
    let encryptor: BfvEncryptor<T>
    let decryptor: BfvDecryptor<T>
    let evaluator: BfvEvaluator<T>
    var t: UInt64 { context.parameters.plaintextModulus }
    var n: Int { context.degree }

    init(_ parameters: BfvParameters) throws {
        try self.init(BfvContext<T>(parameters: parameters))
    }

    init(_ context: BfvContext<T>) {
        self.context = context
        secretKey = SecretKey(context: context)
        encoder = BfvEncoder(context: context)
        encryptor = BfvEncryptor(publicKey: PublicKey(secretKey: secretKey))
        decryptor = BfvDecryptor(secretKey: secretKey)
        evaluator = BfvEvaluator(context: context)
    }

    func random(_ count: Int, below bound: UInt64? = nil, using generator: inout SeededGenerator) -> [UInt64] {
        (0..<count).map { _ in UInt64.random(in: 0..<(bound ?? t), using: &generator) }
    }

    func encrypt(_ values: [UInt64], encoding: BfvEncoding = .batch) throws -> Ciphertext<T> {
        try encryptor.encrypt(encoder.encode(unsigned: values, encoding: encoding))
    }

    /// All `N` decrypted slots (or coefficients), whatever the ciphertext's value count.
    func decryptAll(_ ciphertext: Ciphertext<T>) throws -> [UInt64] {
        var plaintext = try decryptor.decrypt(ciphertext)
        plaintext.valueCount = n
        return try encoder.decodeUnsigned(plaintext)
    }

    func productModT(_ a: UInt64, _ b: UInt64) -> UInt64 {
        UInt64((BigInt(a) * BigInt(b)).residue(modulo: t))
    }

    /// The slot permutation of a left rotation of each row by `step`.
    func rotated(_ values: [UInt64], by step: Int) -> [UInt64] {
        let row = n / 2
        return (0..<n).map { i in
            let r = i / row
            let j = ((i % row + step) % row + row) % row
            return values[r * row + j]
        }
    }
}

/// Whether the slow N=16384 cases run (`HEAT_FHE_LARGE=1`).
let largeFHETests = ProcessInfo.processInfo.environment["HEAT_FHE_LARGE"] == "1"
