import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML

/// The collector's encrypted split bits for a boosted-tree model (envelope kind
/// `encryptedTreeInputs`, 56): per slot batch one ciphertext per distinct split of the model's
/// ``TreeSplitPlan``, slot `i` holding 1 when the client at position `batch * N + i` goes left at
/// that split (0 for right and for an empty slot). The position is the client's rank among the
/// encoded clients in slot order (``TreeSlotLayout/dense``, what `trees encode` writes) or its
/// directory slot (bits without a dense ``TreeEncodingCoverage``).
///
/// The collector computes the bits from the features it knows in plaintext at ingestion (client
/// attributes and the counts of the export), so nothing but ciphertexts and the plan's hash
/// leaves it. Payload (big-endian): UInt32 header length, sorted-key JSON header, UInt32 batch
/// count, then per batch UInt32 batch index and per split UInt32 length and a ciphertext envelope.
///
/// ```swift
/// let inputs = try EncryptedTreeInputs.encrypt(rows: rows, plan: model.plan, material: collectorKeys)
/// try inputs.envelope().write(to: URL(filePath: "tree-bits.heat"))
/// ```
public struct EncryptedTreeInputs: Sendable {
    /// The metadata.
    public struct Header: Sendable, Codable, Equatable {
        /// ``EncryptedTreeInputs/schema``.
        public var schema: String
        /// SHA-256 (hex) of the split plan's canonical JSON: the evaluator refuses bits of another plan.
        public var planHash: String
        /// Splits (ciphertexts) per batch.
        public var splits: Int
        /// The BFV preset name.
        public var parameters: String
        /// The parameters' fingerprint (hex).
        public var parametersFingerprint: String
        /// Slots per ciphertext.
        public var slotsPerBatch: Int
        /// The batch indices, ascending.
        public var batches: [Int]
        /// Clients encoded.
        public var clients: Int
        /// Which clients were encoded and the directory they were encoded against (`nil` only
        /// for bits encoded without a store, as in tests; the key holder refuses such scores).
        public var coverage: TreeEncodingCoverage?
        /// The ISO week of the reference date the collector's features were computed at (`nil`
        /// for bits encoded from rows, as in tests).
        public var asOfWeek: String? = nil
        /// The FHE key generation of the collector's public key (issue 27 item 2; absent for
        /// generation 1, so earlier files are unchanged): the evaluator refuses bits of another
        /// generation than its folder's, and the scores carry it to the key holder.
        public var fheGeneration: Int64? = nil
        /// The id of that key (hex SHA-256 of its public key envelope's payload).
        public var fheKeyID: String? = nil
    }

    /// The format identifier.
    public static let schema = "customerheat.tree-inputs/1"

    /// The metadata.
    public let header: Header
    /// Per batch, one bit ciphertext per split (signed encoding).
    public let batches: [Int: [Ciphertext<UInt64>]]

    /// Creates inputs.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - batches: the bit ciphertexts by batch.
    public init(header: Header, batches: [Int: [Ciphertext<UInt64>]]) {
        self.header = header
        self.batches = batches
    }

    /// SHA-256 (hex) of a plan's canonical JSON.
    ///
    /// - Parameter plan: the split plan.
    /// - Returns: the hash.
    public static func planHash(_ plan: TreeSplitPlan) -> String {
        Hex.encode(SHA256.hash(data: PipelinePayloadWriter.canonicalJSON(plan)))
    }

    /// The plaintext bits of every row, per batch and split (what the collector encrypts).
    ///
    /// - Parameters:
    ///   - rows: per client its directory slot and its transformed feature row.
    ///   - plan: the split plan.
    ///   - slotsPerBatch: `N`.
    /// - Returns: per batch, per split, `N` slot values in `{0, 1}`.
    public static func bitVectors(rows: [(slot: Int, row: [Double])], plan: TreeSplitPlan, slotsPerBatch n: Int) -> [Int: [[Int64]]] {
        var result: [Int: [[Int64]]] = [:]
        for (slot, row) in rows where slot >= 0 {
            let batch = slot / n
            if result[batch] == nil {
                result[batch] = [[Int64]](repeating: [Int64](repeating: 0, count: n), count: plan.splits.count)
            }
            for (k, left) in plan.bits(row: row).enumerated() where left {
                result[batch]?[k][slot % n] = 1
            }
        }
        return result
    }

