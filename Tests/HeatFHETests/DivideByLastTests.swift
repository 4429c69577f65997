import Testing

@testable import HeatFHE

/// `RnsVector64.divideByLast`, the eight-lane division by the last prime of key switching and the
/// modulus switch, against exact integer arithmetic on crafted residues (review s40 speed16e
/// MEDIUM 2): the centring boundary `r = (p - 1) / 2` and its neighbours, `r = p - 1`, `x = q - 1`,
/// and prime pairs where `p` is far larger or far smaller than `q` (the lazy reduction of `r`
/// modulo `q` then wraps many times, or never).
@Suite("RnsVector64.divideByLast: exact on crafted residues")
struct DivideByLastTests {
    /// `a * b mod q` exactly.
    static func multiply(_ a: UInt64, _ b: UInt64, modulo q: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return q.dividingFullWidth((product.high, product.low)).remainder
    }

    /// `(x - [r]_centred) * p^-1 mod q`, the definition, in exact arithmetic.
    static func expected(x: UInt64, r: UInt64, p: UInt64, q: UInt64, inverse: UInt64) -> UInt64 {
        let half = p >> 1
        let rModQ = r % q
        // The centred residue r - p when r > (p - 1) / 2, reduced modulo q.
        let centred = r > half ? (rModQ + q - p % q) % q : rModQ
        return multiply((x + q - centred) % q, inverse, modulo: q)
    }

    /// Pairs (q, p): the n8192 and n4096 presets' level and special primes (as the benchmark
    /// prints them), both orders, and pairs whose sizes differ by far more than 4x.
    static let pairs: [(q: UInt64, p: UInt64)] = [
        (18_014_398_508_400_641, 36_028_797_018_652_673),  // n8192: a 54-bit level prime, the 55-bit special prime
        (18_014_398_508_138_497, 18_014_398_507_892_737),  // two 54-bit primes, p < q
        (36_028_797_018_652_673, 18_014_398_508_400_641),  // p < q by one bit
        (134_176_769, 268_369_921),  // n4096 (27 and 28 bits)
        (134_176_769, 36_028_797_018_652_673),  // p about 2^28 times q
        (36_028_797_018_652_673, 134_176_769),  // p about 2^-28 times q
        (4_611_686_018_427_322_369, 268_369_921),  // q just below 2^62 (the widest allowed), a small p
    ]

    @Test("eight lanes give the exact quotient at the centring boundary, the ends and random words", arguments: 0..<pairs.count)
    func exactOnCraftedResidues(pair index: Int) throws {
        let (q, p) = Self.pairs[index]
        let modulus = try Modulus<UInt64>(q)
        let lastReduced = p % q
        let inverse = try #require(modulus.inverse(lastReduced))
        let half = p >> 1
        var random = SystemRandomNumberGenerator()
        let residues: [UInt64] =
            [0, 1, 2, half &- 1, half, half + 1, half + 2, p - 2, p - 1]
            + (0..<7).map { _ in UInt64.random(in: 0..<p, using: &random) }
        let words: [UInt64] = [0, 1, q - 2, q - 1] + (0..<4).map { _ in UInt64.random(in: 0..<q, using: &random) }
        // Every residue with every word: 16 x 8 = 128 lanes, a multiple of 8.
        var x: [UInt64] = []
        var r: [UInt64] = []
        for residue in residues {
            for word in words {
                r.append(residue)
                x.append(word)
            }
        }
        var out = [UInt64](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xs in
            r.withUnsafeBufferPointer { rs in
                out.withUnsafeMutableBufferPointer { os in
                    RnsVector64.divideByLast(
                        xs.baseAddress!, rs.baseAddress!, into: os.baseAddress!, count: xs.count,
                        half: half, lastReduced: lastReduced, inverse: inverse, inverseShoup: modulus.shoup(inverse),
                        oneShoup: modulus.shoup(1), modulus: q)
                }
            }
        }
        var wrong = 0
        for j in 0..<x.count {
            let want = Self.expected(x: x[j], r: r[j], p: p, q: q, inverse: inverse)
            if out[j] != want {
                wrong += 1
                if wrong <= 5 { Issue.record("q \(q) p \(p): x \(x[j]) r \(r[j]) gave \(out[j]), expected \(want)") }
            }
        }
        #expect(wrong == 0, "\(wrong) of \(x.count) words wrong for q \(q), p \(p)")
    }
}
