#if HEAT_SERVER
import ArgumentParser
import Foundation
import HeatCore
import HeatServer

/// `heatctl token keygen|issue`: the API server's token key and JWTs.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create the API server's token key and issue JWTs for its roles.",
        discussion: """
            The server signs and checks HS256 JWTs with a key of its own (never a key of the \
            bank's role folders). `keygen` writes it to DIR/token.key (mode 0600); `issue` prints \
            a token for a policy role on stdout. Tokens carry iss, aud, exp, nbf, iat, jti, sub, \
            role and, for a role that sees its own clients, manager.

            Examples:
              heatctl token keygen --token-keys token-keys/
              heatctl token issue --token-keys token-keys/ --role executive --ttl 1h
              heatctl token issue --token-keys token-keys/ --role manager --manager M-19b0d4aa --ttl 15m --policy Examples/policy.json
            """,
        subcommands: [TokenKeygenCommand.self, TokenIssueCommand.self])
}

/// `heatctl token keygen --token-keys DIR`.
struct TokenKeygenCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new HS256 token key to DIR/token.key (mode 0600).",
        discussion: """
            Refuses to overwrite an existing key (exit 64): rotating the key invalidates every \
            issued token, so remove the old one deliberately first.

            Example:
              heatctl token keygen --token-keys token-keys/
            """)

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder (created when missing).", completion: .directory)
    var tokenKeys: String

    @Option(name: .long, help: "The issuer (iss) every token must carry.")
    var issuer = TokenKey.defaultIssuer

    @Option(name: .long, help: "The audience (aud) every token must carry.")
    var audience = TokenKey.defaultAudience

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let key = TokenKey.generate(issuer: issuer, audience: audience)
        try key.write(toFolder: tokenKeys)
        Console.info("wrote \(tokenKeys)/\(TokenKey.fileName) (HS256, key id \(key.keyID), issuer \(issuer), audience \(audience))")
    }
}

/// `heatctl token issue --token-keys DIR --role ROLE [--manager REF] [--ttl 1h]`.
struct TokenIssueCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Print a JWT for a policy role on stdout.",
        discussion: """
            With --policy, the role must be one of the policy's roles (exit 77 otherwise). The \
            lifetime is at most 24h. Treat the printed token as a password.

            Examples:
              heatctl token issue --token-keys token-keys/ --role executive --ttl 1h
              heatctl token issue --token-keys token-keys/ --role manager --manager M-19b0d4aa --ttl 15m
            """)

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder.", completion: .directory)
    var tokenKeys: String

    @Option(name: .long, help: "The policy role the token speaks for.")
    var role: String

    @Option(name: .long, help: "The manager reference (M-…), for a role that sees its own clients.")
    var manager: String?

    @Option(name: .long, help: "The lifetime: 90s, 15m, 1h, 1d (at most 24h).")
    var ttl = "1h"

    @Option(name: .long, help: "Who the token is for (an operator name; never a client identifier).")
    var subject = "heatctl"

    @Option(name: .long, help: "Check the role against this policy file.", completion: .file())
    var policy: String?

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let seconds = try Self.parseTTL(ttl)
        if let policy {
            let loaded = try PrivacyPolicy.load(from: URL(filePath: policy))
            guard loaded.roles[role] != nil else { throw ServerError.unknownRole(role: role, roles: loaded.roles.keys.sorted()) }
        }
        let authority = await TokenAuthority(key: try TokenKey.load(fromFolder: tokenKeys))
        let token = try await authority.issue(role: role, manager: manager, subject: subject, ttl: seconds)
        Console.output(token)
    }

    /// Parses `90s`, `15m`, `1h`, `1d` or plain seconds.
    static func parseTTL(_ text: String) throws(ServerError) -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var number = Substring(text)
        var unit = 1.0
        if let last = text.last, let factor = units[last] {
            number = text.dropLast()
            unit = factor
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw .invalidOption(option: "--ttl", reason: "\"\(text)\" is not a duration")
        }
        let seconds = value * unit
        guard seconds >= 1, seconds <= TokenAuthority.maximumTTL else {
            throw .invalidOption(option: "--ttl", reason: "\"\(text)\" is outside 1s...24h")
        }
        return seconds
    }
}
#endif
