/// The precomputation for one ``TfheParameters`` set: the NTT prime `q` of the GLWE layer, its
/// negacyclic NTT plan for `N`, the gadget values, and the noise samplers.
///
/// **Why an NTT and not an FFT.** TFHE-rs and Concrete multiply a decomposed polynomial by a
/// bootstrapping-key polynomial with a 64-bit floating-point FFT, whose rounding adds noise and
/// needs a separate error analysis. HeatFHE already has an exact, vectorised negacyclic NTT
/// (``NTTPlan``) over primes below `2^62`, so the GLWE / GGSW layer works modulo one such prime
/// (`q = 1 mod 8192`, the largest 62-bit one) and products are exact. The same prime is
/// `= 1 mod 65536` (`q - 1 = 2^16 * 70368744177663`, odd), so it has the `2N`-th roots of unity of
/// every `N <= 32768`: the 6- and 8-bit sets (`N = 8192, 32768`, issue 22) use it too, and every
/// set's keys and files keep the modulus, bytes and fingerprints they had (`N = 65536` would need
/// another prime). LWE ciphertexts stay modulo `2^64`; the blind rotation's output is moved from `q` to
/// `2^64` by rounding `x * 2^64 / q` (error below one unit per coefficient, negligible).
///
/// ```swift
/// let context = try TfheContext(parameters: .insecureTest4Bit)
/// print(context.primeModulus.value)   // 4611686018427322369
/// ```
public struct TfheContext: Sendable {
    /// The parameters.
    public let parameters: TfheParameters
    /// The GLWE modulus `q` (prime, 62 bits, `= 1 mod 65536`, the same for every set).
    public let primeModulus: Modulus<UInt64>
    /// The negacyclic NTT for `(N, q)`.
    public let plan: NTTPlan<UInt64>
    /// The bootstrapping gadget `g_j = round(q / B^j)`, `j = 1...l`.
    public let gadget: [UInt64]
    /// `b` of the GLWE noise on `q` (``TfheParameters/glweNoiseLog2`` scaled by `q / 2^64`).
    public let glweNoiseLog2OnPrime: Int
    /// `floor(2^(64 + B l) / q)` with `B l` = ``TfheParameters/pbsBaseLog`` x ``TfheParameters/pbsLevels``:
    /// the reciprocal that replaces the 128-by-64-bit division of ``decompose(_:into:)``.
    @usableFromInline let decompositionRatio: UInt64

