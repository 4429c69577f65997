import Foundation
import HeatCore
import HeatEnvelope
import HeatFHE

/// The TFHE harness (kinds 70-72): secret keys, seed-compressed server keys and LWE ciphertexts.
///
/// The first input byte picks the kind (`(byte & 0x3F) % 3`: secret key, server key, ciphertext)
/// and the mode. With its high bit clear, a valid block of an insecure test set precedes the rest
/// of the input, so mutations reach the body's counts and words: the 64-bit-key-switch set
/// (`n = 64, N = 512`, parameter block version 1) with bit `0x40` clear, its 32-bit-key-switch
/// twin (version 2, 32-bit key-switching bodies) with it set. With the high bit set, the rest of
/// the input is the whole payload and the envelope fingerprint is computed from its embedded
/// parameter block, so mutations also reach the parameter checks of both versions.
enum FuzzTFHE {
    /// The parameters of the fixed header (bit `0x40` clear).
    static let parameters = TfheParameters.insecureTest4Bit
    /// The parameters of the fixed header with bit `0x40` set (the `KS32` reader paths).
    static let narrowParameters = TfheParameters.insecureTest4BitKeySwitch32
    /// The kinds the first byte chooses from.
    static let kinds: [EnvelopeKind] = [.tfheSecretKey, .tfheServerKey, .tfheCiphertext]

    /// Decodes `data`; `true` when the reader accepted it.
    @discardableResult
    static func run(_ data: Data) -> Bool { decoded(data) != nil }

    /// What the reader made of `data` without its random bytes (review s38 erase27c LOW 7): the
    /// object kind, the parameter set's name and the payload's length (`accepted: tfheCiphertext
    /// of NAME, 5132 payload bytes`), or `refused`. One accepted seed replaced by another of
    /// another kind, parameter set or dimension no longer compares equal.
    static func summary(_ data: Data) -> String {
        guard let object = decoded(data) else { return "refused" }
        return "accepted: \(object.kind) of \(object.parameters), \(object.bytes) payload bytes"
    }

    /// The kind, parameter set name and payload length of the object `data` decodes to, or
    /// `nil` when the reader refuses it.
    static func decoded(_ data: Data) -> (kind: String, parameters: String, bytes: Int)? {
        guard let selector = data.first else { return nil }
        let kind = kinds[Int(selector & 0x3F) % kinds.count]
        let body = data.dropFirst()
        let envelope: Envelope
        if selector & 0x80 == 0 {
            let header = selector & 0x40 == 0 ? parameters : narrowParameters
            let payload = Data(FuzzFHE.header(header.canonicalBytes)) + body
            envelope = Envelope(kind: kind, fingerprint: header.fingerprint, payload: payload)
        } else {
            let bytes = [UInt8](body)
            var fingerprint = Fingerprint(hashing: [])
            if bytes.count >= 4 {
                let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
                if length <= bytes.count - 4 { fingerprint = Fingerprint(hashing: Array(bytes[4..<(4 + length)])) }
            }
            envelope = Envelope(kind: kind, fingerprint: fingerprint, payload: Data(bytes))
        }
        switch kind {
        case .tfheSecretKey:
            guard let key = try? TfheFile.secretKey(from: envelope, source: "fuzz", policy: .allowInsecureForTesting) else { return nil }
            return ("tfheSecretKey", key.context.parameters.name, envelope.payload.count)
        case .tfheServerKey:
            guard let key = try? TfheFile.serverKey(from: envelope, source: "fuzz", policy: .allowInsecureForTesting) else { return nil }
            return ("tfheServerKey", key.context.parameters.name, envelope.payload.count)
        default:
            guard let decoded = try? TfheFile.ciphertext(from: envelope, source: "fuzz", policy: .allowInsecureForTesting) else {
                return nil
            }
            return ("tfheCiphertext", decoded.1.name, envelope.payload.count)
        }
    }

