import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl evaluate --store heat.db --keys DIR/evaluator [--trust DIR/auditor [--expect-head head.heat]] [--as-of DATE] [--config heat.json] --out run.heat`.
struct EvaluateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compute every client's heat and trend on the store's ciphertexts (evaluator role).",
        discussion: """
            Runs as the untrusted evaluator: loads only the evaluator folder (parameters and public \
            key; a folder holding a secret key is refused), sums the delta ciphertexts of each ISO \
            week and computes per slot heat = sum d(age) x score and trend = decayScale x (last \
            4 weeks - the 4 before) with ciphertext additions and plaintext-constant products only \
            (multiplicative depth 0). Writes the heat and trend ciphertexts of every slot batch to \
            --out (an encryptedHeatRun envelope, deterministic: re-running gives the same bytes) and \
            logs the run with its input and output hashes in the store's computation and audit \
            logs. The run's ciphertexts are switched down the modulus chain to the fewest moduli at \
            which they still decrypt exactly after a manager's release mask, by the worst-case noise \
            bound (the header's `level`); the aggregates are computed before the switch. A run that \
            no lower level holds stays at the top level and is checked there with a \
            high-probability bound (2^-64 under the independence model) on the noise after the \
            erased-slot mask and each release mask: exit 69 when it exceeds the key holder's \
            decryption budget, naming the preset and a larger one (e.g. `keys generate --preset \
            n16384-logq248-logt41`), no run file written and nothing logged (Docs/Pipeline.md). \
            The reference week is --as-of's, by default the latest week with ciphertexts. \
            --config must pack like the collector's (same weights and caps), else exit 78.

            Sharding: --shard I/N evaluates only the slot batches b with b % N == I and writes a \
            part; --merge part-*.heat --out run.heat combines all N parts (no keys needed) into \
            exactly the bytes of the unsharded run. Aggregates: with Galois keys in the evaluator \
            folder (`keys generate --aggregates`), --aggregates-out FILE also writes the encrypted \
            heat and trend sums of every manager, branch, segment and region with at least \
            --min-group-size clients (an encryptedAggregates envelope for `release --aggregates`) \
            and logs its output hash in the computation log (kind `aggregates`, input hash the \
            run's output hash): a release takes only that file, for that run; \
            exit 69 when the plaintext modulus cannot hold the largest group's sum. SIGINT or \
            SIGTERM (Ctrl-C) stops the evaluation at its next window of slot batches with exit 75: \
            nothing logged and no run file; during the aggregates, the run (complete, logged and \
            written) stays and no aggregates file is written.

            Trust (issue 27): when the evaluator folder holds Galois or relinearization keys, \
            the list of their digests in its fhe-key.generation must be signed by the store's \
            current signing key, found from the key holder's key pinned by --trust DIR/auditor \
            (the auditor folder `keys generate` writes; the pin `audit verify` uses) along the \
            store's signed key transitions. --trust is then required (exit 64 without it); a \
            list signed by another key or by a retired key exits 65, a key transition that does \
            not verify exits 1, each before anything is read or logged. After a signing-key \
            rotation, and always after a revocation, pin the new auditor folder (--trust \
            NEWDIR/auditor of `keys rotate`): the original pin cannot see a key_transitions \
            table truncated by a database writer holding the retired key. --expect-head FILE \
            (the head file of the latest `audit sign` or `keys rotate`, kept outside the store; \
            needs --trust) closes that for either pin while the head file is authentic (written \
            by that rotation or later, kept where the store's writers cannot write): the store \
            must verify against it as `audit verify --expect-head --allow-unsigned-tail` checks \
            (exit 1 naming the head file otherwise, nothing read or logged).

            Examples:
              heatctl evaluate --store heat.db --keys keys/evaluator --out run.heat
              heatctl evaluate --store heat.db --keys keys/evaluator --trust keys/auditor --out run.heat --aggregates-out groups.heat
              heatctl evaluate --store heat.db --keys keys/evaluator --trust keys-gen2/auditor --expect-head head.heat --out run.heat --aggregates-out groups.heat
              heatctl evaluate --store heat.db --keys keys/evaluator --shard 0/2 --out part-0.heat
              heatctl evaluate --merge part-0.heat part-1.heat --out run.heat
              heatctl evaluate --store heat.db --keys keys/evaluator --out run.heat --model churn.model --scores-out scores.heat

            Model scoring (issue 15): --model FILE (a logistic `heatctl ml train` model over \
            `heatctl features` columns; the store ingested with --features) also computes the churn \
            features on the ciphertexts and applies the model's integer weights (plaintext-constant \
            products and sums, depth 0), writing the encrypted scores to --scores-out (an \
            encryptedScores envelope for `heatctl scores release`); exit 69 when the keys' \
            plaintext modulus cannot hold the largest possible score.

            Boosted trees (issue 15 item 3): --model FILE may also be a gbdt model (`ml train \
            --model gbdt`, quantized here to 8 bits, or an `ml quantize` file) of depth at most 4 \
            over the collector's features; --tree-inputs names the collector's encrypted split \
            bits for that model (an encryptedTreeInputs envelope), and the evaluator folder needs \
            the relinearization key (bfv-relin-key.heat). The depth-2 circuit writes the encrypted \
            tree scores to --scores-out (an encryptedTreeScores envelope); exit 65 for bits of \
            another model, 69 when the keys' parameters cannot hold the circuit's noise or scores.
              heatctl evaluate --store heat.db --keys keys/evaluator --trust keys/auditor --out run.heat --model churn-gbdt.model --tree-inputs bits.heat --scores-out tree-scores.heat
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String?

    @Option(name: .long, help: "The evaluator's key folder (keys/evaluator).", completion: .directory)
    var keys: String?

    @Option(name: .long, help: "The key holder's auditor folder (keys/auditor): pins the key that signs the folder's evaluation key list; required when the folder holds Galois or relinearization keys.", completion: .directory)
    var trust: String?

    @Option(name: .customLong("expect-head"), help: "The head file of the latest `audit sign` (kept outside the store): the store must verify against it as `audit verify --expect-head --allow-unsigned-tail` checks (exit 1 otherwise); needs --trust.", completion: .file())
    var expectHead: String?

    @Option(name: .long, help: "Evaluate one slice I/N of the slot batches (b % N == I) and write a part.")
    var shard: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Merge the parts of a sharded run (all N of them) into --out.", completion: .file())
    var merge: [String] = []

    @Option(name: .customLong("aggregates-out"), help: "Also write the encrypted group aggregates to this file (needs Galois keys).", completion: .file())
    var aggregatesOut: String?

    @Option(name: .customLong("min-group-size"), help: "The policy's k: smaller groups are never summed into the aggregates (default 5).")
    var minGroupSize: Int = 5

    @OptionGroup var asOfOption: AsOfOption
    /// The `--as-of` text (declared once, in ``AsOfOption``).
    var asOf: String? { asOfOption.asOf }

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).", completion: .file())
    var config: String?

    @Option(name: .long, help: "Also score this logistic churn model (from `ml train` on `features` output) on the ciphertexts.", completion: .file())
    var model: String?

    @Option(name: .customLong("tree-inputs"), help: "The collector's encrypted split bits for a gbdt --model (encryptedTreeInputs envelope).", completion: .file())
    var treeInputs: String?

    @Option(name: .customLong("scores-out"), help: "Where --model writes the encrypted scores (default: --out with .scores appended).", completion: .file())
    var scoresOut: String?

    @Option(name: .long, help: "The run file to write (encryptedHeatRun envelope).", completion: .file())
    var out: String

    @Flag(name: .long, help: "Print the run's metadata as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        // SIGINT or SIGTERM cancels the evaluation: exit 75, nothing half-written (issue 14).
        try await SignalCancellation.run { try await self.evaluateNow() }
    }

    private func evaluateNow() async throws {
        if !merge.isEmpty {
            guard store == nil, keys == nil, trust == nil, expectHead == nil, shard == nil, aggregatesOut == nil else {
                throw ValidationError("--merge takes only the part files and --out")
            }
            var parts: [Envelope] = []
            for file in merge { parts.append(try Envelope.read(from: URL(filePath: file), expecting: .encryptedHeatRun)) }
            let merged = try EncryptedHeatRun.merge(parts)
            try merged.write(to: URL(filePath: out))
            if !json { Console.output("merged \(parts.count) parts into \(out)") }
            return
        }
        guard let store, let keys else { throw ValidationError("--store and --keys are required (or --merge PARTS)") }
        var slice: EvaluationShard?
        if let shard {
            guard let parsed = EvaluationShard(parsing: shard) else {
                throw ValidationError("--shard must be I/N with 0 <= I < N, for example 0/4 (found \(shard))")
            }
            guard aggregatesOut == nil else {
                throw ValidationError("--aggregates-out needs the whole run in one process: run evaluate --aggregates-out without --shard (a merged or written run file gives no aggregates)")
            }
            guard model == nil else { throw ValidationError("--model scores the whole store: run it without --shard") }
            slice = parsed
        }
        guard minGroupSize >= 1 else { throw ValidationError("--min-group-size must be at least 1") }
        let reference = try asOfOption.date()
        let configuration = try PipelineOptions.configuration(config)
        let folder = try KeyFolder(path: keys, role: .evaluator)
        // Review s38 keys27c H1: the signer of the evaluation key list is checked from a key pinned
        // outside the store; a key found in the store is never the anchor here.
        let pinned = try trust.map { try KeyFolder(path: $0, role: .auditor).verificationKey() }
        let evaluator: Evaluator
        if let pinned {
            evaluator = try Evaluator(folder: folder, trusting: pinned)
        } else {
            evaluator = try Evaluator(folder: folder)
            if evaluator.evaluationKeysSigner != nil {
                throw ValidationError("missing --trust DIR/auditor: \(keys) holds evaluation keys whose digest list the key holder signs; its signer is checked from the key holder's key pinned by its auditor folder (written by `heatctl keys generate`), never from a key found in the store")
            }
        }
        guard expectHead == nil || pinned != nil else {
            throw ValidationError("--expect-head needs --trust DIR/auditor: the pinned head is checked against the key holder's key pinned by its auditor folder, as `audit verify --keys DIR/auditor --expect-head FILE` does")
        }
        let expectedHead = try expectHead.map { try SignedHead.read(from: URL(filePath: $0)) }
        let galoisKeys = try aggregatesOut.map { _ in try evaluator.galoisKeys(in: folder) }
        // The model is loaded and checked first: a refused model leaves no run file and no log entry.
        let treeModel = try model.flatMap { file in try TreeModelScoring.treeModel(in: file) }
        var preparedTrees: TreeModelScoring.Prepared?
        if let treeModel, let model {
            guard let treeInputs else { throw ValidationError("a gbdt --model scores the collector's split bits: give --tree-inputs FILE") }
            preparedTrees = try TreeModelScoring.prepare(model: treeModel, modelFile: model, inputsFile: treeInputs, evaluator: evaluator, folder: folder)
        } else if treeInputs != nil {
            throw ValidationError("--tree-inputs needs a gbdt --model")
        }
        let prepared = try (treeModel == nil ? model : nil).map { file in
            try ModelScoring.prepare(modelFile: file, evaluator: evaluator, configuration: configuration)
        }
        let opened = try HeatStore(path: store)
        // Review s39 keys27d M1: the signed head pinned outside the store, checked exactly as
        // `audit verify --expect-head --allow-unsigned-tail` does (rows appended since it are allowed): a store rolled
        // back below it, a truncated key_transitions among them, is refused before anything is
        // read or logged, whichever auditor folder --trust names.
        if let expectedHead, let pinned, let expectHead {
            let report = try StoreVerifier.verify(store: opened, pinnedKey: pinned, anchor: .previous(expectedHead), allowUnsignedTail: true)
            if !report.intact {
                Console.error("\(store) does not verify against the signed head pinned by --expect-head \(expectHead) (\(Plural.count(report.violations.count, "violation")); first: \(report.violations[0].message)); nothing evaluated or logged. Investigate with `heatctl audit verify --store \(store) --keys DIR/auditor --expect-head \(expectHead)`; restore a verified backup")
                throw ExitCode(1)
            }
        }
        let started = Date()
        let (run, number) = try evaluator.evaluateAndRecord(store: opened, configuration: configuration, asOf: reference, shard: slice)
        try run.envelope().write(to: URL(filePath: out))
        var aggregates: EncryptedAggregates?
        var aggregatesNumber: Int64 = 0
        if let aggregatesOut, let galoisKeys {
            let computed = try evaluator.aggregates(
                of: run, store: opened, configuration: configuration, galoisKeys: galoisKeys, minGroupSize: minGroupSize)
            // Review s40 erase27e H1: the file's output hash is logged (kind `aggregates`, input
            // hash the run's output hash) before it is written; a release accepts only that file.
            aggregatesNumber = try evaluator.recordAggregates(computed, of: run, store: opened)
            try computed.envelope().write(to: URL(filePath: aggregatesOut))
            aggregates = computed
        }
        let scoring = try prepared.map { prepared in
            try ModelScoring.score(prepared, store: opened, evaluator: evaluator, asOf: reference, out: scoresOut ?? out + ".scores")
        }
        var treeScoring: String?
        if let prepared = preparedTrees {
            treeScoring = try await TreeModelScoring.score(prepared, store: opened, evaluator: evaluator, out: scoresOut ?? out + ".scores")
        }
        if json {
            try StoreJSON.print(run.header)
            return
        }
        if let scoring { Console.output(scoring) }
        if let treeScoring { Console.output(treeScoring) }
        let header = run.header
        Console.output("""
            evaluated \(header.ciphertextsRead) ciphertexts of \(store) on \(header.batches.count) slot batches\(slice.map { " (shard \($0))" } ?? "") \
            (\(header.parameters), depth 0) as of \(header.asOf) (\(header.asOfWeek)) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s
            wrote \(out); logged as computation run \(number)
              input hash  \(header.inputHash)
              output hash \(run.outputHash)
            """)
        if let aggregates, let aggregatesOut {
            let suppressed = aggregates.header.suppressed.values.reduce(0, +)
            Console.output("wrote \(aggregatesOut): \(aggregates.header.groups.count) groups of at least \(minGroupSize) clients (\(suppressed) smaller groups never summed); logged as computation run \(aggregatesNumber), output hash \(aggregates.outputHash)")
        }
    }
}
