import Foundation
import Testing
import HeatCore
import HeatEnvelope
import HeatFHE
import HeatML
import HeatTabular

/// Every bound of `Docs/Reliability.md` refuses a crafted input that claims more than it allows,
/// before anything is sized by the claim.
@Suite struct ResourceBoundTests {
    // MARK: Helpers

    /// The processor time the calling thread spends in `body` (`CLOCK_THREAD_CPUTIME_ID`).
    static func threadTime(_ body: () -> Void) -> Duration {
        func now() -> Duration {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        }
        let start = now()
        body()
        return now() - start
    }

    static func bigEndian<I: FixedWidthInteger>(_ value: I) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Canonical parameter bytes as `BfvParameters.canonicalBytes` lays them out.
    static func parameterBytes(degree: UInt32, moduli: [UInt64], declaredCount: UInt8? = nil) -> [UInt8] {
        var bytes: [UInt8] = [1, 64, 0]  // format 1, 64-bit scalars, insecure-for-testing
        bytes += bigEndian(degree)
        bytes += bigEndian(UInt64(65537))
        bytes.append(declaredCount ?? UInt8(moduli.count))
        for q in moduli { bytes += bigEndian(q) }
        bytes.append(0)
        return bytes
    }

    static func parametersEnvelope(_ canonical: [UInt8]) -> Envelope {
        Envelope(kind: .fheParameters, fingerprint: Fingerprint(hashing: canonical),
                 payload: Data(bigEndian(UInt32(canonical.count)) + canonical))
    }

