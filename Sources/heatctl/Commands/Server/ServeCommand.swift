#if HEAT_SERVER
import ArgumentParser
import Foundation
import HeatCore
import HeatServer
import Logging

/// `heatctl serve (--demo | --releases DIR --policy FILE --token-keys DIR) [--host H] [--port P]`.
struct ServeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve released results, scoring and the analyst over HTTP with JWT roles.",
        discussion: """
            The server holds released documents only (written by `heatctl release`) and its own \
            token key: it refuses to start (exit 64) when --releases or --token-keys holds an FHE \
            secret key, the store signing key or any other secret. Every /v1/ request needs \
            `Authorization: Bearer <token>` (`heatctl token issue`); the token's role is checked \
            against --policy with the same code `heatctl release` uses. Every access and refusal \
            is appended to --access-log (JSON Lines, written in batches). SIGINT or SIGTERM shut \
            down gracefully. Endpoints, limits and error codes: Docs/Server.md and /openapi.json.

            --demo generates the synthetic bank, runs the plaintext pipeline, releases it to the \
            executive, analyst and one manager under the built-in policy in a temporary folder, \
            prints a token per role and serves it.

            Tokens are checked against every key generation in --token-keys (HS256; the newest \
            signs) and, with --jwks FILE, against an external identity provider's JSON Web Key \
            Set (EdDSA / Ed25519 or HS256 keys, each with a kid and a pinned alg). Key ids and \
            token ids listed in DIR/revoked.json (`heatctl token revoke`) are refused; the file \
            is re-read while the server runs. The access log is hash-chained with a signed \
            head (FILE.head); check it with `heatctl serve verify-log`.

            Form:
              heatctl serve (--demo | --releases DIR --policy FILE --token-keys DIR) [--host 127.0.0.1] [--port 8080]
                            [--model MODEL] [--access-log FILE] [--jwks FILE [--jwks-issuer ISS] [--jwks-audience AUD]]

            Examples:
              heatctl serve --demo --port 8080
              heatctl serve --releases releases/ --policy Examples/policy.json --token-keys token-keys/ --port 8080
              heatctl serve --releases releases/ --policy Examples/policy.json --token-keys token-keys/ --jwks idp-keys.json
              heatctl serve verify-log --access-log access.log --token-keys token-keys/
              heatctl serve openapi > openapi.json
              curl -H "Authorization: Bearer $(heatctl token issue --token-keys token-keys/ --role executive)" http://127.0.0.1:8080/v1/population
            """,
        subcommands: [ServeVerifyLogCommand.self, ServeOpenAPICommand.self])

    @Flag(name: .long, help: "Generate the synthetic bank, release it and serve it (a temporary folder).")
    var demo = false

    @Option(name: .long, help: "The folder of released results documents (heatctl release --out).", completion: .directory)
    var releases: String?

    @Option(name: .long, help: "The policy file the releases were made under.", completion: .file())
    var policy: String?

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder (heatctl token keygen).", completion: .directory)
    var tokenKeys: String?

    @Option(name: .long, help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .long, help: "A risk model (heatctl risk fit) for POST /v1/score.", completion: .file())
    var model: String?

    @Option(name: .customLong("access-log"), help: "The append-only access log (default: access.log in the current folder).", completion: .file())
    var accessLog: String?

    @Option(name: .customLong("rate-limit"), help: "Requests per second per token (burst: twice as many).")
    var rateLimit = 1_000.0

    @Option(name: .long, help: "An external identity provider's JSON Web Key Set (EdDSA or HS256 keys with kid and alg).", completion: .file())
    var jwks: String?

    @Option(name: .customLong("jwks-issuer"), help: "The iss the --jwks tokens must carry (default: the token key's issuer).")
    var jwksIssuer: String?

    @Option(name: .customLong("jwks-audience"), help: "The aud the --jwks tokens must carry (default: the token key's audience).")
    var jwksAudience: String?

    @OptionGroup var global: GlobalOptions

    /// The option checks. They run at the start of `execute()` rather than in `validate()`,
    /// which ArgumentParser also runs before a subcommand (`serve verify-log`).
    func check() throws(ServerError) {
        if demo {
            guard releases == nil, policy == nil, tokenKeys == nil else {
                throw .invalidOption(option: "--demo", reason: "--demo makes its own releases, policy and token key; drop --releases, --policy and --token-keys")
            }
        } else {
            guard releases != nil, policy != nil, tokenKeys != nil else {
                throw .invalidOption(option: "--releases", reason: "give --releases DIR, --policy FILE and --token-keys DIR, or --demo")
            }
        }
        guard (0...65_535).contains(port) else { throw .invalidOption(option: "--port", reason: "must be 0...65535") }
        guard rateLimit > 0, rateLimit.isFinite else { throw .invalidOption(option: "--rate-limit", reason: "must be positive") }
    }

    func execute() async throws {
        try check()
        var configuration: ServerConfiguration
        if demo {
            configuration = try await Self.prepareDemo()
        } else {
            configuration = ServerConfiguration(releases: releases ?? "", policy: policy ?? "", tokenKeys: tokenKeys ?? "")
        }
        configuration.host = host
        configuration.port = port
        configuration.model = model
        configuration.accessLog = accessLog ?? configuration.accessLog
        configuration.limits.ratePerSecond = rateLimit
        configuration.limits.burst = rateLimit * 2
        configuration.jwks = jwks
        configuration.jwksIssuer = jwksIssuer
        configuration.jwksAudience = jwksAudience
        var logger = Logger(label: "customerheat.server")
        logger.logLevel = global.logLevel ?? (global.quiet ? .warning : .info)
        let server = try await HeatAPIServer.prepare(configuration, logger: logger)
        let shownHost = host
        let releasesPath = configuration.releases
        let logPath = configuration.accessLogPath
        try await server.run { bound in
            Console.info("serving \(releasesPath) on http://\(shownHost):\(bound) (access log \(logPath)); Ctrl-C stops")
        }
        Console.info("server stopped")
    }

    /// Builds the demo's releases, policy and token key in a temporary folder and prints a token per role.
    static func prepareDemo() async throws -> ServerConfiguration {
        let root = FileManager.default.temporaryDirectory.appending(path: "heatctl-serve-demo-\(UUID().uuidString.prefix(8))").path
        let work = "\(root)/work"
        let releases = "\(root)/releases"
        let tokenKeys = "\(root)/token-keys"
        try FileManager.default.createDirectory(atPath: releases, withIntermediateDirectories: true)
        let policyPath = "\(root)/policy.json"
        try Data(PrivacyPolicy.defaultPolicyJSON.utf8).write(to: URL(filePath: policyPath))
        func release(_ arguments: [String], as name: String) async throws -> ResultsDocument {
            let out = "\(work)/\(name)"
            let command = try DemoCommand.parse(["--plaintext", "--clients", "1000", "--out", out, "--quiet"] + arguments)
            try await Console.$isQuiet.withValue(true) { try await command.execute() }
            let data = try Data(contentsOf: URL(filePath: "\(out)/results.json"))
            try data.write(to: URL(filePath: "\(releases)/\(name).json"))
            return try ResultsDocument.decode(data)
        }
        Console.info("demo: generating the synthetic bank and releasing it (plaintext pipeline)…")
        let executive = try await release(["--role", "executive"], as: "executive")
        _ = try await release(["--role", "analyst"], as: "analyst")
        let manager = (executive.groups ?? []).first { $0.kind == .manager }?.ref
        if let manager {
            _ = try await release(["--role", "manager", "--manager", manager], as: manager)
        }
        try TokenKey.generate().write(toFolder: tokenKeys)
        let authority = await TokenAuthority(key: try TokenKey.load(fromFolder: tokenKeys))
        Console.info("demo tokens (valid 1h):")
        for role in ["executive", "analyst", "manager", "auditor"] {
            let token = try await authority.issue(role: role, manager: role == "manager" ? manager : nil, subject: "demo", ttl: 3_600)
            Console.output("\(role)\(role == "manager" ? " (\(manager ?? "-"))" : ""): \(token)")
        }
        var configuration = ServerConfiguration(releases: releases, policy: policyPath, tokenKeys: tokenKeys)
        configuration.accessLog = "\(root)/access.log"
        return configuration
    }
}

