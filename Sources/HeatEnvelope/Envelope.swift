import Crypto
import Foundation

/// A CustomerHeat file: a typed, checksummed container for one payload.
///
/// Layout (all integers big-endian, DESIGN.md section 6 and `Docs/Formats.md`):
///
/// | bytes | field |
/// | --- | --- |
/// | 8 | magic `HEATFILE` |
/// | 2 | format version (``Envelope/currentFormatVersion``) |
/// | 2 | kind (``EnvelopeKind``) |
/// | 32 | parameter ``Fingerprint`` (zeros where none apply) |
/// | 8 | payload length *L* |
/// | *L* | payload |
/// | 32 | SHA-256 of every byte before it |
///
/// The checksum detects corruption and truncation; it is not a signature.
///
/// ```swift
/// let envelope = Envelope(kind: .model, payload: Data(json))
/// try envelope.write(to: URL(filePath: "churn.model"))
/// let loaded = try Envelope.read(from: URL(filePath: "churn.model"), expecting: .model)
/// assert(loaded.payload == envelope.payload)
/// ```
public struct Envelope: Sendable, Equatable {
    /// The 8 magic bytes that start every envelope.
    public static let magic: [UInt8] = Array("HEATFILE".utf8)
    /// The format version this library writes and the newest it reads.
    public static let currentFormatVersion: UInt16 = 1
    /// Byte count of everything before the payload.
    public static let headerSize = 8 + 2 + 2 + 32 + 8
    /// Byte count of the trailing checksum.
    public static let checksumSize = 32

    /// What the payload is.
    public var kind: EnvelopeKind
    /// The format version the envelope was written with.
    public var formatVersion: UInt16
    /// The fingerprint of the parameters the payload belongs to.
    public var fingerprint: Fingerprint
    /// The payload bytes.
    public var payload: Data

    /// Creates an envelope for a payload.
    ///
    /// - Parameters:
    ///   - kind: what the payload is.
    ///   - fingerprint: the parameters the payload belongs to; ``Fingerprint/none`` by default.
    ///   - payload: the payload bytes.
    public init(kind: EnvelopeKind, fingerprint: Fingerprint = .none, payload: Data) {
        self.kind = kind
        self.formatVersion = Self.currentFormatVersion
        self.fingerprint = fingerprint
        self.payload = payload
    }

    /// The complete file bytes: header, payload and checksum.
    public func serialized() -> Data {
        var out = Data(capacity: Self.headerSize + payload.count + Self.checksumSize)
        out.append(contentsOf: Self.magic)
        out.appendBigEndian(formatVersion)
        out.appendBigEndian(kind.rawValue)
        out.append(contentsOf: fingerprint.bytes)
        out.appendBigEndian(UInt64(payload.count))
        out.append(payload)
        out.append(contentsOf: SHA256.hash(data: out))
        return out
    }

