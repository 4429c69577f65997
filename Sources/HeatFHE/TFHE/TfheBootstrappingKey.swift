/// The bootstrapping key: one GGSW ciphertext of each small-key bit `s_i` under the GLWE key,
/// held in NTT form modulo `q` (with Shoup companions for the external product).
///
/// **GGSW layout.** GGSW(`m`) has `(k + 1) * l` rows, row `(p, j)` a GLWE encryption of
/// `-m * g_j * S_p` (mask rows `p < k`) or `m * g_j` (body row `p = k`), `g_j = round(q / B^j)`.
/// Only the phase of a row matters to the external product, so every row is an ordinary GLWE
/// encryption with a uniform mask, which is why the whole key is **seed-compressed**: the masks
/// (uniform in NTT form) are expanded from one 32-byte ``PolySeed`` and a file stores the seed and
/// the `n * (k + 1) * l` body polynomials.
///
/// **External product** (``externalProduct(index:input:output:scratch:)``): the input GLWE is
/// decomposed (``TfheContext``'s signed gadget decomposition modulo `q`), each digit polynomial
/// is transformed once, multiplied pointwise with the GGSW rows and accumulated in NTT form, and
/// the `k + 1` sums are transformed back: `(k + 1) * l` forward and `k + 1` inverse NTTs (the
/// fewest for this product: the decomposition needs coefficient form, so the accumulator cannot
/// stay in NTT form across CMux steps). **CMux**: `ACC + GGSW(s_i) ⊡ (X^(a_i) * ACC - ACC)`, with
/// the rotation fused into the decomposition. **Blind rotation** runs one CMux per small-key bit.
public struct TfheBootstrappingKey: Sendable {
    /// The context.
    public let context: TfheContext
    /// The seed of the masks.
    public let seed: PolySeed
    /// The body polynomials in NTT form, `[i][row][N]` flattened.
    let bodies: [UInt64]
    /// Every row polynomial in NTT form, `[i][row][poly][N]` flattened, and Shoup companions.
    @usableFromInline let rows: [UInt64]
    @usableFromInline let rowsShoup: [UInt64]

    /// The number of rows of one GGSW, `(k + 1) * l`.
    public var rowCount: Int { (context.parameters.glweDimension + 1) * context.parameters.pbsLevels }

    /// Generates the key.
    ///
    /// - Parameters:
    ///   - secretKey: the client key.
    ///   - random: the CSPRNG (noise and the seed).
    public init(secretKey: TfheSecretKey, using random: inout SecureRandom) {
        let context = secretKey.context
        let parameters = context.parameters
        let n = parameters.polynomialSize
        let k = parameters.glweDimension
        let rowCount = (k + 1) * parameters.pbsLevels
        let modulus = context.primeModulus
        let seed = PolySeed(using: &random)
        var keyNTT = secretKey.glweKeyNTT()
        defer { for index in keyNTT.indices { keyNTT[index].wipe() } }
        var smallKey = secretKey.withSmallKey { Array($0) }
        defer { smallKey.wipe() }
        var masks = SecureRandom(seed: seed, stream: 0)
        var bodies = [UInt64](repeating: 0, count: parameters.lweDimension * rowCount * n)
        var rows = [UInt64](repeating: 0, count: parameters.lweDimension * rowCount * (k + 1) * n)
        for i in 0..<parameters.lweDimension {
            let bit = smallKey[i]
            for row in 0..<rowCount {
                let p = row / parameters.pbsLevels
                let gadget = context.gadget[row % parameters.pbsLevels]
                var body = context.primeNoise(count: n, using: &random)
                context.plan.forward(&body)
                // The message in NTT form: m*g_j (body row) or -m*g_j*S_p (mask row p).
                let scaled = bit == 1 ? gadget : 0
                let rowBase = (i * rowCount + row) * (k + 1) * n
                for q in 0..<k {
                    let mask = Sampler.uniform(modulus: modulus, count: n, using: &masks)
                    for t in 0..<n {
                        rows[rowBase + q * n + t] = mask[t]
                        body[t] = modulus.add(body[t], modulus.multiply(mask[t], keyNTT[q][t]))
                    }
                }
                if p == k {
                    for t in 0..<n { body[t] = modulus.add(body[t], scaled) }
                } else {
                    for t in 0..<n {
                        body[t] = modulus.subtract(body[t], modulus.multiply(scaled, keyNTT[p][t]))
                    }
                }
                for t in 0..<n {
                    rows[rowBase + k * n + t] = body[t]
                    bodies[(i * rowCount + row) * n + t] = body[t]
                }
            }
        }
        self.context = context
        self.seed = seed
        self.bodies = bodies
        self.rows = rows
        self.rowsShoup = rows.map { modulus.shoup($0) }
    }

