import Foundation
import HeatEnvelope
import Testing

@testable import HeatFHE

/// The documented security table (Docs/TFHE.md, "Security estimate"; the `SETS` of
/// `Scripts/tfhe-security-estimate.py`) pinned against the presets, so that an edit of a set's
/// dimension or noise cannot silently drop it below the published point its level rests on.
@Suite("TFHE security estimate and parameter errors")
struct TfheSecurityTests {
    /// One row of the documented table.
    struct Row {
        let set: String
        /// Small key: `n`, `log2` of the key-switching modulus, TUniform bound on that modulus.
        let small: (n: Int, modulusLog2: Double, bound: Int)
        /// GLWE key: `kN`, TUniform bound on the 62-bit prime.
        let glwe: (n: Int, bound: Int)
        let smallReference: TfheSecurityReference
        let glweReference: TfheSecurityReference
        let bits: Int
    }

    static let table: [Row] = [
        Row(
            set: "tfhe-4bit-2m64-ks32", small: (887, 32, 14), glwe: (2048, 15), smallReference: .tfheRs887,
            glweReference: .tfheRsGlwe2048, bits: 132),
        Row(
            set: "tfhe-4bit-2m64", small: (887, 64, 46), glwe: (2048, 15), smallReference: .tfheRs887,
            glweReference: .tfheRsGlwe2048, bits: 132),
        Row(
            set: "tfhe-4bit-2m17-ks32", small: (822, 32, 15), glwe: (2048, 15), smallReference: .concreteCurve822,
            glweReference: .tfheRsGlwe2x1024, bits: 128),
        Row(
            set: "tfhe-6bit-2m40-ks32", small: (944, 32, 12), glwe: (8192, 1), smallReference: .concreteCurve944,
            glweReference: .concreteCurveGlwe8192, bits: 128),
        Row(
            set: "tfhe-8bit-2m40-ks32", small: (1054, 32, 9), glwe: (32768, 1), smallReference: .concreteCurve1054,
            glweReference: .concreteCurveGlwe32768, bits: 128),
    ]

    @Test("every 128-bit preset matches the documented table and dominates its published points")
    func presetsMatchTheDocumentedTable() throws {
        let secure = TfheParameters.presets.filter { $0.security == .standard128 }.map(\.name)
        // A new 128-bit preset needs a row (and a line in Docs/TFHE.md and the script).
        #expect(Set(secure) == Set(Self.table.map(\.set)))
        for row in Self.table {
            let parameters = try TfheParameters(preset: row.set)
            let estimate = TfheSecurityEstimate(parameters: parameters)
            let small = estimate.parts[0]
            let glwe = estimate.parts[1]
            #expect(small.dimension == row.small.n, "\(row.set)")
            #expect(small.modulusLog2 == row.small.modulusLog2, "\(row.set)")
            #expect(small.noiseBoundLog2 == row.small.bound, "\(row.set)")
            #expect(glwe.dimension == row.glwe.n, "\(row.set)")
            #expect(abs(glwe.modulusLog2 - 62) < 1e-6, "\(row.set)")
            #expect(glwe.noiseBoundLog2 == row.glwe.bound, "\(row.set)")
            #expect(small.reference == row.smallReference && glwe.reference == row.glweReference, "\(row.set)")
            #expect(small.dominatesReference, "\(row.set) small key: n \(small.dimension), rate 2^\(small.noiseRateLog2)")
            #expect(glwe.dominatesReference, "\(row.set) GLWE key: n \(glwe.dimension), rate 2^\(glwe.noiseRateLog2)")
            #expect(estimate.documentedBits == row.bits && row.bits >= 128, "\(row.set)")
        }
        for parameters in TfheParameters.presets where parameters.security != .standard128 {
            #expect(TfheSecurityEstimate(parameters: parameters).documentedBits == nil, "\(parameters.name)")
        }
    }

