import Foundation
import HeatAPI
import HeatML
import Testing
@testable import HeatFuzzing

/// The API server's request decoding (`HeatAPI`), the functions `HeatServer` calls and the
/// `server-requests` fuzz target runs: every body and credential header maps to a typed value or
/// a ``RequestBodyError`` / ``CredentialError`` naming the field, with the documented code.
@Suite struct ServerRequestDecodingTests {
    static let columns = ["tenure", "contract", "monthly_charges"]

    static func score(_ json: String, maxRows: Int = 5, maxBodyBytes: Int = 1_024) throws(RequestBodyError) -> ScoreRequest {
        try ScoreRequest.decode(Data(json.utf8), columns: columns, maxRows: maxRows, maxBodyBytes: maxBodyBytes)
    }

    static func scoreError(_ json: String, maxRows: Int = 5, maxBodyBytes: Int = 1_024) -> RequestBodyError? {
        do { _ = try score(json, maxRows: maxRows, maxBodyBytes: maxBodyBytes); return nil } catch { return error }
    }

    @Test func scoreBodiesBecomeCellsInColumnOrder() throws {
        let request = try Self.score(#"{"reasons": 2, "rows": [{"contract": "One year", "tenure": 3}, {"monthly_charges": 70.5, "contract": null}]}"#)
        #expect(request.reasons == 2)
        #expect(request.rows == [[.number(3), .text("One year"), .missing], [.missing, .missing, .number(70.5)]])
        #expect(request.csv(columns: Self.columns) == "tenure,contract,monthly_charges\n3.0,One year,\n,,70.5\n")
        #expect(try Self.score(#"{"rows": [{}]}"#).reasons == ScoreRequest.defaultReasons)
    }

    @Test func scoreRefusalsNameTheFieldAndCode() {
        #expect(Self.scoreError("{\"rows\": ") == .malformedJSON)
        #expect(Self.scoreError("[1]") == .malformedJSON)
        #expect(Self.scoreError(#"{"rows": [{"tenure": 1}], "role": "admin"}"#) == .unknownField("role"))
        #expect(Self.scoreError(#"{"rows": [{"tenure": 1}, {"clientName": "x"}]}"#) == .unknownField("rows[1].clientName"))
        #expect(Self.scoreError(#"{"rows": []}"#) == .invalidField("rows", reason: "a non-empty array of objects is required"))
        #expect(Self.scoreError(#"{"rows": {"tenure": 1}}"#)?.code == "invalid_field")
        #expect(Self.scoreError(#"{"rows": [{}, {}, {}]}"#, maxRows: 2) == .tooManyRows(limit: 2))
        #expect(Self.scoreError(#"{"rows": [{}], "reasons": 11}"#) == .invalidField("reasons", reason: "an integer from 0 to 10"))
        #expect(Self.scoreError(#"{"rows": [{}], "reasons": "2"}"#)?.code == "invalid_field")
        #expect(Self.scoreError(#"{"rows": [{}, 3]}"#) == .invalidField("rows[1]", reason: "must be an object"))
        #expect(Self.scoreError(#"{"rows": [{"contract": ["a"]}]}"#)
                == .invalidField("rows[0].contract", reason: "must be a number, a string or null"))
        let long = String(repeating: "x", count: ScoreRequest.maximumTextLength + 1)
        #expect(Self.scoreError(#"{"rows": [{"contract": "\#(long)"}]}"#) == .invalidField("rows[0].contract", reason: "at most 200 characters"))
        #expect(Self.scoreError(#"{"rows": [{}]}"#, maxBodyBytes: 5) == .bodyTooLarge(limit: 5))
        // A key of any length is cut to 40 characters in the message.
        let key = String(repeating: "k", count: 100)
        #expect(Self.scoreError(#"{"\#(key)": 1}"#) == .unknownField(String(repeating: "k", count: 40)))
        // The documented statuses and the message, which names the field and never the value.
        #expect(RequestBodyError.tooManyRows(limit: 2).status == 413)
        #expect(RequestBodyError.unsupportedMediaType.status == 415)
        #expect(RequestBodyError.invalidField("rows[0].contract", reason: "must be finite").description
                == "field \"rows[0].contract\": must be finite")
        #expect(RequestBodyError.malformedJSON.category.exitCode == 64)
    }

    /// A string cell holding CR LF (one Swift `Character`, equal to neither `"\r"` nor `"\n"`)
    /// was written to the CSV unquoted and split its row in two: refused as a ragged row for a
    /// model of several columns, an extra row scored for a model of one. Quoted now; the corpus
    /// input `score-crlf-text` replays it through the harness's read-back invariant.
    @Test func aTextCellCannotSplitItsRow() throws {
        let request = try Self.score(#"{"rows": [{"contract": "two\r\nlines", "tenure": 1}]}"#)
        let csv = request.csv(columns: Self.columns)
        #expect(csv == "tenure,contract,monthly_charges\n1.0,\"two\r\nlines\",\n")
        let table = try DataTable(data: Data(csv.utf8), source: "request",
                                  options: .init(overrides: ["tenure": .numeric, "contract": .categorical, "monthly_charges": .numeric],
                                                 allowEmpty: true, categoryLimit: nil))
        #expect(table.rowCount == 1)
        // A model of one text column: the row would have become two scored rows.
        let single = try ScoreRequest.decode(Data(#"{"rows": [{"contract": "a\r\nb"}]}"#.utf8), columns: ["contract"],
                                             maxRows: 5, maxBodyBytes: 1_024)
        let one = try DataTable(data: Data(single.csv(columns: ["contract"]).utf8), source: "request",
                                options: .init(overrides: ["contract": .categorical], allowEmpty: true, categoryLimit: nil))
        #expect(one.rowCount == 1)
        let body = Data([0]) + Data(#"{"rows": [{"contract": "two\r\nlines", "tenure": 1}]}"#.utf8)
        #expect(FuzzTarget.serverRequests.violation(body) == nil)
        for text in ["a,b", "say \"hi\"", "line\nbreak", "cr\ronly", "\r\n"] {
            #expect(ScoreRequest.csvField(text).hasPrefix("\""), "\(text.debugDescription) is not quoted")
        }
        #expect(ScoreRequest.csvField("plain") == "plain")
    }

    /// Review HIGH 2: with one input column, a row of missing cells was an empty CSV line, which
    /// the readers skip, so every later row was answered against the wrong request row.
    @Test func anEmptyRowOfAOneColumnModelKeepsItsPlace() throws {
        let request = try ScoreRequest.decode(Data(#"{"rows": [{}, {"contract": null}, {"contract": "a"}]}"#.utf8), columns: ["contract"],
                                              maxRows: 5, maxBodyBytes: 1_024)
        let csv = request.csv(columns: ["contract"])
        #expect(csv == "contract\n\"\"\n\"\"\na\n")
        let table = try DataTable(data: Data(csv.utf8), source: "request",
                                  options: .init(overrides: ["contract": .categorical], allowEmpty: true, categoryLimit: nil))
        #expect(table.rowCount == 3)
        #expect(FuzzTarget.serverRequests.violation(Data([5]) + Data(#"{"rows": [{}, {"contract": "a"}]}"#.utf8)) == nil)
        // Several columns keep empty cells empty.
        #expect(try Self.score(#"{"rows": [{}]}"#).csv(columns: Self.columns) == "tenure,contract,monthly_charges\n,,\n")
    }

    /// Review HIGH 1: a header repeating `kid` (or `alg`, `crit`) is read differently by
    /// `JSONSerialization` (last copy) and jwt-kit's `JSONDecoder` (first copy), so the pin and
    /// revocation checks would look at one key while jwt-kit verified with another.
    @Test func aHeaderWithARepeatedMemberIsRefused() {
        func code(_ header: String) -> String? {
            do { _ = try JWSHeader.parse(Self.token(header: header)); return nil } catch { return error.code }
        }
        #expect(code(#"{"alg":"HS256","kid":"REVOKED","kid":"GOOD"}"#) == "malformed_token")
        #expect(code(#"{"alg":"HS256","kid":"GOOD","kid":"REVOKED"}"#) == "malformed_token")
        #expect(code(#"{"alg":"HS256","alg":"EdDSA","kid":"k1"}"#) == "malformed_token")
        #expect(code(#"{"alg":"HS256","kid":"k1","crit":["exp"],"crit":null}"#) == "malformed_token")
        #expect(code(#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#) == nil)
    }

    @Test func askBodies() throws {
        func error(_ json: String, max: Int = 20) -> RequestBodyError? {
            do { _ = try AskRequest.decode(Data(json.utf8), maxQuestionLength: max, maxBodyBytes: 1_024); return nil } catch { return error }
        }
        #expect(try AskRequest.decode(Data(#"{"question": "how many?"}"#.utf8), maxQuestionLength: 20, maxBodyBytes: 1_024)
                == AskRequest(question: "how many?"))
        #expect(error(#"{"question": 3}"#) == .invalidField("question", reason: "a non-empty string is required"))
        #expect(error(#"{"question": " \n "}"#)?.code == "invalid_field")
        #expect(error(#"{}"#)?.code == "invalid_field")
        #expect(error(#"{"question": "0123456789abcdefghijk"}"#) == .invalidField("question", reason: "at most 20 characters"))
        #expect(error(#"{"question": "a", "role": "admin"}"#) == .unknownField("role"))
        #expect(error(#"{"question": "#) == .malformedJSON)
        #expect(error(#""question""#) == .malformedJSON)
    }

    @Test func bodyHeaders() {
        func error(_ type: String?, _ length: String?) -> RequestBodyError? {
            do { try JSONRequestBody.checkHeaders(contentType: type, contentLength: length, limit: 100); return nil } catch { return error }
        }
        #expect(error(nil, nil) == nil)
        #expect(error("application/json; charset=utf-8", "100") == nil)
        #expect(error("Application/JSON", "x") == nil)
        #expect(error("text/plain", "5") == .unsupportedMediaType)
        #expect(error("application/json", "101") == .bodyTooLarge(limit: 100))
        #expect(error("application/json", "99999999999999999999999") == nil)   // not an Int: the read stops at the limit
    }

    static func base64URL(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }
    static func token(header: String) -> String { "\(base64URL(header)).\(base64URL(#"{"role":"executive"}"#)).c2ln" }

    @Test func bearerHeadersAndJWSHeaders() throws {
        #expect(try BearerCredential.token(inAuthorization: "Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(try BearerCredential.token(inAuthorization: "bearer x") == "x")
        #expect(throws: CredentialError.notBearer) { try BearerCredential.token(inAuthorization: "Basic b3Bz") }
        #expect(throws: CredentialError.notBearer) { try BearerCredential.token(inAuthorization: "Bearer") }
        #expect(CredentialError.notBearer.code == "malformed_token")

        let header = try JWSHeader.parse(Self.token(header: #"{"alg":"HS256","kid":"k1","typ":"JWT"}"#))
        #expect(header == JWSHeader(algorithm: "HS256", keyID: "k1", hasCriticalExtensions: false))
        #expect(try JWSHeader.parse(Self.token(header: #"{"alg":"EdDSA","kid":"e","crit":["exp"]}"#)).hasCriticalExtensions)
        #expect(try !JWSHeader.parse(Self.token(header: #"{"alg":"EdDSA","kid":"e","crit":null}"#)).hasCriticalExtensions)
        func code(_ token: String) -> String? {
            do { _ = try JWSHeader.parse(token); return nil } catch { return error.code }
        }
        #expect(code("not-a-jwt") == "malformed_token")
        #expect(code("a.b") == "malformed_token")
        #expect(code("%%%.b.c") == "malformed_token")
        #expect(code(Self.token(header: "[1]")) == "malformed_token")
        #expect(code(Self.token(header: #"{"alg":"none","kid":"k1"}"#)) == "unsupported_algorithm")
        #expect(code(Self.token(header: #"{"alg":"RS256","kid":"k1"}"#)) == "unsupported_algorithm")
        #expect(code(Self.token(header: #"{"kid":"k1"}"#)) == "unsupported_algorithm")
        #expect(code(Self.token(header: #"{"alg":"HS256"}"#)) == "bad_signature")
        #expect(code(Self.token(header: #"{"alg":"HS256","kid":7}"#)) == "malformed_token")
        let long = Self.token(header: #"{"alg":"HS256","kid":"k1"}"#) + String(repeating: "a", count: JWSHeader.maximumTokenBytes)
        #expect(code(long) == "malformed_token")
        // Unpadded base64url of every length decodes; non-ASCII text does not.
        for length in 0...5 {
            let bytes = Array(UInt8(0)..<UInt8(length))
            #expect(Base64URL.decode(Substring(Base64URL.encode(bytes))) == Data(bytes))
        }
        #expect(Base64URL.decode("é") == nil)
    }

    @Test func sessionCookies() {
        #expect(SessionCookie.sessionID(inCookieHeader: "theme=dark; heat_session=abc_DEF-1; x=2") == "abc_DEF-1")
        #expect(SessionCookie.sessionID(inCookieHeader: "heat_session=") == "")
        #expect(SessionCookie.sessionID(inCookieHeader: "other_heat_session=abc") == nil)
        #expect(SessionCookie.sessionID(inCookieHeader: "") == nil)
    }

    /// The committed corpus reaches every route of the harness.
    @Test func theCorpusCoversEveryRoute() throws {
        let inputs = CorpusReplayTests.inputs(.serverRequests)
        let routes = Set(try inputs.compactMap { try Data(contentsOf: $0).first.map { Int($0) % 5 } })
        #expect(routes == Set(0..<5))
    }
}