    /// Rebuilds a key from its seed and bodies (loading): expands the masks.
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - seed: the mask seed.
    ///   - bodies: `n * (k + 1) * l * N` residues below `q`, checked by the caller.
    init(context: TfheContext, seed: PolySeed, bodies: [UInt64]) {
        let parameters = context.parameters
        let n = parameters.polynomialSize
        let k = parameters.glweDimension
        let rowCount = (k + 1) * parameters.pbsLevels
        let modulus = context.primeModulus
        var masks = SecureRandom(seed: seed, stream: 0)
        var rows = [UInt64](repeating: 0, count: parameters.lweDimension * rowCount * (k + 1) * n)
        for i in 0..<parameters.lweDimension {
            for row in 0..<rowCount {
                let rowBase = (i * rowCount + row) * (k + 1) * n
                for q in 0..<k {
                    let mask = Sampler.uniform(modulus: modulus, count: n, using: &masks)
                    for t in 0..<n { rows[rowBase + q * n + t] = mask[t] }
                }
                for t in 0..<n { rows[rowBase + k * n + t] = bodies[(i * rowCount + row) * n + t] }
            }
        }
        self.context = context
        self.seed = seed
        self.bodies = bodies
        self.rows = rows
        self.rowsShoup = rows.map { modulus.shoup($0) }
    }

    /// Scratch memory of one blind rotation (allocated once per bootstrap).
    final class Scratch {
        /// The digits of the `k + 1` polynomials, `[p][level][N]`, transformed in place.
        var digits: [UInt64]
        /// The `k + 1` output sums in NTT form.
        var accumulator: [UInt64]
        init(context: TfheContext) {
            let parameters = context.parameters
            let n = parameters.polynomialSize
            digits = [UInt64](repeating: 0, count: (parameters.glweDimension + 1) * parameters.pbsLevels * n)
            accumulator = [UInt64](repeating: 0, count: (parameters.glweDimension + 1) * n)
        }
    }

    /// The external product `GGSW(s_index) ⊡ input`, added to `output` (both coefficient form).
    ///
    /// - Parameters:
    ///   - index: which GGSW (small-key bit).
    ///   - input: a GLWE ciphertext, `(k + 1) * N` residues in `[0, q)`.
    ///   - output: the accumulator the product is added to, residues in `[0, q)`.
    ///   - scratch: scratch memory.
    func externalProduct(
        index: Int, input: UnsafeBufferPointer<UInt64>, output: UnsafeMutableBufferPointer<UInt64>, scratch: Scratch
    ) {
        let n = context.parameters.polynomialSize
        let levels = context.parameters.pbsLevels
        scratch.digits.withUnsafeMutableBufferPointer { digits in
            for p in 0...context.parameters.glweDimension {
                context.decompose(input.baseAddress! + p * n, into: digits.baseAddress! + p * levels * n)
            }
        }
        accumulateProduct(index: index, output: output, scratch: scratch)
    }

    /// The external product of GGSW(`s_index`) with the decomposed GLWE in `scratch.digits`
    /// (coefficient form, transformed here), added to `output`: `(k + 1) l` forward NTTs, the
    /// pointwise multiply-accumulate in NTT form, and `k + 1` inverse NTTs, one per output sum.
    ///
    /// - Parameters:
    ///   - index: which GGSW (small-key bit).
    ///   - output: the accumulator, `(k + 1) * N` residues in `[0, q)`, updated.
    ///   - scratch: the digits (consumed) and the NTT-form sums.
    func accumulateProduct(index: Int, output: UnsafeMutableBufferPointer<UInt64>, scratch: Scratch) {
        let parameters = context.parameters
        let n = parameters.polynomialSize
        let k = parameters.glweDimension
        let levels = parameters.pbsLevels
        let rowCount = (k + 1) * levels
        let modulus = context.primeModulus
        let q = modulus.value
        let plan = context.plan
        let vector = NTTKernel.selected == .vector && n % NTTVector64.width == 0
        scratch.accumulator.withUnsafeMutableBufferPointer { acc in
            for t in 0..<acc.count { acc[t] = 0 }
            scratch.digits.withUnsafeMutableBufferPointer { digits in
                rows.withUnsafeBufferPointer { rows in
                    rowsShoup.withUnsafeBufferPointer { shoups in
                        // Row (p, level) of the GGSW meets digit polynomial (p, level): same order.
                        for row in 0..<rowCount {
                            let digit = UnsafeMutableBufferPointer(rebasing: digits[(row * n)..<((row + 1) * n)])
                            plan.forward(digit)
                            let rowBase = (index * rowCount + row) * (k + 1) * n
                            for o in 0...k {
                                let key = rows.baseAddress! + rowBase + o * n
                                let shoup = shoups.baseAddress! + rowBase + o * n
                                let target = acc.baseAddress! + o * n
                                if vector {
                                    NTTVector64.multiplyShoupAccumulate(
                                        UnsafePointer(digit.baseAddress!), by: key, shoup: shoup, into: target, count: n,
                                        modulus: q)
                                    continue
                                }
                                for t in 0..<n {
                                    let product = modulus.multiplyShoupLazy(digit[t], by: key[t], shoup: shoup[t])
                                    let reduced = Swift.min(product, product &- q)
                                    let sum = target[t] &+ reduced
                                    target[t] = Swift.min(sum, sum &- q)
                                }
                            }
                        }
                    }
                }
            }
            for o in 0...k {
                let polynomial = UnsafeMutableBufferPointer(rebasing: acc[(o * n)..<((o + 1) * n)])
                plan.inverse(polynomial)
                for t in 0..<n {
                    let sum = output[o * n + t] &+ polynomial[t]
                    output[o * n + t] = Swift.min(sum, sum &- q)
                }
            }
        }
    }

