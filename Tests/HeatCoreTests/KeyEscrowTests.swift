import Crypto
import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, item 1: threshold escrow of the FHE secret key (Shamir over GF(256), HPKE-sealed shares).
@Suite struct KeyEscrowTests {
    /// Yields the given words in turn (to pick Shamir coefficients in tests), then zeros.
    struct ScriptedGenerator: RandomNumberGenerator {
        var words: [UInt64]
        mutating func next() -> UInt64 { words.isEmpty ? 0 : words.removeFirst() }
    }

    @Test func fieldMultiplicationMatchesTheSchoolbookProductAndInverts() {
        for a in 0...255 {
            for b in 0...255 {
                #expect(GF256.multiply(UInt8(a), UInt8(b)) == GF256.referenceMultiply(UInt8(a), UInt8(b)))
            }
        }
        #expect(GF256.multiply(0x57, 0x83) == 0xC1)  // FIPS-197 section 4.2
        for a in 1...255 {
            #expect(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a)) ?? 0) == 1)
        }
        #expect(GF256.inverse(0) == nil)
    }

    @Test func anyThresholdSubsetRecoversAndSmallerSubsetsDoNot() throws {
        let secret = escrowTestBytes(2_000)
        let shares = try ShamirSecretSharing.split(secret, threshold: 3, shares: 5)
        #expect(shares.map(\.x) == [1, 2, 3, 4, 5])
        for a in 0..<5 {
            for b in (a + 1)..<5 {
                // k - 1 shares interpolate to something unrelated to the secret.
                #expect(try ShamirSecretSharing.combine([shares[a], shares[b]]) != secret)
                for c in (b + 1)..<5 {
                    #expect(try ShamirSecretSharing.combine([shares[c], shares[a], shares[b]]) == secret)
                }
            }
        }
        #expect(try ShamirSecretSharing.combine(shares) == secret)
        #expect(shares.allSatisfy { $0.y != secret })
    }