    /// Precomputes the context.
    ///
    /// - Parameter parameters: the set.
    /// - Throws: ``FHEError/invalidTfheParameter(parameter:reason:)`` when the set is inconsistent.
    public init(parameters: TfheParameters) throws(FHEError) {
        try parameters.validate()
        // The largest 62-bit prime = 1 mod 8192 (the search of sessions 22-38, kept so existing keys
        // load); it is also = 1 mod 65536, so NTTPlan finds 2N-th roots for every N <= 32768.
        let prime = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: 4096)[0]
        let modulus = try Modulus<UInt64>(prime)
        self.parameters = parameters
        self.primeModulus = modulus
        self.plan = try NTTPlan<UInt64>(degree: parameters.polynomialSize, modulus: prime)
        var gadget: [UInt64] = []
        for level in 1...parameters.pbsLevels {
            let shift = UInt64(parameters.pbsBaseLog * level)
            // round(q / 2^shift) with shift <= 60.
            gadget.append((prime + (UInt64(1) << (shift - 1))) >> shift)
        }
        self.gadget = gadget
        self.glweNoiseLog2OnPrime = max(0, parameters.glweNoiseLog2 - (64 - modulus.bitWidth))
        // 2^(Bl) < q (Bl <= 60, q > 2^61), so the quotient fits one word.
        let totalBits = UInt64(parameters.pbsBaseLog * parameters.pbsLevels)
        self.decompositionRatio = prime.dividingFullWidth((high: UInt64(1) << totalBits, low: 0)).quotient
    }

    /// `round(x * 2^64 / q)` for `x` in `[0, q)`: a residue modulo `q` moved to the `2^64` torus.
    ///
    /// - Parameter x: a residue.
    /// - Returns: the torus value (wrapping at `2^64`).
    @inlinable
    public func primeToTorus(_ x: UInt64) -> UInt64 {
        let q = primeModulus.value
        // (x * 2^64 + q/2) / q: the high word x is below q, so the quotient fits one word.
        return q.dividingFullWidth((high: x, low: q >> 1)).quotient
    }

    /// `round(x * q / 2^64)`: a torus value moved to a residue modulo `q` (for test polynomials).
    ///
    /// - Parameter x: a torus value.
    /// - Returns: the residue in `[0, q)`.
    @inlinable
    public func torusToPrime(_ x: UInt64) -> UInt64 {
        let q = primeModulus.value
        let product = x.multipliedFullWidth(by: q)
        let rounded = product.high &+ (product.low >> 63)
        return rounded >= q ? rounded &- q : rounded
    }

    /// Signed gadget decomposition of a polynomial modulo `q` for the external product.
    ///
    /// For each coefficient `x` in `[0, q)`: `y = round(x * B^l / q)` in `[0, B^l]`, then `y` is
    /// written in balanced base `B` (digits in `[-B/2, B/2]`, least significant first with carry;
    /// the final carry is `B^l`, about `q = 0`, and is dropped). `sum_j d_j * g_j` equals `x` up to
    /// `q / (2 B^l) + l * B / 2`. Digit `j` (`j = 1` the most significant) is written as a residue
    /// modulo `q` to `output[(j - 1) * N + t]`.
    ///
    /// - Parameters:
    ///   - input: `N` residues modulo `q`.
    ///   - output: `l * N` residues.
    @inlinable
    func decompose(_ input: UnsafePointer<UInt64>, into output: UnsafeMutablePointer<UInt64>) {
        let n = parameters.polynomialSize
        let levels = parameters.pbsLevels
        let baseLog = UInt64(parameters.pbsBaseLog)
        let totalBits = baseLog * UInt64(levels)
        let q = primeModulus.value
        let halfQ = q >> 1
        let mask: UInt64 = (1 << baseLog) - 1
        let half: UInt64 = 1 << (baseLog - 1)
        let ratio = decompositionRatio
        for t in 0..<n {
            let x = input[t]
            // y = floor((x * 2^totalBits + q/2) / q) without a division: the estimate
            // floor(x * ratio / 2^64) is at most 2 below y (x * ratio / 2^64 > x 2^Bl / q - 1, and
            // q/2 adds less than 1), so the remainder X - estimate * q lies in [0, 3q), below 2^64,
            // and two masked corrections finish.
            let low = x << totalBits
            var y = x.multipliedFullWidth(by: ratio).high
            var remainder = (low &+ halfQ) &- y &* q
            for _ in 0..<2 {
                let difference = remainder &- q
                let keep = 0 &- (difference >> 63)  // all ones when remainder < q (no wrap past 2^63)
                y &+= 1 &+ keep  // +1 unless remainder < q
                remainder = (remainder & keep) | (difference & ~keep)
            }
            var level = levels
            while level >= 1 {
                let digit = y & mask
                y >>= baseLog
                // Balanced digit: digit >= B/2 becomes digit - B with a carry.
                let carry = (digit &+ half) >> baseLog  // 1 when digit >= B/2
                y &+= carry
                let signedDigit = digit &- (carry << baseLog)  // wraps for negatives
                // As a residue: negative values (top bit set) get q added.
                output[(level - 1) * n + t] = signedDigit &+ (q & (0 &- (signedDigit >> 63)))
                level -= 1
            }
        }
    }

    /// Draws TUniform(`bound`) noise on the `2^64` torus: integers in `[-2^bound, 2^bound]`.
    ///
    /// - Parameters:
    ///   - bound: `b`.
    ///   - count: how many.
    ///   - random: the CSPRNG.
    /// - Returns: the samples as wrapping 64-bit words.
    static func torusNoise(bound: Int, count: Int, using random: inout SecureRandom) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        let mask: UInt64 = (1 << UInt64(bound + 2)) - 1
        let offset: UInt64 = 1 << UInt64(bound)
        for index in 0..<count {
            let r = random.next() & mask
            out[index] = ((r >> 1) &+ (r & 1)) &- offset
        }
        return out
    }

    /// Draws TUniform noise modulo `q` (bound ``glweNoiseLog2OnPrime``).
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - random: the CSPRNG.
    /// - Returns: residues in `[0, q)`.
    func primeNoise(count: Int, using random: inout SecureRandom) -> [UInt64] {
        let q = primeModulus.value
        var words = Self.torusNoise(bound: glweNoiseLog2OnPrime, count: count, using: &random)
        for index in 0..<count {
            let w = words[index]
            words[index] = w &+ (q & (0 &- (w >> 63)))
        }
        return words
    }

    /// Draws `count` uniform binary key bits (one random bit each).
    static func binaryKey(count: Int, using random: inout SecureRandom) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        var word: UInt64 = 0
        for index in 0..<count {
            if index % 64 == 0 { word = random.next() }
            out[index] = word & 1
            word >>= 1
        }
        return out
    }
}
