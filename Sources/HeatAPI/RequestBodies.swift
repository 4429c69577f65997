import Foundation

/// The checks every JSON request body of the API server passes before its route reads it: the
/// media type, the declared and actual size, and a JSON object with only the route's keys.
///
/// These are pure functions of the header values and the body's bytes, with no SwiftNIO or
/// Hummingbird type, so the server (`HeatServer.RouteHandlers`) and the fuzz target
/// `server-requests` (`HeatFuzzing`) run exactly the same decoding.
///
/// ```swift
/// try JSONRequestBody.checkHeaders(contentType: "application/json", contentLength: "12", limit: 1024)
/// ```
public enum JSONRequestBody {
    /// Checks the `Content-Type` and `Content-Length` header values before the body is read.
    ///
    /// - Parameters:
    ///   - contentType: the `Content-Type` value, or `nil` when absent (then JSON is assumed).
    ///   - contentLength: the `Content-Length` value, or `nil` when absent or chunked.
    ///   - limit: the largest body accepted, in bytes.
    /// - Throws: ``RequestBodyError/unsupportedMediaType`` for a media type other than
    ///   `application/json…`; ``RequestBodyError/bodyTooLarge(limit:)`` when the declared length
    ///   is above `limit` (a length that is not a number is left to the body's actual size).
    public static func checkHeaders(contentType: String?, contentLength: String?, limit: Int) throws(RequestBodyError) {
        if let contentType, !contentType.lowercased().hasPrefix("application/json") { throw .unsupportedMediaType }
        if let length = contentLength.flatMap({ Int($0) }), length > limit { throw .bodyTooLarge(limit: limit) }
    }

    /// The body as a JSON object whose keys are all in `allowed`.
    ///
    /// - Parameters:
    ///   - body: the body's bytes.
    ///   - allowed: the keys the route takes.
    ///   - limit: the largest body accepted, in bytes (the server has already stopped reading at
    ///     it; checked again so a library caller gets the same bound).
    /// - Returns: the object.
    /// - Throws: ``RequestBodyError/bodyTooLarge(limit:)``, ``RequestBodyError/malformedJSON``, or
    ///   ``RequestBodyError/unknownField(_:)`` naming the first unknown key in sorted order.
    static func object(_ body: Data, allowed: Set<String>, limit: Int) throws(RequestBodyError) -> [String: Any] {
        guard body.count <= limit else { throw .bodyTooLarge(limit: limit) }
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw .malformedJSON
        }
        for key in object.keys.sorted() where !allowed.contains(key) { throw .unknownField(String(key.prefix(40))) }
        return object
    }
}

/// The body of `POST /v1/score`: `{"rows": [{column: value, …}, …], "reasons": n}`, decoded
/// against the model's input columns.
///
/// ```swift
/// let request = try ScoreRequest.decode(Data(#"{"rows": [{"tenure": 3}]}"#.utf8),
///                                       columns: ["tenure", "contract"], maxRows: 1000, maxBodyBytes: 262_144)
/// request.csv(columns: ["tenure", "contract"])   // "tenure,contract\n3.0,\n"
/// ```
public struct ScoreRequest: Sendable, Equatable {
    /// One cell of a row, in the model's column order.
    public enum Cell: Sendable, Equatable {
        /// The column is absent or `null`: an empty CSV cell (imputed by the model).
        case missing
        /// A string of at most ``maximumTextLength`` characters.
        case text(String)
        /// A finite number.
        case number(Double)
    }

    /// The most characters a string cell may hold.
    public static let maximumTextLength = 200
    /// The reason count when the body names none.
    public static let defaultReasons = 3
    /// The reason counts accepted.
    public static let reasonRange = 0...10

    /// The rows, each with one cell per column of the `columns` the body was decoded against.
    public var rows: [[Cell]]
    /// How many reasons to return per row.
    public var reasons: Int

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - rows: one cell per column per row.
    ///   - reasons: the reason count.
    public init(rows: [[Cell]], reasons: Int = ScoreRequest.defaultReasons) {
        self.rows = rows
        self.reasons = reasons
    }

