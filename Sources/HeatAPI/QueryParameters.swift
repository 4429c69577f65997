import Foundation
import HeatEnvelope

/// The query parameters of a `GET` route, as the HTTP layer parsed and percent-decoded them, and
/// the one decoding of each parameter the API server takes.
///
/// The server passes Hummingbird's already-parsed pairs; the fuzz target `server-query` passes
/// pairs it splits itself. Everything after that (unknown and repeated names, the fixed sets,
/// the ranges, the lengths) is decided here, by pure functions of the pairs, so the routes and the
/// fuzzer run the same checks. A refusal is a ``RequestBodyError`` (400 `unknown_field` or
/// `invalid_field`) naming the parameter, never its value.
///
/// ```swift
/// let query = QueryParameters([("level", "hot"), ("limit", "20")])
/// let clients = try ClientsQuery<HeatLevel>.decode(query)
/// clients.limit   // 20
/// ```
public struct QueryParameters: Sendable, Equatable {
    /// One `name=value` pair, in the order sent.
    public struct Pair: Sendable, Equatable {
        /// The parameter's name.
        public var name: String
        /// Its value (empty for `?name` or `?name=`).
        public var value: String

        /// Creates a pair.
        ///
        /// - Parameters:
        ///   - name: the name.
        ///   - value: the value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The most characters of a client-chosen parameter name repeated in an error.
    public static let maximumEchoedNameLength = 40

    /// The pairs, in the order sent.
    public var pairs: [Pair]

    /// Creates the parameters from `(name, value)` pairs in the order sent.
    ///
    /// - Parameter pairs: the parsed pairs.
    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { Pair(name: $0.0, value: $0.1) }
    }

    /// Creates the parameters from pairs.
    ///
    /// - Parameter pairs: the pairs.
    public init(pairs: [Pair]) { self.pairs = pairs }

    /// Checks that every name is one the route takes, and that none is given twice.
    ///
    /// A repeated parameter (`?limit=5&limit=9999`) is refused rather than resolved: the HTTP
    /// layer, a proxy and this decoder could each pick another copy.
    ///
    /// - Parameter allowed: the route's parameter names (empty for a route that takes none).
    /// - Throws: ``RequestBodyError/unknownField(_:)`` naming the first unknown parameter in the
    ///   order sent (cut to ``maximumEchoedNameLength`` characters), or
    ///   ``RequestBodyError/invalidField(_:reason:)`` for the first repeated one.
    public func only(_ allowed: Set<String>) throws(RequestBodyError) {
        var seen: Set<String> = []
        for pair in pairs {
            guard allowed.contains(pair.name) else { throw .unknownField(String(pair.name.prefix(Self.maximumEchoedNameLength))) }
            guard seen.insert(pair.name).inserted else { throw .invalidField(pair.name, reason: "given more than once") }
        }
    }

    /// The value of `name`, if given (call ``only(_:)`` first, so there is at most one).
    ///
    /// - Parameter name: the parameter.
    /// - Returns: its value, or `nil`.
    public func value(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The value of `name` as one of `Choice`'s raw values.
    ///
    /// - Parameters:
    ///   - name: the parameter.
    ///   - type: the type whose raw values are accepted.
    /// - Returns: the choice, or `nil` when the parameter is absent.
    /// - Throws: ``RequestBodyError/invalidField(_:reason:)`` listing the accepted values.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as type: Choice.Type) throws(RequestBodyError) -> Choice?
    where Choice.RawValue == String {
        guard let text = value(name) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            throw .invalidField(name, reason: "expected \(Self.alternatives(Choice.allCases.map(\.rawValue)))")
        }
        return choice
    }