    /// Encodes and encrypts the collector's features against a plan (on all cores; every
    /// ciphertext has its own encryption randomness).
    ///
    /// - Parameters:
    ///   - rows: per client its directory slot and its transformed feature row (``TreeSplitPlan/matrix(_:)``).
    ///   - plan: the split plan of the model (thresholds only).
    ///   - material: the collector's context and public key.
    ///   - coverage: the encoded clients and the directory at encode time
    ///     (``TreeEncodingCoverage/make(encodedSlots:directory:layout:)``); `nil` leaves the bits
    ///     unbound and the key holder refuses to release their scores from a store. Its
    ///     ``TreeEncodingCoverage/layout`` places the rows: at their directory slots, or packed
    ///     in slot order (``TreeSlotLayout/dense``; every row's slot must then be in the record).
    ///   - asOfWeek: the ISO week of the features' reference date, recorded in the header.
    /// - Returns: the encrypted inputs.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public static func encrypt(
        rows: [(slot: Int, row: [Double])], plan: TreeSplitPlan, material: PipelineKeys.PublicMaterial,
        coverage: TreeEncodingCoverage? = nil, asOfWeek: String? = nil
    ) throws(PipelineError) -> EncryptedTreeInputs {
        let n = material.context.degree
        var placed = rows
        if let coverage, coverage.effectiveLayout == .dense {
            // Each row at its rank among the encoded slots (the key holder maps it back the same way).
            let position: (Int64) -> Int64?
            do throws(TreeScoringError) {
                position = try coverage.positionMap(source: "the tree inputs")
            } catch {
                throw .malformed(source: "the tree inputs", reason: error.description)
            }
            placed = []
            placed.reserveCapacity(rows.count)
            for (slot, row) in rows where slot >= 0 {
                guard let dense = position(Int64(slot)) else {
                    throw .malformed(
                        source: "the tree inputs", reason: "field coverage: directory slot \(slot) of a row is not among the encoded slots")
                }
                placed.append((Int(dense), row))
            }
            guard Set(placed.map { $0.slot }).count == coverage.clients else {
                throw .malformed(
                    source: "the tree inputs",
                    reason: "field coverage: \(coverage.clients) clients recorded as encoded, \(Set(placed.map { $0.slot }).count) distinct rows given")
            }
        }
        let vectors = bitVectors(rows: placed, plan: plan, slotsPerBatch: n)
        let batchList = vectors.keys.sorted()
        let jobs = batchList.flatMap { vectors[$0] ?? [] }
        let encryptor = BfvEncryptor(publicKey: material.publicKey)
        let encrypted = try Evaluator.parallelMap(jobs) { (bits: [Int64]) throws(PipelineError) -> Ciphertext<UInt64> in
            var random = SecureRandom()
            do throws(FHEError) {
                return try Bfv64.encrypt(signed: bits, encryptor: encryptor, using: &random)
            } catch {
                throw .fhe(error)
            }
        }
        var batches: [Int: [Ciphertext<UInt64>]] = [:]
        let count = plan.splits.count
        for (index, batch) in batchList.enumerated() {
            batches[batch] = Array(encrypted[(index * count)..<((index + 1) * count)])
        }
        var header = Header(
            schema: schema, planHash: planHash(plan), splits: count, parameters: material.context.parameters.name,
            parametersFingerprint: material.context.fingerprint.hex, slotsPerBatch: n, batches: batchList,
            clients: rows.filter { $0.slot >= 0 }.count, coverage: coverage, asOfWeek: asOfWeek)
        if material.identity.generation > 1 {
            header.fheGeneration = material.identity.generation
            header.fheKeyID = material.identity.keyID
        }
        return EncryptedTreeInputs(header: header, batches: batches)
    }

    /// The payload bytes.
    public func payload() -> Data {
        CiphertextBatches.payload(header: header, batches: header.batches) { batch in (batches[batch] ?? []).map { $0 } }
    }

    /// The inputs as an envelope of kind `encryptedTreeInputs` (56).
    public func envelope() -> Envelope {
        let fingerprint = Fingerprint(bytes: Hex.decode(header.parametersFingerprint) ?? []) ?? .none
        return Envelope(kind: .encryptedTreeInputs, fingerprint: fingerprint, payload: payload())
    }

    /// Decodes inputs made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: an `encryptedTreeInputs` envelope.
    ///   - context: the reader's context.
    ///   - source: the file, for messages.
    /// - Throws: ``PipelineError`` for another kind or parameters, a truncated payload or a bad header.
    public init(envelope: Envelope, context: BfvContext<UInt64>, source: String) throws(PipelineError) {
        let opened = try CiphertextBatches.open(
            envelope, kind: .encryptedTreeInputs, context: context, source: source, what: "tree inputs", schema: \Header.schema,
            expected: Self.schema)
        let header = opened.header
        guard header.splits >= 0, header.splits <= 1 << 16 else {
            throw .malformed(source: source, reason: "field splits: \(header.splits) is out of range")
        }
        var reader = opened.reader
        let batches = try CiphertextBatches.read(
            &reader, names: (0..<header.splits).map { "split \($0)" }, context: context, batches: header.batches)
        if let coverage = header.coverage, coverage.clients != header.clients {
            throw .malformed(source: source, reason: "field coverage: \(coverage.clients) clients recorded, the header counts \(header.clients)")
        }
        self.header = header
        self.batches = batches
    }
}

/// The evaluator's encrypted boosted-tree scores (envelope kind `encryptedTreeScores`, 57): per
/// slot batch one ciphertext whose slot `i` holds the integer tree score of the client at
/// position `batch * N + i` of the inputs (``TreeSlotLayout``; the coverage record maps it back). The same type as the logistic scores (``EncryptedScores``) with
/// its own header, so the key holder decrypts, links and releases it the same way
/// (``KeyHolder/decrypt(treeScores:store:manager:)``, and `KeyHolder.releaseScores(run:...)`).
///
/// ```swift
/// let run = try evaluator.score(trees: inputs, model: model, relinearizationKey: key)
/// try run.envelope().write(to: URL(filePath: "tree-scores.heat"))
/// ```
public typealias EncryptedTreeScoreRun = EncryptedScores<TreeScoresHeader>

/// The header of boosted-tree scores (``EncryptedTreeScoreRun``).
public struct TreeScoresHeader: EncryptedScoresHeader {
    /// `customerheat.tree-scores/1`.
    public static let schema = "customerheat.tree-scores/1"
    /// `encryptedTreeScores` (57).
    public static let envelopeKind = EnvelopeKind.encryptedTreeScores
    /// `tree scores`.
    public static let contents = "tree scores"

    /// ``EncryptedScores/schema``.
    public var schema: String
    /// The integer model the scores come from.
    public var model: EncryptedTreeModel
    /// The BFV preset name.
    public var parameters: String
    /// The parameters' fingerprint (hex).
    public var parametersFingerprint: String
    /// SHA-256 (hex) of the inputs' payload.
    public var inputHash: String
    /// Slots per ciphertext.
    public var slotsPerBatch: Int
    /// The batch indices, ascending.
    public var batches: [Int]
    /// Multiplicative depth of the circuit (2, or less for shallow trees).
    public var multiplicativeDepth: Int
    /// Ciphertext-ciphertext products per batch (relinearized level-1 pairs plus level-2 products).
    public var products: Int
    /// The collector's record of the encoded clients and the directory, copied from the
    /// inputs: the key holder releases scores only for these clients, and only while the
    /// directory is unchanged.
    public var coverage: TreeEncodingCoverage?
    /// The plan hash the collector recorded in the inputs: the key holder checks it against
    /// ``model``'s plan.
    public var planHash: String?
    /// The ISO week of the collector's reference date, copied from the inputs (`nil` when the
    /// inputs record none).
    public var asOfWeek: String? = nil
    /// The FHE key generation of the inputs, copied from them (issue 27 item 2; absent for
    /// generation 1): the key holder refuses to decrypt the scores with a folder of another one.
    public var fheGeneration: Int64? = nil
    /// The id of that generation's key, copied from the inputs.
    public var fheKeyID: String? = nil
}

extension EncryptedScores where H == TreeScoresHeader {
    /// Checks the scores against the store before anything is decrypted: the model must be the
    /// one whose split plan the collector encoded, the scores must carry the collector's
    /// coverage record, and the store's directory must be the one the bits were encoded against.
    ///
    /// - Parameters:
    ///   - store: the store the scores are decrypted or released from.
    ///   - source: the scores file, for messages.
    /// - Returns: the directory's clients (one read) and the encoded slots among them.
    /// - Throws: ``TreeScoringError/coverageMismatch(source:reason:)``,
    ///   ``TreeScoringError/staleDirectory(source:encodedOn:now:)`` (exit 65), ``StoreError``.
    @discardableResult
    public func checkCoverage(of store: HeatStore, source: String) throws -> (
        directory: [(client: Pseudonym, slot: Int64, manager: Pseudonym?)], encoded: Set<Int64>
    ) {
        let coverage = try coverageRecord(source: source)
        let directory = try KeyHolder.directory(in: store)
        return (directory, try coverage.check(directory: directory.map { ($0.client, $0.slot) }, source: source))
    }

