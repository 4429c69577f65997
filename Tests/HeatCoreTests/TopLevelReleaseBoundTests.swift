import Foundation
import GRDB
import HeatEnvelope
@testable import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (session 42; review s37 pipe14b MEDIUM 1, s38 erase27c MEDIUM 1, s40 erase27e M1):
/// a heat run kept at the top level is checked there once, with a high-probability bound on the
/// released noise against the exact product of the erased-slot mask and each release mask. On
/// `n8192-logq217-logt41` with one erased client the worst case refuses every level; the bound
/// accepts a store with one export (the run is written and every release decrypts equal to the
/// plaintext twin) and refuses a store with many exports per week (exit 69 naming a larger
/// preset, nothing written).
@Suite(.serialized) struct TopLevelReleaseBoundTests {
    static let preset = "n8192-logq217-logt41"

    // MARK: The unit of the bound

    /// `a b` in `Z[x]/(x^N + 1)`, by the definition: `x^N = -1`.
    static func schoolbook(_ a: [Int64], _ b: [Int64]) -> [BigInt] {
        let n = a.count
        var out = [BigInt](repeating: BigInt(0), count: n)
        for i in 0..<n {
            for j in 0..<n {
                let term = BigInt(Int(a[i])) * BigInt(Int(b[j]))
                if i + j < n { out[i + j] = out[i + j] + term } else { out[i + j - n] = out[i + j - n] - term }
            }
        }
        return out
    }

    /// The exact product on a small ring (N = 16, the preset's three primes) equals the
    /// negacyclic schoolbook product over the integers, for coefficients up to `2^40` (products
    /// up to `2^84`, far beyond 64 bits and with both signs); a ring whose modulus cannot hold
    /// the product is refused rather than wrapped.
    @Test func theExactProductIsTheNegacyclicProductOverTheIntegers() throws {
        let moduli: [UInt64] = [18_014_398_508_400_641, 18_014_398_508_138_497, 18_014_398_507_892_737]
        let ring = try RnsContext<UInt64>(degree: 16, moduli: moduli)
        var generator = SeededGenerator(seed: 42)
        for round in 0..<20 {
            let width: Int64 = round < 10 ? 1 << 40 : 5
            let a = (0..<16).map { _ in Int64.random(in: -width...width, using: &generator) }
            let b = (0..<16).map { _ in Int64.random(in: -width...width, using: &generator) }
            let exact = try TopLevelReleaseBound.exactProduct(a, b, ring: ring)
            #expect(exact == Self.schoolbook(a, b), "round \(round)")
        }
        // x^15 * x = x^16 = -1: the sign of the wrap-around.
        var x15 = [Int64](repeating: 0, count: 16)
        x15[15] = 3
        var x1 = [Int64](repeating: 0, count: 16)
        x1[1] = 5
        #expect(try TopLevelReleaseBound.exactProduct(x15, x1, ring: ring) == [BigInt(-15)] + [BigInt](repeating: BigInt(0), count: 15))
        let small = try RnsContext<UInt64>(degree: 16, moduli: [moduli[0]])
        let big = [Int64](repeating: 1 << 40, count: 16)
        #expect(throws: PipelineError.self) { _ = try TopLevelReleaseBound.exactProduct(big, big, ring: small) }
    }

    /// On the preset's ring (N = 8192), the exact product of two masks reduced modulo `t` is the
    /// mask of the slots both keep (the batch encoding is a ring isomorphism), and the cheap
    /// Young bound is never below the exact norm.
    @Test func theProductOfTwoMasksIsTheMaskOfTheirIntersectionAndYoungBoundsItsNorm() throws {
        let context = try BfvContext<UInt64>(parameters: BfvParameters(preset: Self.preset))
        let n = context.degree
        let t = Int64(context.parameters.plaintextModulus)
        var generator = SeededGenerator(seed: 7)
        var first = [Bool](repeating: true, count: n)
        first[Int.random(in: 0..<n, using: &generator)] = false
        let second = (0..<n).map { _ in Int.random(in: 0..<10, using: &generator) == 0 }
        let p1 = try TopLevelReleaseBound.centredMask(first, context: context)
        let p2 = try TopLevelReleaseBound.centredMask(second, context: context)
        let product = try TopLevelReleaseBound.exactProduct(p1, p2, ring: context.ciphertextContext)
        let both = try TopLevelReleaseBound.centredMask(zip(first, second).map { $0 && $1 }, context: context)
        let tBig = BigInt(Int(t))
        let reduced = product.map { value -> Int64 in
            let r = Int64(value.modulo(tBig).uint64Value ?? 0)
            return r > t / 2 ? r - t : r
        }
        #expect(reduced == both, "p1 p2 mod t is the intersection's mask")
        let exact = 0.5 * TopLevelReleaseBound.log2(TopLevelReleaseBound.normSquared(product))
        let young = TopLevelReleaseBound.productNormUpperBoundLog2(p1, p2)
        #expect(young >= exact, "Young: \(young) >= \(exact)")
        // The product is far below its worst case ||p1||_1 ||p2||_1 (the reason for the bound).
        #expect(exact < 0.5 * TopLevelReleaseBound.log2(TopLevelReleaseBound.normSquared(p1)) + 0.5 * TopLevelReleaseBound.log2(TopLevelReleaseBound.normSquared(p2)) + 0.5 * log2(Double(n)) + 1)
    }