    /// Perfect secrecy, checked exhaustively for one byte and threshold 3: over all 65,536
    /// coefficient pairs, every pair of values of shares 1 and 2 occurs exactly once, whatever the
    /// secret, so two shares carry no information about it.
    @Test(arguments: [UInt8(0x00), 0x5A, 0xFF])
    func twoOfThreeSharesAreUniformWhateverTheSecret(secret: UInt8) throws {
        var seen = [Int](repeating: 0, count: 65_536)
        for a1 in 0..<256 {
            for a2 in 0..<256 {
                var generator = ScriptedGenerator(words: [UInt64(a1), UInt64(a2)])
                let shares = try ShamirSecretSharing.split([secret], threshold: 3, shares: 3, using: &generator)
                seen[Int(shares[0].y[0]) << 8 | Int(shares[1].y[0])] += 1
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func impossibleThresholdsAreRefused() {
        #expect(throws: EscrowError.invalidThreshold(threshold: 1, shares: 3)) { try ShamirSecretSharing.split([1], threshold: 1, shares: 3) }
        #expect(throws: EscrowError.invalidThreshold(threshold: 4, shares: 3)) { try ShamirSecretSharing.split([1], threshold: 4, shares: 3) }
        #expect(throws: EscrowError.invalidThreshold(threshold: 2, shares: 256)) { try ShamirSecretSharing.split([1], threshold: 2, shares: 256) }
        #expect(throws: EscrowError.emptySecret) { try ShamirSecretSharing.split([], threshold: 2, shares: 3) }
        #expect(EscrowError.invalidThreshold(threshold: 1, shares: 3).category.exitCode == 64)
    }

    // MARK: - Escrow files

    struct Drill {
        let folder: URL
        let secretURL: URL
        let custodians: [EscrowCustodianKey]
        let shareFiles: [String]

        init(threshold: Int = 2, names: [String] = ["alice", "bob", "carol"]) throws {
            let root = try StoreTestSupport.temporaryDirectory()
            let secret = root.appending(path: "bfv-secret-key.heat")
            let payload = Data(escrowTestBytes(5_000))
            try Envelope(kind: .fheSecretKey, payload: payload).write(to: secret)
            let keys = try names.map { try EscrowCustodianKey(name: $0) }
            for custodian in keys { try custodian.write(to: root.appending(path: "custodians/\(custodian.name)")) }
            let publicKeys = try names.map {
                try EscrowCustodianPublicKey.load(from: root.appending(path: "custodians/\($0)/custodian.pub"))
            }
            shareFiles = try KeyEscrow.split(
                secretFile: secret, custodians: publicKeys, threshold: threshold, into: root.appending(path: "escrow"))
            folder = root
            secretURL = secret
            custodians = keys
        }

        func load(_ indices: [Int]) throws -> [(path: String, share: EscrowShare)] {
            try indices.map { (path: shareFiles[$0], share: try KeyEscrow.loadShare(from: URL(filePath: shareFiles[$0]))) }
        }

        var secretBytes: [UInt8] { get throws { [UInt8](try Data(contentsOf: secretURL)) } }
    }

    @Test func recoveryDrillAnyTwoOfThreeRecoverTheByteIdenticalFile() throws {
        let drill = try Drill()
        let keys = try ["alice", "bob", "carol"].map {
            try EscrowCustodianKey.load(from: drill.folder.appending(path: "custodians/\($0)/custodian.key"))
        }
        for pair in [[0, 1], [0, 2], [1, 2], [2, 0]] {
            let recovered = try KeyEscrow.recover(shares: try drill.load(pair), custodianKeys: keys)
            #expect(recovered.bytes == (try drill.secretBytes))
            #expect(recovered.fileName == "bfv-secret-key.heat")
        }
        let out = drill.folder.appending(path: "recovered")
        let written = try KeyEscrow.write(try KeyEscrow.recover(shares: try drill.load([0, 2]), custodianKeys: keys), into: out)
        #expect(try Data(contentsOf: URL(filePath: written)) == Data(try drill.secretBytes))
        let mode = try FileManager.default.attributesOfItem(atPath: written)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // Recovery never replaces a file.
        #expect(throws: EscrowError.alreadyExists(path: written)) {
            try KeyEscrow.write(try KeyEscrow.recover(shares: try drill.load([0, 1]), custodianKeys: keys), into: out)
        }
        // Share files are secret-mode too and never contain the key bytes in clear.
        for file in drill.shareFiles {
            let text = try Data(contentsOf: URL(filePath: file))
            #expect(text.range(of: Data(try drill.secretBytes).suffix(64)) == nil)
        }
    }

    @Test func fewerSharesThanTheThresholdAreRefused() throws {
        let drill = try Drill(threshold: 3, names: ["a", "b", "c", "d"])
        #expect(throws: EscrowError.belowThreshold(given: 2, needed: 3)) {
            try KeyEscrow.recover(shares: try drill.load([0, 3]), custodianKeys: drill.custodians)
        }
        #expect(try KeyEscrow.recover(shares: try drill.load([0, 1, 3]), custodianKeys: drill.custodians).bytes == (try drill.secretBytes))
    }

    @Test func aShareWhoseSealedBytesWereAlteredIsNamed() throws {
        let drill = try Drill()
        var shares = try drill.load([0, 1])
        var sealed = try #require(Data(base64Encoded: shares[1].share.sealedShare))
        sealed[sealed.count / 2] ^= 0x01
        shares[1].share.sealedShare = sealed.base64EncodedString()
        expectThrows(EscrowError.self, {
            try KeyEscrow.recover(shares: shares, custodianKeys: drill.custodians)
        }, matching: { error in
            guard case .tamperedShare(let path, _) = error else { return false }
            return path == drill.shareFiles[1]
        })
    }

    @Test func aShareWhoseHeaderWasAlteredFailsToOpen() throws {
        let drill = try Drill()
        var shares = try drill.load([0, 1])
        // Changing one share's header alone: the shares disagree.
        var changed = shares
        changed[1].share.threshold = 3
        #expect(throws: EscrowError.mixedEscrows(path: drill.shareFiles[1], otherPath: drill.shareFiles[0], field: "threshold")) {
            try KeyEscrow.recover(shares: changed, custodianKeys: drill.custodians)
        }
        // Changing a field the other shares do not cross-check (the custodian's name): HPKE's associated data.
        shares[0].share.custodian = "mallory"
        expectThrows(EscrowError.self, {
            try KeyEscrow.recover(shares: shares, custodianKeys: drill.custodians)
        }, matching: { error in
            guard case .tamperedShare(let path, let reason) = error else { return false }
            return path == drill.shareFiles[0] && reason.contains("does not open")
        })
    }

