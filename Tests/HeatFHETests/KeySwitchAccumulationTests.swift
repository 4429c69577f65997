import Testing
@testable import HeatFHE

/// The lazy double-word accumulation of key switching (``BfvKeySwitchingKey``): however many
/// digits a level has, the sums are folded before they can overflow, so the result equals the
/// product-by-product reduction.
@Suite struct KeySwitchAccumulationTests {
    /// Accumulates `digits` digits of `count` words with ``BfvKeySwitchingKey/accumulateDigit``
    /// (the kernel `switchKey` runs) and reduces the sums as `switchKey` does.
    func lazySums<T: ScalarType>(
        _ d: [[T]], _ b: [[T]], _ a: [[T]], modulus: Modulus<T>, as _: T.Type
    ) -> (first: [T], second: [T]) {
        let count = d[0].count
        var low0 = [T](repeating: 0, count: count), high0 = [T](repeating: 0, count: count)
        var low1 = [T](repeating: 0, count: count), high1 = [T](repeating: 0, count: count)
        low0.withUnsafeMutableBufferPointer { low0 in
            high0.withUnsafeMutableBufferPointer { high0 in
                low1.withUnsafeMutableBufferPointer { low1 in
                    high1.withUnsafeMutableBufferPointer { high1 in
                        for j in d.indices {
                            d[j].withUnsafeBufferPointer { dj in
                                b[j].withUnsafeBufferPointer { bj in
                                    a[j].withUnsafeBufferPointer { aj in
                                        BfvKeySwitchingKey<T>.accumulateDigit(
                                            j, dj.baseAddress!, bj.baseAddress!, aj.baseAddress!,
                                            into: (low0.baseAddress!, high0.baseAddress!),
                                            and: (low1.baseAddress!, high1.baseAddress!), count: count, modulus: modulus)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return ((0..<count).map { modulus.reduceProduct((high: high0[$0], low: low0[$0])) },
                (0..<count).map { modulus.reduceProduct((high: high1[$0], low: low1[$0])) })
    }

    /// The reference: reduce after every product.
    func eagerSums<T: ScalarType>(_ d: [[T]], _ w: [[T]], modulus: Modulus<T>) -> [T] {
        var sum = [T](repeating: 0, count: d[0].count)
        for j in d.indices {
            for k in sum.indices { sum[k] = modulus.add(sum[k], modulus.multiply(d[j][k], w[j][k])) }
        }
        return sum
    }

    /// Every digit and key word at `q - 1` (the largest products) with the largest odd modulus
    /// each word holds: `(q - 1)^2 = 1 mod q`, so `digits` digits sum to `digits mod q`. Without
    /// the folds, 17 or more such products overflow the double word (the sum wraps to a wrong
    /// residue).
    @Test(arguments: [1, 15, 16, 17, 31, 40, 64])
    func worstCaseDigitsDoNotOverflow(digits: Int) throws {
        let q64 = try Modulus<UInt64>((1 << 62) - 1)
        let full64 = [[UInt64]](repeating: [UInt64](repeating: q64.value - 1, count: 8), count: digits)
        let sums64 = lazySums(full64, full64, full64, modulus: q64, as: UInt64.self)
        #expect(sums64.first == [UInt64](repeating: UInt64(digits) % q64.value, count: 8))
        #expect(sums64.second == sums64.first)

        let q32 = try Modulus<UInt32>((1 << 30) - 1)
        let full32 = [[UInt32]](repeating: [UInt32](repeating: q32.value - 1, count: 8), count: digits)
        let sums32 = lazySums(full32, full32, full32, modulus: q32, as: UInt32.self)
        #expect(sums32.first == [UInt32](repeating: UInt32(digits) % q32.value, count: 8))
    }

    /// Random words (digits below `q`, key words below `q`) over many digits equal the eager sums.
    @Test func randomDigitsMatchTheEagerReduction() throws {
        var state: UInt64 = 0x243F_6A88_85A3_08D3
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        let q = try Modulus<UInt64>((1 << 62) - 57)
        let digits = 37
        let d = (0..<digits).map { _ in (0..<16).map { _ in next() % q.value } }
        let b = (0..<digits).map { _ in (0..<16).map { _ in next() % q.value } }
        let a = (0..<digits).map { _ in (0..<16).map { _ in next() % q.value } }
        let lazy = lazySums(d, b, a, modulus: q, as: UInt64.self)
        #expect(lazy.first == eagerSums(d, b, modulus: q))
        #expect(lazy.second == eagerSums(d, a, modulus: q))
    }

    /// The vector build's digit step (``BfvKeySwitchingKey/accumulateDigitOnLanes(_:_:_:_:into:and:count:constants:modulus:)``,
    /// Montgomery products on eight lanes, review s43 LOW 3) over many digits: every word at
    /// `q - 1` (the largest products) and random words, against the eager sums; the digit rows it
    /// overwrites are copies.
    @Test(arguments: [1, 2, 3, 17, 37])
    func laneDigitsMatchTheEagerReduction(digits: Int) throws {
        var state: UInt64 = 0x1319_8A2E_0370_7344 &+ UInt64(digits)
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        for value in [(UInt64(1) << 62) - 57, (UInt64(1) << 55) - 55, 0x3fff_ffff_000c_0001] {
            let q = try Modulus<UInt64>(value)
            let count = 24
            func row(_ index: Int) -> [UInt64] {
                (0..<count).map { k in k < 8 ? value - 1 : k < 10 ? UInt64(k - 8) : next() % value }
            }
            let d = (0..<digits).map(row)
            let b = (0..<digits).map(row)
            let a = (0..<digits).map(row)
            let constants = BfvKeySwitchingKey<UInt64>.montgomeryConstants(value)
            var first = [UInt64](repeating: 0xdead_beef, count: count)
            var second = [UInt64](repeating: 0xdead_beef, count: count)
            for j in 0..<digits {
                var digit = d[j]
                digit.withUnsafeMutableBufferPointer { digitWords in
                    first.withUnsafeMutableBufferPointer { firstWords in
                        second.withUnsafeMutableBufferPointer { secondWords in
                            BfvKeySwitchingKey<UInt64>.accumulateDigitOnLanes(
                                j, digitWords.baseAddress!, b[j], a[j], into: firstWords.baseAddress!,
                                and: secondWords.baseAddress!, count: count, constants: constants, modulus: value)
                        }
                    }
                }
            }
            #expect(first == eagerSums(d, b, modulus: q), "q = \(value), \(digits) digits")
            #expect(second == eagerSums(d, a, modulus: q), "q = \(value), \(digits) digits")
            #expect(first == lazySums(d, b, a, modulus: q, as: UInt64.self).first)
        }
    }
}
