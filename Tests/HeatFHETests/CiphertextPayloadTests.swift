import Foundation
import HeatEnvelope
import Testing
@testable import HeatFHE

/// The ciphertext payload written in one buffer (issue 16, session 38) is byte for byte the format
/// the byte writer defines: parameters, metadata, the polynomial count, each polynomial's modulus
/// count and big-endian words.
@Suite struct CiphertextPayloadTests {
    /// The reference payload, field by field through ``ByteWriter``.
    static func referencePayload<T: ScalarType>(_ ciphertext: Ciphertext<T>) -> [UInt8] {
        var writer = BfvFile.header(ciphertext.context.parameters)
        BfvFile.writeMetadata(&writer, ciphertext.encoding, ciphertext.signedness, ciphertext.valueCount)
        writer.append(UInt8(ciphertext.polynomials.count))
        for polynomial in ciphertext.polynomials { BfvFile.write(polynomial, to: &writer) }
        return writer.bytes
    }

    static func check<T: ScalarType>(_ parameters: BfvParameters, _: T.Type) throws {
        let context = try BfvContext<T>(parameters: parameters)
        let secretKey = SecretKey(context: context)
        let encoder = BfvEncoder(context: context)
        let plaintext = try encoder.encode(signed: [-3, 4, 5, 7], encoding: .batch)
        let ciphertext = try BfvEncryptor(publicKey: PublicKey(secretKey: secretKey)).encrypt(plaintext)
        let evaluator = BfvEvaluator(context: context)
        let product = try evaluator.multiply(ciphertext, ciphertext)
        // Below the top level: each polynomial's own modulus count (review s38 LOW 3).
        let switched = try evaluator.switchingModulusDown(ciphertext)
        #expect(switched.polynomials[0].context.count < ciphertext.polynomials[0].context.count)
        for value in [ciphertext, product, switched] {
            let payload = value.envelope().payload
            #expect(Array(payload) == referencePayload(value), "\(T.self), \(value.polynomials.count) polynomials, \(value.polynomials[0].context.count) moduli")
            let loaded = try Ciphertext(
                envelope: Envelope(decoding: value.envelope().serialized(), expecting: .fheCiphertext, source: "t"),
                context: context, source: "t")
            #expect(loaded.polynomials.map(\.data) == value.polynomials.map(\.data))
        }
    }

    @Test func payloadMatchesTheByteWriterFormat32() throws { try Self.check(TestParameters.small32, UInt32.self) }

    @Test func payloadMatchesTheByteWriterFormat64() throws { try Self.check(TestParameters.small64, UInt64.self) }
}
