import Testing
@testable import HeatFHE

/// The division-free gadget decomposition of the external product (issue 22 speed) gives exactly
/// the digits of the 128-by-64-bit division it replaced, on random residues and at the rounding
/// boundaries `x * 2^(Bl) + q/2 = k q` where an estimate off by one would show.
@Suite struct TfheKernelTests {
    /// The digits as first written: `y = floor((x 2^(Bl) + q/2) / q)` by hardware division.
    func referenceDigits(_ x: UInt64, context: TfheContext) -> [UInt64] {
        let levels = context.parameters.pbsLevels
        let baseLog = UInt64(context.parameters.pbsBaseLog)
        let totalBits = baseLog * UInt64(levels)
        let q = context.primeModulus.value
        let (sumLow, overflow) = (x << totalBits).addingReportingOverflow(q >> 1)
        var y = q.dividingFullWidth((high: (x >> (64 - totalBits)) &+ (overflow ? 1 : 0), low: sumLow)).quotient
        var digits = [UInt64](repeating: 0, count: levels)
        var level = levels
        while level >= 1 {
            let digit = y & ((1 << baseLog) - 1)
            y >>= baseLog
            let carry = (digit &+ (1 << (baseLog - 1))) >> baseLog
            y &+= carry
            let signedDigit = digit &- (carry << baseLog)
            digits[level - 1] = signedDigit &+ (q & (0 &- (signedDigit >> 63)))
            level -= 1
        }
        return digits
    }

    @Test(arguments: [TfheParameters.insecureTest4Bit, .default4Bit])
    func divisionFreeDecompositionMatchesTheDivision(parameters: TfheParameters) throws {
        #expect(try decompositionMismatches(parameters: parameters) == 0)
    }

    /// Wider gadgets than the presets' (`B l` = 22 and 30): 44 and 60 bits, where `x << Bl` wraps
    /// hardest and the reciprocal has the fewest spare bits (60 is the largest `validate()` allows).
    @Test(arguments: [(22, 2), (20, 3), (30, 2), (60, 1), (15, 4)])
    func divisionFreeDecompositionAtWideGadgets(baseLog: Int, levels: Int) throws {
        let base = TfheParameters.insecureTest4Bit
        let parameters = try TfheParameters(
            name: "wide-gadget-test", lweDimension: base.lweDimension, glweDimension: base.glweDimension,
            polynomialSize: base.polynomialSize, lweNoiseLog2: base.lweNoiseLog2, glweNoiseLog2: base.glweNoiseLog2,
            pbsBaseLog: baseLog, pbsLevels: levels, ksBaseLog: base.ksBaseLog, ksLevels: base.ksLevels,
            messageBits: base.messageBits, security: .insecureForTesting, reference: "none (test)")
        #expect(try decompositionMismatches(parameters: parameters) == 0, "B=\(baseLog), l=\(levels)")
    }

    /// How many digits of the division-free decomposition differ from the division's, over random
    /// residues, the extremes and the rounding boundaries.
    func decompositionMismatches(parameters: TfheParameters) throws -> Int {
        let context = try TfheContext(parameters: parameters)
        let n = parameters.polynomialSize
        let levels = parameters.pbsLevels
        let q = context.primeModulus.value
        let totalBits = UInt64(parameters.pbsBaseLog * levels)
        var generator = SystemRandomNumberGenerator()
        var inputs: [UInt64] = [0, 1, 2, q - 1, q - 2, q >> 1, (q >> 1) + 1]
        // Around each boundary x = (k q - q/2) / 2^(Bl), for random k.
        while inputs.count < n {
            let k = UInt64.random(in: 1..<(UInt64(1) << totalBits), using: &generator)
            let product = k.multipliedFullWidth(by: q)
            let (low, borrow) = product.low.subtractingReportingOverflow(q >> 1)
            let numerator = (high: product.high &- (borrow ? 1 : 0), low: low)
            let center = (numerator.low >> totalBits) | (numerator.high << (64 - totalBits))
            for delta in [0, 1, 2] as [UInt64] where center &+ delta < q && center >= delta {
                inputs.append(center &+ delta)
                inputs.append(center &- delta)
            }
            inputs.append(UInt64.random(in: 0..<q, using: &generator))
        }
        inputs = Array(inputs.prefix(n))
        var digits = [UInt64](repeating: 0, count: levels * n)
        inputs.withUnsafeBufferPointer { input in
            digits.withUnsafeMutableBufferPointer { context.decompose(input.baseAddress!, into: $0.baseAddress!) }
        }
        var mismatches = 0
        for t in 0..<n {
            let expected = referenceDigits(inputs[t], context: context)
            for level in 0..<levels where digits[level * n + t] != expected[level] { mismatches += 1 }
        }
        return mismatches
    }

