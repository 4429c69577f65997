import Testing
@testable import HeatFHE

@Suite struct ModulusTests {
    static let moduli64: [UInt64] = [3, 97, 65537, 18_014_398_508_400_641, 4_611_686_018_427_322_369, (1 << 62) - 57]
    static let moduli32: [UInt32] = [3, 97, 65537, 134_176_769, (1 << 30) - 35]

    @Test(arguments: moduli64)
    func barrettAndShoup64(_ q: UInt64) throws {
        let modulus = try Modulus<UInt64>(q)
        var random = SystemRandomNumberGenerator()
        let bigQ = BigInt(q)
        for _ in 0..<2000 {
            let a = UInt64.random(in: 0..<q, using: &random)
            let b = UInt64.random(in: 0..<q, using: &random)
            let expected = (BigInt(a) * BigInt(b)).modulo(bigQ).uint64Value
            #expect(modulus.multiply(a, b) == expected)
            let w = UInt64.random(in: 0..<q, using: &random)
            let x = random.next() as UInt64
            let shoup = modulus.shoup(w)
            #expect(modulus.multiplyShoup(x, by: w, shoup: shoup) == (BigInt(x) * BigInt(w)).modulo(bigQ).uint64Value)
            #expect(modulus.multiplyShoupLazy(x, by: w, shoup: shoup) < 2 * q)
            let high = random.next() as UInt64
            let low = random.next() as UInt64
            let wide = BigInt(high).shiftedLeft(by: 64) + BigInt(low)
            #expect(modulus.reduceProduct((high: high, low: low)) == wide.modulo(bigQ).uint64Value)
            #expect(modulus.reduce(x) == x % q)
            #expect(modulus.add(a, b) == (BigInt(a) + BigInt(b)).modulo(bigQ).uint64Value)
            #expect(modulus.subtract(a, b) == (BigInt(a) - BigInt(b)).modulo(bigQ).uint64Value)
        }
    }

    @Test(arguments: moduli32)
    func barrettAndShoup32(_ q: UInt32) throws {
        let modulus = try Modulus<UInt32>(q)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let a = UInt32.random(in: 0..<q, using: &random)
            let b = UInt32.random(in: 0..<q, using: &random)
            #expect(modulus.multiply(a, b) == UInt32(UInt64(a) * UInt64(b) % UInt64(q)))
            let w = UInt32.random(in: 0..<q, using: &random)
            let x = UInt32.random(in: 0...UInt32.max, using: &random)
            #expect(modulus.multiplyShoup(x, by: w, shoup: modulus.shoup(w)) == UInt32(UInt64(x) * UInt64(w) % UInt64(q)))
            let wide = UInt64.random(in: 0...UInt64.max, using: &random)
            let reduced = modulus.reduceProduct((high: UInt32(wide >> 32), low: UInt32(truncatingIfNeeded: wide)))
            #expect(reduced == UInt32(wide % UInt64(q)))
        }
    }

    @Test func powerInverseSignedAndCentered() throws {
        let modulus = try Modulus<UInt64>(65537)
        #expect(modulus.power(3, 65536) == 1)
        #expect(modulus.power(3, 32768) == 65536)  // 3 is a generator
        let inverse = try #require(modulus.inverse(12345))
        #expect(modulus.multiply(inverse, 12345) == 1)
        #expect(modulus.inverse(0) == nil)
        #expect(modulus.reduce(signed: -1) == 65536)
        #expect(modulus.reduce(signed: -65538) == 65536)
        #expect(modulus.reduce(signed: -65536) == 1)
        #expect(modulus.centered(65536) == -1)
        #expect(modulus.centered(32768) == 32768)
        #expect(modulus.centered(32769) == -32768)
    }

    @Test func rejectsBadModuli() {
        #expect(throws: FHEError.self) { try Modulus<UInt64>((1 << 62) + 1) }
        #expect(throws: FHEError.self) { try Modulus<UInt32>((1 << 30) + 3) }
        #expect(throws: FHEError.self) { try Modulus<UInt64>(100) }
        #expect(throws: FHEError.self) { try Modulus<UInt64>(1) }
    }

    @Test func nttPrimesAreDescendingPrimeAndNTTFriendly() throws {
        let primes = try PrimeGenerator.nttPrimes(bitWidth: 27, count: 3, degree: 4096)
        #expect(primes == [134_176_769, 134_111_233, 134_012_929])
        let wide = try PrimeGenerator.nttPrimes(bitWidth: 50, count: 4, degree: 1024)
        #expect(wide == wide.sorted(by: >))
        for q in wide {
            #expect(BigInt(q).isProbablePrime())
            #expect(q % 2048 == 1)
            #expect(BigInt(q).bitWidth == 50)
        }
        // Exhausting the range fails with a clear error.
        #expect(throws: FHEError.self) { try PrimeGenerator.nttPrimes(bitWidth: 10, count: 5, degree: 256) }
    }

    @Test(arguments: [(8, UInt64(17)), (16, 97), (1024, 12289), (4096, 65537), (8192, 33_538_049)])
    func primitiveRoots(degree: Int, q: UInt64) throws {
        let psi = try PrimeGenerator.minimalPrimitiveRoot(order: 2 * degree, modulo: q)
        #expect(PrimeGenerator.isPrimitiveRoot(psi, order: 2 * degree, modulo: q))
        let bigQ = BigInt(q)
        #expect(BigInt(psi).power(BigInt(2 * degree), modulo: bigQ) == BigInt(1))
        #expect(BigInt(psi).power(BigInt(degree), modulo: bigQ) == bigQ - BigInt(1))
        // Minimality: no smaller value is a primitive 2N-th root (checked exhaustively for small q).
        if q < 100_000 {
            for candidate in 1..<psi { #expect(!PrimeGenerator.isPrimitiveRoot(candidate, order: 2 * degree, modulo: q)) }
        }
    }

    @Test func minimalRootForHandExample() throws {
        // The primitive 16th roots mod 17 are 3, 5, 6, 7, 10, 11, 12, 14: the smallest is 3.
        #expect(try PrimeGenerator.minimalPrimitiveRoot(order: 16, modulo: 17) == 3)
    }
}
