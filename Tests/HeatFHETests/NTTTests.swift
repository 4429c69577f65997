import Testing
@testable import HeatFHE

/// The schoolbook negacyclic product in Z_q[X]/(X^N + 1), O(N^2), with BigInt-free 128-bit math.
func negacyclicProduct<T: ScalarType>(_ a: [T], _ b: [T], modulus: Modulus<T>) -> [T] {
    let n = a.count
    var out = [T](repeating: 0, count: n)
    for i in 0..<n {
        for j in 0..<n {
            let product = modulus.multiply(a[i], b[j])
            let k = i + j
            if k < n {
                out[k] = modulus.add(out[k], product)
            } else {
                out[k - n] = modulus.subtract(out[k - n], product)
            }
        }
    }
    return out
}

@Suite struct NTTTests {
    @Test func handComputedEightPointExample() throws {
        // N = 8, q = 17, psi = 3 (the smallest primitive 16th root mod 17).
        let plan = try NTTPlan<UInt64>(degree: 8, modulus: 17)
        #expect(plan.root == 3)
        // a(X) = 1 + 2X: output j is a(3^(2*bitrev(j)+1)). bitrev over 3 bits: 0,4,2,6,1,5,3,7.
        // Exponents 1, 9, 5, 13, 3, 11, 7, 15; 3^e mod 17 = 3, 14, 5, 12, 10, 7, 11, 6;
        // 1 + 2*that mod 17 = 7, 12, 11, 8, 4, 15, 6, 13.
        var a: [UInt64] = [1, 2, 0, 0, 0, 0, 0, 0]
        plan.forward(&a)
        #expect(a == [7, 12, 11, 8, 4, 15, 6, 13])
        plan.inverse(&a)
        #expect(a == [1, 2, 0, 0, 0, 0, 0, 0])
        // X^7 * X = X^8 = -1: the negacyclic wrap.
        var x7: [UInt64] = [0, 0, 0, 0, 0, 0, 0, 1]
        var x1: [UInt64] = [0, 1, 0, 0, 0, 0, 0, 0]
        plan.forward(&x7)
        plan.forward(&x1)
        let modulus = try Modulus<UInt64>(17)
        var product = zip(x7, x1).map { modulus.multiply($0, $1) }
        plan.inverse(&product)
        #expect(product == [16, 0, 0, 0, 0, 0, 0, 0])
    }

    static let cases64: [(Int, UInt64)] = [
        (8, 17), (16, 97), (64, 18_014_398_508_400_641), (256, 4_611_686_018_427_322_369), (1024, 12289),
    ]

    @Test(arguments: cases64)
    func productMatchesSchoolbook64(degree: Int, q: UInt64) throws {
        try checkProduct(degree: degree, q: q)
    }

    @Test(arguments: [(32, UInt32(134_176_769)), (128, 268_369_921), (256, 7681)])
    func productMatchesSchoolbook32(degree: Int, q: UInt32) throws {
        try checkProduct(degree: degree, q: q)
    }

    func checkProduct<T: ScalarType>(degree: Int, q: T) throws {
        let plan = try NTTPlan<T>(degree: degree, modulus: q)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<3 {
            let a = (0..<degree).map { _ in T.random(in: 0..<q, using: &random) }
            let b = (0..<degree).map { _ in T.random(in: 0..<q, using: &random) }
            var fa = a
            var fb = b
            plan.forward(&fa)
            plan.forward(&fb)
            #expect(fa.allSatisfy { $0 < q })
            var product = zip(fa, fb).map { plan.modulus.multiply($0, $1) }
            plan.inverse(&product)
            #expect(product == negacyclicProduct(a, b, modulus: plan.modulus))
            plan.inverse(&fa)
            #expect(fa == a)
        }
    }

    @Test(arguments: [1024, 2048, 4096, 8192, 16384, 32768])
    func inverseUndoesForwardForProductionSizes(degree: Int) throws {
        let q = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: degree)[0]
        let plan = try NTTPlan<UInt64>(degree: degree, modulus: q)
        var random = SystemRandomNumberGenerator()
        let a = (0..<degree).map { _ in UInt64.random(in: 0..<q, using: &random) }
        var b = a
        plan.forward(&b)
        #expect(b != a)
        plan.inverse(&b)
        #expect(b == a)
        // Lazy inputs up to 4q are accepted by the forward transform.
        var lazy = a.map { $0 + 3 * q }
        plan.forward(&lazy)
        plan.inverse(&lazy)
        #expect(lazy == a)
    }

    @Test func rejectsBadPlans() {
        #expect(throws: FHEError.self) { try NTTPlan<UInt64>(degree: 12, modulus: 97) }
        #expect(throws: FHEError.self) { try NTTPlan<UInt64>(degree: 64, modulus: 97) }  // 97 != 1 mod 128
        #expect(throws: FHEError.self) { try NTTPlan<UInt64>(degree: 8, modulus: 49) }  // not prime (and not 1 mod 16)
    }
}
