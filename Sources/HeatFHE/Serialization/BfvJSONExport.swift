import HeatEnvelope

/// The JSON export of keys and ciphertexts for independent checking (`Docs/FHE-Format.md`).
///
/// ```json
/// {"scheme": "BFV", "kind": "ciphertext", "n": 8, "plaintextModulus": 17, "encoding": "coefficient",
///  "moduli": [97, 113], "polynomials": [[[...residues mod 97...], [...mod 113...]], [[...], [...]]]}
/// ```
///
/// Every polynomial is in coefficient form (ascending powers of `X`), every residue a decimal
/// integer in `[0, q_i)`, and `moduli` lists exactly the moduli the polynomials are reduced by in
/// RNS order: for keys every key-level modulus with the special prime last, for ciphertexts their
/// current level. A secret key exports `[s]`, a public key `[p0, p1]` with `p0 + p1*s = -e` small,
/// a ciphertext `[c0, c1, ...]` with `m = round(t * [c0 + c1*s + ...]_Q / Q) mod t`.
public enum BfvJSONExport {
    /// The homomorphic encryption scheme named in every export (`"BFV"`).
    public static let scheme = "BFV"

    /// The `kind` names of the export.
    public enum Kind: String, Sendable {
        /// A secret key `[s]`.
        case secretKey
        /// A public key `[p0, p1]`.
        case publicKey
        /// A ciphertext `[c0, c1, ...]`.
        case ciphertext
        /// A relinearization key: `components` `[[b_j, a_j], ...]`, one pair per ciphertext modulus.
        case relinearizationKey
        /// Galois keys: `keys` `[{galoisElement, components}, ...]`.
        case galoisKeys
    }

    /// Renders the export document.
    ///
    /// - Parameters:
    ///   - kind: the object kind.
    ///   - parameters: the parameters.
    ///   - encoding: the ciphertext's encoding (`nil` for keys).
    ///   - moduli: the moduli the polynomials are reduced by.
    ///   - polynomials: each polynomial as one residue array per modulus.
    /// - Returns: the JSON text (one document, ending with a newline).
    public static func render(
        kind: Kind, parameters: BfvParameters, encoding: BfvEncoding?, moduli: [UInt64], polynomials: [[[UInt64]]]
    ) -> String {
        var out = "{\n"
        out += "  \"scheme\": \"\(Self.scheme)\",\n"
        out += "  \"kind\": \"\(kind.rawValue)\",\n"
        out += "  \"n\": \(parameters.degree),\n"
        out += "  \"plaintextModulus\": \(parameters.plaintextModulus),\n"
        if let encoding { out += "  \"encoding\": \"\(encoding.name)\",\n" }
        out += "  \"moduli\": [\(moduli.map(String.init).joined(separator: ", "))],\n"
        out += "  \"polynomials\": [\n"
        out += polynomials.map { polynomial in
            "    [\n"
                + polynomial.map { residues in "      [" + residues.map(String.init).joined(separator: ", ") + "]" }
                .joined(separator: ",\n") + "\n    ]"
        }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }

    static func residues<T: ScalarType>(_ polynomial: PolyRq<T, Coeff>) -> [[UInt64]] {
        (0..<polynomial.context.count).map { polynomial.residues(modulus: $0).map { UInt64($0) } }
    }

    /// Exports a secret key: the document *is* the secret (callers such as `heatctl fhe export-json`
    /// require an explicit opt-in).
    ///
    /// - Parameter secretKey: the key.
    /// - Returns: the JSON document.
    public static func export<T: ScalarType>(_ secretKey: SecretKey<T>) -> String {
        let context = secretKey.context
        return render(
            kind: .secretKey, parameters: context.parameters, encoding: nil, moduli: context.parameters.keyModuli,
            polynomials: [secretKey.withSecretCoefficients { residues($0) }])
    }

    /// Exports a public key.
    ///
    /// - Parameter publicKey: the key.
    /// - Returns: the JSON document.
    public static func export<T: ScalarType>(_ publicKey: PublicKey<T>) -> String {
        let context = publicKey.context
        return render(
            kind: .publicKey, parameters: context.parameters, encoding: nil, moduli: context.parameters.keyModuli,
            polynomials: publicKey.coefficientForm().map(residues))
    }

    /// Exports a ciphertext.
    ///
    /// - Parameter ciphertext: the ciphertext.
    /// - Returns: the JSON document.
    public static func export<T: ScalarType>(_ ciphertext: Ciphertext<T>) -> String {
        let ring = ciphertext.polynomials[0].context
        return render(
            kind: .ciphertext, parameters: ciphertext.context.parameters, encoding: ciphertext.encoding,
            moduli: ring.moduliValues.map { UInt64($0) }, polynomials: ciphertext.polynomials.map(residues))
    }
}
