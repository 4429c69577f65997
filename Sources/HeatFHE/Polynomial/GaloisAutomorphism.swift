/// The Galois automorphisms `sigma_g: a(X) -> a(X^g)` of `Z_q[X]/(X^N + 1)`, `g` odd in `[1, 2N)`.
///
/// In coefficient form, coefficient `j` moves to position `j * g mod 2N`, negated when that is
/// `N` or more (because `X^N = -1`). In evaluation form, where position `bitReverse(k)` holds
/// `a(psi^(2k+1))` (see ``NTTPlan``), `sigma_g` is a pure permutation:
/// `sigma_g(a)(psi^(2k+1)) = a(psi^(g(2k+1)))`. Both forms give the same polynomial (a test checks
/// it). With the batch encoding (``BfvEncoding/batch``) slot `i < N/2` holds `m(psi^(3^i))`, so
/// `g = 3^r mod 2N` rotates both rows of slots left by `r` and `g = 2N - 1` swaps the rows
/// (``GaloisElement``).
///
/// ```swift
/// let rotated = polynomial.applyingGalois(element: GaloisElement.rotation(by: 1, degree: n))
/// ```
extension PolyRq where F == Coeff {
    /// `a(X^g)` in coefficient form.
    ///
    /// - Parameter g: an odd Galois element in `[1, 2N)`.
    /// - Returns: the transformed polynomial.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func applyingGalois(element g: Int) -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "PolyRq.applyingGalois(coefficients)")
        let n = degree
        precondition(g & 1 == 1 && g > 0 && g < 2 * n, "a Galois element is odd and below 2N")
        let mask = 2 * n - 1
        let logN = n.trailingZeroBitCount
        // `j -> j g mod 2N` is a bijection of the positions modulo N (g is odd), so every word is
        // written once: no zero fill. The sign is a mask, not a branch (half the positions wrap,
        // in a pattern the predictor does not learn).
        let words = [T](unsafeUninitializedCapacity: data.count) { out, initialized in
            data.withUnsafeBufferPointer { source in
                for (i, modulus) in context.moduli.enumerated() {
                    let input = source.baseAddress.unsafelyUnwrapped + i * n
                    let output = out.baseAddress.unsafelyUnwrapped + i * n
                    var index = 0
                    for j in 0..<n {
                        let value = input[j]
                        let wraps = 0 &- T(truncatingIfNeeded: index &>> logN)
                        output[index & (n &- 1)] = (value & ~wraps) | (modulus.negate(value) & wraps)
                        index = (index &+ g) & mask
                    }
                }
            }
            initialized = data.count
        }
        return PolyRq<T, Coeff>(context: context, data: words)
    }
}

extension PolyRq where F == Eval {
    /// `a(X^g)` in evaluation form (a permutation of the evaluations).
    ///
    /// - Parameter g: an odd Galois element in `[1, 2N)`.
    /// - Returns: the transformed polynomial.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func applyingGalois(element g: Int) -> PolyRq<T, Eval> {
        FHESpecialization.note(T.self, "PolyRq.applyingGalois(evaluations)")
        let n = degree
        precondition(g & 1 == 1 && g > 0 && g < 2 * n, "a Galois element is odd and below 2N")
        let permutation = GaloisElement.evaluationPermutation(element: g, degree: n)
        var out = PolyRq<T, Eval>(zeroIn: context)
        for i in 0..<context.count {
            let base = i * n
            for k in 0..<n { out.data[base + k] = data[base + permutation[k]] }
        }
        return out
    }
}

/// Galois elements for slot rotations and the row swap, and their names in other libraries.
///
/// The `N` batch slots form a `2 x N/2` matrix (two rows of `N/2`). HeatFHE names operations for
/// what they do to that matrix:
/// - ``rotation(by:degree:)``: rotate each row left by `step` (right for negative steps). SEAL
///   calls this `rotate_rows`; Apple's swift-homomorphic-encryption calls it `rotateColumns`.
/// - ``rowSwap(degree:)``: exchange the two rows. SEAL: `rotate_columns`; Apple: `swapRows`.
public enum GaloisElement {
    /// The element `3^r mod 2N` rotating each row left by `r = step mod N/2`.
    ///
    /// - Parameters:
    ///   - step: the rotation (negative: to the right).
    ///   - degree: `N`.
    /// - Returns: an odd element in `[1, 2N)` (`1` for a step that is a multiple of `N/2`).
    public static func rotation(by step: Int, degree: Int) -> Int {
        let rowSize = degree / 2
        let r = ((step % rowSize) + rowSize) % rowSize
        var g = 1
        for _ in 0..<r { g = g * 3 % (2 * degree) }
        return g
    }

    /// The element `2N - 1` (the map `X -> X^-1`) swapping the two rows of slots.
    ///
    /// - Parameter degree: `N`.
    /// - Returns: `2N - 1`.
    public static func rowSwap(degree: Int) -> Int { 2 * degree - 1 }

    /// The left rotation `r in [0, N/2)` a rotation element performs, or `nil` for other elements
    /// (the row swap and its products).
    ///
    /// - Parameters:
    ///   - element: an odd element.
    ///   - degree: `N`.
    /// - Returns: `r` with `3^r = element mod 2N`.
    public static func rotationStep(of element: Int, degree: Int) -> Int? {
        var g = 1
        for r in 0..<(degree / 2) {
            if g == element { return r }
            g = g * 3 % (2 * degree)
        }
        return nil
    }

    /// The evaluation-form permutation: output position `p` takes input position `permutation[p]`.
    static func evaluationPermutation(element g: Int, degree n: Int) -> [Int] {
        let logN = n.trailingZeroBitCount
        let mask = 2 * n - 1
        var permutation = [Int](repeating: 0, count: n)
        for k in 0..<n {
            let exponent = (g * (2 * k + 1)) & mask
            permutation[NTTPlan<UInt64>.bitReverse(k, bits: logN)] =
                NTTPlan<UInt64>.bitReverse((exponent - 1) / 2, bits: logN)
        }
        return permutation
    }
}