    /// The Hoeffding threshold for known cases: one event, `delta = 2^-64`, gives
    /// `sqrt(2 * 65 ln 2)`; at the union count `u` the tail `2 exp(-s^2 / (2 V^2 ||p||^2))` at the
    /// threshold is exactly `2^-64 / u`. The measured limit is `bits(Q) - 2`.
    @Test func theHoeffdingThresholdAndTheMeasuredLimit() throws {
        #expect(abs(TopLevelReleaseBound.hoeffdingFactor(unions: 1) - (130 * M_LN2).squareRoot()) < 1e-12)
        for unions: Double in [2, 65536 * 3 * 2, 0x1p40] {
            let s = TopLevelReleaseBound.hoeffdingFactor(unions: unions)
            let tailLog2: Double = 1 - s * s / (2 * M_LN2)
            let expected: Double = -64 - log2(unions)
            #expect(abs(tailLog2 - expected) < 1e-9, "\(unions)")
        }
        #expect(TopLevelReleaseBound.measuredLimitLog2(parameters: try BfvParameters(preset: Self.preset)) == 160)
        #expect(TopLevelReleaseBound.measuredLimitLog2(parameters: try BfvParameters(preset: "n16384-logq248-logt41")) == 184)
        // The bound itself: V ||p||_2 sqrt(2 ln(2 / delta)) with p = [3, 4, 0, ...] (||p|| = 5).
        let ring = try RnsContext<UInt64>(degree: 16, moduli: [18_014_398_508_400_641, 18_014_398_508_138_497])
        let one = [Int64(1)] + [Int64](repeating: 0, count: 15)
        let p = [Int64(3), 4] + [Int64](repeating: 0, count: 14)
        let bound = try TopLevelReleaseBound.releasedNoiseLog2(noise: 0x1p50, p1: one, p2: p, unions: 1, ring: ring)
        #expect(abs(bound - (50 + log2(5) + log2((130 * M_LN2).squareRoot()))) < 1e-9)
    }

    // MARK: Stores

    /// An encrypted store on the preset with `exports` disjoint exports over `weeks` weeks, one
    /// client erased, and its plaintext twin (the same events, the erased client's included).
    struct Store {
        var folder: URL
        var store: HeatStore
        var plain: HeatStore
        var keys: String
        var erasedPseudonym: String
        var rawIDs: [String]

        init(exports: Int, weeks: Int, seed: UInt64) throws {
            folder = try StoreTestSupport.temporaryDirectory()
            store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
            plain = try HeatStore.initialize(path: folder.appending(path: "plain.db").path).store
            keys = folder.appending(path: "keys").path
            let generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            _ = try PipelineKeys.generate(at: keys, preset: TopLevelReleaseBoundTests.preset)
            let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
            let dataset = SyntheticBank(clients: 60, managers: 3, branches: 1, weeks: weeks, seed: seed).generate()
            rawIDs = dataset.clients.map(\.clientID)
            let source = StoreIngestor.Source(name: "export.csv", inputHash: String(repeating: "0", count: 64))
            _ = try StoreIngestor(key: generated.pseudonymisationKey).ingest(dataset.interactions, clients: dataset.clients, into: plain, source: source)
            let ingestor = collector.ingestor(signer: StoreTestSupport.signer(generated))
            for part in 0..<exports {
                let events = dataset.interactions.enumerated().filter { $0.offset % exports == part }.map(\.element)
                _ = try ingestor.ingest(events, clients: part == 0 ? dataset.clients : [], into: store, source: source)
            }
            let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
            let pseudonymizer = Pseudonymizer(key: generated.pseudonymisationKey)
            let active = Set(dataset.interactions.map(\.clientID))
            let victim = try #require(dataset.clients.map(\.clientID).sorted().first { active.contains($0) })
            erasedPseudonym = pseudonymizer.pseudonym(for: victim, kind: .client).hex
            _ = try ClientEraser.erase(.rawIDs([victim], key: generated.pseudonymisationKey), store: store, key: generated.signingKey,
                                       anchor: .previous(head), reason: "ticket 42")
        }
    }

