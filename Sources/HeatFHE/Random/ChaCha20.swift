import Crypto

/// The ChaCha20 block function of RFC 8439 (section 2.3), the keystream core of ``SecureRandom``
/// and of seed expansion (``PolySeed``).
///
/// HeatFHE computes the keystream itself, straight into a buffer it owns and wipes, instead of
/// encrypting zeros with swift-crypto's `ChaChaPoly`, whose sealed boxes are heap copies of the
/// keystream that cannot be wiped. A test checks every byte against `ChaChaPoly` (whose
/// ciphertext of zeros is this keystream from block counter 1).
///
/// ```swift
/// var out = [UInt8](repeating: 0, count: 64)
/// let key = [UInt32](repeating: 0, count: 8)
/// out.withUnsafeMutableBytes { ChaCha20.block(key: key, counter: 0, nonce: (0, 0, 0), into: $0.baseAddress!) }
/// ```
enum ChaCha20 {
    /// The four constant words "expand 32-byte k".
    static let constants: (UInt32, UInt32, UInt32, UInt32) = (0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574)

    @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d.rotatedLeft(16)
        c &+= d; b ^= c; b = b.rotatedLeft(12)
        a &+= b; d ^= a; d = d.rotatedLeft(8)
        c &+= d; b ^= c; b = b.rotatedLeft(7)
    }

    /// Writes one 64-byte keystream block (little-endian words) to `output`.
    ///
    /// - Parameters:
    ///   - key: the eight little-endian key words.
    ///   - counter: the 32-bit block counter.
    ///   - nonce: the three little-endian nonce words.
    ///   - output: 64 writable bytes.
    static func block(
        key: UnsafePointer<UInt32>, counter: UInt32, nonce: (UInt32, UInt32, UInt32), into output: UnsafeMutableRawPointer
    ) {
        let s0 = constants.0, s1 = constants.1, s2 = constants.2, s3 = constants.3
        let s4 = key[0], s5 = key[1], s6 = key[2], s7 = key[3]
        let s8 = key[4], s9 = key[5], s10 = key[6], s11 = key[7]
        let s12 = counter, s13 = nonce.0, s14 = nonce.1, s15 = nonce.2
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<10 {
            quarterRound(&x0, &x4, &x8, &x12)
            quarterRound(&x1, &x5, &x9, &x13)
            quarterRound(&x2, &x6, &x10, &x14)
            quarterRound(&x3, &x7, &x11, &x15)
            quarterRound(&x0, &x5, &x10, &x15)
            quarterRound(&x1, &x6, &x11, &x12)
            quarterRound(&x2, &x7, &x8, &x13)
            quarterRound(&x3, &x4, &x9, &x14)
        }
        let words = output.assumingMemoryBound(to: UInt32.self)
        words[0] = (x0 &+ s0).littleEndian
        words[1] = (x1 &+ s1).littleEndian
        words[2] = (x2 &+ s2).littleEndian
        words[3] = (x3 &+ s3).littleEndian
        words[4] = (x4 &+ s4).littleEndian
        words[5] = (x5 &+ s5).littleEndian
        words[6] = (x6 &+ s6).littleEndian
        words[7] = (x7 &+ s7).littleEndian
        words[8] = (x8 &+ s8).littleEndian
        words[9] = (x9 &+ s9).littleEndian
        words[10] = (x10 &+ s10).littleEndian
        words[11] = (x11 &+ s11).littleEndian
        words[12] = (x12 &+ s12).littleEndian
        words[13] = (x13 &+ s13).littleEndian
        words[14] = (x14 &+ s14).littleEndian
        words[15] = (x15 &+ s15).littleEndian
    }
}

extension ChaCha20 {
    /// The lanes of ``blocks(key:counter:nonce:into:)``: one keystream block per lane. Sixteen
    /// (one AVX-512 register of 32-bit words) in a `HEATFHE_VECTOR_NTT` build, which is compiled
    /// for the native CPU; four (one SSE2 register) in the portable build, whose sixteen `xmm`
    /// registers hold exactly the sixteen state rows of four blocks.
    #if HEATFHE_VECTOR_NTT
    typealias Lanes = SIMD16<UInt32>
    #else
    typealias Lanes = SIMD4<UInt32>
    #endif

    /// The number of blocks ``blocks(key:counter:nonce:into:)`` writes per call.
    static var blocksPerBatch: Int { Lanes.scalarCount }

    @inline(__always)
    static func rotate(_ x: Lanes, _ count: UInt32) -> Lanes {
        (x &<< Lanes(repeating: count)) | (x &>> Lanes(repeating: 32 &- count))
    }

