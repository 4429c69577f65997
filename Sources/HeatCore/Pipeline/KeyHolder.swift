import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// One client's decrypted heat and trend, as the key holder sees it inside the vault.
public struct DecryptedHeat: Sendable, Hashable, Codable {
    /// The client's pseudonym.
    public var pseudonym: Pseudonym
    /// The client's directory slot index.
    public var slot: Int64
    /// The client's heat.
    public var heat: Int
    /// The client's trend (signed).
    public var trend: Int

    /// Creates a value.
    ///
    /// - Parameters:
    ///   - pseudonym: the client's pseudonym.
    ///   - slot: the slot index.
    ///   - heat: the heat.
    ///   - trend: the trend.
    public init(pseudonym: Pseudonym, slot: Int64, heat: Int, trend: Int) {
        self.pseudonym = pseudonym
        self.slot = slot
        self.heat = heat
        self.trend = trend
    }
}

/// The key holder role (DESIGN.md section 1): decrypts the evaluator's output inside the vault
/// and derives what BFV cannot compute (levels, cooling flags, histograms) in plaintext there.
///
/// Only a key holder folder can be loaded (``KeyFolder`` with role `keyholder`). Decryption
/// goes through HeatFHE's public ``HeatFHE/BfvDecryptor`` only. For a manager's release,
/// ``decrypt(run:store:manager:)`` first multiplies each ciphertext by a plaintext mask (1 in
/// that manager's clients' slots, 0 elsewhere), so the decrypted plaintext holds no other
/// manager's values: every other slot decrypts to zero.
///
/// ```swift
/// let keyHolder = try KeyHolder(folder: KeyFolder(path: "keys/keyholder", role: .keyholder))
/// let run = try EncryptedHeatRun.read(from: URL(filePath: "run.heat"), context: keyHolder.context)
/// let values = try keyHolder.decrypt(run: run, store: store)      // [DecryptedHeat] by slot
/// ```
public struct KeyHolder: Sendable {
    /// The BFV context.
    public let context: BfvContext<UInt64>
    let decryptor: BfvDecryptor<UInt64>
    /// Receives every slot vector ``decrypt(run:store:manager:)`` decrypts (tests check that a
    /// manager's release never decrypts another manager's slot).
    var slotObserver: (@Sendable (_ slots: [Int64]) -> Void)?
    /// The store verification key of the folder's signing key, when the folder holds one (issue
    /// 27): the directory versions are verified under it before aggregates are decrypted
    /// (``decrypt(aggregates:minGroupSize:store:)``).
    public var trustedKey: StoreVerificationKey?
    /// The FHE key generation of the folder's secret key (issue 27 item 1; generation 1 with an
    /// unknown key id for a folder without `fhe-key.generation`): ``decrypt(run:store:manager:)``
    /// refuses a run computed under another generation. Set only from the folder.
    public private(set) var fheIdentity = FHEKeyIdentity(generation: 1, keyID: nil)

    /// Loads the key holder's folder.
    ///
    /// - Parameter folder: a checked key holder folder (parameters and secret key).
    /// - Throws: ``PipelineError`` for another role's folder or a missing or corrupt key.
    public init(folder: KeyFolder) throws(PipelineError) {
        guard folder.role == .keyholder else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; decryption needs the keyholder folder")
        }
        let context = try PipelineKeys.context(in: folder)
        let (read, source) = try PipelineKeys.read(folder, kind: .fheSecretKey, describedAs: PipelineKeys.secretKeyFile)
        // The wiping loader zeroes the envelope's payload (the only remaining copy of the file's
        // bytes: `Envelope.read` wipes its own buffers) once the key holds `s`.
        var envelope = read
        do {
            self.decryptor = BfvDecryptor(
                secretKey: try SecretKey(wipingEnvelope: &envelope, context: context, source: source))
        } catch {
            throw .fhe(error)
        }
        self.context = context
        self.trustedKey = try? folder.signingKey().verificationKey
        do {
            if let file = try FHEKeyGeneration.read(in: folder) {
                guard file.parametersFingerprint == context.fingerprint.hex else {
                    throw PipelineError.malformed(source: folder.path, reason: "field parametersFingerprint of \(FHEKeyGeneration.fileName) is not the folder's parameters")
                }
                self.fheIdentity = FHEKeyIdentity(generation: file.generation, keyID: file.keyID)
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw .malformed(source: folder.path, reason: "\(FHEKeyGeneration.fileName): \(error)")
        }
    }

