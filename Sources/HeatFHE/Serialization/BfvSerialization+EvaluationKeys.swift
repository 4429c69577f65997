import Foundation
import HeatEnvelope

/// Binary payloads of the evaluation keys (after the parameters header of ``BfvFile``):
///
/// | kind | body |
/// | --- | --- |
/// | `fheRelinearizationKey` (4) | component count `UInt8` (= the number of ciphertext moduli `L`), then per component `b_j`, `a_j` (key level) |
/// | `fheGaloisKeys` (5) | key count `UInt16`, then per key: Galois element `UInt32` (odd, in `3 ..< 2N`, strictly ascending), component count `UInt8` (= `L`), components as above |
/// | `fheSeededRelinearizationKey` (32) | component count `UInt8` (= `L`), then per component `b_j` (key level) and the 32-byte seed of `a_j` |
/// | `fheSeededGaloisKeys` (33) | as `fheGaloisKeys`, each component written as `b_j` and the 32-byte seed of `a_j` |
///
/// A seeded component's `a_j` is ``PolySeed/uniformPolynomial(in:)`` of its seed over the key
/// level, read as evaluation form (no transform).
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

    /// Writes a key-switching key: `b_j` and the seed of `a_j` per component when `seeded` (and
    /// the key has seeds), else `b_j` and `a_j`.
    static func writeKeySwitchingKey<T: ScalarType>(
        _ key: BfvKeySwitchingKey<T>, seeded: Bool, to writer: inout ByteWriter
    ) {
        guard seeded, let seeds = key.seeds else {
            writeKeySwitchingKey(key, to: &writer)
            return
        }
        writer.append(UInt8(seeds.count))
        for (b, seed) in zip(key.coefficientFormB(), seeds) {
            write(b, to: &writer)
            write(seed, to: &writer)
        }
    }

    /// Reads a key-switching key in the seeded (`seeded == true`) or the full layout.
    static func readKeySwitchingKey<T: ScalarType>(
        _ reader: inout ByteReader, context: BfvContext<T>, field: String, seeded: Bool
    ) throws(FHEError) -> BfvKeySwitchingKey<T> {
        guard seeded else { return try readKeySwitchingKey(&reader, context: context, field: field) }
        let count: UInt8 = try reader.read("\(field).componentCount")
        guard Int(count) == context.topLevel else {
            throw .malformedData(
                source: reader.source,
                reason: "\(field) has \(count) components, the parameters need \(context.topLevel) (one per ciphertext modulus)")
        }
        var components: [(b: PolyRq<T, Coeff>, seed: PolySeed)] = []
        for j in 0..<Int(count) {
            let b = try readPolynomial(&reader, ring: context.keyContext, field: "\(field)[\(j)].b")
            let seed = try readSeed(&reader, field: "\(field)[\(j)].seed")
            components.append((b, seed))
        }
        return BfvKeySwitchingKey(context: context, seeded: components)
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
    /// The key as an envelope: `fheSeededRelinearizationKey` (each `b_j` and the seed of `a_j`,
    /// about half the size) when the key has seeds and `seeded` is `true`, else
    /// `fheRelinearizationKey`.
    ///
    /// - Parameter seeded: write the seeded form when possible (default `true`).
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope(seeded: Bool = true) -> Envelope {
        var writer = BfvFile.header(context.parameters)
        let useSeeds = seeded && key.seeds != nil
        BfvFile.writeKeySwitchingKey(key, seeded: useSeeds, to: &writer)
        return BfvFile.envelope(
            kind: useSeeds ? .fheSeededRelinearizationKey : .fheRelinearizationKey, parameters: context.parameters,
            writer: writer)
    }

    /// Decodes an `fheRelinearizationKey` or `fheSeededRelinearizationKey` envelope made for
    /// `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload naming the field).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(
            envelope, kind: .fheRelinearizationKey, or: [.fheSeededRelinearizationKey], context: context, source: source)
        let key = try BfvFile.readKeySwitchingKey(
            &reader, context: context, field: "relinearizationKey", seeded: envelope.kind == .fheSeededRelinearizationKey)
        try reader.expectEnd()
        self.init(key: key)
    }
}

extension BfvGaloisKeys {
    /// The keys as an envelope: `fheSeededGaloisKeys` (each `b_j` and the seed of `a_j`, about
    /// half the size) when every key has seeds and `seeded` is `true`, else `fheGaloisKeys`.
    ///
    /// - Parameter seeded: write the seeded form when possible (default `true`).
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope(seeded: Bool = true) -> Envelope {
        var writer = BfvFile.header(context.parameters)
        let useSeeds = seeded && keys.values.allSatisfy { $0.seeds != nil }
        writer.append(UInt16(keys.count))
        for element in elements {
            writer.append(UInt32(element))
            if let key = keys[element] { BfvFile.writeKeySwitchingKey(key, seeded: useSeeds, to: &writer) }
        }
        return BfvFile.envelope(
            kind: useSeeds ? .fheSeededGaloisKeys : .fheGaloisKeys, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fheGaloisKeys` or `fheSeededGaloisKeys` envelope made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, a bad or repeated element, malformed payload).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(
            envelope, kind: .fheGaloisKeys, or: [.fheSeededGaloisKeys], context: context, source: source)
        let seeded = envelope.kind == .fheSeededGaloisKeys
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
            keys[element] = try BfvFile.readKeySwitchingKey(
                &reader, context: context, field: "galoisKeys[\(index)]", seeded: seeded)
        }
        try reader.expectEnd()
        self.init(context: context, keys: keys)
    }
}