    /// The coverage record, after checking the plan hash against the model.
    func coverageRecord(source: String) throws(TreeScoringError) -> TreeEncodingCoverage {
        guard let planHash = header.planHash, planHash == EncryptedTreeInputs.planHash(header.model.plan) else {
            throw .coverageMismatch(
                source: source, reason: "field planHash: the model in the scores is not the one whose split plan the collector encoded against")
        }
        guard let coverage = header.coverage else {
            throw .coverageMismatch(source: source, reason: "field coverage: no record of which clients were encoded (bits from an older `trees encode`)")
        }
        return coverage
    }
}

extension Evaluator {
    /// The evaluator folder's relinearization key file (written by ``KeyHolder/writeRelinearizationKey(toEvaluatorFolder:)``).
    public static let relinearizationKeyFile = "bfv-relin-key.heat"

    /// Loads the relinearization key the tree circuit needs from an evaluator folder.
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Returns: the key.
    /// - Throws: ``PipelineError/missingFHEKey(folder:file:)`` when the folder has none,
    ///   ``PipelineError/fhe(_:)`` for a corrupt file or other parameters,
    ///   ``PipelineError/fheKey(_:)`` wrapping ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)``
    ///   (exit 64) for a key the
    ///   folder's FHE key generation does not bind (issue 27).
    public func relinearizationKey(in folder: KeyFolder) throws(PipelineError) -> BfvRelinearizationKey<UInt64> {
        guard folder.role == .evaluator else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; the relinearization key is loaded from the evaluator folder")
        }
        let seeded = folder.files.values.contains(.fheSeededRelinearizationKey)
        let (envelope, source) = try PipelineKeys.read(
            folder, kind: seeded ? .fheSeededRelinearizationKey : .fheRelinearizationKey, describedAs: Self.relinearizationKeyFile)
        // Issue 27: the bytes loaded are the bytes the folder's generation binds.
        try FHEKeyGeneration.requireBound(envelope, loadedFrom: source, in: folder, builtWith: keyBinding)
        do {
            return try BfvRelinearizationKey(envelope: envelope, context: context, source: source)
        } catch {
            throw .fhe(error)
        }
    }

    /// Scores a boosted-tree model on the collector's encrypted split bits with the depth-2
    /// circuit (``EncryptedTreeModel``): per batch, the products of bit pairs (relinearized), then
    /// per depth-2 node the prefix form times the leaf-weighted suffix forms (left as
    /// three-polynomial ciphertexts and summed), one relinearization of the sum, plus the linear
    /// forms and the base score. Leaf values are public integer multipliers; no slot is ever
    /// decrypted or compared here, so the evaluator never learns which branch a client took.
    ///
    /// The independent work runs in child tasks of one structured task group, at most `tasks` at
    /// a time: first every (batch, bit pair) product of every batch, then every (batch, chunk of
    /// level-2 products), then each batch's sum and relinearization. Chunks have a fixed size and
    /// results are placed by index, so the output is the same bytes for any `tasks`.
    ///
    /// **Not a trust check** (issue 27, review s39 keys27d L5): this call has no store, so the
    /// relinearization key's list is checked only on its own (bound, signature verifies, signer
    /// the one the evaluator was built with), never against the store's current signing key.
    /// Use ``scoreAndRecord(trees:model:relinearizationKey:store:source:tasks:)`` with an
    /// evaluator built by ``init(folder:trusting:)`` for a recorded, trusted run.
    ///
    /// - Parameters:
    ///   - inputs: the collector's encrypted bits.
    ///   - model: the integer model (its plan must be the one the bits were encoded with).
    ///   - relinearizationKey: the evaluation key for ciphertext products.
    ///   - tasks: the most child tasks running at once (`nil`: one per active processor).
    /// - Returns: the encrypted scores.
    /// - Throws: ``TreeScoringError/parametersTooSmall(preset:reason:fitting:)`` (exit 69),
    ///   ``TreeScoringError/inputMismatch(source:field:reason:)`` (exit 65), ``PipelineError/fhe(_:)``.
    public func score(
        trees inputs: EncryptedTreeInputs, model: EncryptedTreeModel, relinearizationKey: BfvRelinearizationKey<UInt64>,
        tasks: Int? = nil
    ) async throws -> EncryptedTreeScoreRun {
        try model.check(parameters: context.parameters)
        guard inputs.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the tree inputs", expected: context.fingerprint.hex, found: inputs.header.parametersFingerprint)
        }
        // Issue 27: bits of another FHE key generation than the evaluator folder's are refused
        // (the relinearization key is bound to the folder's generation).
        if let identity = fheIdentity, identity.generation != (inputs.header.fheGeneration ?? 1)
            || (inputs.header.fheKeyID != nil && identity.keyID != inputs.header.fheKeyID) {
            throw FHEKeyError.runGeneration(
                source: "the tree inputs", runGeneration: inputs.header.fheGeneration ?? 1, folderGeneration: identity.generation)
        }
        guard inputs.header.planHash == EncryptedTreeInputs.planHash(model.plan) else {
            throw TreeScoringError.inputMismatch(
                source: "the tree inputs", field: "planHash", reason: "the bits were encoded for another model's split plan")
        }
        let circuit = TreeCircuit(model: model)
        let bfv = context
        let batchList = inputs.header.batches
        var bitsByBatch: [[Ciphertext<UInt64>]] = []
        for batch in batchList {
            guard let bits = inputs.batches[batch], bits.count == model.plan.splits.count else {
                throw TreeScoringError.inputMismatch(
                    source: "the tree inputs", field: "batches[\(batch)]", reason: "expected \(model.plan.splits.count) split ciphertexts")
            }
            bitsByBatch.append(bits)
        }
        let perBatch = try await Self.treeScores(
            bits: bitsByBatch, circuit: circuit, context: bfv, key: relinearizationKey, tasks: tasks ?? BoundedTaskGroup.defaultTasks)
        var scores: [Int: Ciphertext<UInt64>] = [:]
        for (index, batch) in batchList.enumerated() { scores[batch] = perBatch[index] }
        var hash = SHA256()
        hash.update(data: inputs.payload())
        let depth = circuit.products.isEmpty ? (circuit.pairs.isEmpty ? 0 : 1) : 2
        let header = EncryptedTreeScoreRun.Header(
            schema: EncryptedTreeScoreRun.schema, model: model, parameters: bfv.parameters.name,
            parametersFingerprint: bfv.fingerprint.hex, inputHash: Hex.encode(hash.finalize()), slotsPerBatch: bfv.degree,
            batches: batchList, multiplicativeDepth: depth, products: circuit.pairs.count + circuit.products.count,
            coverage: inputs.header.coverage, planHash: inputs.header.planHash, asOfWeek: inputs.header.asOfWeek,
            fheGeneration: inputs.header.fheGeneration, fheKeyID: inputs.header.fheKeyID)
        return EncryptedTreeScoreRun(header: header, scores: scores)
    }

    /// Scores the trees (``score(trees:model:relinearizationKey:tasks:)``) and logs the run (computation
    /// log and audit log, kind `score.trees`, role `evaluator`) with its input and output hashes.
    /// The log entry is written only if the store's client directory, read inside the same write
    /// transaction, is still the one the collector encoded the bits against.
    ///
    /// - Parameters:
    ///   - inputs: the collector's encrypted bits.
    ///   - model: the integer model.
    ///   - relinearizationKey: the evaluation key.
    ///   - store: the store the bits were encoded against.
    ///   - source: the inputs file, for messages.
    ///   - tasks: the most child tasks running at once (``score(trees:model:relinearizationKey:tasks:)``).
    /// - Returns: the scores and their number in the computation log.
    /// - Throws: ``TreeScoringError/staleDirectory(source:encodedOn:now:)`` (exit 65) when clients
    ///   were ingested or removed since `trees encode`; as ``score(trees:model:relinearizationKey:tasks:)``;
    ///   ``StoreError``; first, as ``evaluate(store:configuration:asOf:throughSeq:)``'s check of the
    ///   folder's signed evaluation key list against the store (exit 65, 66 or 1, review s38 keys27c M4).
    public func scoreAndRecord(
        trees inputs: EncryptedTreeInputs, model: EncryptedTreeModel, relinearizationKey: BfvRelinearizationKey<UInt64>,
        store: HeatStore, source: String, tasks: Int? = nil
    ) async throws -> (run: EncryptedTreeScoreRun, number: Int64) {
        let started = UTCTimestamp.now()
        // Review s38 keys27c M4: the folder's signed list is checked against the store before scoring.
        try requireTrustedEvaluationKeys(in: store)
        // Erased clients (issue 27) are zeroed before the run is recorded, so the logged output hash is the file's.
        let scored = try await score(trees: inputs, model: model, relinearizationKey: relinearizationKey, tasks: tasks)
        let run = try zeroingErasedSlots(of: scored, store: store)
        let number = try ComputationLog.record(
            ComputationRun(
                startedAt: started, finishedAt: .now(), kind: "score.trees", inputHash: run.header.inputHash, outputHash: run.outputHash,
                parameters: [
                    "fheParameters": run.header.parameters, "trees": String(model.integer.trees.count),
                    "splits": String(model.plan.splits.count), "batches": String(run.header.batches.count),
                    "multiplicativeDepth": String(run.header.multiplicativeDepth), "products": String(run.header.products),
                ]),
            role: .evaluator, in: store,
            checking: { db in
                if let coverage = run.header.coverage {
                    try coverage.check(current: DirectorySnapshot.read(in: db), source: source)
                }
            })
        return (run, number)
    }

    /// Level-2 products per chunk: a fixed size, so the work items (and the summation order
    /// within a chunk) do not depend on the number of tasks.
    static let treeProductChunk = 8

    /// The circuit on every batch, as three rounds of independent child tasks of one task group
    /// each (``BoundedTaskGroup``): (1) every (batch, bit pair) product, relinearized; (2) every
    /// (batch, chunk of ``treeProductChunk`` level-2 products), summed as three-polynomial
    /// ciphertexts; (3) per batch, the chunks' sum plus the linear form, relinearized once.
    ///
    /// - Returns: one score ciphertext per batch, in the order of `bits`.
    static func treeScores(
        bits: [[Ciphertext<UInt64>]], circuit: TreeCircuit, context bfv: BfvContext<UInt64>, key: BfvRelinearizationKey<UInt64>,
        tasks: Int
    ) async throws -> [Ciphertext<UInt64>] {
        // (1) Level 1: every bit pair of every batch (shared by all forms that use it).
        let pairList = circuit.pairs
        var pairJobs: [(batch: Int, i: Int, j: Int)] = []
        for batch in bits.indices {
            for operand in pairList {
                guard case let .pair(i, j) = operand else { throw PipelineError.malformed(source: "the tree circuit", reason: "a non-pair operand") }
                pairJobs.append((batch, i, j))
            }
        }
        let pairProducts = try await BoundedTaskGroup.map(pairJobs, tasks: tasks) { job in
            try Bfv64.multiply(bits[job.batch][job.i], bits[job.batch][job.j], relinearizingWith: key)
        }
        let operands = bits.indices.map { batch in
            TreeOperands(
                bits: bits[batch],
                pairs: Dictionary(uniqueKeysWithValues: zip(pairList, pairProducts[(batch * pairList.count)..<((batch + 1) * pairList.count)])),
                context: bfv)
        }
        // (2) Level 2: fixed-size chunks of prefix x suffix products of every batch.
        let chunkStarts = Array(stride(from: 0, to: circuit.products.count, by: Self.treeProductChunk))
        let chunkJobs = bits.indices.flatMap { batch in chunkStarts.map { (batch: batch, start: $0) } }
        let products = circuit.products
        let partials = try await BoundedTaskGroup.map(chunkJobs, tasks: tasks) { job -> Ciphertext<UInt64> in
            let operands = operands[job.batch]
            var sum: Ciphertext<UInt64>?
            for (prefix, suffix) in products[job.start..<min(job.start + Self.treeProductChunk, products.count)] {
                let product = try Bfv64.multiply(try operands.materialize(prefix), try operands.materialize(suffix))
                if var running = sum {
                    sum = nil
                    Bfv64.add(&running, product)
                    sum = running
                } else {
                    sum = product
                }
            }
            guard let sum else { throw PipelineError.malformed(source: "the tree circuit", reason: "an empty chunk of products") }
            return sum
        }
        // (3) Per batch: the chunks in order, the linear form, one relinearization.
        let chunksPerBatch = chunkStarts.count
        return try await BoundedTaskGroup.map(Array(bits.indices), tasks: tasks) { batch -> Ciphertext<UInt64> in
            let linear = try operands[batch].materialize(circuit.linear)
            let mine = partials[(batch * chunksPerBatch)..<((batch + 1) * chunksPerBatch)]
            guard var quadratic = mine.first else { return linear }
            for partial in mine.dropFirst() { Bfv64.add(&quadratic, partial) }
            Bfv64.add(&quadratic, linear)   // adds into the first two polynomials
            return try Bfv64.relinearized(quadratic, using: key)
        }
    }
}

