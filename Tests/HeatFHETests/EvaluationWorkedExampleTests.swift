import Foundation
import Testing
@testable import HeatFHE

/// The worked examples of Docs/FHE-Format.md ("Modulus switching", "Galois keys"), reproduced
/// residue for residue with HeatFHE. The numbers were computed independently with plain Python
/// integers (schoolbook negacyclic products and CRT, no HeatFHE code).
@Suite struct EvaluationWorkedExampleTests {
    let parameters = BfvParameters(
        degree: 8, plaintextModulus: 17, ciphertextModuli: [7681, 12289], specialModulus: 40961,
        scalarWidth: .bits32, security: .insecureForTesting)

    func setUp() throws -> (BfvContext<UInt32>, SecretKey<UInt32>, Ciphertext<UInt32>) {
        let context = try BfvContext<UInt32>(parameters: parameters)
        let s: [[UInt32]] = [[1, 0, 7680, 1, 0, 0, 7680, 1], [1, 0, 12288, 1, 0, 0, 12288, 1], [1, 0, 40960, 1, 0, 0, 40960, 1]]
        var coefficientForm = PolyRq<UInt32, Coeff>(context: context.keyContext, data: s.flatMap { $0 })
        let key = try SecretKey(context: context, wiping: &coefficientForm, source: "worked example")
        let c: [[[UInt32]]] = [
            [[2910, 5774, 5655, 4355, 2707, 919, 3814, 254], [1966, 1636, 751, 1955, 7405, 3125, 6051, 2372]],
            [[5607, 1724, 42, 7652, 636, 6888, 5023, 4371], [5667, 7654, 42, 696, 5242, 2412, 8174, 8348]],
        ]
        let ciphertext = try Ciphertext(
            context: context, polynomials: c.map { PolyRq(context: context.ciphertextContext, data: $0.flatMap { $0 }) },
            encoding: .coefficient, signedness: .unsigned, valueCount: 8)
        return (context, key, ciphertext)
    }

    @Test func documentedModulusSwitch() throws {
        let (context, key, ciphertext) = try setUp()
        let switched = try BfvEvaluator(context: context).switchingModulusDown(ciphertext)
        #expect(switched.moduli == [7681])
        #expect(switched.polynomials[0].data == [987, 5905, 2068, 3681, 150, 6237, 1168, 3530])
        #expect(switched.polynomials[1].data == [100, 7324, 0, 6329, 2556, 221, 132, 4069])
        let plaintext = try BfvDecryptor(secretKey: key).decrypt(switched)
        #expect(plaintext.coefficients == [3, 1, 4, 1, 5, 9, 2, 6])
    }

    @Test func documentedGaloisKeySwitch() throws {
        let (context, key, ciphertext) = try setUp()
        let b0: [[UInt32]] = [
            [1868, 4209, 6271, 6763, 6536, 1184, 5811, 6307], [9612, 8721, 4461, 8719, 7829, 6939, 2675, 6937],
            [15483, 34299, 28809, 34297, 12153, 30970, 25476, 30968],
        ]
        let a0: [[UInt32]] = [
            [229, 458, 687, 916, 1145, 1374, 1603, 1832], [892, 1784, 2676, 3568, 4460, 5352, 6244, 7136],
            [22146, 3331, 25477, 6662, 28808, 9993, 32139, 13324],
        ]
        let b1: [[UInt32]] = [
            [6261, 666, 4927, 668, 2753, 4841, 1420, 4842], [7453, 4480, 6693, 8576, 1501, 10812, 4836, 6719],
            [23012, 17028, 29915, 17030, 11045, 5063, 17949, 5064],
        ]
        let a1: [[UInt32]] = [
            [5594, 3507, 1420, 7014, 4927, 2840, 753, 6347], [7073, 1857, 8930, 3714, 10787, 5571, 355, 7428],
            [5983, 11966, 17949, 23932, 29915, 35898, 920, 6903],
        ]
        func poly(_ rows: [[UInt32]]) -> PolyRq<UInt32, Coeff> { PolyRq(context: context.keyContext, data: rows.flatMap { $0 }) }
        let switching = BfvKeySwitchingKey(context: context, coefficientForm: [(poly(b0), poly(a0)), (poly(b1), poly(a1))])
        let keys = BfvGaloisKeys(context: context, keys: [3: switching])
        let rotated = try BfvEvaluator(context: context).applyingGalois(ciphertext, element: 3, using: keys)
        #expect(rotated.polynomials[0].data
            == [5181, 1841, 5180, 4796, 4964, 4948, 3376, 2257] + [10539, 25, 9259, 7142, 8653, 12280, 7490, 4733])
        #expect(rotated.polynomials[1].data
            == [5350, 3482, 1444, 5891, 1042, 2943, 7101, 5913] + [798, 10488, 8429, 315, 3629, 3691, 196, 12252])
        // m(X^3) for m = [3, 1, 4, 1, 5, 9, 2, 6].
        #expect(try BfvDecryptor(secretKey: key).decrypt(rotated).coefficients == [3, 16, 2, 1, 12, 6, 4, 8])
        // The exported key is the documented JSON.
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(BfvJSONExport.export(keys).utf8)) as? [String: Any])
        let entries = try #require(document["keys"] as? [[String: Any]])
        let components = try #require(entries.first?["components"] as? [[[[Int]]]])
        #expect(components[0][0].map { $0.map(UInt32.init) } == b0 && components[1][1].map { $0.map(UInt32.init) } == a1)
    }
}