    /// Refuses a run computed under another FHE key generation than this folder's (issue 27
    /// item 1): decrypting it would give noise, not values.
    ///
    /// - Parameter header: the run's header.
    /// - Throws: ``FHEKeyError/runGeneration(source:runGeneration:folderGeneration:)``.
    public func requireGeneration(of header: EncryptedHeatRun.Header) throws(FHEKeyError) {
        try requireGeneration(header.fheGeneration, keyID: header.fheKeyID, source: "the run")
    }

    /// Refuses a file computed under another FHE key generation than this folder's: the one check
    /// of heat runs, scores, tree scores, features and aggregates (issue 27 items 1-2). A file
    /// without a generation is of generation 1 (written before its first rotation); a key id is
    /// compared when both the file and the folder record one.
    ///
    /// ```swift
    /// try keyHolder.requireGeneration(scores.header.fheGeneration, keyID: scores.header.fheKeyID, source: "scores.heat")
    /// ```
    ///
    /// - Parameters:
    ///   - generation: the file's generation (`nil`: 1).
    ///   - keyID: the file's key id, if recorded.
    ///   - source: the file, for the message.
    /// - Throws: ``FHEKeyError/runGeneration(source:runGeneration:folderGeneration:)`` (exit 64).
    public func requireGeneration(_ generation: Int64?, keyID: String?, source: String) throws(FHEKeyError) {
        let fileGeneration = generation ?? 1
        let sameKey = keyID == nil || fheIdentity.keyID == nil || keyID == fheIdentity.keyID
        guard fileGeneration == fheIdentity.generation, sameKey else {
            throw .runGeneration(source: source, runGeneration: fileGeneration, folderGeneration: fheIdentity.generation)
        }
    }

    /// Loads the key holder's folder from a path.
    ///
    /// - Parameter path: the key holder folder.
    /// - Throws: ``KeyError`` or ``PipelineError``.
    public init(keysAt path: String) throws {
        try self.init(folder: KeyFolder(path: path, role: .keyholder))
    }

    /// The decrypted slots of a ciphertext, multiplied by a 0/1 mask first when one is given,
    /// refused as ``PipelineError/noNoiseBudget(source:)`` when no noise budget is left
    /// (aggregates, scores, features, tree scores: ``NoiseBudgetRefusal/noNoiseBudget(source:)``).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded ciphertext.
    ///   - mask: per slot whether to keep it; `nil` keeps all.
    ///   - signed: decode centred (the trend) or in `[0, t)` (heat).
    ///   - source: the file, for the message.
    /// - Returns: `N` slot values.
    /// - Throws: ``PipelineError/noNoiseBudget(source:)`` (exit 65); ``PipelineError/fhe(_:)``.
    func decryptSlots(_ ciphertext: Ciphertext<UInt64>, mask: [Bool]?, signed: Bool, source: String = "the ciphertext") throws(PipelineError) -> [Int64] {
        try decryptSlots(ciphertext, mask: mask, signed: signed, refusal: .noNoiseBudget(source: source))
    }