/// `heatctl serve openapi`: prints the OpenAPI 3.1 document the server serves at `/openapi.json`.
struct ServeOpenAPICommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document the server serves at /openapi.json.",
        discussion: """
            Prints the exact bytes `heatctl serve` answers at GET /openapi.json (the same \
            embedded document), without starting a server, so CI and API clients can validate \
            it or generate code from it. CI validates it against the OpenAPI 3.1 schema with \
            openapi-spec-validator (.ci/openapi-check.sh).

            Examples:
              heatctl serve openapi > openapi.json
              heatctl serve openapi | python3 -m json.tool
            """)

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        Console.output(OpenAPIDocument.json)
    }
}

/// `heatctl serve verify-log --access-log FILE --token-keys DIR`.
struct ServeVerifyLogCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-log",
        abstract: "Check the server's hash-chained access log and its signed head.",
        discussion: """
            Every line the server writes is chained to the one before (seq, prev, hash) and the \
            head file (FILE.head) holds the last line's seq and hash, authenticated with a key \
            derived from the server's own token key. An edited, deleted, inserted or reordered \
            line is named with its line number and field (exit 1); lines deleted at the end are \
            caught by the head. A gap record (lines the server had to drop while the file could \
            not be written) is a violation unless --allow-gaps, which lists the gaps and counts \
            the lost lines. Lines without seq/prev/hash before the first chained line (an \
            earlier version's) are a violation unless --allow-unchained-prefix, which counts them.

            Examples:
              heatctl serve verify-log --access-log access.log --token-keys token-keys/
              heatctl serve verify-log --access-log access.log --token-keys token-keys/ --allow-gaps --allow-unchained-prefix
            """)

    @Option(name: .customLong("access-log"), help: "The access log the server wrote.", completion: .file())
    var accessLog: String

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder (the head names the key generation; a head signed by a generation revoked in its revoked.json is refused).", completion: .directory)
    var tokenKeys: String

    @Option(name: .long, help: "The signed head (default: the log's path with .head appended).", completion: .file())
    var head: String?

    @Flag(name: .customLong("allow-gaps"), help: "Accept gap records (lines the server recorded as lost), list them and count the lost lines.")
    var allowGaps = false

    @Flag(name: .customLong("allow-unchained-prefix"), help: "Accept lines of an earlier version (no seq/prev/hash) before the first chained line, and count them.")
    var allowUnchainedPrefix = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let keys = try TokenKey.loadAll(fromFolder: tokenKeys)
        // A head signed by a revoked generation is refused: a revoked key signs nothing.
        let revoked = try TokenRevocations.load(fromFolder: tokenKeys)
        let report = try AccessLogVerifier.verify(path: accessLog, keys: keys, headPath: head,
                                                  allowUnchainedPrefix: allowUnchainedPrefix, allowGaps: allowGaps,
                                                  revokedKids: revoked.kids)
        for gap in report.gaps {
            Console.output("\(accessLog):\(gap.line): gap: \(gap.dropped) lines lost: \(gap.reason)")
        }
        Console.output("\(accessLog): \(report.chained) chained lines verified, head signed and matching" +
                       (report.unchained > 0 ? "; \(report.unchained) earlier unchained lines before the chain (allowed)" : "") +
                       (report.gaps.isEmpty ? "" : "; \(report.gaps.count) gaps, \(report.droppedLines) lines lost (allowed)"))
    }
}
#endif
