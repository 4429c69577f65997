import HeatEnvelope
import HeatFHE

/// What can go wrong in the encrypted pipeline (collector, evaluator, key holder).
///
/// ```swift
/// do {
///     _ = try HeatPacking.preset(for: configuration)
/// } catch let error as PipelineError {
///     print(error.category.exitCode)   // 69 when no preset fits
/// }
/// ```
public enum PipelineError: ClassifiedError, Equatable {
    /// No BFV preset has a plaintext modulus large enough for the configuration's heat and trend.
    case noPresetFits(maximumHeat: Int, maximumTrend: Int)
    /// The keys were made for a preset whose plaintext modulus is too small for the configuration.
    case presetTooSmall(preset: String, plaintextModulus: UInt64, maximumHeat: Int, maximumTrend: Int, fitting: String?)
    /// The preset is not usable by the pipeline (32-bit presets are not supported yet).
    case unsupportedPreset(name: String, reason: String)
    /// The role folder lacks an FHE file the role needs.
    case missingFHEKey(folder: String, file: String)
    /// An FHE operation or file failed.
    case fhe(FHEError)
    /// Stored ciphertexts or a run file were made for other parameters than the keys.
    case parameterMismatch(source: String, expected: String, found: String)
    /// The heat configuration differs from the one the stored ciphertexts were packed with.
    case configurationMismatch(expected: String, found: String)
    /// A run file or stored object is malformed.
    case malformed(source: String, reason: String)
    /// The store holds no ciphertexts (nothing was ingested in encrypted mode).
    case noCiphertexts(path: String)
    /// The collector's sealed state could not be opened (another pseudonymisation key, or tampering).
    case sealedStateUnreadable(week: String, batch: Int)
    /// A store with encrypted data was asked for plaintext-only work, or the reverse.
    case modeMismatch(path: String, reason: String)
    /// The manager reference matches no manager, or more than one.
    case unknownManager(ref: String, matches: Int)
    /// The plaintext modulus cannot hold the largest possible group sum of the aggregates (exit 69).
    case aggregateSumTooLarge(preset: String, bound: String, fitting: String?)
    /// The policy refuses the request (exit 77), e.g. aggregates computed with a smaller `k`
    /// than the policy's; nothing was decrypted.
    case policyRefused(PolicyRefusal)
    /// The worst-case noise of the aggregates' plan is less than `requiredBits` under the flooding
    /// width, so the flood would not hide the computation (exit 69; ``AggregateNoiseBudget``).
    case noiseMarginTooSmall(preset: String, marginBits: Int, requiredBits: Int, fitting: String?)
    /// The worst-case noise of a stage would not decrypt under the parameters (exit 69).
    case noiseBoundExceeded(preset: String, stage: String, boundBits: Int, limitBits: Int)
    /// A heat run kept at the top level would not decrypt after a release (exit 69; issue 27,
    /// ``TopLevelReleaseBound``): for `batch` and `release` (an executive release without mask,
    /// or a manager's mask), the high-probability bound on the released noise (`2^boundBits`,
    /// probability `2^-64` under the independence model) reaches the key holder's measured
    /// budget (`2^limitBits`). `fitting` names a larger preset whose worst case holds the run
    /// (`nil` when none does). Nothing is written or logged.
    case topLevelReleaseBoundExceeded(preset: String, batch: Int, release: String, boundBits: Int, limitBits: Int, fitting: String?)
    /// The run given to the aggregates does not match what they are computed with (exit 65): its
    /// ``EncryptedHeatRun/Header/configurationHash`` is not the configuration's, or its
    /// ``EncryptedHeatRun/Header/inputHash`` is not the store's ciphertext chain up to
    /// ``EncryptedHeatRun/Header/ciphertextsThroughSeq`` (another store, or another configuration
    /// or week), so the noise bound counted from the store would not describe the run.
    case runMismatch(field: String, expected: String, found: String)
    /// The task running a streaming stage was cancelled (issue 14): it stopped between two
    /// windows of slot batches (the evaluator) or two chunks of (week, batch) groups (the
    /// collector) with `done` of `total` items done, and nothing was written or logged (exit 75:
    /// run it again).
    case cancelled(stage: String, done: Int, total: Int)
    /// A run or aggregates file was computed under another directory version than the store's
    /// now (exit 65): a client moved, or an account was closed, after it was computed (issue 27,
    /// ``DirectoryTimeline/version(in:)``). `nil` means no version was recorded.
    case directoryVersionMismatch(source: String, computed: String?, current: String?)
    /// A key folder or file is not of the FHE key generation it is used with (issue 27): a stale,
    /// swapped or foreign evaluation key, or a file computed under another generation than the
    /// key holder's folder. The message, hint and exit code are the wrapped error's (64 for
    /// ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` and
    /// ``FHEKeyError/runGeneration(source:runGeneration:folderGeneration:)``).
    case fheKey(FHEKeyError)
    /// A key file could not be read: a truncated or corrupt evaluation key fails its envelope
    /// checksum (exit 65), a generation file that is not one is malformed (exit 65). The message,
    /// hint and exit code are the wrapped error's.
    case keyFile(KeyError)
    /// A ciphertext the key holder was asked to decrypt has no noise budget left under its secret
    /// key (review s37 finding 1): it was computed with an evaluation or public key of another key
    /// pair (a swapped Galois or relinearization key whose binding was rewritten), or altered, and
    /// its slots would decrypt to noise (exit 65). Nothing is released.
    case noNoiseBudget(source: String)
    /// A heat run given to a release is not a logged evaluation (issue 27, review s39 erase27d
    /// M1): its output hash matches no `evaluate` run of the store's computation log, nor the
    /// merge of logged `evaluate.shard` parts (exit 65). The run was altered after the evaluation
    /// (for example two directory periods' parts swapped, which keeps every per-client sum) or
    /// comes from another store. Nothing is decrypted or released.
    case unloggedRun(source: String, outputHash: String)
    /// The run's output hash is logged, by computation run `run`, but without the inputs a release
    /// checks (the directory version and the erased slots, recorded from session 41 on; issue 27,
    /// review s40 erase27e M2; exit 65): re-run `heatctl evaluate` and release the new run.
    case runLoggedWithoutInputs(source: String, run: Int64)
    /// A part of a sharded run (`evaluate --shard I/N`) was given where a whole run is needed
    /// (issue 27, review s40 erase27e L1; exit 65): merge the parts first.
    case runIsAPart(source: String, shard: String)
    /// The store's `computation_runs` chain does not verify up to the row a file is checked
    /// against (issue 27, review s40 erase27e M2; exit 65): a row was inserted, edited or
    /// deleted outside `heatctl`, so the log cannot vouch for the file. Nothing is decrypted.
    case computationLogBroken(source: String, violation: String)
    /// Two logged `evaluate` runs with the same inputs (input hash, reference week, ciphertexts
    /// read, configuration, directory version and erased slots) carry different output hashes
    /// (issue 27, review s40 erase27e M2; exit 65). Evaluation is deterministic, so one of them
    /// was not written by an honest evaluator; nothing is decrypted until an auditor re-runs them.
    case conflictingEvaluations(source: String, runs: [Int64])
    /// An aggregates file given to a release is not the logged output of the aggregates of a
    /// logged evaluation (issue 27, review s40 erase27e H1; exit 65): its output hash is not the
    /// one `evaluate --aggregates-out` logged for the run it names (edited after it was written,
    /// for example two groups' ciphertext pairs swapped), or the run it names is not logged,
    /// or it was written before aggregates were logged. Nothing is decrypted.
    case unloggedAggregates(source: String, reason: String)
    /// An aggregates file's group totals differ from the key holder's own totals of the same
    /// groups: the week-attributed totals of the run's directory periods, or the sums of the
    /// members' decrypted values (issue 27, review s40 erase27e H1, s42 agg27f M1; exit 65):
    /// `group` is the first group that differs (its pseudonymous label), `field` what differs.
    /// Nothing is released.
    case aggregatesDisagreeWithRun(source: String, group: String, field: String)
    /// An aggregates file released without a run was computed for another week than the one
    /// `--as-of` names (review s42 agg27f M3; exit 65): `computed` and `release` are the two ISO
    /// weeks. Nothing is decrypted.
    case aggregatesOfAnotherWeek(source: String, computed: String, release: String)

