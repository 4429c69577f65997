import Foundation
import HeatEnvelope

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The binary payloads of HeatFHE files, inside the ``HeatEnvelope/Envelope``.
///
/// Every object's payload (all integers big-endian) starts with its parameters so any file can be
/// inspected alone: `UInt32` length, then ``BfvParameters/canonicalBytes``; the envelope's
/// fingerprint must equal their SHA-256. Then the body:
///
/// | kind | body |
/// | --- | --- |
/// | `fheParameters` | nothing (the parameters are the object) |
/// | `fheSecretKey` | one polynomial (`s`, key level) |
/// | `fhePublicKey` | two polynomials (`p0`, `p1`, key level) |
/// | `fheSeededPublicKey` | one polynomial (`p0`, key level), then the 32-byte seed of `p1` |
/// | `fheCiphertext` | encoding `UInt8`, signedness `UInt8`, value count `UInt32`, polynomial count `UInt8`, polynomials (ciphertext level) |
/// | `fheSeededCiphertext` | encoding `UInt8`, signedness `UInt8`, value count `UInt32`, one polynomial (`c0`), then the 32-byte seed of `c1` |
/// | `fheRelinearizationKey`, `fheGaloisKeys` and their seeded forms | see ``BfvFile`` in `BfvSerialization+EvaluationKeys.swift` |
/// | `fhePlaintext` | encoding `UInt8`, signedness `UInt8`, value count `UInt32`, `N` coefficients mod `t` as `UInt64` |
///
/// A polynomial is its modulus count (`UInt8`) and then, modulus by modulus, its `N` coefficient-form
/// residues as 4-byte (`UInt32` scalars) or 8-byte words. Readers check every count, every range
/// (`residue < q_i`) and that nothing follows the object, and name the field at fault.
///
/// **Security.** Parameters read from a file must claim and meet 128-bit security: a file whose
/// parameters are marked ``BfvParameters/SecurityLevel/insecureForTesting`` is refused with
/// ``FHEError/insecureParameters(degree:logQ:maximumLogQ:)`` unless the caller passes the testing
/// switch ``BfvSecurityPolicy/allowInsecureForTesting``.
///
/// ```swift
/// let envelope = ciphertext.envelope()
/// try envelope.write(to: URL(filePath: "values.ct"))
/// let loaded = try Ciphertext(envelope: try BfvFile.read(URL(filePath: "values.ct"), expecting: .fheCiphertext),
///                             context: context, source: "values.ct")
/// ```
public enum BfvFile {
    /// Reads and verifies an envelope, mapping envelope failures into ``FHEError/envelope(_:)``.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - kind: the expected kind, or `nil` for any.
    ///   - fingerprint: the expected parameter fingerprint, or `nil`.
    /// - Returns: the verified envelope.
    /// - Throws: ``FHEError/envelope(_:)`` (missing, truncated, corrupted, wrong kind, other parameters).
    public static func read(
        _ url: URL, expecting kind: EnvelopeKind? = nil, fingerprint: Fingerprint? = nil
    ) throws(FHEError) -> Envelope {
        do {
            return try Envelope.read(from: url, expecting: kind, fingerprint: fingerprint)
        } catch {
            throw .envelope(error)
        }
    }

    /// Writes an envelope atomically (secret kinds with mode 0600).
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - url: the destination.
    /// - Throws: ``FHEError/envelope(_:)`` when the file cannot be written.
    public static func write(_ envelope: Envelope, to url: URL) throws(FHEError) {
        do {
            try envelope.write(to: url)
        } catch {
            throw .envelope(error)
        }
    }

    /// The parameters embedded at the start of any HeatFHE object's payload.
    ///
    /// - Parameters:
    ///   - envelope: an envelope of an FHE kind.
    ///   - source: a name for messages.
    /// - Returns: the validated parameters.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` when the payload is not an FHE object or
    ///   its parameters do not match the envelope's fingerprint.
    public static func parameters(in envelope: Envelope, source: String) throws(FHEError) -> BfvParameters {
        try parameters(in: envelope, source: source, policy: .production)
    }