    /// The decrypted slots of a ciphertext (after the 0/1 mask when one is given), refused with
    /// `refusal`'s error when the ciphertext decrypted has no noise budget left: the one
    /// decryption of the key holder's releases (issue 27, session 38).
    ///
    /// The budget is measured with the secret key on the ciphertext actually decrypted, in the
    /// same pass as the decryption (``HeatFHE/BfvDecryptor/decryptMeasuringNoise(_:)``), and its
    /// slots are returned only when budget is left, so noise is never released as values. A
    /// ciphertext computed with another key pair's evaluation key (or altered) is uniformly
    /// random under this secret key (review s37 finding 1); a heat run switched down too far (an
    /// evaluator whose level bound does not hold, another build, a hand-made header) would
    /// decrypt to wrong values without a sign (review s37 MEDIUM 5). ``NoiseBudgetRefusal``
    /// says which is reported.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded ciphertext.
    ///   - mask: per slot whether to keep it; `nil` keeps all.
    ///   - signed: decode centred (the trend) or in `[0, t)` (heat).
    ///   - refusal: what is reported when no budget is left.
    /// - Returns: `N` slot values.
    /// - Throws: `refusal`'s error (exit 65) without budget; ``PipelineError/fhe(_:)``.
    func decryptSlots(_ ciphertext: Ciphertext<UInt64>, mask: [Bool]?, signed: Bool, refusal: NoiseBudgetRefusal) throws(PipelineError) -> [Int64] {
        let decrypted: (slots: [Int64], noiseBudget: Int)
        do {
            decrypted = try Bfv64.decryptSlotsMeasuringNoise(Self.masked(ciphertext, by: mask), decryptor: decryptor, signed: signed)
        } catch {
            throw .fhe(error)
        }
        guard decrypted.noiseBudget > 0 else {
            throw refusal.error(level: ciphertext.level, topLevel: context.topLevel, masked: mask != nil)
        }
        return decrypted.slots
    }

    /// `ciphertext` multiplied by a 0/1 mask prepared at the ciphertext's own level (a heat run is
    /// switched down before it leaves the evaluator, issue 14 item 3); unchanged without a mask.
    static func masked(_ ciphertext: Ciphertext<UInt64>, by mask: [Bool]?) throws(FHEError) -> Ciphertext<UInt64> {
        guard let mask else { return ciphertext }
        let plaintext = try BfvEncoder(context: ciphertext.context).encode(unsigned: mask.map { $0 ? 1 : 0 }, encoding: .batch)
        return try Bfv64.multiply(ciphertext, by: BfvPreparedPlaintext(plaintext, level: ciphertext.level))
    }

    /// The directory's clients: pseudonym, slot and manager pseudonym, by slot.
    static func directory(in store: HeatStore) throws -> [(client: Pseudonym, slot: Int64, manager: Pseudonym?)] {
        try store.read { db in try directory(in: db) }
    }

    /// The client directory inside the caller's transaction, by slot.
    static func directory(in db: Database) throws -> [(client: Pseudonym, slot: Int64, manager: Pseudonym?)] {
        try Row.fetchAll(db, sql: "SELECT pseudonym, slot, manager_pseudonym FROM client_directory ORDER BY slot")
            .compactMap { row -> (client: Pseudonym, slot: Int64, manager: Pseudonym?)? in
                guard let bytes = row.lenientBlob("pseudonym"), let slot = row.lenientInteger("slot") else { return nil }
                return (Pseudonym(kind: .client, bytes: [UInt8](bytes)), slot,
                        row.lenientBlob("manager_pseudonym").map { Pseudonym(kind: .manager, bytes: [UInt8]($0)) })
            }
    }

    /// The client directory and its snapshot, read in one transaction (so the snapshot checked
    /// is the snapshot of the rows used).
    static func directoryAndSnapshot(in store: HeatStore) throws -> (
        entries: [(client: Pseudonym, slot: Int64, manager: Pseudonym?)], snapshot: DirectorySnapshot
    ) {
        let entries = try directory(in: store)
        return (entries, DirectorySnapshot(entries: entries.map { (client: $0.client, slot: $0.slot) }))
    }

