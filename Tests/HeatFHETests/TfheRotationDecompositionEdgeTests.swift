import Testing

@testable import HeatFHE

/// Review pbs22 finding 8: the fused `X^e a - a` plus gadget decomposition of the CMux
/// (`TfheContext.decomposeRotationDifference`) at its edges, against the unfused definition
/// written out independently here: a schoolbook negacyclic rotation, a subtraction, and the
/// decomposition `y = floor((x B^l + floor(q/2)) / q)` by 128-by-64-bit division, written in
/// balanced base `B` with signed integers.
@Suite struct TfheRotationDecompositionEdgeTests {
    /// `X^e a - a` in `Z_q[X]/(X^N + 1)`, one coefficient at a time from the definition.
    static func rotationDifference(_ a: [UInt64], exponent e: Int, modulus: Modulus<UInt64>) -> [UInt64] {
        let n = a.count
        var rotated = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            let j = i + e  // X^i * X^e = X^j, X^N = -1, X^2N = 1
            switch j {
            case ..<n: rotated[j] = modulus.add(rotated[j], a[i])
            case ..<(2 * n): rotated[j - n] = modulus.subtract(rotated[j - n], a[i])
            default: rotated[j - 2 * n] = modulus.add(rotated[j - 2 * n], a[i])
            }
        }
        return (0..<n).map { modulus.subtract(rotated[$0], a[$0]) }
    }

    /// The `l` digits of `x` (most significant first) as residues, by division and signed integers.
    static func digits(of x: UInt64, context: TfheContext) -> [UInt64] {
        let q = context.primeModulus.value
        let levels = context.parameters.pbsLevels
        let baseLog = context.parameters.pbsBaseLog
        let totalBits = UInt64(baseLog * levels)
        let (low, carry) = (x << totalBits).addingReportingOverflow(q / 2)
        var y = Int(q.dividingFullWidth((high: (x >> (64 - totalBits)) + (carry ? 1 : 0), low: low)).quotient)
        let base = 1 << baseLog
        var result = [UInt64](repeating: 0, count: levels)
        for level in stride(from: levels, through: 1, by: -1) {
            var digit = y % base
            y /= base
            if digit >= base / 2 {
                digit -= base
                y += 1
            }
            result[level - 1] = digit >= 0 ? UInt64(digit) : q - UInt64(-digit)
        }
        return result
    }

    /// Residues at the edges: 0, 1, q - 1, q/2 and both sides of every rounding boundary of the
    /// decomposition: the smallest `x` with `y = floor((x B^l + q/2) / q)` equal to a chosen `y`
    /// (`0, 1, B/2 - 1, B/2, B/2 + 1, B - 1, B`, `B^l/2 +- 1`, `B^l - 1`, `B^l`, and the carry
    /// chains `B^l/2 + B/2`), and that `x - 1`.
    static func edgeResidues(context: TfheContext) -> [UInt64] {
        let q = context.primeModulus.value
        let baseLog = context.parameters.pbsBaseLog
        let totalBits = baseLog * context.parameters.pbsLevels
        let base = UInt64(1) << baseLog
        let top = UInt64(1) << totalBits
        var values: Set<UInt64> = [0, 1, 2, q - 1, q - 2, q / 2, q / 2 + 1]
        let targets: [UInt64] = [1, base / 2 - 1, base / 2, base / 2 + 1, base - 1, base, top / 2 - 1, top / 2, top / 2 + 1,
            top / 2 + base / 2, top - base / 2, top - 1, top]
        for y in targets where y >= 1 {
            // smallest x with x B^l + q/2 >= y q: x = ceil((y q - q/2) / B^l)
            let product = y.multipliedFullWidth(by: q)
            let (low, borrow) = product.low.subtractingReportingOverflow(q / 2)
            let high = product.high - (borrow ? 1 : 0)
            let quotient = (high << (64 - totalBits)) | (low >> totalBits)
            let x = (low & (top - 1)) == 0 ? quotient : quotient + 1
            for candidate in [x, x &- 1, x + 1] where candidate < q { values.insert(candidate) }
        }
        return values.sorted()
    }

    /// `a` with `X^e a - a = d` (solved in NTT form: `X^e - 1` is invertible for `0 < e < 2N`).
    static func preimage(of d: [UInt64], exponent e: Int, context: TfheContext) -> [UInt64] {
        let n = context.parameters.polynomialSize
        let modulus = context.primeModulus
        var divisor = [UInt64](repeating: 0, count: n)
        divisor[e % n] = e < n ? 1 : modulus.value - 1
        divisor[0] = modulus.subtract(divisor[0], 1)
        var target = d
        context.plan.forward(&divisor)
        context.plan.forward(&target)
        for t in 0..<n { target[t] = modulus.multiply(target[t], modulus.inverse(divisor[t])!) }
        context.plan.inverse(&target)
        return target
    }

    func fused(_ a: [UInt64], exponent: Int, context: TfheContext, kernel: NTTKernel) -> [UInt64] {
        var output = [UInt64](repeating: 0xdead, count: context.parameters.pbsLevels * context.parameters.polynomialSize)
        a.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer {
                context.decomposeRotationDifference(input.baseAddress!, exponent: exponent, into: $0.baseAddress!, kernel: kernel)
            }
        }
        return output
    }

    func expected(_ a: [UInt64], exponent: Int, context: TfheContext) -> [UInt64] {
        let n = context.parameters.polynomialSize
        let difference = Self.rotationDifference(a, exponent: exponent, modulus: context.primeModulus)
        var output = [UInt64](repeating: 0, count: context.parameters.pbsLevels * n)
        for t in 0..<n {
            for (j, digit) in Self.digits(of: difference[t], context: context).enumerated() { output[j * n + t] = digit }
        }
        return output
    }

    @Test(
        "fused X^e a - a and decomposition: rotations 0, 1, N-1, N, N+1, 2N-1, edge residues in a and in the difference, both kernels",
        arguments: [TfheParameters.insecureTest4Bit, .fast4Bit, .default4Bit])
    func edges(parameters: TfheParameters) throws {
        let context = try TfheContext(parameters: parameters)
        let n = parameters.polynomialSize
        let q = context.primeModulus.value
        let edges = Self.edgeResidues(context: context)
        #expect(edges.count >= 20)
        var generator = SystemRandomNumberGenerator()
        for exponent in [0, 1, n - 1, n, n + 1, 2 * n - 1] {
            // 1. The edges in the input itself (positions 0, N - 1 and spread), random elsewhere.
            var a = (0..<n).map { _ in UInt64.random(in: 0..<q, using: &generator) }
            for (index, value) in edges.enumerated() { a[(index * 37) % n] = value }
            a[0] = 0
            a[n - 1] = q - 1
            // 2. The edges in the difference X^e a - a (for e > 0: a solved from the chosen difference).
            var inputs = [a]
            if exponent > 0 {
                var d = (0..<n).map { _ in UInt64.random(in: 0..<q, using: &generator) }
                for (index, value) in edges.enumerated() {
                    d[index] = value  // the first run (t < shift) for shift > 0 ...
                    d[n - 1 - index] = value  // ... and the last coefficients
                }
                let solved = Self.preimage(of: d, exponent: exponent, context: context)
                #expect(Self.rotationDifference(solved, exponent: exponent, modulus: context.primeModulus) == d)
                inputs.append(solved)
            }
            for input in inputs {
                let reference = expected(input, exponent: exponent, context: context)
                for kernel in NTTKernel.allCases {
                    let words = fused(input, exponent: exponent, context: context, kernel: kernel)
                    let mismatches = (0..<words.count).filter { words[$0] != reference[$0] }
                    #expect(mismatches.isEmpty, "\(parameters.name) e=\(exponent) \(kernel): \(mismatches.count) digits differ, first at \(mismatches.first ?? -1)")
                }
            }
        }
    }

    @Test("the reference digits recompose every edge residue within q / (2 B^l) + l B / 2")
    func referenceDigitsAreTheGadgetDecomposition() throws {
        for parameters in [TfheParameters.insecureTest4Bit, .fast4Bit] {
            let context = try TfheContext(parameters: parameters)
            let q = context.primeModulus.value
            let modulus = context.primeModulus
            let baseLog = parameters.pbsBaseLog
            let levels = parameters.pbsLevels
            for x in Self.edgeResidues(context: context) {
                let digits = Self.digits(of: x, context: context)
                // sum_j d_j * round(q / B^j) modulo q, centered distance to x.
                var sum: UInt64 = 0
                for (index, digit) in digits.enumerated() {
                    let g = UInt64((Double(q) / pow2(baseLog * (index + 1))).rounded())
                    sum = modulus.add(sum, modulus.multiply(digit, g % q))
                }
                let error = modulus.centered(modulus.subtract(sum, x)).magnitude
                let bound = Double(q) / pow2(baseLog * levels + 1) + Double(levels) * pow2(baseLog - 1) + 2
                #expect(Double(error) <= bound, "\(parameters.name) x=\(x) error \(error)")
            }
        }
    }

    private func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}