    /// Valid inputs: a secret key and a ciphertext of each dimension (`n` and `kN`) for both test
    /// sets (`-ks32` names the 32-bit-key-switch set), each in both modes (fixed header and whole
    /// payload). A server key of the test parameters is 1 MiB, above the fuzzer's input length,
    /// so it has no valid seed.
    static func seeds() -> [String: Data] {
        var seeds: [String: Data] = [:]
        for (set, flag, suffix) in [(parameters, UInt8(0), ""), (narrowParameters, UInt8(0x40), "-ks32")] {
            guard let context = try? TfheContext(parameters: set) else { return [:] }
            var random = SecureRandom()
            let secretKey = TfheSecretKey(context: context, using: &random)
            let headerLength = 4 + set.canonicalBytes.count
            func add(_ name: String, _ index: UInt8, _ envelope: Envelope) {
                seeds["seed-\(name)\(suffix)"] = Data([index | flag]) + envelope.payload.dropFirst(headerLength)
                seeds["seed-\(name)\(suffix)-whole"] = Data([index | flag | 0x80]) + envelope.payload
            }
            add("secret-key", 0, TfheFile.envelope(secretKey: secretKey))
            let small = LweCiphertext(data: (0...set.lweDimension).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })
            add("ciphertext-n", 2, TfheFile.envelope(ciphertext: small, parameters: set))
            let big = LweCiphertext(data: [UInt64](repeating: 7, count: set.bigLweDimension + 1))
            add("ciphertext-kn", 2, TfheFile.envelope(ciphertext: big, parameters: set))
        }
        return seeds
    }
}

/// The pipeline payload harness (`PipelinePayloadReader`): encrypted heat runs (kind 40),
/// encrypted aggregates (41) and encrypted scores (55), for the fuzzing ring of ``FuzzFHE``.
///
/// The first input byte picks the kind (`byte % 3`); the rest is the payload, in an envelope
/// with the ring's fingerprint (the outer checksum is the envelope target's business).
enum FuzzPipeline {
    /// The kinds the first byte chooses from.
    static let kinds: [EnvelopeKind] = [.encryptedHeatRun, .encryptedAggregates, .encryptedScores]

    /// Decodes `data`; `true` when the reader accepted it.
    @discardableResult
    static func run(_ data: Data) -> Bool { (try? decode(data)) == true }

    /// Why the reader refused `data` (its error's description), `nil` when it accepted it.
    static func refusal(_ data: Data) -> String? {
        do {
            return try decode(data) ? nil : "no input"
        } catch {
            return "\(error)"
        }
    }

    /// What `data` is to the reader, without its random ciphertext bytes: for an accepted heat
    /// run its header level and the levels of its ciphertexts, for accepted aggregates their
    /// schema and counts, for accepted scores their batches; `refused: REASON` otherwise. Two
    /// generations of one seed give the same summary, so a committed seed can be compared with
    /// its generation (review s37 pipe14b-final LOW 5).
    static func summary(_ data: Data) -> String {
        guard let context = FuzzFHE.context, let selector = data.first else { return "no input" }
        let kind = kinds[Int(selector) % kinds.count]
        let envelope = Envelope(kind: kind, fingerprint: context.fingerprint, payload: data.dropFirst())
        do throws(PipelineError) {
            switch kind {
            case .encryptedHeatRun:
                let run = try EncryptedHeatRun(envelope: envelope, context: context, source: "fuzz")
                let levels = Set((Array(run.heat.values) + Array(run.trend.values)).map(\.level)).sorted()
                return "heat run: header level \(run.header.level.map { String($0) } ?? "absent"), ciphertexts at levels \(levels), batches \(run.header.batches)"
            case .encryptedAggregates:
                let aggregates = try EncryptedAggregates(envelope: envelope, context: context, source: "fuzz")
                return "aggregates: schema \(aggregates.header.schema), \(aggregates.header.groups.count) groups, \(aggregates.heat.count) pairs"
            default:
                let scores = try EncryptedScoreRun(envelope: envelope, context: context, source: "fuzz")
                return "scores: batches \(scores.header.batches)"
            }
        } catch {
            return "refused: \(error)"
        }
    }

    /// Decodes `data` with the reader its first byte picks; `false` for an empty input.
    static func decode(_ data: Data) throws(PipelineError) -> Bool {
        guard let context = FuzzFHE.context, let selector = data.first else { return false }
        let kind = kinds[Int(selector) % kinds.count]
        let envelope = Envelope(kind: kind, fingerprint: context.fingerprint, payload: data.dropFirst())
        switch kind {
        case .encryptedHeatRun:
            _ = try EncryptedHeatRun(envelope: envelope, context: context, source: "fuzz")
        case .encryptedAggregates:
            _ = try EncryptedAggregates(envelope: envelope, context: context, source: "fuzz")
        default:
            _ = try EncryptedScoreRun(envelope: envelope, context: context, source: "fuzz")
        }
        return true
    }

    /// `UInt32` length then bytes (the pipeline framing).
    static func block(_ bytes: [UInt8]) -> [UInt8] { FuzzFHE.header(bytes) }