    /// The parameters embedded at the start of any HeatFHE object's payload, refused when below
    /// 128-bit security unless the policy is the testing switch.
    ///
    /// - Parameters:
    ///   - envelope: an envelope of an FHE kind.
    ///   - source: a name for messages.
    ///   - policy: ``BfvSecurityPolicy/production`` (refuse insecure parameters) or
    ///     ``BfvSecurityPolicy/allowInsecureForTesting``.
    /// - Returns: the validated parameters.
    /// - Throws: ``FHEError/insecureParameters(degree:logQ:maximumLogQ:)`` for insecure parameters in
    ///   production, or ``FHEError/malformedData(source:reason:)`` as ``parameters(in:source:)``.
    public static func parameters(
        in envelope: Envelope, source: String, policy: BfvSecurityPolicy
    ) throws(FHEError) -> BfvParameters {
        var reader = ByteReader(Array(envelope.payload), source: source)
        let parameters = try readHeader(&reader, envelope: envelope)
        try policy.check(parameters)
        return parameters
    }

    /// The FHE envelope kinds (whose payload starts with the parameters).
    static let fheKinds: [EnvelopeKind] = [
        .fheParameters, .fheSecretKey, .fhePublicKey, .fheCiphertext, .fhePlaintext, .fheSeededCiphertext,
        .fheSeededPublicKey, .fheRelinearizationKey, .fheGaloisKeys, .fheSeededRelinearizationKey,
        .fheSeededGaloisKeys,
    ]

    static func readHeader(_ reader: inout ByteReader, envelope: Envelope) throws(FHEError) -> BfvParameters {
        guard fheKinds.contains(envelope.kind) else {
            throw .malformedData(source: reader.source, reason: "a \(envelope.kind) file is not a HeatFHE object")
        }
        let length: UInt32 = try reader.read("parameters.length")
        let bytes = try reader.readBytes(Int(length), field: "parameters")
        guard Fingerprint(hashing: bytes) == envelope.fingerprint else {
            throw .malformedData(
                source: reader.source, reason: "the embedded parameters do not match the envelope fingerprint")
        }
        var parameterReader = ByteReader(bytes, source: reader.source)
        let parameters = try BfvParameters(reading: &parameterReader, source: reader.source)
        try parameterReader.expectEnd()
        return parameters
    }

    static func header(_ parameters: BfvParameters) -> ByteWriter {
        var writer = ByteWriter()
        let bytes = parameters.canonicalBytes
        writer.append(UInt32(bytes.count))
        writer.append(contentsOf: bytes)
        return writer
    }

    static func envelope(kind: EnvelopeKind, parameters: BfvParameters, writer: ByteWriter) -> Envelope {
        Envelope(kind: kind, fingerprint: parameters.fingerprint, payload: Data(writer.bytes))
    }

    /// `head`, then each polynomial as ``write(_:to:)`` writes it (its modulus count, then its words
    /// big-endian), in one allocation of the exact size handed to `Data` without a copy.
    static func payload<T: ScalarType, F>(head: [UInt8], polynomials: [PolyRq<T, F>]) -> Data {
        FHESpecialization.note(T.self, "BfvFile.payload")
        let wordSize = MemoryLayout<T>.size
        var size = head.count
        for polynomial in polynomials { size += 1 + polynomial.data.count * wordSize }
        guard size > 0 else { return Data() }
        // Out of memory traps, as an Array's allocation would: an empty payload under a valid
        // checksum would only be found when the file is read (review s38 speed16c).
        guard let memory = malloc(size) else { fatalError("BfvFile.payload: out of memory for \(size) bytes") }
        let raw = UnsafeMutableRawBufferPointer(start: memory, count: size)
        head.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { raw.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
        }
        var offset = head.count
        for polynomial in polynomials {
            raw[offset] = UInt8(polynomial.context.count)
            offset += 1
            polynomial.data.withUnsafeBufferPointer { words in
                let out = raw.baseAddress! + offset
                for index in words.indices {
                    out.storeBytes(of: words[index].bigEndian, toByteOffset: index &* wordSize, as: T.self)
                }
            }
            offset += polynomial.data.count * wordSize
        }
        return Data(bytesNoCopy: memory, count: size, deallocator: .free)
    }

