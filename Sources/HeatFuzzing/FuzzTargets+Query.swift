import Foundation
import HeatAPI
import HeatCore

/// The API server's query and CSRF harness (`server-query`): the `HeatAPI` decoders the server
/// runs on a `GET` route's query parameters and on the `X-CSRF-Token` header.
///
/// The first input byte picks the decoder (`byte % 3`); the rest is what the client controls:
///
/// | Byte | Decoder | Input |
/// | --- | --- | --- |
/// | 0 | ``GroupsQuery/decode(_:)`` (`GET /v1/groups`) | a query string, `name=value` pairs joined by `&` |
/// | 1 | ``ClientsQuery/decode(_:)`` (`GET /v1/clients`) | a query string |
/// | 2 | ``CSRFToken/check(sent:expected:)`` and ``CSRFToken/constantTimeEqual(_:_:)`` | the header sent, a line feed, the session's token |
///
/// The query string is split as an HTTP layer does (on `&`, then on the first `=`, each side
/// percent-decoded when it decodes, kept as sent otherwise); the decoders see only the pairs.
///
/// Beyond "no crash, no hang", each route checks what the server relies on: an accepted query
/// holds exactly the values sent (no parameter outside the route's set, none twice, the level or
/// kind the value names, the search upper-cased and at most 40 characters, the limit the number
/// sent and in range, 500 when absent), and a refusal names a parameter, never a value (an
/// `invalid_field` names one of the route's parameters; an `unknown_field` a sent name cut to 40
/// characters). The CSRF check accepts exactly the byte-equal, non-empty header.
enum FuzzQuery {
    /// Runs the decoder the first byte picks.
    ///
    /// - Parameter data: any bytes.
    /// - Returns: the invariant the input broke, or `nil`.
    static func run(_ data: Data) -> String? {
        guard let selector = data.first else { return nil }
        let text = String(decoding: data.dropFirst(), as: UTF8.self)
        switch selector % 3 {
        case 0: return groups(pairs(text))
        case 1: return clients(pairs(text))
        default: return csrf(text)
        }
    }

    /// `a=1&b&c=%41` as `[("a", "1"), ("b", ""), ("c", "A")]`.
    static func pairs(_ query: String) -> QueryParameters {
        QueryParameters(query.split(separator: "&").map { part in
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(halves[0]), value = halves.count > 1 ? String(halves[1]) : ""
            return (name.removingPercentEncoding ?? name, value.removingPercentEncoding ?? value)
        })
    }

    /// What a refusal may name: one of the route's parameters (`invalid_field`), or a sent name
    /// outside them, cut to 40 characters (`unknown_field`).
    static func refusal(_ error: RequestBodyError, _ query: QueryParameters, allowed: Set<String>) -> String? {
        switch error {
        case .invalidField(let field, _):
            return allowed.contains(field) ? nil : "invalid_field names \"\(field.prefix(40))\", not one of the route's parameters"
        case .unknownField(let field):
            let named = query.pairs.contains { !allowed.contains($0.name) && String($0.name.prefix(QueryParameters.maximumEchoedNameLength)) == field }
            return named ? nil : "unknown_field names something other than a sent parameter name"
        default:
            return "a query was refused with \(error.code)"
        }
    }

    /// Names within `allowed`, none twice.
    static func wellFormed(_ query: QueryParameters, allowed: Set<String>) -> Bool {
        let names = query.pairs.map(\.name)
        return names.allSatisfy(allowed.contains) && Set(names).count == names.count
    }

    static func groups(_ query: QueryParameters) -> String? {
        let allowed = GroupsQuery<GroupSummary.Kind>.parameters
        let decoded: GroupsQuery<GroupSummary.Kind>
        do {
            decoded = try GroupsQuery<GroupSummary.Kind>.decode(query)
        } catch {
            return refusal(error, query, allowed: allowed)
        }
        guard wellFormed(query, allowed: allowed) else { return "groups: a query with an unknown or repeated parameter was accepted" }
        guard decoded.kind?.rawValue == query.value("kind") else { return "groups: the kind is not the one sent" }
        return nil
    }

    static func clients(_ query: QueryParameters) -> String? {
        typealias Clients = ClientsQuery<HeatLevel>
        let decoded: Clients
        do {
            decoded = try Clients.decode(query)
        } catch {
            return refusal(error, query, allowed: Clients.parameters)
        }
        guard wellFormed(query, allowed: Clients.parameters) else { return "clients: a query with an unknown or repeated parameter was accepted" }
        guard decoded.level?.rawValue == query.value("level") else { return "clients: the level is not the one sent" }
        guard decoded.search == query.value("search")?.uppercased() else { return "clients: the search is not the one sent, upper-cased" }
        if let search = decoded.search, search.count > Clients.maximumSearchLength { return "clients: a search above 40 characters was accepted" }
        guard Clients.limitRange.contains(decoded.limit) else { return "clients: the limit \(decoded.limit) is out of range" }
        let expected = query.value("limit").map { Int($0) } ?? Clients.defaultLimit
        guard decoded.limit == expected else { return "clients: the limit is not the number sent" }
        return nil
    }

    static func csrf(_ text: String) -> String? {
        let halves = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let sent = String(halves[0]), expected = halves.count > 1 ? String(halves[1]) : ""
        let equal = Array(sent.utf8) == Array(expected.utf8)
        guard CSRFToken.constantTimeEqual(sent, expected) == equal else { return "csrf: the comparison disagrees with byte equality" }
        let accepted = (try? CSRFToken.check(sent: sent, expected: expected)) != nil
        guard accepted == (equal && !sent.isEmpty) else { return "csrf: a header was \(accepted ? "accepted" : "refused") against the byte-equality rule" }
        // An absent header is never accepted.
        guard (try? CSRFToken.check(sent: nil, expected: expected)) == nil else { return "csrf: an absent header was accepted" }
        return nil
    }
}
