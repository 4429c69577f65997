import Testing
@testable import HeatFHE

@Suite struct BigIntTests {
    @Test func parsesAndPrintsDecimalAndHex() throws {
        let value = try #require(BigInt("-123456789012345678901234567890"))
        #expect(value.description == "-123456789012345678901234567890")
        #expect(try #require(BigInt("ff", radix: 16)).description == "255")
        #expect(BigInt(255).hexDescription == "ff")
        #expect(BigInt(-4096).toString(radix: 16) == "-1000")
        #expect(BigInt(UInt64.max).description == "18446744073709551615")
        #expect(BigInt(Int.min).description == "-9223372036854775808")
    }

    @Test(arguments: ["", "-", "12a", " 12", "0x10", "1 2", "+5"])
    func rejectsInvalidText(_ text: String) {
        #expect(BigInt(text) == nil)
    }

    @Test func factorialThirty() {
        var product = BigInt(1)
        for k in 1...30 { product = product * BigInt(k) }
        #expect(product.description == "265252859812191058636308480000000")
    }

    @Test func squaringDoesNotAlias() {
        let a = BigInt(1) .shiftedLeft(by: 100) + BigInt(7)
        let square = a * a
        #expect(square == (BigInt(1).shiftedLeft(by: 200) + BigInt(14).shiftedLeft(by: 100) + BigInt(49)))
        #expect(a == BigInt(1).shiftedLeft(by: 100) + BigInt(7))
    }

    @Test func truncatingAndFloorDivision() {
        #expect((BigInt(-7) / BigInt(2)) == BigInt(-3))
        #expect((BigInt(-7) % BigInt(2)) == BigInt(-1))
        #expect((BigInt(7) % BigInt(-2)) == BigInt(1))
        #expect(BigInt(-7).floorDivided(by: BigInt(2)) == BigInt(-4))
        #expect(BigInt(-7).modulo(BigInt(2)) == BigInt(1))
        #expect(BigInt(-7).modulo(BigInt(-2)) == BigInt(1))
    }

    @Test func primality() {
        let mersenne127 = BigInt(2).power(127) - BigInt(1)
        #expect(mersenne127.isProbablePrime())
        #expect(mersenne127.description == "170141183460469231731687303715884105727")
        #expect(!BigInt(561).isProbablePrime())  // Carmichael number
        #expect(!(BigInt(2).power(128) + BigInt(1)).isProbablePrime())  // F7 is composite
        #expect(BigInt(65537).isProbablePrime())
    }

    @Test func modularPowerAndInverse() throws {
        #expect(BigInt(4).power(BigInt(13), modulo: BigInt(497)) == BigInt(445))
        #expect(try #require(BigInt(3).inverse(modulo: BigInt(11))) == BigInt(4))
        #expect(try #require(BigInt(17).inverse(modulo: BigInt(3120))) == BigInt(2753))  // the RSA textbook example
        #expect(BigInt(6).inverse(modulo: BigInt(9)) == nil)
        let p = BigInt(2).power(127) - BigInt(1)
        let x = BigInt("123456789123456789123456789")!
        let inverse = try #require(x.inverse(modulo: p))
        #expect((x * inverse).modulo(p) == BigInt(1))
    }

    @Test func comparisonHashingAndConversion() {
        #expect(BigInt(-5) < BigInt(3))
        #expect(BigInt(10) > BigInt(9))
        #expect(Set([BigInt(5), BigInt(5), BigInt(-5)]).count == 2)
        #expect(BigInt(42).uint64Value == 42)
        #expect(BigInt(-1).uint64Value == nil)
        #expect((BigInt(2).power(70)).uint64Value == nil)
        #expect(BigInt(2).power(70).bitWidth == 71)
        #expect(BigInt(0).bitWidth == 0)
        #expect(BigInt(-10).residue(modulo: 7) == 4)
    }

    @Test func randomArithmeticAgreesWithInt() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let a = Int.random(in: -1_000_000_000...1_000_000_000, using: &generator)
            let b = Int.random(in: -1_000_000_000...1_000_000_000, using: &generator)
            #expect((BigInt(a) + BigInt(b)).intValue == a + b)
            #expect((BigInt(a) - BigInt(b)).intValue == a - b)
            #expect((BigInt(a) * BigInt(b)).intValue == a * b)
            if b != 0 {
                #expect((BigInt(a) / BigInt(b)).intValue == a / b)
                #expect((BigInt(a) % BigInt(b)).intValue == a % b)
            }
        }
    }
}