    static func write<T: ScalarType, F>(_ polynomial: PolyRq<T, F>, to writer: inout ByteWriter) {
        FHESpecialization.note(T.self, "BfvFile.write(polynomial)")
        writer.append(UInt8(polynomial.context.count))
        writer.appendBigEndian(polynomial.data)
    }

    static func readPolynomial<T: ScalarType>(
        _ reader: inout ByteReader, ring: RnsContext<T>, field: String
    ) throws(FHEError) -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "BfvFile.readPolynomial")
        let count: UInt8 = try reader.read("\(field).moduliCount")
        guard Int(count) == ring.count else {
            throw .malformedData(
                source: reader.source, reason: "\(field) has \(count) moduli, the parameters need \(ring.count)")
        }
        let n = ring.degree
        let size = MemoryLayout<T>.size
        // One length check for the whole polynomial, naming the residue the payload ends in.
        guard reader.remaining >= n * ring.count * size else {
            let complete = reader.remaining / size
            throw .malformedData(
                source: reader.source,
                reason: "payload ends inside \(field)[\(complete / n)][\(complete % n)] at byte \(reader.offset + complete * size)")
        }
        let data: [T] = reader.readBigEndianWords(count: n * ring.count)
        for (i, modulus) in ring.moduli.enumerated() {
            let q = modulus.value
            let base = i * n
            // Find the first residue out of range without building a message per residue.
            if let bad = data[base..<(base + n)].firstIndex(where: { $0 >= q }) {
                throw .malformedData(
                    source: reader.source,
                    reason: "\(field) residue \(bad - base) modulo \(q) is \(data[bad]), not below the modulus")
            }
        }
        return PolyRq(context: ring, data: data)
    }

    static func readMetadata(_ reader: inout ByteReader, degree: Int) throws(FHEError) -> (BfvEncoding, BfvSignedness, Int) {
        let encodingRaw: UInt8 = try reader.read("encoding")
        let signedRaw: UInt8 = try reader.read("signedness")
        let count: UInt32 = try reader.read("valueCount")
        guard let encoding = BfvEncoding(rawValue: encodingRaw) else {
            throw .malformedData(source: reader.source, reason: "encoding \(encodingRaw) is not 0 or 1")
        }
        guard let signedness = BfvSignedness(rawValue: signedRaw) else {
            throw .malformedData(source: reader.source, reason: "signedness \(signedRaw) is not 0 or 1")
        }
        guard Int(count) <= degree else {
            throw .malformedData(source: reader.source, reason: "valueCount \(count) exceeds N=\(degree)")
        }
        return (encoding, signedness, Int(count))
    }

    static func write(_ seed: PolySeed, to writer: inout ByteWriter) {
        writer.append(contentsOf: seed.bytes)
    }

    static func readSeed(_ reader: inout ByteReader, field: String) throws(FHEError) -> PolySeed {
        try PolySeed(bytes: try reader.readBytes(PolySeed.byteCount, field: field))
    }

    static func writeMetadata(_ writer: inout ByteWriter, _ encoding: BfvEncoding, _ signedness: BfvSignedness, _ count: Int) {
        writer.append(encoding.rawValue)
        writer.append(signedness.rawValue)
        writer.append(UInt32(count))
    }

    /// Starts reading an object of `kind` (or one of `alternatives`) made for `context`'s parameters.
    static func open<T: ScalarType>(
        _ envelope: Envelope, kind: EnvelopeKind, or alternatives: [EnvelopeKind] = [], context: BfvContext<T>,
        source: String
    ) throws(FHEError) -> ByteReader {
        guard envelope.kind == kind || alternatives.contains(envelope.kind) else {
            throw .envelope(.wrongKind(source: source, expected: kind, found: envelope.kind))
        }
        guard envelope.fingerprint == context.fingerprint else {
            throw .envelope(.fingerprintMismatch(source: source, expected: context.fingerprint, found: envelope.fingerprint))
        }
        var reader = ByteReader(Array(envelope.payload), source: source)
        let parameters = try readHeader(&reader, envelope: envelope)
        guard parameters == context.parameters else {
            throw .parameterMismatch("\(source) was made for \(parameters.name), expected \(context.parameters.name)")
        }
        return reader
    }
}