/// The bit ciphertexts and their pair products of one batch, turning affine forms into ciphertexts.
struct TreeOperands: Sendable {
    let bits: [Ciphertext<UInt64>]
    let pairs: [TreeOperand: Ciphertext<UInt64>]
    let context: BfvContext<UInt64>

    /// `constant + Σ coefficient * operand` as a two-polynomial ciphertext (terms in a fixed order).
    func materialize(_ form: TreeAffine) throws(FHEError) -> Ciphertext<UInt64> {
        let ring = context.ciphertextContext
        var sum = try Ciphertext(
            context: context, polynomials: [PolyRq(zeroIn: ring), PolyRq(zeroIn: ring)], encoding: .batch,
            signedness: .signed, valueCount: context.degree)
        for (operand, coefficient) in form.terms.sorted(by: { $0.key < $1.key }) {
            let input: Ciphertext<UInt64>?
            switch operand {
            case .bit(let i): input = i < bits.count ? bits[i] : nil
            case .pair: input = pairs[operand]
            }
            guard let input else { throw .parameterMismatch("the tree circuit refers to a split the inputs do not have") }
            Bfv64.multiplyAdd(&sum, input, by: coefficient)
        }
        guard form.constant != 0 else { return sum }
        let constant = try Bfv64.encode(signed: [Int64](repeating: form.constant, count: context.degree), context: context)
        return try Bfv64.add(sum, plaintext: constant)
    }
}

