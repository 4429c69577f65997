import Foundation
import HeatEnvelope
import HeatFHE

/// Ciphertexts by slot batch under a JSON header: the one framing of the evaluator's and the
/// collector's batch files, heat runs (``EncryptedHeatRun``, heat and trend per batch), tree
/// inputs (``EncryptedTreeInputs``, one bit per split), scores and tree scores
/// (``EncryptedScores``, one score per batch).
///
/// Payload (big-endian): UInt32 header length, the header as sorted-key JSON, UInt32 batch
/// count, then per batch its UInt32 index and, per ciphertext of the batch, UInt32 length and a
/// ciphertext envelope (a missing ciphertext is written as an empty block).
///
/// ```swift
/// let data = CiphertextBatches.payload(header: header, batches: header.batches) { [heat[$0], trend[$0]] }
/// var (header, reader) = try CiphertextBatches.open(envelope, kind: .encryptedHeatRun, context: context,
///                                                  source: path, what: "run", schema: \Header.schema, expected: schema)
/// let batches = try CiphertextBatches.read(&reader, names: ["heat", "trend"], context: context, batches: header.batches)
/// ```
enum CiphertextBatches {
    /// The payload of `batches`, in that order.
    ///
    /// - Parameters:
    ///   - header: the header (canonical JSON).
    ///   - batches: the batch indices, in file order.
    ///   - ciphertexts: the ciphertexts of one batch, always the same number per batch.
    /// - Returns: the payload bytes.
    static func payload<Header: Encodable>(
        header: Header, batches: [Int], ciphertexts: (Int) -> [Ciphertext<UInt64>?]
    ) -> Data {
        var writer = PipelinePayloadWriter()
        writer.putHeader(header)
        writer.put(count: batches.count)
        for batch in batches {
            writer.put(count: batch)
            for ciphertext in ciphertexts(batch) { writer.putCiphertext(ciphertext) }
        }
        return writer.data
    }

    /// Checks an envelope's kind and parameter fingerprint, decodes its header and checks the
    /// header's schema; returns the reader positioned after the header.
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - kind: the kind expected.
    ///   - context: the reader's context (its fingerprint must be the envelope's).
    ///   - source: the file, for messages.
    ///   - what: the file kind for messages (`run`, `scores`, `tree inputs`).
    ///   - schema: the header's schema field.
    ///   - expected: the schema this reader understands.
    /// - Returns: the header and the reader.
    /// - Throws: ``PipelineError`` (exit 65) for another kind, other parameters, a bad header or schema.
    static func open<Header: Decodable>(
        _ envelope: Envelope, kind: EnvelopeKind, context: BfvContext<UInt64>, source: String, what: String,
        schema: KeyPath<Header, String>, expected: String
    ) throws(PipelineError) -> (header: Header, reader: PipelinePayloadReader) {
        try open(envelope, kind: kind, context: context, source: source, what: what, schema: schema, accepting: [expected])
    }

    /// As ``open(_:kind:context:source:what:schema:expected:)``, accepting any of `accepted`
    /// schemas (a heat run with or without directory periods, issue 27 s39).
    static func open<Header: Decodable>(
        _ envelope: Envelope, kind: EnvelopeKind, context: BfvContext<UInt64>, source: String, what: String,
        schema: KeyPath<Header, String>, accepting accepted: [String]
    ) throws(PipelineError) -> (header: Header, reader: PipelinePayloadReader) {
        guard envelope.kind == kind else {
            throw .fhe(.envelope(.wrongKind(source: source, expected: kind, found: envelope.kind)))
        }
        guard envelope.fingerprint == context.fingerprint else {
            throw .parameterMismatch(source: source, expected: context.fingerprint.hex, found: envelope.fingerprint.hex)
        }
        var reader = PipelinePayloadReader([UInt8](envelope.payload), source: source)
        let header = try reader.header(Header.self, what: what)
        guard accepted.contains(header[keyPath: schema]) else {
            throw .malformed(source: source, reason: "field schema: \(header[keyPath: schema]) is not \(accepted.joined(separator: " or "))")
        }
        return (header, reader)
    }

    /// Reads the batches after the header: per batch its index and one ciphertext per name
    /// (named `batch B NAME` in messages, or `batch B` for an empty name), then checks that
    /// nothing follows and that the batches are exactly the header's.
    ///
    /// - Parameters:
    ///   - reader: the reader after the header.
    ///   - names: one name per ciphertext of a batch.
    ///   - context: the reader's context.
    ///   - expected: the header's batch indices.
    /// - Returns: the ciphertexts by batch, in `names` order.
    /// - Throws: ``PipelineError`` (exit 65) for a truncated or trailing payload, a bad ciphertext,
    ///   or batches that differ from the header's.
    static func read(
        _ reader: inout PipelinePayloadReader, names: [String], context: BfvContext<UInt64>, batches expected: [Int]
    ) throws(PipelineError) -> [Int: [Ciphertext<UInt64>]] {
        var batches: [Int: [Ciphertext<UInt64>]] = [:]
        let count = try reader.count("the batch count")
        for index in 0..<count {
            let batch = try reader.count("batch \(index)")
            var row: [Ciphertext<UInt64>] = []
            for name in names {
                // A ciphertext or a seeded one (kind 30); the decoder checks the kind.
                row.append(try reader.ciphertext(name.isEmpty ? "batch \(batch)" : "batch \(batch) \(name)", context: context, expecting: nil))
            }
            batches[batch] = row
        }
        try reader.finish(after: "the last batch")
        guard Set(batches.keys) == Set(expected), batches.count == expected.count else {
            throw .malformed(source: reader.source, reason: "field batches: the ciphertexts do not match the header")
        }
        return batches
    }
}