extension BfvParameters {
    /// The parameters as an `fheParameters` envelope.
    ///
    /// - Returns: the envelope, fingerprinted with ``fingerprint``.
    public func envelope() -> Envelope {
        BfvFile.envelope(kind: .fheParameters, parameters: self, writer: BfvFile.header(self))
    }

    /// Decodes an `fheParameters` envelope (production policy: insecure parameters are refused).
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - source: a name for messages (usually the path).
    /// - Throws: ``FHEError`` naming the fault.
    public init(envelope: Envelope, source: String) throws(FHEError) {
        try self.init(envelope: envelope, source: source, policy: .production)
    }

    /// Decodes an `fheParameters` envelope, refusing parameters below 128-bit security unless the
    /// policy is the testing switch.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - source: a name for messages (usually the path).
    ///   - policy: ``BfvSecurityPolicy/production`` or ``BfvSecurityPolicy/allowInsecureForTesting``.
    /// - Throws: ``FHEError`` naming the fault.
    public init(envelope: Envelope, source: String, policy: BfvSecurityPolicy) throws(FHEError) {
        guard envelope.kind == .fheParameters else {
            throw .envelope(.wrongKind(source: source, expected: .fheParameters, found: envelope.kind))
        }
        var reader = ByteReader(Array(envelope.payload), source: source)
        self = try BfvFile.readHeader(&reader, envelope: envelope)
        try reader.expectEnd()
        try policy.check(self)
    }
}

extension SecretKey {
    /// The secret key as an `fheSecretKey` envelope (written with mode 0600).
    ///
    /// The envelope's payload is a copy of the secret, so this is internal (tests and the
    /// benchmark's size report): callers outside the module use ``write(to:)``, which wipes it.
    ///
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    package func envelope() -> Envelope {
        var writer = BfvFile.header(context.parameters)
        withSecretCoefficients { s in BfvFile.write(s, to: &writer) }
        defer { writer.bytes.wipe() }
        return BfvFile.envelope(kind: .fheSecretKey, parameters: context.parameters, writer: writer)
    }

    /// Writes the secret key file (mode 0600) and wipes every temporary copy of the secret.
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``FHEError/envelope(_:)`` when the file cannot be written.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func write(to url: URL) throws(FHEError) {
        var envelope = envelope()
        defer { envelope.payload.withUnsafeMutableBytes { secureZero($0) } }
        try BfvFile.write(envelope, to: url)
    }

