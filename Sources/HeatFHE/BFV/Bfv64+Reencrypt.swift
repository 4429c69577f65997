extension Bfv64 {
    /// Re-encrypts a ciphertext under another key of the same parameters: decrypts it with the
    /// old secret key and encrypts the plaintext **polynomial** (no decoding, so the values, their
    /// encoding and signedness are carried over exactly) under the new public key, then wipes the
    /// plaintext's coefficients (issue 27, FHE key rotation inside the key holder's vault).
    ///
    /// The result is a fresh public-key encryption: its noise is that of a fresh ciphertext,
    /// whatever the input's was (the input must still decrypt correctly).
    ///
    /// ```swift
    /// var random = SecureRandom()
    /// let moved = try Bfv64.reencrypt(stored, decryptor: BfvDecryptor(secretKey: old),
    ///                                 encryptor: BfvEncryptor(publicKey: newPublic), using: &random)
    /// ```
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext of the old key (any level).
    ///   - decryptor: the old key's decryptor.
    ///   - encryptor: the new key's public-key encryptor (same parameters).
    ///   - random: the CSPRNG.
    /// - Returns: the ciphertext under the new key, at the top level.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` when the keys or the ciphertext are of other parameters.
    public static func reencrypt(
        _ ciphertext: Ciphertext<UInt64>, decryptor: BfvDecryptor<UInt64>, encryptor: BfvEncryptor<UInt64>,
        using random: inout SecureRandom
    ) throws(FHEError) -> Ciphertext<UInt64> {
        var plaintext = try decryptor.decrypt(ciphertext)
        defer { plaintext.coefficients.wipe() }
        return try encryptor.encrypt(plaintext, using: &random)
    }
}
