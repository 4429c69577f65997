/// The ring `R_Q = Z_Q[X]/(X^N + 1)` in residue-number-system form: `Q = q_0 * ... * q_(L-1)`.
///
/// Holds each modulus with its NTT plan, and the CRT constants used by ``compose(_:)`` to turn the
/// residues of one coefficient back into the integer in `[0, Q)`:
/// `x = sum_i [r_i * (Q/q_i)^-1]_(q_i) * (Q/q_i) mod Q`.
///
/// ```swift
/// let ring = try RnsContext<UInt32>(degree: 8, moduli: [17, 97])
/// let x = ring.compose([5, 7])   // the integer in [0, 1649) that is 5 mod 17 and 7 mod 97
/// ```
public final class RnsContext<T: ScalarType>: Sendable {
    /// The ring degree `N`.
    public let degree: Int
    /// The moduli `q_i`, in RNS order.
    public let moduli: [Modulus<T>]
    /// The NTT plan of each modulus.
    public let plans: [NTTPlan<T>]
    /// The product `Q` of the moduli.
    public let modulusProduct: BigInt
    /// `Q / q_i` for each modulus.
    let punctured: [BigInt]
    /// `(Q / q_i)^-1 mod q_i` for each modulus.
    let puncturedInverse: [T]
    /// Whether the ring's element-wise loops run on eight `UInt64` lanes (``RnsVector64``): 64-bit
    /// words, the vector NTT kernel (``NTTKernel/vector``, the `-DHEATFHE_VECTOR_NTT` build or a
    /// context built with it) and a degree that is a multiple of eight. The one predicate the
    /// tensoring, the basis extension and key switching test, so they cannot disagree (review
    /// s39 LOW 3); both branches give the same words.
    let usesVectorLanes: Bool

    /// Builds the ring and its NTT plans.
    ///
    /// - Parameters:
    ///   - degree: `N`, a power of two.
    ///   - moduli: distinct primes `q_i = 1 mod 2N`, each below `2^T.maxModulusBits`.
    /// - Throws: ``FHEError`` if a modulus is unusable or two are equal.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public convenience init(degree: Int, moduli: [T]) throws(FHEError) {
        try self.init(degree: degree, moduli: moduli, kernel: NTTKernel.selected)
    }

    /// Builds the ring with NTT plans of an explicit default kernel (``NTTPlan/kernel``; tests).
    ///
    /// - Parameters:
    ///   - degree: `N`, a power of two.
    ///   - moduli: distinct primes `q_i = 1 mod 2N`, each below `2^T.maxModulusBits`.
    ///   - kernel: the plans' kernel for 64-bit moduli.
    /// - Throws: ``FHEError`` if a modulus is unusable or two are equal.
    convenience init(degree: Int, moduli: [T], kernel: NTTKernel) throws(FHEError) {
        guard !moduli.isEmpty else { throw .invalidParameters("at least one modulus is needed") }
        guard Set(moduli).count == moduli.count else {
            throw .invalidParameters("the moduli must be distinct, got \(moduli)")
        }
        var plans: [NTTPlan<T>] = []
        for q in moduli { plans.append(try NTTPlan<T>(degree: degree, modulus: q, kernel: kernel)) }
        try self.init(degree: degree, plans: plans)
    }

    /// Builds the ring from NTT plans made before (for example a subset of another ring's plans,
    /// which avoids recomputing roots of unity for every level of the modulus chain).
    ///
    /// - Parameters:
    ///   - degree: `N`, the degree of every plan.
    ///   - plans: one plan per modulus, moduli distinct.
    /// - Throws: ``FHEError`` if the moduli are not pairwise coprime.
    init(degree: Int, plans: [NTTPlan<T>]) throws(FHEError) {
        FHESpecialization.note(T.self, "RnsContext.init")
        guard !plans.isEmpty, plans.allSatisfy({ $0.degree == degree }) else {
            throw .invalidParameters("at least one modulus of degree \(degree) is needed")
        }
        let moduli = plans.map(\.modulus.value)
        self.degree = degree
        self.plans = plans
        self.moduli = plans.map(\.modulus)
        var product = BigInt(1)
        for q in moduli { product = product * BigInt(scalar: q) }
        self.modulusProduct = product
        self.punctured = moduli.map { product / BigInt(scalar: $0) }
        var inverses: [T] = []
        for (index, q) in moduli.enumerated() {
            let bigQ = BigInt(scalar: q)
            guard let inverse = punctured[index].modulo(bigQ).inverse(modulo: bigQ), let value = inverse.uint64Value
            else { throw .invalidParameters("the moduli must be pairwise coprime, got \(moduli)") }
            inverses.append(T(value))
        }
        self.puncturedInverse = inverses
        self.usesVectorLanes = T.self == UInt64.self && plans[0].kernel == .vector && degree % RnsVector64.width == 0
    }

    /// The number of moduli `L`.
    public var count: Int { moduli.count }

    /// The moduli as plain integers.
    public var moduliValues: [T] { moduli.map(\.value) }

    /// The integer in `[0, Q)` with the given residues (Chinese remainder theorem).
    ///
    /// - Parameter residues: one residue per modulus, each in `[0, q_i)`.
    /// - Returns: the unique integer in `[0, Q)` congruent to each.
    public func compose(_ residues: [T]) -> BigInt {
        precondition(residues.count == moduli.count, "one residue per modulus")
        var sum = BigInt(0)
        for index in 0..<moduli.count {
            let scaled = moduli[index].multiply(residues[index], puncturedInverse[index])
            sum = sum + punctured[index] * BigInt(scalar: scaled)
        }
        return sum.modulo(modulusProduct)
    }

    /// Whether two contexts describe the same ring (degree and moduli).
    ///
    /// - Parameter other: another context.
    /// - Returns: `true` when degree and moduli agree.
    public func isSameRing(as other: RnsContext<T>) -> Bool {
        self === other || (degree == other.degree && moduliValues == other.moduliValues)
    }
}