    /// The manager pseudonym whose display reference (or full hex) starts with `ref`.
    ///
    /// - Parameters:
    ///   - ref: a manager reference or prefix such as `M-19b0d4aa`.
    ///   - store: the store.
    /// - Returns: the manager's pseudonym.
    /// - Throws: ``PipelineError/unknownManager(ref:matches:)`` when none or several match.
    public static func manager(matching ref: String, in store: HeatStore) throws -> Pseudonym {
        // Managers of the directory and of its versions (a manager may exist only through a move).
        let managers = Set(try directory(in: store).compactMap { $0.manager })
            .union(try DirectoryTimeline.current(in: store).displayRefs.keys.filter { $0.kind == .manager })
        let needle = ref.lowercased().hasPrefix("m-") ? String(ref.dropFirst(2)).lowercased() : ref.lowercased()
        let matches = managers.filter { $0.hex.hasPrefix(needle) }
        guard matches.count == 1, let match = matches.first else {
            throw PipelineError.unknownManager(ref: ref, matches: matches.count)
        }
        return match
    }

    /// Decrypts a run's heat and trend for the store's clients.
    ///
    /// With `manager`, each batch's ciphertexts are first multiplied by a mask keeping only that
    /// manager's clients' slots, so nothing else is ever decrypted, and only those clients are
    /// returned. Clients in batches without ciphertexts (no activity) get heat and trend 0.
    /// A run switched down the modulus chain is decrypted only when each ciphertext (after the
    /// mask) still has noise budget, measured with the secret key: a run switched down too far is
    /// refused (exit 65, field `level`) rather than decrypted to wrong values.
    ///
    /// - Parameters:
    ///   - run: the evaluator's output (made for this key holder's parameters).
    ///   - store: the store (its client directory maps slots to clients).
    ///   - manager: release only this manager's clients, or `nil` for all.
    /// - Returns: one value per client, by slot.
    /// - Throws: ``PipelineError``, ``StoreError``.
    public func decrypt(run: EncryptedHeatRun, store: HeatStore, manager: Pseudonym? = nil) throws -> [DecryptedHeat] {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(
                source: "the run", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        try requireGeneration(of: run.header)
        // Issue 27: on a store whose directory has versions, every version must be signed under
        // the key holder's key (exit 1 otherwise) and be the one the run was computed under (exit
        // 65), and a manager's clients are those assigned to it (and open) at the run's reference
        // week, which must parse (exit 65): all in one read, so the mask is chosen from the
        // versions verified (review s35 HIGH 2, MEDIUM 3).
        let clients = try store.read { db -> [(client: Pseudonym, slot: Int64, manager: Pseudonym?)] in
            let directory = try Self.directory(in: db)
            guard try DirectoryTimeline.version(in: db) != nil else {
                return directory.filter { manager == nil || $0.manager == manager }
            }
            let current = try DirectoryVersion.verifiedVersion(in: db, key: trustedKey)
            guard run.header.directoryVersion == current else {
                throw PipelineError.directoryVersionMismatch(source: "the run", computed: run.header.directoryVersion, current: current)
            }
            guard let manager else { return directory }
            guard let week = try? ISOWeek(parsing: run.header.asOfWeek) else {
                throw PipelineError.malformed(source: "the run", reason: "field asOfWeek: \"\(run.header.asOfWeek)\" is not an ISO week, so the manager's clients cannot be placed in the directory versions")
            }
            let timeline = try DirectoryTimeline.read(in: db)
            return directory.filter { client in
                guard let assignment = timeline.assignment(slot: client.slot, week: week) else { return false }
                return assignment.active && assignment.manager == manager
            }
        }
        let n = context.degree
        var byBatch: [Int: [(client: Pseudonym, slot: Int64)]] = [:]
        for client in clients { byBatch[Int(client.slot) / n, default: []].append((client.client, client.slot)) }
        var result: [DecryptedHeat] = []
        for batch in byBatch.keys.sorted() {
            guard let members = byBatch[batch] else { continue }
            guard let heatCiphertext = run.heat[batch], let trendCiphertext = run.trend[batch] else {
                result += members.map { DecryptedHeat(pseudonym: $0.client, slot: $0.slot, heat: 0, trend: 0) }
                continue
            }
            var mask: [Bool]?
            if manager != nil {
                var keep = [Bool](repeating: false, count: n)
                for member in members { keep[Int(member.slot) % n] = true }
                mask = keep
            }
            let heat = try decryptSlots(heatCiphertext, mask: mask, signed: false, refusal: .runLevel(name: "batch \(batch) heat"))
            let trend = try decryptSlots(trendCiphertext, mask: mask, signed: true, refusal: .runLevel(name: "batch \(batch) trend"))
            slotObserver?(heat)
            slotObserver?(trend)
            for member in members {
                let offset = Int(member.slot) % n
                result.append(DecryptedHeat(pseudonym: member.client, slot: member.slot, heat: Int(heat[offset]), trend: Int(trend[offset])))
            }
        }
        return result.sorted { $0.slot < $1.slot }
    }

    /// Heat scores (level and cooling derived here, in plaintext) keyed by pseudonym hex, the
    /// shape of ``StoreHeat/scores(in:configuration:asOf:)``; each score's `clientID` is the
    /// client's display reference.
    ///
    /// - Parameters:
    ///   - values: decrypted values.
    ///   - configuration: the heat configuration (levels and the cooling rule).
    ///   - store: the store (for display references).
    /// - Returns: scores by pseudonym hex.
    /// - Throws: ``StoreError``.
    public static func scores(
        _ values: [DecryptedHeat], configuration: HeatConfiguration, store: HeatStore
    ) throws -> [String: HeatScore] {
        let refs = Pseudonymizer.displayRefs(for: try directory(in: store).map { $0.client })
        var scores: [String: HeatScore] = [:]
        for value in values {
            scores[value.pseudonym.hex] = HeatScore(
                clientID: refs[value.pseudonym] ?? value.pseudonym.displayRef, heat: value.heat, trend: value.trend,
                level: configuration.level(forHeat: value.heat),
                cooling: configuration.isCooling(heat: value.heat, trend: value.trend))
        }
        return scores
    }

    /// The smallest remaining noise budget (bits) over the run's ciphertexts.
    ///
    /// - Parameter run: the evaluator's output.
    /// - Returns: the budget in bits.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func noiseBudget(of run: EncryptedHeatRun) throws(PipelineError) -> Int {
        var budget = Int.max
        do {
            for ciphertext in Array(run.heat.values) + Array(run.trend.values) {
                budget = min(budget, try Bfv64.noiseBudget(ciphertext, mask: nil, decryptor: decryptor))
            }
        } catch {
            throw .fhe(error)
        }
        return budget == Int.max ? 0 : budget
    }

    /// The smallest noise budget (bits) left after a release mask: each ciphertext multiplied by
    /// a plaintext keeping every other slot (a mask with coefficients spread over all of `Z_t`,
    /// as a manager's mask is), which is what a manager's release decrypts.
    ///
    /// - Parameter run: the evaluator's output.
    /// - Returns: the budget in bits.
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func maskedNoiseBudget(of run: EncryptedHeatRun) throws(PipelineError) -> Int {
        var budget = Int.max
        do {
            let mask = (0..<context.degree).map { $0 % 2 == 0 }
            for ciphertext in Array(run.heat.values) + Array(run.trend.values) {
                budget = min(budget, try Bfv64.noiseBudget(Self.masked(ciphertext, by: mask), mask: nil, decryptor: decryptor))
            }
        } catch {
            throw .fhe(error)
        }
        return budget == Int.max ? 0 : budget
    }
}
