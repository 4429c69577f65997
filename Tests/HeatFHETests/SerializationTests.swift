import Foundation
import HeatEnvelope
import Testing
@testable import HeatFHE

@Suite struct SerializationTests {
    @Test func objectsRoundTripThroughEnvelopes() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)
        let encoder = BfvEncoder(context: context)
        let plaintext = try encoder.encode(signed: [-3, 4, 5], encoding: .batch)
        let ciphertext = try BfvEncryptor(publicKey: publicKey).encrypt(plaintext)
        let folder = try TestParameters.temporaryDirectory()

        // Parameters.
        let parametersURL = folder.appending(path: "p.heat")
        try BfvFile.write(context.parameters.envelope(), to: parametersURL)
        let parameters = try BfvParameters(
            envelope: BfvFile.read(parametersURL, expecting: .fheParameters), source: "p", policy: .allowInsecureForTesting)
        #expect(parameters == context.parameters)

        // Secret key: same polynomial, mode 0600.
        let secretURL = folder.appending(path: "s.heat")
        try BfvFile.write(secretKey.envelope(), to: secretURL)
        let attributes = try FileManager.default.attributesOfItem(atPath: secretURL.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let loadedSecret = try SecretKey(envelope: BfvFile.read(secretURL), context: context, source: "s")
        #expect(loadedSecret.withSecretCoefficients { $0.data } == secretKey.withSecretCoefficients { $0.data })

        // Public key and ciphertext: the loaded objects still decrypt correctly.
        let publicURL = folder.appending(path: "pk.heat")
        try BfvFile.write(publicKey.envelope(), to: publicURL)
        let loadedPublic = try PublicKey(envelope: BfvFile.read(publicURL), context: context, source: "pk")
        #expect(loadedPublic.coefficientForm().map(\.data) == publicKey.coefficientForm().map(\.data))
        let ciphertextURL = folder.appending(path: "c.heat")
        try BfvFile.write(ciphertext.envelope(), to: ciphertextURL)
        let loadedCiphertext = try Ciphertext(envelope: BfvFile.read(ciphertextURL), context: context, source: "c")
        #expect(loadedCiphertext.polynomials.map(\.data) == ciphertext.polynomials.map(\.data))
        #expect(loadedCiphertext.encoding == .batch && loadedCiphertext.signedness == .signed && loadedCiphertext.valueCount == 3)
        let decrypted = try BfvDecryptor(secretKey: loadedSecret).decrypt(loadedCiphertext)
        #expect(try encoder.decodeSigned(decrypted) == [-3, 4, 5])
        let fresh = try BfvEncryptor(publicKey: loadedPublic).encrypt(plaintext)
        #expect(try encoder.decodeSigned(BfvDecryptor(secretKey: secretKey).decrypt(fresh)) == [-3, 4, 5])

        // Plaintext.
        let plaintextURL = folder.appending(path: "m.heat")
        try BfvFile.write(plaintext.envelope(), to: plaintextURL)
        let loadedPlaintext = try Plaintext(envelope: BfvFile.read(plaintextURL), context: context, source: "m")
        #expect(loadedPlaintext.coefficients == plaintext.coefficients)
        #expect(loadedPlaintext.valueCount == 3)
    }

    func ciphertextFile() throws -> (URL, BfvContext<UInt64>, Data) {
        let context = try BfvContext<UInt64>(parameters: TestParameters.small64)
        let secretKey = SecretKey(context: context)
        let ciphertext = try BfvEncryptor(secretKey: secretKey).encrypt(
            BfvEncoder(context: context).encode(unsigned: [1, 2, 3], encoding: .coefficient))
        let url = try TestParameters.temporaryDirectory().appending(path: "c.heat")
        try BfvFile.write(ciphertext.envelope(), to: url)
        return (url, context, try Data(contentsOf: url))
    }

    @Test func truncatedFileFailsWithDataError() throws {
        let (url, _, data) = try ciphertextFile()
        try data.prefix(data.count - 100).write(to: url)
        do {
            _ = try BfvFile.read(url, expecting: .fheCiphertext)
            Issue.record("a truncated file must not load")
        } catch {
            guard case .envelope(.truncated) = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.category == .dataError)
            #expect(error.category.exitCode == 65)
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func corruptedFileFailsWithDataError() throws {
        let (url, _, data) = try ciphertextFile()
        var corrupted = data
        corrupted[corrupted.count / 2] ^= 0x40
        try corrupted.write(to: url)
        do {
            _ = try BfvFile.read(url, expecting: .fheCiphertext)
            Issue.record("a corrupted file must not load")
        } catch {
            guard case .envelope(.checksumMismatch) = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.category == .dataError)
        }
    }

    @Test func wrongKindFailsWithDataError() throws {
        let (url, context, _) = try ciphertextFile()
        do {
            _ = try BfvFile.read(url, expecting: .fheSecretKey)
            Issue.record("a ciphertext must not load as a secret key")
        } catch {
            guard case .envelope(.wrongKind(_, .fheSecretKey, .fheCiphertext)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.category == .dataError)
        }
        // Also through the typed decoder.
        let envelope = try BfvFile.read(url)
        #expect(throws: FHEError.self) { try PublicKey(envelope: envelope, context: context, source: url.path) }
    }

    @Test func otherParametersFailWithDataError() throws {
        let (url, _, _) = try ciphertextFile()
        let other = try BfvContext<UInt32>(parameters: TestParameters.small32)
        do {
            _ = try BfvFile.read(url, expecting: .fheCiphertext, fingerprint: other.fingerprint)
            Issue.record("a ciphertext of other parameters must not load")
        } catch {
            guard case .envelope(.fingerprintMismatch) = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.category == .dataError)
        }
        // The typed decoder checks the fingerprint too.
        var otherParameters = TestParameters.small64
        otherParameters.plaintextModulus = 257
        let otherContext = try BfvContext<UInt64>(parameters: otherParameters)
        let envelope = try BfvFile.read(url)
        do {
            _ = try Ciphertext(envelope: envelope, context: otherContext, source: "c")
            Issue.record("must fail")
        } catch {
            #expect(error.category == .dataError)
        }
    }

    @Test func malformedPayloadsNameTheField() throws {
        let context = try BfvContext<UInt64>(parameters: TestParameters.small64)
        let (url, _, _) = try ciphertextFile()
        let envelope = try BfvFile.read(url)
        // A valid envelope whose payload is cut: the checksum is right, the payload is short.
        let short = Envelope(kind: .fheCiphertext, fingerprint: envelope.fingerprint, payload: envelope.payload.prefix(200))
        #expect(throws: FHEError.self) { try Ciphertext(envelope: short, context: context, source: "short.heat") }
        do {
            _ = try Ciphertext(envelope: short, context: context, source: "short.heat")
        } catch {
            #expect(error.description.contains("short.heat"))
            #expect(error.description.contains("ciphertext.c0"))
            #expect(error.category == .dataError)
        }
        // A residue not below its modulus.
        var bytes = Array(envelope.payload)
        let headerLength = 4 + context.parameters.canonicalBytes.count + 1 + 1 + 4 + 1 + 1
        for index in headerLength..<(headerLength + 8) { bytes[index] = 0xff }
        let outOfRange = Envelope(kind: .fheCiphertext, fingerprint: envelope.fingerprint, payload: Data(bytes))
        do {
            _ = try Ciphertext(envelope: outOfRange, context: context, source: "bad.heat")
            Issue.record("must fail")
        } catch {
            #expect(error.description.contains("not below the modulus"))
        }
        // Trailing bytes after the object.
        let trailing = Envelope(kind: .fheCiphertext, fingerprint: envelope.fingerprint, payload: envelope.payload + Data([0]))
        #expect(throws: FHEError.malformedData(source: "t.heat", reason: "1 unexpected bytes after the object")) {
            try Ciphertext(envelope: trailing, context: context, source: "t.heat")
        }
        // Embedded parameters that disagree with the fingerprint.
        let lying = Envelope(kind: .fheCiphertext, fingerprint: Fingerprint(hashing: [1, 2, 3]), payload: envelope.payload)
        #expect(throws: FHEError.self) { try BfvFile.parameters(in: lying, source: "l.heat") }
    }
}
