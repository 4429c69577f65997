import Foundation
import Testing
@testable import HeatFHE

/// The kernels of public-key encryption (issue 16, session 42): the batched ChaCha20 keystream
/// and the 32-bit pointwise product, each against the code it replaced.
@Suite struct EncryptionKernelTests {
    /// The keystream of the one-block function as ``SecureRandom`` defines it: 16 KiB chunks of
    /// 256 blocks (counters 0-255), chunk `r` under the nonce `(stream, r low, r high)`.
    func referenceStream(key: [UInt32], stream: UInt32, byteCount: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { buffer in
            for block in 0..<(byteCount / 64) {
                let chunk = UInt64(block / 256)
                ChaCha20.block(
                    key: key, counter: UInt32(block % 256),
                    nonce: (stream, UInt32(truncatingIfNeeded: chunk), UInt32(truncatingIfNeeded: chunk >> 32)),
                    into: buffer.baseAddress! + 64 * block)
            }
        }
        return bytes
    }

    /// A batch of blocks equals that many single blocks, at the first counter and mid-chunk.
    @Test func batchedBlocksMatchSingleBlocks() {
        var random = SecureRandom()
        let key = (0..<8).map { _ in UInt32(truncatingIfNeeded: random.next()) }
        let nonce = (UInt32(7), UInt32(0x8000_0001), UInt32(0xffff_ffff))
        let count = ChaCha20.blocksPerBatch
        for counter in [UInt32(0), 16, UInt32(256 - count)] {
            var batched = [UInt8](repeating: 0, count: 64 * count)
            batched.withUnsafeMutableBytes { ChaCha20.blocks(key: key, counter: counter, nonce: nonce, into: $0.baseAddress!) }
            var single = [UInt8](repeating: 0, count: 64 * count)
            single.withUnsafeMutableBytes { buffer in
                for block in 0..<count {
                    ChaCha20.block(key: key, counter: counter + UInt32(block), nonce: nonce, into: buffer.baseAddress! + 64 * block)
                }
            }
            #expect(batched == single, "counter \(counter)")
        }
    }

    /// A seeded generator's words over 2.5 chunks (two nonce changes) are the reference stream,
    /// read as little-endian words: seed expansion (stored seeds, `Docs/FHE-Format.md`) is unchanged.
    @Test func seededStreamMatchesTheChunkedReference() throws {
        var random = SecureRandom()
        let seed = PolySeed(using: &random)
        var keyWords = [UInt32](repeating: 0, count: 8)
        for i in 0..<8 { keyWords[i] = (0..<4).reduce(0) { $0 | UInt32(seed.bytes[4 * i + $1]) << UInt32(8 * $1) } }
        for stream in [UInt32(0), 3] {
            let byteCount = 5 * SecureRandom.blockSize / 2
            let reference = referenceStream(key: keyWords, stream: stream, byteCount: byteCount)
            var generator = SecureRandom(seed: seed, stream: stream)
            let words = (0..<(byteCount / 8)).map { _ in generator.next() }
            let expected = (0..<(byteCount / 8)).map { w in
                (0..<8).reduce(UInt64(0)) { $0 | UInt64(reference[8 * w + $1]) << UInt64(8 * $1) }
            }
            #expect(words == expected, "stream \(stream)")
        }
    }

    /// The sign-mask reduction of small signed values against ``Modulus/reduce(signed:)``, for
    /// every `Int8` (secrets and errors) and the extremes `|x| = q - 1`.
    @Test func smallSignedReductionMatchesTheGeneralOne() throws {
        for q in [UInt64(134_176_769), 268_369_921, 18_014_398_508_400_641, 129, 257] {
            let wide = try Modulus<UInt64>(q)
            for x in Int64(Int8.min)...Int64(Int8.max) where x.magnitude < q {
                #expect(wide.reduce(small: x) == wide.reduce(signed: x), "q = \(q), x = \(x)")
            }
            let edge = Int64(q - 1)
            #expect(wide.reduce(small: edge) == q - 1 && wide.reduce(small: -edge) == 1, "q = \(q)")
            if q < 1 << 30 {
                let narrow = try Modulus<UInt32>(UInt32(q))
                for x in Int64(Int8.min)...Int64(Int8.max) where x.magnitude < q {
                    #expect(narrow.reduce(small: x) == narrow.reduce(signed: x), "q = \(q), x = \(x)")
                }
                #expect(narrow.reduce(small: -edge) == 1, "q = \(q)")
            }
        }
    }