extension KeyHolder {
    /// Makes the relinearization key the tree circuit needs and writes it into the evaluator
    /// folder (`bfv-relin-key.heat`, seeded form). It is public evaluation material: it lets the
    /// evaluator multiply ciphertexts, not decrypt them.
    ///
    /// When the evaluator folder has an `fhe-key.generation` (every folder of `keys generate`
    /// since s37 and of `keys rotate --fhe`), it must be this key holder's generation and key, and
    /// the key is bound to it: its digest is added to the file's `evaluationKeys` (issue 27) and
    /// the list is signed again with `signingKey` (s38), so the evaluator accepts it. The folder's
    /// current list must verify first (the key holder signs only a list it signed before, or an
    /// empty one), so a digest an attacker rewrote is not re-signed.
    ///
    /// ```swift
    /// let holderFolder = try KeyFolder(path: "keys/keyholder", role: .keyholder)
    /// try KeyHolder(folder: holderFolder).writeRelinearizationKey(toEvaluatorFolder: "keys/evaluator", signingKey: holderFolder.signingKey())
    /// ```
    ///
    /// - Parameters:
    ///   - path: the evaluator folder.
    ///   - signingKey: the key holder's store signing key (required when the folder has an
    ///     `fhe-key.generation`).
    /// - Returns: the file written.
    /// - Throws: ``PipelineError/fhe(_:)``, ``KeyError`` when the file exists or cannot be written,
    ///   ``KeyError/missingKey(folder:role:kind:)`` without a signing key,
    ///   ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64) when the evaluator
    ///   folder is of another FHE key generation than this key holder's,
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) when its list
    ///   is signed but does not verify, or is unsigned while binding keys.
    @discardableResult
    public func writeRelinearizationKey(toEvaluatorFolder path: String, signingKey: StoreSigningKey? = nil) throws -> String {
        let url = URL(filePath: path).appending(path: Evaluator.relinearizationKeyFile)
        if FileManager.default.fileExists(atPath: url.path) { throw KeyError.alreadyExists(path: url.path) }
        let record = try FHEKeyGeneration.read(in: KeyFolder(path: path, role: .evaluator))
        // Review s37 finding 7: a folder without a generation file is generation 1; a key of a later
        // generation written there would be unbound and key-switch under the wrong secret.
        if record == nil && fheIdentity.generation > 1 {
            throw FHEKeyError.unboundEvaluationKey(
                path: url.path, generation: 1,
                reason: "the evaluator folder has no \(FHEKeyGeneration.fileName) (generation 1) but the key holder folder holds FHE key generation \(fheIdentity.generation)")
        }
        if let current = record,
           current.generation != fheIdentity.generation || (fheIdentity.keyID != nil && fheIdentity.keyID != current.keyID) {
            throw FHEKeyError.unboundEvaluationKey(
                path: url.path, generation: current.generation,
                reason: "the key holder folder holds FHE key generation \(fheIdentity.generation), not the evaluator folder's")
        }
        if let record {
            guard let signingKey else {
                throw KeyError.missingKey(folder: "the key holder folder", role: .keyholder, kind: .signingKey)
            }
            // s38: never re-sign a list the key holder did not sign itself, or that was changed since.
            if record.evaluationKeysSignature != nil || !(record.evaluationKeys ?? [:]).isEmpty {
                let generationPath = URL(filePath: path).appending(path: FHEKeyGeneration.fileName).path
                let signer = try record.verifiedEvaluationKeysSigner(path: generationPath)
                guard signer == signingKey.verificationKey else {
                    throw FHEKeyError.evaluationKeysSignature(
                        path: generationPath, generation: record.generation,
                        reason: "signed by key \(signer.fingerprint.hex.prefix(16))…, not by this key holder's signing key \(signingKey.fingerprint.hex.prefix(16))…; not re-signed")
                }
            }
        }
        let envelope = try relinearizationKey().envelope()
        let signedRecord = try signingKey.flatMap { key in
            try record?.binding([Evaluator.relinearizationKeyFile: envelope]).signingEvaluationKeys(with: key)
        }
        do {
            try envelope.write(to: url)
            // Bind it to the folder's generation (after the key: a crash in between leaves an
            // unbound key, refused with a hint, never a binding without its key).
            if let signedRecord {
                try signedRecord.envelope().write(to: URL(filePath: path).appending(path: FHEKeyGeneration.fileName))
            }
        } catch {
            throw KeyError.envelope(error)
        }
        return url.path
    }

    /// A fresh relinearization key for this key holder's secret key.
    ///
    /// - Returns: the key.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func relinearizationKey() throws(PipelineError) -> BfvRelinearizationKey<UInt64> {
        do {
            return try BfvRelinearizationKey(secretKey: decryptor.secretKey)
        } catch {
            throw .fhe(error)
        }
    }

    /// Decrypts the slots of a tree-score ciphertext batch by batch, for the given slots only.
    ///
    /// Internal (tests and benchmarks inside the module): it checks neither the coverage record
    /// nor the plan hash nor the directory; callers outside use
    /// ``decrypt(treeScores:store:manager:)``.
    ///
    /// - Parameters:
    ///   - run: the evaluator's tree scores.
    ///   - slots: directory slots to read.
    /// - Returns: the integer score of each slot that has a ciphertext (a slot of a batch the
    ///   collector encoded nothing in gets no score, never the base score).
    /// - Throws: ``PipelineError``.
    func decrypt(treeScores run: EncryptedTreeScoreRun, slots: [Int]) throws -> [Int: Int] {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the tree scores", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        // Directory slot -> position in the ciphertexts (the slot itself without a dense record).
        var position: (Int64) -> Int64? = { $0 }
        if let coverage = run.header.coverage, coverage.effectiveLayout == .dense {
            position = try coverage.positionMap(source: "the tree scores")
        }
        let placed = slots.compactMap { slot in position(Int64(slot)).map { (slot: slot, at: Int($0)) } }
        let n = context.degree
        var result: [Int: Int] = [:]
        for batch in Set(placed.map { $0.at / n }).sorted() {
            guard let ciphertext = run.scores[batch] else { continue }
            let values = try decryptSlots(ciphertext, mask: nil, signed: true, source: "the tree scores")
            slotObserver?(values)
            for member in placed where member.at / n == batch { result[member.slot] = Int(values[member.at % n]) }
        }
        return result
    }

    /// Decrypts the tree scores (and nothing else) of the store's clients the collector encoded,
    /// as ``decrypt(scores:store:manager:)`` does for logistic scores: with `manager`, each batch
    /// is masked to that manager's slots first.
    ///
    /// Refused (exit 65) when the scores carry no coverage record, when the model in the scores
    /// is not the one whose plan the collector encoded against, and when the store's directory
    /// changed since `trees encode` (``TreeEncodingCoverage/check(directory:source:)``). Clients
    /// absent from the collector's client file or export get no row.
    ///
    /// - Parameters:
    ///   - run: the evaluator's tree scores.
    ///   - store: the store.
    ///   - manager: release only this manager's clients, or `nil` for all.
    /// - Returns: one score per encoded client, by slot.
    /// - Throws: ``TreeScoringError/staleDirectory(source:encodedOn:now:)``,
    ///   ``TreeScoringError/coverageMismatch(source:reason:)``; with `manager` on a store whose
    ///   directory has versions (issue 27: a manager's clients are those assigned to it and open
    ///   at the reference week), ``DirectoryError/unverifiedVersions(violations:)`` (exit 1) and
    ///   ``ScoringError/versionedDirectory(source:)`` (exit 65, no reference week in the scores);
    ///   ``PipelineError``, ``StoreError``.
    public func decrypt(treeScores run: EncryptedTreeScoreRun, store: HeatStore, manager: Pseudonym? = nil) throws -> [DecryptedScore] {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the tree scores", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        try requireGeneration(run.header.fheGeneration, keyID: run.header.fheKeyID, source: "the tree scores")
        // One read of the directory: the coverage is checked against the rows decrypted.
        let (directory, encoded) = try run.checkCoverage(of: store, source: "the tree scores")
        // Issue 27: a manager's clients are those assigned to it (and open) at the reference week.
        let assignments = manager == nil ? nil : try DirectoryTimeline.scoreAssignments(
            in: store, key: trustedKey, asOfWeek: run.header.asOfWeek, source: "the tree scores")
        let clients = directory.filter {
            encoded.contains($0.slot) && DirectoryTimeline.isClient(slot: $0.slot, rowManager: $0.manager, of: manager, at: assignments)
        }
        // The checked record maps each encoded slot to its position (dense or directory layout).
        let position = try run.coverageRecord(source: "the tree scores").positionMap(source: "the tree scores")
        var positions: [Int64: Int64] = [:]
        for client in clients {
            guard let at = position(client.slot) else {
                throw TreeScoringError.coverageMismatch(source: "the tree scores", reason: "field coverage.slotRanges: an encoded slot has no position")
            }
            positions[client.slot] = at
        }
        return try decryptScores(
            run.scores, clients: clients.map { ($0.client, $0.slot) }, masked: manager != nil, position: { positions[$0] ?? -1 }
        ) { batch, _ in
            throw TreeScoringError.coverageMismatch(
                source: "the tree scores", reason: "field batches: batch \(batch) holds encoded clients but has no score ciphertext")
        }
    }
}

