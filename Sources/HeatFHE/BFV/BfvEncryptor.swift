/// Encrypts plaintexts with a public key or a secret key.
///
/// - Public key `(p0, p1)` at the key level `Q*P` (SEAL's method): draw `u` ternary and `e1, e2`
///   from the error distribution, compute `(p0*u + e1, p1*u + e2)` at the key level, divide both
///   by the special prime `P` with rounding (``PolyRq/dividingRoundedByLastModulus(to:)``) and add
///   `round(Q*m/t)`. The division shrinks the encryption noise `-e*u + e1 + e2*s` by `P` and leaves
///   a rounding term of about `|s|/2`: fresh ciphertexts carry less noise than encrypting at the
///   ciphertext level (measured in `Docs/Performance.md`). Without a special prime, the ciphertext
///   level is used directly (Fan and Vercauteren 2012, section 4).
/// - Secret key `s`: expand `a` from a fresh 32-byte seed (``PolySeed``), draw `e`;
///   `c0 = -(a*s) + e + round(Q*m/t)`, `c1 = a`. ``encryptSeeded(_:using:)`` keeps the seed instead
///   of `c1` (a half-size ``SeededCiphertext``).
///
/// Every temporary holding `u`, `e`, `e1`, `e2` or a product with `s` is wiped with `defer`. All
/// randomness comes from one buffered, non-copyable ``SecureRandom`` per call.
///
/// ```swift
/// let encryptor = BfvEncryptor(publicKey: publicKey)
/// let ciphertext = try encryptor.encrypt(plaintext)
/// ```
public struct BfvEncryptor<T: ScalarType>: Sendable {
    enum Key: Sendable {
        case publicKey(PublicKey<T>)
        case secretKey(SecretKey<T>)
    }

    let key: Key
    /// The parameters.
    public let context: BfvContext<T>
    /// Whether public-key encryption works at the key level and divides by the special prime
    /// (default `true`; `false` reproduces the ciphertext-level method, kept for the measurement).
    var publicKeyAtKeyLevel = true

    /// An encryptor for anyone holding the public key.
    ///
    /// - Parameter publicKey: the public key.
    public init(publicKey: PublicKey<T>) {
        self.key = .publicKey(publicKey)
        self.context = publicKey.context
    }

    /// An encryptor for the secret-key holder (slightly less noise than public-key encryption).
    ///
    /// - Parameter secretKey: the secret key.
    public init(secretKey: SecretKey<T>) {
        self.key = .secretKey(secretKey)
        self.context = secretKey.context
    }

