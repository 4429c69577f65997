import Testing
@testable import HeatFHE

/// The word-level kernels added for speed, each against a simple reference.
@Suite struct KernelTests {
    /// Uniform sampling: in range, and each of 16 equal buckets within 5 sigma of its expected count.
    @Test(arguments: [UInt64(97), 65537, 134_176_769, 4_294_967_291, 18_014_398_508_400_641, 4_611_686_018_427_322_369])
    func uniformSamplesAreInRangeAndBalanced(q: UInt64) throws {
        let modulus = try Modulus<UInt64>(q)
        var random = SecureRandom()
        let count = 64_000
        let samples = Sampler.uniform(modulus: modulus, count: count, using: &random)
        #expect(samples.count == count)
        #expect(samples.allSatisfy { $0 < q })
        var buckets = [Int](repeating: 0, count: 16)
        for value in samples {
            let scaled = value.multipliedFullWidth(by: 16)
            buckets[Int(q.dividingFullWidth((high: scaled.high, low: scaled.low)).quotient)] += 1
        }
        // Bucket k holds the v with floor(16 v / q) = k: from ceil(k q / 16) to ceil((k + 1) q / 16).
        func start(_ k: UInt64) -> UInt64 {
            let product = q.multipliedFullWidth(by: k)
            let division = UInt64(16).dividingFullWidth((high: product.high, low: product.low))
            return division.quotient + (division.remainder == 0 ? 0 : 1)
        }
        for (k, bucket) in buckets.enumerated() {
            let probability = Double(start(UInt64(k) + 1) - start(UInt64(k))) / Double(q)
            let expected = Double(count) * probability
            let sigma = (expected * (1 - probability)).squareRoot()
            #expect(abs(Double(bucket) - expected) < 5 * sigma, "bucket \(k) of \(buckets)")
        }
    }

    @Test func uniformSamplesFor32BitScalars() throws {
        let modulus = try Modulus<UInt32>(134_176_769)
        var random = SecureRandom()
        let samples = Sampler.uniform(modulus: modulus, count: 10_001, using: &random)
        #expect(samples.count == 10_001)
        #expect(samples.allSatisfy { $0 < 134_176_769 })
        #expect(Set(samples).count > 9_900)
    }

    /// Signed reduction (fast path for |x| < q) against plain remainder arithmetic.
    @Test func signedReductionMatchesRemainder() throws {
        var random = SecureRandom()
        for q in [UInt64(97), 134_176_769, 18_014_398_508_400_641, 4_611_686_018_427_322_369] {
            let modulus = try Modulus<UInt64>(q)
            var inputs: [Int64] = [0, 1, -1, 21, -21, Int64.max, Int64.min, Int64.min + 1]
            if q < UInt64(Int64.max) { inputs += [Int64(q), -Int64(q), Int64(q) - 1, -Int64(q) + 1, Int64(q) + 1, -Int64(q) - 1] }
            for _ in 0..<2000 {
                let word = random.next()
                inputs.append(Int64(bitPattern: word))
                inputs.append(Int64(bitPattern: word) >> Int64(word & 63))
            }
            for x in inputs {
                let remainder = x.magnitude % q
                let expected = x >= 0 || remainder == 0 ? remainder : q - remainder
                #expect(UInt64(modulus.reduce(signed: x)) == expected, "x = \(x) mod \(q)")
            }
        }
        let small = try Modulus<UInt32>(7681)
        #expect(small.reduce(signed: -1) == 7680)
        #expect(small.reduce(signed: -7681) == 0)
        #expect(small.reduce(signed: 7682) == 1)
    }

    /// The bulk big-endian reader and writer agree with the one-word-at-a-time ones.
    @Test func bulkWordsMatchSingleWordCodec() throws {
        var random = SecureRandom()
        let words64 = (0..<257).map { _ in random.next() }
        let words32 = (0..<33).map { _ in UInt32(truncatingIfNeeded: random.next()) }
        var bulk = ByteWriter()
        bulk.append(UInt8(7))
        bulk.appendBigEndian(words64)
        bulk.appendBigEndian(words32)
        var single = ByteWriter()
        single.append(UInt8(7))
        for word in words64 { single.append(word) }
        for word in words32 { single.append(word) }
        #expect(bulk.bytes == single.bytes)

        var reader = ByteReader(bulk.bytes, source: "test")
        let tag: UInt8 = try reader.read("tag")
        #expect(tag == 7)
        let read64: [UInt64] = reader.readBigEndianWords(count: words64.count)
        let read32: [UInt32] = reader.readBigEndianWords(count: words32.count)
        #expect(read64 == words64)
        #expect(read32 == words32)
        try reader.expectEnd()
    }

    /// A polynomial cut short names the residue where the payload ends.
    @Test func truncatedPolynomialNamesTheResidue() throws {
        let ring = try RnsContext<UInt32>(degree: 16, moduli: [97, 193])
        let polynomial = PolyRq<UInt32, Coeff>(context: ring, data: (0..<32).map { UInt32($0 % 97) })
        var writer = ByteWriter()
        BfvFile.write(polynomial, to: &writer)
        var whole = ByteReader(writer.bytes, source: "whole")
        #expect(try BfvFile.readPolynomial(&whole, ring: ring, field: "c0").data == polynomial.data)
        // Keep the count byte and 18 residues (72 bytes) plus 2 bytes of the 19th.
        var reader = ByteReader(Array(writer.bytes.prefix(1 + 18 * 4 + 2)), source: "cut")
        do {
            _ = try BfvFile.readPolynomial(&reader, ring: ring, field: "c0")
            Issue.record("a truncated polynomial must not load")
        } catch {
            #expect(error.description.contains("c0[1][2]"), "\(error.description)")
            #expect(error.description.contains("byte 73"), "\(error.description)")
        }
    }
}
