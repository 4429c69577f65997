import Foundation
import HeatEnvelope
import HeatFHE

/// The framing shared by the pipeline's files (``EncryptedHeatRun``, ``EncryptedAggregates``):
/// big-endian `UInt32` counts and lengths, a canonical-JSON header (sorted keys, unescaped
/// slashes) and length-prefixed inner envelopes.
///
/// ```swift
/// var writer = PipelinePayloadWriter()
/// writer.putHeader(header)
/// writer.putBlock(ciphertextBytes)
/// let payload = writer.data
/// ```
struct PipelinePayloadWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// The payload.
    var data: Data { Data(bytes) }

    /// Appends a big-endian `UInt32`.
    mutating func put(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }

    /// Appends a big-endian `UInt32` of a non-negative count.
    mutating func put(count: Int) { put(UInt32(truncatingIfNeeded: count)) }

    /// Appends bytes as they are.
    mutating func append(raw: [UInt8]) { bytes += raw }

    /// Appends a `UInt32` length and the bytes.
    mutating func putBlock(_ block: [UInt8]) {
        put(count: block.count)
        bytes += block
    }

    /// Appends a header as length-prefixed canonical JSON.
    mutating func putHeader<Header: Encodable>(_ header: Header) { putBlock([UInt8](Self.canonicalJSON(header))) }

    /// Appends a ciphertext as a length-prefixed `fheCiphertext` envelope.
    mutating func putCiphertext(_ ciphertext: Ciphertext<UInt64>?) {
        putBlock([UInt8](ciphertext.map { Bfv64.envelope(of: $0).serialized() } ?? Data()))
    }

    /// Canonical JSON (sorted keys, unescaped slashes) of a header.
    static func canonicalJSON<Header: Encodable>(_ header: Header) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(header)) ?? Data()
    }
}

/// Reads what ``PipelinePayloadWriter`` writes, with errors naming the file and the field at fault
/// (``PipelineError/malformed(source:reason:)``, exit 65).
struct PipelinePayloadReader {
    /// The payload.
    let bytes: [UInt8]
    /// The file (or part) for messages.
    let source: String
    /// The read position.
    private(set) var position = 0

    init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// Bytes left after the read position.
    var remaining: Int { bytes.count - position }

    /// Reads a big-endian `UInt32` (as `Int`).
    mutating func count(_ field: String) throws(PipelineError) -> Int {
        guard position + 4 <= bytes.count else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
        let value = bytes[position..<(position + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        position += 4
        return Int(value)
    }

    /// Skips `length` bytes.
    mutating func skip(_ length: Int, _ field: String) throws(PipelineError) {
        guard length <= remaining else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
        position += length
    }

    /// Reads `length` bytes.
    mutating func slice(_ length: Int, _ field: String) throws(PipelineError) -> [UInt8] {
        guard length <= remaining else { throw .malformed(source: source, reason: "the payload ends inside \(field)") }
        defer { position += length }
        return Array(bytes[position..<(position + length)])
    }

    /// Reads a `UInt32` length and that many bytes.
    mutating func block(_ field: String) throws(PipelineError) -> [UInt8] {
        try slice(try count("\(field) length"), field)
    }

    /// Reads the length-prefixed JSON header.
    ///
    /// - Parameters:
    ///   - type: the header type.
    ///   - what: the file kind for messages (`run`, `aggregates`).
    mutating func header<Header: Decodable>(_ type: Header.Type, what: String) throws(PipelineError) -> Header {
        let headerBytes = try slice(try count("the header length"), "the header")
        do {
            return try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw .malformed(source: source, reason: "the \(what) header is not valid JSON (\(error))")
        }
    }

    /// Reads a length-prefixed ciphertext envelope (a ciphertext, or a seeded one when `expecting`
    /// is `nil`).
    mutating func ciphertext(
        _ field: String, context: BfvContext<UInt64>, expecting kind: EnvelopeKind? = .fheCiphertext
    ) throws(PipelineError) -> Ciphertext<UInt64> {
        let data = try block(field)
        do {
            let inner: Envelope
            if let kind {
                inner = try Envelope(decoding: Data(data), expecting: kind, source: "\(source) \(field)")
            } else {
                inner = try Envelope(decoding: Data(data), source: "\(source) \(field)")
            }
            return try Bfv64.ciphertext(envelope: inner, context: context, source: "\(source) \(field)")
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch let error as FHEError {
            throw .fhe(error)
        } catch {
            throw .malformed(source: source, reason: "\(error)")
        }
    }

    /// Checks that nothing follows the last item.
    func finish(after last: String) throws(PipelineError) {
        guard position == bytes.count else { throw .malformed(source: source, reason: "\(bytes.count - position) bytes follow \(last)") }
    }
}
