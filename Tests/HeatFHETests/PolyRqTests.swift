import Testing
@testable import HeatFHE

@Suite struct PolyRqTests {
    static func ring() throws -> RnsContext<UInt64> {
        try RnsContext<UInt64>(degree: 16, moduli: PrimeGenerator.nttPrimes(bitWidth: 40, count: 3, degree: 16))
    }

    static func randomPoly(_ ring: RnsContext<UInt64>) -> PolyRq<UInt64, Coeff> {
        var random = SystemRandomNumberGenerator()
        var data: [UInt64] = []
        for modulus in ring.moduli {
            data += (0..<ring.degree).map { _ in UInt64.random(in: 0..<modulus.value, using: &random) }
        }
        return PolyRq(context: ring, data: data)
    }

    @Test func arithmeticMatchesBigIntOnComposedCoefficients() throws {
        let ring = try Self.ring()
        let q = ring.modulusProduct
        let a = Self.randomPoly(ring)
        let b = Self.randomPoly(ring)
        let ca = a.composedCoefficients()
        let cb = b.composedCoefficients()
        #expect(zip((a + b).composedCoefficients(), zip(ca, cb)).allSatisfy { $0 == ($1.0 + $1.1).modulo(q) })
        #expect(zip((a - b).composedCoefficients(), zip(ca, cb)).allSatisfy { $0 == ($1.0 - $1.1).modulo(q) })
        #expect(zip((-a).composedCoefficients(), ca).allSatisfy { $0 == (-$1).modulo(q) })
        let scalar = BigInt("98765432109876543210")!
        #expect(zip(a.multiplied(by: scalar).composedCoefficients(), ca).allSatisfy { $0 == ($1 * scalar).modulo(q) })
        // Negacyclic product over Z_Q, computed with BigInt.
        let n = ring.degree
        var expected = [BigInt](repeating: BigInt(0), count: n)
        for i in 0..<n {
            for j in 0..<n {
                let term = ca[i] * cb[j]
                if i + j < n { expected[i + j] = expected[i + j] + term } else { expected[i + j - n] = expected[i + j - n] - term }
            }
        }
        let product = (a.forwardNTT() * b.forwardNTT()).inverseNTT()
        #expect(product.composedCoefficients() == expected.map { $0.modulo(q) })
    }

    @Test func crtComposition() throws {
        let ring = try RnsContext<UInt32>(degree: 8, moduli: [17, 97])
        #expect(ring.modulusProduct == BigInt(1649))
        let x = ring.compose([5, 7])
        #expect(x.modulo(BigInt(17)) == BigInt(5))
        #expect(x.modulo(BigInt(97)) == BigInt(7))
        #expect(x < BigInt(1649))
        let signed = PolyRq<UInt32, Coeff>(context: ring, signedCoefficients: [-1, 0, 1, 2, -2, 0, 0, 3] as [Int8])
        #expect(signed.composedCoefficients()[0] == BigInt(1648))
        #expect(signed.composedCoefficients()[7] == BigInt(3))
    }

    @Test func dropsToPrefixRing() throws {
        let ring = try Self.ring()
        let smaller = try RnsContext<UInt64>(degree: 16, moduli: Array(ring.moduliValues.prefix(2)))
        let a = Self.randomPoly(ring)
        let dropped = a.dropping(to: smaller)
        #expect(Array(dropped.residues(modulus: 1)) == Array(a.residues(modulus: 1)))
        #expect(dropped.data.count == 32)
    }

    @Test func rejectsDuplicateModuli() {
        #expect(throws: FHEError.self) { try RnsContext<UInt64>(degree: 8, moduli: [17, 17]) }
    }
}