    public var category: ErrorCategory {
        switch self {
        case .noPresetFits, .presetTooSmall, .unsupportedPreset: .unavailable
        case .missingFHEKey, .noCiphertexts: .noInput
        case .fhe(let error): error.category
        case .parameterMismatch, .malformed, .sealedStateUnreadable: .dataError
        case .configurationMismatch: .configuration
        case .modeMismatch, .unknownManager: .usage
        case .aggregateSumTooLarge: .unavailable
        case .policyRefused(let refusal): refusal.category
        case .noiseMarginTooSmall, .noiseBoundExceeded, .topLevelReleaseBoundExceeded: .unavailable
        case .runMismatch: .dataError
        case .cancelled: .temporaryFailure
        case .directoryVersionMismatch: .dataError
        case .fheKey(let error): error.category
        case .keyFile(let error): error.category
        case .noNoiseBudget: .dataError
        case .unloggedRun: .dataError
        case .runLoggedWithoutInputs, .runIsAPart, .computationLogBroken, .conflictingEvaluations, .unloggedAggregates, .aggregatesDisagreeWithRun, .aggregatesOfAnotherWeek: .dataError
        }
    }

    public var description: String {
        switch self {
        case .noPresetFits(let heat, let trend):
            "no BFV preset fits this heat configuration: heat up to \(heat) and trend up to +/-\(trend) need a plaintext modulus above \(HeatPacking.requiredPlaintextModulus(maximumHeat: heat, maximumTrend: trend) - 1)"
        case .presetTooSmall(let preset, let t, let heat, let trend, _):
            "preset \(preset) (t = \(t)) is too small for this heat configuration (heat up to \(heat), trend up to +/-\(trend))"
        case .unsupportedPreset(let name, let reason):
            "preset \(name) cannot run the encrypted pipeline: \(reason)"
        case .missingFHEKey(let folder, let file):
            "\(folder): no \(file) (FHE keys are written by `heatctl keys generate --preset NAME`)"
        case .fhe(let error):
            error.description
        case .parameterMismatch(let source, let expected, let found):
            "\(source) was made for FHE parameters \(found), the keys are for \(expected)"
        case .configurationMismatch(let expected, let found):
            "the heat configuration (packing hash \(found.prefix(12))) differs from the one the stored ciphertexts were packed with (\(expected.prefix(12)))"
        case .malformed(let source, let reason):
            "\(source): \(reason)"
        case .noCiphertexts(let path):
            "\(path): the store holds no ciphertexts"
        case .sealedStateUnreadable(let week, let batch):
            "the collector's sealed state for \(week), batch \(batch) cannot be opened with this pseudonymisation key"
        case .modeMismatch(let path, let reason):
            "\(path): \(reason)"
        case .unknownManager(let ref, let matches):
            matches == 0 ? "manager \(ref) is not in the client directory" : "manager \(ref) matches \(matches) managers; give more digits"
        case .aggregateSumTooLarge(let preset, let bound, let fitting):
            "preset \(preset) cannot hold the largest possible group sum (\(bound)) of the aggregates\(fitting == nil ? "; no preset can" : "")"
        case .policyRefused(let refusal):
            refusal.description
        case .noiseMarginTooSmall(let preset, let margin, let required, _):
            "preset \(preset) keeps only \(margin) bits between the worst-case noise of these aggregates and the flooding width; \(required) are required for the flood to hide the computation"
        case .noiseBoundExceeded(let preset, let stage, let bound, let limit):
            "the worst-case noise of the \(stage) (2^\(bound)) would not decrypt under preset \(preset) (limit 2^\(limit))"
        case .topLevelReleaseBoundExceeded(let preset, let batch, let release, let bound, let limit, _):
            "the heat run stays at the top level of preset \(preset), and in batch \(batch) the noise after \(release) is bounded only by 2^\(bound) (with probability 1 - 2^-64 under the independence model), not under the key holder's decryption budget 2^\(limit): the run would not decrypt; nothing was written"
        case .runMismatch(let field, let expected, let found):
            "the run's \(field) (\(found)) does not match the \(field) of the store and configuration given (\(expected)); its noise and groups cannot be checked"
        case .cancelled(let stage, let done, let total):
            total == 0
                ? "the \(stage) was cancelled after \(done) rows of the export were read; nothing was written or logged"
                : stage.hasPrefix("aggregates")
                ? "the \(stage) were cancelled with \(done) of \(total) items done; the heat run stays as evaluated and logged, no aggregates file was written"
                : "the \(stage) was cancelled with \(done) of \(total) items done (slot batches, groups of the aggregates, or bucket totals when encrypting); nothing was written or logged"
        case .directoryVersionMismatch(let source, let computed, let current):
            "\(source): field directoryVersion: computed under directory version \(computed ?? "none"), the store's directory is now at \(current ?? "none") (a client moved or an account was closed since); its groups would be attributed with a stale directory"
        case .fheKey(let error):
            error.description
        case .keyFile(let error):
            error.description
        case .noNoiseBudget(let source):
            "\(source): a ciphertext has no noise budget left under the key holder's secret key (computed with an evaluation or public key of another key pair, or altered); its slots would decrypt to noise, so nothing is released"
        case .unloggedRun(let source, let hash):
            "\(source): the run is not a logged evaluation: its output hash \(hash.prefix(16))… matches no `evaluate` run of the store's computation log with the run's inputs (input hash, as-of, ciphertexts read, configuration) (nor a merge of logged `evaluate.shard` parts); the file was altered after the evaluation or comes from another store, so nothing is decrypted or released"
        case .runLoggedWithoutInputs(let source, let run):
            "\(source): computation run \(run) logged this run before session 41, without the directory version and erased slots a release now checks the log row against; nothing is decrypted or released"
        case .runIsAPart(let source, let shard):
            "\(source): the run is part \(shard) of a sharded evaluation, not a whole run; nothing is decrypted or released"
        case .computationLogBroken(let source, let violation):
            "\(source): the store's computation log does not verify (\(violation)); it cannot vouch for the file, so nothing is decrypted or released"
        case .conflictingEvaluations(let source, let runs):
            "\(source): computation runs \(runs.map { String($0) }.joined(separator: " and ")) are `evaluate` runs with the same inputs but different output hashes; evaluation is deterministic, so one of them was not logged by an honest evaluator and nothing is decrypted or released"
        case .unloggedAggregates(let source, let reason):
            "\(source): the aggregates are not the logged output of this store's evaluation: \(reason); nothing is decrypted or released"
        case .aggregatesDisagreeWithRun(let source, let group, let field):
            "\(source): group \(group): the \(field) differs from the key holder's own total of the group (the week-attributed total of the run's directory periods, or the sum of its members' decrypted values): the file was altered, computed from another run, or computed before the store changed (clients joined or were erased, or ciphertexts arrived for a week of the window); nothing is released"
        case .aggregatesOfAnotherWeek(let source, let computed, let release):
            "\(source): the aggregates were computed for week \(computed), not for the week of the release (\(release), --as-of); nothing is decrypted or released"
        }
    }

