import Foundation
import HeatEnvelope

/// The binary payloads of TFHE files, inside the ``HeatEnvelope/Envelope`` (kinds 70-72).
///
/// Every payload (big-endian) starts with `UInt32` length and ``TfheParameters/canonicalBytes``;
/// the envelope fingerprint must be their SHA-256, and the parameters must be one of the presets
/// (insecure test sets only with ``BfvSecurityPolicy/allowInsecureForTesting``). Then:
///
/// | kind | body |
/// | --- | --- |
/// | `tfheSecretKey` (70, secret) | `UInt32` bit count `n + kN`, one byte (0 or 1) per bit |
/// | `tfheServerKey` (71) | bootstrapping-key seed (32 bytes), `UInt32` body count, bodies (`UInt64`, below `q`); key-switching seed (32 bytes), `UInt32` body count, bodies (`UInt64` with a 64-bit key switch, parameter block version 1; `UInt32` with a 32-bit one, version 2) |
/// | `tfheCiphertext` (72) | `UInt32` mask dimension (`n` or `kN`), `dimension + 1` words |
///
/// As for the BFV formats, every count is compared with the value the parameters imply **before**
/// anything is allocated, and the remaining byte count is checked before words are read.
///
/// ```swift
/// let envelope = TfheFile.envelope(serverKey: serverKey)
/// let loaded = try TfheFile.serverKey(from: envelope, source: "server.key")
/// ```
public enum TfheFile {
    static func header(_ parameters: TfheParameters) -> ByteWriter {
        var writer = ByteWriter()
        let bytes = parameters.canonicalBytes
        writer.append(UInt32(bytes.count))
        writer.append(contentsOf: bytes)
        return writer
    }

    static func begin(
        _ envelope: Envelope, kind: EnvelopeKind, source: String, policy: BfvSecurityPolicy
    ) throws(FHEError) -> (TfheContext, ByteReader) {
        guard envelope.kind == kind else {
            throw .envelope(.wrongKind(source: source, expected: kind, found: envelope.kind))
        }
        var reader = ByteReader([UInt8](envelope.payload), source: source)
        let length: UInt32 = try reader.read("tfhe.parametersLength")
        guard length <= 256, reader.remaining >= Int(length) else {
            throw .malformedData(source: source, reason: "TFHE parameter block of \(length) bytes is out of range")
        }
        let start = reader.offset
        let parameters = try TfheParameters.read(from: &reader, policy: policy)
        guard reader.offset - start == Int(length) else {
            throw .malformedData(source: source, reason: "the TFHE parameter block length does not match its content")
        }
        guard parameters.fingerprint == envelope.fingerprint else {
            throw .malformedData(source: source, reason: "the embedded TFHE parameters do not match the envelope fingerprint")
        }
        return (try TfheContext(parameters: parameters), reader)
    }

    static func readWords(_ reader: inout ByteReader, expected: Int, field: String) throws(FHEError) -> [UInt64] {
        let count: UInt32 = try reader.read("\(field).count")
        guard Int(count) == expected else {
            throw .malformedData(source: reader.source, reason: "\(field) has \(count) words, the parameters need \(expected)")
        }
        guard reader.remaining >= expected * 8 else {
            throw .malformedData(source: reader.source, reason: "payload ends inside \(field) at byte \(reader.offset)")
        }
        return reader.readBigEndianWords(count: expected)
    }

    /// Reads a count and that many big-endian `UInt32` words (widened), checking the count first.
    static func readNarrowWords(_ reader: inout ByteReader, expected: Int, field: String) throws(FHEError) -> [UInt64] {
        let count: UInt32 = try reader.read("\(field).count")
        guard Int(count) == expected else {
            throw .malformedData(source: reader.source, reason: "\(field) has \(count) words, the parameters need \(expected)")
        }
        guard reader.remaining >= expected * 4 else {
            throw .malformedData(source: reader.source, reason: "payload ends inside \(field) at byte \(reader.offset)")
        }
        let words: [UInt32] = reader.readBigEndianWords(count: expected)
        return words.map { UInt64($0) }
    }

    /// The envelope of a secret key (kind `tfheSecretKey`, written with mode 0600).
    ///
    /// - Parameter secretKey: the key.
    /// - Returns: the envelope.
    public static func envelope(secretKey: TfheSecretKey) -> Envelope {
        let parameters = secretKey.context.parameters
        var writer = header(parameters)
        writer.append(UInt32(parameters.lweDimension + parameters.bigLweDimension))
        var bits = secretKey.withSmallKey { Array($0) } + secretKey.withBigKey { Array($0) }
        defer { bits.wipe() }
        var bytes = bits.map { UInt8(truncatingIfNeeded: $0) }
        defer { bytes.wipe() }
        writer.append(contentsOf: bytes)
        defer { writer.bytes.wipe() }
        return Envelope(kind: .tfheSecretKey, fingerprint: parameters.fingerprint, payload: Data(writer.bytes))
    }

