import Foundation
import HeatEnvelope
import Testing
@testable import HeatFHE
@testable import HeatFHETools

/// Issue 10: tests that encryption hides the message, that the secret key is what it should be,
/// that insecure files are refused, that seeded objects round trip at half the size, that the
/// SEAL-style encoding buys back the noise it should, and that labels and invariants hold.
@Suite struct SecurityTests {
    static let preset = "n4096-logq109-logt17"

    struct Setup {
        let context: BfvContext<UInt32>
        let secretKey: SecretKey<UInt32>
        let publicKey: PublicKey<UInt32>
        let encoder: BfvEncoder<UInt32>

        init() throws {
            context = try BfvContext<UInt32>(parameters: BfvParameters(preset: SecurityTests.preset))
            secretKey = SecretKey(context: context)
            publicKey = PublicKey(secretKey: secretKey)
            encoder = BfvEncoder(context: context)
        }

        func randomMessage() throws -> ([UInt64], Plaintext<UInt32>) {
            var random = SecureRandom()
            let t = context.parameters.plaintextModulus
            let values = (0..<context.degree).map { _ in random.uniform(below: t) }
            return (values, try encoder.encode(unsigned: values, encoding: .coefficient))
        }
    }

    /// Pearson's chi-square statistic of the residues modulo `q_i` in 64 equal buckets.
    static func chiSquare<F>(_ polynomial: PolyRq<UInt32, F>, modulus index: Int) -> Double {
        let buckets = 64
        let q = UInt64(polynomial.context.moduli[index].value)
        var counts = [Int](repeating: 0, count: buckets)
        for residue in polynomial.residues(modulus: index) { counts[Int(UInt64(residue) * UInt64(buckets) / q)] += 1 }
        let expected = Double(polynomial.degree) / Double(buckets)
        return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    }

    /// The chi-square quantile for 63 degrees of freedom at p = 1e-6 (Wilson-Hilferty): a uniform
    /// polynomial exceeds it once in a million tries; a structured one by orders of magnitude.
    static let chiSquareLimit = 131.7

    @Test func secretKeyIsTernaryWithAboutTwoThirdsNonZero() throws {
        let setup = try Setup()
        let n = setup.context.degree
        let ring = setup.context.keyContext
        let (nonZero, ternary) = setup.secretKey.withSecretCoefficients { s in
            var nonZero = 0
            var ternary = true
            for j in 0..<n {
                let value = ring.moduli[0].centered(s.data[j])
                if value != 0 { nonZero += 1 }
                if abs(value) > 1 { ternary = false }
                for i in 1..<ring.count where ring.moduli[i].centered(s.data[i * n + j]) != value { ternary = false }
            }
            return (nonZero, ternary)
        }
        #expect(ternary)
        // Binomial(N, 2/3): mean 2N/3 = 2731, standard deviation sqrt(2N/9) = 30; allow 6 sigma.
        #expect(abs(Double(nonZero) - 2.0 * Double(n) / 3.0) < 6 * (2.0 * Double(n) / 9.0).squareRoot(), "\(nonZero) non-zero")
    }

    @Test func decryptingWithAnotherKeyGivesGarbage() throws {
        let setup = try Setup()
        let (values, plaintext) = try setup.randomMessage()
        let other = SecretKey(context: setup.context)
        for ciphertext in [
            try BfvEncryptor(publicKey: setup.publicKey).encrypt(plaintext),
            try BfvEncryptor(secretKey: setup.secretKey).encrypt(plaintext),
        ] {
            #expect(try setup.encoder.decodeUnsigned(BfvDecryptor(secretKey: setup.secretKey).decrypt(ciphertext)) == values)
            let wrong = try setup.encoder.decodeUnsigned(BfvDecryptor(secretKey: other).decrypt(ciphertext))
            // A wrong key gives values uniform modulo t: about N/t = 0.06 coincidences expected.
            let matches = zip(values, wrong).filter { $0 == $1 }.count
            #expect(matches < 5, "\(matches) of \(values.count) values survived decryption with another key")
        }
    }

