/// An LWE ciphertext modulo `2^64`: the mask `a` (`dimension` words) then the body `b`, with
/// phase `b - <a, s> = Delta * m + e` (wrapping arithmetic).
///
/// Ciphertexts at rest are under the big key (dimension `k * N`): fresh encryptions and
/// bootstrapped results. Sums, differences and multiples by small constants are exact on the
/// phase and add noise variances (multiples scale them by the square).
///
/// ```swift
/// let sum = a + b          // Enc(m_a + m_b)
/// let shifted = a.adding(constant: 3, delta: parameters.delta)
/// ```
public struct LweCiphertext: Sendable, Hashable {
    /// `a_0 ... a_(d-1), b`.
    public var data: [UInt64]

    /// A ciphertext from its words (mask then body).
    ///
    /// - Parameter data: at least two words.
    public init(data: [UInt64]) {
        precondition(data.count >= 2, "an LWE ciphertext has a mask and a body")
        self.data = data
    }

    /// The mask dimension.
    public var dimension: Int { data.count - 1 }
    /// The body `b`.
    public var body: UInt64 { data[data.count - 1] }

    /// A noiseless ciphertext of a torus value (mask zero).
    ///
    /// - Parameters:
    ///   - value: the torus value (for example `m * Delta`).
    ///   - dimension: the mask dimension.
    /// - Returns: `(0, ..., 0, value)`.
    public static func trivial(_ value: UInt64, dimension: Int) -> LweCiphertext {
        var data = [UInt64](repeating: 0, count: dimension + 1)
        data[dimension] = value
        return LweCiphertext(data: data)
    }

    /// The sum (phases add).
    public static func + (lhs: LweCiphertext, rhs: LweCiphertext) -> LweCiphertext {
        precondition(lhs.data.count == rhs.data.count, "LWE ciphertexts of different dimensions")
        var out = lhs
        for index in out.data.indices { out.data[index] &+= rhs.data[index] }
        return out
    }

    /// The difference (phases subtract).
    public static func - (lhs: LweCiphertext, rhs: LweCiphertext) -> LweCiphertext {
        precondition(lhs.data.count == rhs.data.count, "LWE ciphertexts of different dimensions")
        var out = lhs
        for index in out.data.indices { out.data[index] &-= rhs.data[index] }
        return out
    }

    /// The negation.
    public static prefix func - (operand: LweCiphertext) -> LweCiphertext {
        var out = operand
        for index in out.data.indices { out.data[index] = 0 &- out.data[index] }
        return out
    }

    /// The ciphertext times a small signed integer (the noise standard deviation scales by `|c|`).
    ///
    /// - Parameter c: the factor.
    /// - Returns: `Enc(c * m)`.
    public func multiplied(by c: Int) -> LweCiphertext {
        var out = self
        let factor = UInt64(bitPattern: Int64(c))
        for index in out.data.indices { out.data[index] &*= factor }
        return out
    }

    /// Adds a torus constant to the body.
    ///
    /// - Parameter value: the torus value.
    /// - Returns: the shifted ciphertext.
    public func adding(torus value: UInt64) -> LweCiphertext {
        var out = self
        out.data[out.data.count - 1] &+= value
        return out
    }

    /// Adds a plaintext message `c` (encoded as `c * delta`).
    ///
    /// - Parameters:
    ///   - constant: the message to add (negative values subtract).
    ///   - delta: the scaling factor, ``TfheParameters/delta``.
    /// - Returns: `Enc(m + c)`.
    public func adding(constant: Int, delta: UInt64) -> LweCiphertext {
        adding(torus: UInt64(bitPattern: Int64(constant)) &* delta)
    }
}

/// A GLWE ciphertext modulo the prime `q`, in coefficient form: `k` mask polynomials then the
/// body, `(k + 1) * N` residues, with phase `B - sum_p A_p * S_p` in `Z_q[X]/(X^N + 1)`.
///
/// Used as the accumulator of the blind rotation; ``sampleExtract(context:)`` reads one
/// coefficient of its phase out as an LWE ciphertext under the big key.
public struct GlweCiphertext: Sendable, Hashable {
    /// The residues, polynomial-major (`A_0, ..., A_(k-1), B`).
    public var data: [UInt64]

    /// A ciphertext from its residues.
    ///
    /// - Parameter data: `(k + 1) * N` residues in `[0, q)`.
    public init(data: [UInt64]) { self.data = data }

    /// The noiseless ciphertext `(0, ..., 0, body)`.
    ///
    /// - Parameters:
    ///   - body: `N` residues.
    ///   - glweDimension: `k`.
    /// - Returns: the trivial ciphertext.
    public static func trivial(body: [UInt64], glweDimension: Int) -> GlweCiphertext {
        GlweCiphertext(data: [UInt64](repeating: 0, count: glweDimension * body.count) + body)
    }

    /// Sample extraction: the LWE ciphertext (big key, modulo `2^64`) of the phase's constant
    /// coefficient. With `(A S)_0 = A_0 S_0 - sum_(t>0) A_(N-t) S_t`, the mask is `A_(p,0)` and
    /// `-A_(p,N-t)`; every word is moved from `q` to `2^64` by ``TfheContext/primeToTorus(_:)``.
    ///
    /// - Parameter context: the context.
    /// - Returns: the LWE ciphertext of dimension `k * N`.
    public func sampleExtract(context: TfheContext) -> LweCiphertext {
        let n = context.parameters.polynomialSize
        let k = context.parameters.glweDimension
        let modulus = context.primeModulus
        var out = [UInt64](repeating: 0, count: k * n + 1)
        for p in 0..<k {
            let base = p * n
            out[base] = context.primeToTorus(data[base])
            for t in 1..<n {
                out[base + t] = context.primeToTorus(modulus.negate(data[base + n - t]))
            }
        }
        out[k * n] = context.primeToTorus(data[k * n])
        return LweCiphertext(data: out)
    }
}