    /// Loads a secret key.
    ///
    /// - Parameters:
    ///   - envelope: a verified envelope.
    ///   - source: a name for messages.
    ///   - policy: the security policy.
    /// - Returns: the key.
    /// - Throws: ``FHEError`` (wrong kind, unknown or insecure parameters, malformed key).
    public static func secretKey(
        from envelope: Envelope, source: String, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> TfheSecretKey {
        var (context, reader) = try begin(envelope, kind: .tfheSecretKey, source: source, policy: policy)
        defer { reader.wipe() }
        let expected = context.parameters.lweDimension + context.parameters.bigLweDimension
        let count: UInt32 = try reader.read("tfheSecretKey.count")
        guard Int(count) == expected else {
            throw .malformedData(source: source, reason: "tfheSecretKey has \(count) bits, the parameters need \(expected)")
        }
        var bytes = try reader.readBytes(expected, field: "tfheSecretKey.bits")
        defer { bytes.wipe() }
        try reader.expectEnd()
        var bits = bytes.map { UInt64($0) }
        return try TfheSecretKey(context: context, wiping: &bits, source: source)
    }

    /// The seed-compressed envelope of a server key (kind `tfheServerKey`).
    ///
    /// - Parameter serverKey: the key.
    /// - Returns: the envelope.
    public static func envelope(serverKey: TfheServerKey) -> Envelope {
        let parameters = serverKey.context.parameters
        var writer = header(parameters)
        writer.append(contentsOf: serverKey.bootstrappingKey.seed.bytes)
        writer.append(UInt32(serverKey.bootstrappingKey.bodies.count))
        writer.appendBigEndian(serverKey.bootstrappingKey.bodies)
        writer.append(contentsOf: serverKey.keySwitchingKey.seed.bytes)
        writer.append(UInt32(serverKey.keySwitchingKey.bodies.count))
        if parameters.keySwitchModulusLog2 == 32 {
            writer.appendBigEndian(serverKey.keySwitchingKey.bodies.map { UInt32(truncatingIfNeeded: $0) })
        } else {
            writer.appendBigEndian(serverKey.keySwitchingKey.bodies)
        }
        return Envelope(kind: .tfheServerKey, fingerprint: parameters.fingerprint, payload: Data(writer.bytes))
    }

    /// Loads a server key (expands the masks from the seeds).
    ///
    /// - Parameters:
    ///   - envelope: a verified envelope.
    ///   - source: a name for messages.
    ///   - policy: the security policy.
    /// - Returns: the key.
    /// - Throws: ``FHEError`` (wrong kind, unknown or insecure parameters, counts, residues).
    public static func serverKey(
        from envelope: Envelope, source: String, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> TfheServerKey {
        var (context, reader) = try begin(envelope, kind: .tfheServerKey, source: source, policy: policy)
        let parameters = context.parameters
        let bskSeed = try PolySeed(bytes: try reader.readBytes(PolySeed.byteCount, field: "tfheServerKey.bootstrappingSeed"))
        let bskCount = parameters.lweDimension * (parameters.glweDimension + 1) * parameters.pbsLevels
            * parameters.polynomialSize
        let bskBodies = try readWords(&reader, expected: bskCount, field: "tfheServerKey.bootstrappingBodies")
        let q = context.primeModulus.value
        guard bskBodies.allSatisfy({ $0 < q }) else {
            throw .malformedData(source: source, reason: "tfheServerKey.bootstrappingBodies has a residue >= q")
        }
        let kskSeed = try PolySeed(bytes: try reader.readBytes(PolySeed.byteCount, field: "tfheServerKey.keySwitchingSeed"))
        let kskCount = parameters.bigLweDimension * parameters.ksLevels
        let kskBodies: [UInt64]
        if parameters.keySwitchModulusLog2 == 32 {
            kskBodies = try readNarrowWords(&reader, expected: kskCount, field: "tfheServerKey.keySwitchingBodies")
        } else {
            kskBodies = try readWords(&reader, expected: kskCount, field: "tfheServerKey.keySwitchingBodies")
        }
        try reader.expectEnd()
        return TfheServerKey(
            bootstrappingKey: TfheBootstrappingKey(context: context, seed: bskSeed, bodies: bskBodies),
            keySwitchingKey: TfheKeySwitchingKey(context: context, seed: kskSeed, bodies: kskBodies))
    }

    /// The envelope of a ciphertext (kind `tfheCiphertext`).
    ///
    /// - Parameters:
    ///   - ciphertext: the ciphertext.
    ///   - parameters: its parameters.
    /// - Returns: the envelope.
    public static func envelope(ciphertext: LweCiphertext, parameters: TfheParameters) -> Envelope {
        var writer = header(parameters)
        writer.append(UInt32(ciphertext.dimension))
        writer.appendBigEndian(ciphertext.data)
        return Envelope(kind: .tfheCiphertext, fingerprint: parameters.fingerprint, payload: Data(writer.bytes))
    }

    /// Loads a ciphertext.
    ///
    /// - Parameters:
    ///   - envelope: a verified envelope.
    ///   - source: a name for messages.
    ///   - policy: the security policy.
    /// - Returns: the ciphertext and its parameters.
    /// - Throws: ``FHEError`` (wrong kind, parameters, a dimension that is neither `n` nor `kN`).
    public static func ciphertext(
        from envelope: Envelope, source: String, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> (LweCiphertext, TfheParameters) {
        var (context, reader) = try begin(envelope, kind: .tfheCiphertext, source: source, policy: policy)
        let parameters = context.parameters
        let dimension: UInt32 = try reader.read("tfheCiphertext.dimension")
        guard Int(dimension) == parameters.lweDimension || Int(dimension) == parameters.bigLweDimension else {
            throw .malformedData(
                source: source,
                reason: "tfheCiphertext.dimension \(dimension) is neither n=\(parameters.lweDimension) nor kN=\(parameters.bigLweDimension)")
        }
        guard reader.remaining >= (Int(dimension) + 1) * 8 else {
            throw .malformedData(source: source, reason: "payload ends inside tfheCiphertext.words at byte \(reader.offset)")
        }
        let words: [UInt64] = reader.readBigEndianWords(count: Int(dimension) + 1)
        try reader.expectEnd()
        return (LweCiphertext(data: words), parameters)
    }
}
