/// Generation of NTT-friendly primes and primitive roots of unity.
///
/// A prime `q` supports the negacyclic NTT of size `N` exactly when `q = 1 mod 2N`: then the
/// multiplicative group (cyclic of order `q - 1`) has elements of order `2N`.
///
/// ```swift
/// let primes = try PrimeGenerator.nttPrimes(bitWidth: 27, count: 3, degree: 4096)
/// // [134176769, 134111233, 134012929]
/// let psi = try PrimeGenerator.minimalPrimitiveRoot(order: 8192, modulo: primes[0])
/// ```
public enum PrimeGenerator {
    /// The largest `count` primes of exactly `bitWidth` bits with `q = 1 mod 2 * degree`,
    /// in descending order, skipping those in `excluding`.
    ///
    /// Candidates are `k * 2N + 1` counted down from the largest below `2^bitWidth`; each is tested
    /// with ``BigInt/isProbablePrime(rounds:)``.
    ///
    /// - Parameters:
    ///   - bitWidth: the bit size of each prime, 2...62.
    ///   - count: how many primes.
    ///   - degree: the ring degree `N`, a power of two.
    ///   - excluding: primes to skip (for example those already chosen).
    /// - Returns: the primes, descending.
    /// - Throws: ``FHEError/invalidParameters(_:)`` when the bit size cannot hold `count` such primes.
    public static func nttPrimes(
        bitWidth: Int, count: Int, degree: Int, excluding: Set<UInt64> = []
    ) throws(FHEError) -> [UInt64] {
        guard (2...62).contains(bitWidth), degree > 0, degree.nonzeroBitCount == 1 else {
            throw .invalidParameters("prime bit width \(bitWidth) must be in 2...62 and N a power of two")
        }
        let step = UInt64(2 * degree)
        let upper = UInt64(1) << UInt64(bitWidth)
        let lower = upper >> 1
        var primes: [UInt64] = []
        guard upper > step else {
            throw .invalidParameters("no \(bitWidth)-bit prime can be 1 mod \(step)")
        }
        var candidate = (upper - 1) / step * step + 1
        while primes.count < count, candidate >= lower {
            if !excluding.contains(candidate), BigInt(candidate).isProbablePrime() {
                primes.append(candidate)
            }
            guard candidate > step else { break }
            candidate -= step
        }
        guard primes.count == count else {
            throw .invalidParameters("only \(primes.count) \(bitWidth)-bit primes are 1 mod \(step), \(count) requested")
        }
        return primes
    }

    /// Whether `root` has multiplicative order exactly `order` (a power of two) modulo `q`.
    ///
    /// - Parameters:
    ///   - root: the candidate.
    ///   - order: a power of two, at least 2.
    ///   - q: the modulus.
    /// - Returns: `root^(order/2) = -1 mod q`.
    public static func isPrimitiveRoot(_ root: UInt64, order: Int, modulo q: UInt64) -> Bool {
        guard order >= 2, order.nonzeroBitCount == 1, root > 0, root < q else { return false }
        let big = BigInt(root).power(BigInt(order / 2), modulo: BigInt(q))
        return big.uint64Value == q - 1
    }

    /// The smallest primitive `order`-th root of unity modulo the prime `q`.
    ///
    /// Finds one primitive root `g` as `x^((q-1)/order)` for `x = 2, 3, ...` (checked with
    /// ``isPrimitiveRoot(_:order:modulo:)``), then takes the minimum over all primitive roots
    /// `g^k` with `k` odd. The minimum makes the choice canonical, so the batch encoder's slot
    /// order is reproducible by independent tools.
    ///
    /// - Parameters:
    ///   - order: a power of two `2N` dividing `q - 1`.
    ///   - q: a prime.
    /// - Returns: the smallest `psi` with `psi^(order/2) = -1 mod q`.
    /// - Throws: ``FHEError/invalidModulus(_:reason:)`` if `q` is not prime or `order` does not divide `q - 1`.
    public static func minimalPrimitiveRoot(order: Int, modulo q: UInt64) throws(FHEError) -> UInt64 {
        guard order >= 2, order.nonzeroBitCount == 1, q > 2, (q - 1) % UInt64(order) == 0 else {
            throw .invalidModulus(q, reason: "it is not 1 modulo \(order)")
        }
        guard BigInt(q).isProbablePrime() else { throw .invalidModulus(q, reason: "it is not prime") }
        let bigQ = BigInt(q)
        let cofactor = BigInt((q - 1) / UInt64(order))
        var generator: UInt64 = 0
        var x: UInt64 = 2
        while x < q {
            let candidate = BigInt(x).power(cofactor, modulo: bigQ).uint64Value ?? 0
            if isPrimitiveRoot(candidate, order: order, modulo: q) {
                generator = candidate
                break
            }
            x += 1
        }
        guard generator != 0 else { throw .invalidModulus(q, reason: "no primitive \(order)-th root found") }
        // Walk g, g^3, g^5, ...: every primitive root is an odd power of g.
        let bigG = BigInt(generator)
        let square = (bigG * bigG).modulo(bigQ)
        var current = bigG
        var smallest = generator
        for _ in 0..<(order / 2) {
            if let value = current.uint64Value, value < smallest { smallest = value }
            current = (current * square).modulo(bigQ)
        }
        return smallest
    }
}
