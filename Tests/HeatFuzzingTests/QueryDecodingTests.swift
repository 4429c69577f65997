import Foundation
import HeatAPI
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatFuzzing

/// The API server's query-parameter and `X-CSRF-Token` decoding (`HeatAPI`), the functions the
/// routes call and the `server-query` fuzz target runs.
@Suite struct QueryDecodingTests {
    typealias Clients = ClientsQuery<HeatLevel>
    typealias Groups = GroupsQuery<GroupSummary.Kind>

    static func clientsError(_ pairs: [(String, String)]) -> RequestBodyError? {
        do { _ = try Clients.decode(QueryParameters(pairs)); return nil } catch { return error }
    }

    static func groupsError(_ pairs: [(String, String)]) -> RequestBodyError? {
        do { _ = try Groups.decode(QueryParameters(pairs)); return nil } catch { return error }
    }

    @Test func acceptedQueriesHoldTheValuesSent() throws {
        let all = try Clients.decode(QueryParameters([("level", "hot"), ("search", "c-a0"), ("limit", "20")]))
        #expect(all == Clients(level: .hot, search: "C-A0", limit: 20))
        #expect(try Clients.decode(QueryParameters([])) == Clients(level: nil, search: nil, limit: 500))
        #expect(try Clients.decode(QueryParameters([("limit", "1")])).limit == 1)
        #expect(try Clients.decode(QueryParameters([("limit", "5000")])).limit == 5_000)
        #expect(try Clients.decode(QueryParameters([("search", String(repeating: "c", count: 40))])).search?.count == 40)
        #expect(try Groups.decode(QueryParameters([("kind", "branch")])).kind == .branch)
        #expect(try Groups.decode(QueryParameters([])).kind == nil)
    }

    @Test func refusalsNameTheParameterNeverTheValue() {
        #expect(Self.groupsError([("kind", "planet")]) == .invalidField("kind", reason: "expected manager, branch, segment or region"))
        #expect(Self.clientsError([("level", "HOT")]) == .invalidField("level", reason: "expected cold, cool, warm or hot"))
        for limit in ["0", "5001", "-1", "abc", "", " 5", "99999999999999999999999", "1.5"] {
            #expect(Self.clientsError([("limit", limit)]) == .invalidField("limit", reason: "an integer from 1 to 5000"), "limit=\(limit)")
        }
        #expect(Self.clientsError([("search", String(repeating: "c", count: 41))]) == .invalidField("search", reason: "at most 40 characters"))
        // Upper-casing lengthens "ß" to "SS": the bound holds for the text that is matched.
        #expect(Self.clientsError([("search", String(repeating: "\u{DF}", count: 30))]) == .invalidField("search", reason: "at most 40 characters"))
        // Unknown names, in the order sent, cut to 40 characters; a good parameter before one
        // does not hide it.
        #expect(Self.clientsError([("limit", "3"), ("sort", "ref")]) == .unknownField("sort"))
        #expect(Self.groupsError([(String(repeating: "k", count: 100), "1")]) == .unknownField(String(repeating: "k", count: 40)))
        #expect(Self.groupsError([("level", "hot")]) == .unknownField("level"))
        #expect(RequestBodyError.unknownField("sort").status == 400)
    }

    /// A repeated parameter is refused: the HTTP layer, a proxy and the decoder could each read
    /// another copy (`?limit=5&limit=9999`).
    @Test func aRepeatedParameterIsRefused() {
        #expect(Self.clientsError([("limit", "5"), ("limit", "9999")]) == .invalidField("limit", reason: "given more than once"))
        #expect(Self.clientsError([("limit", "5"), ("limit", "5")]) == .invalidField("limit", reason: "given more than once"))
        #expect(Self.groupsError([("kind", "branch"), ("kind", "segment")]) == .invalidField("kind", reason: "given more than once"))
        #expect((try? QueryParameters([("a", "1"), ("a", "2")]).only(["a"])) == nil)
        #expect((try? QueryParameters([("a", "1")]).only([])) == nil)
    }

    /// The CSRF check accepts exactly the byte-equal, non-empty header: a composed `é` and an `e`
    /// with a combining accent are equal Swift strings but different tokens.
    @Test func theCSRFCheckComparesBytes() throws {
        let token = "Zm9vYmFyYmF6cXV4"
        try CSRFToken.check(sent: token, expected: token)
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: nil, expected: token) }
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: "", expected: token) }
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: "", expected: "") }
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: "Zm9vYmFy", expected: token) }
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: "Zm9vYmFyYmF6cXV5", expected: token) }
        #expect("\u{E9}" == "e\u{301}")
        #expect(!CSRFToken.constantTimeEqual("\u{E9}", "e\u{301}"))
        #expect(throws: CSRFTokenMismatch()) { try CSRFToken.check(sent: "\u{E9}", expected: "e\u{301}") }
        let error = CSRFTokenMismatch()
        #expect(error.code == "csrf_required" && error.status == 403 && error.category.exitCode == 77)
        #expect(!error.message.contains(token))
    }

    /// The harness splits a query string as an HTTP layer does, and its checks are not vacuous: a
    /// refusal naming a value, or an accepted query with a repeated name, is reported.
    @Test func theHarnessSplitsAndChecks() {
        #expect(FuzzQuery.pairs("a=1&b&c=%41&d=x=y").pairs
                == [.init(name: "a", value: "1"), .init(name: "b", value: ""), .init(name: "c", value: "A"), .init(name: "d", value: "x=y")])
        #expect(FuzzQuery.pairs("c=%FF").pairs == [.init(name: "c", value: "%FF")])
        let query = QueryParameters([("limit", "5"), ("limit", "6")])
        #expect(FuzzQuery.refusal(.invalidField("C-a0000001", reason: "x"), query, allowed: ["limit"]) != nil)
        #expect(FuzzQuery.refusal(.invalidField("limit", reason: "x"), query, allowed: ["limit"]) == nil)
        #expect(FuzzQuery.refusal(.unknownField("sort"), query, allowed: ["limit"]) != nil)
        #expect(FuzzQuery.refusal(.malformedJSON, query, allowed: ["limit"]) != nil)
        #expect(!FuzzQuery.wellFormed(query, allowed: ["limit"]))
        #expect(FuzzQuery.run(Data([1]) + Data("limit=5&limit=6".utf8)) == nil)
        #expect(FuzzQuery.run(Data([2]) + Data("a\na".utf8)) == nil)
    }
}