    /// The CMux step of the blind rotation: `ACC += GGSW(s_index) ⊡ (X^exponent * ACC - ACC)`.
    ///
    /// The rotation minus the identity and the gadget decomposition run fused
    /// (``TfheContext/decomposeRotationDifference(_:exponent:into:kernel:)``), then
    /// ``accumulateProduct(index:output:scratch:)``.
    ///
    /// - Parameters:
    ///   - index: the small-key bit.
    ///   - exponent: in `[0, 2N)`.
    ///   - accumulator: the GLWE accumulator (coefficient form), updated in place.
    ///   - scratch: scratch memory.
    func cmux(index: Int, exponent: Int, accumulator: inout [UInt64], scratch: Scratch) {
        let parameters = context.parameters
        let n = parameters.polynomialSize
        let levels = parameters.pbsLevels
        let kernel = NTTKernel.selected
        accumulator.withUnsafeMutableBufferPointer { acc in
            scratch.digits.withUnsafeMutableBufferPointer { digits in
                for p in 0...parameters.glweDimension {
                    context.decomposeRotationDifference(
                        acc.baseAddress! + p * n, exponent: exponent, into: digits.baseAddress! + p * levels * n,
                        kernel: kernel)
                }
            }
            accumulateProduct(index: index, output: acc, scratch: scratch)
        }
    }

    /// `X^e * a - a` in `Z_q[X]/(X^N + 1)` for `e` in `[0, 2N)`.
    static func rotateMinusIdentity(
        _ a: UnsafePointer<UInt64>, into out: UnsafeMutablePointer<UInt64>, exponent: Int, degree n: Int,
        modulus: Modulus<UInt64>
    ) {
        let negateFirst = exponent >= n
        let shift = exponent % n
        // Coefficient t of X^shift * a is a[t - shift] for t >= shift, -a[t - shift + N] below.
        for t in 0..<n {
            let source: UInt64
            if t >= shift {
                source = negateFirst ? modulus.negate(a[t - shift]) : a[t - shift]
            } else {
                source = negateFirst ? a[t - shift + n] : modulus.negate(a[t - shift + n])
            }
            out[t] = modulus.subtract(source, a[t])
        }
    }

    /// The blind rotation of a test polynomial by a modulus-switched LWE ciphertext:
    /// `X^(-(b - sum a_i s_i)) * v`, as a GLWE ciphertext under the GLWE key.
    ///
    /// - Parameters:
    ///   - switched: the LWE ciphertext modulo `2N` (`n` mask values then the body).
    ///   - testPolynomial: `v`, `N` residues modulo `q`.
    /// - Returns: the accumulator.
    public func blindRotate(switched: [Int], testPolynomial: [UInt64]) -> GlweCiphertext {
        let parameters = context.parameters
        let n = parameters.polynomialSize
        let k = parameters.glweDimension
        let twoN = 2 * n
        let body = switched[parameters.lweDimension]
        var accumulator = [UInt64](repeating: 0, count: (k + 1) * n)
        testPolynomial.withUnsafeBufferPointer { v in
            accumulator.withUnsafeMutableBufferPointer { acc in
                // X^(-body) * v = X^(2N - body) * v.
                let exponent = (twoN - body) % twoN
                let negateFirst = exponent >= n
                let shift = exponent % n
                let modulus = context.primeModulus
                for t in 0..<n {
                    let value: UInt64
                    if t >= shift {
                        value = negateFirst ? modulus.negate(v[t - shift]) : v[t - shift]
                    } else {
                        value = negateFirst ? v[t - shift + n] : modulus.negate(v[t - shift + n])
                    }
                    acc[k * n + t] = value
                }
            }
        }
        let scratch = Scratch(context: context)
        for i in 0..<parameters.lweDimension where switched[i] != 0 {
            cmux(index: i, exponent: switched[i], accumulator: &accumulator, scratch: scratch)
        }
        return GlweCiphertext(data: accumulator)
    }
}
