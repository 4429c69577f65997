import ArgumentParser
import Foundation
import HeatCore

/// `heatctl keys generate --out DIR [--store heat.db]`.
struct KeysGenerateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write one key folder per role.",
        discussion: """
            Writes DIR/collector (pseudonymisation key), DIR/keyholder (Ed25519 signing key), \
            DIR/auditor (its public verification key) and DIR/evaluator (empty until the FHE keys \
            exist), each file in the HEATFILE envelope, secret files with mode 0600. Existing key \
            files are never overwritten. With --store, the key fingerprints are recorded in the \
            store and its audit log, binding the store to these keys.

            Example:
              heatctl keys generate --out keys --store heat.db
            """)

    @Option(name: .long, help: "The folder to write the role folders into.")
    var out: String

    @Option(name: .long, help: "A store to record the key fingerprints in.")
    var store: String?

    @Option(name: .long, help: "FHE parameter preset (accepted for the FHE keys once they exist; ignored now).")
    var preset: String?

    @Flag(name: .long, help: "Print the fingerprints as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    struct Output: Encodable {
        var files: [String]
        var pseudonymisationKey: String
        var signingKey: String
        var store: String?
    }

    func execute() async throws {
        let opened = try store.map { try HeatStore(path: $0) }
        if preset != nil { Console.info("note: FHE keys are not generated yet; --preset is ignored") }
        let generated = try KeyFolder.generate(at: out)
        if let opened { try KeyRegistry.recordGenerated(generated, in: opened) }
        if json {
            try StoreJSON.print(Output(
                files: generated.files, pseudonymisationKey: generated.pseudonymisationKey.fingerprint.hex,
                signingKey: generated.signingKey.fingerprint.hex, store: store))
            return
        }
        for file in generated.files { Console.output("wrote \(file)") }
        Console.output("pseudonymisation key fingerprint \(generated.pseudonymisationKey.fingerprint.hex)")
        Console.output("signing key fingerprint          \(generated.signingKey.fingerprint.hex)")
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