    /// Valid inputs: aggregates (schema 2, two groups in one ciphertext pair; schema 1, one group
    /// per pair) around fresh ciphertexts of the fuzzing ring, and heat runs at each level the
    /// ring has (the header's `level`, issue 14: absent = every modulus, and switched down to one
    /// of the ring's two moduli). Score runs carry a model header that only the pipeline builds;
    /// their seed is the framing with a header the fuzzer mutates from the dictionary (as is the
    /// `seed-heat-run-frame`). Inputs the reader must refuse are named `refused-*`: heat runs at
    /// level 0, at a level above the ring's, and with ciphertexts at two levels.
    static func seeds() -> [String: Data] {
        guard let context = FuzzFHE.context else { return [:] }
        var random = SecureRandom()
        let encryptor = BfvEncryptor(secretKey: SecretKey(context: context, using: &random))
        func encrypt(_ values: [Int64]) -> Ciphertext<UInt64>? {
            try? Bfv64.encrypt(signed: values, encryptor: encryptor, using: &random)
        }
        func ciphertext(_ values: [Int64]) -> [UInt8] {
            guard let encrypted = encrypt(values) else { return [] }
            return block([UInt8](Bfv64.envelope(of: encrypted).serialized()))
        }
        let fingerprint = context.fingerprint.hex
        func aggregates(schema: String, pairs: Int?, groups: String) -> Data {
            let pairsField = pairs.map { #","ciphertextPairs":\#($0)"# } ?? ""
            let header = #"{"asOf":"2026-03-02","groups":[\#(groups)],"largestHeatSumBound":"40","minGroupSize":2,"#
                + #""parameters":"fuzz-n16","parametersFingerprint":"\#(fingerprint)","runOutputHash":"00","schema":"\#(schema)","suppressed":{}\#(pairsField)}"#
            var bytes = block(Array(header.utf8))
            for index in 0..<(pairs ?? 1) {
                bytes += ciphertext([Int64(index + 3), 4, 5]) + ciphertext([1, -1, 0])
            }
            return Data([1]) + Data(bytes)
        }
        var seeds: [String: Data] = [:]
        seeds["seed-aggregates-v2"] = aggregates(
            schema: EncryptedAggregates.schema, pairs: 1,
            groups: #"{"ciphertext":0,"clients":3,"kind":"branch","method":"masked","ref":"B-1","slot":0},"#
                + #"{"ciphertext":0,"clients":4,"kind":"segment","method":"masked","ref":"retail","slot":1}"#)
        seeds["seed-aggregates-v1"] = aggregates(
            schema: EncryptedAggregates.schemaVersion1, pairs: nil,
            groups: #"{"clients":3,"kind":"region","method":"masked","ref":"North"}"#)
        let run = #"{"schema":"\#(EncryptedHeatRun.schema)","batches":[0],"parametersFingerprint":"\#(fingerprint)"}"#
        seeds["seed-heat-run-frame"] = Data([0]) + Data(block(Array(run.utf8)) + [0, 0, 0, 1, 0, 0, 0, 0] + ciphertext([1]) + ciphertext([2]))
        let scores = #"{"schema":"\#(EncryptedScoreRun.schema)","batches":[0],"parametersFingerprint":"\#(fingerprint)"}"#
        seeds["seed-scores-frame"] = Data([2]) + Data(block(Array(scores.utf8)) + [0, 0, 0, 1, 0, 0, 0, 0] + ciphertext([9]))
        if let heat = encrypt([5, 0, 3]), let trend = encrypt([-2, 0, 1]) {
            seeds.merge(heatRuns(context: context, heat: heat, trend: trend)) { first, _ in first }
        }
        return seeds
    }

    /// Heat runs of one batch (`heat`, `trend` at the ring's top level) behind the heat-run
    /// selector byte: the valid ones as the evaluator writes them (``EncryptedHeatRun/payload()``
    /// switches the ciphertexts down to the header's level), the refused ones framed by hand
    /// (the writer refuses to make them).
    static func heatRuns(context: BfvContext<UInt64>, heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>) -> [String: Data] {
        let json = #"{"asOf":"2026-03-08","asOfWeek":"2026-W10","batches":[0],"ciphertextsRead":3,"ciphertextsThroughSeq":3,"#
            + #""configurationHash":"00","inputHash":"00","multiplicativeDepth":0,"packing":"\#(HeatPacking.weeklyScore)","packingHash":"00","#
            + #""parameters":"\#(context.parameters.name)","parametersFingerprint":"\#(context.fingerprint.hex)","#
            + #""schema":"\#(EncryptedHeatRun.schema)","slotsPerBatch":\#(context.degree)}"#
        let top = context.topLevel
        guard top >= 2, let header = try? JSONDecoder().decode(EncryptedHeatRun.Header.self, from: Data(json.utf8)),
              let lowHeat = try? Bfv64.switchModulus(heat, toLevel: top - 1) else { return [:] }
        func written(level: Int?) -> Data? {
            var header = header
            header.level = level
            return (try? EncryptedHeatRun(header: header, heat: [0: heat], trend: [0: trend])).map { Data([0]) + $0.payload() }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func framed(level: Int, heat: Ciphertext<UInt64>) -> Data? {
            var header = header
            header.level = level
            guard let encoded = try? encoder.encode(header) else { return nil }
            let blocks = [heat, trend].flatMap { block([UInt8](Bfv64.envelope(of: $0).serialized())) }
            return Data([0]) + Data(block([UInt8](encoded)) + [0, 0, 0, 1, 0, 0, 0, 0] + blocks)
        }
        return [
            "seed-heat-run-top-level": written(level: nil),
            "seed-heat-run-switched": written(level: top - 1),
            "refused-heat-run-level-0": framed(level: 0, heat: heat),
            "refused-heat-run-level-above-top": framed(level: top + 1, heat: heat),
            "refused-heat-run-mixed-levels": framed(level: top, heat: lowHeat),
        ].compactMapValues { $0 }
    }
}

/// Valid inputs generated in code for the targets whose formats need keys or ciphertexts
/// (written into the working corpus by `Scripts/fuzz.sh`, checked by the replay test).
public enum FuzzSeeds {
    /// The generated seeds of `target` by file name (empty for targets seeded from files only).
    ///
    /// - Parameter target: the fuzz target.
    /// - Returns: seed name to bytes; names of inputs the reader accepts start with `seed-` and do
    ///   not end with `-frame`; names of inputs it must refuse start with `refused-`
    ///   (``refusal(_:_:)`` gives the reason).
    public static func generated(for target: FuzzTarget) -> [String: Data] {
        switch target {
        case .tfhe: return FuzzTFHE.seeds()
        case .pipelinePayloads: return FuzzPipeline.seeds()
        default: return [:]
        }
    }

    /// Whether the reader of `target` accepts `data` (for the targets with generated seeds;
    /// `nil` for the others).
    ///
    /// - Parameters:
    ///   - target: the fuzz target.
    ///   - data: an input.
    /// - Returns: `true` when decoded, `false` when refused, `nil` when not reported.
    public static func accepts(_ target: FuzzTarget, _ data: Data) -> Bool? {
        switch target {
        case .tfhe: return FuzzTFHE.run(data)
        case .pipelinePayloads: return FuzzPipeline.run(data)
        default: return nil
        }
    }

    /// What `data` is to the reader of `target`, without random bytes (the pipeline payloads:
    /// a heat run's header level and ciphertext levels, the aggregates' schema and counts, the
    /// reason of a refusal; the TFHE files: the object kind, parameter set and length, or
    /// `refused`), so that a committed seed can
    /// be compared with a fresh generation of it (review s37 pipe14b-final LOW 5); `nil` for the
    /// targets without generated seeds.
    ///
    /// ```swift
    /// let seeds = FuzzSeeds.generated(for: .pipelinePayloads)
    /// FuzzSeeds.summary(.pipelinePayloads, seeds["seed-heat-run-switched"]!)   // "heat run: header level 1, ciphertexts at levels [1], ..."
    /// ```
    ///
    /// - Parameters:
    ///   - target: the fuzz target.
    ///   - data: an input.
    /// - Returns: the summary, or `nil`.
    public static func summary(_ target: FuzzTarget, _ data: Data) -> String? {
        switch target {
        case .pipelinePayloads: return FuzzPipeline.summary(data)
        case .tfhe: return FuzzTFHE.summary(data)
        default: return nil
        }
    }

    /// Why the reader of `target` refuses `data`: its error's description (for the pipeline
    /// payloads, whose generated seeds include inputs to refuse; `nil` for the other targets and
    /// for an input the reader accepts).
    ///
    /// ```swift
    /// let seeds = FuzzSeeds.generated(for: .pipelinePayloads)
    /// FuzzSeeds.refusal(.pipelinePayloads, seeds["refused-heat-run-level-0"]!)   // "...field level: 0 is not a level..."
    /// ```
    ///
    /// - Parameters:
    ///   - target: the fuzz target.
    ///   - data: an input.
    /// - Returns: the reason, or `nil`.
    public static func refusal(_ target: FuzzTarget, _ data: Data) -> String? {
        switch target {
        case .pipelinePayloads: return FuzzPipeline.refusal(data)
        default: return nil
        }
    }
}