    /// Encrypts a plaintext with fresh system randomness.
    ///
    /// - Parameter plaintext: a plaintext made for the same parameters.
    /// - Returns: a fresh two-polynomial ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a plaintext of other parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encrypt(_ plaintext: Plaintext<T>) throws(FHEError) -> Ciphertext<T> {
        var random = SecureRandom()
        return try encrypt(plaintext, using: &random)
    }

    /// Encrypts a plaintext with the given generator.
    ///
    /// - Parameters:
    ///   - plaintext: a plaintext made for the same parameters.
    ///   - random: the CSPRNG.
    /// - Returns: a fresh two-polynomial ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a plaintext of other parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encrypt(_ plaintext: Plaintext<T>, using random: inout SecureRandom) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEncryptor.encrypt")
        try context.requireSame(plaintext.context, "the plaintext")
        switch key {
        case .publicKey(let publicKey):
            var (c0, c1) = encryptZero(publicKey, using: &random)
            plaintext.addScaled(to: &c0, subtracting: false)
            return try Ciphertext(
                context: context, polynomials: [c0, c1], encoding: plaintext.encoding,
                signedness: plaintext.signedness, valueCount: plaintext.valueCount)
        case .secretKey(let secretKey):
            return try encryptWithSecretKey(plaintext, secretKey, using: &random).expanded()
        }
    }

    /// Encrypts a plaintext with the secret key into a seeded (half-size) ciphertext.
    ///
    /// - Parameters:
    ///   - plaintext: a plaintext made for the same parameters.
    ///   - random: the CSPRNG (the error and the seed of `c1`).
    /// - Returns: `c0` and the seed of `c1`.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a plaintext of other parameters, or
    ///   ``FHEError/invalidParameters(_:)`` for a public-key encryptor (a public-key ciphertext's `c1`
    ///   is not uniform from a seed).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encryptSeeded(_ plaintext: Plaintext<T>, using random: inout SecureRandom) throws(FHEError) -> SeededCiphertext<T> {
        FHESpecialization.note(T.self, "BfvEncryptor.encryptSeeded")
        try context.requireSame(plaintext.context, "the plaintext")
        guard case .secretKey(let secretKey) = key else {
            throw .invalidParameters("seeded encryption needs the secret key; public-key ciphertexts cannot be seeded")
        }
        return try encryptWithSecretKey(plaintext, secretKey, using: &random)
    }

    /// Encrypts a plaintext with the secret key into a seeded ciphertext with fresh system randomness.
    ///
    /// - Parameter plaintext: a plaintext made for the same parameters.
    /// - Returns: `c0` and the seed of `c1`.
    /// - Throws: as ``encryptSeeded(_:using:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encryptSeeded(_ plaintext: Plaintext<T>) throws(FHEError) -> SeededCiphertext<T> {
        var random = SecureRandom()
        return try encryptSeeded(plaintext, using: &random)
    }

    private func encryptWithSecretKey(
        _ plaintext: Plaintext<T>, _ secretKey: SecretKey<T>, using random: inout SecureRandom
    ) throws(FHEError) -> SeededCiphertext<T> {
        let ring = context.ciphertextContext
        let seed = PolySeed(using: &random)
        let a: PolyRq<T, Coeff> = seed.uniformPolynomial(in: ring)
        var errors = Sampler.centeredBinomial(count: ring.degree, using: &random)
        defer { errors.wipe() }
        var e = PolyRq<T, Coeff>(context: ring, signedCoefficients: errors)
        defer { e.wipe() }
        var aS = secretKey.product(with: a.forwardNTT())
        defer { aS.wipe() }
        var c0 = plaintext.scaledToCiphertext()
        c0 += e
        c0 -= aS
        return try SeededCiphertext(
            context: context, c0: c0, seed: seed, encoding: plaintext.encoding, signedness: plaintext.signedness,
            valueCount: plaintext.valueCount)
    }

    /// A public-key encryption of zero at the ciphertext level: `(p0*u + e1, p1*u + e2)`, computed
    /// at the key level and divided by the special prime when there is one.
    ///
    /// At the key level the work is fused per residue row (``encryptZeroAtKeyLevel(_:using:)``);
    /// without a special prime (or with ``publicKeyAtKeyLevel`` off) the polynomial operations
    /// run one after the other (``encryptZeroByPolynomials(_:atKeyLevel:using:)``). Both draw
    /// `u`, `e1`, `e2` in that order and compute the same words.
    func encryptZero(_ publicKey: PublicKey<T>, using random: inout SecureRandom) -> (PolyRq<T, Coeff>, PolyRq<T, Coeff>) {
        let atKeyLevel = publicKeyAtKeyLevel && context.parameters.specialModulus != nil
        guard atKeyLevel, context.keyContext.count == context.ciphertextContext.count + 1 else {
            return encryptZeroByPolynomials(publicKey, atKeyLevel: atKeyLevel, using: &random)
        }
        return encryptZeroAtKeyLevel(publicKey, using: &random)
    }

    /// ``encryptZero(_:using:)`` at the key level, one residue row at a time: `u` is sampled and
    /// transformed in place; for each component `k` the special prime's row of
    /// `INTT(p_k * u) + e_k` is computed first, then every ciphertext prime's row in one scratch
    /// row and divided by the special prime with rounding straight into the result (the formula
    /// of ``PolyRq/dividingRoundedByLastModulus(to:)``). Three `L N`-word buffers (`u` and the
    /// two results) and two scratch rows instead of ten polynomials: the temporaries stay in
    /// cache and no fresh pages are faulted in per encryption. The words equal
    /// ``encryptZeroByPolynomials(_:atKeyLevel:using:)`` (a test compares them on one seed).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    func encryptZeroAtKeyLevel(_ publicKey: PublicKey<T>, using random: inout SecureRandom) -> (PolyRq<T, Coeff>, PolyRq<T, Coeff>) {
        FHESpecialization.note(T.self, "BfvEncryptor.encryptZeroAtKeyLevel")
        let target = context.ciphertextContext
        let ring = context.keyContext
        let n = ring.degree
        let levels = target.count
        var ternary = Sampler.ternary(count: n, using: &random)
        defer { ternary.wipe() }
        var u = PolyRq<T, Coeff>(context: ring, signedCoefficients: ternary)
        defer { u.wipe() }
        let plans = ring.plans
        u.data.withUnsafeMutableBufferPointer { buffer in
            for (i, plan) in plans.enumerated() {
                plan.forward(UnsafeMutableBufferPointer(rebasing: buffer[(i * n)..<((i + 1) * n)]))
            }
        }
        var errors1 = Sampler.centeredBinomial(count: n, using: &random)
        defer { errors1.wipe() }
        var errors2 = Sampler.centeredBinomial(count: n, using: &random)
        defer { errors2.wipe() }
        var scratch = [T](repeating: 0, count: 2 * n)
        defer { scratch.wipe() }
        let p = ring.moduli[levels]
        let half = (p.value &- 1) / 2
        // Per ciphertext prime: p^-1 mod q_i with its Shoup companion, and half mod q_i.
        let constants = target.moduli.map { modulus in
            let pInverse = modulus.inverse(modulus.reduce(p.value)) ?? 0
            return (pInverse, modulus.shoup(pInverse), modulus.reduce(half))
        }
        func component(_ key: PolyRq<T, Eval>, _ errors: [Int8]) -> PolyRq<T, Coeff> {
            let out = key.data.withUnsafeBufferPointer { keyData in
                u.data.withUnsafeBufferPointer { uData in
                    errors.withUnsafeBufferPointer { e in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            [T](unsafeUninitializedCapacity: levels * n) { out, initialized in
                                let lastRow = scratch.baseAddress.unsafelyUnwrapped
                                let row = lastRow + n
                                let keyBase = keyData.baseAddress.unsafelyUnwrapped
                                let uBase = uData.baseAddress.unsafelyUnwrapped
                                let eBase = e.baseAddress.unsafelyUnwrapped
                                // INTT(key_i * u_i) + e into `into`, modulo the i-th key-level prime.
                                func noisyProduct(_ i: Int, into rowBuffer: UnsafeMutablePointer<T>) {
                                    let modulus = ring.moduli[i]
                                    Self.pointwiseProduct(
                                        keyBase + i * n, uBase + i * n, into: rowBuffer, count: n, modulus: modulus)
                                    plans[i].inverse(UnsafeMutableBufferPointer(start: rowBuffer, count: n))
                                    if UInt64(modulus.value) > 128 {
                                        // |e| <= 128 < q: the sign mask alone (vectorizable).
                                        for j in 0..<n {
                                            rowBuffer[j] = modulus.add(rowBuffer[j], modulus.reduce(small: Int64(eBase[j])))
                                        }
                                    } else {
                                        for j in 0..<n {
                                            rowBuffer[j] = modulus.add(rowBuffer[j], modulus.reduce(signed: Int64(eBase[j])))
                                        }
                                    }
                                }
                                noisyProduct(levels, into: lastRow)
                                for j in 0..<n { lastRow[j] = p.add(lastRow[j], half) }
                                let result = out.baseAddress.unsafelyUnwrapped
                                for (i, modulus) in target.moduli.enumerated() {
                                    noisyProduct(i, into: row)
                                    let (pInverse, pInverseShoup, halfModQ) = constants[i]
                                    let outRow = result + i * n
                                    for j in 0..<n {
                                        let shifted = modulus.subtract(modulus.add(row[j], halfModQ), modulus.reduce(lastRow[j]))
                                        outRow[j] = modulus.multiplyShoup(shifted, by: pInverse, shoup: pInverseShoup)
                                    }
                                }
                                initialized = levels * n
                            }
                        }
                    }
                }
            }
            return PolyRq<T, Coeff>(context: target, data: out)
        }
        return (component(publicKey.p0, errors1), component(publicKey.p1, errors2))
    }

    /// `out[j] = a[j] * b[j] mod q` for residues below `q` (``NarrowProduct`` for 32-bit words).
    @inline(__always)
    static func pointwiseProduct(
        _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, count: Int, modulus: Modulus<T>
    ) {
        if T.self == UInt32.self {
            NarrowProduct.multiply(
                UnsafeRawPointer(a).assumingMemoryBound(to: UInt32.self),
                UnsafeRawPointer(b).assumingMemoryBound(to: UInt32.self),
                into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt32.self), count: count,
                modulus: UInt32(truncatingIfNeeded: modulus.value))
            return
        }
        for j in 0..<count { out[j] = modulus.multiply(a[j], b[j]) }
    }

    /// ``encryptZero(_:using:)`` by whole-polynomial operations: the ciphertext-level method
    /// (`atKeyLevel` false) and the reference of ``encryptZeroAtKeyLevel(_:using:)``.
    func encryptZeroByPolynomials(
        _ publicKey: PublicKey<T>, atKeyLevel: Bool, using random: inout SecureRandom
    ) -> (PolyRq<T, Coeff>, PolyRq<T, Coeff>) {
        let target = context.ciphertextContext
        let ring = atKeyLevel ? context.keyContext : target
        let n = ring.degree
        var ternary = Sampler.ternary(count: n, using: &random)
        defer { ternary.wipe() }
        var uCoefficients = PolyRq<T, Coeff>(context: ring, signedCoefficients: ternary)
        defer { uCoefficients.wipe() }
        var u = uCoefficients.forwardNTT()
        defer { u.wipe() }
        var errors1 = Sampler.centeredBinomial(count: n, using: &random)
        defer { errors1.wipe() }
        var errors2 = Sampler.centeredBinomial(count: n, using: &random)
        defer { errors2.wipe() }
        var e1 = PolyRq<T, Coeff>(context: ring, signedCoefficients: errors1)
        defer { e1.wipe() }
        var e2 = PolyRq<T, Coeff>(context: ring, signedCoefficients: errors2)
        defer { e2.wipe() }
        // Out-of-place products: the key's polynomials are read, not copied.
        var p0u = (atKeyLevel ? publicKey.p0 : publicKey.p0.dropping(to: ring)) * u
        defer { p0u.wipe() }
        var p1u = (atKeyLevel ? publicKey.p1 : publicKey.p1.dropping(to: ring)) * u
        defer { p1u.wipe() }
        var c0 = p0u.inverseNTT()
        c0 += e1
        var c1 = p1u.inverseNTT()
        c1 += e2
        guard atKeyLevel else { return (c0, c1) }
        defer {
            c0.wipe()
            c1.wipe()
        }
        return (c0.dividingRoundedByLastModulus(to: target), c1.dividingRoundedByLastModulus(to: target))
    }
}

