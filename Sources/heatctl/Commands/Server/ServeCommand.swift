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

            Form:
              heatctl serve (--demo | --releases DIR --policy FILE --token-keys DIR) [--host 127.0.0.1] [--port 8080]
                            [--model MODEL] [--access-log FILE]

            Examples:
              heatctl serve --demo --port 8080
              heatctl serve --releases releases/ --policy Examples/policy.json --token-keys token-keys/ --port 8080
              curl -H "Authorization: Bearer $(heatctl token issue --token-keys token-keys/ --role executive)" http://127.0.0.1:8080/v1/population
            """)

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

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if demo {
            guard releases == nil, policy == nil, tokenKeys == nil else {
                throw ValidationError("--demo makes its own releases, policy and token key; drop --releases, --policy and --token-keys")
            }
        } else {
            guard releases != nil, policy != nil, tokenKeys != nil else {
                throw ValidationError("give --releases DIR, --policy FILE and --token-keys DIR, or --demo")
            }
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard rateLimit > 0, rateLimit.isFinite else { throw ValidationError("--rate-limit must be positive") }
    }

    func execute() async throws {
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
#endif