    /// The fused rotation-minus-identity and decomposition of the CMux gives exactly the digits of
    /// `rotateMinusIdentity` followed by `decompose`, with both kernels, at every kind of rotation
    /// boundary (0, a run shorter than one vector, runs that end inside a vector, `N`, `2N - 1`).
    @Test(arguments: [TfheParameters.insecureTest4Bit, .default4Bit])
    func fusedRotationDecompositionMatchesTheTwoSteps(parameters: TfheParameters) throws {
        let context = try TfheContext(parameters: parameters)
        let n = parameters.polynomialSize
        let levels = parameters.pbsLevels
        var random = SecureRandom()
        var input = Sampler.uniform(modulus: context.primeModulus, count: n, using: &random) + []
        // Extremes and zeros (whose negation must stay 0, not q).
        input[0] = 0
        input[1] = context.primeModulus.value - 1
        input[n - 1] = 0
        input[n / 2] = context.primeModulus.value >> 1
        var generator = SystemRandomNumberGenerator()
        var exponents = [0, 1, 3, 7, 8, 9, 15, 17, n - 9, n - 8, n - 1, n, n + 1, n + 7, n + 8, n + 13, 2 * n - 8, 2 * n - 1]
        for _ in 0..<8 { exponents.append(Int.random(in: 0..<(2 * n), using: &generator)) }
        var rotated = [UInt64](repeating: 0, count: n)
        var expected = [UInt64](repeating: 0, count: levels * n)
        var fused = [UInt64](repeating: 0, count: levels * n)
        for exponent in exponents {
            input.withUnsafeBufferPointer { a in
                rotated.withUnsafeMutableBufferPointer {
                    TfheBootstrappingKey.rotateMinusIdentity(
                        a.baseAddress!, into: $0.baseAddress!, exponent: exponent, degree: n, modulus: context.primeModulus)
                }
            }
            rotated.withUnsafeBufferPointer { r in
                expected.withUnsafeMutableBufferPointer { context.decompose(r.baseAddress!, into: $0.baseAddress!) }
            }
            for kernel in NTTKernel.allCases {
                for index in fused.indices { fused[index] = 0xdead }
                input.withUnsafeBufferPointer { a in
                    fused.withUnsafeMutableBufferPointer {
                        context.decomposeRotationDifference(a.baseAddress!, exponent: exponent, into: $0.baseAddress!, kernel: kernel)
                    }
                }
                let mismatches = (0..<(levels * n)).filter { fused[$0] != expected[$0] }.count
                #expect(mismatches == 0, "\(parameters.name) exponent \(exponent) kernel \(kernel): \(mismatches) digits differ")
            }
        }
    }

    /// The blind rotation with the fused kernel equals a reference CMux loop built from the
    /// unfused steps (`rotateMinusIdentity`, `externalProduct`): the accumulators are identical.
    @Test func blindRotationMatchesTheUnfusedCMux() throws {
        let context = try TfheContext(parameters: .insecureTest4Bit)
        var random = SecureRandom()
        let key = TfheSecretKey(context: context, using: &random)
        let bootstrappingKey = TfheBootstrappingKey(secretKey: key, using: &random)
        let n = context.parameters.polynomialSize
        let k = context.parameters.glweDimension
        var generator = SystemRandomNumberGenerator()
        let switched = (0...context.parameters.lweDimension).map { _ in Int.random(in: 0..<(2 * n), using: &generator) }
        let test = Sampler.uniform(modulus: context.primeModulus, count: n, using: &random) + []
        let fast = bootstrappingKey.blindRotate(switched: switched, testPolynomial: test)
        // Reference: start from the same rotated test polynomial (a CMux-free blind rotation).
        var reference = bootstrappingKey.blindRotate(switched: switched.enumerated().map { $0.offset < context.parameters.lweDimension ? 0 : $0.element }, testPolynomial: test).data
        let scratch = TfheBootstrappingKey.Scratch(context: context)
        var rotated = [UInt64](repeating: 0, count: (k + 1) * n)
        for i in 0..<context.parameters.lweDimension where switched[i] != 0 {
            reference.withUnsafeBufferPointer { acc in
                rotated.withUnsafeMutableBufferPointer { out in
                    for p in 0...k {
                        TfheBootstrappingKey.rotateMinusIdentity(
                            acc.baseAddress! + p * n, into: out.baseAddress! + p * n, exponent: switched[i], degree: n,
                            modulus: context.primeModulus)
                    }
                }
            }
            rotated.withUnsafeBufferPointer { input in
                reference.withUnsafeMutableBufferPointer { output in
                    bootstrappingKey.externalProduct(index: i, input: input, output: output, scratch: scratch)
                }
            }
        }
        #expect(fast.data == reference)
    }
}
