import Foundation
import Testing
@testable import HeatFHE
@testable import HeatFHETools

@Suite struct FHEBenchmarkTests {
    @Test func resolvesPresetPrefixes() throws {
        #expect(try FHEBenchmark.preset(named: "n4096").name == "n4096-logq109-logt17")
        #expect(try FHEBenchmark.preset(named: "n8192-logq217-logt25").degree == 8192)
        #expect(try FHEBenchmark.preset(named: "n8192").name == "n8192-logq217-logt25")
        #expect(throws: FHEError.self) { try FHEBenchmark.preset(named: "n") }
        #expect(throws: FHEError.self) { try FHEBenchmark.preset(named: "n4096-logq") }
    }

    @Test func timesEveryOperationOnASmallRing() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let options = FHEBenchmark.Options(minimumIterations: 3, maximumIterations: 3, minimumSeconds: 0)
        let report = try FHEBenchmark.run(context, options: options)
        let expected = [
            "ntt.forward", "ntt.inverse", "keygen.secret", "keygen.public", "encode.batch", "decode.batch",
            "encrypt.publicKey", "encrypt.secretKey", "decrypt", "add", "add.plain", "multiply.plain",
            "serialize.ciphertext", "serialize.ciphertext.payload", "serialize.ciphertext.checksum", "deserialize.ciphertext", "keygen.relinearization",
            "keygen.galois",
            "multiply.relinearize", "multiply", "relinearize", "rotate", "swap.rows", "sum.slots", "modswitch",
        ]
        #expect(report.operations.map(\.name) == expected)
        for timing in report.operations {
            #expect(timing.iterations == 3)
            #expect(timing.minimumMicroseconds > 0)
            #expect(timing.p10Microseconds <= timing.medianMicroseconds)
            #expect(timing.medianMicroseconds <= timing.p90Microseconds)
        }
        #expect(report.operations.map(\.cpuMedianMicroseconds).reduce(0, +) > 0)
        #expect(report.degree == 16)
        #expect(report.sizes["ciphertext"] ?? 0 > 2 * 3 * 16 * 4)
        // Seeded objects are about half their full forms.
        for name in ["relinearizationKey", "galoisKeys"] {
            let seeded = try #require(report.sizes[name])
            let full = try #require(report.sizes[name + ".full"])
            #expect(seeded < full, "\(name): \(seeded) vs \(full)")
        }
        #expect(report.sizes["ciphertext.seeded"] ?? .max < report.sizes["ciphertext"] ?? 0)
        // Called from this module with a concrete scalar, `FHEBenchmark.run` (HeatFHETools) runs as
        // unspecialized generic code; every HeatFHE kernel it reaches must still be specialized.
        if isOptimizedBuild { #expect(report.unspecializedKernels == []) }
    }

    /// A report written before `unspecializedKernels` existed still decodes (review s37 LOW 12);
    /// a report without another field does not.
    @Test func reportsWithoutUnspecializedKernelsDecode() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let report = try FHEBenchmark.run(
            context, options: FHEBenchmark.Options(minimumIterations: 1, maximumIterations: 1, minimumSeconds: 0))
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(object["unspecializedKernels"] != nil)
        object["unspecializedKernels"] = nil
        let old = try JSONDecoder().decode(FHEBenchmarkReport.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.unspecializedKernels == [])
        #expect(old.operations == report.operations && old.sizes == report.sizes)
        object["checksum"] = nil
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(FHEBenchmarkReport.self, from: JSONSerialization.data(withJSONObject: object))
        }
    }

    @Test func percentilesUseNearestRank() {
        let timing = FHEOperationTiming(name: "x", samples: (1...10).map(Double.init).reversed())
        #expect(timing.medianMicroseconds == 5)
        #expect(timing.p10Microseconds == 1)
        #expect(timing.p90Microseconds == 9)
        #expect(timing.minimumMicroseconds == 1)
        #expect(timing.cpuMedianMicroseconds == 0)
        #expect(FHEOperationTiming(name: "empty", samples: []).iterations == 0)
        let withCPU = FHEOperationTiming(name: "y", samples: [10, 20, 30], cpuSamples: [3, 1, 2])
        #expect(withCPU.cpuMedianMicroseconds == 2)
    }
}