    /// The value of `name` as a whole number in `range`.
    ///
    /// - Parameters:
    ///   - name: the parameter.
    ///   - range: the accepted values.
    /// - Returns: the number, or `nil` when the parameter is absent.
    /// - Throws: ``RequestBodyError/invalidField(_:reason:)`` for text that is not a decimal
    ///   integer or a number outside `range`.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(RequestBodyError) -> Int? {
        guard let text = value(name) else { return nil }
        // At most 20 bytes: no Int needs more, and nothing longer is converted.
        guard text.utf8.count <= 20, let number = Int(text), range.contains(number) else {
            throw .invalidField(name, reason: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The value of `name` as text of at most `maxLength` characters.
    ///
    /// - Parameters:
    ///   - name: the parameter.
    ///   - maxLength: the most characters accepted.
    /// - Returns: the text, or `nil` when the parameter is absent.
    /// - Throws: ``RequestBodyError/invalidField(_:reason:)`` for longer text.
    public func text(_ name: String, maxLength: Int) throws(RequestBodyError) -> String? {
        guard let text = value(name) else { return nil }
        // The byte count bounds the character count from above: count characters only when needed.
        guard text.utf8.count <= maxLength || text.count <= maxLength else {
            throw .invalidField(name, reason: "at most \(maxLength) characters")
        }
        return text
    }

    /// `a, b, c or d`.
    static func alternatives(_ values: [String]) -> String {
        guard values.count > 1, let last = values.last else { return values.first ?? "" }
        return values.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// The query of `GET /v1/groups`: `?kind=manager|branch|segment|region`.
///
/// `Kind` is the group kind type (`HeatCore.GroupSummary.Kind` in the server); its raw values are
/// the accepted ones.
///
/// ```swift
/// let query = try GroupsQuery<GroupSummary.Kind>.decode(QueryParameters([("kind", "branch")]))
/// query.kind   // .branch
/// ```
public struct GroupsQuery<Kind: RawRepresentable & CaseIterable & Sendable & Equatable>: Sendable, Equatable
where Kind.RawValue == String {
    /// The parameters the route takes.
    public static var parameters: Set<String> { ["kind"] }

    /// The kind asked for, or `nil` for every kind.
    public var kind: Kind?

    /// Creates a query.
    ///
    /// - Parameter kind: the kind, or `nil`.
    public init(kind: Kind? = nil) { self.kind = kind }

    /// Decodes the route's query.
    ///
    /// - Parameter query: the parameters.
    /// - Returns: the kind, if given.
    /// - Throws: ``RequestBodyError``: `unknown_field`, `invalid_field` (`kind` not one of the
    ///   kinds, or a repeated parameter).
    public static func decode(_ query: QueryParameters) throws(RequestBodyError) -> GroupsQuery {
        try query.only(parameters)
        return GroupsQuery(kind: try query.choice("kind", as: Kind.self))
    }
}

/// The query of `GET /v1/clients`: `?level=…&search=…&limit=…`.
///
/// `Level` is the heat level type (`HeatCore.HeatLevel` in the server); its raw values are the
/// accepted ones.
///
/// ```swift
/// let query = try ClientsQuery<HeatLevel>.decode(QueryParameters([("search", "c-a0"), ("limit", "10")]))
/// query.search   // "C-A0" (matched as an upper-cased prefix of the pseudonymous reference)
/// query.limit    // 10
/// ```
public struct ClientsQuery<Level: RawRepresentable & CaseIterable & Sendable & Equatable>: Sendable, Equatable
where Level.RawValue == String {
    /// The parameters the route takes.
    public static var parameters: Set<String> { ["level", "search", "limit"] }
    /// The most characters of `search`.
    public static var maximumSearchLength: Int { 40 }
    /// The rows returned when `limit` is absent.
    public static var defaultLimit: Int { 500 }
    /// The accepted `limit` values.
    public static var limitRange: ClosedRange<Int> { 1...5_000 }

    /// The level asked for, or `nil` for every level.
    public var level: Level?
    /// The reference prefix, upper-cased, or `nil`.
    public var search: String?
    /// The most rows returned.
    public var limit: Int

    /// Creates a query.
    ///
    /// - Parameters:
    ///   - level: the level, or `nil`.
    ///   - search: the upper-cased prefix, or `nil`.
    ///   - limit: the row limit.
    public init(level: Level? = nil, search: String? = nil, limit: Int = ClientsQuery.defaultLimit) {
        self.level = level
        self.search = search
        self.limit = limit
    }

    /// Decodes the route's query.
    ///
    /// - Parameter query: the parameters.
    /// - Returns: the level, the upper-cased search prefix and the limit.
    /// - Throws: ``RequestBodyError``: `unknown_field`, `invalid_field` (`level` not a level,
    ///   `search` longer than ``maximumSearchLength`` characters as sent or once upper-cased,
    ///   `limit` not an integer in ``limitRange``, or a repeated parameter), in that order.
    public static func decode(_ query: QueryParameters) throws(RequestBodyError) -> ClientsQuery {
        try query.only(parameters)
        let level = try query.choice("level", as: Level.self)
        let search = try query.text("search", maxLength: maximumSearchLength)?.uppercased()
        // Upper-casing may lengthen the text (ß becomes SS): the bound holds for what is matched.
        if let text = search, text.count > maximumSearchLength {
            throw .invalidField("search", reason: "at most \(maximumSearchLength) characters")
        }
        let limit = try query.integer("limit", in: limitRange) ?? defaultLimit
        return ClientsQuery(level: level, search: search, limit: limit)
    }
}

/// The `X-CSRF-Token` check of a state-changing request made with the session cookie.
///
/// ```swift
/// try CSRFToken.check(sent: request.headers["X-CSRF-Token"], expected: session.csrf)
/// ```
public enum CSRFToken {
    /// The header's name.
    public static let headerName = "X-CSRF-Token"

    /// Whether two secrets are equal, compared in time that does not depend on where they differ
    /// (only on their lengths).
    ///
    /// - Parameters:
    ///   - a: one secret.
    ///   - b: the other.
    /// - Returns: `true` when their UTF-8 bytes are equal.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<x.count { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// Checks the header against the session's token.
    ///
    /// - Parameters:
    ///   - sent: the `X-CSRF-Token` header's value, or `nil` when absent.
    ///   - expected: the session's token (never empty: the server makes it from 32 random bytes).
    /// - Throws: ``CSRFTokenMismatch`` (403 `csrf_required`) when the header is absent, empty or
    ///   different.
    public static func check(sent: String?, expected: String) throws(CSRFTokenMismatch) {
        guard let sent, !sent.isEmpty, !expected.isEmpty, constantTimeEqual(sent, expected) else { throw CSRFTokenMismatch() }
    }
}

/// A state-changing request made with the session cookie did not send the session's
/// `X-CSRF-Token` (403 `csrf_required`).
///
/// ```swift
/// do { try CSRFToken.check(sent: nil, expected: "abc") } catch { print(error.code) }   // csrf_required
/// ```
public struct CSRFTokenMismatch: Error, Sendable, Equatable {
    /// Creates the error.
    public init() {}

    /// The stable code of the answer.
    public var code: String { "csrf_required" }
    /// The HTTP status: 403.
    public var status: Int { 403 }
    /// The sentence of the answer (it never repeats what was sent).
    public var message: String { "a state-changing request made with the session cookie must send its X-CSRF-Token" }
}

extension CSRFTokenMismatch: ClassifiedError {
    /// A permission error (exit 77; 403 at the server).
    public var category: ErrorCategory { .permissionDenied }
    /// The sentence of the answer.
    public var description: String { message }
    /// What to do.
    public var hint: String? { "send the csrf value returned by POST /v1/session in the X-CSRF-Token header" }
    /// Safe for a network client: it names the header only.
    public var safeDescription: String { message }
}
