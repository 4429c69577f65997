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
    static func run(_ data: Data) -> Bool {
        guard let selector = data.first else { return false }
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
            return (try? TfheFile.secretKey(from: envelope, source: "fuzz", policy: .allowInsecureForTesting)) != nil
        case .tfheServerKey:
            return (try? TfheFile.serverKey(from: envelope, source: "fuzz", policy: .allowInsecureForTesting)) != nil
        default:
            return (try? TfheFile.ciphertext(from: envelope, source: "fuzz", policy: .allowInsecureForTesting)) != nil
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
    static func run(_ data: Data) -> Bool {
        guard let context = FuzzFHE.context, let selector = data.first else { return false }
        let kind = kinds[Int(selector) % kinds.count]
        let envelope = Envelope(kind: kind, fingerprint: context.fingerprint, payload: data.dropFirst())
        switch kind {
        case .encryptedHeatRun:
            return (try? EncryptedHeatRun(envelope: envelope, context: context, source: "fuzz")) != nil
        case .encryptedAggregates:
            return (try? EncryptedAggregates(envelope: envelope, context: context, source: "fuzz")) != nil
        default:
            return (try? EncryptedScoreRun(envelope: envelope, context: context, source: "fuzz")) != nil
        }
    }

    /// `UInt32` length then bytes (the pipeline framing).
    static func block(_ bytes: [UInt8]) -> [UInt8] { FuzzFHE.header(bytes) }

    /// Valid inputs: aggregates (schema 2, two groups in one ciphertext pair; schema 1, one group
    /// per pair) around fresh ciphertexts of the fuzzing ring. Heat runs and score runs carry
    /// headers (packing, model) that only the pipeline builds; their seeds are the same framing
    /// with a header the fuzzer mutates from the dictionary.
    static func seeds() -> [String: Data] {
        guard let context = FuzzFHE.context else { return [:] }
        var random = SecureRandom()
        let encryptor = BfvEncryptor(secretKey: SecretKey(context: context, using: &random))
        func ciphertext(_ values: [Int64]) -> [UInt8] {
            guard let encrypted = try? Bfv64.encrypt(signed: values, encryptor: encryptor, using: &random) else { return [] }
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
        return seeds
    }
}

/// Valid inputs generated in code for the targets whose formats need keys or ciphertexts
/// (written into the working corpus by `Scripts/fuzz.sh`, checked by the replay test).
public enum FuzzSeeds {
    /// The generated seeds of `target` by file name (empty for targets seeded from files only).
    ///
    /// - Parameter target: the fuzz target.
    /// - Returns: seed name to bytes; names of inputs the reader accepts start with `seed-` and do
    ///   not end with `-frame`.
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
}
