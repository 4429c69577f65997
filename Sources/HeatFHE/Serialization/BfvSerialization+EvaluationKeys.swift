import Foundation
import HeatEnvelope

/// Binary payloads of the evaluation keys (after the parameters header of ``BfvFile``):
///
/// | kind | body |
/// | --- | --- |
/// | `fheRelinearizationKey` (4) | component count `UInt8` (= the number of ciphertext moduli `L`), then per component `b_j`, `a_j` (key level) |
/// | `fheGaloisKeys` (5) | key count `UInt16`, then per key: Galois element `UInt32` (odd, in `3 ..< 2N`, strictly ascending), component count `UInt8` (= `L`), components as above |
///
/// Polynomials are written as everywhere in HeatFHE files: modulus count `UInt8`, then the
/// coefficient-form residues modulus by modulus. Ciphertexts (`fheCiphertext`) of three
/// polynomials (unrelinearized products) and of lower levels (after modulus switching: fewer
/// moduli per polynomial) use the existing ciphertext layout; the level is the modulus count of `c0`.
extension BfvFile {
    /// Reads the modulus count of the next polynomial without consuming it and returns the level
    /// ring it names.
    static func levelRing<T: ScalarType>(
        _ reader: inout ByteReader, context: BfvContext<T>, field: String
    ) throws(FHEError) -> RnsContext<T> {
        guard reader.remaining >= 1 else {
            throw .malformedData(source: reader.source, reason: "payload ends inside \(field).moduliCount at byte \(reader.offset)")
        }
        let count = Int(reader.bytes[reader.offset])
        guard (1...context.topLevel).contains(count) else {
            throw .malformedData(
                source: reader.source,
                reason: "\(field) has \(count) moduli; a ciphertext has 1 to \(context.topLevel)")
        }
        return try context.level(count).ring
    }

    static func writeKeySwitchingKey<T: ScalarType>(_ key: BfvKeySwitchingKey<T>, to writer: inout ByteWriter) {
        let components = key.coefficientForm()
        writer.append(UInt8(components.count))
        for pair in components {
            for polynomial in pair { write(polynomial, to: &writer) }
        }
    }

    static func readKeySwitchingKey<T: ScalarType>(
        _ reader: inout ByteReader, context: BfvContext<T>, field: String
    ) throws(FHEError) -> BfvKeySwitchingKey<T> {
        let count: UInt8 = try reader.read("\(field).componentCount")
        guard Int(count) == context.topLevel else {
            throw .malformedData(
                source: reader.source,
                reason: "\(field) has \(count) components, the parameters need \(context.topLevel) (one per ciphertext modulus)")
        }
        var components: [(b: PolyRq<T, Coeff>, a: PolyRq<T, Coeff>)] = []
        for j in 0..<Int(count) {
            let b = try readPolynomial(&reader, ring: context.keyContext, field: "\(field)[\(j)].b")
            let a = try readPolynomial(&reader, ring: context.keyContext, field: "\(field)[\(j)].a")
            components.append((b, a))
        }
        return BfvKeySwitchingKey(context: context, coefficientForm: components)
    }
}

extension BfvRelinearizationKey {
    /// The key as an `fheRelinearizationKey` envelope.
    ///
    /// - Returns: the envelope.
    public func envelope() -> Envelope {
        var writer = BfvFile.header(context.parameters)
        BfvFile.writeKeySwitchingKey(key, to: &writer)
        return BfvFile.envelope(kind: .fheRelinearizationKey, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fheRelinearizationKey` envelope made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload naming the field).
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(envelope, kind: .fheRelinearizationKey, context: context, source: source)
        let key = try BfvFile.readKeySwitchingKey(&reader, context: context, field: "relinearizationKey")
        try reader.expectEnd()
        self.init(key: key)
    }
}

extension BfvGaloisKeys {
    /// The keys as an `fheGaloisKeys` envelope.
    ///
    /// - Returns: the envelope.
    public func envelope() -> Envelope {
        var writer = BfvFile.header(context.parameters)
        writer.append(UInt16(keys.count))
        for element in elements {
            writer.append(UInt32(element))
            if let key = keys[element] { BfvFile.writeKeySwitchingKey(key, to: &writer) }
        }
        return BfvFile.envelope(kind: .fheGaloisKeys, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fheGaloisKeys` envelope made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, a bad or repeated element, malformed payload).
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(envelope, kind: .fheGaloisKeys, context: context, source: source)
        let count: UInt16 = try reader.read("galoisKeys.count")
        var keys: [Int: BfvKeySwitchingKey<T>] = [:]
        var previous = 1
        for index in 0..<Int(count) {
            let raw: UInt32 = try reader.read("galoisKeys[\(index)].element")
            let element = Int(raw)
            guard element & 1 == 1, element > previous, element < 2 * context.degree else {
                throw .malformedData(
                    source: source,
                    reason: "galoisKeys[\(index)].element \(element) must be odd, below 2N = \(2 * context.degree) and above the previous element \(previous)")
            }
            previous = element
            keys[element] = try BfvFile.readKeySwitchingKey(&reader, context: context, field: "galoisKeys[\(index)]")
        }
        try reader.expectEnd()
        self.init(context: context, keys: keys)
    }
}