extension PolyRq where F == Coeff {
    /// `round(x / p)` for the last modulus `p` of the ring, in the ring without it (the first
    /// `L - 1` moduli): per coefficient, with `h = (p - 1) / 2` and `r = [x + h]_p`,
    /// `[(x + h - r) * p^-1]_(q_i)`, exact because `x + h - r` is a multiple of `p` and
    /// `floor((x + h) / p) = round(x / p)` for odd `p`. Mask-based modular arithmetic only.
    ///
    /// - Parameter target: the ring of the first `L - 1` moduli.
    /// - Returns: the rounded quotient in `target`.
    func dividingRoundedByLastModulus(to target: RnsContext<T>) -> PolyRq<T, Coeff> {
        let n = degree
        let last = context.count - 1
        precondition(last >= 1 && target.count == last, "the target drops exactly the last modulus")
        let p = context.moduli[last]
        let half = (p.value &- 1) / 2
        let moduli = target.moduli
        // Raw pointers and an uninitialised result (every word is written): no bounds or
        // uniqueness check per word, so the 32-bit loop vectorizes.
        let out = data.withUnsafeBufferPointer { source in
            [T](unsafeUninitializedCapacity: n * moduli.count) { out, initialized in
                let x = source.baseAddress.unsafelyUnwrapped
                let lastRow = x + last * n
                for (i, modulus) in moduli.enumerated() {
                    let pInverse = modulus.inverse(modulus.reduce(p.value)) ?? 0
                    let pInverseShoup = modulus.shoup(pInverse)
                    let halfModQ = modulus.reduce(half)
                    let row = x + i * n
                    let outRow = out.baseAddress.unsafelyUnwrapped + i * n
                    for j in 0..<n {
                        let r = p.add(lastRow[j], half)
                        let shifted = modulus.subtract(modulus.add(row[j], halfModQ), modulus.reduce(r))
                        outRow[j] = modulus.multiplyShoup(shifted, by: pInverse, shoup: pInverseShoup)
                    }
                }
                initialized = n * moduli.count
            }
        }
        return PolyRq<T, Coeff>(context: target, data: out)
    }
}
