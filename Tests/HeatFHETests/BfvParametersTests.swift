import Testing
@testable import HeatFHE

@Suite struct BfvParametersTests {
    @Test func presetsAreSecureAndTheirPrimesValid() throws {
        #expect(
            BfvParameters.presetNames == [
                "n4096-logq109-logt17", "n8192-logq217-logt25", "n8192-logq217-logt41", "n16384-logq434-logt30",
                "n16384-logq248-logt41", "n16384-logq434-logt60",
            ])
        for preset in BfvParameters.presets {
            try preset.validate()
            let maximum = try #require(BfvParameters.maximumLogQ(degree: preset.degree))
            #expect(preset.keyLogQ <= maximum)
            #expect(preset.security == .standard128)
            #expect(preset.supportsBatching)
            let modulusBits = preset.scalarWidth == .bits32 ? 30 : 62
            for q in preset.keyModuli {
                #expect(BigInt(q).isProbablePrime(), "\(q) must be prime")
                #expect(q % UInt64(2 * preset.degree) == 1, "\(q) must be 1 mod 2N")
                #expect(q < UInt64(1) << UInt64(modulusBits))
            }
            #expect(BigInt(preset.plaintextModulus).isProbablePrime())
            #expect(preset.plaintextModulus % UInt64(2 * preset.degree) == 1)
            #expect(try BfvParameters(preset: preset.name) == preset)
            #expect(preset.presetName == preset.name)
        }
        #expect(BfvParameters.presets[0].plaintextModulus == 65537)
        #expect(BfvParameters.presets[1].logT >= 25)
    }

    @Test func presetPrimesAreTheLargestOfTheirSize() throws {
        let n4096 = BfvParameters.presets[0]
        #expect(try PrimeGenerator.nttPrimes(bitWidth: 27, count: 3, degree: 4096) == n4096.ciphertextModuli)
        let n8192 = BfvParameters.presets[1]
        #expect(try PrimeGenerator.nttPrimes(bitWidth: 54, count: 3, degree: 8192) == n8192.ciphertextModuli)
    }

    @Test func unknownPresetListsPresets() {
        #expect(throws: FHEError.unknownPreset("n1234", available: BfvParameters.presetNames)) {
            try BfvParameters(preset: "n1234")
        }
        #expect(FHEError.unknownPreset("x", available: ["a"]).category == .usage)
    }

    @Test func insecureParametersAreRefusedUnlessMarked() throws {
        var parameters = TestParameters.small32
        parameters.security = .standard128
        #expect(throws: FHEError.insecureParameters(degree: 16, logQ: parameters.keyLogQ, maximumLogQ: nil)) {
            try parameters.validate()
        }
        // N=4096 with too large a modulus: four 30-bit-ish primes exceed 109 bits.
        let big = try PrimeGenerator.nttPrimes(bitWidth: 30, count: 4, degree: 4096)
        let tooLarge = BfvParameters(
            degree: 4096, plaintextModulus: 65537, ciphertextModuli: Array(big.prefix(3)), specialModulus: big[3],
            scalarWidth: .bits32)
        #expect(throws: FHEError.insecureParameters(degree: 4096, logQ: 120, maximumLogQ: 109)) {
            try BfvContext<UInt32>(parameters: tooLarge)
        }
        var insecure = tooLarge
        insecure.security = .insecureForTesting
        _ = try BfvContext<UInt32>(parameters: insecure)
    }

    @Test func validationNamesTheBadParameter() {
        var notFriendly = TestParameters.small32
        notFriendly.ciphertextModuli[0] = 134_217_689  // prime, but not 1 mod 32
        #expect(throws: FHEError.self) { try notFriendly.validate() }
        var tooWide = TestParameters.small64
        tooWide.scalarWidth = .bits32
        #expect(throws: FHEError.self) { try tooWide.validate() }
        var evenT = TestParameters.small32
        evenT.plaintextModulus = 256
        #expect(throws: FHEError.invalidParameters("plaintextModulus t=256 must be odd and at least 3")) {
            try evenT.validate()
        }
        var duplicate = TestParameters.small32
        duplicate.specialModulus = duplicate.ciphertextModuli[0]
        #expect(throws: FHEError.self) { try duplicate.validate() }
        // The context type must match the scalar width.
        #expect(throws: FHEError.self) { try BfvContext<UInt64>(parameters: TestParameters.small32) }
    }

    @Test func canonicalBytesRoundTripAndFingerprintDiffers() throws {
        for parameters in BfvParameters.presets + [TestParameters.small32, TestParameters.small64] {
            var reader = ByteReader(parameters.canonicalBytes, source: "test")
            let decoded = try BfvParameters(reading: &reader, source: "test")
            #expect(decoded == parameters)
        }
        #expect(BfvParameters.presets[0].fingerprint != BfvParameters.presets[1].fingerprint)
        #expect(TestParameters.small32.fingerprint != TestParameters.noBatching.fingerprint)
    }
}
