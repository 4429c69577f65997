import Testing
@testable import HeatFHE

/// The fused, in-place kernels of issue 16 (session 37) against their definitions: plaintext
/// addition and subtraction against `round(Q * m / t)` computed with big integers, plaintext
/// multiplication (plain and prepared, at every level) against the whole-polynomial product of
/// the centred lift, and decryption's phase against `c0 + c1*s + c2*s^2` written with
/// whole-polynomial operations. Word for word, on 32- and 64-bit residues and the n8192 preset,
/// with the extreme messages `0`, `1`, `(t-1)/2`, `(t+1)/2` and `t-1` in every run.
@Suite struct InPlaceKernelTests {
    static let parameterSets: [BfvParameters] = {
        var sets = [TestParameters.small32, TestParameters.small64, TestParameters.noBatching]
        if let preset = try? BfvParameters(preset: "n8192-logq217-logt25") { sets.append(preset) }
        return sets
    }()

    /// `N` messages below `t`: the extremes first, then seeded random ones.
    func messages(_ n: Int, t: UInt64, seed: UInt64) -> [UInt64] {
        var generator = SeededGenerator(seed: seed)
        let extremes: [UInt64] = [0, 1, (t - 1) / 2, (t + 1) / 2, t - 1]
        return (0..<n).map { $0 < extremes.count ? extremes[$0] : UInt64.random(in: 0..<t, using: &generator) }
    }

    /// `round(Q * m_j / t)` modulo each ciphertext modulus, by big integers (`t` is odd: no ties).
    func exactScaled<T: ScalarType>(_ values: [UInt64], ring: RnsContext<T>, t: UInt64) -> PolyRq<T, Coeff> {
        let n = ring.degree
        let q = ring.modulusProduct
        let bigT = BigInt(t)
        var data = [T](repeating: 0, count: ring.count * n)
        for (j, m) in values.enumerated() {
            let rounded = (BigInt(2) * q * BigInt(m) + bigT).floorDivided(by: BigInt(2) * bigT)
            for (i, modulus) in ring.moduliValues.enumerated() {
                data[i * n + j] = T(rounded.residue(modulo: UInt64(modulus)))
            }
        }
        return PolyRq(context: ring, data: data)
    }

    /// `c0 + c1*s + ... + ck*s^k` with whole-polynomial operations (the phase as first written).
    func referencePhase<T: ScalarType>(_ ciphertext: Ciphertext<T>, secretKey: SecretKey<T>) -> [T] {
        let ring = ciphertext.polynomials[0].context
        return secretKey.withSecretPolynomial(at: ring) { s in
            var sum = ciphertext.polynomials[0]
            var power = s
            for index in 1..<ciphertext.polynomials.count {
                if index > 1 { power = power * s }
                sum += (ciphertext.polynomials[index].forwardNTT() * power).inverseNTT()
            }
            return sum.data
        }
    }

    func check<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters, seed: UInt64) throws {
        let harness = try EvaluationHarness<T>(parameters)
        let context = harness.context
        let ring = context.ciphertextContext
        let n = harness.n
        let t = harness.t
        let values = messages(n, t: t, seed: seed)
        let plaintext = try Plaintext(
            context: context, coefficients: values.map { T($0) }, encoding: .coefficient, signedness: .unsigned,
            valueCount: n)
        let scaled = exactScaled(values, ring: ring, t: t)
        #expect(plaintext.scaledToCiphertext().data == scaled.data, "round(Q m / t), \(parameters.name)")

        let ciphertext = try harness.encrypt(messages(n, t: t, seed: seed + 100), encoding: .coefficient)
        let sum = try harness.evaluator.add(ciphertext, plaintext)
        #expect(sum.polynomials[0].data == (ciphertext.polynomials[0] + scaled).data, "add.plain, \(parameters.name)")
        #expect(sum.polynomials[1].data == ciphertext.polynomials[1].data)
        let difference = try harness.evaluator.subtract(ciphertext, plaintext)
        #expect(difference.polynomials[0].data == (ciphertext.polynomials[0] - scaled).data, "subtract plain")
        #expect(difference.polynomials[1].data == ciphertext.polynomials[1].data)

        // Plaintext multiplication: the centred lift (m or m - t), transformed, times each polynomial.
        let tModulus = context.plaintextModulus
        func centredLift(in target: RnsContext<T>) -> PolyRq<T, Eval> {
            PolyRq<T, Coeff>(context: target, signedCoefficients: values.map { tModulus.centered(T($0)) }).forwardNTT()
        }
        let factor = centredLift(in: ring)
        #expect(plaintext.liftedToCiphertext().data == factor.data, "centred lift, \(parameters.name)")
        let product = try harness.evaluator.multiply(ciphertext, plaintext)
        for (index, polynomial) in ciphertext.polynomials.enumerated() {
            #expect(
                product.polynomials[index].data == (polynomial.forwardNTT() * factor).inverseNTT().data,
                "multiply.plain polynomial \(index), \(parameters.name)")
        }
        var lowered = ciphertext
        while true {
            let prepared = try BfvPreparedPlaintext(plaintext, level: lowered.level)
            let levelFactor = centredLift(in: lowered.polynomials[0].context)
            #expect(prepared.polynomial.data == levelFactor.data, "prepared lift at level \(lowered.level)")
            let preparedProduct = try harness.evaluator.multiply(lowered, prepared)
            for (index, polynomial) in lowered.polynomials.enumerated() {
                #expect(
                    preparedProduct.polynomials[index].data == (polynomial.forwardNTT() * levelFactor).inverseNTT().data,
                    "prepared multiply at level \(lowered.level)")
            }
            // The phase, at this level and for a three-polynomial product.
            #expect(
                try harness.decryptor.phasePolynomial(lowered).data == referencePhase(lowered, secretKey: harness.secretKey),
                "phase at level \(lowered.level), \(parameters.name)")
            guard lowered.level > 1 else { break }
            lowered = try harness.evaluator.switchingModulusDown(lowered)
        }
        let square = try harness.evaluator.multiply(ciphertext, ciphertext)
        #expect(square.polynomials.count == 3)
        #expect(
            try harness.decryptor.phasePolynomial(square).data == referencePhase(square, secretKey: harness.secretKey),
            "phase of a three-polynomial ciphertext, \(parameters.name)")
        // And the messages still decrypt: m + p, m - p, m * p (negacyclic) checked elsewhere; here m + p.
        let decrypted = try harness.decryptor.decrypt(sum).coefficients.map { UInt64($0) }
        let plain = messages(n, t: t, seed: seed + 100)
        #expect(decrypted == (0..<n).map { (plain[$0] + values[$0]) % t }, "decrypt(add.plain)")
    }

    @Test(arguments: [UInt64(1), 2])
    func fusedKernelsEqualTheirDefinitions(seed: UInt64) throws {
        for parameters in Self.parameterSets {
            switch parameters.scalarWidth {
            case .bits32: try check(UInt32.self, parameters, seed: seed)
            case .bits64: try check(UInt64.self, parameters, seed: seed)
            }
        }
    }
}
