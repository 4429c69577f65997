import Foundation
import Testing
@testable import HeatEnvelope

@Suite struct EnvelopeTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("heat-envelope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func randomPayload(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    @Test(arguments: EnvelopeKind.allCases)
    func roundTripsEveryKind(kind: EnvelopeKind) throws {
        let fingerprint = Fingerprint(hashing: Data("parameters-\(kind.rawValue)".utf8))
        let envelope = Envelope(kind: kind, fingerprint: fingerprint, payload: randomPayload(Int.random(in: 0...4096)))
        let decoded = try Envelope(decoding: envelope.serialized(), expecting: kind, fingerprint: fingerprint)
        #expect(decoded == envelope)
    }

    @Test func layoutMatchesTheSpecification() throws {
        let envelope = Envelope(kind: .model, payload: Data([1, 2, 3]))
        let bytes = [UInt8](envelope.serialized())
        #expect(bytes.count == 8 + 2 + 2 + 32 + 8 + 3 + 32)
        #expect(Array(bytes[0..<8]) == Array("HEATFILE".utf8))
        #expect(Array(bytes[8..<10]) == [0, 1])
        #expect(Array(bytes[10..<12]) == [0, 7])
        #expect(bytes[12..<44].allSatisfy { $0 == 0 })
        #expect(Array(bytes[44..<52]) == [0, 0, 0, 0, 0, 0, 0, 3])
        #expect(Array(bytes[52..<55]) == [1, 2, 3])
        #expect(Fingerprint(hashing: bytes[0..<55]).bytes == Array(bytes[55...]))
    }

    @Test func detectsTruncationAtEveryLength() throws {
        let bytes = Envelope(kind: .fheCiphertext, payload: randomPayload(64)).serialized()
        for length in 0..<bytes.count {
            #expect(throws: EnvelopeError.self) { try Envelope(decoding: bytes.prefix(length)) }
        }
        let cut = bytes.prefix(bytes.count - 10)
        #expect(throws: EnvelopeError.truncated(source: "<data>", expected: bytes.count, actual: bytes.count - 10)) {
            try Envelope(decoding: cut)
        }
    }

    @Test func detectsEverySingleBitFlipInThePayloadAndChecksum() throws {
        let bytes = [UInt8](Envelope(kind: .model, payload: randomPayload(40)).serialized())
        for index in Envelope.headerSize..<bytes.count {
            var corrupted = bytes
            corrupted[index] ^= 1 << UInt8(index % 8)
            #expect(throws: EnvelopeError.checksumMismatch(source: "<data>")) { try Envelope(decoding: Data(corrupted)) }
        }
    }

    @Test func rejectsWrongKindUnknownKindBadMagicAndNewerVersion() throws {
        let envelope = Envelope(kind: .fhePublicKey, payload: Data([9]))
        #expect(throws: EnvelopeError.wrongKind(source: "k", expected: .fheSecretKey, found: .fhePublicKey)) {
            try Envelope(decoding: envelope.serialized(), expecting: .fheSecretKey, source: "k")
        }
        #expect(throws: EnvelopeError.notAnEnvelope(source: "<data>")) {
            try Envelope(decoding: Data("NOTAFILE and more bytes".utf8))
        }
        var newer = envelope
        newer.formatVersion = 9
        #expect(throws: EnvelopeError.unsupportedVersion(source: "<data>", version: 9, newestSupported: 1)) {
            try Envelope(decoding: newer.serialized())
        }
        var unknown = [UInt8](envelope.serialized().prefix(Envelope.headerSize + 1))
        unknown[10] = 0x7f
        unknown.append(contentsOf: Fingerprint(hashing: unknown).bytes)
        #expect(throws: EnvelopeError.unknownKind(source: "<data>", rawValue: 0x7f03)) { try Envelope(decoding: Data(unknown)) }
    }

    @Test func rejectsAFileMadeForOtherParameters() throws {
        let made = Fingerprint(hashing: Data("a".utf8))
        let wanted = Fingerprint(hashing: Data("b".utf8))
        let bytes = Envelope(kind: .fheGaloisKeys, fingerprint: made, payload: Data()).serialized()
        #expect(throws: EnvelopeError.fingerprintMismatch(source: "<data>", expected: wanted, found: made)) {
            try Envelope(decoding: bytes, fingerprint: wanted)
        }
    }

    @Test func writesAtomicallyWithSecretPermissions() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = folder.appendingPathComponent("secret.key")
        try Envelope(kind: .signingKey, payload: Data("k".utf8)).write(to: secret)
        let attributes = try FileManager.default.attributesOfItem(atPath: secret.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let public_ = folder.appendingPathComponent("public.key")
        try Envelope(kind: .verificationKey, payload: Data("p".utf8)).write(to: public_)
        let publicAttributes = try FileManager.default.attributesOfItem(atPath: public_.path)
        #expect((publicAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o644)
        // Overwrite and read back; no temporary files are left behind.
        try Envelope(kind: .signingKey, payload: Data("k2".utf8)).write(to: secret)
        #expect(try Envelope.read(from: secret, expecting: .signingKey).payload == Data("k2".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["public.key", "secret.key"])
    }

    @Test func reportsMissingFilesAndUnwritableFolders() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-heat/file.model")
        #expect(throws: EnvelopeError.missingFile(path: missing.path)) { try Envelope.read(from: missing) }
        #expect(EnvelopeError.missingFile(path: "x").category.exitCode == 66)
        #expect(EnvelopeError.checksumMismatch(source: "x").category.exitCode == 65)
        #expect(throws: EnvelopeError.self) { try Envelope(kind: .model, payload: Data()).write(to: missing) }
    }

    @Test func hexRoundTrips() {
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.encode([0xde, 0xad]) == "dead")
    }
}
