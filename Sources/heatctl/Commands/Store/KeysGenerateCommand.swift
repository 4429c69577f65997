import ArgumentParser
import Foundation
import HeatCore
import HeatFHE

/// `heatctl keys generate --out DIR [--store heat.db]`.
struct KeysGenerateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write one key folder per role.",
        discussion: """
            Writes DIR/collector (pseudonymisation key, Ed25519 ingestion key and the key holder's \
            endorsement of it), DIR/keyholder (Ed25519 signing key, naming its key generation 1), \
            DIR/auditor (its public verification key), each file in the HEATFILE envelope, secret \
            files with mode 0600, and a BFV key pair for the encrypted pipeline: the parameters and \
            public key into DIR/collector and DIR/evaluator, the secret key only into DIR/keyholder, \
            and fhe-key.generation (FHE key generation 1) into all three; the evaluator's lists the \
            SHA-256 of its evaluation keys, signed with the key holder's new signing key, and any \
            other Galois or relinearization key found in DIR/evaluator later is refused (exit 64), \
            as is a rewritten or unsigned list (exit 65) or a deleted fhe-key.generation while \
            evaluation keys are there (exit 66) (the heat run needs no evaluation keys; \
            --aggregates adds Galois keys to DIR/evaluator for the encrypted group aggregates and picks the smallest preset whose plaintext modulus holds --max-clients \
            times the largest heat and whose worst-case noise stays 40 bits under the flood, exit 69 \
            when none does; `heatctl trees relin-key` adds the tree circuit's key). --preset picks the BFV preset (default: the smallest whose \
            plaintext modulus holds the default heat configuration's largest heat and trend; \
            `heatctl fhe params` lists them); a preset the pipeline cannot use exits 69, and with \
            --aggregates so does a --preset whose sums or worst-case noise cannot hold --max-clients \
            (the error names the preset that does). Files are \
            created with no-replace semantics: existing key files are never overwritten, and of two \
            concurrent runs into one folder exactly one succeeds. With --store, the key fingerprints \
            and the endorsed collector key are recorded in the store and its audit log, binding the \
            store to them.

            Examples:
              heatctl keys generate --out keys --store heat.db
              heatctl keys generate --out keys --preset n8192-logq217-logt25
              heatctl keys generate --out keys --aggregates --max-clients 100000
            """)

    @Option(name: .long, help: "The folder to write the role folders into.", completion: .directory)
    var out: String

    @Option(name: .long, help: "A store to record the key fingerprints in.", completion: .file())
    var store: String?

    @Option(name: .long, help: "BFV preset of the pipeline's FHE keys (default: the smallest that fits the default heat configuration).")
    var preset: String?

    @Flag(name: .long, help: "Also write Galois keys for encrypted group aggregates into evaluator/ (the preset then defaults to the smallest holding --max-clients times the largest heat).")
    var aggregates = false

    @Option(name: .customLong("max-clients"), help: "With --aggregates: the largest group the sums must hold (default 100000).")
    var maxClients: Int = 100_000

    @Flag(name: .long, help: "Print the fingerprints as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    struct Output: Encodable {
        var files: [String]
        var fhePreset: String
        var pseudonymisationKey: String
        var signingKey: String
        var ingestionKey: String
        var store: String?
    }

    func execute() async throws {
        let opened = try store.map { try HeatStore(path: $0) }
        guard maxClients >= 1 else { throw ValidationError("--max-clients must be at least 1") }
        let presetName = try preset ?? (aggregates
            ? Evaluator.preset(forAggregatesOf: HeatConfiguration(), largestGroup: maxClients).name
            : HeatPacking.preset(for: HeatConfiguration()).name)
        try HeatPacking.checkUsable(try BfvParameters(preset: presetName))
        if aggregates {
            try Evaluator.checkSumBound(try BfvParameters(preset: presetName), configuration: HeatConfiguration(), largestGroup: maxClients)
            try Evaluator.checkNoiseMargin(try BfvParameters(preset: presetName), configuration: HeatConfiguration(), largestGroup: maxClients)
        }
        let generated = try KeyFolder.generate(at: out)
        let fheFiles = try PipelineKeys.generate(at: out, preset: presetName, aggregates: aggregates)
        if let opened { try KeyRegistry.recordGenerated(generated, in: opened) }
        if json {
            try StoreJSON.print(Output(
                files: generated.files + fheFiles, fhePreset: presetName,
                pseudonymisationKey: generated.pseudonymisationKey.fingerprint.hex,
                signingKey: generated.signingKey.fingerprint.hex, ingestionKey: generated.ingestionKey.fingerprint.hex,
                store: store))
            return
        }
        for file in generated.files + fheFiles { Console.output("wrote \(file)") }
        Console.output("FHE preset                       \(presetName)")
        Console.output("pseudonymisation key fingerprint \(generated.pseudonymisationKey.fingerprint.hex)")
        Console.output("signing key fingerprint          \(generated.signingKey.fingerprint.hex)")
        Console.output("ingestion key fingerprint        \(generated.ingestionKey.fingerprint.hex)")
        if let store { Console.output("recorded in \(store)") }
        if let note = Self.evaluatorNote(out: out) { Console.output(note) }
    }

    /// Why the evaluator's folder is empty, while no FHE evaluation key is written there yet.
    static func evaluatorNote(out: String) -> String? {
        let folder = URL(filePath: out).appending(path: "evaluator").path
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: folder), contents.isEmpty else { return nil }
        return "\(folder) is empty for now: it will hold the evaluator's FHE evaluation keys (public keys for "
            + "computing on ciphertexts), which are generated once the encrypted pipeline lands"
    }
}