    @inline(__always)
    static func quarterRound(_ a: inout Lanes, _ b: inout Lanes, _ c: inout Lanes, _ d: inout Lanes) {
        a &+= b; d ^= a; d = rotate(d, 16)
        c &+= d; b ^= c; b = rotate(b, 12)
        a &+= b; d ^= a; d = rotate(d, 8)
        c &+= d; b ^= c; b = rotate(b, 7)
    }

    /// Writes ``blocksPerBatch`` consecutive keystream blocks, block counters `counter`,
    /// `counter + 1`, ..., to `output` (64 bytes each, in counter order): the same bytes as that
    /// many calls of ``block(key:counter:nonce:into:)``, computed one block per vector lane (the
    /// single-block function is a chain of dependent rotations; independent blocks fill the
    /// vector units instead). The counter must not wrap within the batch.
    ///
    /// - Parameters:
    ///   - key: the eight little-endian key words.
    ///   - counter: the first block counter.
    ///   - nonce: the three little-endian nonce words.
    ///   - output: `64 * blocksPerBatch` writable bytes.
    static func blocks(
        key: UnsafePointer<UInt32>, counter: UInt32, nonce: (UInt32, UInt32, UInt32), into output: UnsafeMutableRawPointer
    ) {
        // A wrapped lane counter would repeat a block, and so reuse keystream (review s42 LOW 6).
        precondition(counter <= UInt32.max - UInt32(Lanes.scalarCount - 1), "ChaCha20 block counter would wrap")
        var lane = Lanes()
        for index in 0..<Lanes.scalarCount { lane[index] = UInt32(truncatingIfNeeded: index) }
        let s0 = Lanes(repeating: constants.0), s1 = Lanes(repeating: constants.1)
        let s2 = Lanes(repeating: constants.2), s3 = Lanes(repeating: constants.3)
        let s4 = Lanes(repeating: key[0]), s5 = Lanes(repeating: key[1])
        let s6 = Lanes(repeating: key[2]), s7 = Lanes(repeating: key[3])
        let s8 = Lanes(repeating: key[4]), s9 = Lanes(repeating: key[5])
        let s10 = Lanes(repeating: key[6]), s11 = Lanes(repeating: key[7])
        let s12 = Lanes(repeating: counter) &+ lane
        let s13 = Lanes(repeating: nonce.0), s14 = Lanes(repeating: nonce.1), s15 = Lanes(repeating: nonce.2)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<10 {
            quarterRound(&x0, &x4, &x8, &x12)
            quarterRound(&x1, &x5, &x9, &x13)
            quarterRound(&x2, &x6, &x10, &x14)
            quarterRound(&x3, &x7, &x11, &x15)
            quarterRound(&x0, &x5, &x10, &x15)
            quarterRound(&x1, &x6, &x11, &x12)
            quarterRound(&x2, &x7, &x8, &x13)
            quarterRound(&x3, &x4, &x9, &x14)
        }
        // Row i of the state holds word i of every block: block k's word i goes to 64k + 4i.
        let words = output.assumingMemoryBound(to: UInt32.self)
        @inline(__always) func store(_ row: Lanes, _ i: Int) {
            for k in 0..<Lanes.scalarCount { words[16 &* k &+ i] = row[k].littleEndian }
        }
        store(x0 &+ s0, 0)
        store(x1 &+ s1, 1)
        store(x2 &+ s2, 2)
        store(x3 &+ s3, 3)
        store(x4 &+ s4, 4)
        store(x5 &+ s5, 5)
        store(x6 &+ s6, 6)
        store(x7 &+ s7, 7)
        store(x8 &+ s8, 8)
        store(x9 &+ s9, 9)
        store(x10 &+ s10, 10)
        store(x11 &+ s11, 11)
        store(x12 &+ s12, 12)
        store(x13 &+ s13, 13)
        store(x14 &+ s14, 14)
        store(x15 &+ s15, 15)
    }
}

extension UInt32 {
    @inline(__always)
    func rotatedLeft(_ count: UInt32) -> UInt32 { (self &<< count) | (self &>> (32 &- count)) }
}

extension ChaCha20 {
    /// The ChaCha20 keystream from block counter 1 as swift-crypto computes it (the ciphertext of
    /// zeros under `ChaChaPoly`): the independent reference the tests compare ``block(key:counter:nonce:into:)`` with.
    ///
    /// - Parameters:
    ///   - key: 32 key bytes.
    ///   - nonce: 12 nonce bytes.
    ///   - byteCount: the keystream length.
    /// - Returns: the keystream bytes.
    /// - Throws: a swift-crypto error for a malformed nonce.
    static func referenceKeystream(key: [UInt8], nonce: [UInt8], byteCount: Int) throws -> [UInt8] {
        let sealed = try ChaChaPoly.seal(
            [UInt8](repeating: 0, count: byteCount), using: SymmetricKey(data: key), nonce: ChaChaPoly.Nonce(data: nonce))
        return Array(sealed.ciphertext)
    }
}