extension EncryptedTreeInputs {
    /// The collector's whole step for a client file and an export: the features it knows
    /// (``CollectorTreeFeatures``), transformed by the plan, the clients of the store's directory
    /// packed in slot order (``TreeSlotLayout/dense``: 8,192 clients fill one batch of an
    /// 8,192-slot ring; clients not yet in the directory are skipped and counted), encrypted.
    ///
    /// - Parameters:
    ///   - clients: the client file.
    ///   - interactions: the export.
    ///   - asOf: the reference date for tenure.
    ///   - plan: the model's split plan.
    ///   - store: the store whose client directory gives the slots.
    ///   - key: the pseudonymisation key.
    ///   - material: the collector's context and public key.
    /// - Returns: the encrypted inputs and the number of clients skipped (not in the directory).
    /// - Throws: ``HeatML/HeatMLError`` for a feature the plan needs and the table lacks,
    ///   ``PipelineError``, ``StoreError``.
    public static func encrypt(
        clients: [Client], interactions: [Interaction], asOf: CalendarDate, plan: TreeSplitPlan, store: HeatStore,
        key: PseudonymisationKey, material: PipelineKeys.PublicMaterial
    ) throws -> (inputs: EncryptedTreeInputs, skipped: Int) {
        let (table, pseudonyms) = try CollectorTreeFeatures.table(clients: clients, interactions: interactions, asOf: asOf, key: key)
        let matrix = try plan.matrix(table)
        let directory = try KeyHolder.directory(in: store)
        let slotOf = Dictionary(directory.map { ($0.client, Int($0.slot)) }, uniquingKeysWith: { a, _ in a })
        var rows: [(slot: Int, row: [Double])] = []
        var seen = Set<Int>()
        var skipped = 0
        for (index, pseudonym) in pseudonyms.enumerated() {
            guard let slot = slotOf[pseudonym], seen.insert(slot).inserted else {
                skipped += 1
                continue
            }
            rows.append((slot, matrix.row(index)))
        }
        let coverage = TreeEncodingCoverage.make(
            encodedSlots: rows.map { Int64($0.slot) }, directory: directory.map { ($0.client, $0.slot) }, layout: .dense)
        let inputs = try encrypt(rows: rows, plan: plan, material: material, coverage: coverage, asOfWeek: ISOWeek(containing: asOf).description)
        return (inputs, skipped)
    }
}

