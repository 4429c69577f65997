/// Appends big-endian integers to a byte array (the binary payloads of HeatFHE files).
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<I: FixedWidthInteger>(_ value: I) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    mutating func append(contentsOf other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Appends every word big-endian, in one pass over a pre-sized buffer.
    mutating func appendBigEndian<I: FixedWidthInteger>(_ values: [I]) {
        let size = MemoryLayout<I>.size
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * size))
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { words in
                for (index, word) in words.enumerated() {
                    raw.storeBytes(of: word.bigEndian, toByteOffset: start + index * size, as: I.self)
                }
            }
        }
    }
}

/// Reads big-endian integers from a byte array, naming the field on truncation.
struct ByteReader {
    private(set) var bytes: [UInt8]
    var offset = 0
    let source: String

    init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    var remaining: Int { bytes.count - offset }

    mutating func read<I: FixedWidthInteger>(_ field: String) throws(FHEError) -> I {
        let size = MemoryLayout<I>.size
        guard remaining >= size else {
            throw .malformedData(source: source, reason: "payload ends inside \(field) at byte \(offset)")
        }
        var value: I = 0
        for index in 0..<size { value = value << 8 | I(bytes[offset + index]) }
        offset += size
        return value
    }

    /// Reads `count` big-endian words; the caller has checked that `remaining >= count * size`.
    mutating func readBigEndianWords<I: FixedWidthInteger>(count: Int) -> [I] {
        let size = MemoryLayout<I>.size
        precondition(count >= 0 && remaining >= count * size, "readBigEndianWords needs a length check first")
        let start = offset
        let out = [I](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0..<count {
                    buffer[index] = I(bigEndian: raw.loadUnaligned(fromByteOffset: start + index * size, as: I.self))
                }
            }
            initialized = count
        }
        offset += count * size
        return out
    }

    mutating func readBytes(_ count: Int, field: String) throws(FHEError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw .malformedData(source: source, reason: "payload ends inside \(field) at byte \(offset)")
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Overwrites the bytes with zeros (after reading a secret key).
    mutating func wipe() { bytes.wipe() }

    func expectEnd() throws(FHEError) {
        guard remaining == 0 else {
            throw .malformedData(source: source, reason: "\(remaining) unexpected bytes after the object")
        }
    }
}