    /// The 32-bit pointwise product against ``Modulus/multiply(_:_:)`` on the extremes and random
    /// residues, for the n4096 preset's primes, a 30-bit prime and a small one.
    @Test func narrowProductMatchesBarrett() throws {
        var random = SystemRandomNumberGenerator()
        let primes: [UInt32] = [134_176_769, 134_111_233, 134_012_929, 268_369_921, 1_073_479_681, 7681, 65537]
        for q in primes {
            let modulus = try Modulus<UInt32>(q)
            let count = 1024
            let a = (0..<count).map { index in
                index < 4 ? [q - 1, 0, 1, q / 2][index] : UInt32.random(in: 0..<q, using: &random)
            }
            let b = (0..<count).map { index in
                index < 4 ? [q - 1, q - 1, q - 1, q / 2 + 1][index] : index < 8 ? q - 1 : UInt32.random(in: 0..<q, using: &random)
            }
            var out = [UInt32](repeating: 0, count: count)
            out.withUnsafeMutableBufferPointer { NarrowProduct.multiply(a, b, into: $0.baseAddress!, count: count, modulus: q) }
            #expect(out == (0..<count).map { modulus.multiply(a[$0], b[$0]) }, "q = \(q)")
            // The accumulating product of the 32-bit tensoring (review s43 LOW 4), onto residues
            // that include q - 1 and 0.
            let start = (0..<count).map { index in index < 3 ? [q - 1, 0, q - 1][index] : UInt32.random(in: 0..<q, using: &random) }
            var sums = start
            sums.withUnsafeMutableBufferPointer { NarrowProduct.multiplyAdding(a, b, into: $0.baseAddress!, count: count, modulus: q) }
            #expect(sums == (0..<count).map { modulus.add(start[$0], modulus.multiply(a[$0], b[$0])) }, "adding, q = \(q)")
        }
        // Through the polynomial product of the n4096 ring.
        let context = try BfvContext<UInt32>(parameters: BfvParameters(preset: "n4096-logq109-logt17"))
        let ring = context.keyContext
        let x = PolyRq<UInt32, Eval>(
            context: ring, data: ring.moduli.flatMap { m in (0..<ring.degree).map { _ in UInt32.random(in: 0..<m.value, using: &random) } })
        let y = PolyRq<UInt32, Eval>(
            context: ring, data: ring.moduli.flatMap { m in (0..<ring.degree).map { _ in m.value - 1 - UInt32.random(in: 0..<3, using: &random) } })
        let product = x * y
        var expected = x
        expected *= y
        #expect(product.data == expected.data)
    }
}

/// Public-key encryption of zero fused per residue row against the polynomial operations it
/// replaced, on one seeded stream (the same draws, so the same words).
@Suite struct FusedEncryptionTests {
    func compare<T: ScalarType>(_ type: T.Type, preset: String) throws {
        let context = try BfvContext<T>(parameters: BfvParameters(preset: preset))
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)
        let encryptor = BfvEncryptor(publicKey: publicKey)
        var random = SecureRandom()
        let seed = PolySeed(using: &random)
        for stream in UInt32(0)..<2 {
            var first = SecureRandom(seed: seed, stream: stream)
            var second = SecureRandom(seed: seed, stream: stream)
            var third = SecureRandom(seed: seed, stream: stream)
            let fused = encryptor.encryptZeroAtKeyLevel(publicKey, using: &first)
            let reference = encryptor.encryptZeroByPolynomials(publicKey, atKeyLevel: true, using: &second)
            let dispatched = encryptor.encryptZero(publicKey, using: &third)
            #expect(fused.0.data == reference.0.data, "c0, \(preset)")
            #expect(fused.1.data == reference.1.data, "c1, \(preset)")
            #expect(dispatched.0.data == fused.0.data && dispatched.1.data == fused.1.data, "dispatch, \(preset)")
            #expect(fused.0.context.isSameRing(as: context.ciphertextContext))
        }
    }

    @Test func n4096MatchesThePolynomialOperations() throws {
        try compare(UInt32.self, preset: "n4096-logq109-logt17")
    }

    @Test func n8192MatchesThePolynomialOperations() throws {
        try compare(UInt64.self, preset: "n8192-logq217-logt25")
    }
}

/// The 32-bit tensoring's reduction of its 128-bit rounded integer (issue 16, session 42): Barrett
/// through a 64-bit modulus against the hardware division it replaced.
@Suite struct WideResidueTests {
    @Test func barrettMatchesTheDivision() throws {
        var random = SystemRandomNumberGenerator()
        let primes: [UInt64] = [268_369_921, 134_176_769, 1_073_479_681, 65537, 7681, 18_014_398_508_400_641]
        for p in primes {
            let modulus = try Modulus<UInt64>(p)
            var inputs: [(UInt64, UInt64)] = [(0, 0), (0, p - 1), (0, p), (0, UInt64.max), (UInt64.max, UInt64.max), (1, 0), (p - 1, UInt64.max)]
            for _ in 0..<2000 {
                inputs.append((UInt64.random(in: 0...3, using: &random), UInt64.random(in: 0...UInt64.max, using: &random)))
                inputs.append((UInt64.random(in: 0...UInt64.max, using: &random), UInt64.random(in: 0...UInt64.max, using: &random)))
            }
            for (high, low) in inputs {
                let expected = p.dividingFullWidth((high: high % p, low: low)).remainder
                #expect(WideResidue.residue(high: high, low: low, modulus: modulus, value: p) == expected, "p \(p), \(high):\(low)")
                #expect(WideResidue.residue(high: high, low: low, modulus: nil, value: p) == expected)
            }
        }
    }
}