    /// Decodes an `fheSecretKey` envelope made for `context`'s parameters, checks that `s` is a
    /// ternary polynomial consistent across the primes, and wipes the decoded copies.
    ///
    /// - Parameters:
    ///   - envelope: the envelope (the caller owns its payload; see ``init(wipingEnvelope:context:source:)``).
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload, not a valid secret key).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public convenience init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(envelope, kind: .fheSecretKey, context: context, source: source)
        defer { reader.wipe() }
        var polynomial = try BfvFile.readPolynomial(&reader, ring: context.keyContext, field: "secretKey.s")
        defer { polynomial.wipe() }
        try reader.expectEnd()
        try self.init(context: context, wiping: &polynomial, source: source)
    }

    /// Decodes an `fheSecretKey` envelope like ``init(envelope:context:source:)`` and then wipes the
    /// envelope's payload too, so that loading leaves no copy of the secret behind.
    ///
    /// - Parameters:
    ///   - envelope: the envelope; its payload is zeroed on return, whether or not loading succeeded.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: as ``init(envelope:context:source:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public convenience init(wipingEnvelope envelope: inout Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        defer { envelope.payload.withUnsafeMutableBytes { secureZero($0) } }
        try self.init(envelope: envelope, context: context, source: source)
    }

    /// Reads a secret key file made for `context`'s parameters and wipes every copy of the file's
    /// bytes once the key holds `s`.
    ///
    /// - Parameters:
    ///   - url: the `fheSecretKey` file.
    ///   - context: the parameters.
    /// - Returns: the key.
    /// - Throws: as ``init(envelope:context:source:)``, or ``FHEError/envelope(_:)`` for an unreadable file.
    public static func load(from url: URL, context: BfvContext<T>) throws(FHEError) -> SecretKey<T> {
        var envelope = try BfvFile.read(url, expecting: .fheSecretKey, fingerprint: context.fingerprint)
        return try SecretKey(wipingEnvelope: &envelope, context: context, source: url.path)
    }
}

extension PublicKey {
    /// The public key as an envelope: `fheSeededPublicKey` (`p0` and the seed of `p1`, about half
    /// the size) when the key has a ``seed`` and `seeded` is `true`, else `fhePublicKey`.
    ///
    /// - Parameter seeded: write the seeded form when possible (default `true`).
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope(seeded: Bool = true) -> Envelope {
        var writer = BfvFile.header(context.parameters)
        if seeded, let seed {
            BfvFile.write(p0.inverseNTT(), to: &writer)
            BfvFile.write(seed, to: &writer)
            return BfvFile.envelope(kind: .fheSeededPublicKey, parameters: context.parameters, writer: writer)
        }
        for polynomial in coefficientForm() { BfvFile.write(polynomial, to: &writer) }
        return BfvFile.envelope(kind: .fhePublicKey, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fhePublicKey` or `fheSeededPublicKey` envelope made for `context`'s parameters
    /// and checks the key against them (key-level ring, no zero polynomial).
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload, degenerate key).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(
            envelope, kind: .fhePublicKey, or: [.fheSeededPublicKey], context: context, source: source)
        let p0 = try BfvFile.readPolynomial(&reader, ring: context.keyContext, field: "publicKey.p0")
        if envelope.kind == .fheSeededPublicKey {
            let seed = try BfvFile.readSeed(&reader, field: "publicKey.seed")
            try reader.expectEnd()
            self.init(context: context, p0: p0, seed: seed)
        } else {
            let p1 = try BfvFile.readPolynomial(&reader, ring: context.keyContext, field: "publicKey.p1")
            try reader.expectEnd()
            self.init(context: context, p0: p0, p1: p1)
        }
        try validate(source: source)
    }
}

extension SeededCiphertext {
    /// The seeded ciphertext as an `fheSeededCiphertext` envelope (about half the size of the
    /// expanded ciphertext's).
    ///
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope() -> Envelope {
        var writer = BfvFile.header(context.parameters)
        BfvFile.writeMetadata(&writer, encoding, signedness, valueCount)
        BfvFile.write(c0, to: &writer)
        BfvFile.write(seed, to: &writer)
        return BfvFile.envelope(kind: .fheSeededCiphertext, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fheSeededCiphertext` envelope made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        var reader = try BfvFile.open(envelope, kind: .fheSeededCiphertext, context: context, source: source)
        let (encoding, signedness, count) = try BfvFile.readMetadata(&reader, degree: context.degree)
        let c0 = try BfvFile.readPolynomial(&reader, ring: context.ciphertextContext, field: "ciphertext.c0")
        let seed = try BfvFile.readSeed(&reader, field: "ciphertext.seed")
        try reader.expectEnd()
        try self.init(
            context: context, c0: c0, seed: seed, encoding: encoding, signedness: signedness, valueCount: count)
    }
}

extension Ciphertext {
    /// The ciphertext as an `fheCiphertext` envelope.
    ///
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope() -> Envelope {
        // The small head (parameters, metadata, the polynomial count) through the byte writer; the
        // words, almost all of the payload, go big-endian straight into the payload's one buffer,
        // which becomes the envelope's `Data` without a copy (issue 16: the payload is the part
        // comparable to SEAL's `save`).
        var head = BfvFile.header(context.parameters)
        BfvFile.writeMetadata(&head, encoding, signedness, valueCount)
        head.append(UInt8(polynomials.count))
        let payload = BfvFile.payload(head: head.bytes, polynomials: polynomials)
        return Envelope(kind: .fheCiphertext, fingerprint: context.parameters.fingerprint, payload: payload)
    }

