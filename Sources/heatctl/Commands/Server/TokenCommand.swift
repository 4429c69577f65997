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
            bank's role folders). `keygen` writes it to DIR/token.key (mode 0600) and, run again, \
            adds a new generation DIR/token-N.key (rotation: the newest signs, older ones verify \
            their tokens until they expire); `revoke` refuses a key id or a token id from then on; \
            `issue` prints a token for a policy role on stdout. Tokens carry iss, aud, exp, nbf, iat, jti, sub, \
            role and, for a role that sees its own clients, manager.

            Examples:
              heatctl token keygen --token-keys token-keys/
              heatctl token issue --token-keys token-keys/ --role executive --ttl 1h
              heatctl token issue --token-keys token-keys/ --role manager --manager M-19b0d4aa --ttl 15m --policy Examples/policy.json
              heatctl token revoke --token-keys token-keys/ --kid 0123456789abcdef
            """,
        subcommands: [TokenKeygenCommand.self, TokenIssueCommand.self, TokenRevokeCommand.self])
}

/// `heatctl token keygen --token-keys DIR`.
struct TokenKeygenCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Add a new HS256 token key generation to DIR (token.key, then token-2.key, …; mode 0600).",
        discussion: """
            The first run writes DIR/token.key; each later run adds DIR/token-N.key, which signs \
            every token issued from then on, while the older generations keep verifying the \
            tokens they signed until those expire (rotation without a flag day). Retire an old \
            generation with `heatctl token revoke --kid`, or by deleting its file once its tokens \
            have expired. The server picks up a new generation at its next start.

            Example:
              heatctl token keygen --token-keys token-keys/
            """)

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder (created when missing).", completion: .directory)
    var tokenKeys: String

    @Option(name: .long, help: "The issuer (iss) every token must carry (default: the newest generation's, else customerheat).")
    var issuer: String?

    @Option(name: .long, help: "The audience (aud) every token must carry (default: the newest generation's, else customerheat-api).")
    var audience: String?

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let key = try TokenKey.addGeneration(toFolder: tokenKeys, issuer: issuer, audience: audience)
        Console.info("wrote \(tokenKeys)/\(TokenKey.fileName(generation: key.generation)) (HS256, generation \(key.generation), key id \(key.keyID), issuer \(key.issuer), audience \(key.audience))")
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
        let authority = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: tokenKeys),
                                                 revocations: RevocationList(try TokenRevocations.load(fromFolder: tokenKeys), folder: tokenKeys))
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

/// `heatctl token revoke --token-keys DIR (--kid KID | --jti JTI)`.
struct TokenRevokeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Refuse a token key generation (kid) or one token (jti) from now on.",
        discussion: """
            Adds the key id or token id to DIR/revoked.json. A running server re-reads the file \
            within its watch interval (1 s) and answers 401 revoked_token to every token signed \
            with a revoked kid, or carrying a revoked jti; `token issue` never signs with a \
            revoked generation. The key id of a generation is printed by `token keygen`; a \
            token's jti is in the access log (tokenID).

            Examples:
              heatctl token revoke --token-keys token-keys/ --kid 0123456789abcdef
              heatctl token revoke --token-keys token-keys/ --jti 6f1c2a9e-0d3b-4a57-9a51-2a0e5d1f7c44
            """)

    @Option(name: .customLong("token-keys"), help: "The server's token-keys folder.", completion: .directory)
    var tokenKeys: String

    @Option(name: .long, help: "A key id (kid) to revoke.")
    var kid: [String] = []

    @Option(name: .long, help: "A token id (jti) to revoke.")
    var jti: [String] = []

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !kid.isEmpty || !jti.isEmpty else { throw ValidationError("give --kid KID or --jti JTI (repeatable)") }
    }

    func execute() async throws {
        _ = try TokenKey.loadAll(fromFolder: tokenKeys)
        var list = try TokenRevocations.load(fromFolder: tokenKeys)
        list.kids.formUnion(kid)
        list.jtis.formUnion(jti)
        try list.write(toFolder: tokenKeys)
        Console.info("\(tokenKeys)/\(TokenRevocations.fileName): \(list.kids.count) revoked key ids, \(list.jtis.count) revoked token ids")
    }
}
#endif