/// One client's decrypted tree score, by display reference (inside the vault).
public struct TreeScoreRow: Sendable, Codable, Equatable {
    /// The client's display reference.
    public var ref: String
    /// The exact integer score.
    public var score: Int
    /// The probability of the positive class (the link applied to the score).
    public var probability: Double
}

extension KeyHolder {
    /// Decrypts the tree scores of every client of the store and applies the link, by display
    /// reference (`heatctl trees decrypt`, inside the vault).
    ///
    /// - Parameters:
    ///   - run: the evaluator's tree scores.
    ///   - store: the store.
    /// - Returns: one row per client, by slot.
    /// - Throws: ``PipelineError``, ``StoreError``.
    public func treeScoreRows(run: EncryptedTreeScoreRun, store: HeatStore) throws -> [TreeScoreRow] {
        let entries = try ClientDirectory.entries(in: store)
        let refs = Dictionary(entries.map { ($0.pseudonym, $0.ref) }, uniquingKeysWith: { a, _ in a })
        return try decrypt(treeScores: run, store: store).map { score in
            TreeScoreRow(
                ref: refs[score.pseudonym.hex] ?? score.pseudonym.displayRef, score: score.score,
                probability: run.header.model.probability(score: score.score))
        }
    }
}

/// Where the collector places each encoded client in the slots of its tree-input ciphertexts
/// (recorded in ``TreeEncodingCoverage/layout``; the evaluator's scores keep the placement).
///
/// The directory layout wastes slots: the hierarchy slot layout pads every manager's block, so
/// 8,192 clients can spread over two 8,192-slot batches and the circuit runs twice. The dense
/// layout packs the encoded clients, in directory-slot order, into `ceil(clients / N)` batches.
///
/// ```swift
/// let coverage = TreeEncodingCoverage.make(encodedSlots: slots, directory: entries, layout: .dense)
/// let position = try coverage.positionMap(source: "bits.heat")
/// position(slots.min()!)   // 0
/// ```
public enum TreeSlotLayout: String, Sendable, Codable, Equatable {
    /// Slot `i` of batch `b` holds the client in directory slot `b * N + i` (the heat runs' layout).
    case directorySlots
    /// Position `d` (slot `d % N` of batch `d / N`) holds the `d`-th encoded client in directory
    /// slot order, with no gaps (``TreeEncodingCoverage/positionMap(source:)``).
    case dense
}

/// Which clients the collector encoded in a set of tree inputs, and the client directory it
/// encoded them against (issue 15 item 3). `trees encode` writes it into the inputs' header, the
/// evaluator copies it into the scores' header, and the key holder checks it before releasing a
/// score: a client absent from the collector's client file or export, or ingested after the
/// encoding, has all-zero bits, so its slot would decrypt to the score of "right at every split".
///
/// ``directory`` is the directory's ``DirectorySnapshot`` at encode time (the same digest as the
/// logistic scores'); ``digest`` is SHA-256 over `customerheat.tree-coverage/1` and one
/// `slot:pseudonym-hex` line per encoded client in slot order (``SlotLayoutDigest``).
/// ``slotRanges`` lists the encoded slots as closed ranges: slots are directory positions the
/// evaluator already holds, never client identifiers.
///
/// ```swift
/// let coverage = TreeEncodingCoverage.make(encodedSlots: [0, 1, 2, 5], directory: entries)
/// let released = try coverage.check(directory: entries, source: "tree-scores.heat")   // [0, 1, 2, 5]
/// ```
public struct TreeEncodingCoverage: Sendable, Codable, Equatable {
    /// Clients encoded.
    public var clients: Int
    /// The highest encoded slot (-1 when none).
    public var highestSlot: Int64
    /// The encoded slots as ascending, disjoint closed ranges `[first, last]`.
    public var slotRanges: [[Int64]]
    /// SHA-256 (hex) of the encoded clients' `slot:pseudonym` lines.
    public var digest: String
    /// The client directory when the bits were encoded.
    public var directory: DirectorySnapshot
    /// Where each encoded client sits in the ciphertexts (``TreeSlotLayout``); `nil` in records
    /// written before the dense layout, which used the directory slots.
    public var layout: TreeSlotLayout? = nil

    /// The layout in effect (``TreeSlotLayout/directorySlots`` when the record names none).
    public var effectiveLayout: TreeSlotLayout { layout ?? .directorySlots }

    /// The encoded clients' digest domain (directory layout).
    static let domain = "customerheat.tree-coverage/1"
    /// The digest domain of a dense record: the layout is bound into the digest, so a record
    /// whose `layout` was dropped (an evaluator that predates the field re-encodes the header
    /// without it) or flipped no longer matches the directory and is refused.
    static let denseDomain = "customerheat.tree-coverage/2\nlayout:dense"

    /// The digest domain of a layout.
    static func domain(of layout: TreeSlotLayout) -> String {
        layout == .dense ? denseDomain : domain
    }

    /// Creates a record.
    ///
    /// - Parameters:
    ///   - clients: clients encoded.
    ///   - highestSlot: the highest encoded slot.
    ///   - slotRanges: the encoded slots as closed ranges.
    ///   - digest: the encoded clients' digest.
    ///   - directory: the directory's snapshot at encode time.
    ///   - layout: where the encoded clients sit in the ciphertexts (`nil`: the directory slots).
    public init(
        clients: Int, highestSlot: Int64, slotRanges: [[Int64]], digest: String, directory: DirectorySnapshot, layout: TreeSlotLayout? = nil
    ) {
        self.clients = clients
        self.highestSlot = highestSlot
        self.slotRanges = slotRanges
        self.digest = digest
        self.directory = directory
        self.layout = layout
    }

