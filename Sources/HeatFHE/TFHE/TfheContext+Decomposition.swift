/// The CMux's first step fused into one pass (issue 22 speed): the rotation minus the identity,
/// `X^e * a - a` in `Z_q[X]/(X^N + 1)`, and the signed gadget decomposition of the result
/// (``TfheContext/decompose(_:into:)``), without writing the rotated polynomial in between.
///
/// The rotation splits `[0, N)` at `shift = e mod N` into two runs whose sources are contiguous:
/// coefficient `t < shift` reads `a[t - shift + N]` (negated when `e < N`), coefficient
/// `t >= shift` reads `a[t - shift]` (negated when `e >= N`). Each run is decomposed eight
/// coefficients at a time on `SIMD8<UInt64>` lanes when the kernel is ``NTTKernel/vector``
/// (the reciprocal's high product from four 32 x 32-bit products, `NTTVector64.multiplyHigh`),
/// with a scalar tail; the scalar kernel runs the same arithmetic one coefficient at a time.
/// Both kernels write exactly the digits of ``TfheBootstrappingKey/rotateMinusIdentity(_:into:exponent:degree:modulus:)``
/// followed by ``TfheContext/decompose(_:into:)`` (tested on every rotation boundary).
extension TfheContext {
    /// Writes the `l` balanced gadget digits of `X^exponent * a - a` to `output[(j - 1) * N + t]`.
    ///
    /// - Parameters:
    ///   - a: `N` residues in `[0, q)`.
    ///   - exponent: in `[0, 2N)`.
    ///   - output: `l * N` words; on return residues in `[0, q)` (digits in `[-B/2, B/2]`).
    ///   - kernel: ``NTTKernel/vector`` for eight lanes at a time, else scalar (same words).
    func decomposeRotationDifference(
        _ a: UnsafePointer<UInt64>, exponent: Int, into output: UnsafeMutablePointer<UInt64>, kernel: NTTKernel
    ) {
        let n = parameters.polynomialSize
        precondition((0..<(2 * n)).contains(exponent), "the rotation exponent must be in [0, 2N)")
        let negateFirst = exponent >= n
        let shift = exponent % n
        // t < shift: X^shift wraps a[t - shift + N] around with a sign flip.
        decomposeRun(a, source: a + (n - shift), range: 0..<shift, negate: !negateFirst, into: output, kernel: kernel)
        decomposeRun(a, source: a, range: shift..<n, negate: negateFirst, into: output, kernel: kernel)
    }

    /// Decomposes `(+-source[t - range.lowerBound]) - a[t]` for `t` in `range`.
    private func decomposeRun(
        _ a: UnsafePointer<UInt64>, source: UnsafePointer<UInt64>, range: Range<Int>, negate: Bool,
        into output: UnsafeMutablePointer<UInt64>, kernel: NTTKernel
    ) {
        var t = range.lowerBound
        if kernel == .vector {
            t = decomposeRunVector(a, source: source, range: range, negate: negate, into: output)
        }
        let q = primeModulus.value
        while t < range.upperBound {
            let s = source[t - range.lowerBound]
            let signed = negate ? Swift.min(q &- s, q &- s &- q) : s
            let difference = signed &- a[t]
            writeDigits(of: Swift.min(difference, difference &+ q), at: t, into: output)
            t += 1
        }
    }

    /// The digits of one residue `x` in `[0, q)` (the scalar arithmetic of ``decompose(_:into:)``).
    @inline(__always)
    func writeDigits(of x: UInt64, at t: Int, into output: UnsafeMutablePointer<UInt64>) {
        let n = parameters.polynomialSize
        let baseLog = UInt64(parameters.pbsBaseLog)
        let totalBits = baseLog * UInt64(parameters.pbsLevels)
        let q = primeModulus.value
        let mask: UInt64 = (1 << baseLog) - 1
        let half: UInt64 = 1 << (baseLog - 1)
        // y = floor((x 2^Bl + q/2) / q): the reciprocal's estimate is at most 2 below (see decompose).
        var y = x.multipliedFullWidth(by: decompositionRatio).high
        var remainder = ((x << totalBits) &+ (q >> 1)) &- y &* q
        for _ in 0..<2 {
            let difference = remainder &- q
            let keep = 0 &- (difference >> 63)
            y &+= 1 &+ keep
            remainder = (remainder & keep) | (difference & ~keep)
        }
        var level = parameters.pbsLevels
        while level >= 1 {
            let digit = y & mask
            y >>= baseLog
            let carry = (digit &+ half) >> baseLog
            y &+= carry
            let signedDigit = digit &- (carry << baseLog)
            output[(level - 1) * n + t] = signedDigit &+ (q & (0 &- (signedDigit >> 63)))
            level -= 1
        }
    }

    /// The eight-lane part of a run: returns the first coefficient left for the scalar tail.
    private func decomposeRunVector(
        _ a: UnsafePointer<UInt64>, source: UnsafePointer<UInt64>, range: Range<Int>, negate: Bool,
        into output: UnsafeMutablePointer<UInt64>
    ) -> Int {
        typealias Lanes = SIMD8<UInt64>
        let n = parameters.polynomialSize
        let levels = parameters.pbsLevels
        let baseLog = UInt64(parameters.pbsBaseLog)
        let totalBits = baseLog * UInt64(levels)
        let q = Lanes(repeating: primeModulus.value)
        let halfQ = Lanes(repeating: primeModulus.value >> 1)
        let ratio = Lanes(repeating: decompositionRatio)
        let mask = Lanes(repeating: (1 << baseLog) - 1)
        let half = Lanes(repeating: 1 << (baseLog - 1))
        let one = Lanes(repeating: 1)
        let zero = Lanes.zero
        let sources = UnsafeRawPointer(source)
        let inputs = UnsafeRawPointer(a)
        var t = range.lowerBound
        while t + Lanes.scalarCount <= range.upperBound {
            let s = sources.loadUnaligned(fromByteOffset: 8 * (t - range.lowerBound), as: Lanes.self)
            var signed = s
            if negate {
                let negated = q &- s  // in (0, q]; q (for s = 0) becomes 0
                signed = pointwiseMin(negated, negated &- q)
            }
            let difference = signed &- inputs.loadUnaligned(fromByteOffset: 8 * t, as: Lanes.self)
            let x = pointwiseMin(difference, difference &+ q)
            var y = NTTVector64.multiplyHigh(x, ratio)
            var remainder = ((x &<< totalBits) &+ halfQ) &- y &* q
            for _ in 0..<2 {
                let below = remainder &- q
                let keep = zero &- (below &>> 63)
                y = y &+ one &+ keep
                remainder = (remainder & keep) | (below & ~keep)
            }
            var level = levels
            while level >= 1 {
                let digit = y & mask
                y = y &>> baseLog
                let carry = (digit &+ half) &>> baseLog
                y = y &+ carry
                let signedDigit = digit &- (carry &<< baseLog)
                let residue = signedDigit &+ (q & (zero &- (signedDigit &>> 63)))
                UnsafeMutableRawPointer(output + (level - 1) * n + t).storeBytes(of: residue, as: Lanes.self)
                level -= 1
            }
            t += Lanes.scalarCount
        }
        return t
    }
}
