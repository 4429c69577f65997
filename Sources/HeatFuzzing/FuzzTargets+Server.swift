import Foundation
import HeatAPI
import HeatML

/// The API server's request harness (`server-requests`): every decoder of `HeatAPI` the server
/// runs on what a network client sends, with no SwiftNIO or Hummingbird in the fuzzer.
///
/// The first input byte picks the route (`byte % 5`); the rest is what the client controls:
///
/// | Byte | Decoder | Input |
/// | --- | --- | --- |
/// | 0 | ``ScoreRequest/decode(_:columns:maxRows:maxBodyBytes:)``, then its CSV read by `DataTable` with the server's options (byte 0: 19 columns; byte 5: one) | `POST /v1/score` body |
/// | 1 | ``AskRequest/decode(_:maxQuestionLength:maxBodyBytes:)`` | `POST /v1/ask` body |
/// | 2 | ``BearerCredential/token(inAuthorization:)`` then ``JWSHeader/parse(_:)`` | `Authorization` header |
/// | 3 | ``SessionCookie/sessionID(inCookieHeader:)`` | `Cookie` header |
/// | 4 | ``JSONRequestBody/checkHeaders(contentType:contentLength:limit:)`` | `Content-Type`, a line feed, `Content-Length` |
///
/// Beyond "no crash, no hang", the score route checks the invariant the server relies on: the CSV
/// written for a body the decoder accepts reads back (`CSVParser`) as the header and one record
/// per request row holding exactly the cells sent, and when `DataTable` accepts it, the table has
/// one row per request row (a string cell cannot add, drop or split a row the model scores).
enum FuzzServer {
    /// The model columns the score harness decodes against: the telco churn example's inputs
    /// (`Examples/data/telco_churn.csv` without `churn`), with the model's column types.
    static let schema: [(name: String, type: ColumnType)] = [
        ("female", .categorical), ("senior_citizen", .numeric), ("partner", .categorical), ("dependents", .categorical),
        ("tenure", .numeric), ("phone_service", .categorical), ("multiple_lines", .categorical),
        ("internet_service", .categorical), ("online_security", .categorical), ("online_backup", .categorical),
        ("device_protection", .categorical), ("tech_support", .categorical), ("streaming_tv", .categorical),
        ("streaming_movies", .categorical), ("contract", .categorical), ("paperless_billing", .categorical),
        ("payment_method", .categorical), ("monthly_charges", .numeric), ("total_charges", .numeric),
    ]
    /// A model of one text column.
    static let singleColumn: [(name: String, type: ColumnType)] = [("contract", .categorical)]
    /// The server's default limits (`ServerLimits`): 256 KiB bodies, 1 000 rows, 500-character questions.
    static let maxBodyBytes = 256 * 1024
    static let maxScoreRows = 1_000
    static let maxQuestionLength = 500

    /// Runs the decoder the first byte picks.
    ///
    /// - Parameter data: any bytes.
    /// - Returns: the server invariant the input broke, or `nil`.
    static func run(_ data: Data) -> String? {
        guard let selector = data.first else { return nil }
        let rest = Data(data.dropFirst())
        switch selector % 5 {
        case 0:
            // Selector 0 decodes against the 19 telco columns, 5 against one text column (a
            // missing cell must not become a blank, skipped CSV line).
            return score(rest, schema: selector / 5 % 2 == 1 ? singleColumn : schema)
        case 1:
            _ = try? AskRequest.decode(rest, maxQuestionLength: maxQuestionLength, maxBodyBytes: maxBodyBytes)
        case 2:
            if let token = try? BearerCredential.token(inAuthorization: String(decoding: rest, as: UTF8.self)) {
                _ = try? JWSHeader.parse(token)
            }
        case 3:
            _ = SessionCookie.sessionID(inCookieHeader: String(decoding: rest, as: UTF8.self))
        default:
            let text = String(decoding: rest, as: UTF8.self)
            let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            _ = try? JSONRequestBody.checkHeaders(contentType: lines.first.map(String.init),
                                              contentLength: lines.count > 1 ? String(lines[1]) : nil, limit: maxBodyBytes)
        }
        return nil
    }

    /// Decodes a score body and reads its CSV as the server does; the broken invariant, if any.
    static func score(_ body: Data, schema: [(name: String, type: ColumnType)]) -> String? {
        let columns = schema.map(\.name)
        guard let request = try? ScoreRequest.decode(body, columns: columns, maxRows: maxScoreRows, maxBodyBytes: maxBodyBytes) else {
            return nil
        }
        // The CSV must read back as the header and one record per request row, each field the
        // cell as sent (the parser keeps fields exactly as written, apart from the quotes).
        let text = request.csv(columns: columns)
        guard let records = try? CSVParser.parse(Array(text.utf8), source: "request") else {
            return "score: the CSV written for an accepted body does not parse"
        }
        guard records.count == request.rows.count + 1 else {
            return "score: \(request.rows.count) request rows were written as \(records.count - 1) CSV records"
        }
        for (index, (row, record)) in zip(request.rows, records.dropFirst()).enumerated() {
            let expected = row.map { cell -> String in
                switch cell {
                case .missing: ""
                case .text(let value): value
                case .number(let value): "\(value)"
                }
            }
            guard record.fields == expected else { return "score: rows[\(index)] reads back with other cells" }
        }
        let overrides = Dictionary(schema.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let csv = Data(text.utf8)
        // A row the table refuses (a text in a numeric column) is a 4xx answer, not a defect.
        guard let table = try? DataTable(data: csv, source: "request",
                                         options: .init(overrides: overrides, allowEmpty: true, categoryLimit: nil)) else { return nil }
        guard table.rowCount == request.rows.count else {
            return "score: \(request.rows.count) request rows became \(table.rowCount) table rows"
        }
        return nil
    }
}