    /// The record for the encoded slots of a directory.
    ///
    /// - Parameters:
    ///   - encodedSlots: the slots the collector encoded (each in `directory`).
    ///   - directory: the store's directory at encode time (pseudonym and slot per client).
    ///   - layout: where the collector places the encoded clients (default: their directory
    ///     slots; `trees encode` uses ``TreeSlotLayout/dense``).
    /// - Returns: the record.
    public static func make(
        encodedSlots: [Int64], directory: [(client: Pseudonym, slot: Int64)], layout: TreeSlotLayout = .directorySlots
    ) -> TreeEncodingCoverage {
        let slots = Set(encodedSlots)
        let encoded = SlotLayoutDigest.digest(directory.filter { slots.contains($0.slot) }, domain: Self.domain(of: layout))
        var ranges: [[Int64]] = []
        for slot in slots.sorted() {
            if let last = ranges.last, last[1] == slot - 1 {
                ranges[ranges.count - 1][1] = slot
            } else {
                ranges.append([slot, slot])
            }
        }
        return TreeEncodingCoverage(
            clients: encoded.clients, highestSlot: encoded.highestSlot, slotRanges: ranges, digest: encoded.digest,
            directory: DirectorySnapshot(entries: directory), layout: layout == .directorySlots ? nil : layout)
    }

    /// The map from an encoded client's directory slot to its position in the ciphertexts
    /// (batch `position / N`, slot `position % N`): the slot itself in the directory layout;
    /// in the dense layout the slot's rank among the encoded slots (``slotRanges`` read in
    /// order), so position `d` holds the `d`-th encoded client in slot order. The map returns
    /// `nil` for a slot that was not encoded. Built once in O(ranges); each lookup is a binary
    /// search.
    ///
    /// - Parameter source: the inputs or scores file, for messages.
    /// - Returns: the map.
    /// - Throws: ``TreeScoringError/coverageMismatch(source:reason:)`` (exit 65) when
    ///   ``slotRanges`` are not ascending disjoint pairs (an altered record).
    public func positionMap(source: String) throws(TreeScoringError) -> @Sendable (Int64) -> Int64? {
        var previous: Int64 = -1
        var starts: [Int64] = []
        starts.reserveCapacity(slotRanges.count)
        var covered: Int64 = 0
        for range in slotRanges {
            guard range.count == 2, range[0] > previous, range[0] <= range[1] else {
                throw .coverageMismatch(source: source, reason: "field coverage.slotRanges: not ascending disjoint ranges of two slots")
            }
            starts.append(covered)
            let (width, overflow) = (range[1] - range[0]).addingReportingOverflow(1)
            guard !overflow, covered <= Int64.max - width else {
                throw .coverageMismatch(source: source, reason: "field coverage.slotRanges: more slots than can be counted")
            }
            covered += width
            previous = range[1]
        }
        let ranges = slotRanges
        let offsets = starts
        let dense = effectiveLayout == .dense
        return { slot in
            var low = 0
            var high = ranges.count
            while low < high {   // the first range starting after `slot`
                let middle = low + (high - low) / 2
                if ranges[middle][0] <= slot { low = middle + 1 } else { high = middle }
            }
            guard low > 0, slot <= ranges[low - 1][1] else { return nil }
            return dense ? offsets[low - 1] + (slot - ranges[low - 1][0]) : slot
        }
    }

    /// Checks the record against a directory snapshot: the store's directory must be the one
    /// the bits were encoded against.
    ///
    /// - Parameters:
    ///   - current: the directory's snapshot now (read inside the caller's transaction).
    ///   - source: the scores file, for messages.
    /// - Throws: ``TreeScoringError/staleDirectory(source:encodedOn:now:)`` (exit 65), counts only.
    public func check(current: DirectorySnapshot, source: String) throws(TreeScoringError) {
        guard current == directory else {
            throw .staleDirectory(source: source, encodedOn: directory.clients, now: current.clients)
        }
    }

    /// Checks the record against the store's directory now and returns the slots whose scores
    /// may be released.
    ///
    /// The record reaches the key holder in a header the evaluator writes, unsigned: after the
    /// snapshot check, its counts and ranges are bounded by the directory just checked before
    /// anything is built from them, and slots are looked up in the ranges (binary search), never
    /// enumerated from them.
    ///
    /// - Parameters:
    ///   - directory: the store's directory now.
    ///   - source: the scores file, for messages.
    /// - Returns: the encoded slots.
    /// - Throws: ``TreeScoringError/staleDirectory(source:encodedOn:now:)`` (exit 65) when the
    ///   directory changed since encoding, ``TreeScoringError/coverageMismatch(source:reason:)``
    ///   (exit 65) when the record is inconsistent. Messages name counts only.
    public func check(directory entries: [(client: Pseudonym, slot: Int64)], source: String) throws(TreeScoringError) -> Set<Int64> {
        try check(current: DirectorySnapshot(entries: entries), source: source)
        // `directory` (the snapshot) now equals the store's directory: bound the record by it.
        guard clients >= 0, clients <= directory.clients else {
            throw .coverageMismatch(
                source: source, reason: "field coverage.clients: \(clients) clients recorded as encoded, the directory holds \(directory.clients)")
        }
        guard highestSlot <= directory.highestSlot else {
            throw .coverageMismatch(source: source, reason: "field coverage.highestSlot: beyond the directory's highest slot \(directory.highestSlot)")
        }
        guard slotRanges.count <= clients else {
            throw .coverageMismatch(source: source, reason: "field coverage.slotRanges: more ranges than the \(clients) clients recorded")
        }
        var covered: Int64 = 0
        var previous: Int64 = -1
        for range in slotRanges {
            // Each range inside [0, highestSlot] and after the previous one: the sum cannot overflow.
            guard range.count == 2, range[0] > previous, range[0] <= range[1], range[1] <= highestSlot else {
                throw .coverageMismatch(source: source, reason: "field coverage.slotRanges: not ascending disjoint ranges within the encoded slots")
            }
            covered += range[1] - range[0] + 1
            previous = range[1]
        }
        guard covered == Int64(clients) else {
            throw .coverageMismatch(source: source, reason: "field coverage.slotRanges: \(covered) slots for the \(clients) clients recorded")
        }
        let encoded = entries.filter { Self.slot($0.slot, isIn: slotRanges) }
        let slots = Set(encoded.map(\.slot))
        guard slots.count == clients, encoded.count == clients, (slots.max() ?? -1) == highestSlot,
              SlotLayoutDigest.digest(encoded, domain: Self.domain(of: effectiveLayout)).digest == digest else {
            throw .coverageMismatch(
                source: source, reason: "field coverage: \(clients) clients recorded as encoded, \(encoded.count) of the directory's slots match the record")
        }
        return slots
    }

    /// Whether `slot` lies in one of `ranges` (ascending, disjoint closed ranges of two bounds),
    /// by binary search.
    static func slot(_ slot: Int64, isIn ranges: [[Int64]]) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {   // the first range starting after `slot`
            let middle = low + (high - low) / 2
            if ranges[middle][0] <= slot { low = middle + 1 } else { high = middle }
        }
        return low > 0 && slot <= ranges[low - 1][1]
    }
}
