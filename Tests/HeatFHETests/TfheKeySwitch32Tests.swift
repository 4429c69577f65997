import Foundation
import HeatEnvelope
import Testing

@testable import HeatFHE

/// The 32-bit key switch's pieces that generation and loading share, checked from outside
/// (review s37 findings 1, 4 and 5): the `2^64 -> 2^32` rounding against its noise term, the
/// version-2 fingerprints and the narrow mask expansion as known answers, hostile parameter blocks.
@Suite("TFHE KS32: input rounding, known answers, hostile parameter blocks")
struct TfheKeySwitch32Tests {
    /// The insecure KS32 set's client key (`k N = 512`).
    static let key: TfheSecretKey = {
        let context = try! TfheContext(parameters: .insecureTest4BitKeySwitch32)  // swiftlint:disable:this force_try
        return TfheSecretKey(context: context)
    }()

    /// Rounding every word of a big-key ciphertext to `2^32` moves its phase by the body's rounding
    /// error minus the key-weighted mask errors: mean 0, variance `(1 + w) / 12` units of `2^32`
    /// for a key of weight `w` (the model's `(1 + kN/2) / (12 * 2^64)` at `w = kN/2`).
    @Test("rounding to 2^32: unbiased, variance (1 + weight) / 12 units of 2^32, as the noise model's term")
    func inputRoundingMatchesTheModel() {
        let key = Self.key
        let parameters = key.context.parameters
        let dimension = parameters.bigLweDimension
        let weight = key.withBigKey { $0.reduce(0) { $0 + Int($1) } }
        let runs = 2000
        var random = SystemRandomNumberGenerator()
        var sum = 0.0
        var squares = 0.0
        for _ in 0..<runs {
            let words = (0...dimension).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) }
            let original = LweCiphertext(data: words)
            let rounded = LweCiphertext(
                data: TfheKeySwitchingKey.roundToKeySwitchModulus(words).map { UInt64($0) << 32 })
            let shift = Double(Int64(bitPattern: key.phase(rounded) &- key.phase(original))) / 4_294_967_296.0
            sum += shift
            squares += shift * shift
        }
        let expected = (1 + Double(weight)) / 12
        let mean = sum / Double(runs)
        let variance = squares / Double(runs) - mean * mean
        #expect(abs(mean) < 4 * expected.squareRoot() / Double(runs).squareRoot(), "mean shift \(mean) units of 2^32")
        #expect(variance / expected > 0.8 && variance / expected < 1.25, "variance ratio \(variance / expected)")
        // The model's term is the same quantity at the expected weight kN/2, in torus units.
        let model = TfheNoiseModel(parameters: parameters).keySwitchInputRoundingVariance * pow(2, 64)
        #expect(abs(model / ((1 + Double(dimension) / 2) / 12) - 1) < 1e-12)
        // Rounding is to nearest: 2^31 - 1 rounds down, 2^31 up, and the top wraps to 0.
        #expect(
            TfheKeySwitchingKey.roundToKeySwitchModulus([(1 << 31) - 1, 1 << 31, UInt64.max, 3 << 32])
                == [0, 1, 0, 3])
    }

    @Test("version-2 fingerprints pinned (computed independently from the block's definition)")
    func keySwitch32Fingerprints() {
        func hex(_ parameters: TfheParameters) -> String {
            parameters.fingerprint.bytes.map { String(format: "%02x", $0) }.joined()
        }
        // SHA-256 of: 2, UInt16 name length, name, 11 big-endian UInt32 fields, security byte 1.
        #expect(hex(.default4Bit) == "42c4753cefc95ad42d5838508832c11e5f722dd0e228e00f0156db855ef4ca66")
        #expect(hex(.fast4Bit) == "0dd700be94c088fd163852c8827a5f929864d197217b29a9f5e4a7c204084a0d")
        #expect(hex(.default4BitKeySwitch64) == "b3fb0ba33060764f058333caaf7dd20debcc0594aedbb97739a8b443ca22bea6")
    }

    /// Two 32-bit masks per 64-bit stream word, low half first, continuing across entries: with
    /// `n = 887` (odd), entry 0's last mask is the low half of word 443 and entry 1's first mask
    /// its high half. A reordering would still load (generation and loading share the code) but
    /// decrypt garbage, so the order is pinned against the stream itself.
    @Test("narrow mask expansion: low half first, continuing across entries (n = 887)")
    func narrowMaskExpansionKnownAnswer() throws {
        let context = try TfheContext(parameters: .default4Bit)
        let seed = try PolySeed(bytes: (0..<32).map { UInt8($0 * 7 + 1) })
        let masks = TfheKeySwitchingKey.expandNarrowMasks(context: context, seed: seed)
        var stream = SecureRandom(seed: seed, stream: 1)
        var words: [UInt64] = []
        for _ in 0..<445 { words.append(stream.next()) }
        let width = context.parameters.lweDimension + 1
        func low(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word) }
        func high(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word >> 32) }
        #expect(masks[0] == low(words[0]) && masks[1] == high(words[0]))
        #expect(masks[886] == low(words[443]))
        #expect(masks[width - 1] == 0, "the body slot stays zero until the bodies are filled in")
        #expect(masks[width] == high(words[443]) && masks[width + 1] == low(words[444]))
        // The 64-bit expansion of the same seed: one word per mask, entries back to back.
        let wide = TfheKeySwitchingKey.expandMasks(context: try TfheContext(parameters: .default4BitKeySwitch64), seed: seed)
        #expect(wide[0] == words[0] && wide[444] == words[444])
    }

    /// Blocks an attacker could write: a version that disagrees with the field count, a 64-bit
    /// set's name with an eleventh field, a KS32 set's name with ten fields, a length field off.
    @Test("hostile parameter blocks: mixed versions and names, a block length off by 4")
    func hostileParameterBlocks() throws {
        func block(version: UInt8, name: String, fields: [Int]) -> [UInt8] {
            var writer = ByteWriter()
            writer.append(version)
            writer.append(UInt16(name.utf8.count))
            writer.append(contentsOf: Array(name.utf8))
            for field in fields { writer.append(UInt32(field)) }
            writer.append(UInt8(1))
            return writer.bytes
        }
        func read(_ bytes: [UInt8]) throws(FHEError) -> TfheParameters {
            var reader = ByteReader(bytes, source: "block")
            return try TfheParameters.read(from: &reader, policy: .production)
        }
        let wide = TfheParameters.default4BitKeySwitch64
        let narrow = TfheParameters.default4Bit
        // The genuine blocks read back.
        #expect(try read(wide.canonicalBytes) == wide)
        #expect(try read(narrow.canonicalBytes) == narrow)
        #expect(try read(block(version: 2, name: narrow.name, fields: narrow.canonicalFields)) == narrow)
        // A version-2 block with the 64-bit set's name and an eleventh field 64.
        #expect(throws: FHEError.self) { try read(block(version: 2, name: wide.name, fields: wide.canonicalFields + [64])) }
        // A version-1 block with the KS32 set's name and its first ten fields.
        #expect(throws: FHEError.self) {
            try read(block(version: 1, name: narrow.name, fields: Array(narrow.canonicalFields.prefix(10))))
        }
        // A version-2 block with the KS32 name and a 64 in the eleventh field.
        #expect(throws: FHEError.self) {
            try read(block(version: 2, name: narrow.name, fields: Array(narrow.canonicalFields.prefix(10)) + [64]))
        }
        // The block length field of a real file off by 4 either way.
        let context = try TfheContext(parameters: .insecureTest4BitKeySwitch32)
        let key = TfheSecretKey(context: context)
        let envelope = TfheFile.envelope(ciphertext: key.encrypt(5), parameters: context.parameters)
        _ = try TfheFile.ciphertext(from: envelope, source: "ct", policy: .allowInsecureForTesting)
        let length = Int(UInt32(bigEndian: envelope.payload.prefix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
        #expect(length == context.parameters.canonicalBytes.count)
        for wrong in [length - 4, length + 4] {
            var tampered = envelope
            var bytes = [UInt8](tampered.payload)
            bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(wrong).bigEndian, Array.init))
            tampered.payload = Data(bytes)
            #expect(throws: FHEError.self) {
                try TfheFile.ciphertext(from: tampered, source: "ct", policy: .allowInsecureForTesting)
            }
        }
    }
}