    public var hint: String? {
        switch self {
        case .noPresetFits: "lower the caps, weights, window or decay scale (heatctl fhe params lists the presets)"
        case .presetTooSmall(_, _, _, _, let fitting):
            fitting.map { "generate keys with `heatctl keys generate --preset \($0)`" } ?? "lower the caps, weights, window or decay scale"
        case .unsupportedPreset: "use a 64-bit preset such as n8192-logq217-logt25"
        case .missingFHEKey: "run `heatctl keys generate --out DIR --preset NAME` and pass DIR/<role>"
        case .fhe(let error): error.hint
        case .parameterMismatch: "use the key folders generated together with the store's ciphertexts"
        case .configurationMismatch: "evaluate with the --config the collector ingested with (or re-ingest)"
        case .malformed: "re-run the step that wrote the file"
        case .noCiphertexts: "ingest an export without --plaintext first"
        case .sealedStateUnreadable: "ingest with the collector folder that wrote the store"
        case .modeMismatch: nil
        case .unknownManager: "list managers with `heatctl clients --store DB`"
        case .aggregateSumTooLarge(_, _, let fitting):
            fitting.map { "generate keys with `heatctl keys generate --preset \($0) --aggregates`" } ?? "lower the caps, weights or decay scale, or split the groups"
        case .policyRefused(let refusal): refusal.hint
        case .noiseMarginTooSmall(_, _, _, let fitting):
            fitting.map { "generate keys with `heatctl keys generate --preset \($0) --aggregates` (it keeps the margin)" }
                ?? "no preset fits: no preset keeps the margin for these groups; split the groups, shorten the window or ingest fewer times per week"
        case .topLevelReleaseBoundExceeded(_, _, _, _, _, let fitting):
            fitting.map { "generate keys with a larger preset, `heatctl keys generate --preset \($0)` (its worst case holds this run), and ingest again" }
                ?? "no preset holds this run's worst case: shorten the window or ingest fewer times per week"
        case .noiseBoundExceeded:
            "use a preset with a larger ciphertext modulus, a shorter window or fewer ingestion runs per week"
        case .runMismatch:
            "compute the aggregates from a run evaluated on this store with this configuration (`heatctl evaluate --aggregates-out`)"
        case .cancelled:
            "run the command again; the store is as it was before"
        case .directoryVersionMismatch:
            "re-run `heatctl evaluate` (with --aggregates-out) on the store as it is now; `heatctl audit log --kind directory.move` lists the changes"
        case .fheKey(let error): error.hint
        case .keyFile(let error): error.hint
        case .noNoiseBudget:
            "check the evaluator folder: its Galois and relinearization keys must be the ones this key holder's `keys generate --aggregates`, `keys rotate --fhe` or `trees relin-key` wrote; then re-run `heatctl evaluate`"
        case .unloggedRun:
            "release the file `heatctl evaluate --out` (or `--merge` of its logged parts) wrote on this store; `heatctl audit log --kind computation` lists the logged runs and their output hashes"
        case .runLoggedWithoutInputs:
            "re-run `heatctl evaluate` (with --aggregates-out if you release aggregates) on the store and release the new run"
        case .runIsAPart:
            "merge all parts with `heatctl evaluate --merge part-*.heat --out run.heat` and release the merged run"
        case .computationLogBroken:
            "run `heatctl audit verify --store DB --keys DIR/auditor` to find the change; restore a verified backup"
        case .conflictingEvaluations:
            "have the auditor re-run both evaluations (Docs/Operations.md section 6) and compare their output hashes; `heatctl audit log --kind computation` lists them"
        case .unloggedAggregates:
            "release the file `heatctl evaluate --aggregates-out` wrote on this store for that run (re-run `heatctl evaluate --aggregates-out` for a run logged before aggregates were logged); `heatctl audit log --kind computation` lists the logged outputs"
        case .aggregatesDisagreeWithRun:
            "re-run `heatctl evaluate --aggregates-out` and release that file with its run (--run), or release the run without --aggregates (its members' values or its periods give the groups' totals)"
        case .aggregatesOfAnotherWeek:
            "leave out --as-of (the release is then of the file's week), give a date in the file's week, or run `heatctl evaluate --as-of DATE --aggregates-out` for the week to release"
        }
    }
}