    /// (b) One export over 8 weeks: the worst case refuses every level (the run stays at the
    /// top), the bound accepts, and the run decrypts, for the executive and for every manager's
    /// mask, to the plaintext twin's heat and trend (the erased client in no release).
    @Test func aRunTheWorstCaseRefusesButTheBoundAcceptsIsWrittenAndDecryptsExactly() throws {
        let s = try Store(exports: 1, weeks: 8, seed: 11)
        defer { try? FileManager.default.removeItem(at: s.folder) }
        let evaluator = try Evaluator(keysAt: "\(s.keys)/evaluator")
        let configuration = HeatConfiguration()
        let (run, _) = try evaluator.evaluateAndRecord(store: s.store, configuration: configuration)
        let parameters = evaluator.context.parameters
        let top = evaluator.context.topLevel
        #expect(run.header.level == top && run.header.erasedSlots == 1)
        // The worst case of both masks does not fit at the top level: the bound decided.
        let bound = BfvNoiseBound(parameters: parameters)
        let deltas = try Evaluator.deltaCounts(in: s.store, throughSeq: run.header.ciphertextsThroughSeq)
        let erasedBatches = Set(try ClientErasure.erasedSlots(in: s.store).map { Int($0) / evaluator.context.degree })
        let worst = Evaluator.storedRunNoise(
            deltas: deltas, erasedBatches: erasedBatches, configuration: configuration,
            referenceWeek: try ISOWeek(parsing: run.header.asOfWeek), bound: bound) * bound.plaintextProductFactor
        #expect(BfvNoiseBound.log2(worst) >= Double(TopLevelReleaseBound.measuredLimitLog2(parameters: parameters)))

        let keyHolder = try KeyHolder(keysAt: "\(s.keys)/keyholder")
        let expected = try StoreHeat.scores(in: s.plain, configuration: configuration, asOf: run.header.asOf)
        let everyone = try KeyHolder.scores(keyHolder.decrypt(run: run, store: s.store), configuration: configuration, store: s.store)
        #expect(everyone.count == 59 && everyone[s.erasedPseudonym] == nil)
        #expect(everyone.allSatisfy { expected[$0.key] == $0.value }, "the executive release equals the plaintext twin")
        let directory = try KeyHolder.directory(in: s.store)
        let managers = Set(directory.compactMap(\.manager))
        #expect(managers.count == 3)
        for manager in managers {
            let mine = try keyHolder.decrypt(run: run, store: s.store, manager: manager)
            #expect(!mine.isEmpty)
            let scores = try KeyHolder.scores(mine, configuration: configuration, store: s.store)
            #expect(scores.allSatisfy { expected[$0.key] == $0.value }, "manager \(manager.displayRef)'s release equals the plaintext twin")
        }
    }

    /// (a) 64 exports over 8 weeks: the bound refuses at the top level. The SDK throws the typed
    /// error (exit 69, naming the preset and a larger one) and logs nothing; `heatctl evaluate`
    /// exits 69 with the message, writes no run file and leaves the store's dump unchanged.
    @Test func aRunTheBoundRefusesExits69AndWritesNothing() throws {
        let s = try Store(exports: 64, weeks: 8, seed: 11)
        defer { try? FileManager.default.removeItem(at: s.folder) }
        let evaluator = try Evaluator(keysAt: "\(s.keys)/evaluator")
        let before = try StoreTestSupport.dump(s.store.path)
        do {
            _ = try evaluator.evaluateAndRecord(store: s.store, configuration: HeatConfiguration())
            Issue.record("the run was evaluated")
        } catch let error as PipelineError {
            guard case .topLevelReleaseBoundExceeded(let preset, _, let release, let boundBits, let limitBits, let fitting) = error else {
                Issue.record("another error: \(error)")
                return
            }
            #expect(preset == Self.preset && boundBits >= limitBits && limitBits == 160 && release.hasPrefix("manager M-"), "\(error)")
            #expect(fitting == "n16384-logq248-logt41")
            #expect(error.category.exitCode == 69)
            #expect(error.hint?.contains("--preset n16384-logq248-logt41") == true)
        }
        #expect(try StoreTestSupport.dump(s.store.path) == before, "nothing logged")
        guard BuiltHeatctl.url != nil else { return }
        let out = s.folder.appending(path: "run.heat").path
        let outcome = try BuiltHeatctl.run(["evaluate", "--store", s.store.path, "--keys", "\(s.keys)/evaluator", "--out", out])
        #expect(outcome.status == 69, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("top level of preset \(Self.preset)") && outcome.stderr.contains("--preset n16384-logq248-logt41"), "\(outcome.stderr)")
        #expect(s.rawIDs.allSatisfy { !outcome.stderr.contains($0) }, "no raw client id")
        #expect(!FileManager.default.fileExists(atPath: out), "no run file")
        #expect(try StoreTestSupport.dump(s.store.path) == before, "no computation_runs row, store unchanged")
    }
}