    static func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return String(describing: error) }
        return nil
    }

    // MARK: Configuration

    @Test func limitsComeFromTheEnvironmentAndIgnoreInvalidValues() throws {
        let limits = ReaderLimits(environment: ["HEAT_MAX_LINE_BYTES": "2048", "HEAT_MAX_FIELD_COUNT": "-3", "HEAT_MAX_TREE_DEPTH": "x"])
        #expect(limits[.lineBytes] == 2048)
        #expect(limits[.fieldCount] == ReaderLimit.fieldCount.defaultValue)
        #expect(limits[.treeDepth] == ReaderLimit.treeDepth.defaultValue)
        #expect(ReaderLimits.defaults[.ringDegree] == 32768)
        #expect(Set(ReaderLimit.allCases.map(\.environmentVariable)).count == ReaderLimit.allCases.count)
        let error = try #require(Self.message { try limits.check(.lineBytes, 2049, source: "wide.csv", field: "line 3") })
        #expect(error.contains("wide.csv") && error.contains("line 3") && error.contains("HEAT_MAX_LINE_BYTES"))
        #expect(throws: Never.self) { try limits.check(.lineBytes, 2048, source: "wide.csv", field: "line 3") }
    }

    @Test func fileSizeIsCheckedBeforeReading() throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "heat-limit-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(repeating: 0x20, count: 100).write(to: url)
        var limits = ReaderLimits.defaults
        limits[.configBytes] = 99
        do {
            try limits.checkFileSize(of: url, .configBytes, category: .configuration)
            Issue.record("a 100-byte file passed a 99-byte bound")
        } catch {
            #expect(error.category.exitCode == 78 && error.value == 100 && error.maximum == 99)
        }
        limits[.configBytes] = 100
        try limits.checkFileSize(of: url, .configBytes)
    }

    // MARK: FHE headers

    @Test func aHeaderClaimingTwoToTheThirtySlotsFailsFast() throws {
        // N = 2^30 would mean gigabytes per polynomial: refused from the header alone.
        let envelope = Self.parametersEnvelope(Self.parameterBytes(degree: 1 << 30, moduli: [12_289]))
        var failure: String?
        // This thread's processor time (user and system, page zeroing included), not wall time:
        // sizing a gigabyte buffer costs seconds of it, while a loaded machine that merely
        // preempts the thread costs none.
        let used = Self.threadTime {
            failure = Self.message { _ = try BfvParameters(envelope: envelope, source: "huge.params", policy: .allowInsecureForTesting) }
        }
        let message = try #require(failure)
        #expect(message.contains("huge.params") && message.contains("parameters.degree") && message.contains("HEAT_MAX_RING_DEGREE"))
        #expect(used < .milliseconds(200), "the refusal used \(used) of processor time")
    }

    @Test func aHeaderClaimingTooManyModuliIsRefusedBeforeReadingThem() throws {
        // 200 moduli declared, none present: the bound answers before the reader looks for them.
        let envelope = Self.parametersEnvelope(Self.parameterBytes(degree: 16, moduli: [], declaredCount: 200))
        let message = try #require(Self.message { _ = try BfvParameters(envelope: envelope, source: "many.params", policy: .allowInsecureForTesting) })
        #expect(message.contains("parameters.ciphertextModuli.count") && message.contains("HEAT_MAX_MODULUS_COUNT"))
    }

    @Test func aCiphertextClaimingTooManyPolynomialsIsRefused() throws {
        let moduli = try PrimeGenerator.nttPrimes(bitWidth: 28, count: 2, degree: 16)
        let special = try #require(try PrimeGenerator.nttPrimes(bitWidth: 29, count: 1, degree: 16).first)
        let parameters = BfvParameters(degree: 16, plaintextModulus: 97, ciphertextModuli: moduli, specialModulus: special,
                                       scalarWidth: .bits64, security: .insecureForTesting)
        let context = try BfvContext<UInt64>(parameters: parameters)
        let canonical = parameters.canonicalBytes
        // encoding 0, signedness 0, value count 1, then 200 polynomials claimed and none present.
        let payload = Self.bigEndian(UInt32(canonical.count)) + canonical + [0, 0] + Self.bigEndian(UInt32(1)) + [200]
        let envelope = Envelope(kind: .fheCiphertext, fingerprint: context.fingerprint, payload: Data(payload))
        let message = try #require(Self.message { _ = try Ciphertext(envelope: envelope, context: context, source: "wide.ct") })
        #expect(message.contains("ciphertext.polynomialCount") && message.contains("HEAT_MAX_POLYNOMIAL_COUNT"))
    }

    // MARK: Envelope

    @Test func anEnvelopeClaimingAHugePayloadIsRefusedFromItsHeader() throws {
        var bytes = Envelope(kind: .model, payload: Data("{}".utf8)).serialized()
        let huge = Self.bigEndian(UInt64(1) << 62)
        bytes.replaceSubrange(44..<52, with: huge)
        let message = try #require(Self.message { _ = try Envelope(decoding: bytes, source: "huge.heat") })
        #expect(message.contains("huge.heat") && message.contains("header.payloadLength") && message.contains("HEAT_MAX_ENVELOPE_BYTES"))
    }

    // MARK: Tabular readers

    @Test func csvRecordsAboveTheFieldOrLineBoundAreRefused() throws {
        var limits = ReaderLimits.defaults
        limits[.fieldCount] = 8
        limits[.lineBytes] = 64
        func firstError(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { buffer in
                let reader = CSVRecordReader(bytes: buffer, file: "wide.csv")
                reader.limits = limits
                do { while try reader.next() != nil {} } catch { return String(describing: error) }
                return nil
            }
        }
        #expect(firstError("a,b\n1,2\n") == nil)
        let fields = try #require(firstError("a,b\n" + Array(repeating: "1", count: 9).joined(separator: ",") + "\n"))
        #expect(fields.contains("wide.csv") && fields.contains("line 2") && fields.contains("HEAT_MAX_FIELD_COUNT"))
        let long = try #require(firstError("a,b\n\"" + String(repeating: "x", count: 80) + "\",2\n"))
        #expect(long.contains("line 2") && long.contains("HEAT_MAX_LINE_BYTES"))
        #expect(firstError("a,b\n" + Array(repeating: "1", count: 8).joined(separator: ",") + "\n") == nil)
    }

    /// One quoted field of ten times the line bound made of `""` pairs (each copied as one quote):
    /// refused with the line-bound error as soon as the record passes the bound, not at the
    /// closing quote after copying the whole field (issue 23 review).
    @Test func aQuotedFieldOfEscapedQuotesIsRefusedAtTheLineBound() throws {
        var limits = ReaderLimits.defaults
        limits[.lineBytes] = 64
        let pairs = "a,b\n\"" + String(repeating: "\"\"", count: 5 * 64) + "\",2\n"
        // HeatTabular's record reader stops within a pair of the bound.
        let pairBytes: [UInt8] = Array(pairs.utf8)
        let tabular = pairBytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) -> ReaderLimitExceeded? in
            let reader = CSVRecordReader(bytes: buffer, file: "pairs.csv")
            reader.limits = limits
            do { while try reader.next() != nil {} } catch {
                if case let TabularError.limitExceeded(exceeded) = error { return exceeded }
            }
            return nil
        }
        let first = try #require(tabular)
        #expect(first.limit == .lineBytes && first.value <= 64 + 2, "\(first)")
        // HeatML's parser checks every append.
        var parsed: ReaderLimitExceeded?
        do { _ = try CSVParser.parse(pairBytes, source: "pairs.csv", limits: limits) } catch {
            if case let HeatMLError.tabular(.limitExceeded(exceeded)) = error { parsed = exceeded }
        }
        let second = try #require(parsed)
        #expect(second.limit == .lineBytes && second.value <= 64 + 2, "\(second)")
        // The ingest scanner (default bound) rejects the record, copies none of it, and keeps the rows around it.
        let header = "client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        let good = "C1,M1,B1,email,outbound,2026-03-02T09:30:00Z,,\n"
        let huge = "C2,M1,\"" + String(repeating: "\"\"", count: 5 * ReaderLimits.current[.lineBytes]) + "\",email,outbound,2026-03-02T09:30:00Z,,\n"
        let report = try InteractionReader().read(data: Data((header + good + huge + good).utf8), file: "pairs.csv")
        #expect(report.records.count == 2)
        #expect(report.rejects.count == 1)
        #expect(report.rejects.first?.line == 3)
        #expect(report.rejects.first?.reason.contains("HEAT_MAX_LINE_BYTES") == true)
    }

    @Test func anIngestRowAboveTheFieldBoundIsRejectedAndTheOthersKept() throws {
        let header = "client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        let good = "C1,M1,B1,email,outbound,2026-03-02T09:30:00Z,,\n"
        let wide = "C2" + String(repeating: ",x", count: ReaderLimits.current[.fieldCount] + 10) + "\n"
        let report = try InteractionReader().read(data: Data((header + good + wide + good).utf8), file: "wide.csv")
        #expect(report.records.count == 2)
        #expect(report.rejects.count == 1)
        #expect(report.rejects.first?.line == 3)
        #expect(report.rejects.first?.reason.contains("HEAT_MAX_FIELD_COUNT") == true)
    }

    @Test func clvTransactionRecordsAboveTheFieldBoundAreRefused() throws {
        let wide = "customer_id,date\n" + "C1" + String(repeating: ",1", count: ReaderLimits.current[.fieldCount] + 1) + "\n"
        let message = try #require(Self.message { _ = try TransactionLogReader().read(bytes: Array(wide.utf8), source: "tx.csv") })
        #expect(message.contains("tx.csv") && message.contains("HEAT_MAX_FIELD_COUNT"))
    }

    // MARK: Models

    /// A chain of `depth` splits (split `i` at index `2i`, its right leaf at `2i + 1`, its left
    /// child the next split), ending in one more leaf: the deepest leaf is at depth `depth`.
    static func chain(depth: Int) -> RegressionTree {
        var nodes: [RegressionTree.Node] = []
        for level in 0..<depth {
            nodes.append(.init(feature: 0, threshold: Double(level), defaultLeft: true, left: 2 * (level + 1),
                               right: 2 * level + 1, value: 0, gain: 1, cover: 1))
            nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: 0.1, gain: 0, cover: 1))
        }
        nodes.append(.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: 0.2, gain: 0, cover: 1))
        return RegressionTree(nodes: nodes)
    }

    @Test func aTreeDeeperThanTheBoundIsRefused() throws {
        let maximum = ReaderLimits.current[.treeDepth]
        let ok = try GradientBoostedTrees(importedTrees: [Self.chain(depth: maximum)], featureCount: 1, baseScore: 0.5,
                                          objective: .logistic, source: "ok.json")
        #expect(ok.trees.count == 1)
        let message = try #require(Self.message {
            _ = try GradientBoostedTrees(importedTrees: [Self.chain(depth: maximum + 1)], featureCount: 1, baseScore: 0.5,
                                         objective: .logistic, source: "deep.json")
        })
        #expect(message.contains("deep.json") && message.contains("tree 0") && message.contains("HEAT_MAX_TREE_DEPTH"))
    }

    @Test func moreTreesThanTheBoundAreRefused() throws {
        let leaf = RegressionTree(nodes: [.init(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: 0, gain: 0, cover: 1)])
        let trees = Array(repeating: leaf, count: ReaderLimits.current[.treeCount] + 1)
        let message = try #require(Self.message {
            _ = try GradientBoostedTrees(importedTrees: trees, featureCount: 1, baseScore: 0.5, objective: .logistic, source: "forest.json")
        })
        #expect(message.contains("forest.json") && message.contains("HEAT_MAX_TREE_COUNT"))
    }

    // MARK: JSON model envelopes

    /// A JSON model payload one byte above `HEAT_MAX_CONFIG_BYTES` is refused by its size, before
    /// `JSONDecoder` sees it, on every model reader (pipeline, risk, quantized and fraud models).
    @Test func jsonModelPayloadsAreBoundedBeforeDecoding() throws {
        var limits = ReaderLimits.defaults
        limits[.configBytes] = 64
        let small = try #require(Self.message { try HeatMLError.checkJSONModelSize(Data(repeating: 0x20, count: 65), source: "m.model", limits: limits) })
        #expect(small.contains("m.model") && small.contains("the JSON model payload") && small.contains("HEAT_MAX_CONFIG_BYTES"))
        #expect(throws: Never.self) { try HeatMLError.checkJSONModelSize(Data(repeating: 0x20, count: 64), source: "m.model", limits: limits) }

        // The real bound (64 MiB) through the readers: 64 MiB + 1 byte of JSON whitespace.
        let size = ReaderLimits.current[.configBytes] + 1
        let payload = Data(repeating: 0x20, count: size)
        let clock = ContinuousClock()
        var pipelineError: String?
        let elapsed = clock.measure { pipelineError = Self.message { _ = try ModelPipeline.decode(payload, source: "big.model") } }
        let message = try #require(pipelineError)
        #expect(message.contains("big.model") && message.contains("HEAT_MAX_CONFIG_BYTES"), "\(message)")
        #expect(elapsed < .seconds(1))
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-json-bound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaders: [(EnvelopeKind, (URL) throws -> Void)] = [
            (.model, { _ = try ModelPipeline.load(from: $0) }),
            (.riskModel, { _ = try CalibratedModel.load(from: $0) }),
            (.quantizedModel, { _ = try QuantizedPipeline.load(from: $0) }),
            (.fraudModel, { _ = try FraudModel.load(from: $0) }),
        ]
        for (kind, load) in loaders {
            let url = folder.appending(path: "\(kind).model")
            try Envelope(kind: kind, payload: payload).write(to: url)
            let refused = try #require(Self.message { try load(url) }, "\(kind) loaded a payload above the bound")
            #expect(refused.contains(url.path) && refused.contains("HEAT_MAX_CONFIG_BYTES"), "\(kind): \(refused)")
        }
        // A results document above the bound, the same way.
        let results = try #require(Self.message { _ = try ResultsDocument.decode(payload, source: "results.json") })
        #expect(results.contains("results.json") && results.contains("HEAT_MAX_CONFIG_BYTES"))
    }

    /// A JSON model envelope is refused by its file size, before it is read (review of issue 23: the
    /// payload bound used to run after `Envelope.read` had read the whole file into memory). The
    /// same file read as a kind without a JSON payload passes the check, and a model payload at the
    /// bound is read.
    @Test func jsonModelEnvelopesAreRefusedByTheirFileSize() throws {
        var limits = ReaderLimits.defaults
        limits[.configBytes] = 64
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-json-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for kind in [EnvelopeKind.model, .riskModel, .quantizedModel, .fraudModel] {
            let over = folder.appending(path: "\(kind)-65.model")
            try Envelope(kind: kind, payload: Data(repeating: 0x20, count: 65)).write(to: over)
            do {
                _ = try Envelope.read(from: over, expecting: kind, limits: limits)
                Issue.record("\(kind): a 65-byte JSON payload passed a 64-byte bound")
            } catch {
                guard case .limitExceeded(let exceeded) = error else {
                    Issue.record("\(kind): expected limitExceeded, got \(error)"); continue
                }
                #expect(exceeded.limit == .configBytes && exceeded.value == 65 && exceeded.maximum == 64)
                #expect(error.description.contains(over.path) && "\(error.description) \(error.hint ?? "")".contains("HEAT_MAX_CONFIG_BYTES"), "\(error.description)")
                #expect(error.category.exitCode == 65)
            }
            let at = folder.appending(path: "\(kind)-64.model")
            try Envelope(kind: kind, payload: Data(repeating: 0x20, count: 64)).write(to: at)
            #expect(throws: Never.self) { _ = try Envelope.read(from: at, expecting: kind, limits: limits) }
        }
        #expect(EnvelopeKind.fheCiphertext.payloadLimit == nil)
        let other = folder.appending(path: "ciphertext.heat")
        try Envelope(kind: .fheCiphertext, payload: Data(repeating: 0x20, count: 65)).write(to: other)
        #expect(throws: Never.self) { _ = try Envelope.read(from: other, expecting: .fheCiphertext, limits: limits) }
    }

    // MARK: Fuzzer findings

    /// `Scripts/fuzz.sh fhe-parameters` found a header whose modulus is 0: `validate()` computed
    /// `q - 1` and trapped (arithmetic overflow). Corpus: `fhe-parameters/finding-zero-modulus`.
    @Test(arguments: [UInt64(0), 1])
    func aModulusBelowTwoIsATypedError(_ modulus: UInt64) throws {
        let envelope = Self.parametersEnvelope(Self.parameterBytes(degree: 16, moduli: [modulus]))
        let message = try #require(Self.message {
            _ = try BfvParameters(envelope: envelope, source: "zero.params", policy: .allowInsecureForTesting)
        })
        #expect(message.contains("a modulus must be a prime of at least 2"), "\(message)")
    }
}
