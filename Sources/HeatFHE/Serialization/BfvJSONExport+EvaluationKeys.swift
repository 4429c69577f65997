/// The JSON export of evaluation keys (`Docs/FHE-Format.md`, "Evaluation keys").
///
/// ```json
/// {"scheme": "BFV", "kind": "galoisKeys", "n": 16, "plaintextModulus": 97, "moduli": [q0, q1, q2, p],
///  "keys": [{"galoisElement": 3, "components": [[b0, a0], [b1, a1], [b2, a2]]}, ...]}
/// ```
///
/// Each component `j` is a pair of key-level polynomials in coefficient form (one residue array
/// per modulus, special prime last) with `b_j + a_j * s = p * s' * [j == i] - e_j` modulo `q_i`
/// (and `-e_j` modulo `p`): `s' = s^2` for the relinearization key, `s' = s(X^g)` for the Galois
/// key of element `g`. A relinearization key exports `components` at the top level.
extension BfvJSONExport {
    static func renderComponents<T: ScalarType>(_ components: [[PolyRq<T, Coeff>]], indent: String) -> String {
        components.map { pair in
            "\(indent)[\n"
                + pair.map { polynomial in
                    "\(indent)  [\n"
                        + residues(polynomial).map { "\(indent)    [" + $0.map(String.init).joined(separator: ", ") + "]" }
                        .joined(separator: ",\n") + "\n\(indent)  ]"
                }.joined(separator: ",\n") + "\n\(indent)]"
        }.joined(separator: ",\n")
    }

    static func header(kind: Kind, parameters: BfvParameters) -> String {
        var out = "{\n"
        out += "  \"scheme\": \"\(Self.scheme)\",\n"
        out += "  \"kind\": \"\(kind.rawValue)\",\n"
        out += "  \"n\": \(parameters.degree),\n"
        out += "  \"plaintextModulus\": \(parameters.plaintextModulus),\n"
        out += "  \"moduli\": [\(parameters.keyModuli.map(String.init).joined(separator: ", "))],\n"
        return out
    }

    /// Exports a relinearization key.
    ///
    /// - Parameter key: the key.
    /// - Returns: the JSON document.
    public static func export<T: ScalarType>(_ key: BfvRelinearizationKey<T>) -> String {
        header(kind: .relinearizationKey, parameters: key.context.parameters) + "  \"components\": [\n"
            + renderComponents(key.key.coefficientForm(), indent: "    ") + "\n  ]\n}\n"
    }

    /// Exports Galois keys.
    ///
    /// - Parameter keys: the keys.
    /// - Returns: the JSON document.
    public static func export<T: ScalarType>(_ keys: BfvGaloisKeys<T>) -> String {
        let entries = keys.elements.compactMap { element -> String? in
            guard let key = keys.keys[element] else { return nil }
            return "    {\n      \"galoisElement\": \(element),\n      \"components\": [\n"
                + renderComponents(key.coefficientForm(), indent: "        ") + "\n      ]\n    }"
        }
        return header(kind: .galoisKeys, parameters: keys.context.parameters) + "  \"keys\": [\n"
            + entries.joined(separator: ",\n") + "\n  ]\n}\n"
    }
}