    /// Parses and verifies envelope bytes.
    ///
    /// - Parameters:
    ///   - data: the complete file bytes.
    ///   - kind: the kind the caller expects, or `nil` to accept any registered kind.
    ///   - fingerprint: the parameter fingerprint the caller expects, or `nil` to skip the check.
    ///   - source: a name for the bytes (usually the file path) used in error messages.
    /// - Throws: ``EnvelopeError`` naming what is wrong: not an envelope, a newer format, an
    ///   unknown or unexpected kind, truncation, a checksum mismatch or other parameters.
    public init(
        decoding data: Data, expecting kind: EnvelopeKind? = nil, fingerprint: Fingerprint? = nil,
        source: String = "<data>"
    ) throws(EnvelopeError) {
        var bytes = [UInt8](data)
        defer { wipeSecretBytes(&bytes) }  // a secret key's payload must not linger in freed memory
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw .notAnEnvelope(source: source)
        }
        guard bytes.count >= Self.headerSize else {
            throw .truncated(source: source, expected: Self.headerSize + Self.checksumSize, actual: bytes.count)
        }
        let version = bytes.readBigEndian(UInt16.self, at: 8)
        guard version >= 1, version <= Self.currentFormatVersion else {
            throw .unsupportedVersion(source: source, version: version, newestSupported: Self.currentFormatVersion)
        }
        let rawKind = bytes.readBigEndian(UInt16.self, at: 10)
        let length = bytes.readBigEndian(UInt64.self, at: 44)
        let maximumPayload = UInt64(max(ReaderLimits.current[.envelopeBytes] - Self.headerSize - Self.checksumSize, 0))
        guard length <= maximumPayload else {
            throw .limitExceeded(ReaderLimitExceeded(
                limit: .envelopeBytes, value: length > UInt64(Int.max) ? Int.max : Int(length),
                maximum: Int(maximumPayload), source: source, field: "header.payloadLength"))
        }
        let available = UInt64(bytes.count - Self.headerSize)
        guard length <= available, available - length >= UInt64(Self.checksumSize) else {
            let expected = length > UInt64(Int.max - Self.headerSize - Self.checksumSize)
                ? Int.max : Self.headerSize + Int(length) + Self.checksumSize
            throw .truncated(source: source, expected: expected, actual: bytes.count)
        }
        let end = Self.headerSize + Int(length)
        guard bytes.count == end + Self.checksumSize else {
            throw .trailingBytes(source: source, count: bytes.count - end - Self.checksumSize)
        }
        let computed = Array(SHA256.hash(data: bytes[0..<end]))
        guard computed == Array(bytes[end...]) else { throw .checksumMismatch(source: source) }
        guard let decodedKind = EnvelopeKind(rawValue: rawKind) else {
            throw .unknownKind(source: source, rawValue: rawKind)
        }
        if let kind, kind != decodedKind {
            throw .wrongKind(source: source, expected: kind, found: decodedKind)
        }
        let decodedFingerprint = Fingerprint(uncheckedBytes: Array(bytes[12..<44]))
        if let fingerprint, fingerprint != decodedFingerprint {
            throw .fingerprintMismatch(source: source, expected: fingerprint, found: decodedFingerprint)
        }
        self.kind = decodedKind
        self.formatVersion = version
        self.fingerprint = decodedFingerprint
        self.payload = Data(bytes[Self.headerSize..<end])
    }

    /// Reads and verifies an envelope file.
    ///
    /// - Parameters:
    ///   - url: the file to read.
    ///   - kind: the kind the caller expects, or `nil` to accept any.
    ///   - fingerprint: the parameter fingerprint the caller expects, or `nil` to skip the check.
    ///   - limits: the bounds in force (``ReaderLimits/current`` by default). The file's size is
    ///     checked against ``ReaderLimit/envelopeBytes`` and, for a kind whose payload is JSON
    ///     (``EnvelopeKind/payloadLimit``), its payload size against ``ReaderLimit/configBytes``,
    ///     before a byte of it is read.
    /// - Returns: the verified envelope.
    /// - Throws: ``EnvelopeError/missingFile(path:)`` when absent, ``EnvelopeError/limitExceeded(_:)``
    ///   when the file is larger than a bound, ``EnvelopeError/unreadable(path:reason:)`` on an I/O
    ///   failure, or any decoding error of ``init(decoding:expecting:fingerprint:source:)``.
    public static func read(
        from url: URL, expecting kind: EnvelopeKind? = nil, fingerprint: Fingerprint? = nil,
        limits: ReaderLimits = .current
    ) throws(EnvelopeError) -> Envelope {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do {
            try limits.checkFileSize(of: url, .envelopeBytes)
            if let payloadLimit = kind?.payloadLimit,
               let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue {
                try limits.check(
                    payloadLimit, max(0, size - headerSize - checksumSize), source: path,
                    field: "the \(kind?.name ?? "envelope") payload (checked before reading)")
            }
        } catch {
            throw .limitExceeded(error)
        }
        var data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        defer { data.withUnsafeMutableBytes { wipeSecretBytes($0) } }
        return try Envelope(decoding: data, expecting: kind, fingerprint: fingerprint, source: path)
    }

    /// Writes the envelope atomically (temporary file, then rename).
    ///
    /// Secret kinds (``EnvelopeKind/isSecret``) are created with mode 0600.
    ///
    /// - Parameter url: the destination; an existing file is replaced only once the new one is complete.
    /// - Throws: ``EnvelopeError/unwritable(path:reason:)`` if the file cannot be written.
    public func write(to url: URL) throws(EnvelopeError) {
        do {
            var bytes = serialized()
            defer { bytes.withUnsafeMutableBytes { wipeSecretBytes($0) } }
            try AtomicFile.write(bytes, to: url, permissions: kind.isSecret ? 0o600 : 0o644)
        } catch {
            throw .unwritable(path: url.path, reason: error.reason)
        }
    }

    /// Creates the envelope file, never replacing an existing one (see ``AtomicFile/create(_:at:permissions:)``).
    ///
    /// Secret kinds (``EnvelopeKind/isSecret``) are created with mode 0600.
    ///
    /// - Parameter url: the destination, which must not exist yet.
    /// - Throws: ``EnvelopeError/alreadyExists(path:)`` when the name is taken, or
    ///   ``EnvelopeError/unwritable(path:reason:)``.
    public func create(at url: URL) throws(EnvelopeError) {
        do {
            try AtomicFile.create(serialized(), at: url, permissions: kind.isSecret ? 0o600 : 0o644)
        } catch {
            if error.fileExists { throw .alreadyExists(path: url.path) }
            throw .unwritable(path: url.path, reason: error.reason)
        }
    }
}

