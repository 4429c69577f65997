import Foundation
import Testing
@testable import HeatFHE

/// Multiplication and key switching on borrowed scratch buffers (issue 16 item 3, session 36):
/// the results equal the definitions word for word (an exact big-integer tensor product, and key
/// switching written with whole-polynomial operations), stay equal when the buffers are reused,
/// and stay equal when many tasks multiply and rotate at once on one context.
@Suite struct ScratchReuseTests {
    /// `round(t * d / Q) mod Q` with `d = sum_(i+j=k) a_i * b_j`, the negacyclic products of the
    /// centred lifts over the integers: what HPS tensoring computes exactly (up to a rounding
    /// error of probability below 2^-60 per coefficient).
    func exactProduct<T: ScalarType>(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) -> [[T]] {
        let ring = lhs.polynomials[0].context
        let q = ring.modulusProduct
        let half = q / BigInt(2)
        let t = BigInt(lhs.context.parameters.plaintextModulus)
        let n = ring.degree
        func centred(_ polynomial: PolyRq<T, Coeff>) -> [BigInt] {
            polynomial.composedCoefficients().map { $0 > half ? $0 - q : $0 }
        }
        let a = lhs.polynomials.map(centred)
        let b = rhs.polynomials.map(centred)
        var out: [[T]] = []
        for k in 0..<(a.count + b.count - 1) {
            var d = [BigInt](repeating: BigInt(0), count: n)
            for i in 0..<a.count where k - i >= 0 && k - i < b.count {
                for (u, x) in a[i].enumerated() {
                    for (v, y) in b[k - i].enumerated() {
                        let term = x * y
                        if u + v < n { d[u + v] = d[u + v] + term } else { d[u + v - n] = d[u + v - n] - term }
                    }
                }
            }
            var words = [T](repeating: 0, count: ring.count * n)
            for j in 0..<n {
                // round(t d / Q) = floor((2 t d + Q) / 2Q); Q is odd, so there is no tie.
                let rounded = (BigInt(2) * t * d[j] + q).floorDivided(by: BigInt(2) * q)
                for (i, modulus) in ring.moduliValues.enumerated() {
                    words[i * n + j] = T(rounded.residue(modulo: UInt64(modulus)))
                }
            }
            out.append(words)
        }
        return out
    }