    @Test func twoEncryptionsOfOneMessageDiffer() throws {
        let setup = try Setup()
        let (_, plaintext) = try setup.randomMessage()
        for encryptor in [BfvEncryptor(publicKey: setup.publicKey), BfvEncryptor(secretKey: setup.secretKey)] {
            let first = try encryptor.encrypt(plaintext)
            let second = try encryptor.encrypt(plaintext)
            #expect(first.polynomials[0].data != second.polynomials[0].data)
            #expect(first.polynomials[1].data != second.polynomials[1].data)
        }
        let seeded1 = try BfvEncryptor(secretKey: setup.secretKey).encryptSeeded(plaintext)
        let seeded2 = try BfvEncryptor(secretKey: setup.secretKey).encryptSeeded(plaintext)
        #expect(seeded1.seed != seeded2.seed && seeded1.c0.data != seeded2.c0.data)
    }

    /// Both polynomials of a fresh ciphertext look uniform modulo every prime, whatever the message
    /// (here all zeros, the easiest to leak): with `s = 0` or `u = 0` they would not.
    @Test func ciphertextPolynomialsPassAUniformityTest() throws {
        let setup = try Setup()
        let zero = try setup.encoder.encode(unsigned: [UInt64](repeating: 0, count: setup.context.degree), encoding: .coefficient)
        let seeded = try BfvEncryptor(secretKey: setup.secretKey).encryptSeeded(zero)
        for ciphertext in [try BfvEncryptor(publicKey: setup.publicKey).encrypt(zero), try seeded.expanded()] {
            for (index, polynomial) in ciphertext.polynomials.enumerated() {
                for i in 0..<polynomial.context.count {
                    let statistic = Self.chiSquare(polynomial, modulus: i)
                    #expect(statistic < Self.chiSquareLimit, "c\(index) modulo q\(i): chi-square \(statistic)")
                }
            }
        }
        // The public key's mask p1 = a and p0 = -(a*s + e) too.
        for polynomial in setup.publicKey.coefficientForm() {
            for i in 0..<polynomial.context.count { #expect(Self.chiSquare(polynomial, modulus: i) < Self.chiSquareLimit) }
        }
    }

    @Test func insecureParameterFilesAreRefusedOutsideTheTestingSwitch() throws {
        let folder = try TestParameters.temporaryDirectory()
        // Key generation for insecure parameters needs the switch too.
        #expect(throws: FHEError.self) { try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder) }
        let keys = try FHEToolbox.generateKeys(
            parameters: TestParameters.small32, directory: folder, policy: .allowInsecureForTesting)
        let output = folder.appending(path: "v.ct")
        try FHEToolbox.encrypt(
            values: [1, 2, 3], keyFile: keys.publicKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
        func isInsecure(_ body: () throws -> Void) {
            do {
                try body()
                Issue.record("insecure parameters were accepted")
            } catch let error as FHEError {
                guard case .insecureParameters = error else { Issue.record("unexpected \(error)"); return }
                #expect(error.category.exitCode == 64)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        isInsecure { _ = try FHEToolbox.decrypt(secretKeyFile: keys.secretKey, ciphertextFile: output) }
        isInsecure { _ = try FHEToolbox.encrypt(values: [1], keyFile: keys.publicKey, encoding: .batch, output: output) }
        isInsecure { _ = try FHEToolbox.inspect(output) }
        isInsecure { _ = try FHEToolbox.exportJSON(output) }
        let parametersEnvelope = try BfvFile.read(keys.parameters)
        isInsecure { _ = try BfvParameters(envelope: parametersEnvelope, source: "p") }
        isInsecure { _ = try BfvFile.parameters(in: parametersEnvelope, source: "p") }
        #expect(try BfvParameters(envelope: parametersEnvelope, source: "p", policy: .allowInsecureForTesting) == TestParameters.small32)
        #expect(try FHEToolbox.decrypt(secretKeyFile: keys.secretKey, ciphertextFile: output, policy: .allowInsecureForTesting).values == [1, 2, 3])
        // A file that claims 128-bit security for a small ring is refused by validation.
        var forged = TestParameters.small32
        forged.security = .standard128
        let forgedEnvelope = BfvFile.envelope(kind: .fheParameters, parameters: forged, writer: BfvFile.header(forged))
        #expect(throws: FHEError.self) { try BfvParameters(envelope: forgedEnvelope, source: "f", policy: .allowInsecureForTesting) }
        // A preset passes the production policy.
        #expect(throws: Never.self) { try BfvSecurityPolicy.production.check(BfvParameters(preset: Self.preset)) }
    }

    @Test func encryptionTakesAPublicKeyAndSecretExportNeedsConsent() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(
            parameters: TestParameters.small32, directory: folder, policy: .allowInsecureForTesting)
        let output = folder.appending(path: "v.ct")
        do {
            try FHEToolbox.encrypt(
                values: [1], keyFile: keys.secretKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
            Issue.record("a secret key must not encrypt through the toolbox")
        } catch {
            #expect(error.description.contains("public key"))
        }
        #expect(throws: FHEError.self) { try FHEToolbox.exportJSON(keys.secretKey, policy: .allowInsecureForTesting) }
        let exported = try FHEToolbox.exportJSON(keys.secretKey, includeSecret: true, policy: .allowInsecureForTesting)
        #expect(exported.contains("\"secretKey\""))
    }

    @Test func loadedKeysAreValidated() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let secretKey = SecretKey(context: context)
        let envelope = secretKey.envelope()
        let loaded = try SecretKey(envelope: envelope, context: context, source: "s")
        #expect(loaded.withSecretCoefficients { $0.data } == secretKey.withSecretCoefficients { $0.data })
        let ring = context.keyContext
        let n = ring.degree
        func tampered(_ change: (inout [UInt32]) -> Void) throws -> Envelope {
            var data = secretKey.withSecretCoefficients { $0.data }
            change(&data)
            var writer = BfvFile.header(context.parameters)
            BfvFile.write(PolyRq<UInt32, Coeff>(context: ring, data: data), to: &writer)
            return BfvFile.envelope(kind: .fheSecretKey, parameters: context.parameters, writer: writer)
        }
        // Not ternary (2 in every prime), and inconsistent across primes (1 modulo q0 only).
        let notTernary = try tampered { data in for i in 0..<ring.count { data[i * n] = 2 } }
        let inconsistent = try tampered { data in
            data[0] = 1
            data[n] = 0
        }
        for bad in [notTernary, inconsistent] {
            #expect(throws: FHEError.self) { try SecretKey(envelope: bad, context: context, source: "s") }
        }
        // Loading through wipingEnvelope zeroes the caller's payload.
        var owned = envelope
        _ = try SecretKey(wipingEnvelope: &owned, context: context, source: "s")
        #expect(owned.payload.allSatisfy { $0 == 0 })
        // A public key with p1 = 0 would encrypt in the clear.
        let publicKey = PublicKey(secretKey: secretKey)
        var writer = BfvFile.header(context.parameters)
        BfvFile.write(publicKey.coefficientForm()[0], to: &writer)
        BfvFile.write(PolyRq<UInt32, Coeff>(zeroIn: ring), to: &writer)
        let zeroMask = BfvFile.envelope(kind: .fhePublicKey, parameters: context.parameters, writer: writer)
        #expect(throws: FHEError.self) { try PublicKey(envelope: zeroMask, context: context, source: "pk") }
    }

    /// An all-zero secret (or one with far fewer non-zero coefficients than sampling gives) is
    /// ternary and consistent across primes, so the weight check is its only guard: test it at a
    /// real ring degree (the check applies from N = 1024).
    @Test func nearEmptySecretKeysAreRefusedAtRealSizes() throws {
        let setup = try Setup()
        let context = setup.context
        let ring = context.keyContext
        let n = ring.degree
        func key(nonZero: Int) -> Envelope {
            var data = [UInt32](repeating: 0, count: ring.count * n)
            for j in 0..<nonZero { for i in 0..<ring.count { data[i * n + j] = 1 } }
            var writer = BfvFile.header(context.parameters)
            BfvFile.write(PolyRq<UInt32, Coeff>(context: ring, data: data), to: &writer)
            return BfvFile.envelope(kind: .fheSecretKey, parameters: context.parameters, writer: writer)
        }
        for nonZero in [0, n / 4] {
            do {
                _ = try SecretKey(envelope: key(nonZero: nonZero), context: context, source: "s")
                Issue.record("a secret key with \(nonZero) non-zero coefficients of \(n) was accepted")
            } catch {
                #expect("\(error)".contains("too few non-zero"))
            }
        }
        // A generated key (about 2N/3 non-zero) loads.
        _ = try SecretKey(envelope: setup.secretKey.envelope(), context: context, source: "s")
    }

    @Test func seededObjectsRoundTripAtHalfTheSize() throws {
        let setup = try Setup()
        let context = setup.context
        let (values, plaintext) = try setup.randomMessage()
        let decryptor = BfvDecryptor(secretKey: setup.secretKey)
        // Secret-key ciphertext.
        let seeded = try BfvEncryptor(secretKey: setup.secretKey).encryptSeeded(plaintext)
        let expanded = try seeded.expanded()
        let seededBytes = seeded.envelope().serialized()
        let fullBytes = expanded.envelope().serialized()
        #expect(Double(seededBytes.count) / Double(fullBytes.count) < 0.51, "\(seededBytes.count) vs \(fullBytes.count)")
        let reloaded = try Ciphertext(
            envelope: Envelope(decoding: seededBytes, expecting: .fheSeededCiphertext), context: context, source: "ct")
        #expect(reloaded.polynomials.map(\.data) == expanded.polynomials.map(\.data))
        #expect(try setup.encoder.decodeUnsigned(decryptor.decrypt(reloaded)) == values)
        // Public key.
        let seededKey = setup.publicKey.envelope(seeded: true)
        let fullKey = setup.publicKey.envelope(seeded: false)
        #expect(seededKey.kind == .fheSeededPublicKey && fullKey.kind == .fhePublicKey)
        #expect(Double(seededKey.serialized().count) / Double(fullKey.serialized().count) < 0.51)
        for envelope in [seededKey, fullKey] {
            let loaded = try PublicKey(envelope: envelope, context: context, source: "pk")
            #expect(loaded.coefficientForm().map(\.data) == setup.publicKey.coefficientForm().map(\.data))
            let ciphertext = try BfvEncryptor(publicKey: loaded).encrypt(plaintext)
            #expect(try setup.encoder.decodeUnsigned(decryptor.decrypt(ciphertext)) == values)
        }
        // Expansion is deterministic and per modulus, so a key-level expansion dropped to the
        // ciphertext level equals the ciphertext-level expansion.
        var random = SecureRandom()
        let seed = PolySeed(using: &random)
        let keyLevel: PolyRq<UInt32, Eval> = seed.uniformPolynomial(in: context.keyContext)
        let ciphertextLevel: PolyRq<UInt32, Eval> = seed.uniformPolynomial(in: context.ciphertextContext)
        #expect(keyLevel.dropping(to: context.ciphertextContext).data == ciphertextLevel.data)
        #expect(throws: FHEError.self) { try PolySeed(bytes: [1, 2, 3]) }
    }

    /// `round(Q*m/t)` instead of `floor(Q/t)*m` removes the term `r*m` (`r = Q mod t`) from the
    /// scaled noise `v = t*x - Q*m`: for `m = t - 1` the fresh budget rises from about
    /// `bits(Q) - bits(r*(t-1))` to about `bits(Q) - bits(t*|e|)`.
    @Test func freshNoiseBudgetRisesAsComputed() throws {
        let setup = try Setup()
        let context = setup.context
        let t = context.parameters.plaintextModulus
        let q = context.ciphertextContext.modulusProduct
        let r = q.residue(modulo: t)
        let message = try setup.encoder.encode(
            unsigned: [UInt64](repeating: t - 1, count: context.degree), encoding: .coefficient)
        let zero = try setup.encoder.encode(unsigned: [], encoding: .coefficient)
        let decryptor = BfvDecryptor(secretKey: setup.secretKey)
        let encryptionOfZero = try BfvEncryptor(secretKey: setup.secretKey).encrypt(zero)
        var floorEncoded = encryptionOfZero
        floorEncoded.polynomials[0] += message.scaledToCiphertextFloor()
        var roundEncoded = encryptionOfZero
        roundEncoded.polynomials[0] += message.scaledToCiphertext()
        #expect(try decryptor.decrypt(roundEncoded).coefficients == message.coefficients)
        let before = try decryptor.invariantNoiseBudget(floorEncoded)
        let after = try decryptor.invariantNoiseBudget(roundEncoded)
        // Bounds: |e| <= 21, so |v_round| <= 21t + t/2 and |v_floor| >= r(t-1) - 21t.
        let bitsQ = q.bitWidth
        let predictedAfter = bitsQ - (BigInt(t) * BigInt(43) / BigInt(2)).bitWidth - 1
        let predictedBefore = bitsQ - (BigInt(r) * BigInt(t - 1) - BigInt(21 * t)).bitWidth - 1
        #expect(after >= predictedAfter, "budget \(after) below the computed \(predictedAfter)")
        #expect(before <= predictedBefore, "floor-encoding budget \(before) above the computed \(predictedBefore)")
        #expect(after - before >= predictedAfter - predictedBefore)
        #expect(after - before >= 6, "gain \(after - before) bits (r = \(r))")
    }

    /// Public-key encryption at the key level with division by the special prime leaves less
    /// fresh noise than encrypting at the ciphertext level (the error is divided by `P`).
    @Test func keyLevelPublicKeyEncryptionLowersFreshNoise() throws {
        let setup = try Setup()
        let (values, plaintext) = try setup.randomMessage()
        let decryptor = BfvDecryptor(secretKey: setup.secretKey)
        var keyLevel = BfvEncryptor(publicKey: setup.publicKey)
        var ciphertextLevel = keyLevel
        ciphertextLevel.publicKeyAtKeyLevel = false
        keyLevel.publicKeyAtKeyLevel = true
        var budgets = (key: 0, ciphertext: 0)
        for _ in 0..<3 {
            let a = try keyLevel.encrypt(plaintext)
            let b = try ciphertextLevel.encrypt(plaintext)
            #expect(try setup.encoder.decodeUnsigned(decryptor.decrypt(a)) == values)
            #expect(try setup.encoder.decodeUnsigned(decryptor.decrypt(b)) == values)
            budgets.key += try decryptor.invariantNoiseBudget(a)
            budgets.ciphertext += try decryptor.invariantNoiseBudget(b)
        }
        #expect(budgets.key > budgets.ciphertext, "key level \(budgets.key / 3), ciphertext level \(budgets.ciphertext / 3)")
    }

    @Test func signedAndUnsignedLabelsAreNotMixedSilently() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let secretKey = SecretKey(context: context)
        let encoder = BfvEncoder(context: context)
        let encryptor = BfvEncryptor(secretKey: secretKey)
        let evaluator = BfvEvaluator(context: context)
        let unsigned = try encoder.encode(unsigned: [5, 6], encoding: .coefficient)
        let signed = try encoder.encode(signed: [-2, 3], encoding: .coefficient)
        let cu = try encryptor.encrypt(unsigned)
        let cs = try encryptor.encrypt(signed)
        #expect(throws: FHEError.self) { try evaluator.add(cu, cs) }
        #expect(throws: FHEError.self) { try evaluator.subtract(cs, cu) }
        #expect(throws: FHEError.self) { try evaluator.add(cu, signed) }
        #expect(throws: FHEError.self) { try evaluator.multiply(cs, unsigned) }
        #expect(throws: FHEError.self) { try encoder.decodeSigned(unsigned) }
        #expect(throws: FHEError.self) { try encoder.decodeUnsigned(signed) }
        // Explicit relabeling is allowed.
        let sum = try evaluator.add(cu.relabeled(as: .signed), cs)
        let decrypted = try BfvDecryptor(secretKey: secretKey).decrypt(sum)
        #expect(decrypted.signedness == .signed)
        #expect(try encoder.decodeSigned(decrypted) == [3, 9])
        #expect(try encoder.decodeUnsigned(signed.relabeled(as: .unsigned)) == [95, 3])
    }

    @Test func plaintextAndCiphertextInvariantsAreEnforced() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let n = context.degree
        #expect(throws: FHEError.self) {
            try Plaintext(context: context, coefficients: [UInt32](repeating: 97, count: n), encoding: .coefficient, signedness: .unsigned, valueCount: 1)
        }
        #expect(throws: FHEError.self) {
            try Plaintext(context: context, coefficients: [0], encoding: .coefficient, signedness: .unsigned, valueCount: 1)
        }
        let c = PolyRq<UInt32, Coeff>(zeroIn: context.ciphertextContext)
        #expect(throws: FHEError.self) {
            try Ciphertext(context: context, polynomials: [c], encoding: .coefficient, signedness: .unsigned, valueCount: 1)
        }
        #expect(throws: FHEError.self) {
            try Ciphertext(
                context: context, polynomials: [c, PolyRq(zeroIn: context.keyContext)], encoding: .coefficient,
                signedness: .unsigned, valueCount: 1)
        }
        #expect(throws: FHEError.self) {
            try Ciphertext(context: context, polynomials: [c, c], encoding: .coefficient, signedness: .unsigned, valueCount: n + 1)
        }
    }

    /// The ChaCha20 core of SecureRandom and PolySeed against swift-crypto's ChaChaPoly, whose
    /// ciphertext of zeros is the ChaCha20 keystream from block counter 1.
    @Test func chaCha20MatchesSwiftCrypto() throws {
        var random = SecureRandom()
        let key = (0..<32).map { _ in random.nextByte() }
        let nonce = (0..<12).map { _ in random.nextByte() }
        let blocks = 5
        let reference = try ChaCha20.referenceKeystream(key: key, nonce: nonce, byteCount: 64 * blocks)
        var keyWords = [UInt32](repeating: 0, count: 8)
        for i in 0..<8 { keyWords[i] = (0..<4).reduce(0) { $0 | UInt32(key[4 * i + $1]) << UInt32(8 * $1) } }
        let nonceWord = { (i: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(nonce[4 * i + $1]) << UInt32(8 * $1) } }
        var ours = [UInt8](repeating: 0, count: 64 * blocks)
        ours.withUnsafeMutableBytes { buffer in
            for block in 0..<blocks {
                ChaCha20.block(
                    key: keyWords, counter: UInt32(block + 1), nonce: (nonceWord(0), nonceWord(1), nonceWord(2)),
                    into: buffer.baseAddress! + 64 * block)
            }
        }
        #expect(ours == reference)
        // Seeded generators are deterministic; distinct streams of one seed differ.
        let seed = PolySeed(using: &random)
        var a = SecureRandom(seed: seed, stream: 0)
        var b = SecureRandom(seed: seed, stream: 0)
        var c = SecureRandom(seed: seed, stream: 1)
        let wordsA = (0..<4).map { _ in a.next() }
        #expect(wordsA == (0..<4).map { _ in b.next() })
        #expect(wordsA != (0..<4).map { _ in c.next() })
    }
}
