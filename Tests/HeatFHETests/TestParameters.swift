import Foundation
@testable import HeatFHE

/// Small insecure rings for fast algebra tests, and helpers shared by the suites.
enum TestParameters {
    /// N=16, t=97 (batching), three 28-bit moduli and a 29-bit special prime, UInt32 residues.
    static let small32: BfvParameters = {
        let moduli = (try? PrimeGenerator.nttPrimes(bitWidth: 28, count: 3, degree: 16)) ?? []
        let special = (try? PrimeGenerator.nttPrimes(bitWidth: 29, count: 1, degree: 16))?.first
        return BfvParameters(
            degree: 16, plaintextModulus: 97, ciphertextModuli: moduli, specialModulus: special,
            scalarWidth: .bits32, security: .insecureForTesting)
    }()

    /// N=32, t=193 (batching), two 55-bit moduli and a 56-bit special prime, UInt64 residues.
    static let small64: BfvParameters = {
        let moduli = (try? PrimeGenerator.nttPrimes(bitWidth: 55, count: 2, degree: 32)) ?? []
        let special = (try? PrimeGenerator.nttPrimes(bitWidth: 56, count: 1, degree: 32))?.first
        return BfvParameters(
            degree: 32, plaintextModulus: 193, ciphertextModuli: moduli, specialModulus: special,
            scalarWidth: .bits64, security: .insecureForTesting)
    }()

    /// N=16 with t=255 (odd, not prime): coefficient encoding only.
    static let noBatching: BfvParameters = {
        var parameters = small32
        parameters.plaintextModulus = 255
        return parameters
    }()

    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "heatfhe-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
