/// Fixtures for the decryption timing test of HeatFHETools (`FHEDecryptionTiming`): they need the
/// ring internals, so they stay in the crypto library at `package` visibility (not public API).
package enum BfvTimingFixtures {
    /// Ciphertexts `(x - a*s, a)` with `x_j = floor((2k_j + 1) * Q / (2t)) + d_j`, `d_j` in `{0, 1}`:
    /// one unit either side of a rounding boundary in every coefficient.
    package static func boundaryCiphertexts<T: ScalarType>(
        _ context: BfvContext<T>, _ secretKey: SecretKey<T>, count: Int, using random: inout SecureRandom
    ) throws(FHEError) -> [Ciphertext<T>] {
        let ring = context.ciphertextContext
        let q = ring.modulusProduct
        let t = context.parameters.plaintextModulus
        let n = ring.degree
        var out: [Ciphertext<T>] = []
        for _ in 0..<count {
            var x = PolyRq<T, Coeff>(zeroIn: ring)
            for j in 0..<n {
                let k = BigInt(random.uniform(below: t))
                let value = ((k * BigInt(2) + BigInt(1)) * q).floorDivided(by: BigInt(2 * t)) + BigInt(random.uniform(below: 2))
                for (i, modulus) in ring.moduli.enumerated() {
                    x.data[i * n + j] = T(value.residue(modulo: UInt64(modulus.value)))
                }
            }
            let a: PolyRq<T, Coeff> = PolySeed(using: &random).uniformPolynomial(in: ring)
            var aS = secretKey.product(with: a.forwardNTT())
            defer { aS.wipe() }
            out.append(
                try Ciphertext(context: context, polynomials: [x - aS, a], encoding: .coefficient, signedness: .unsigned, valueCount: n))
        }
        return out
    }
}