    @Test("a part with a smaller dimension or a lower noise rate than its point does not dominate it")
    func dominanceNeedsDimensionAndRate() {
        let reference = TfheSecurityReference.concreteCurve822
        func part(n: Int, modulusLog2: Double, bound: Int) -> TfheSecurityEstimate.Part {
            TfheSecurityEstimate.Part(
                name: "small key", dimension: n, modulusLog2: modulusLog2, noiseBoundLog2: bound, reference: reference)
        }
        #expect(part(n: 822, modulusLog2: 32, bound: 15).dominatesReference)
        #expect(!part(n: 821, modulusLog2: 32, bound: 15).dominatesReference)
        // TUniform(14) on 2^32: sigma / q = 2^-18.79 < 2^-18.45.
        #expect(!part(n: 822, modulusLog2: 32, bound: 14).dominatesReference)
        #expect(!part(n: 822, modulusLog2: 64, bound: 46).dominatesReference)
        #expect(part(n: 822, modulusLog2: 64, bound: 47).dominatesReference)
        #expect(
            !TfheSecurityEstimate.Part(name: "x", dimension: 900, modulusLog2: 64, noiseBoundLog2: 50, reference: nil)
                .dominatesReference)
    }

    @Test("the TUniform standard deviation agrees with the noise model's variance")
    func tUniformStandardDeviation() {
        for bound in [3, 14, 15, 45, 47] {
            let variance = TfheNoiseModel.tUniformVariance(bound: bound, modulusLog2: 64) * pow(2, 128)
            #expect(abs(TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: bound) - 0.5 * log2(variance)) < 1e-9)
        }
    }

    @Test("a small TUniform(b) sums to the documented variance (b = 3)")
    func tUniformVarianceBySummation() {
        // TUniform(b): each value in (-2^b, 2^b) with probability 2^-(b+1), each end with 2^-(b+2).
        let bound = 3
        let half = 1 << bound
        var variance = 0.0
        for value in -half...half {
            let probability = abs(value) == half ? pow(2, -Double(bound + 2)) : pow(2, -Double(bound + 1))
            variance += probability * Double(value * value)
        }
        #expect(abs(0.5 * log2(variance) - TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: bound)) < 1e-12)
    }

    @Test("TFHE parameter errors name the field and say TFHE, never BFV; usage (exit 64)", arguments: [
        ("lweDimension", 0), ("glweDimension", 1), ("polynomialSize", 2), ("messageBits", 3), ("lweNoiseLog2", 4),
        ("glweNoiseLog2", 5), ("pbsBaseLog", 6), ("pbsLevels", 7), ("keySwitchModulusLog2", 8), ("ksBaseLog", 9),
        ("ksLevels", 10), ("lweNoiseLog2", 11),
    ])
    func parameterErrorsNameTheField(field: String, mutation: Int) throws {
        let base = TfheParameters.fast4Bit
        var values = [
            base.lweDimension, base.glweDimension, base.polynomialSize, base.messageBits, base.lweNoiseLog2,
            base.glweNoiseLog2, base.pbsBaseLog, base.pbsLevels, base.keySwitchModulusLog2, base.ksBaseLog, base.ksLevels,
        ]
        // One field out of range per case (the last: a noise bound below 32 with a 32-bit key switch).
        let bad = [8, 5, 1000, 0, 61, -1, 0, 3, 48, 0, 8, 31]
        values[mutation == 11 ? 4 : mutation] = bad[mutation]
        do {
            _ = try TfheParameters(
                name: "bad-\(field)", lweDimension: values[0], glweDimension: values[1], polynomialSize: values[2],
                lweNoiseLog2: values[4], glweNoiseLog2: values[5], pbsBaseLog: values[6], pbsLevels: values[7],
                ksBaseLog: values[9], ksLevels: values[10], keySwitchModulusLog2: values[8], messageBits: values[3],
                security: .standard128, reference: "test")
            Issue.record("\(field) = \(bad[mutation]) was accepted")
        } catch {
            guard case .invalidTfheParameter(let parameter, let reason) = error else {
                Issue.record("expected invalidTfheParameter, got \(error)")
                return
            }
            #expect(parameter == field)
            #expect(reason.contains("\(bad[mutation])") && reason.contains("bad-\(field)"), "\(reason)")
            #expect(error.description.hasPrefix("invalid TFHE parameter \(field): "), "\(error.description)")
            #expect(!error.description.contains("BFV"))
            #expect(error.category == .usage && error.category.exitCode == 64)
            #expect(error.hint != nil)
        }
    }

    @Test("a JSON parameter block with a field out of range is refused naming the field")
    func jsonIsValidated() throws {
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(TfheParameters.fast4Bit)) as? [String: Any])
        object["ksLevels"] = 9
        do {
            _ = try JSONDecoder().decode(TfheParameters.self, from: JSONSerialization.data(withJSONObject: object))
            Issue.record("ksLevels 9 (36 bits of a 32-bit key switch) was accepted")
        } catch let error as FHEError {
            #expect(error.description.hasPrefix("invalid TFHE parameter ksLevels: 9 levels"), "\(error)")
        }
    }

    @Test("an insecure set under the production policy: a TFHE message naming the set, exit 64")
    func insecureSetMessage() throws {
        for parameters in [TfheParameters.insecureTest4Bit, .insecureTest4BitKeySwitch32] {
            #expect(throws: FHEError.insecureTfheParameters(set: parameters.name)) {
                try parameters.check(policy: .production)
            }
            let error = FHEError.insecureTfheParameters(set: parameters.name)
            #expect(error.description.contains("insecure TFHE parameters: \(parameters.name)"))
            #expect(!error.description.contains("BFV"))
            #expect(error.category.exitCode == 64)
            try parameters.check(policy: .allowInsecureForTesting)
        }
        // A key file of an insecure set, read under the production policy, says the same.
        let context = try TfheContext(parameters: .insecureTest4Bit)
        let key = TfheSecretKey(context: context)
        let envelope = TfheFile.envelope(secretKey: key)
        #expect(throws: FHEError.insecureTfheParameters(set: "tfhe-4bit-insecure-test")) {
            try TfheFile.secretKey(from: envelope, source: "client.tfhekey", policy: .production)
        }
    }
}