    /// Anyone can seal to a custodian's public key; a share re-sealed with other contents opens,
    /// but its value does not match the manifest's digest.
    @Test func aShareResealedWithForgedContentsIsDetected() throws {
        let drill = try Drill()
        var shares = try drill.load([0, 1])
        let custodian = drill.custodians[1].publicKey
        let forged = [UInt8(2)] + escrowTestBytes(shares[1].share.secretLength)
        var sender = try HPKE.Sender(recipientKey: custodian.publicKey, ciphersuite: KeyEscrow.suite, info: KeyEscrow.info)
        shares[1].share.sealedShare = try sender.seal(forged, authenticating: shares[1].share.associatedData).base64EncodedString()
        shares[1].share.encapsulatedKey = Hex.encode(sender.encapsulatedKey)
        expectThrows(EscrowError.self, {
            try KeyEscrow.recover(shares: shares, custodianKeys: drill.custodians)
        }, matching: { error in
            guard case .tamperedShare(let path, let reason) = error else { return false }
            return path == drill.shareFiles[1] && reason.contains("digest 2")
        })
    }

    @Test func sharesNeedTheirCustodiansKeysAndDistinctNumbers() throws {
        let drill = try Drill()
        #expect(throws: EscrowError.missingCustodianKey(path: drill.shareFiles[1], custodian: "bob")) {
            try KeyEscrow.recover(shares: try drill.load([0, 1]), custodianKeys: [drill.custodians[0], drill.custodians[2]])
        }
        #expect(throws: EscrowError.duplicateShare(path: drill.shareFiles[0], otherPath: drill.shareFiles[0], index: 1)) {
            try KeyEscrow.recover(shares: try drill.load([0, 0]), custodianKeys: drill.custodians)
        }
        let other = try Drill()
        #expect(throws: EscrowError.mixedEscrows(path: other.shareFiles[1], otherPath: drill.shareFiles[0], field: "escrowId")) {
            try KeyEscrow.recover(shares: try drill.load([0]) + other.load([1]), custodianKeys: drill.custodians + other.custodians)
        }
    }

    @Test func corruptShareFilesAndUnsafeNamesAreRefused() throws {
        let drill = try Drill()
        let url = URL(filePath: drill.shareFiles[0])
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 40] ^= 0xFF
        let corrupt = drill.folder.appending(path: "corrupt.heat")
        try bytes.write(to: corrupt)
        #expect(throws: EscrowError.envelope(.checksumMismatch(source: corrupt.path))) { try KeyEscrow.loadShare(from: corrupt) }
        var share = try KeyEscrow.loadShare(from: url)
        share.secretFileName = "../../etc/passwd"
        let unsafe = drill.folder.appending(path: "unsafe.heat")
        try KeyEscrow.writeShare(share, to: unsafe)
        expectThrows(EscrowError.self, {
            try KeyEscrow.loadShare(from: unsafe)
        }, matching: { error in
            guard case .badFile(_, let field, _) = error else { return false }
            return field == "secretFileName"
        })
        // Only secret-key files are escrowed.
        let publicFile = drill.folder.appending(path: "public.heat")
        try Envelope(kind: .fhePublicKey, payload: Data([1, 2, 3])).write(to: publicFile)
        #expect(throws: EscrowError.notASecretKey(path: publicFile.path, kind: .fhePublicKey)) {
            try KeyEscrow.split(secretFile: publicFile, custodians: drill.custodians.map(\.publicKey), threshold: 2, into: drill.folder)
        }
        #expect(throws: EscrowError.invalidCustodianName(name: "a b")) { try EscrowCustodianKey(name: "a b") }
    }
}

/// `count` bytes from the system CSPRNG.
func escrowTestBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return ShamirSecretSharing.randomBytes(count, using: &generator)
}

/// Runs `body`, expecting an error of type `E` for which `matches` holds.
func expectThrows<E: Error, R>(
    _: E.Type, _ body: () throws -> R, matching matches: (E) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try body()
        Issue.record("expected an error, none was thrown", sourceLocation: sourceLocation)
    } catch let error as E {
        #expect(matches(error), "unexpected \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