    /// Decodes a score body.
    ///
    /// - Parameters:
    ///   - body: the body's bytes.
    ///   - columns: the model's input columns, in order.
    ///   - maxRows: the most rows accepted.
    ///   - maxBodyBytes: the largest body accepted.
    /// - Returns: the rows and the reason count.
    /// - Throws: ``RequestBodyError``: `malformed_json`, `unknown_field` (`rows[i].name`),
    ///   `invalid_field` (`rows`, `reasons`, `rows[i]`, `rows[i].column`), `too_many_rows`,
    ///   `body_too_large`; the first fault in body order.
    public static func decode(_ body: Data, columns: [String], maxRows: Int, maxBodyBytes: Int) throws(RequestBodyError) -> ScoreRequest {
        let object = try JSONRequestBody.object(body, allowed: ["rows", "reasons"], limit: maxBodyBytes)
        guard let rows = object["rows"] as? [Any], !rows.isEmpty else {
            throw .invalidField("rows", reason: "a non-empty array of objects is required")
        }
        guard rows.count <= maxRows else { throw .tooManyRows(limit: maxRows) }
        var reasons = defaultReasons
        if let value = object["reasons"] {
            guard let number = value as? Int, reasonRange.contains(number) else {
                throw .invalidField("reasons", reason: "an integer from 0 to 10")
            }
            reasons = number
        }
        let known = Set(columns)
        var decoded: [[Cell]] = []
        decoded.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            guard let fields = row as? [String: Any] else { throw .invalidField("rows[\(index)]", reason: "must be an object") }
            for key in fields.keys.sorted() where !known.contains(key) { throw .unknownField("rows[\(index)].\(key.prefix(40))") }
            var cells: [Cell] = []
            cells.reserveCapacity(columns.count)
            for column in columns {
                switch fields[column] {
                case nil, is NSNull:
                    cells.append(.missing)
                case let text as String:
                    guard text.count <= maximumTextLength else {
                        throw .invalidField("rows[\(index)].\(column)", reason: "at most \(maximumTextLength) characters")
                    }
                    cells.append(.text(text))
                case let number as NSNumber:
                    guard number.doubleValue.isFinite else { throw .invalidField("rows[\(index)].\(column)", reason: "must be finite") }
                    cells.append(.number(number.doubleValue))
                default:
                    throw .invalidField("rows[\(index)].\(column)", reason: "must be a number, a string or null")
                }
            }
            decoded.append(cells)
        }
        return ScoreRequest(rows: decoded, reasons: reasons)
    }

    /// The rows as CSV with a header of `columns` (the columns the request was decoded against),
    /// for `DataTable`: strings quoted when they hold a comma, quote or line break.
    ///
    /// - Parameter columns: the column names, in the order of each row's cells.
    /// - Returns: the CSV text, one line per row after the header.
    ///
    /// With one column, a missing cell is written as `""`: an empty line would be skipped as blank
    /// by the CSV readers, dropping the row and answering every later row against the wrong one.
    public func csv(columns: [String]) -> String {
        var csv = columns.map(Self.csvField).joined(separator: ",") + "\n"
        let missing = columns.count == 1 ? "\"\"" : ""
        for row in rows {
            csv += row.map { cell in
                switch cell {
                case .missing: missing
                case .text(let text): Self.csvField(text)
                case .number(let value): "\(value)"
                }
            }.joined(separator: ",") + "\n"
        }
        return csv
    }

    /// `text` as one CSV field: quoted, with quotes doubled, when it holds a comma, quote, carriage
    /// return or line feed.
    ///
    /// The test is on UTF-8 bytes, not `Character`s: `"\r\n"` is one `Character`, equal to neither
    /// `"\r"` nor `"\n"`, so a character test leaves a cell holding CR LF unquoted and the cell
    /// splits its row.
    ///
    /// - Parameter text: the field.
    /// - Returns: the field as written in the CSV.
    public static func csvField(_ text: String) -> String {
        if text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// The body of `POST /v1/ask`: `{"question": "…"}`.
///
/// ```swift
/// let ask = try AskRequest.decode(Data(#"{"question": "how many clients?"}"#.utf8),
///                                 maxQuestionLength: 500, maxBodyBytes: 262_144)
/// ask.question   // "how many clients?"
/// ```
public struct AskRequest: Sendable, Equatable {
    /// The question, not blank, at most the server's `maxQuestionLength` characters.
    public var question: String

    /// Creates a request.
    ///
    /// - Parameter question: the question.
    public init(question: String) { self.question = question }

    /// Decodes an ask body.
    ///
    /// - Parameters:
    ///   - body: the body's bytes.
    ///   - maxQuestionLength: the most characters accepted.
    ///   - maxBodyBytes: the largest body accepted.
    /// - Returns: the question.
    /// - Throws: ``RequestBodyError``: `malformed_json`, `unknown_field`, `invalid_field`
    ///   (`question` missing, not a string, blank or too long), `body_too_large`.
    public static func decode(_ body: Data, maxQuestionLength: Int, maxBodyBytes: Int) throws(RequestBodyError) -> AskRequest {
        let object = try JSONRequestBody.object(body, allowed: ["question"], limit: maxBodyBytes)
        guard let question = object["question"] as? String, !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidField("question", reason: "a non-empty string is required")
        }
        guard question.count <= maxQuestionLength else {
            throw .invalidField("question", reason: "at most \(maxQuestionLength) characters")
        }
        return AskRequest(question: question)
    }
}