    /// Decodes an `fheCiphertext` envelope made for `context`'s parameters, or an
    /// `fheSeededCiphertext` one (expanding `c1` from its seed).
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        if envelope.kind == .fheSeededCiphertext {
            self = try SeededCiphertext(envelope: envelope, context: context, source: source).expanded()
            return
        }
        var reader = try BfvFile.open(envelope, kind: .fheCiphertext, context: context, source: source)
        let (encoding, signedness, count) = try BfvFile.readMetadata(&reader, degree: context.degree)
        let polynomialCount: UInt8 = try reader.read("ciphertext.polynomialCount")
        guard polynomialCount >= 2 else {
            throw .malformedData(source: source, reason: "ciphertext.polynomialCount \(polynomialCount) is below 2")
        }
        do {
            try ReaderLimits.current.check(.polynomialCount, Int(polynomialCount), source: source, field: "ciphertext.polynomialCount")
        } catch {
            throw .malformedData(source: source, reason: error.reason)
        }
        var polynomials: [PolyRq<T, Coeff>] = []
        // The level (how many ciphertext moduli remain after modulus switching) is c0's modulus count.
        let ring = try BfvFile.levelRing(&reader, context: context, field: "ciphertext.c0")
        for index in 0..<Int(polynomialCount) {
            polynomials.append(try BfvFile.readPolynomial(&reader, ring: ring, field: "ciphertext.c\(index)"))
        }
        try reader.expectEnd()
        try self.init(
            context: context, polynomials: polynomials, encoding: encoding, signedness: signedness, valueCount: count)
    }
}

extension Plaintext {
    /// The plaintext as an `fhePlaintext` envelope.
    ///
    /// - Returns: the envelope.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func envelope() -> Envelope {
        FHESpecialization.note(T.self, "Plaintext.envelope")
        var writer = BfvFile.header(context.parameters)
        BfvFile.writeMetadata(&writer, encoding, signedness, valueCount)
        for value in coefficients { writer.append(UInt64(value)) }
        return BfvFile.envelope(kind: .fhePlaintext, parameters: context.parameters, writer: writer)
    }

    /// Decodes an `fhePlaintext` envelope made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError`` (wrong kind, other parameters, malformed payload).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(envelope: Envelope, context: BfvContext<T>, source: String) throws(FHEError) {
        FHESpecialization.note(T.self, "Plaintext.init(envelope:)")
        var reader = try BfvFile.open(envelope, kind: .fhePlaintext, context: context, source: source)
        let (encoding, signedness, count) = try BfvFile.readMetadata(&reader, degree: context.degree)
        let t = context.parameters.plaintextModulus
        var coefficients: [T] = []
        for index in 0..<context.degree {
            let value: UInt64 = try reader.read("plaintext.coefficients[\(index)]")
            guard value < t else {
                throw .malformedData(source: source, reason: "plaintext coefficient \(index) is \(value), not below t=\(t)")
            }
            coefficients.append(T(value))
        }
        try reader.expectEnd()
        try self.init(
            context: context, coefficients: coefficients, encoding: encoding, signedness: signedness, valueCount: count)
    }
}
