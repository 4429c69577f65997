import ArgumentParser
import Foundation
import HeatCore

/// `heatctl keys escrow custodian | split | recover`: threshold escrow of a secret key file.
struct KeysEscrowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escrow",
        abstract: "Escrow a secret key as k-of-n shares sealed for custodians, and recover it.",
        discussion: """
            Each custodian makes a key pair (custodian); the key holder splits the FHE secret key \
            into one share per custodian, sealed for that custodian (split); any K custodians \
            together recover the byte-identical key file (recover). See Docs/Operations.md.

            Example:
              heatctl keys escrow custodian --name alice --out custodians/alice
              heatctl keys escrow split --key keys/keyholder/bfv-secret-key.heat --threshold 2 \\
                --custodian custodians/alice/custodian.pub --custodian custodians/bob/custodian.pub \\
                --custodian custodians/carol/custodian.pub --out escrow
              heatctl keys escrow recover escrow/share-1-alice.heat escrow/share-3-carol.heat \\
                --custodian-key custodians/alice/custodian.key --custodian-key custodians/carol/custodian.key --out recovered
            """,
        subcommands: [KeysEscrowCustodianCommand.self, KeysEscrowSplitCommand.self, KeysEscrowRecoverCommand.self])
}

/// `heatctl keys escrow custodian --name NAME --out DIR`.
struct KeysEscrowCustodianCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "custodian",
        abstract: "Make an escrow custodian's X25519 key pair.",
        discussion: """
            Writes DIR/custodian.key (secret, mode 0600: the custodian keeps it) and \
            DIR/custodian.pub (hand it to the key holder for `keys escrow split`). Existing files \
            are never replaced.

            Example:
              heatctl keys escrow custodian --name alice --out custodians/alice
            """)

    @Option(name: .long, help: "The custodian's name (letters, digits, '.', '_', '-'; recorded in their shares).")
    var name: String

    @Option(name: .long, help: "The folder to write custodian.key and custodian.pub into.", completion: .directory)
    var out: String

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let key = try EscrowCustodianKey(name: name)
        for path in try key.write(to: URL(filePath: out)) { Console.output("wrote \(path)") }
        Console.output("custodian \(name) public key fingerprint \(key.publicKey.fingerprint.hex)")
    }
}

/// `heatctl keys escrow split --key FILE --threshold K --custodian PUB... --out DIR`.
struct KeysEscrowSplitCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a secret key file into k-of-n shares, one sealed for each custodian.",
        discussion: """
            Shamir secret sharing over GF(256) of the file's exact bytes; share i is sealed with \
            HPKE (X25519, HKDF-SHA256, ChaCha20-Poly1305) for the i-th --custodian and written as \
            DIR/share-<i>-<custodian>.heat. Any K shares recover the file; K-1 reveal nothing about \
            it. Exit 64 for an impossible threshold, 65 for a file that is not a secret key.

            Example:
              heatctl keys escrow split --key keys/keyholder/bfv-secret-key.heat --shares 3 --threshold 2 \\
                --custodian custodians/alice/custodian.pub --custodian custodians/bob/custodian.pub \\
                --custodian custodians/carol/custodian.pub --out escrow
            """)

    @Option(name: .long, help: "The secret key file to escrow (for example keys/keyholder/bfv-secret-key.heat).", completion: .file())
    var key: String

    @Option(name: .long, help: "How many shares recover the key (2 or more).")
    var threshold: Int

    @Option(name: .long, help: "How many shares to make (default: one per --custodian; must equal their number).")
    var shares: Int?

    @Option(name: .long, help: "A custodian's public key file (custodian.pub); repeat, one per share.", completion: .file())
    var custodian: [String] = []

    @Option(name: .long, help: "The folder to write the share files into.", completion: .directory)
    var out: String

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        if let shares, shares != custodian.count {
            throw EscrowError.custodianCountMismatch(shares: shares, custodians: custodian.count)
        }
        let custodians = try custodian.map { try EscrowCustodianPublicKey.load(from: URL(filePath: $0)) }
        var seen = [String: String]()
        for (path, key) in zip(custodian, custodians) {
            if seen[key.fingerprint.hex] != nil { throw EscrowError.duplicateCustodian(path: path) }
            seen[key.fingerprint.hex] = path
        }
        let paths = try KeyEscrow.split(
            secretFile: URL(filePath: key), custodians: custodians, threshold: threshold, into: URL(filePath: out))
        for path in paths { Console.output("wrote \(path)") }
        Console.output("any \(threshold) of these \(paths.count) shares recover \(URL(filePath: key).lastPathComponent)")
    }
}

/// `heatctl keys escrow recover SHARE... --custodian-key KEY... --out DIR`.
struct KeysEscrowRecoverCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Recover an escrowed secret key file from K shares and their custodians' keys.",
        discussion: """
            Opens each share with its custodian's key, checks it against the escrow manifest (a \
            tampered share is named, exit 65), interpolates, checks the result against the digest \
            recorded at split time, and writes the byte-identical key file into DIR (mode 0600, \
            never replacing a file). Fewer shares than the threshold: exit 64.

            Example:
              heatctl keys escrow recover escrow/share-1-alice.heat escrow/share-3-carol.heat \\
                --custodian-key custodians/alice/custodian.key --custodian-key custodians/carol/custodian.key --out recovered
            """)

    @Argument(help: "The share files.", completion: .file())
    var shares: [String]

    @Option(name: .customLong("custodian-key"), help: "A custodian's private key file (custodian.key); repeat, one per share.", completion: .file())
    var custodianKey: [String] = []

    @Option(name: .long, help: "The folder to write the recovered key file into.", completion: .directory)
    var out: String

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let loaded = try shares.map { (path: $0, share: try KeyEscrow.loadShare(from: URL(filePath: $0))) }
        let keys = try custodianKey.map { try EscrowCustodianKey.load(from: URL(filePath: $0)) }
        let recovered = try KeyEscrow.recover(shares: loaded, custodianKeys: keys)
        let path = try KeyEscrow.write(recovered, into: URL(filePath: out))
        Console.output("wrote \(path)")
        Console.output("escrow \(recovered.escrowID): recovered from shares \(recovered.sharesUsed.map(String.init).joined(separator: ", ")); digest verified")
    }
}
