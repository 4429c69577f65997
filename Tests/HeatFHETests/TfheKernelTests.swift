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
}
