import Foundation
import HeatEnvelope

extension ResultsDocument {
    /// A JSON encoder with the project's settings: sorted keys and pretty printing, so equal
    /// documents encode to equal bytes.
    public static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Encodes the document as JSON with ``jsonEncoder()``.
    public func jsonData() throws -> Data { try Self.jsonEncoder().encode(self) }

    /// Decodes a results document, checking its schema.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: the file name used in error messages.
    /// - Throws: ``ResultsDocumentError`` naming the file and the problem (also for a document
    ///   above `HEAT_MAX_CONFIG_BYTES`, checked before decoding).
    public static func decode(_ data: Data, source: String = "<data>") throws(ResultsDocumentError) -> ResultsDocument {
        struct SchemaProbe: Decodable { var schema: String? }
        // Bounded like every JSON input (HEAT_MAX_CONFIG_BYTES) before anything is decoded.
        do {
            try ReaderLimits.current.check(.configBytes, data.count, source: source, field: "the results document")
        } catch {
            throw .invalid(source: source, reason: error.reason)
        }
        guard let probe = try? JSONDecoder().decode(SchemaProbe.self, from: data) else {
            throw .notJSON(source: source)
        }
        guard let schema = probe.schema, schema.hasPrefix("customerheat.results/") else {
            throw .wrongSchema(source: source, found: probe.schema)
        }
        guard schema == currentSchema else { throw .newerSchema(source: source, found: schema) }
        do {
            return try JSONDecoder().decode(ResultsDocument.self, from: data)
        } catch let error as DecodingError {
            throw .invalid(source: source, reason: error.readableDescription)
        } catch {
            throw .invalid(source: source, reason: "\(error)")
        }
    }
}

/// A results document that could not be read.
public enum ResultsDocumentError: ClassifiedError, Equatable {
    /// The bytes are not JSON.
    case notJSON(source: String)
    /// The JSON has no `customerheat.results/…` schema.
    case wrongSchema(source: String, found: String?)
    /// The document uses a schema newer than this library.
    case newerSchema(source: String, found: String)
    /// A field is missing or has the wrong type.
    case invalid(source: String, reason: String)

    public var category: ErrorCategory { .dataError }

    public var description: String {
        switch self {
        case .notJSON(let source): "\(source): not a JSON document"
        case .wrongSchema(let source, let found):
            "\(source): not a CustomerHeat results document (schema \(found.map { "\"\($0)\"" } ?? "missing"))"
        case .newerSchema(let source, let found): "\(source): results schema \"\(found)\" is newer than this tool supports"
        case .invalid(let source, let reason): "\(source): invalid results document: \(reason)"
        }
    }

    public var hint: String? {
        switch self {
        case .newerSchema: "upgrade heatctl"
        default: "pass a results.json written by `heatctl demo` or `heatctl heat --json`"
        }
    }
}

extension DecodingError {
    /// A one-line description naming the JSON path at fault.
    public var readableDescription: String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "(top level)" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch self {
        case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" at \(path(context.codingPath))"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}