/// What can go wrong reading or writing an ``Envelope``.
public enum EnvelopeError: ClassifiedError, Equatable {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// ``Envelope/create(at:)`` found the name taken; the existing file is unchanged.
    case alreadyExists(path: String)
    /// The bytes do not start with the `HEATFILE` magic.
    case notAnEnvelope(source: String)
    /// The envelope was written by a newer format version.
    case unsupportedVersion(source: String, version: UInt16, newestSupported: UInt16)
    /// The file ends before its declared length.
    case truncated(source: String, expected: Int, actual: Int)
    /// Bytes follow the checksum.
    case trailingBytes(source: String, count: Int)
    /// The SHA-256 checksum does not match the contents.
    case checksumMismatch(source: String)
    /// The kind field holds a value that is not in the registry.
    case unknownKind(source: String, rawValue: UInt16)
    /// The file holds another kind of object than the caller asked for.
    case wrongKind(source: String, expected: EnvelopeKind, found: EnvelopeKind)
    /// The file was made for other parameters.
    case fingerprintMismatch(source: String, expected: Fingerprint, found: Fingerprint)
    /// The file or its declared payload is larger than ``ReaderLimit/envelopeBytes`` allows.
    case limitExceeded(ReaderLimitExceeded)

    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .unreadableFile, .unwritable: .ioError
        case .alreadyExists: .usage
        default: .dataError
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path): no such file"
        case .unreadableFile(let path, let reason):
            "\(path): cannot read the file (\(reason))"
        case .unwritable(let path, let reason):
            "\(path): cannot write the file (\(reason))"
        case .alreadyExists(let path):
            "\(path): a file already exists; refusing to replace it"
        case .notAnEnvelope(let source):
            "\(source): not a CustomerHeat file (it does not start with HEATFILE)"
        case .unsupportedVersion(let source, let version, let newest):
            "\(source): envelope format version \(version) is newer than this tool supports (\(newest))"
        case .truncated(let source, let expected, let actual):
            "\(source): truncated file: \(actual) bytes, the header declares \(expected == Int.max ? "more" : String(expected))"
        case .trailingBytes(let source, let count):
            "\(source): corrupted file: \(count) unexpected bytes after the checksum"
        case .checksumMismatch(let source):
            "\(source): corrupted file: the SHA-256 checksum does not match the contents"
        case .unknownKind(let source, let raw):
            "\(source): unknown file kind \(raw)"
        case .wrongKind(let source, let expected, let found):
            "\(source): expected a \(expected) file, found a \(found) file"
        case .fingerprintMismatch(let source, let expected, let found):
            "\(source): made for other parameters (fingerprint \(found.hex.prefix(16))…, expected \(expected.hex.prefix(16))…)"
        case .limitExceeded(let error):
            error.description
        }
    }

    public var hint: String? {
        switch self {
        case .missingFile: "check the path"
        case .truncated, .checksumMismatch, .trailingBytes: "restore the file from its source or a backup"
        case .unsupportedVersion: "upgrade heatctl"
        case .wrongKind: "pass the file of the expected kind"
        case .fingerprintMismatch: "use keys and ciphertexts generated for the same parameters"
        case .limitExceeded(let error): error.hint
        default: nil
        }
    }
}

extension Data {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

extension Array where Element == UInt8 {
    func readBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value = value << 8 | T(self[offset + index])
        }
        return value
    }
}

/// Overwrites a temporary copy of file bytes with zeros in a way the optimizer keeps
/// (`explicit_bzero`), so that secret payloads (keys) do not linger in freed memory.
///
/// - Parameter buffer: the bytes to wipe.
func wipeSecretBytes(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(base, buffer.count)
    #else
    _ = memset_s(base, buffer.count, 0, buffer.count)
    #endif
}

/// Wipes a byte array in place with `explicit_bzero`.
///
/// - Parameter bytes: the array to wipe.
func wipeSecretBytes(_ bytes: inout [UInt8]) { bytes.withUnsafeMutableBytes { wipeSecretBytes($0) } }

extension EnvelopeError {
    /// The old name of ``unreadableFile(path:reason:)``.
    @available(*, deprecated, renamed: "unreadableFile(path:reason:)")
    public static func unreadable(path: String, reason: String) -> EnvelopeError { .unreadableFile(path: path, reason: reason) }
}
