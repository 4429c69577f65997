import Foundation

/// The limits the API server enforces on every request (`Docs/Server.md`, "Limits").
public struct ServerLimits: Sendable, Equatable {
    /// The largest request body in bytes (413 `body_too_large` beyond it).
    public var maxBodyBytes = 256 * 1024
    /// The most feature rows in one `POST /v1/score` (413 `too_many_rows` beyond it).
    public var maxScoreRows = 1_000
    /// Requests per second refilled in each token's budget (429 `rate_limited` when spent).
    public var ratePerSecond = 1_000.0
    /// The size of each token's budget.
    public var burst = 2_000.0
    /// The longest a scoring or analyst request may run (503 `timeout`).
    public var requestTimeout: Duration = .seconds(10)
    /// How long an idle keep-alive connection stays open.
    public var idleTimeout: Duration = .seconds(30)
    /// The longest question `POST /v1/ask` accepts, in characters.
    public var maxQuestionLength = 500

    /// The defaults.
    public init() {}
}

/// Everything `heatctl serve` needs to start the server.
///
/// ```swift
/// let configuration = ServerConfiguration(releases: "releases", policy: "policy.json", tokenKeys: "token-keys")
/// try await HeatAPIServer.prepare(configuration).run()
/// ```
public struct ServerConfiguration: Sendable {
    /// The folder of released results documents.
    public var releases: String
    /// The policy file (the same one `heatctl release` used).
    public var policy: String
    /// The folder holding the server's token key.
    public var tokenKeys: String
    /// The address to bind (default loopback).
    public var host = "127.0.0.1"
    /// The port (0 picks a free one).
    public var port = 8080
    /// The append-only access log (default `access.log` beside the releases folder's parent).
    public var accessLog: String?
    /// The access log's signed head (default: the log's path with `.head` appended).
    public var accessLogHead: String?
    /// A risk model (kind 85) for `POST /v1/score`.
    public var model: String?
    /// The limits.
    public var limits = ServerLimits()
    /// A JSON Web Key Set of an external identity provider (`--jwks`): EdDSA or HS256 keys, each
    /// with a `kid` and a pinned `alg`.
    public var jwks: String?
    /// The `iss` tokens of the `--jwks` keys must carry (default: the server's own key's issuer).
    public var jwksIssuer: String?
    /// The `aud` tokens of the `--jwks` keys must carry (default: the server's own key's audience).
    public var jwksAudience: String?
    /// How often the releases folder is checked for a new release.
    public var watchInterval: Duration = .seconds(1)

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - releases: the releases folder.
    ///   - policy: the policy file.
    ///   - tokenKeys: the token-keys folder.
    public init(releases: String, policy: String, tokenKeys: String) {
        self.releases = releases
        self.policy = policy
        self.tokenKeys = tokenKeys
    }

    /// The access log's path: ``accessLog`` or `access.log` in the current folder.
    public var accessLogPath: String { accessLog ?? "access.log" }
}