    func checkProducts<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters, seed: UInt64) throws {
        let harness = try EvaluationHarness<T>(parameters)
        var generator = SeededGenerator(seed: seed)
        let a = try harness.encrypt(harness.random(harness.n, using: &generator))
        let b = try harness.encrypt(harness.random(harness.n, using: &generator))
        let c = try harness.encrypt(harness.random(harness.n, using: &generator))
        let product = try harness.evaluator.multiply(a, b)
        #expect(product.polynomials.map(\.data) == exactProduct(a, b), "2 x 2, seed \(seed), \(parameters.name)")
        // A second product reuses the pool's buffer: still exact.
        let again = try harness.evaluator.multiply(a, c)
        #expect(again.polynomials.map(\.data) == exactProduct(a, c), "reused scratch, seed \(seed)")
        // Three polynomials times two (a larger scratch buffer than before).
        let larger = try harness.evaluator.multiply(product, c)
        #expect(larger.polynomials.count == 4)
        #expect(larger.polynomials.map(\.data) == exactProduct(product, c), "3 x 2, seed \(seed)")
        // And a 2 x 2 product after it, on the larger buffer.
        #expect(try harness.evaluator.multiply(a, b).polynomials.map(\.data) == product.polynomials.map(\.data))
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func productsEqualTheExactTensorProduct(seed: UInt64) throws {
        try checkProducts(UInt32.self, TestParameters.small32, seed: seed)
        try checkProducts(UInt64.self, TestParameters.small64, seed: seed)
    }

    /// Key switching as first written: each digit `[c]_(q_j)` as a polynomial over
    /// `q_0 ... q_(l-1), p`, transformed, multiplied by the key's component and summed with
    /// whole-polynomial operations, then transformed back and divided by `p`.
    func referenceSwitch<T: ScalarType>(_ key: BfvKeySwitchingKey<T>, _ c: PolyRq<T, Coeff>, level: BfvLevel<T>) throws
        -> (PolyRq<T, Coeff>, PolyRq<T, Coeff>)
    {
        let ring = try #require(level.keySwitchRing)
        let n = ring.degree
        let l = level.count
        let keyRows = key.context.keyContext.count
        var sum0 = PolyRq<T, Eval>(zeroIn: ring)
        var sum1 = PolyRq<T, Eval>(zeroIn: ring)
        for j in 0..<l {
            var digit = PolyRq<T, Coeff>(zeroIn: ring)
            for (i, modulus) in ring.moduli.enumerated() {
                for k in 0..<n { digit.data[i * n + k] = modulus.reduce(c.data[j * n + k]) }
            }
            // The key's rows at this level: q_0 ... q_(l-1), then the special prime (its last row).
            let rows = Array(0..<l) + [keyRows - 1]
            let b = PolyRq<T, Eval>(context: ring, data: rows.flatMap { key.components[j].b.data[($0 * n)..<(($0 + 1) * n)] })
            let a = PolyRq<T, Eval>(context: ring, data: rows.flatMap { key.components[j].a.data[($0 * n)..<(($0 + 1) * n)] })
            let transformed = digit.forwardNTT()
            sum0 += transformed * b
            sum1 += transformed * a
        }
        return (
            BfvKeySwitchingKey<T>.dividingByLastModulus(sum0.inverseNTT(), to: level.ring),
            BfvKeySwitchingKey<T>.dividingByLastModulus(sum1.inverseNTT(), to: level.ring))
    }

    func checkKeySwitching<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters) throws {
        let harness = try EvaluationHarness<T>(parameters)
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1])
        var generator = SeededGenerator(seed: 17)
        let ciphertext = try harness.encrypt(harness.random(harness.n, using: &generator))
        for levelCount in 1...harness.context.topLevel {
            let level = try harness.context.level(levelCount)
            let c = ciphertext.polynomials[1].dropping(to: level.ring)
            for key in [relinearizationKey.key] + Array(galoisKeys.keys.values) {
                let switched = try key.switchKey(c, in: level)
                let reference = try referenceSwitch(key, c, level: level)
                #expect(switched.0.data == reference.0.data, "level \(levelCount), \(parameters.name)")
                #expect(switched.1.data == reference.1.data, "level \(levelCount), \(parameters.name)")
                // Again, on the buffer the first call returned to the pool.
                let second = try key.switchKey(c, in: level)
                #expect(second.0.data == switched.0.data && second.1.data == switched.1.data)
            }
            #expect(level.keySwitchScratch.idleCount <= level.keySwitchScratch.maximumIdle)
        }
    }

    @Test func keySwitchingEqualsThePolynomialDefinition() throws {
        try checkKeySwitching(UInt32.self, TestParameters.small32)
        try checkKeySwitching(UInt64.self, TestParameters.small64)
        try checkKeySwitching(UInt32.self, BfvParameters(preset: "n4096-logq109-logt17"))
    }

    /// Sixteen tasks multiply, relinearize and rotate on one context at once (more borrowers
    /// than the pool keeps): every result equals the one computed alone.
    @Test func concurrentOperationsEqualSequentialOnes() async throws {
        let harness = try EvaluationHarness<UInt64>(TestParameters.small64)
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1])
        var generator = SeededGenerator(seed: 23)
        let inputs = try (0..<16).map { _ in try harness.encrypt(harness.random(harness.n, using: &generator)) }
        let evaluator = harness.evaluator
        let work: @Sendable (Int) throws -> [[UInt64]] = { index in
            let product = try evaluator.multiply(
                inputs[index], inputs[(index + 1) % inputs.count], relinearizingWith: relinearizationKey)
            return try evaluator.rotatingSlots(product, by: 1, using: galoisKeys).polynomials.map(\.data)
        }
        let sequential = try (0..<inputs.count).map(work)
        for _ in 0..<3 {
            let concurrent = try await withThrowingTaskGroup(of: (Int, [[UInt64]]).self) { group in
                for index in inputs.indices { group.addTask { (index, try work(index)) } }
                var results = [[[UInt64]]](repeating: [], count: inputs.count)
                for try await (index, words) in group { results[index] = words }
                return results
            }
            #expect(concurrent == sequential)
        }
        let tensoring = try harness.context.derived.tensoring(harness.context.topLevel, of: harness.context)
        #expect(tensoring.scratch.idleCount <= tensoring.scratch.maximumIdle)
    }

    /// Sixteen concurrent borrowers of a default pool: each gets its own words, and afterwards the
    /// pool keeps at most two buffers (review s37 MEDIUM 7: the pool used to keep one buffer per
    /// core and level for the life of the context).
    @Test func defaultPoolKeepsTwoBuffersAfterABurst() async {
        let pool = ScratchPool<UInt64>()
        #expect(pool.maximumIdle == 2)
        let count = 4096
        let distinct = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    pool.withBuffer(count: count) { buffer in
                        for k in buffer.indices { buffer[k] = UInt64(index) }
                        // Another borrower writing the same words would show here.
                        var total = 0
                        for _ in 0..<200 { total &+= buffer.reduce(0) { $0 &+ Int($1) } }
                        return total == 200 * count * index && buffer.allSatisfy { $0 == UInt64(index) }
                    }
                }
            }
            var all = true
            for await ok in group { all = all && ok }
            return all
        }
        #expect(distinct)
        #expect(pool.idleCount <= 2)
        #expect(pool.idleWords <= 2 * count)
        // Five overlapping borrowers (nested, so they overlap on any number of cores): five
        // distinct buffers on loan, two kept afterwards.
        func nest(_ depth: Int, _ seen: [UnsafeMutablePointer<UInt64>]) -> Int {
            guard depth > 0 else { return Set(seen).count }
            return pool.withBuffer(count: count) { nest(depth - 1, seen + [$0.baseAddress!]) }
        }
        #expect(nest(5, []) == 5)
        #expect(pool.idleCount == 2)
        #expect(pool.idleWords <= 2 * count)
    }

    /// The pool lends distinct buffers to overlapping borrowers and keeps at most its maximum.
    @Test func poolLendsDistinctBuffersAndKeepsAFew() {
        let pool = ScratchPool<UInt64>(maximumIdle: 2)
        var addresses: [UnsafeMutablePointer<UInt64>] = []
        pool.withBuffer(count: 8) { first in
            first.initialize(repeating: 1)
            pool.withBuffer(count: 8) { second in
                second.initialize(repeating: 2)
                pool.withBuffer(count: 16) { third in
                    addresses = [first.baseAddress!, second.baseAddress!, third.baseAddress!]
                    third.initialize(repeating: 3)
                }
                #expect(second.allSatisfy { $0 == 2 })
            }
            #expect(first.allSatisfy { $0 == 1 })
        }
        #expect(Set(addresses).count == 3)
        #expect(pool.idleCount == 2)
        // The next borrower reuses a kept buffer.
        pool.withBuffer(count: 8) { buffer in #expect(addresses.contains(buffer.baseAddress!)) }
    }
}
