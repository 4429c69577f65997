/// A lookup table for the programmable bootstrap: the test polynomial `v` modulo `q`.
///
/// The half torus `[0, 1/2)` (phases with the padding bit clear, `N` rotation steps) is cut into
/// `boxes` equal boxes; box `j` holds the output torus value `value(j)`. The polynomial is
/// shifted by half a box so that a phase anywhere in `[j - 1/2, j + 1/2)` boxes reads box `j`; the
/// other half torus reads the negated values (the negacyclic rule `X^N = -1`), which
/// ``TfheEvaluator/minimum(_:_:)`` and ``TfheEvaluator/maximum(_:_:)`` exploit to multiply by a
/// selector bit.
///
/// ```swift
/// let square = TfheLookupTable(context: context) { m in (m * m) % 16 }
/// let result = evaluator.bootstrap(ciphertext, table: square)
/// ```
public struct TfheLookupTable: Sendable, Hashable {
    /// `v`, `N` residues modulo `q`.
    public let testPolynomial: [UInt64]

    /// A table from box values on the torus.
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - boxes: the number of boxes in the half torus (a power of two dividing `N`).
    ///   - torusValue: the output torus value of box `j`.
    public init(context: TfheContext, boxes: Int, torusValue: (Int) -> UInt64) {
        let n = context.parameters.polynomialSize
        precondition(boxes > 0 && n % boxes == 0, "the box count must divide N")
        let box = n / boxes
        let halfBox = box / 2
        let modulus = context.primeModulus
        var v = [UInt64](repeating: 0, count: n)
        for t in 0..<n {
            let shifted = t + halfBox
            if shifted < n {
                v[t] = context.torusToPrime(torusValue(shifted / box))
            } else {
                v[t] = modulus.negate(context.torusToPrime(torusValue((shifted - n) / box)))
            }
        }
        testPolynomial = v
    }

    /// A table over the messages `[0, p)`: box `m` returns `f(m) * Delta` (`f(m)` taken modulo
    /// `2p`, so `f` may return values up to `2p - 1`, but values of `p` or more set the padding bit).
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - function: `f`.
    public init(context: TfheContext, function: (Int) -> Int) {
        let parameters = context.parameters
        self.init(context: context, boxes: parameters.messageModulus) { m in
            UInt64(bitPattern: Int64(function(m))) &* parameters.delta
        }
    }

    /// A table from explicit values `table[m]` for `m` in `[0, p)`.
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - values: `p` output messages.
    public init(context: TfheContext, values: [Int]) {
        precondition(values.count == context.parameters.messageModulus, "a table has one value per message")
        self.init(context: context) { values[$0] }
    }

    /// A constant polynomial `c` (no half-box shift): reads `+c` for phases in `[0, 1/2)` and `-c`
    /// in `[1/2, 1)`, the sign function used by ``TfheEvaluator/greaterOrEqual(_:_:)``.
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - torus: `c` on the torus.
    /// - Returns: the table.
    public static func sign(context: TfheContext, torus: UInt64) -> TfheLookupTable {
        TfheLookupTable(testPolynomial: [UInt64](repeating: context.torusToPrime(torus), count: context.parameters.polynomialSize))
    }

    private init(testPolynomial: [UInt64]) { self.testPolynomial = testPolynomial }
}
